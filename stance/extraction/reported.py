"""Reported speech and the other attributions PARC and PolNeAR annotate: a cue verb with a clause,
an object, a preposition or an infinitive; positions, beliefs, intentions and evidence; "according
to X" and "citing X"; nouns of saying with their holder; states ("are confident that"); a verb outside
the lists with a clause and a subject who can hold a view; the article's title line."""
from __future__ import annotations

import bisect
from typing import Any

from .document import _Article, _Candidate, _np_span, _sentence_bounds, _speaker_span, _trim
from .grammar import _blocked, cue_lemma, _inherited_subject, _is_dash, _second_act, _subject
from .speakers import _document_author
from .words import (
    ADDRESSEE, AFFILIATION_NOUNS, AGENT_PRONOUNS, _ANONYMITY, ASIDE_WORDS, BELIEF_VERBS, CHARACTERIZING, CUE_VERBS,
    DASHES, DOCUMENT_NOUNS, _FORMS, HEADLINE_VERBS, HUMAN_PLURALS, INTENT_VERBS, _ISSUING_FORMS, NAMING, NOT_CUES,
    NP_CONTENT, OBJECT_PREP, ORG_NOUNS, PASSIVE_STANCE, PERSON_NOUNS, PREP_CONTENT, SPEECH_EVENTS, SPEECH_VERBS,
    STATE_ADJECTIVES, XCOMP_CONTENT, _singular,
)


def _rest_after_cue(art: _Article, verb: Any, sent_hi: int) -> list[tuple[int, int]]:
    """What goes on after a fronted content's cue and its comma ('"It's our bad luck," he said, that
    both men had ties to the mosque'; 'One offered to help, Bob said, while others refused'): more
    of the same content, unless it is an attribution of its own or a participle ('..., adding ...')."""
    doc = art.doc
    if any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children):
        return []  # 'Prices will fall, said Ravi Patel, an economist': what follows is the speaker's
    k = verb.i + 1
    while k < sent_hi and k - verb.i <= 12 and doc[k].text not in (",", ":") and not doc[k].is_space:
        if doc[k].tag_.startswith("VB") or art.quote_of[k] >= 0:
            return []
        k += 1
    if k >= sent_hi - 1 or doc[k].text not in (",", ":"):
        return []
    rest = _trim(art, k + 1, sent_hi)
    if rest is None or sum(doc[m].is_alpha for m in range(*rest)) < 3:
        return []
    first = doc[rest[0]]
    if first.tag_ == "VBG" or first.lower_ in ("and", "adding", "saying", "according", "citing") or \
            (first.lower_ in ASIDE_WORDS and first.lower_ not in ("while", "whereas")) or any(
            cue_lemma(doc[m]) in SPEECH_VERBS and any(c.dep_ == "nsubj" for c in doc[m].children) for m in range(*rest)):
        return []
    return [rest]


