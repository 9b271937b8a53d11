"""PolNeAR (Newell, Margolin & Ruths, LREC 2018): attribution relations in U.S. election news.

Reads ``polnear/{train,dev}/text/NAME.txt`` and ``polnear/{train,dev}/attributions/NAME_ANNOTATOR.ann``
(brat standoff) from the data folder into the toolkit's statement records, one record per
attribution: ``content``, ``start``, ``end`` (the content's outer span), ``fragments`` (every
piece, ``[[start, end], ...]``, when the content is discontinuous), ``speaker`` / ``speaker_start`` /
``speaker_end`` (the source as written: "he", "the campaign"; ``None`` for an
``Attribution-no-source``), ``cue`` / ``cue_start`` / ``cue_end`` (likewise, with ``cue_fragments``),
and ``quoted``: ``"full"`` when the whole content is inside quotation marks, ``"partial"`` when
part of it is, ``"none"`` otherwise. ``kind`` is ``direct`` / ``mixed`` / ``reported`` from the same
test, the toolkit's own names for the three.

Some articles were annotated by more than one annotator (the suffix after the last ``_`` of an
annotation file names the annotator). Each annotation file is a gold set of its own: PolNeAR's
univocal rule (a token has at most one role in at most one attribution) holds within a file, not
across annotators. :func:`load_polnear` gives one annotation per article by default (the first
annotator listed in ``metadata.tsv``, else the first file in name order) or every file.

In the registry (``polnear:{train,dev}``) it is a span corpus: no label set; its records are the
attribution statements of the first annotation of each article (:func:`load_statements`).

The test split (the 12th month) is not distributed with the data folder; ``train`` and ``dev`` are.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError, StanceError
from ..paths import corpus_dir
from ..schema import normalise_statement
from .registry import Corpus

NAME = "polnear"
SPLITS = ("train", "dev")
CITATION = ("Edward Newell, Drew Margolin and Derek Ruths. 2018. An Attribution Relations Corpus for "
            "Political News. In Proceedings of LREC 2018.")

_SPAN_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t?")
_EVENT_LINE = re.compile(r"^(E\d+)\t(.*)$")
_OPEN_QUOTES = "\"“‘'«"
_CLOSE_QUOTES = "\"”’'»"
_QUOTES = re.compile(r"[\"“”«»]")


@dataclass
class PolnearArticle:
    """One annotation file: the article's text, its metadata and the attributions of one annotator."""

    doc_id: str
    annotator: str
    text: str
    statements: list[dict[str, Any]]
    metadata: dict[str, str] = field(default_factory=dict)

    def as_article(self) -> dict[str, Any]:
        """The article as ``stance extract`` reads it (doc_id, text, date, outlet, title)."""
        return {"doc_id": self.doc_id, "text": self.text, "date": self.metadata.get("publication_date"),
                "outlet": self.metadata.get("publisher"), "title": self.metadata.get("title")}


def _fragments(spec: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (piece.split() for piece in spec.split(";"))]


def _quoted_piece(text: str, start: int, end: int) -> str:
    inner = text[start:end].strip()
    # a quotation mark just outside the span counts (annotators differ in whether they include it)
    before = text[max(0, start - 2):start].rstrip()
    after = text[end:end + 2].lstrip()
    opens = inner[:1] in _OPEN_QUOTES or (before[-1:] in _OPEN_QUOTES and before[-1:] != "'")
    closes = inner.rstrip(".,;:")[-1:] in _CLOSE_QUOTES or inner[-1:] in _CLOSE_QUOTES or \
        (after[:1] in _CLOSE_QUOTES and after[:1] != "'")
    if opens and closes and not _QUOTES.search(inner.strip(_OPEN_QUOTES + _CLOSE_QUOTES + ".,;: ")):
        return "full"
    return "partial" if _QUOTES.search(inner) else "none"


def _quoted(text: str, fragments: list[tuple[int, int]]) -> str:
    """``full``, ``partial`` or ``none``: how much of the content sits between quotation marks
    (each piece of a discontinuous content on its own: "X," he said, "Y." is full)."""
    pieces = {_quoted_piece(text, s, e) for s, e in fragments}
    if pieces == {"full"}:
        return "full"
    return "none" if pieces == {"none"} else "partial"


