"""DSE (Park, Pan & Joo, Findings of ACL 2021): entity-to-entity directed sentiment in news sentences.

``dse:{train,valid,test}`` is the official 5-class view (:data:`DSE_LABELS`), one record per row;
``dse:test-leakfree`` the test rows that repeat no training row; ``dse-directed:{...}`` the same rows as
source -> target with negative/neutral/positive (:func:`to_directed`). Read from ``dse/{train,valid,test}.txt``
under the data folder (docs/data.md).
"""
from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..io import iter_lines
from ..paths import corpus_dir
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, Statement
from .registry import Corpus

log = logging.getLogger(__name__)

DSE_LABELS = ("neutral", "pos_s2t", "pos_t2s", "neg_s2t", "neg_t2s")
DIRECTED_LABELS = ("negative", "neutral", "positive")
DSE_SPLITS = ("train", "valid", "test", "test-leakfree")

# official DSE label id -> (swap p and q?, directed label)
_DSE_DIRECTED = {0: (False, "neutral"), 1: (False, "positive"), 2: (True, "positive"),
                 3: (False, "negative"), 4: (True, "negative")}
# the official label of the same pair with source and target swapped (stance.augment.swap_direction)
SWAPPED_DSE_LABEL = {"neutral": "neutral", "pos_s2t": "pos_t2s", "pos_t2s": "pos_s2t",
                     "neg_s2t": "neg_t2s", "neg_t2s": "neg_s2t"}


# --------------------------------------------------------------------------- line reading
def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line_number, line)`` without its newline, for each non-blank line of a UTF-8 text file."""
    if path.exists() and not path.is_file():
        raise InputError(path, "expected a file")
    return iter_lines(path)



# --------------------------------------------------------------------------- reading
def _csv_unquote(field: str) -> str:
    """Undo CSV quoting (``"a ""b"" c"`` -> ``a "b" c``) where a field carries it whole."""
    if len(field) >= 2 and field[0] == field[-1] == '"' and '"' not in field[1:-1].replace('""', ""):
        return field[1:-1].replace('""', '"')
    return field


_BRACKET = re.compile(r"[\[\]]")


def _bracket_pairs(sentence: str) -> list[tuple[int, int]]:
    """Matching ``[``/``]`` index pairs, in order of the opening bracket; unmatched ones are left out."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for match in _BRACKET.finditer(sentence):
        if match.group() == "[":
            stack.append(match.start())
        elif stack:
            pairs.append((stack.pop(), match.start()))
    return sorted(pairs)


def _norm_mention(text: str) -> str:
    return " ".join(text.replace("[", "").replace("]", "").split()).casefold()


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def align_brackets(sentence: str, p: str, q: str) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
    """Remove the brackets that mark ``p`` and ``q``; return the clean text and their spans in it.

    The bracketed mention is kept as bracketed (``[Breitbart New]s`` -> span over "Breitbart New"),
    blanks inside the brackets (and around the text) trimmed. The pair whose content matches ``p``
    is p's, preferring pairs apart from the other mention's; pairs left over are assigned in order
    when the sentence has exactly two outer pairs. Brackets nested inside a chosen pair are removed
    too; other pairs (``[sic]``) stay as text. A mention without a pair is searched for in the clean
    text; a span that cannot be found is None.
    """
    pairs = _bracket_pairs(sentence)
    content = {pair: _norm_mention(sentence[pair[0] + 1 : pair[1]]) for pair in pairs}
    chosen: dict[str, tuple[int, int] | None] = {"p": None, "q": None}
    for role, mention in (("p", p), ("q", q)):
        wanted = _norm_mention(mention)
        candidates = [pair for pair in pairs if content[pair] == wanted and pair not in chosen.values()]
        apart = [pair for pair in candidates if not any(_overlap(pair, c) for c in chosen.values() if c)]
        chosen[role] = (apart or candidates or [None])[0]
    outer = [pair for pair in pairs if not any(_overlap(pair, other) and other[0] < pair[0] for other in pairs)]
    if len(outer) == 2:  # the usual case: assign the pair(s) left in order
        free = [pair for pair in outer if pair not in chosen.values()]
        for role in ("p", "q"):
            if chosen[role] is None and free:
                chosen[role] = free.pop(0)
    # remove the brackets of the chosen pairs and of pairs inside them (all if none was chosen)
    used = [pair for pair in chosen.values() if pair is not None]
    if used:
        inside = [pair for pair in pairs if any(c[0] <= pair[0] and pair[1] <= c[1] for c in used)]
        removed = sorted({i for pair in inside for i in pair})
    else:
        removed = [m.start() for m in _BRACKET.finditer(sentence)]
    bounds = [-1, *removed, len(sentence)]
    clean = "".join(sentence[a + 1 : b] for a, b in zip(bounds, bounds[1:]))

    def to_clean(i: int) -> int:  # raw index -> clean index
        return i - bisect.bisect_left(removed, i)

    spans: dict[str, tuple[int, int] | None] = {}
    for role, mention in (("p", p), ("q", q)):
        pair = chosen[role]
        span = None
        if pair is not None:
            start, end = to_clean(pair[0] + 1), to_clean(pair[1])
            inner = clean[start:end]
            start += len(inner) - len(inner.lstrip())
            end -= len(inner) - len(inner.rstrip())
            span = (start, end) if start < end else None
        elif mention.strip():
            found = clean.find(mention.strip())
            span = (found, found + len(mention.strip())) if found >= 0 else None
        spans[role] = span
    lead = len(clean) - len(clean.lstrip())
    shifted = {role: (span[0] - lead, span[1] - lead) if span else None for role, span in spans.items()}
    return clean.strip(), shifted["p"], shifted["q"]


