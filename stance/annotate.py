"""Round trip with annotation tools (Label Studio, doccano, CSV) and agreement between annotators.

The workflow, for statements from ``stance extract`` or ``stance run``::

    stance annotate export --format labelstudio --input statements.jsonl --output tasks.json
    # ... two or three people annotate in Label Studio, the project is exported as JSON ...
    stance annotate import --format labelstudio --input export.json --output annotations.jsonl
    stance annotate agree --input annotations.jsonl --output agreement/
    # a person settles the ties in agreement/adjudication.jsonl, then the same command again:
    stance annotate agree --input annotations.jsonl --output agreement/
    stance evaluate --gold agreement/gold.jsonl --pred statements.jsonl

**What annotators see.** Each statement becomes one task whose text is a *passage*: the lines of the
article that hold the statement, its speaker and its cue, plus ``context_lines`` lines on each side,
so that the statement is read in context. The article is looked up in ``articles`` (``.txt`` files
named ``<doc_id>.txt``, folders of them, or JSONL with ``doc_id`` and ``text``) or, when none is
given, as ``<doc_id>.txt`` beside the input file. Without the article the passage is the record's
``context`` (when it contains the content) or the content itself. Spans are shown with the labels
``CONTENT``, ``SPEAKER`` and ``CUE`` (a quote split by its attribution shows one CONTENT span per
fragment); the record's label, when present, is shown as the model's pre-annotation.

**Offsets.** Every task carries ``offset``, the article offset of the passage's first character
(``null`` when unknown), and the original record, so that spans an annotator marks or corrects go
back to article offsets: ``start = offset + start in passage``, and ``content``/``speaker``/``cue``
are re-read from the passage. A span kind the annotator did not mark keeps the record's value.

**Formats.**

- ``labelstudio``: a JSON list of tasks ``{"data": {...}, "predictions": [{"model_version",
  "score", "result": [...]}]}`` with a ``choices`` result named after the label field and
  ``labels`` results for the spans; the labeling config is written beside it (``FILE.xml``, paste it
  into the project's *Labeling Interface*). Import reads Label Studio's JSON export (tasks with
  ``"annotations": [{"completed_by", "result": [...]}]``) and its JSON-MIN export; cancelled
  annotations are skipped; the annotator is the user's e-mail when the export gives one, else the
  user id.
- ``doccano``: JSONL for an *Intent Detection and Slot Filling* project: ``text`` (the passage),
  ``entities`` ``[[start, end, "LABEL"], ...]``, ``cats`` ``[label]``, and the ids and record as
  metadata (doccano keeps unknown keys as metadata and exports them back). Import reads doccano's
  JSONL export, one file per annotator (doccano names them ``<username>.jsonl`` inside its zip, which
  can be given as is); the annotator is the record's ``username``/``user`` or the file name.
- ``csv``: one row per statement with the passage and the spans in article offsets; annotators fill
  the column named after the label field (and may correct ``content``/``speaker``/``cue``: the offsets
  are then found again in the passage) and ``annotator``, else the file name is the annotator.

**Import output**: one gold record per (statement, annotator) with an ``annotator`` field, the
annotated label, text and offsets; predictions (``scores``) are dropped. With one annotator it is a
gold file as is; with several, :func:`agreement_files` turns it into ``gold.jsonl``.

**Adjudication.** ``agreement_files`` writes ``adjudication.jsonl``: one row per statement with each
annotator's label (``labels``), the ``majority`` label (null on a tie), ``status`` (``unanimous``,
``majority``, ``tie``), the text, and ``adjudicated: null``. To settle a statement, a person writes a
label into its ``adjudicated`` field (ties first: they have no gold label until settled) and runs
the same ``stance annotate agree`` command again: filled ``adjudicated`` labels in the output folder's
adjudication file are kept and override the majority in ``gold.jsonl``.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from .errors import InputError
from .io import (
    atomic_write,
    check_no_surrogates,
    check_output_dir,
    check_output_file,
    claim_run_dir,
    csv_cell,
    csv_text,
    iter_jsonl,
    parse_json_line,
    read_text,
    write_group,
    write_json,
    write_jsonl,
    write_text,
)
from .schema import SEED_LABELS, Statement, statement_key, validate_statement

log = logging.getLogger(__name__)

FORMATS = ("labelstudio", "doccano", "csv")
DEFAULT_LABELS = SEED_LABELS
MAX_PASSAGE_CHARS = 3000  # longer passages (articles without line breaks) are cut around the statement
# span label -> (start field, end field, surface field) of the statement record
SPANS = {
    "CONTENT": ("start", "end", "content"),
    "SPEAKER": ("speaker_start", "speaker_end", "speaker"),
    "CUE": ("cue_start", "cue_end", "cue"),
}
SPAN_COLOURS = {"CONTENT": "#ffd966", "SPEAKER": "#9fc5e8", "CUE": "#b6d7a8"}
PREDICTION_FIELDS = ("scores", "model", "label_source")
# where a record's label came from (the ``label_source`` field): set by import, predict and adjudication
LABEL_SOURCES = ("human", "model", "adjudicated")
MAX_OFFSET = 2**31 - 1  # an article offset beyond this is no offset
MAX_ZIP_MEMBER = 2**30  # a doccano export larger than this, unpacked, is no export (a zip bomb)
AGREE_OUTPUTS = ("agreement.json", "adjudication.jsonl", "gold.jsonl")
# keys the tools add to a task (or that hold the passage), not part of the statement record
TOOL_KEYS = ("id", "text", "offset", "record", "entities", "cats", "label", "labels", "relations", "Comments",
             "username", "user", "annotations", "predictions")  # what a model added; never carried into gold
CSV_COLUMNS = (
    "doc_id", "statement_id", "speaker", "cue", "kind", "target", "content", "passage", "passage_offset",
    "start", "end", "speaker_start", "speaker_end", "cue_start", "cue_end", "predicted", "confidence",
)  # then the label column, "annotator", "comment", "record"


# --------------------------------------------------------------------------- passages
@dataclass(frozen=True)
class Passage:
    """What an annotator reads: ``text``, and the article offset of its first character (or None)."""

    text: str
    offset: int | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _span(record: Statement, label: str) -> tuple[int, int] | None:
    start_f, end_f, _ = SPANS[label]
    start, end = _int(record.get(start_f)), _int(record.get(end_f))
    return (start, end) if start is not None and end is not None and start < end else None


def _content_pieces(record: Statement) -> list[tuple[int, int]]:
    fragments = record.get("fragments")
    if isinstance(fragments, list) and len(fragments) > 1:
        pieces = [(_int(f[0]), _int(f[1])) for f in fragments if isinstance(f, (list, tuple)) and len(f) == 2]
        if len(pieces) == len(fragments) and all(s is not None and e is not None and s < e for s, e in pieces):
            return pieces  # type: ignore[return-value]
        log.warning("doc %s statement %s: malformed fragments %r; showing start/end", record.get("doc_id"),
                    record.get("statement_id"), fragments)
    span = _span(record, "CONTENT")
    return [span] if span else []


def build_passage(
    record: Statement, article: str | None = None, context_lines: int = 1, max_chars: int = MAX_PASSAGE_CHARS
) -> Passage:
    """The passage shown for ``record``: article lines around its spans, else its context or content.

    A passage longer than ``max_chars`` (an article without line breaks) is cut at spaces around the
    statement's spans.
    """
    content = record.get("content") if isinstance(record.get("content"), str) else None
    start = _int(record.get("start"))
    if article is not None and content is not None and start is not None and start >= 0:
        if article[start : start + len(content)] == content:
            spans = [s for s in (_span(record, label) for label in SPANS) if s and s[0] >= 0 and s[1] <= len(article)]
            span_lo, span_hi = min(s for s, _ in spans), max(e for _, e in spans)
            lo, hi = _line_window(article, span_lo, span_hi, context_lines)
            if hi - lo > max_chars:
                lo, hi = _cut(article, lo, hi, span_lo, span_hi, max_chars)
            return Passage(article[lo:hi], lo)
        log.warning("doc %s statement %s: content not at its offsets in the article; showing its context",
                    record.get("doc_id"), record.get("statement_id"))
    context = record.get("context")
    if content is not None and isinstance(context, str) and content in context:
        at = context.index(content)
        return Passage(context, start - at if start is not None else None)
    if content is not None:
        return Passage(content, start)
    return Passage(str(record.get("text") or ""), None)


def _line_window(article: str, lo: int, hi: int, context_lines: int) -> tuple[int, int]:
    """Widen [lo, hi) to whole lines, then by ``context_lines`` non-blank lines on each side."""
    lo = article.rfind("\n", 0, lo) + 1
    end = article.find("\n", hi)
    hi = len(article) if end == -1 else end
    for _ in range(context_lines):
        before = article[:lo].rstrip("\n")
        lo = before.rfind("\n") + 1 if before.strip() else lo
        after_start = hi + (len(article[hi:]) - len(article[hi:].lstrip("\n")))
        if after_start < len(article):
            end = article.find("\n", after_start)
            hi = len(article) if end == -1 else end
    return lo, hi


def _cut(article: str, lo: int, hi: int, span_lo: int, span_hi: int, max_chars: int) -> tuple[int, int]:
    """Narrow [lo, hi) to about ``max_chars`` around [span_lo, span_hi), cutting at spaces."""
    margin = max(0, (max_chars - (span_hi - span_lo)) // 2)
    new_lo, new_hi = max(lo, span_lo - margin), min(hi, span_hi + margin)
    if new_lo > lo:
        space = article.find(" ", new_lo, span_lo)
        new_lo = space + 1 if space != -1 else new_lo
    if new_hi < hi:
        space = article.rfind(" ", span_hi, new_hi)
        new_hi = space if space != -1 else new_hi
    return new_lo, new_hi


def passage_spans(record: Statement, passage: Passage) -> list[tuple[int, int, str]]:
    """The record's spans as ``(start, end, LABEL)`` inside the passage (those that lie in it)."""
    out: list[tuple[int, int, str]] = []
    if passage.offset is None:
        content = record.get("content")
        if isinstance(content, str) and content and content in passage.text:
            at = passage.text.index(content)
            out.append((at, at + len(content), "CONTENT"))
        return out
    pieces = {"CONTENT": _content_pieces(record)}
    for label in ("SPEAKER", "CUE"):
        span = _span(record, label)
        pieces[label] = [span] if span else []
    for label, spans in pieces.items():
        for start, end in spans:
            s, e = start - passage.offset, end - passage.offset
            if 0 <= s < e <= len(passage.text):
                out.append((s, e, label))
    return sorted(out)


