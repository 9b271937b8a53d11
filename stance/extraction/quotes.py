"""Quotation marks in the raw text: :func:`find_quotes` pairs them (straight, curly, guillemets,
Penn Treebank style) within and across paragraphs, :func:`single_quotes_as_double` reads an article
quoted in single marks only, :func:`paragraph_spans` splits the text at blank lines and line breaks.
Unbalanced marks are logged with their line and column, never raised."""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__package__)  # "stance.extraction", the name users filter on


OPEN_MARKS = "“«„‟"
CLOSE_MARKS = "”»"
STRAIGHT = '"'
QUOTE_CHARS = OPEN_MARKS + CLOSE_MARKS + STRAIGHT
# Penn Treebank style, as in WSJ-based corpora: ``quote''
PTB_OPEN, PTB_CLOSE = "``", "''"
_MARKS_AND_SPACE = QUOTE_CHARS + "`' "  # what to strip around a quote's words (marks of any style)
SINGLE_MARKS = "‘’'"
_DOUBLE_MARKS = re.compile("[“”«»„‟\"]|``|''")


@dataclass
class Quote:
    """A direct quotation found from the quotation marks (or a paragraph quoted after a colon)."""

    start: int  # offset of the opening mark
    end: int  # offset just past the closing mark (the end of the paragraph when unclosed)
    closed: bool = True
    block: bool = False


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs, without their outer whitespace: separated by blank
    lines when the text has any, else by single newlines."""
    sep = re.compile(r"\n[^\S\n]*\n\s*") if re.search(r"\n[^\S\n]*\n", text) else re.compile(r"\n\s*")
    spans = []
    pos = 0
    for match in sep.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            s2 = s + (len(chunk) - len(chunk.lstrip()))
            out.append((s2, s2 + len(stripped)))
    return out


def find_quotes(text: str, paragraphs: Sequence[tuple[int, int]] | None = None, doc_id: str = "doc") -> list[Quote]:
    """Direct quotations from double quotation marks (curly, straight, guillemets).

    A quote left open at the end of a paragraph continues when the next paragraph opens with a
    quotation mark (the news convention for long quotes); otherwise it ends with its paragraph,
    with a warning. A stray closing mark is skipped with a warning. Marks nested inside a quote
    are part of it; when they leave the quote open, the outer quote is taken to end where the
    inner one opens (a missing closing mark), with a warning.
    """
    paragraphs = list(paragraph_spans(text) if paragraphs is None else paragraphs)
    quotes: list[Quote] = []
    open_at: int | None = None
    straight = False
    depth = 0
    nested: list[int] = []
    k = 0
    while k < len(paragraphs):
        p_start, p_end = paragraphs[k]
        pos = p_start
        continuing = open_at is not None
        while pos < p_end:
            ch = text[pos]
            width = 1
            if ch in "`'":
                if text.startswith(PTB_OPEN, pos):
                    ch, width = "“", 2
                elif text.startswith(PTB_CLOSE, pos):
                    # two apostrophes close a ``quote'', and open one too where they stand before a
                    # word after a space (''quote'', the house style of some papers)
                    ch, width = ("“" if _looks_opening(text, pos, 2) else "”"), 2
                else:
                    pos += 1
                    continue
            elif ch not in QUOTE_CHARS:
                pos += 1
                continue
            if continuing and pos == p_start and ch not in CLOSE_MARKS:
                continuing = False  # the opening mark of a continued paragraph
                pos += width
                continue
            continuing = False
            if open_at is None:
                if ch in CLOSE_MARKS or (ch == STRAIGHT and _looks_closing(text, pos) and not _looks_opening(text, pos)):
                    log.warning("%s: stray closing quotation mark at %s; skipped", doc_id, _where(text, pos))
                else:
                    open_at, straight, depth, nested = pos, ch == STRAIGHT, 1, []
            elif ch == STRAIGHT and straight:
                if _looks_opening(text, pos) and not _looks_closing(text, pos):
                    # an opening mark while a quote is open: the earlier one was never closed
                    log.warning("%s: quotation mark at %s is never closed; skipped", doc_id, _where(text, open_at))
                    open_at = pos
                else:
                    quotes.append(Quote(open_at, pos + 1))
                    open_at = None
            elif ch == "“" and text[open_at] == "„" and depth == 1:
                quotes.append(Quote(open_at, pos + 1))  # German „...“
                open_at = None
            elif ch in OPEN_MARKS or (ch == STRAIGHT and not _looks_closing(text, pos)):
                depth += 1
                nested.append(pos)
            else:  # a closing mark
                depth -= 1
                if depth == 0:
                    quotes.append(Quote(open_at, pos + width))
                    open_at = None
            pos += width
        if open_at is None:
            k += 1
            continue
        if nested:
            # an inner opening mark never closed: the outer quote ends before it
            cut = nested[0]
            end = open_at + len(text[open_at:cut].rstrip())
            log.warning("%s: unbalanced quotation marks at %s; the quote is taken to end at %s", doc_id,
                        _where(text, open_at), _where(text, cut))
            if end > open_at + 1:
                quotes.append(Quote(open_at, end, closed=False))
            open_at = None
            paragraphs[k] = (cut, p_end)
            continue
        nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
        if nxt is not None and (text[nxt[0]] in OPEN_MARKS + STRAIGHT or text.startswith((PTB_OPEN, PTB_CLOSE), nxt[0])):
            k += 1  # the quote goes on in the next paragraph
            continue
        log.warning("%s: quotation mark at %s is never closed; the quote is taken to the end of its paragraph",
                    doc_id, _where(text, open_at))
        if p_end > open_at + 1:
            quotes.append(Quote(open_at, p_end, closed=False))
        open_at = None
        k += 1
    return quotes


def single_quotes_as_double(text: str) -> str:
    """For an article quoted in single marks (British style: 'We will respond,' he said), the text
    with those marks that read as quotation marks turned into “ and ” (same length, so offsets
    hold); an article with any double quotation mark is returned as it is (its single marks are
    apostrophes or nested quotes). Apostrophes stay: inside a word (don't, Russia's), a plural
    possessive before a lower-case word (the protesters' demands), a year ('90s)."""
    if not any(ch in text for ch in SINGLE_MARKS) or _DOUBLE_MARKS.search(text):
        return text
    out = list(text)
    n = len(text)
    for pos, ch in enumerate(text):
        if ch not in SINGLE_MARKS:
            continue
        before = text[pos - 1] if pos > 0 else " "
        after = text[pos + 1] if pos + 1 < n else " "
        if before.isalnum() and after.isalnum():
            continue  # don't, Russia's
        if re.match(r"\d\ds\b", text[pos + 1 : pos + 5]):
            continue  # the '90s
        if ch != "’" and _looks_opening(text, pos) and not _looks_closing(text, pos):
            out[pos] = "“"
        elif ch != "‘" and _looks_closing(text, pos) and not _looks_opening(text, pos):
            if before.isalpha() and re.match(r" [a-z]", text[pos + 1 : pos + 3]) and before in "sz":
                continue  # the protesters' demands
            out[pos] = "”"
    return "".join(out)


def _looks_closing(text: str, pos: int) -> bool:
    """A straight quotation mark closes when it follows a non-space and does not precede a word."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + 1] if pos + 1 < len(text) else " "
    return not before.isspace() and before not in "([{" and not after.isalnum()


def _looks_opening(text: str, pos: int, width: int = 1) -> bool:
    """A straight quotation mark opens when it follows a space (or start, bracket, dash) and
    precedes a non-space."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + width] if pos + width < len(text) else " "
    return (before.isspace() or before in "([{—–-/") and not after.isspace()


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"
