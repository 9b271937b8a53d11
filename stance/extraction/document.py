"""The article view the rules work on (``_Article``: token arrays, sentences, paragraphs,
quotes and entities of one parsed document, built once), a statement as the rules find it
(``_Candidate``: token ranges and the name of its rule), and the span helpers over both (trimming
punctuation, noun-phrase, speaker, clause and sentence bounds)."""
from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from .grammar import cue_lemma, _is_dash, _subject
from .quotes import _MARKS_AND_SPACE, OPEN_MARKS, Quote, find_quotes, paragraph_spans, single_quotes_as_double, _where
from .words import CLAIM_NOUNS, CLAUSE_END, DASHES, _FORMS, LEAD_PUNCT, TRAIL_PUNCT

log = logging.getLogger(__package__)  # "stance.extraction", the name users filter on


_IDS: tuple[dict[int, str], frozenset[int], frozenset[int], frozenset[int]] | None = None


_PATTERN_IDS: tuple[int, int, frozenset[int]] | None = None


def _pattern_ids() -> tuple[int, int, frozenset[int]]:
    """Hashes of the ccomp and acomp labels and of the claim nouns."""
    global _PATTERN_IDS
    if _PATTERN_IDS is None:
        from spacy.strings import get_string_id as sid

        _PATTERN_IDS = (sid("ccomp"), sid("acomp"), frozenset(sid(w) for w in CLAIM_NOUNS))
    return _PATTERN_IDS


