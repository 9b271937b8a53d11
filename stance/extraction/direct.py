"""Direct quotes and their attributions: the attribution right after a quote ("...," he said),
before it after a colon, comma or dash, or in the paragraph before a block of quote; a quote split by
its attribution is one statement with two fragments."""
from __future__ import annotations

import bisect
from typing import Any

from .document import _Article, _Candidate, _clause_start, _np_span, _speaker_span, _trim
from .grammar import _blocked, cue_lemma, _inherited_subject, _subject
from .quotes import _MARKS_AND_SPACE, PTB_CLOSE, QUOTE_CHARS, Quote
from .words import ADDRESSEE, CLAUSE_END, DASHES, _FORMS, SPEECH_VERBS


_Attribution = tuple[tuple[int, int], Any, tuple[int, int]]  # cue range, speaker head, speaker span


def _attribution_after(art: _Article, qi: int) -> _Attribution | None:
    """'"...," he said' / 'said Smith' / 'according to X' / '— Smith' right after quote ``qi``."""
    doc = art.doc
    _, q_end = art.quote_tokens(qi)
    k = q_end
    while k < art.n and doc[k].is_space and "\n" not in doc[k].text:
        k += 1
    if k >= art.n or art.quote_of[k] >= 0 or doc[k].is_space:
        return None
    stop = art.sent_end[k]
    if stop <= k + 1 < art.n:
        stop = art.sent_end[k + 1]
    end = k
    while end < stop and art.quote_of[end] < 0 and "\n" not in doc[end].text:
        end += 1
    first = doc[k]
    quote = art.quotes[qi]
    # a quote closed by a full stop ('...actions."') followed by a capital starts a new sentence, which is
    # its attribution only when short ('"We will win." Smith said.', sloppy but seen)
    closed_sentence = (art.qtext[quote.start + 1 : quote.end].rstrip(_MARKS_AND_SPACE).endswith(".")
                       and first.text[:1].isupper())
    if first.lower_ == "according" and k + 1 < end and doc[k + 1].lower_ == "to":
        obj = next((c for c in doc[k + 1].children if c.dep_ == "pobj"), None)
        after = obj.right_edge.i + 1 if obj is not None else end
        if obj is not None and (after >= end or doc[after].text in CLAUSE_END):
            return (k, k + 2), obj, _np_span(art, obj, k + 2, end)
        return None
    if first.text in DASHES:
        # '"..." — Jane Doe, mayor of Springfield'
        span = _trim(art, k + 1, end)
        if span and span[1] - span[0] <= 10 and doc[span[0]].is_title:
            if not any(doc[m].tag_.startswith("VB") for m in range(*span)):
                head = next((m for m in range(*span) if doc[m].tag_.startswith("NNP")), span[0])
                while doc[head].dep_ == "compound" and span[0] <= doc[head].head.i < span[1]:
                    head = doc[head].head.i
                return (k, k + 1), doc[head], span
        return None
    # '..." the student, who asked not to be named, told CNN': not the verbs of a relative clause
    relative = {t.i for m in range(k, min(end, k + 25)) if doc[m].dep_ == "relcl" and doc[m].head.i < m
                and doc[m].head.tag_.startswith(("NN", "PRP")) for t in doc[m].subtree}
    for v in range(k, min(end, k + 25)):
        token = doc[v]
        if (not token.tag_.startswith("VB") and token.tag_ != "MD") or v in relative:
            continue
        lemma = _FORMS.get(token.lower_) if token.tag_.startswith("VB") else None
        if lemma is None:
            if token.dep_ in ("aux", "auxpass") or token.tag_ == "MD":
                continue
            if any(c.dep_ == "xcomp" and c.i > v and _FORMS.get(c.lower_) in SPEECH_VERBS for c in token.children):
                continue  # '..." Sessions plans to tell officers': prepared remarks, his
            return None
        if token.tag_ == "VBG" and v == k:  # '"...," adding that' is no attribution
            return None
        if _has_own_content(art, token, lemma):
            return None
        if closed_sentence and (end - v > 8 or any(doc[m].tag_.startswith("VB") for m in range(v + 1, end))
                                or (end < art.n and art.quote_of[end] >= 0)):
            # ('..." McHenry added, "He ...': the attribution of the next quote)
            # '..." Blinken also called on Moscow to ...': a new sentence, not the quote's attribution
            return None
        subj = _subject(token)
        if subj is None and token.dep_ == "xcomp" and k <= token.head.i < v:
            subj = _subject(token.head)  # 'Sessions plans to tell'
        if subj is not None and any(c.dep_ == "aux" and c.i < subj.i for c in token.children):
            return None  # '..." Has Neil asked his father?': a question, no attribution
        if subj is not None and k <= subj.i < end:
            subtree = {t.i for t in subj.subtree}
            between = [m for m in range(k, v) if m not in subtree and not (doc[m].is_space or doc[m].is_punct)
                       and doc[m].tag_ not in ("RB", "MD") and doc[m].dep_ not in ("aux", "auxpass", "advmod", "npadvmod")
                       and not (token.dep_ == "xcomp" and m == token.head.i)]
            if between:
                return None
            return (v, v + 1), subj, _np_span(art, subj, k, v if subj.i < v else end)
        if subj is None and v == k:
            # 'said Smith', when the parse did not make Smith the subject
            for m in range(v + 1, min(end, v + 6)):
                if doc[m].tag_.startswith(("NN", "PRP")):
                    head = doc[m]
                    while head.dep_ == "compound" and head.head.i > head.i:
                        head = head.head
                    return (v, v + 1), head, _np_span(art, head, v + 1, end)
        return None
    return None