def apply_spans(
    record: Statement, passage: Passage, spans: Iterable[tuple[int, int, str]], *, path: str | Path | None = None,
    line: int | None = None,
) -> Statement:
    """Return ``record`` with the annotated spans (passage offsets) written back as article offsets.

    A span label the annotator did not use keeps the record's value; several CONTENT spans become
    ``fragments`` (content then covers them all, as in the extraction's records).
    """
    out = dict(record)
    by_label: dict[str, list[tuple[int, int]]] = {}
    for start, end, label in spans:
        if label not in SPANS:
            raise InputError(path, f"unknown span label {label!r}; expected one of {sorted(SPANS)}", line=line,
                             field="label")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(passage.text)):
            raise InputError(path, f"{label} span [{start}, {end}) is not inside the passage of length "
                             f"{len(passage.text)}", line=line, field="label")
        by_label.setdefault(label, []).append((start, end))
    for label, pieces in by_label.items():
        pieces.sort()
        start_f, end_f, surface_f = SPANS[label]
        if label != "CONTENT" and len(pieces) > 1:
            log.warning("%s: %d %s spans for one statement; keeping the first", path, len(pieces), label)
            pieces = pieces[:1]
        lo, hi = pieces[0][0], max(e for _, e in pieces)
        surface = passage.text[lo:hi]
        if label == "CONTENT" and out.get("text") in (None, out.get("content")):
            out["text"] = surface
        out[surface_f] = surface
        if passage.offset is not None:
            out[start_f], out[end_f] = passage.offset + lo, passage.offset + hi
            if label == "CONTENT":
                if len(pieces) > 1:
                    out["fragments"] = [[passage.offset + s, passage.offset + e] for s, e in pieces]
                else:
                    out.pop("fragments", None)
    return out