def _dse_path(split: str, root: str | Path | None) -> Path:
    return corpus_dir("dse", root) / f"{split}.txt"


def read_dse_file(path: str | Path, split: str | None = None) -> list[Statement]:
    """Read one DSE file (``sentence<TAB>p<TAB>q<TAB>label``) into official 5-class records."""
    path = Path(path)
    split = split or path.stem
    records: list[Statement] = []
    unaligned = 0
    for lineno, line in _iter_lines(path):
        fields = line.rsplit("\t", 3)
        if len(fields) != 4:
            raise InputError(path, f"expected 4 tab-separated fields (sentence, p, q, label), got {len(fields)}",
                             line=lineno)
        sentence, p, q, label = (_csv_unquote(f) for f in fields)
        try:
            label_id = int(label.strip())
        except ValueError:
            raise InputError(path, f"label {label!r} is not an integer id 0-4", line=lineno, field="label") from None
        if not 0 <= label_id < len(DSE_LABELS):
            raise InputError(path, f"unknown label id {label_id}; expected 0-4", line=lineno, field="label")
        for field, value in (("sentence", sentence), ("p", p), ("q", q)):
            if not value.strip():
                raise InputError(path, "empty value", line=lineno, field=field)
        text, p_span, q_span = align_brackets(sentence, p, q)
        if p_span is None or q_span is None:
            unaligned += 1
            log.debug("%s:%d: could not align the entity brackets", path, lineno)
        records.append({
            "doc_id": f"dse-{split}",
            "statement_id": str(lineno),
            "text": text,
            "source": p,
            "target": q,
            "source_start": p_span[0] if p_span else None,
            "source_end": p_span[1] if p_span else None,
            "target_start": q_span[0] if q_span else None,
            "target_end": q_span[1] if q_span else None,
            LABEL_FIELD: DSE_LABELS[label_id],
            "dse_label": label_id,
            "corpus": "dse",
            "split": split,
        })
    if unaligned:
        log.warning("%s: %d of %d rows could not be aligned to their brackets (spans left null)",
                    path, unaligned, len(records))
    return records


def _dse_key(record: Statement) -> tuple[str, str, str, str]:
    return (record["text"], record["source"], record["target"], record[LABEL_FIELD])


def load_dse(split: str, root: str | Path | None = None) -> list[Statement]:
    """The official 5-class DSE view of a split; ``test-leakfree`` drops test rows found in train."""
    if split != "test-leakfree":
        return read_dse_file(_dse_path(split, root), split)
    train = {_dse_key(r) for r in read_dse_file(_dse_path("train", root), "train")}
    test = read_dse_file(_dse_path("test", root), "test")
    kept = [dict(r, split="test-leakfree") for r in test if _dse_key(r) not in train]
    log.info("dse:test-leakfree: %d of %d test rows repeat a training row; %d kept",
             len(test) - len(kept), len(test), len(kept))
    return kept




def swap_entities(record: Statement) -> Statement:
    """The record with source and target (and their spans) swapped; the label as it was."""
    out = dict(record)
    out["source"], out["target"] = record.get("target"), record.get("source")
    out["source_start"], out["target_start"] = record.get("target_start"), record.get("source_start")
    out["source_end"], out["target_end"] = record.get("target_end"), record.get("source_end")
    return out


def to_directed(record: Statement) -> Statement:
    """An official DSE record as source -> target with negative/neutral/positive (same ids)."""
    label_id = record["dse_label"]
    swap, label = _DSE_DIRECTED[label_id]
    out = swap_entities(record) if swap else dict(record)
    out[LABEL_FIELD] = label
    out["swapped"] = swap
    return out




def load_directed(split: str, root: str | Path | None = None) -> list[Statement]:
    """The directed view of a split (:func:`to_directed` of every official record)."""
    return [to_directed(r) for r in load_dse(split, root)]


_CARD = dict(
    family="dse",
    title="DSE: entity-to-entity directed sentiment in news sentences",
    source="https://github.com/bywords/directed_sentiment_analysis (commit 6a1275f)",
    license="no license file; the authors allow use when the paper is cited",
    citation="Kunwoo Park, Zhufeng Pan and Jungseock Joo. 2021. Who Blames or Endorses Whom? Entity-to-Entity "
             "Directed Sentiment Extraction in News Text. Findings of ACL 2021. arXiv:2106.01033",
)
CORPORA = [
    Corpus("dse", load_dse, DSE_SPLITS, DSE_LABELS,
           records="one per row, the official 5-class view (`test-leakfree`: test rows that repeat no training row)",
           **_CARD),
    Corpus("dse-directed", load_directed, DSE_SPLITS, DIRECTED_LABELS,
           records="one per row as source -> target (rows where q holds the opinion swapped)", **_CARD),
]
