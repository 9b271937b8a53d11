"""One article in, its statements out: :func:`extract_from_doc` runs the rules over a parsed
Doc (direct quotes, blocks of quote, reported speech, the title line), then the passes that put the
candidates together (nested statements and outlet wrappers dropped, reported contents fitted to the
quotes, kinds set, orphan quotes given to the speaker before them) and makes the records;
:func:`extract_statements` parses the text first."""
from __future__ import annotations

import logging
from typing import Any

from ..parties import PartyConfig
from .direct import _block_candidates, _direct_candidates
from .document import _Article, _Candidate, _clause_start, _trim
from .quotes import _where
from .records import _records
from .reported import _headline_candidates, _reported_candidates
from .words import ASIDE_WORDS, DASHES, _FORMS, _NO_INHERIT, _OUTLET, SPEECH_VERBS

log = logging.getLogger(__package__)  # "stance.extraction", the name users filter on


def _finalise(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """Fit reported contents to the quotes, set kinds, drop nested statements and outlet wrappers."""

    def inside(c: _Candidate, other: _Candidate) -> bool:
        return other is not c and any(s <= c.cue[0] < e for s, e in other.fragments)

    def is_outlet(c: _Candidate) -> bool:
        return bool(c.speaker) and bool(_OUTLET.search(art.span_text(c.speaker)))

    # an outlet wrapping another statement ('Xi told Biden that "...," according to state media')
    # goes first, so that the quote it held is free for the statement it wraps
    wrappers = {id(c) for c in cands if is_outlet(c) and any(inside(o, c) for o in cands)}
    cands = [c for c in cands if id(c) not in wrappers]
    taken = {qi for c in cands for qi in c.quotes}
    kept: list[_Candidate] = []
    for c in cands:
        if c.how not in ("quote", "block"):
            frags = [span for f in c.fragments if (span := _fit_to_quotes(art, f, taken, c.cue[0]))]
            if not frags:
                continue
            if c.how == "reported" and frags[-1][0] > c.cue[0]:
                frags[-1] = _without_aside(art, frags[-1])
            c.fragments = frags
        c.fragments.sort()
        c.kind = _kind(art, c)
        kept.append(c)

    # 'Strategists worry that ..., according to three people': each holds the other's cue; the
    # statement is the strategists', without the 'according to' phrase
    # ('X said ..., according to Y' likewise: the statement is X's, Y the source of the report)
    for c in [c for c in kept if c.how == "according"]:
        other = next((o for o in kept if inside(o, c)), None)
        if other is None:
            continue
        before = [f for f in c.fragments if f[1] <= c.cue[0]]
        if other.cue[0] > c.cue[1] and before and not inside(c, other):
            # '... troops to the border, according to a White House official, just days after Perry
            # said ...': the statement before the phrase is the official's; what follows is not
            c.fragments = before
            c.kind = _kind(art, c)
            continue
        if inside(c, other):
            frags = [span for i, j in other.fragments
                     if (span := _trim(art, i, min(j, c.cue[0])) if i < c.cue[0] else (i, j))]
            if not frags:
                continue
            other.fragments = frags
        kept = [k for k in kept if k is not c]
    # a statement whose cue sits in another's content is nested: keep the outer one, unless the
    # outer one is a news outlet reporting it ('The Kremlin confirmed ..., AP reports')
    outlets = {id(c) for c in kept if is_outlet(c)}
    drop = {id(c) for c in kept if id(c) in outlets and any(inside(o, c) for o in kept)}
    kept = [c for c in kept if id(c) not in drop]
    drop = {id(c) for c in kept if any(inside(c, o) for o in kept)}
    return [c for c in kept if id(c) not in drop]


def _without_aside(art: _Article, span: tuple[int, int]) -> tuple[int, int]:
    """A reported content without the aside that closes it after a comma or dash ('..., though she did
    not discuss their terms', '..., which is in itself a departure', '... – even though he picked ...'):
    the writer's words, not the speaker's."""
    i, j = span
    doc = art.doc
    for k in range(i + 2, j - 1):
        if ((doc[k].text == "," or doc[k].text in DASHES) and art.quote_of[k] < 0
                and doc[k + 1].lower_ in ASIDE_WORDS and art.quote_of[k + 1] < 0):
            return _trim(art, i, k) or span
    return span


def _fit_to_quotes(art: _Article, span: tuple[int, int], taken: set[int], cue: int) -> tuple[int, int] | None:
    """Extend a content span over a free quote it cuts; stop it at a quote another statement owns."""
    i, j = span
    q = art.quote_of[j - 1]
    if q >= 0 and q not in taken:
        j = max(j, art.quote_tokens(q)[1])
    q = art.quote_of[i]
    if q >= 0 and q not in taken:
        i = min(i, art.quote_tokens(q)[0])
    for k in range(i, j):
        if art.quote_of[k] in taken and art.quote_of[k] >= 0:
            if k > cue:
                return _trim(art, i, k)
            q_end = art.quote_tokens(art.quote_of[k])[1]
            return _fit_to_quotes(art, (q_end, j), taken, cue) if q_end < j else None
    return i, j


def _kind(art: _Article, c: _Candidate) -> str:
    if c.how == "block":
        return "direct"
    words_out = any_quote = False
    for i, j in c.fragments:
        for k in range(i, j):
            if art.quote_of[k] >= 0:
                any_quote = True
            elif not (art.doc[k].is_punct or art.doc[k].is_space):
                words_out = True
    if any_quote:
        return "mixed" if words_out else "direct"
    return "indirect"


def _orphans(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """A full-sentence quote with no attribution right after a statement: the same speaker."""
    covered = [False] * art.n
    for c in cands:
        for i, j in c.fragments:
            covered[i:j] = [True] * (j - i)
    claimed = {qi for c in cands for qi in c.quotes}
    out: list[_Candidate] = []
    for qi, quote in enumerate(art.quotes):
        if qi in claimed:
            continue
        q_start, q_end = art.quote_tokens(qi)
        if q_end <= q_start or any(covered[q_start:q_end]):
            continue
        words = sum(1 for k in range(q_start, q_end) if art.doc[k].is_alpha)
        # the statement before, if it is speech ('wanted', 'endorsed' or 'fears' hand no quote on)
        before = [c for c in cands + out if max(c.end, c.cue[1]) <= q_start
                  and (c.how in ("quote", "block", "orphan", "according")
                       or _FORMS.get(art.doc[c.cue[0]].lower_) in SPEECH_VERBS)]
        prev = max(before, key=lambda c: max(c.end, c.cue[1])) if before else None
        if (words < 3 or _clause_start(art, q_start) != q_start or prev is None or prev.speaker_head is None
                or art.paragraph_of(q_start) - art.paragraph_of(max(prev.end, prev.cue[1]) - 1) > 1
                or art.doc[prev.speaker_head].lower_ in _NO_INHERIT):
            log.debug("%s: quote at %s has no attribution; skipped", art.doc_id, _where(art.text, quote.start))
            continue
        out.append(_Candidate("direct", [(q_start, q_end)], prev.cue, prev.speaker, prev.speaker_head,
                              "orphan", prev.target_head, quotes=[qi],
                              rule="quote-continued"))
    return out


def extract_from_doc(
    doc: Any,
    doc_id: str = "doc",
    *,
    parties: PartyConfig | None = None,
    metadata: dict[str, Any] | None = None,
    text: str | None = None,
) -> list[dict[str, Any]]:
    """Attributed statements of a parsed article (a spaCy Doc with a dependency parse).
    ``text``: the article (``doc.text``), when the caller has it at hand."""
    text = doc.text if text is None else text
    if not text.strip():
        log.warning("%s: empty article; nothing extracted", doc_id)
        return []
    art = _Article(doc, doc_id, text)
    _warn_if_not_english(art)
    cands = _direct_candidates(art)
    used = {c.cue[0] for c in cands}
    cands += _block_candidates(art, used)
    used |= {c.cue[0] for c in cands}
    cands += _reported_candidates(art, used)
    cands += _headline_candidates(art, cands)
    cands = _finalise(art, cands)
    cands += _orphans(art, cands)
    cands.sort(key=lambda c: (c.start, c.end))
    return _records(art, cands, parties, metadata or {})


def _warn_if_not_english(art: _Article) -> None:
    arr, doc_id = art.lexical, art.doc_id
    alpha = arr[arr[:, 0] == 1]
    if len(alpha) < 20:
        return
    ascii_share = alpha[:, 1].mean()
    stop_share = alpha[:, 2].mean()
    if ascii_share < 0.5 or stop_share < 0.12:
        log.warning("%s: does not look like English (%.0f%% English function words); statements may be missed",
                    doc_id, 100 * stop_share)


def extract_statements(
    text: str,
    doc_id: str = "doc",
    *,
    nlp: Any = None,
    parties: PartyConfig | None = None,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Attributed statements of one article (parsed here with :func:`stance.nlp.parse`)."""
    from ..nlp import parse

    if not text.strip():
        log.warning("%s: empty article; nothing extracted", doc_id)
        return []
    return extract_from_doc(parse(text, nlp), doc_id, parties=parties, metadata=metadata, text=text)