# --------------------------------------------------------------------------- articles
def load_articles(paths: Sequence[str | Path]) -> dict[str, str]:
    """Articles by doc_id from ``.txt`` files (doc_id = stem), folders of them, or JSONL (doc_id, text)."""
    articles: dict[str, str] = {}
    for path in map(Path, paths):
        if path.is_dir():
            for txt in sorted(path.glob("*.txt")):
                articles[txt.stem] = read_text(txt)
        elif path.suffix == ".jsonl":
            for lineno, obj in iter_jsonl(path):
                if not isinstance(obj.get("doc_id"), (str, int)) or not isinstance(obj.get("text"), str):
                    raise InputError(path, "an article needs 'doc_id' and 'text'", line=lineno, field="text")
                articles[str(obj["doc_id"])] = obj["text"]
        else:
            articles[path.stem] = read_text(path)
    return articles


def _find_articles(records: Sequence[tuple[int, Statement]], input_path: Path) -> dict[str, str]:
    """``<doc_id>.txt`` files beside the statements file (how ``stance extract`` inputs usually sit).

    A doc_id is a name, never a path: one with a folder separator, ``..``, a NUL or a leading ``.`` is
    refused (it would read a file outside the folder: ``../secret/api_keys``)."""
    found: dict[str, str] = {}
    for lineno, record in records:
        doc_id = str(record["doc_id"])
        if doc_id in found:
            continue
        if not _plain_name(doc_id):
            raise InputError(input_path, f"doc_id {doc_id[:100]!r} is not a plain file name (a folder separator, "
                             "'..', NUL or a leading '.'); give the articles with --articles", line=lineno,
                             field="doc_id")
        candidate = input_path.parent / f"{doc_id}.txt"
        if candidate.is_file():
            found[doc_id] = read_text(candidate)
    return found


def _plain_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and not any(c in name for c in "/\\\0") and \
        Path(name).name == name and not Path(name).is_absolute()


# --------------------------------------------------------------------------- export
def export_file(
    input: str,
    output: str,
    fmt: str,
    label_field: str = "stance",
    *,
    articles: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    context_lines: int = 1,
) -> int:
    """Write the statements in ``input`` as annotation tasks for ``fmt``; returns the number of tasks.

    ``labels`` are the stance choices offered (default: the labels found in the input's label field and
    scores, else confrontational/neutral/conciliatory). See the module docstring for each format.
    """
    _check_format(fmt)
    input_path = Path(input)
    sources = [input_path, *map(Path, articles or [])]
    check_output_file(output, inputs=sources)
    if fmt == "labelstudio":
        check_output_file(labelstudio_config_path(output), inputs=sources)
    numbered = []  # as written (validated, but without the fields validation derives)
    for lineno, obj in iter_jsonl(input_path):
        validate_statement(obj, path=input_path, line=lineno, label_field=label_field)
        numbered.append((lineno, obj))
    records = [obj for _, obj in numbered]
    texts = load_articles(articles) if articles else _find_articles(numbered, input_path)
    missing = sorted({str(r["doc_id"]) for r in records} - set(texts))
    if missing and any(r.get("start") is not None for r in records):
        log.info("no article text for %d document(s) (e.g. %s): passages are the statements' context",
                 len(missing), missing[0])
    choices = list(labels) if labels else _labels_in(records, label_field)
    tasks = [
        _task(record, build_passage(record, texts.get(str(record["doc_id"])), context_lines), label_field)
        for record in records
    ]
    with write_group():  # the tasks and their labeling config: both, or neither
        if fmt == "labelstudio":
            with atomic_write(output) as handle:
                json.dump([_labelstudio_task(t, label_field) for t in tasks], handle, ensure_ascii=False, indent=1)
                handle.write("\n")
            write_text(labelstudio_config_path(output), labelstudio_config(choices, label_field))
        elif fmt == "doccano":
            write_jsonl(output, (_doccano_task(t) for t in tasks))
        else:
            _write_csv(output, [_csv_row(t, label_field) for t in tasks], label_field)
    log.info("wrote %d %s tasks to %s", len(tasks), fmt, output)
    return len(tasks)


def labelstudio_config_path(output: str | Path) -> Path:
    return Path(f"{output}.xml") if not str(output).endswith(".json") else Path(str(output)[:-5] + ".xml")


def labelstudio_config(labels: Sequence[str], label_field: str = "stance") -> str:
    """The labeling config (XML) matching the exported tasks."""
    span_labels = "\n".join(
        f"    <Label value={quoteattr(name)} background={quoteattr(SPAN_COLOURS[name])}/>" for name in SPANS
    )
    choices = "\n".join(f"    <Choice value={quoteattr(label)}/>" for label in labels)
    return f"""<View>
  <Header value="$doc_id / $statement_id: $speaker ($kind) about $target"/>
  <Labels name="spans" toName="text">
{span_labels}
  </Labels>
  <Text name="text" value="$text" granularity="symbol"/>
  <Header value="Stance of the speaker toward the target"/>
  <Choices name={quoteattr(label_field)} toName="text" choice="single-radio" showInline="true" required="true">
{choices}
  </Choices>
</View>
"""


def _labels_in(records: Sequence[Statement], label_field: str) -> list[str]:
    found = {r[label_field] for r in records if isinstance(r.get(label_field), str)}
    for r in records:
        found.update((r.get("scores") or {}).keys())
    return sorted(found) if found else list(DEFAULT_LABELS)