def _has_own_content(art: _Article, verb: Any, lemma: str) -> bool:
    """A verb after a quote that reports something else ('"..." She said Smith had left.').

    A clause inside a quote is the second half of a split quote ('"A," he said later, "b."'),
    which the parser may hang on the verb: no content of its own."""
    doc = verb.doc
    for child in verb.children:
        if child.i <= verb.i or child.dep_ not in ("ccomp", "dobj"):
            continue
        if art.quote_of[child.i] >= 0:
            q_start = art.quote_tokens(art.quote_of[child.i])[0]
            between = doc[verb.i + 1 : q_start]
            new_sentence = q_start >= art.sent_end[verb.i] or any(t.text in (".", "!", "?", ":", ";") for t in between)
            if new_sentence or all(t.is_punct or t.is_space or t.tag_ == "RB"
                                   or t.dep_ in ("nsubj", "compound", "advmod", "npadvmod") for t in between):
                continue  # the quote goes on after the attribution: '"A," he said later, "b."'
            return True
        if child.dep_ == "ccomp":
            return True
        if child.dep_ == "dobj" and lemma not in ADDRESSEE and lemma != "read" and child.tag_ not in ("PRP",):
            return True
    return False


def _attribution_before(art: _Article, qi: int, lo: int) -> _Attribution | None:
    """'Smith said: "..."' / 'told reporters, "..."' right before quote ``qi`` (tokens from ``lo``)."""
    doc = art.doc
    q_start, _ = art.quote_tokens(qi)
    k = q_start - 1
    while k >= lo and doc[k].is_space:
        k -= 1
    if k < lo:
        return None
    last = doc[k]
    if not (last.text in (":", ",") or last.text in DASHES or cue_lemma(last)):
        return None
    if last.text not in (":", ",") and last.text not in DASHES and not _full_clause_quote(art, qi):
        return None  # 'argues "legislature" means ...': the quote is part of the reported clause
    if last.text == ":" and not any(doc[m].tag_.startswith("VB") for m in range(lo, k)):
        # a headline's 'Putin: "We will respond."': a short name and a colon
        head = next((doc[m] for m in range(k - 1, lo - 1, -1) if doc[m].tag_ in ("NNP", "NNPS")), None)
        if head is not None and k - lo <= 4 and all(lo <= t.i < k for t in head.subtree):
            return (k, k + 1), head, _trim(art, lo, k) or (head.i, head.i + 1)
        return None
    for v in range(k, max(lo, k - 20) - 1, -1):
        token = doc[v]
        if art.quote_of[v] >= 0:
            return None
        lemma = _FORMS.get(token.lower_) if token.tag_.startswith("VB") else None
        if lemma is None:
            if (token.tag_.startswith("VB") and token.dep_ not in ("aux", "auxpass")) or token.dep_ == "mark":
                return None
            continue
        if _blocked(token):
            return None
        subj = _inherited_subject(token)
        if subj is None or art.quote_of[subj.i] >= 0:
            return None
        for m in range(v + 1, k):
            t = doc[m]
            if t.tag_.startswith("VB") or t.tag_ == "MD" or t.dep_ in ("mark", "nsubj"):
                return None
        return (v, v + 1), subj, _speaker_span(art, subj, token)
    return None