def _span_fields(prefix: str, text: str, fragments: list[tuple[int, int]] | None) -> dict[str, Any]:
    if not fragments:
        return {prefix: None, f"{prefix}_start": None, f"{prefix}_end": None}
    out: dict[str, Any] = {prefix: " ".join(text[s:e] for s, e in fragments),
                           f"{prefix}_start": fragments[0][0], f"{prefix}_end": fragments[-1][1]}
    if len(fragments) > 1:
        out[f"{prefix}_fragments"] = [list(f) for f in fragments]
    return out


def parse_annotation(path: str | Path, text: str, *, doc_id: str) -> list[dict[str, Any]]:
    """The attributions of one brat ``.ann`` file as statement records (see the module docstring).

    Spans whose offsets fall outside ``text`` are InputErrors naming the file, line and field.
    Lines that are neither spans nor attributions (annotator notes, the continuation of a span text
    that held a line break) are skipped.
    """
    path = Path(path)
    spans: dict[str, tuple[str, list[tuple[int, int]], int]] = {}
    events: list[tuple[str, list[tuple[str, str]], int]] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if m := _SPAN_LINE.match(line):
            frags = sorted(_fragments(m.group(3)))
            for s, e in frags:
                if not 0 <= s <= e <= len(text):
                    raise InputError(path, f"span {s}-{e} outside the article ({len(text)} characters)",
                                     line=lineno, field=m.group(1))
            spans[m.group(1)] = (m.group(2), frags, lineno)
        elif m := _EVENT_LINE.match(line):
            roles = [tuple(part.split(":", 1)) for part in m.group(2).split() if ":" in part]
            events.append((m.group(1), roles, lineno))  # type: ignore[arg-type]
    records = []
    for event_id, roles, lineno in events:
        parts: dict[str, list[tuple[int, int]]] = {}
        for role, ref in roles:
            if ref not in spans:
                raise InputError(path, f"attribution refers to a missing span {ref}", line=lineno, field=event_id)
            key = re.sub(r"\d+$", "", role)  # Content2 -> Content
            parts.setdefault(key, []).extend(spans[ref][1])
        content = sorted(parts.get("Content", []))
        if not content:  # an attribution without content (33 in train) cannot be scored
            continue
        start, end = content[0][0], content[-1][1]
        quoted = _quoted(text, content)
        record: dict[str, Any] = {
            "doc_id": doc_id, "statement_id": event_id,
            "kind": {"full": "direct", "partial": "mixed", "none": "reported"}[quoted],
            "content": text[start:end], "start": start, "end": end, "quoted": quoted,
        }
        if len(content) > 1:
            record["fragments"] = [list(f) for f in content]
        record.update(_span_fields("speaker", text, sorted(parts.get("Source", [])) or None))
        record.update(_span_fields("cue", text, sorted(parts.get("Cue", [])) or None))
        records.append(record)
    records.sort(key=lambda r: (r["start"], r["end"], r["statement_id"]))
    return records


def _metadata(root: Path) -> dict[str, dict[str, str]]:
    path = root / "metadata.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["filename"]: row for row in csv.DictReader(fh, delimiter="\t")}