def _task(record: Statement, passage: Passage, label_field: str) -> dict[str, Any]:
    """The tool-neutral task: passage, spans, the model's label, and the record to round-trip."""
    scores = record.get("scores") or {}
    label = record.get(label_field) if isinstance(record.get(label_field), str) else None
    kept = {k: v for k, v in record.items() if k not in PREDICTION_FIELDS and k != label_field}
    human = label is not None and label_source(record) != "model"
    return {
        "passage": passage,
        "spans": passage_spans(record, passage),
        "predicted": None if human else label,
        "confidence": scores.get(label) if label is not None and not human else None,
        "human": label if human else None,
        "annotator": str(record.get("annotator") or "gold") if human else None,
        "model": record.get("model"),
        "record": kept,
    }


def label_source(record: Statement) -> str:
    """Where a record's label came from: its ``label_source`` field; a file written before the field
    existed: ``model`` when the record has ``scores`` (a prediction), else ``human`` (a gold file)."""
    source = record.get("label_source")
    if source in LABEL_SOURCES:
        return source
    return "model" if record.get("scores") else "human"


def _display(record: Statement) -> dict[str, Any]:
    return {
        "doc_id": record["doc_id"],
        "statement_id": record["statement_id"],
        "speaker": record.get("speaker_canonical") or record.get("speaker") or record.get("source") or "",
        "target": record.get("target") or record.get("target_party") or "",
        "kind": record.get("kind") or "",
    }


def _labelstudio_task(task: dict[str, Any], label_field: str) -> dict[str, Any]:
    passage: Passage = task["passage"]
    data = {"text": passage.text, "offset": passage.offset, **_display(task["record"]), "record": task["record"]}
    out: dict[str, Any] = {"data": data}
    result = [
        {"id": f"s{i}", "from_name": "spans", "to_name": "text", "type": "labels",
         "value": {"start": s, "end": e, "text": passage.text[s:e], "labels": [label]}}
        for i, (s, e, label) in enumerate(task["spans"])
    ]
    if task["predicted"] is not None:
        result.append({"id": "label", "from_name": label_field, "to_name": "text", "type": "choices",
                       "value": {"choices": [task["predicted"]]}})
    if task["human"] is not None:  # a hand label is an annotation, not a model's suggestion
        out["annotations"] = [{"completed_by": task["annotator"], "result": [
            {"id": "label", "from_name": label_field, "to_name": "text", "type": "choices",
             "value": {"choices": [task["human"]]}}]}]
    if result:
        prediction: dict[str, Any] = {"model_version": task["model"] or "stance", "result": result}
        if task["confidence"] is not None:
            prediction["score"] = task["confidence"]
        out["predictions"] = [prediction]
    return out


def _doccano_task(task: dict[str, Any]) -> dict[str, Any]:
    passage: Passage = task["passage"]
    label = task["human"] or task["predicted"]
    out = {"text": passage.text, "entities": [list(s) for s in task["spans"]], "cats": [label] if label else []}
    out.update({"offset": passage.offset, **_display(task["record"]), "record": task["record"]})
    return out


def _csv_row(task: dict[str, Any], label_field: str) -> dict[str, Any]:
    record, passage = task["record"], task["passage"]
    row = {column: record.get(column) for column in CSV_COLUMNS}
    row.update(passage=passage.text, passage_offset=passage.offset, predicted=task["predicted"],
               confidence=task["confidence"], target=_display(record)["target"])
    row.update({label_field: task["human"] or "", "annotator": task["annotator"] or "", "comment": "",
                "record": json.dumps(record, ensure_ascii=False)})
    return row


def _write_csv(output: str | Path, rows: list[dict[str, Any]], label_field: str) -> None:
    columns = [*CSV_COLUMNS, label_field, "annotator", "comment", "record"]
    with atomic_write(output) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writerow({c: csv_cell(c) for c in columns})  # the header, guarded as every cell
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else csv_cell(row[k]) for k in columns})


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(None, f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}",
                         field="format")


# --------------------------------------------------------------------------- import
@dataclass
class Annotation:
    """One annotator's judgement of one task, as read from a tool's export."""

    record: Statement
    passage: Passage
    annotator: str
    label: str | None
    spans: list[tuple[int, int, str]] | None  # None: the annotator marked no span
    path: str
    line: int | None
    comment: str | None = None


def import_files(inputs: list[str], output: str, fmt: str, label_field: str = "stance") -> int:
    """Read completed exports of ``fmt`` into gold JSONL, one record per (statement, annotator).

    Returns the number of records written. Tasks nobody labelled are skipped (logged).
    """
    _check_format(fmt)
    if not inputs:
        raise InputError(None, "no input files", field="input")
    check_output_file(output, inputs=inputs)
    readers = {"labelstudio": read_labelstudio, "doccano": read_doccano, "csv": read_csv}
    records: list[Statement] = []
    seen: dict[tuple[str, str, str], str] = {}
    skipped = 0
    for path in inputs:
        for ann in readers[fmt](path, label_field=label_field):
            if ann.label is None:
                skipped += 1
                continue
            record = apply_spans(ann.record, ann.passage, ann.spans or [], path=ann.path, line=ann.line)
            if record.get("text") is None and record.get("content") is None:
                record["text"] = ann.passage.text  # a task built by hand: the passage is the statement
            unchanged = ann.record.get(label_field) == ann.label
            record[label_field] = ann.label
            record["label_source"] = "adjudicated" if unchanged and ann.record.get("label_source") == "adjudicated" \
                else "human"
            record["annotator"] = ann.annotator
            _check_offsets(record, ann.path, ann.line)
            if ann.comment:
                record["comment"] = ann.comment
            record = validate_statement(record, path=ann.path, line=ann.line, label_field=label_field)
            key = (*statement_key(record), ann.annotator)
            where = f"{ann.path}:{ann.line}" if ann.line else ann.path
            if key in seen:
                raise InputError(ann.path, f"annotator {ann.annotator!r} labelled statement {key[:2]} twice "
                                 f"(first at {seen[key]}); if two exports use the same user id, import them "
                                 "one at a time", line=ann.line, field="annotator")
            seen[key] = where
            records.append(record)
    if not records:
        raise InputError(", ".join(map(str, inputs)), f"no labelled statements found ({skipped} without a label)")
    if skipped:
        log.warning("skipped %d task(s) without a %s label", skipped, label_field)
    n = write_jsonl(output, records)
    annotators = sorted({r["annotator"] for r in records})
    log.info("wrote %d annotations by %d annotator(s) (%s) to %s", n, len(annotators), ", ".join(annotators),
             output)
    return n