def _full_clause_quote(art: _Article, qi: int) -> bool:
    """A quote that reads as a sentence: a capital first letter, three words or more, and the
    sentence ending with it."""
    quote = art.quotes[qi]
    inner = art.qtext[quote.start + 1 : quote.end].strip(_MARKS_AND_SPACE)
    if not inner[:1].isupper() or len(inner.split()) < 3:
        return False
    _, q_end = art.quote_tokens(qi)
    nxt = next((k for k in range(q_end, min(art.n, q_end + 3)) if not art.doc[k].is_space), None)
    return inner.endswith((".", "!", "?")) or nxt is None or art.doc[nxt].text in CLAUSE_END


def _direct_candidates(art: _Article) -> list[_Candidate]:
    """Statements built around the quotes: attribution after or before the quote."""
    doc = art.doc
    out: list[_Candidate] = []
    by_cue: dict[int, _Candidate] = {}
    owned: set[int] = set()  # tokens of attributions found so far
    for qi in range(len(art.quotes)):
        q_start, q_end = art.quote_tokens(qi)
        if q_end <= q_start:
            continue
        found = _attribution_after(art, qi)
        if found is not None:
            cue, subj, speaker = found
            start = _clause_start(art, q_start)
            while start < q_start and any(m in owned for m in range(start, q_start)):
                start += 1
            content = (q_start, q_end)
            if start < q_start:  # text before the quote in its clause: a mixed statement
                content = _trim(art, start, q_end) or content
            cand = by_cue.get(cue[0])
            if cand is None:
                cand = _Candidate("direct", [content], cue, speaker, subj.i, "quote", rule="quote-after")
                by_cue[cue[0]] = cand
                out.append(cand)
            cand.quotes.append(qi)
            owned.update(range(*cue), range(*speaker))
            continue
        lo = _clause_start(art, q_start)
        if lo == q_start:
            # the quote opens its clause: the attribution may end the clause before
            prev = q_start - 1
            while prev >= 0 and doc[prev].is_space and "\n" not in doc[prev].text:
                prev -= 1
            if prev >= 0 and (doc[prev].text in (":", ",") or doc[prev].text in DASHES):
                lo = _clause_start(art, prev)
            elif prev >= 0 and "\n" in doc[prev].text:
                # a paragraph opening with the quote after a paragraph that ends with a colon
                k = prev
                while k >= 0 and doc[k].is_space:
                    k -= 1
                if k >= 0 and doc[k].text == ":":
                    lo = _clause_start(art, k)
        found = _attribution_before(art, qi, lo) if lo < q_start else None
        if found is None:
            continue
        cue, subj, speaker = found
        cand = by_cue.get(cue[0])
        if cand is not None:
            cand.fragments.append((q_start, q_end))  # '"A," he said, "B."'
        else:
            cand = _Candidate("direct", [(q_start, q_end)], cue, speaker, subj.i, "quote", rule="quote-before")
            by_cue[cue[0]] = cand
            out.append(cand)
        cand.quotes.append(qi)
        owned.update(range(*cue), range(*speaker))
    return out


def _block_candidates(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """'The official added:' ending a paragraph, then a paragraph without an opening mark: that
    paragraph is the quote."""
    doc = art.doc
    out = []
    for p, (p_start, p_end) in enumerate(art.paragraphs[:-1]):
        if art.text[p_end - 1] != ":":
            continue
        n_start, n_end = art.paragraphs[p + 1]
        if art.qtext[n_start] in QUOTE_CHARS + "`" or art.qtext.startswith(PTB_CLOSE, n_start):
            continue
        colon = bisect.bisect_left(art.idx, p_end - 1)
        if colon >= art.n or art.quote_of[colon] >= 0:
            continue
        found = None
        for v in range(colon - 1, _clause_start(art, colon) - 1, -1):
            lemma = cue_lemma(doc[v])
            if lemma is None:
                if doc[v].tag_.startswith("VB") and doc[v].dep_ not in ("aux", "auxpass"):
                    break
                continue
            subj = _inherited_subject(doc[v])
            if subj is not None and not _blocked(doc[v]) and v not in used_cues:
                found = (v, subj)
            break
        if found is None:
            continue
        lo, hi = bisect.bisect_left(art.idx, n_start), bisect.bisect_left(art.idx, n_end)
        if any(art.quote_of[i] >= 0 for i in range(lo, hi)):
            continue
        v, subj = found
        qi = art.add_quote(Quote(n_start, n_end, block=True))
        speaker = _speaker_span(art, subj, doc[v], hi=v if subj.i < v else colon)
        out.append(_Candidate("direct", [art.quote_tokens(qi)], (v, v + 1), speaker, subj.i, "block", quotes=[qi],
                              rule="quote-block"))
    return out