def iter_polnear(split: str, root: str | Path, *,
                 annotators: Literal["first", "all"] = "first") -> Iterator[PolnearArticle]:
    """The annotation files of one split under ``root`` (the ``polnear`` folder), in name order."""
    if split not in SPLITS:
        raise StanceError(f"unknown PolNeAR split {split!r}; the data folder has {', '.join(SPLITS)}")
    if annotators not in ("first", "all"):
        raise StanceError(f"annotators must be 'first' or 'all', got {annotators!r}")
    root = Path(root)
    folder = root / split
    if not (folder / "text").is_dir() or not (folder / "attributions").is_dir():
        raise StanceError(f"PolNeAR {split} not found: expected {folder}/text and {folder}/attributions")
    meta = _metadata(root)
    by_doc: dict[str, list[tuple[str, Path]]] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        doc_id, _, annotator = ann.stem.rpartition("_")
        by_doc.setdefault(doc_id, []).append((annotator, ann))
    for doc_id in sorted(by_doc):
        text_path = folder / "text" / f"{doc_id}.txt"
        if not text_path.is_file():
            raise InputError(by_doc[doc_id][0][1], f"no article text {text_path.name} beside it", field="doc_id")
        text = text_path.read_text(encoding="utf-8")
        files = by_doc[doc_id]
        if annotators == "first":
            listed = (meta.get(doc_id, {}).get("annotators") or "").split(",")
            preferred = [f for f in files if f[0] == listed[0].strip()] if listed[0] else []
            files = (preferred or files)[:1]
        for annotator, ann in files:
            yield PolnearArticle(doc_id=doc_id, annotator=annotator, text=text,
                                 statements=parse_annotation(ann, text, doc_id=doc_id),
                                 metadata=dict(meta.get(doc_id, {})))


def load_polnear(split: str, root: str | Path, *, annotators: Literal["first", "all"] = "first") -> list[PolnearArticle]:
    """:func:`iter_polnear` as a list."""
    return list(iter_polnear(split, root, annotators=annotators))


def load_statements(split: str, root: str | Path | None = None) -> list[dict[str, Any]]:
    """Every attribution of a split (the first annotation of each article) as a statement record, with
    ``text`` = the content, ``annotator``, ``corpus`` and ``split``."""
    records = []
    for article in iter_polnear(split, corpus_dir(NAME, root)):
        for statement in article.statements:
            record = normalise_statement(statement)
            record.update(annotator=article.annotator, corpus=NAME, split=split)
            records.append(record)
    return records


CORPORA = [
    Corpus(NAME, load_statements, SPLITS, None, citation=CITATION,
           records="one per attribution (content, source and cue spans, quoted or not)",
           title="PolNeAR: attribution relations in political news",
           source="https://github.com/networkdynamics/PolNeAR (commit c3eee83)",
           license="no license stated; published for research, cite the paper"),
]


# ---------------------------------------------------------------------- specs: ``polnear:dev``
_SPEC = re.compile(r"^polnear:(\w+)$")


def parse_spec(spec: str | Path) -> str | None:
    """The split a spec such as ``polnear:dev`` names, else ``None`` (a file path). An unknown
    split is a StanceError."""
    m = _SPEC.match(str(spec))
    if m is None:
        return None
    if m.group(1) not in SPLITS:
        raise StanceError(f"unknown PolNeAR split in {spec!r}; the data folder has {', '.join(SPLITS)}")
    return m.group(1)


def default_root() -> Path:
    """The ``polnear`` folder of the corpus data folder ($STANCE_DATA_DIR, see stance.paths)."""
    return corpus_dir(NAME)


def gold_id(article: PolnearArticle, annotators: str) -> str:
    """The doc_id a gold set is scored under: the article's, or with ``annotators="all"`` the
    annotation file's (``NAME@ANNOTATOR``), each file a gold set of its own."""
    return article.doc_id if annotators == "first" else f"{article.doc_id}@{article.annotator}"


def gold_statements(split: str, root: str | Path | None = None, *,
                    annotators: Literal["first", "all"] = "first") -> list[dict[str, Any]]:
    """Every gold attribution of a split as statement records (``doc_id`` as :func:`gold_id`)."""
    out = []
    for article in iter_polnear(split, root if root is not None else default_root(), annotators=annotators):
        doc_id = gold_id(article, annotators)
        out.extend({**s, "doc_id": doc_id} for s in article.statements)
    return out


def iter_articles(split: str, root: str | Path | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(doc_id, text, metadata)`` of every article of a split, as ``stance extract`` reads articles."""
    for article in iter_polnear(split, root if root is not None else default_root()):
        record = article.as_article()
        yield article.doc_id, record.pop("text"), {k: v for k, v in record.items() if k != "doc_id" and v}