def _check_offsets(record: Statement, path: str | Path, line: int | None) -> None:
    """Article offsets of an imported record: integers in [0, 2**31) (refused here, not later at evaluate)."""
    for start_f, end_f, _ in SPANS.values():
        for field in (start_f, end_f):
            value = record.get(field)
            if value is None:
                continue
            if _int(value) is None or not 0 <= value <= MAX_OFFSET:
                raise InputError(path, f"expected an article offset in [0, {MAX_OFFSET}], got {str(value)[:40]}",
                                 line=line, field=field)


def _task_record(data: dict[str, Any], path: str | Path, line: int | None) -> tuple[Statement, Passage]:
    """The original record and passage of an exported task (``data`` of Label Studio, a doccano line)."""
    record = data.get("record")
    if not isinstance(record, dict):  # a task built by hand: ids at top level
        record = {k: v for k, v in data.items() if k not in TOOL_KEYS}
    record = dict(record)
    for field in ("doc_id", "statement_id"):
        if record.get(field) is None:
            if data.get(field) is None:
                raise InputError(path, "task has no doc_id/statement_id: was it exported by "
                                 "`stance annotate export`?", line=line, field=field)
            record[field] = data[field]
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError(path, "task has no text", line=line, field="text")
    offset = data.get("offset")
    if offset is not None and (_int(offset) is None or not 0 <= offset <= MAX_OFFSET):
        raise InputError(path, f"expected an integer offset in [0, {MAX_OFFSET}], got {str(offset)[:40]}",
                         line=line, field="offset")
    return record, Passage(text, offset)


def read_labelstudio(path: str | Path, label_field: str = "stance") -> Iterator[Annotation]:
    """Annotations from a Label Studio JSON export (tasks with ``annotations``), or its JSON-MIN export."""
    try:
        tasks = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(path, f"malformed JSON: {err.msg}", line=err.lineno) from None
    except RecursionError:
        raise InputError(path, "malformed JSON: nested too deeply") from None
    except ValueError as err:  # an integer of thousands of digits
        raise InputError(path, f"malformed JSON: {str(err)[:120]}") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InputError(path, "expected a JSON list of tasks (Label Studio's JSON export)")
    for i, task in enumerate(tasks, start=1):
        where = f"task {i}"
        if isinstance(task, dict) and "data" not in task and isinstance(task.get("text"), str):
            yield _labelstudio_min(task, label_field, path, where)
            continue
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(path, f"{where}: expected an object with 'data'", field="data")
        try:
            check_no_surrogates(task, path, None)
            record, passage = _task_record(task["data"], path, None)
        except InputError as err:
            raise InputError(path, f"{where}: {err.message}", field=err.field) from None
        annotations = task.get("annotations", task.get("completions")) or []
        if not isinstance(annotations, list):
            raise InputError(path, f"{where}: expected a list of annotations, got {type(annotations).__name__}",
                             field="annotations")
        if not annotations:
            yield Annotation(record, passage, "", None, None, str(path), None)
        for ann in annotations:
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            result = ann.get("result") or []
            if not isinstance(result, list):
                raise InputError(path, f"{where}: expected a list of results, got {type(result).__name__}",
                                 field="result")
            label, spans, comment = _labelstudio_result(result, label_field, path, where)
            yield Annotation(record, passage, _labelstudio_user(ann), label, spans, str(path), None, comment)


def _labelstudio_min(task: dict[str, Any], label_field: str, path: str | Path, where: str) -> Annotation:
    """One row of Label Studio's JSON-MIN export: the data fields, then one key per control tag."""
    try:
        record, passage = _task_record(task, path, None)
    except InputError as err:
        raise InputError(path, f"{where}: {err.message}", field=err.field) from None
    for key in (label_field, "spans", "annotator", "annotation_id", "created_at", "updated_at", "lead_time"):
        record.pop(key, None)
    label = task.get(label_field)
    if isinstance(label, dict):  # several choices allowed: {"choices": [...]}
        label = (label.get("choices") or [None])[0]
    if label is not None and not isinstance(label, str):
        raise InputError(path, f"{where}: expected a label, got {label!r}", field=label_field)
    result = [{"type": "labels", "value": span} for span in task.get("spans") or []]
    _, spans, _ = _labelstudio_result(result, label_field, path, where)
    return Annotation(record, passage, str(task.get("annotator", "unknown")), label, spans, str(path), None)


def _labelstudio_user(annotation: dict[str, Any]) -> str:
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        return str(user.get("email") or user.get("username") or user.get("id"))
    created = annotation.get("created_username")  # "First Last email, id" or " email, id"
    if isinstance(created, str) and created.rsplit(",", 1)[0].split():
        return created.rsplit(",", 1)[0].split()[-1]
    return str(user) if user is not None else "unknown"


def _labelstudio_result(
    result: list[Any], label_field: str, path: str | Path, where: str
) -> tuple[str | None, list[tuple[int, int, str]] | None, str | None]:
    label: str | None = None
    spans: list[tuple[int, int, str]] = []
    comment: str | None = None
    choices = [r for r in result if isinstance(r, dict) and r.get("type") == "choices"]
    for item in result:
        if not isinstance(item, dict):
            raise InputError(path, f"{where}: a result item is not an object", field="result")
        value = item.get("value") or {}
        kind = item.get("type")
        if not isinstance(value, dict):
            raise InputError(path, f"{where}: a result's value must be an object, got {type(value).__name__}",
                             field="value")
        if kind == "choices" and (item.get("from_name") == label_field or len(choices) == 1):
            picked = value.get("choices") or []
            if not isinstance(picked, list) or len(picked) != 1 or not isinstance(picked[0], str):
                raise InputError(path, f"{where}: expected one {label_field} choice, got {picked!r}",
                                 field=label_field)
            label = picked[0]
        elif kind == "labels":
            names = value.get("labels") or []
            start, end = value.get("start"), value.get("end")
            if not isinstance(names, list) or len(names) != 1 or not isinstance(names[0], str) or _int(start) is None or _int(end) is None:
                raise InputError(path, f"{where}: a span needs one label and integer start/end, got {value!r}",
                                 field="labels")
            spans.append((start, end, names[0]))
        elif kind == "textarea":
            text = value.get("text") or []
            comment = " ".join(t for t in (text if isinstance(text, list) else [text]) if isinstance(t, str)) or None
    return label, (spans or None), comment