def _content_of(art: _Article, verb: Any, lemma: str) -> tuple[list[tuple[int, int]], int | None, bool, str] | None:
    """The reported content of a cue verb: (token ranges, target head, fronted?, frame) or ``None``;
    the frame names the rule (``reported-<frame>``)."""
    children = list(verb.children)
    sent_lo, sent_hi = _sentence_bounds(art, verb.i)

    def subtree(tok: Any) -> tuple[int, int]:
        return max(tok.left_edge.i, sent_lo), min(tok.right_edge.i + 1, sent_hi)

    # 1. a clause: 'said (that) ...', fronted '..., he said'
    for child in children:
        if child.dep_ != "ccomp":
            continue
        i, j = subtree(child)
        # '... inside Ukraine — a charge the alliance denies': that denial is another statement
        for k in range(i + 1, j - 2):
            if _is_dash(verb.doc[k]):
                np = verb.doc[k + 1].head if verb.doc[k + 1].dep_ == "det" else verb.doc[k + 1]
                if np.dep_ == "appos" and np.right_edge.i >= j - 2 and any(c.dep_ == "relcl" and cue_lemma(c) in NP_CONTENT
                                              and _relative_antecedent(c) is not None for c in np.children):
                    j = k
                    break
        second = next((c for c in child.children if c.dep_ == "conj" and ((_second_act(c) or c).i == verb.i or (
            # 'She said she admires his determination and highlighted ...': a verb in the cue's tense, not
            # the clause's, and with no subject of its own goes on with the speaker's acts
            c.tag_ == verb.tag_ == "VBD" and child.tag_ in ("VBZ", "VBP", "MD") and c.i > child.i
            and not any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)))), None)
        if second is not None:  # '... would prolong the suffering and accused ...': not part of it
            j = min(j, max(i + 1, second.left_edge.i))
            while j - 1 > i and (verb.doc[j - 1].dep_ == "cc" or verb.doc[j - 1].is_punct):
                j -= 1
        if child.i > verb.i:
            # '... that Russia remained open to talks, but only on terms that ...': the qualifier the
            # parser hung on the verb belongs to the content
            later = [c for c in children if c.i >= j]
            if (len(later) >= 2 and later[0].dep_ == "punct" and later[0].text == ","
                    and any(c.dep_ == "cc" for c in later[1:2]) and any(c.dep_ == "prep" for c in later[2:4])):
                prep = next(c for c in later[2:4] if c.dep_ == "prep")
                j = subtree(prep)[1]
            # '... said that A, and that B': a second 'that' clause the parser hung on the verb
            for c in later:
                if c.dep_ in ("ccomp", "conj") and c.left_edge.i >= j and any(
                        g.dep_ == "mark" and g.lower_ == "that" for g in c.children) and cue_lemma(c) is None:
                    j = subtree(c)[1]
            return [(i, j)], None, False, "clause"
        subj = _subject(verb)
        stop = subj.left_edge.i if subj is not None and child.i < subj.i < verb.i else verb.i
        if j > stop or stop - j <= 2:
            j = stop
        return [(i, j), *_rest_after_cue(art, verb, sent_hi)], None, True, "fronted"
    # 2. 'As Clinton told the Daily News, tax relief is given in exchange for jobs': the clause the
    # 'as' phrase is hung on, without the phrase
    if (verb.dep_ == "advcl" and verb.i < verb.head.i and verb.head.tag_.startswith("VB")
            and any(c.dep_ == "mark" and c.lower_ == "as" and c.i < verb.i for c in children)
            and not any(c.dep_ in ("ccomp", "xcomp") for c in children)):
        i, j = subtree(verb.head)
        v_lo, v_hi = verb.left_edge.i, verb.right_edge.i + 1
        frags = [f for f in ((i, v_lo), (v_hi, j)) if f[1] > f[0]]
        frags = [f for f in frags if (s := _trim(art, *f)) and s[1] - s[0] >= 3]
        if frags:
            return frags, None, False, "as-said"
    # 3. a parenthetical: 'The plan, he said, is dead.' / 'The economy is slowing, he said.'
    if verb.dep_ == "parataxis":
        host = verb.head
        while host.dep_ in ("aux", "auxpass", "neg", "advmod") and host.head.i != host.i:
            host = host.head  # 'Russia, he said, was terrorizing civilians' hung on the auxiliary
        i, j = subtree(host)
        v_lo, v_hi = verb.left_edge.i, verb.right_edge.i + 1
        frags = [f for f in ((i, v_lo), (v_hi, j)) if f[1] > f[0]]
        return frags, None, True, "parenthetical"
    dobj = next((c for c in children if c.dep_ in ("dobj", "dative") and c.i > verb.i), None)
    # 3. object + preposition: 'accuses Russia of ...', 'blamed the U.S. for ...'
    preps = OBJECT_PREP.get(lemma)
    if preps and dobj is not None:
        # the preposition hangs from the verb, or from its object ('accused the governor of ...')
        for child in children + [c for c in dobj.children if c.dep_ == "prep"]:
            if child.dep_ == "prep" and child.lower_ in preps and child.i > dobj.i:
                if verb.tag_ == "VBG" and verb.dep_ == "pcomp":
                    # '... by blaming the U.S. for the strained relations': the whole gerund clause
                    return [(verb.i, subtree(child)[1])], dobj.i, False, "object-prep"
                return [subtree(child)], dobj.i, False, "object-prep"
    # 4. an infinitive: 'vowed to retaliate', 'urged Moscow to withdraw'
    if lemma in XCOMP_CONTENT or lemma in NP_CONTENT:
        for child in children:
            # 'vowed to retaliate'; 'denied targeting civilians' (a gerund after a verb of the object kind)
            if child.dep_ == "xcomp" and child.i > verb.i and (lemma in XCOMP_CONTENT or child.tag_ == "VBG"):
                i, j = subtree(child)
                if dobj is not None and dobj.i < child.i and lemma not in ADDRESSEE:
                    i = min(i, dobj.left_edge.i)
                return [(i, j)], dobj.i if dobj is not None else None, False, "infinitive"
    # 5. a name for something: 'called the proposal "a gift to polluters"'
    if lemma in NAMING and dobj is not None and dobj.dep_ == "dobj":
        i, j = subtree(dobj)
        # ('calling it "a gift to the wealthy"' is sometimes parsed as two objects)
        comps = [c for c in children if c.i > dobj.i and c.dep_ in ("oprd", "attr", "acomp", "ccomp", "xcomp", "dobj")]
        named = any(c.dep_ in ("appos", "oprd") for c in dobj.children) or any(art.quote_of[k] >= 0 for k in range(i, j))
        if comps or named:
            return [(i, max([j] + [subtree(c)[1] for c in comps]))], None, False, "naming"
    # 6. 'dismissed as "absurd" new allegations that ...': the object inside the 'as' phrase
    if dobj is None and lemma in CHARACTERIZING and verb.dep_ != "relcl":
        for child in children:
            if child.dep_ == "prep" and child.lower_ == "as" and child.i > verb.i and any(
                    c.dep_ == "pobj" for c in child.children):
                return [subtree(child)], None, False, "as"
    # 7. a preposition: 'called for calm', 'warned of a crisis' ('called for X to do Y': a 'mark')
    preps = PREP_CONTENT.get(lemma)
    # not a participle set off by commas ('McConnell, asked about the remarks, said ...'), however parsed
    if preps and not (verb.tag_ == "VBN" and not any(c.dep_ == "aux" for c in children)) and not (
            verb.i > 0 and verb.doc[verb.i - 1].text == ","):
        for child in children:
            if child.dep_ in ("prep", "mark") and child.lower_ in preps and child.i > verb.i:
                return [subtree(child)], None, False, "prep"
    # 8. the object: 'confirmed the meeting' (sometimes parsed as two objects)
    objects = [c for c in children if c.dep_ == "dobj" and c.i > verb.i]
    if lemma in NP_CONTENT and objects and objects[0].tag_ not in ("PRP", "WDT", "WP", "DT", "EX"):
        i, j = subtree(objects[0])[0], subtree(objects[-1])[1]
        for c in objects[-1].children:  # a non-restrictive ', which ...' is not part of it
            if c.dep_ == "relcl" and c.left_edge.i > i and verb.doc[c.left_edge.i - 1].text == ",":
                j = min(j, c.left_edge.i - 1)
        if lemma in CHARACTERIZING:  # 'condemned the strikes as "barbaric"': what they are called too
            as_ = next((c for c in children if c.dep_ == "prep" and c.lower_ == "as" and c.i >= j), None)
            if as_ is not None:
                j = subtree(as_)[1]
        # the rest of the verb phrase goes with its object ('denied class-action status to employees',
        # 'polls show Sanders within two points of Clinton'), up to a comma
        for c in sorted(children, key=lambda c: c.i):
            if c.i < j or c.dep_ not in ("prep", "dative", "oprd", "npadvmod", "advmod", "acomp"):
                continue
            if any(verb.doc[k].text in (",", ";", ":") or verb.doc[k].text in DASHES or art.quote_of[k] >= 0
                   for k in range(j, c.left_edge.i + 1)) or any(t.ent_type_ in ("DATE", "TIME") for t in c.subtree):
                break  # not 'on Tuesday
            j = max(j, subtree(c)[1])
        return [(i, j)], None, False, "object"
    # 9. the antecedent of a gapped relative clause: 'claims that the Kremlin denies'
    if lemma in NP_CONTENT and not objects:
        rel = _relative_antecedent(verb)
        if rel is not None:
            return [(max(rel.left_edge.i, sent_lo) if rel.left_edge.i < rel.i else rel.i, verb.i + 1)], None, False, "relative"
    # 10. 'told a congregation in Atlanta that the country needed ...' parsed as a relative clause
    # of the hearer: a 'that' clause with its own subject is what was told
    # ('said in a statement that the measure would ...', the clause hung on 'statement', likewise)
    if lemma in ADDRESSEE or lemma in SPEECH_VERBS:
        dobj_ = next((c for c in children if c.dep_ in ("dobj", "dative") and c.i > verb.i), None)
        after = dobj_.i if dobj_ is not None else verb.i
        for tok in (verb.subtree if dobj_ is not None or lemma not in ADDRESSEE else ()):
            if tok.i <= after or any(c.dep_ == "ccomp" for c in children):
                continue
            if lemma not in ADDRESSEE and tok.head.lower_ not in DOCUMENT_NOUNS | SPEECH_EVENTS:
                continue  # not 'a flow that Mr. Perry blamed on ...': only 'in a statement / an interview that
            # a subject of its own, and a complement after the verb: not 'the story that his father loved'
            if (tok.dep_ in ("relcl", "acl") and tok.left_edge.lower_ == "that"
                    and any(c.dep_ == "nsubj" and c.lower_ != "that" for c in tok.children)
                    and any(c.i > tok.i and c.dep_ in ("dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "prep", "agent")
                            and not (c.dep_ == "prep" and any(g.ent_type_ in ("DATE", "TIME") for g in c.subtree))
                            for c in tok.children)):
                i, j = subtree(tok)
                return [(i, j)], None, False, "told-that"
    return None


def _relative_antecedent(verb: Any) -> Any | None:
    """The noun a relative clause with an object gap modifies ('claims that the Kremlin denies'
    -> claims), also when the parser took that noun for a verb or the clause for a complement."""
    if verb.dep_ not in ("relcl", "acl", "ccomp") or verb.head.i > verb.i:
        return None
    head = verb.head
    rel = next((c for c in verb.children if c.dep_ in ("mark", "dobj") and c.lower_ in ("that", "which")), None)
    if rel is None and verb.dep_ == "relcl" and verb.left_edge.i == head.i + 1 and head.tag_.startswith("NN") \
            and any(c.dep_ == "nsubj" for c in verb.children):
        rel = head  # no relative pronoun: 'a charge the alliance denies'
    elif rel is None or rel.i != head.i + 1:
        return None
    if any(c.dep_ in ("ccomp", "xcomp") or (c.dep_ == "dobj" and c.i != rel.i) or (c.dep_ == "prep" and rel is head)
           for c in verb.children):
        return None
    if head.tag_.startswith("NN"):
        return head
    if head.tag_ == "VBZ" and head.lower_.endswith("s") and not any(c.dep_ in ("nsubj", "nsubjpass") for c in head.children):
        return head  # 'claims' taken for a verb
    return None


def _reported_candidates(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """Reported speech: every cue verb outside quotes with a subject and a content."""
    doc = art.doc
    out: list[_Candidate] = []
    absorbed: set[int] = set()
    for i in art.cue_tokens:
        if art.quote_of[i] >= 0 or i in used_cues or art.in_headline(i):
            continue  # (a title-case headline parses badly: 'Netanyahu Rejects Calls for Ceasefire')
        token = doc[i]
        if token.is_title and i > art.sent_start[i] and not doc[i - 1].is_punct:
            continue  # 'Why We Wrote This', a heading inside the text: a capitalised verb is no cue
        if token.lower_ == "according":
            if i + 1 < art.n and doc[i + 1].lower_ == "to":
                cand = _according_to(art, token)
                if cand is not None:
                    out.append(cand)
            continue
        lemma = cue_lemma(token)
        if lemma is None or lemma not in CUE_VERBS or token.dep_ == "amod" or _blocked(token):
            continue
        if token.dep_ == "acl" and token.tag_ == "VBG" and token.head.lower_ in DOCUMENT_NOUNS:
            # 'The RNC issued a statement calling the bill "a federal takeover"': the statement's author
            issued = token.head.dep_ == "dobj" and token.head.head.lower_ in _ISSUING_FORMS  # not 'Reporters read a statement'
            author = _document_author(token.head) or (_subject(token.head.head) if issued else None)
            found = _content_of(art, token, lemma) if author is not None else None
            spans = [s for f in found[0] if (s := _trim(art, *f))] if found else []
            if author is not None and spans and art.quote_of[author.i] < 0:
                out.append(_Candidate("indirect", spans, (i, i + 1), _speaker_span(art, author, token.head.head),
                                      author.i, "reported", found[1], rule="reported-document"))
            continue
        holder = None
        if (token.dep_ == "acl" and token.tag_ == "VBG" and token.head.i < token.i and token.head.tag_.startswith("NN")
                and _agentive(token.head)):
            holder = token.head  # 'the super PAC supporting Jeb Bush', 'groups urging calm'
        elif token.dep_ == "acl" and _relative_antecedent(token) is None:
            continue
        subj = _subject(token) if lemma in BELIEF_VERBS else _inherited_subject(token)
        if subj is None and lemma in BELIEF_VERBS and token.tag_ == "VBG" and token.dep_ == "advcl":
            subj = _inherited_subject(token)  # '..., fearing that the party could lose'
        subj = holder if holder is not None else subj
        if subj is None and token.dep_ != "acl" and (passive := _passive_stance(art, token, lemma)) is not None:
            out.append(passive)
            continue
        if subj is None or art.quote_of[subj.i] >= 0 or subj.dep_ == "expl":
            continue
        if any(c.dep_ == "aux" and c.i < subj.i for c in token.children) and subj.head.i == token.i:
            continue  # 'Has Neil asked his father himself?': a question, no statement
        found = _content_of(art, token, lemma)
        if found is None:
            continue
        frags, target, fronted, frame = found
        if lemma in BELIEF_VERBS and not any(c.dep_ == "ccomp" or (c.dep_ == "xcomp" and lemma in INTENT_VERBS)
                                             for c in token.children):
            continue
        frags = [_before_participle_cue(art, f, i) for f in frags]
        if lemma in ("ask", "request", "speak") and _ANONYMITY.match(art.span_text(frags[0])):
            continue  # 'who asked not to be named': a condition of the interview, no statement
        spans = [s for n, f in enumerate(frags) if (s := _trim(art, *f, keep_comma=fronted and n == len(frags) - 1))]
        if not spans:
            continue
        rel = _relative_antecedent(token)
        if rel is not None and spans[0][0] <= rel.i < spans[-1][1]:
            absorbed.add(rel.i)
        speaker = _speaker_span(art, subj, token)
        # 'citing X': X is the source of what the verb reports
        citing = next((c for c in token.children if c.dep_ == "advcl" and c.lower_ == "citing"), None)
        cited = next((c for c in citing.children if c.dep_ == "dobj"), None) if citing is not None else None
        if cited is not None:
            speaker = _np_span(art, cited, citing.i + 1, art.sent_end[cited.i])
            out.append(_Candidate("indirect", spans, (citing.i, citing.i + 1), speaker, cited.i, "citing", target,
                                  rule="reported-citing"))
            continue
        out.append(_Candidate("indirect", spans, (i, i + 1), speaker, subj.i, "reported", target,
                              rule=f"reported-{frame}"))
    out += _other_verb_clauses(art, used_cues | {c.cue[0] for c in out})
    out += _noun_clauses(art)
    out += _adjective_states(art, used_cues)
    return [c for c in out if c.cue[0] not in absorbed]


def _adjective_states(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """A subject who 'is confident that ...', 'was critical of ...', 'are worried about ...': the clause
    or the preposition after the adjective is what they hold; the copula and the adjective the cue."""
    doc = art.doc
    out = []
    for k in art.acomp_tokens:
        adj = doc[k]
        if adj.lower_ not in STATE_ADJECTIVES or art.quote_of[adj.i] >= 0:
            continue
        verb = adj.head
        if verb.i in used_cues or not verb.tag_.startswith("VB") or verb.i > adj.i or _blocked(verb) or art.in_headline(adj.i):
            continue
        subj = _subject(verb)
        if subj is None or art.quote_of[subj.i] >= 0 or not _agentive(subj):
            continue
        lo, hi = _sentence_bounds(art, adj.i)
        content = next((c for c in adj.children if c.i > adj.i and (c.dep_ == "ccomp" or (
            c.dep_ == "prep" and c.lower_ in ("of", "about", "to", "in", "that")))), None)
        if content is None:
            content = next((c for c in verb.children if c.i > adj.i and c.dep_ == "ccomp"), None)
        if content is None:
            continue
        span = _trim(art, max(content.left_edge.i, lo), min(content.right_edge.i + 1, hi))
        if span is None or span[1] - span[0] < 2:
            continue
        out.append(_Candidate("indirect", [span], (verb.i, adj.i + 1), _speaker_span(art, subj, verb), subj.i,
                              "reported", rule="reported-adjective"))
    return out


def _noun_clauses(art: _Article) -> list[_Candidate]:
    """A noun of saying or believing with its holder and a clause: 'Trump's claim that the election
    is rigged', 'his promise to build a wall', 'the campaign's belief that ...'."""
    doc = art.doc
    out = []
    for k in art.claim_nouns:
        noun = doc[k]
        if not noun.tag_.startswith("NN") or art.quote_of[noun.i] >= 0:
            continue
        holder = next((c for c in noun.children if c.dep_ == "poss" and c.i < noun.i), None)
        if holder is None or art.quote_of[holder.i] >= 0 or not _agentive(holder):
            continue
        clause = next((c for c in noun.children if c.i > noun.i and c.dep_ in ("acl", "ccomp", "relcl")
                       and (c.left_edge.lower_ == "that" and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
                            or c.left_edge.tag_ == "TO")), None)
        if clause is None:
            continue
        lo, hi = _sentence_bounds(art, noun.i)
        span = _trim(art, max(clause.left_edge.i, lo), min(clause.right_edge.i + 1, hi))
        if span is None:
            continue
        speaker = (holder.left_edge.i, holder.i + 1)  # "Trump" of "Trump's claim"
        out.append(_Candidate("indirect", [span], (noun.i, noun.i + 1), speaker, holder.i, "reported",
                              rule="reported-noun"))
    return out


def _agentive(token: Any) -> bool:
    """A subject that can hold a view: a person or group by name, a personal pronoun, or a noun for
    people or organisations ('officials', 'the campaign')."""
    if token.tag_ == "PRP":
        return token.lower_ in AGENT_PRONOUNS
    if token.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or token.tag_ in ("NNP", "NNPS"):
        return True
    word = _singular(token.lower_)
    return word in PERSON_NOUNS or word in ORG_NOUNS or token.lower_ in HUMAN_PLURALS or word in AFFILIATION_NOUNS


def _other_verb_clauses(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """A verb outside the cue lists with a clause of its own after it and a subject that can hold a
    view ('Clinton made clear that ...', 'Republicans fretted that ...', 'she learned that ...'):
    what the clause says is attributed to the subject."""
    doc = art.doc
    out = []
    for k in art.clause_tokens:
        clause = doc[k]
        if clause.head.i >= clause.i or art.quote_of[clause.i] >= 0:
            continue
        verb = clause.head
        i = verb.i
        if (i in used_cues or not verb.tag_.startswith("VB") or verb.lower_ in NOT_CUES or cue_lemma(verb) is not None
                or art.quote_of[i] >= 0 or art.in_headline(i) or _blocked(verb)):
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in clause.children):
            continue  # a clause with a subject of its own ('fretted that the party would split')
        subj = _subject(verb)
        if subj is None or art.quote_of[subj.i] >= 0 or not _agentive(subj):
            continue
        found = _content_of(art, verb, verb.lower_)
        if found is None or found[3] != "clause":
            continue
        spans = [s for f in found[0] if (s := _trim(art, *f))]
        if spans:
            out.append(_Candidate("indirect", spans, (i, i + 1), _speaker_span(art, subj, verb), subj.i, "reported",
                                  rule="reported-other-verb"))
    return out


def _passive_stance(art: _Article, verb: Any, lemma: str) -> _Candidate | None:
    """'Russia was accused by the United States of meddling': the agent speaks, the passive subject is
    the target, and the preposition (or, for 'was condemned by', the subject itself) is the content."""
    if lemma not in PASSIVE_STANCE or not any(c.dep_ == "auxpass" for c in verb.children):
        return None
    target = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    agent = next((g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)
    if target is None or agent is None or art.quote_of[agent.i] >= 0 or agent.tag_ in ("WDT", "WP"):
        return None
    sent_lo, sent_hi = _sentence_bounds(art, verb.i)
    prep = next((c for c in verb.children if c.dep_ == "prep" and c.i > verb.i
                 and c.lower_ in OBJECT_PREP.get(lemma, ())), None)
    if prep is not None:
        span = _trim(art, max(prep.left_edge.i, sent_lo), min(prep.right_edge.i + 1, sent_hi))
    elif lemma in NP_CONTENT and target.tag_ not in ("PRP", "WDT", "WP", "DT", "EX"):
        span = _trim(art, max(target.left_edge.i, sent_lo), min(target.right_edge.i + 1, verb.i))
    else:
        return None
    if span is None:
        return None
    hi = min([art.sent_end[agent.i]] + [c.left_edge.i for c in agent.children if c.dep_ in ("relcl", "acl", "prep")
                                        and c.i > agent.i and art.doc[c.left_edge.i - 1].is_punct])
    speaker = _speaker_span(art, agent, verb, hi)  # not ', which said ...'
    return _Candidate("indirect", [span], (verb.i, verb.i + 1), speaker, agent.i, "reported",
                      target.i if prep is not None else None, rule="reported-passive")


def _before_participle_cue(art: _Article, span: tuple[int, int], verb: int) -> tuple[int, int]:
    """A content cut before ', telling ...' / ', adding ...' hung inside it: that participle is a
    statement of its own ('accused Harris of "destroying" the economy, telling supporters that ...')."""
    doc = art.doc
    for k in range(max(span[0] + 1, verb + 1), span[1]):
        t = doc[k]
        if (t.tag_ == "VBG" and t.dep_ == "advcl" and doc[k - 1].text == "," and art.quote_of[k] < 0
                and cue_lemma(t) in CUE_VERBS and span[0] <= t.head.i < span[1]):
            return span[0], k - 1
    return span


def _according_to(art: _Article, according: Any) -> _Candidate | None:
    """'..., according to X': the clause the phrase belongs to, without the phrase."""
    doc = art.doc
    to = doc[according.i + 1]
    obj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if obj is None:
        obj = next((c for c in according.children if c.dep_ == "pobj"), None)
    if obj is None or art.quote_of[obj.i] >= 0:
        return None
    lo, hi = _sentence_bounds(art, according.i)
    phrase = (according.i, max(obj.right_edge.i + 1, to.i + 1))
    frags = []
    for f in ((lo, phrase[0]), (phrase[1], hi)):
        span = _trim(art, *f, keep_comma=f[1] == phrase[0])
        if span is not None:
            frags.append(span)
    if not frags:
        return None
    speaker = _np_span(art, obj, phrase[0] + 2, phrase[1])
    return _Candidate("indirect", frags, (according.i, according.i + 2), speaker, obj.i, "according",
                      rule="according-to")


def _headline_candidates(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """The article's title line as a statement when it reads 'Name: what they said' ('Graham: Trump's
    Rhetoric Destroying GOP's Chance') or 'Name Says What' ('Bellwether County Says Trump Should
    Win'). A title-case line parses badly, so these are read from the words, not the parse."""
    if not art.paragraphs or art.n == 0:
        return []
    start, end = art.paragraphs[0]
    line = art.text[start:end]
    if end - start > 200 or "\n" in line or line.rstrip().endswith((".", "?", "!")) and ":" not in line:
        return []
    lo, hi = bisect.bisect_left(art.idx, start), bisect.bisect_left(art.idx, end)
    if any(c.start < hi and lo < c.end for c in cands) or hi - lo < 4:
        return []
    doc = art.doc
    words = [k for k in range(lo, hi) if not doc[k].is_space]
    colon = next((k for k in words if doc[k].text == ":"), None)
    if colon is not None:
        name = [k for k in words if k < colon]
        cue, rest = (colon, colon + 1), [k for k in words if k > colon]
        if not 1 <= len(name) <= 6 or not doc[name[0]].text[:1].isupper() or any(_FORMS.get(doc[k].lower_) for k in name):
            return []
    else:
        verb = next((k for k in words[1:] if doc[k].text[:1].isupper() and _FORMS.get(doc[k].lower_) in HEADLINE_VERBS
                     and doc[k].lower_.endswith("s") and art.quote_of[k] < 0), None)
        if verb is None or not art.in_headline(verb):
            return []
        name = [k for k in words if k < verb]
        cue, rest = (verb, verb + 1), [k for k in words if k > verb]
        if len(name) > 8:
            return []
    if sum(doc[k].is_alpha for k in rest) < 2 or not any(doc[k].is_alpha for k in name):
        return []
    content = _trim(art, rest[0], rest[-1] + 1)
    speaker = _trim(art, name[0], name[-1] + 1)
    if content is None or speaker is None:
        return []
    head = max((k for k in range(*speaker) if doc[k].is_alpha), default=speaker[1] - 1)
    return [_Candidate("indirect", [content], cue, speaker, head, "headline", rule="headline")]
