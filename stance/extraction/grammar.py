"""Questions asked of one token of the parse: is it a cue verb (:func:`cue_lemma`), is the cue
negated or modal (``_blocked``), who is its subject, directly or through a coordinated verb; and of a cue
span found by another path (:func:`cue_subject`): who is its source as written."""
from __future__ import annotations

from typing import Any

from .words import (
    CUE_VERBS, DASHES, _FORMS, MODALS, ORG_NOUNS, PARTICLE, PERSON_NOUNS, PRONOUNS, SPEECH_VERBS, _singular,
)


def cue_lemma(token: Any) -> str | None:
    """The lemma of a cue verb (a verb of speech or belief, as a verb), else ``None``."""
    if not token.tag_.startswith("VB") or token.dep_ in ("amod", "compound"):
        return None
    lemma = _FORMS.get(token.lower_)
    if lemma is None:
        return None
    need = PARTICLE.get(lemma)
    if need and not any(c.dep_ == "prt" and c.lower_ == need for c in token.children):
        return None
    return lemma


def _blocked(verb: Any) -> bool:
    """A negated, modal or infinitive cue ("did not say", "will say", "plans to say"), or a
    participle modifying something else ("Asked about it, he said")."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if verb.dep_ == "conj" and not aux and verb.head.tag_.startswith("VB") and _second_act(verb) is None:
        aux = [c for c in verb.head.children if c.dep_ in ("aux", "auxpass")]  # 'should meet and outline'
    for child in verb.children:
        if child.dep_ == "neg":
            return True
    for child in aux:
        if child.lower_ in MODALS:
            return True
        if child.tag_ == "TO" and verb.head.lower_ not in {"go", "went", "goes", "continue", "continued", "continues"}:
            return True
    if verb.tag_ == "VBN" and not aux and verb.dep_ in ("advcl", "acl", "amod", "ROOT", "conj", "xcomp"):
        return not any(c.dep_ == "nsubj" for c in verb.children)
    if (verb.tag_ == "VBD" and verb.dep_ == "advcl" and verb.i < verb.head.i and not aux
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)):
        return True  # 'Asked whether the talks would resume, Price said' with 'Asked' tagged as a past tense
    return False


def _subject(verb: Any) -> Any | None:
    """The subject of a verb (for "which said", the noun the relative clause modifies)."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if len(subjects) > 1:
        # two subjects parsed: the nearest ('LONDON — Britain's Foreign Secretary said', '"..., Mr.
        # President," Clinton remarked', '"... [a long quote]," reads the statement')
        subjects = sorted(subjects, key=lambda c: abs(c.i - verb.i))
    for child in subjects:
        if child.dep_ == "nsubj":
            if child.tag_ in ("WDT", "WP") or child.lower_ == "that":
                return verb.head if verb.dep_ == "relcl" and verb.head.tag_.startswith(("NN", "PRP")) else None
            return child
    return None