def read_doccano(path: str | Path, label_field: str = "stance") -> Iterator[Annotation]:
    """Annotations from doccano's JSONL export (or its zip of ``<username>.jsonl`` files)."""
    path = Path(path)
    if path.suffix == ".zip":
        yield from _read_doccano_zip(path, label_field)
        return
    yield from _doccano_lines(iter_jsonl(path), path, path.stem, label_field)


def _read_doccano_zip(path: Path, label_field: str) -> Iterator[Annotation]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(path, "not a zip file") from None
    with archive:
        for name in sorted(n for n in archive.namelist() if n.endswith((".jsonl", ".json"))):
            member = f"{path}!{name}"
            if archive.getinfo(name).file_size > MAX_ZIP_MEMBER:
                raise InputError(path, f"{name} unpacks to {archive.getinfo(name).file_size} bytes; too large "
                                       "for an annotation export")
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:  # bad CRC, truncated, encrypted
                raise InputError(path, f"cannot read {name} from the zip: {str(err)[:120]}") from None
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as err:
                line = data[: err.start].count(b"\n") + 1
                raise InputError(member, f"invalid UTF-8 at byte {err.start}", line=line) from None
            lines = ((i, parse_json_line(line, member, i)) for i, line in enumerate(text.splitlines(), 1) if line.strip())
            yield from _doccano_lines(lines, member, Path(name).stem, label_field)


def _doccano_lines(
    lines: Iterable[tuple[int, dict[str, Any]]], path: str | Path, default_user: str, label_field: str
) -> Iterator[Annotation]:
    for lineno, obj in lines:
        record, passage = _task_record(obj, path, lineno)
        spans: list[tuple[int, int, str]] = []
        raw_cats = obj.get("cats") or []
        if not isinstance(raw_cats, list) or not all(isinstance(c, str) for c in raw_cats):
            raise InputError(path, f"expected a list of category names, got {str(raw_cats)[:80]}", line=lineno,
                             field="cats")
        cats: list[str] = list(raw_cats)
        items = obj.get("entities", obj.get("label", obj.get("labels"))) or []
        if not isinstance(items, list):
            raise InputError(path, f"expected a list of spans, got {type(items).__name__}", line=lineno,
                             field="entities")
        for item in items:
            if isinstance(item, str):  # a text-classification export: "label": ["neutral"]
                cats.append(item)
            elif isinstance(item, dict):  # relation-style export
                spans.append((item.get("start_offset"), item.get("end_offset"), item.get("label")))
            elif isinstance(item, list) and len(item) == 3:
                spans.append((item[0], item[1], item[2]))
            else:
                raise InputError(path, f"expected [start, end, label], got {item!r}", line=lineno, field="entities")
        for s, e, _ in spans:
            if _int(s) is None or _int(e) is None:
                raise InputError(path, "span offsets must be integers", line=lineno, field="entities")
        if len(set(cats)) > 1:
            raise InputError(path, f"several {label_field} categories {cats}; expected one", line=lineno,
                             field="cats")
        user = obj.get("username", obj.get("user"))
        raw_comments = obj.get("Comments") or []
        comments = [c for c in raw_comments if isinstance(c, str)] if isinstance(raw_comments, list) else []
        yield Annotation(record, passage, str(user) if user not in (None, "") else default_user,
                         cats[0] if cats else None, spans or None, str(path), lineno,
                         " ".join(comments) or None)