def _string_ids() -> tuple[dict[int, str], frozenset[int], frozenset[int], frozenset[int]]:
    """Hashes of the cue forms, verb tags, subject labels and noun tags (to scan token arrays)."""
    global _IDS
    if _IDS is None:
        from spacy.strings import get_string_id as sid

        _IDS = (
            {sid(form): form for form in [*_FORMS, "according", "citing"]},
            frozenset(sid(t) for t in ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ")),
            frozenset(sid(d) for d in ("nsubj", "nsubjpass")),
            frozenset(sid(t) for t in ("NN", "NNS", "NNP", "NNPS")),
        )
    return _IDS


class _Article:
    """A parsed article with the lookups the rules need, built once per document."""

    def __init__(self, doc: Any, doc_id: str, text: str | None = None) -> None:
        import numpy as np
        from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, IDX, IS_ALPHA, IS_ASCII, IS_STOP, LOWER, SENT_START, TAG

        self.doc = doc
        self.doc_id = doc_id
        self.text = doc.text if text is None else text  # Doc.text is rebuilt on every access
        self.n = len(doc)
        attrs = [IDX, SENT_START, LOWER, TAG, ENT_IOB, ENT_TYPE, IS_ALPHA, IS_ASCII, IS_STOP, DEP]
        arr = doc.to_array(attrs) if self.n else np.zeros((0, len(attrs)), dtype="uint64")
        self.lexical = arr[:2000, 6:9]  # is_alpha, is_ascii, is_stop of the first tokens
        self.idx: list[int] = arr[:, 0].astype("int64").tolist()
        starts = np.flatnonzero(arr[:, 1] == 1).tolist()
        if not starts or starts[0] != 0:
            starts = [0, *starts]
        self.sent_start = [0] * self.n
        self.sent_end = [0] * self.n
        for k, s in enumerate(starts):
            e = starts[k + 1] if k + 1 < len(starts) else self.n
            self.sent_start[s:e] = [s] * (e - s)
            self.sent_end[s:e] = [e] * (e - s)
        cue_ids, verb_tags, subject_deps, noun_tags = _string_ids()
        deps = arr[:, 9].tolist()
        lower, tags = arr[:, 2].tolist(), arr[:, 3].tolist()
        self.cue_tokens = [i for i in range(self.n) if lower[i] in cue_ids
                           and (tags[i] in verb_tags or cue_ids[lower[i]] == "according")]
        self.subjects = [i for i in range(self.n) if deps[i] in subject_deps and tags[i] in noun_tags]
        # tokens the patterns outside the cue lists start from (found on the arrays: a scan of the
        # tokens themselves would cost as much as the rest of the rules)
        ccomp, acomp, claim_ids = _pattern_ids()
        self.clause_tokens = [i for i in range(self.n) if deps[i] == ccomp]
        self.acomp_tokens = [i for i in range(self.n) if deps[i] == acomp]
        self.claim_nouns = [i for i in range(self.n) if lower[i] in claim_ids]
        self.paragraphs = paragraph_spans(self.text)
        self.par_starts = [s for s, _ in self.paragraphs]
        # the text quotes are read from: single marks as double ones in a British-style article
        self.qtext = single_quotes_as_double(self.text)
        self.quotes = find_quotes(self.qtext, self.paragraphs, doc_id)
        self.quote_of = [-1] * self.n  # token -> index of the quote holding it
        for qi, quote in enumerate(self.quotes):
            self._mark(qi, quote)
            if not quote.closed:
                self._repair_unclosed(qi)
        self.ents = _entities(doc, arr[:, 4].tolist(), arr[:, 5].tolist())
        self.ent_of: dict[int, Any] = {i: ent for ent in self.ents for i in range(ent.start, ent.end)}

    def in_headline(self, i: int) -> bool:
        """Token ``i`` is in a title-case line without a full stop (a headline: 'Trump Attacks Harris')."""
        pos = self.idx[i]
        k = bisect.bisect_right(self.par_starts, pos) - 1
        if k < 0:
            return False
        start, end = self.paragraphs[k]
        if end - start > 250:  # a headline is short (and long paragraphs are not scanned for every cue)
            return False
        line = self.text[start:end]
        words = re.findall(r"[A-Za-z][\w'’-]*", line)
        if not words or line.rstrip().endswith((".", "!", "?", "”", '"')) or len(words) > 20:
            return False
        return sum(w[0].isupper() for w in words) >= 0.6 * len(words)

    def _mark(self, qi: int, quote: Quote) -> None:
        lo, hi = bisect.bisect_left(self.idx, quote.start), bisect.bisect_left(self.idx, quote.end)
        self.quote_of[lo:hi] = [qi] * (hi - lo)

    def _repair_unclosed(self, qi: int) -> None:
        """An unclosed quote that swallowed its attribution ('"We will appeal, the lawyer said.')
        ends at the comma before the attribution."""
        doc = self.doc
        lo, hi = self.quote_tokens(qi)
        for v in range(lo + 2, hi):
            verb = doc[v]
            if cue_lemma(verb) is None:
                continue
            subj = _subject(verb)
            if subj is None:
                continue
            edge = min(subj.left_edge.i, v)
            if edge - 1 > lo and doc[edge - 1].text == "," and (subj.i < v or edge == v):
                end = doc[edge - 1].idx + 1
                log.warning("%s: the unclosed quote at %s is taken to end before its attribution at %s",
                            self.doc_id, _where(self.text, self.quotes[qi].start), _where(self.text, doc[edge].idx))
                self.quote_of[lo:hi] = [-1] * (hi - lo)
                self.quotes[qi] = Quote(self.quotes[qi].start, end, closed=False)
                self._mark(qi, self.quotes[qi])
                return

    def add_quote(self, quote: Quote) -> int:
        self.quotes.append(quote)
        self._mark(len(self.quotes) - 1, quote)
        return len(self.quotes) - 1

    def quote_tokens(self, qi: int) -> tuple[int, int]:
        quote = self.quotes[qi]
        return bisect.bisect_left(self.idx, quote.start), bisect.bisect_left(self.idx, quote.end)

    def paragraph_of(self, i: int) -> int:
        return bisect.bisect_right(self.par_starts, self.idx[i]) - 1

    def char_span(self, span: tuple[int, int]) -> tuple[int, int]:
        i, j = span
        last = self.doc[j - 1]
        return self.idx[i], last.idx + len(last.text)

    def span_text(self, span: tuple[int, int]) -> str:
        s, e = self.char_span(span)
        return self.text[s:e]

    def ends_sentence_quote(self, i: int) -> bool:
        """Token ``i`` closes a quote whose last character inside is a sentence end (."!?)."""
        qi = self.quote_of[i]
        if qi < 0 or self.quote_tokens(qi)[1] != i + 1:
            return False
        inner = self.qtext[self.quotes[qi].start : self.quotes[qi].end].rstrip(_MARKS_AND_SPACE)
        return inner.endswith((".", "!", "?", "…"))


def _entities(doc: Any, iob: list[int], types: list[int]) -> list[Any]:
    """``doc.ents`` from the IOB arrays (much faster than the property on long documents)."""
    from spacy.tokens import Span

    out = []
    start = None
    for i, code in enumerate([*iob, 3]):
        if start is not None and code != 1:  # anything but I- ends the running entity
            out.append(Span(doc, start, i, label=types[start]))
            start = None
        if code == 3 and i < len(iob):  # B-
            start = i
    return out


@dataclass
class _Candidate:
    """A statement before speaker resolution, as token ranges into the Doc."""

    kind: str
    fragments: list[tuple[int, int]]  # token ranges [i, j)
    cue: tuple[int, int]  # token range of the cue
    speaker: tuple[int, int] | None  # token range of the speaker mention
    speaker_head: int | None  # token index of the speaker's head word
    how: str  # quote, block, orphan, reported, according, citing
    target_head: int | None = None  # an object naming the target ("accuses Russia of ...")
    quotes: list[int] = field(default_factory=list)  # the quotes it owns
    rule: str = ""  # the registered pattern that found it (see RULES)

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]