def _second_act(verb: Any) -> Any | None:
    """The cue verb a coordinated cue belongs with when the parser hung it inside the first one's
    content: 'Zakharova said the weapons would only prolong the suffering and accused the United
    States of ...' ('accused' is hers, not the weapons'). Only when the content cannot share the
    verb: its clause has a modal a past tense cannot share, or a subject that cannot speak."""
    clause = verb.head
    if verb.dep_ != "conj" or clause.dep_ != "ccomp" or clause.i > verb.i or clause.head.i > clause.i:
        return None
    outer = clause.head
    if (cue_lemma(outer) not in SPEECH_VERBS or cue_lemma(verb) not in CUE_VERBS or verb.tag_ != outer.tag_
            or any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass") for c in verb.children)):
        return None
    if any(c.dep_ == "aux" and c.lower_ in MODALS for c in clause.children):
        return outer  # 'would prolong ... and accused': a past tense cannot share the modal
    subj = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None or subj.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or subj.tag_.startswith("NNP") \
            or subj.lower_ in PRONOUNS \
            or subj.lower_ in PERSON_NOUNS or _singular(subj.lower_) in PERSON_NOUNS or subj.lower_ in ORG_NOUNS:
        return None
    return outer


def _inherited_subject(verb: Any) -> Any | None:
    """The subject of a verb, or of the verb it hangs from ("..., adding that", "by blaming").

    A participle the parser hung inside another statement's content ('Boehner said money should not
    be an issue, telling reporters ...') belongs to that statement's speaker, not the content's subject."""
    if verb.tag_ == "VBG" and verb.dep_ == "advcl" and verb.i > 0 and verb.doc[verb.i - 1].text == ",":
        node, steps = verb.head, 0
        while node.head.i != node.i and steps < 4 and cue_lemma(node) not in CUE_VERBS:
            node, steps = node.head, steps + 1
        if node is not verb.head and cue_lemma(node) in CUE_VERBS and node.i < verb.i:
            return _inherited_subject(node)
    if (verb.dep_ in ("advcl", "conj", "ccomp") and verb.i >= 2 and _subject(verb) is None
            and not any(c.dep_ in ("aux", "auxpass", "nsubjpass") for c in verb.children)):
        # '... for an impeachment inquiry and Democrats say they are ...' with 'Democrats' parsed
        # as a conjunct of the noun before: a finite verb right after a noun phrase has it as subject
        prev = verb.doc[verb.i - 1]
        if (prev.dep_ == "conj" and prev.tag_ in ("NNS", "NNP", "NNPS", "PRP") and prev.head.i < prev.i
                and (verb.tag_ in ("VBP", "VBZ") or verb.doc[prev.left_edge.i - 1].lower_ == "and")):
            return prev
    if verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.lower_ in ("quoted", "quotes", "quote", "cited"):
        # 'KCNA quoted Kim Yo Jong as saying': the one quoted speaks, not the agency
        quoted = next((c for c in verb.head.head.children if c.dep_ == "dobj"), None)
        if quoted is not None:
            return quoted
    node = _second_act(verb) or verb
    for _ in range(4):
        subj = _subject(node)
        if subj is not None:
            return subj
        if node.lower_ in ("quoted", "cited"):  # "was quoted as saying"
            for child in node.children:
                if child.dep_ == "nsubjpass":
                    return child
        if node.dep_ in ("conj", "advcl", "xcomp", "pcomp", "prep") and node.head.i != node.i:
            node = node.head
        elif (node.dep_ == "dep" and node.head.i < node.i and node.head.tag_ in ("VBN", "VBD")
              and node.i > 0 and node.doc[node.i - 1].text == ","):
            # 'McConnell, asked about the remarks, said ...' parsed with 'asked' as the main verb
            subj = _subject(node.head)
            return subj if subj is not None and subj.i < node.head.i else None
        else:
            return None
    return None


def _is_dash(token: Any) -> bool:
    """A dash between words or phrases; not the hyphen inside a name ('Jean-Pierre')."""
    if token.text not in DASHES:
        return False
    if token.text == "-" and not token.whitespace_ and token.i > 0 and not token.doc[token.i - 1].whitespace_:
        return False
    return True


def cue_subject(doc: Any, start: int, end: int) -> tuple[int, int] | None:
    """The source of a cue span as the parse gives it, as character offsets of the subject's noun
    phrase up to its head ("the Republican from Alabama" -> "the Republican"; "he"); ``None`` when the
    parse gives none.

    The cue's head token (the first token of the span whose head lies outside it) decides: a verb, or
    an adjective of a linking verb ("is confident"), has its subject found as the rules find it
    (:func:`_inherited_subject`, through coordinated and subordinate verbs), else the agent of a
    passive ("was told by aides"); a noun ("his criticism", "Trump's stance") has its possessor."""
    tokens = [t for t in doc if start <= t.idx and t.idx + len(t) <= end]
    if not tokens:
        return None
    head = next((t for t in tokens if t.head.i == t.i or not start <= t.head.idx < end), tokens[0])
    if head.tag_ in ("JJ", "JJR") and head.dep_ in ("acomp", "amod") and head.head.tag_.startswith("VB"):
        head = head.head
    subject = None
    if head.tag_.startswith("VB") or head.tag_ == "MD":
        subject = _inherited_subject(head)
        if subject is None:
            agent = next((c for c in head.children if c.dep_ == "agent"), None)
            subject = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
    elif head.tag_.startswith("NN"):
        subject = next((c for c in head.children if c.dep_ == "poss"), None)
    if subject is None or start <= subject.idx < end:
        return None
    return subject.left_edge.idx, subject.idx + len(subject)