def read_csv(path: str | Path, label_field: str = "stance") -> Iterator[Annotation]:
    """Annotations from the exported CSV, filled in: the label column, optionally ``annotator``."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    if reader.fieldnames is not None:  # undo the formula guard of the export (a leading ')
        reader.fieldnames = [csv_text(name) or "" for name in reader.fieldnames]
    needed = {"doc_id", "statement_id", "passage", label_field}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise InputError(path, f"CSV needs the columns {sorted(needed)}; found {reader.fieldnames}", line=1)
    for lineno, raw in enumerate(reader, start=2):
        row = {k: csv_text(v) for k, v in raw.items() if isinstance(k, str)}
        try:
            record = json.loads(row["record"]) if row.get("record") else {}
        except (json.JSONDecodeError, RecursionError, ValueError) as err:
            raise InputError(path, f"malformed JSON: {getattr(err, 'msg', 'not valid JSON')}", line=lineno,
                             field="record") from None
        if not isinstance(record, dict):
            raise InputError(path, "expected a JSON object", line=lineno, field="record")
        record.update(doc_id=row["doc_id"], statement_id=row["statement_id"])
        offset = _csv_int(row.get("passage_offset"), path, lineno, "passage_offset")
        passage = Passage(row["passage"], offset)
        spans = []
        for label, (start_f, end_f, surface_f) in SPANS.items():
            if surface_f not in row:
                continue
            span = _csv_span(row, passage, record, label, path, lineno)
            if span is not None:
                spans.append(span)
        label = (row.get(label_field) or "").strip() or None
        yield Annotation(record, passage, (row.get("annotator") or "").strip() or path.stem, label, spans or None,
                         str(path), lineno, (row.get("comment") or "").strip() or None)


def _csv_int(value: str | None, path: Path, line: int, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(path, f"expected an integer, got {value[:40]!r}", line=line, field=field) from None
    if not 0 <= number <= MAX_OFFSET:
        raise InputError(path, f"expected an offset in [0, {MAX_OFFSET}], got {value[:40]}", line=line, field=field)
    return number


def _csv_span(
    row: dict[str, str], passage: Passage, record: Statement, label: str, path: Path, line: int
) -> tuple[int, int, str] | None:
    """A span of a CSV row in passage offsets; an edited surface text is looked up in the passage."""
    start_f, end_f, surface_f = SPANS[label]
    surface = row.get(surface_f) or ""
    start, end = _csv_int(row.get(start_f), path, line, start_f), _csv_int(row.get(end_f), path, line, end_f)
    if not surface:
        return None
    if surface == record.get(surface_f) and (start, end) == (record.get(start_f), record.get(end_f)):
        return None  # unchanged: keep the record's span (and its fragments)
    if passage.offset is not None and start is not None and end is not None:
        s, e = start - passage.offset, end - passage.offset
        if 0 <= s < e <= len(passage.text) and passage.text[s:e] == surface:
            return (s, e, label)
    hits = _find_all(passage.text, surface)
    if not hits:
        raise InputError(path, f"{surface!r} is not in the passage", line=line, field=surface_f)
    near = (start - passage.offset) if passage.offset is not None and start is not None else 0
    s = min(hits, key=lambda h: abs(h - near))
    return (s, s + len(surface), label)


def _find_all(text: str, sub: str) -> list[int]:
    hits, at = [], text.find(sub)
    while at != -1:
        hits.append(at)
        at = text.find(sub, at + 1)
    return hits


# --------------------------------------------------------------------------- agreement
def load_annotations(inputs: Sequence[str | Path], label_field: str = "stance") -> list[Statement]:
    """Annotated records from gold JSONL files, each with an ``annotator`` (the field, else the file stem).

    Several files of one annotator each, one imported file with an ``annotator`` field, or a mix. A
    record without a label counts as a missing rating. The same (statement, annotator) twice is an error.
    """
    records: list[Statement] = []
    seen: dict[tuple[str, str, str], str] = {}
    for path in map(Path, inputs):
        for lineno, obj in iter_jsonl(path):
            record = validate_statement(obj, path=path, line=lineno, label_field=label_field)
            annotator = record.get("annotator")
            if annotator is None or annotator == "":
                annotator = path.stem
            elif not isinstance(annotator, (str, int)) or isinstance(annotator, bool):
                raise InputError(path, f"expected a name, got {type(annotator).__name__}", line=lineno,
                                 field="annotator")
            record["annotator"] = str(annotator)
            key = (*statement_key(record), record["annotator"])
            if key in seen:
                raise InputError(path, f"annotator {key[2]!r} labelled (doc_id={key[0]!r}, statement_id={key[1]!r}) "
                                 f"twice, first at {seen[key]} (files without an annotator field are named by "
                                 "their stem: give them distinct names)", line=lineno, field="annotator")
            seen[key] = f"{path}:{lineno}"
            records.append(record)
    return records


def ratings_table(
    records: Sequence[Statement], label_field: str = "stance"
) -> tuple[list[tuple[str, str]], dict[str, list[str | None]]]:
    """Statement keys (in first-seen order) and ``{annotator: [label or None per statement]}``."""
    keys = list(dict.fromkeys(statement_key(r) for r in records))
    index = {key: i for i, key in enumerate(keys)}
    annotators = sorted({r["annotator"] for r in records})
    table: dict[str, list[str | None]] = {a: [None] * len(keys) for a in annotators}
    for r in records:
        table[r["annotator"]][index[statement_key(r)]] = r.get(label_field)
    return keys, table


def agreement(records: Sequence[Statement], label_field: str = "stance") -> dict[str, Any]:
    """Agreement between the annotators of ``records`` (see :func:`stance.metrics.agreement`).

    Pairwise Cohen's kappa (and their mean), Fleiss' kappa (over the statements every annotator
    labelled: it needs equal numbers of ratings), Krippendorff's alpha (nominal; missing ratings
    allowed), percent agreement, per-label agreement, each annotator's label counts, and how many
    statements are unanimous, have a majority, or are tied. Undefined values are None.
    """
    from . import metrics

    keys, table = ratings_table(records, label_field)
    if len(table) < 2:
        raise InputError(None, f"agreement needs at least two annotators; found {len(table)}: {sorted(table)} "
                         "(give one file per annotator, or records with an 'annotator' field)", field="annotator")
    stats = metrics.agreement(table)
    complete = [i for i in range(len(keys)) if all(table[a][i] is not None for a in table)]
    fleiss = metrics.fleiss_kappa({a: [table[a][i] for i in complete] for a in table}) if complete else None
    statuses = Counter(row["status"] for row in adjudicate(records, label_field))
    labels = sorted({v for column in table.values() for v in column if v is not None})
    result = {
        "label_field": label_field,
        "n_statements": len(keys),
        "n_annotators": len(table),
        "annotators": list(table),
        "labels": labels,
        "label_counts": {a: {label: column.count(label) for label in labels} for a, column in table.items()},
        "krippendorff_alpha": stats["krippendorff_alpha"],
        "fleiss_kappa": fleiss,
        "fleiss_n_statements": len(complete),
        "pairwise_cohen_kappa": stats["pairwise_cohen_kappa"],
        "mean_cohen_kappa": stats["pairwise_cohen_kappa"]["mean"],
        "percent_agreement": stats["percent_agreement"],
        "per_label": stats["per_label"],
        "status_counts": {s: statuses.get(s, 0) for s in ("unanimous", "majority", "tie", "single", "unlabelled")},
    }
    return _no_nan(result)


def adjudicate(
    records: Sequence[Statement], label_field: str = "stance", settled: dict[tuple[str, str], str] | None = None
) -> list[dict[str, Any]]:
    """One row per statement: each annotator's label, the majority, a status, and ``adjudicated``.

    ``status`` is ``unanimous`` (all labels equal, two or more), ``majority`` (one label has more votes
    than any other), ``tie`` (no majority: ``majority`` is null), ``single`` (one label only) or
    ``unlabelled``. ``settled`` maps a statement key to a label a person chose (kept in ``adjudicated``).
    """
    settled = settled or {}
    by_key: dict[tuple[str, str], list[Statement]] = {}
    for r in records:
        by_key.setdefault(statement_key(r), []).append(r)
    rows = []
    for key, group in by_key.items():
        labels = {r["annotator"]: r.get(label_field) for r in sorted(group, key=lambda r: r["annotator"])}
        votes = Counter(v for v in labels.values() if v is not None)
        ranked = votes.most_common()
        if not ranked:
            majority, status = None, "unlabelled"
        elif len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            majority, status = None, "tie"
        else:
            majority = ranked[0][0]
            status = "single" if sum(votes.values()) == 1 else "unanimous" if len(votes) == 1 else "majority"
        first = group[0]
        rows.append({
            "doc_id": key[0],
            "statement_id": key[1],
            "status": status,
            "majority": majority,
            "labels": labels,
            "votes": dict(sorted(votes.items())),
            "adjudicated": settled.get(key),
            "speaker": first.get("speaker_canonical") or first.get("speaker") or first.get("source"),
            "target": first.get("target") or first.get("target_party"),
            "text": first.get("text"),
            "context": first.get("context"),
            "comments": {r["annotator"]: r["comment"] for r in group if r.get("comment")} or None,
        })
    return rows


def gold_from_adjudication(
    records: Sequence[Statement], rows: Sequence[dict[str, Any]], label_field: str = "stance"
) -> list[Statement]:
    """Gold records: the ``adjudicated`` label where a person gave one, else the majority.

    Ties nobody settled have no gold label and are left out (logged). The spans are those most
    annotators who chose the gold label marked. Each record gets ``gold_status`` (``adjudicated`` or
    the row's status) and ``annotator_labels`` (each annotator's label).
    """
    by_key: dict[tuple[str, str], list[Statement]] = {}
    for r in records:
        by_key.setdefault(statement_key(r), []).append(r)
    gold, unsettled = [], 0
    for row in rows:
        key = (row["doc_id"], row["statement_id"])
        label = row.get("adjudicated") or row.get("majority")
        if label is None:
            unsettled += 1
            continue
        group = by_key[key]
        backers = [r for r in group if r.get(label_field) == label] or group
        spans = Counter(_span_signature(r) for r in backers)
        chosen = next(r for r in sorted(backers, key=lambda r: r["annotator"]) if _span_signature(r) ==
                      spans.most_common(1)[0][0])
        record = {k: v for k, v in chosen.items() if k not in ("annotator", "comment")}
        record[label_field] = label
        record["gold_status"] = "adjudicated" if row.get("adjudicated") else row["status"]
        record["label_source"] = "adjudicated" if row.get("adjudicated") else "human"
        record["annotator_labels"] = row["labels"]
        gold.append(record)
    if unsettled:
        log.warning("%d statement(s) have no gold label: tied or unlabelled and not adjudicated "
                    "(fill 'adjudicated' in adjudication.jsonl and run again)", unsettled)
    return gold


def _span_signature(record: Statement) -> tuple[Any, ...]:
    return tuple(record.get(f) for f in ("start", "end", "speaker_start", "speaker_end", "cue_start", "cue_end"))


def read_settled(path: str | Path) -> dict[tuple[str, str], str]:
    """The labels a person wrote into the ``adjudicated`` field of an adjudication file."""
    settled: dict[tuple[str, str], str] = {}
    for lineno, row in iter_jsonl(path, allow_empty=True):
        value = row.get("adjudicated")
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InputError(path, f"expected a label string, got {type(value).__name__}", line=lineno,
                             field="adjudicated")
        if row.get("doc_id") is None or row.get("statement_id") is None:
            raise InputError(path, "missing doc_id/statement_id", line=lineno, field="doc_id")
        settled[(str(row["doc_id"]), str(row["statement_id"]))] = value.strip()
    return settled


def agreement_files(inputs: list[str], output_dir: str, label_field: str = "stance") -> dict[str, Any]:
    """Agreement of annotated files; writes agreement.json, adjudication.jsonl and gold.jsonl.

    If ``output_dir/adjudication.jsonl`` exists, the labels a person filled into its ``adjudicated``
    field are kept and used for gold (see the module docstring). Returns the agreement statistics.
    """
    out = check_output_dir(output_dir, inputs=[p for p in inputs if Path(p).exists()])
    claim_run_dir(out, "agree", AGREE_OUTPUTS, reuse=True, dry_run=True)  # its own folder, or a new one
    records = load_annotations(inputs, label_field)
    result = agreement(records, label_field)
    adjudication_path = out / "adjudication.jsonl"
    settled = read_settled(adjudication_path) if adjudication_path.exists() else {}
    known = {statement_key(r) for r in records}
    for key in sorted(set(settled) - known):
        log.warning("adjudicated statement %s is not in the annotations: ignored", key)
    for key, label in settled.items():
        if key in known and label not in result["labels"]:
            log.warning("adjudicated label %r of %s is none of the annotators' labels %s", label, key,
                        result["labels"])
    rows = adjudicate(records, label_field, settled)
    gold = gold_from_adjudication(records, rows, label_field)
    result["n_adjudicated"] = sum(1 for row in rows if row["adjudicated"])
    result["n_gold"] = len(gold)
    result["inputs"] = [str(p) for p in inputs]
    with write_group():
        claim_run_dir(out, "agree", AGREE_OUTPUTS, reuse=True)
        write_json(out / "agreement.json", result)
        write_jsonl(adjudication_path, rows)
        write_jsonl(out / "gold.jsonl", gold)
    kappa = result["mean_cohen_kappa"]
    log.info(
        "%d statements, %d annotators: Krippendorff's alpha %s, Fleiss' kappa %s, mean Cohen's kappa %s; "
        "%d to settle (ties) in %s; %d gold records",
        result["n_statements"], result["n_annotators"], _fmt(result["krippendorff_alpha"]),
        _fmt(result["fleiss_kappa"]), _fmt(kappa),
        sum(1 for row in rows if row["status"] == "tie" and not row["adjudicated"]), adjudication_path, len(gold),
    )
    return result


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _no_nan(obj: Any) -> Any:
    """NaN (undefined statistic) -> None, so that the JSON written is valid."""
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    return obj