def _trim(art: _Article, i: int, j: int, *, keep_comma: bool = False) -> tuple[int, int] | None:
    """A token range without spaces and edge punctuation (quotation marks stay), and without a
    leading dateline ('BRUSSELS (AP) — ')."""
    doc = art.doc
    for d in range(i, min(j, i + 8)):
        if doc[d].text in DASHES:
            words = [t for t in doc[i:d] if t.is_alpha]
            if words and all(t.is_upper or t.text in ("AP", "Reuters", "AFP") for t in words):
                i = d + 1
            break
    while i < j and (doc[i].is_space or doc[i].text in LEAD_PUNCT):
        i += 1
    while j > i:
        last = doc[j - 1]
        if last.is_space or (last.text in TRAIL_PUNCT and not (keep_comma and last.text == ",")):
            j -= 1
        else:
            break
    return (i, j) if j > i else None


def _np_span(art: _Article, head: Any, lo: int, hi: int) -> tuple[int, int]:
    """The noun phrase of ``head`` inside [lo, hi), never crossing into a quote."""
    i, j = max(head.left_edge.i, lo), min(head.right_edge.i + 1, hi)
    own = art.quote_of[head.i]
    for k in range(head.i, j):
        if art.quote_of[k] != own or "\n" in art.doc[k].text:
            j = k
            break
    for k in range(head.i - 1, i - 1, -1):
        if art.quote_of[k] != own or "\n" in art.doc[k].text or _is_dash(art.doc[k]):
            i = k + 1  # also after a dateline ('DES MOINES — A crowded field ...')
            break
    for c in head.children:  # 'Nikki Haley on Sunday': the date is no part of the speaker
        if c.dep_ == "prep" and head.i < c.i < j and any(g.ent_type_ in ("DATE", "TIME") for g in c.children):
            j = c.i
            break
    if j - i > 16:  # too long for a mention: the words up to the head
        i, j = max(i, head.i - 8), head.i + 1
    span = _trim(art, i, j)
    return span if span else (head.i, head.i + 1)


def _speaker_span(art: _Article, subj: Any, verb: Any, hi: int | None = None) -> tuple[int, int]:
    lo = art.sent_start[subj.i]
    if hi is None:
        hi = verb.i if subj.i < verb.i else art.sent_end[subj.i]
    if verb.i in {t.i for t in subj.subtree}:  # "the minister, who said ..."
        hi = min(hi, verb.left_edge.i)
    return _np_span(art, subj, lo, hi)


def _clause_start(art: _Article, i: int) -> int:
    """The first token of the clause holding token ``i``: after the last sentence end, colon,
    semicolon, other quote or paragraph break before it, within its sentence."""
    doc = art.doc
    k = i - 1
    floor = art.sent_start[i]
    own = art.quote_of[i]
    while k >= floor:
        t = doc[k]
        if (art.quote_of[k] >= 0 and art.quote_of[k] != own) or t.text in CLAUSE_END or "\n" in t.text:
            break
        k -= 1
    k += 1
    while k < i and doc[k].is_space:
        k += 1
    return k


def _sentence_bounds(art: _Article, i: int) -> tuple[int, int]:
    """The sentence of token ``i``, also cut after a quote that ends a sentence inside its marks
    (the parser often runs on past a closing '."' into the next sentence)."""
    lo, hi = art.sent_start[i], art.sent_end[i]
    for k in range(i - 1, lo - 1, -1):
        if art.ends_sentence_quote(k) and art.quote_of[i] != art.quote_of[k]:
            lo = k + 1
            break
    for k in range(i, hi):
        if art.ends_sentence_quote(k) and art.quote_of[i] != art.quote_of[k] and k + 1 < hi:
            nxt = art.doc[k + 1]
            if nxt.is_space or nxt.is_title or art.qtext[nxt.idx] in OPEN_MARKS:
                hi = k + 1
                break
    return lo, hi
