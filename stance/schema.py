"""The statement record: the one record type every step reads and writes.

A statement is a JSON object (one per line in a JSONL file). Join key between files:
``(doc_id, statement_id)``.

=================  ===========  ===============================================================
field              type         meaning
=================  ===========  ===============================================================
doc_id             str          the article or sentence the statement comes from
statement_id       str          unique within ``doc_id``
text               str          what is classified: the statement's content, or a sentence
source             str|null     the holder of the stance (speaker or entity)
target             str|null     toward whom
source_start/end   int|null     character span of the source inside ``text`` (optional)
target_start/end   int|null     character span of the target inside ``text`` (optional)
context            str|null     optional context (e.g. the sentence of the attribution)
stance             str          the label (gold or predicted); the field name is configurable
scores             dict         predictions only: label -> probability
=================  ===========  ===============================================================

Extraction adds (see :mod:`stance.extraction`): ``kind``, ``cue_type`` (``speech``, or
``internal`` for a belief, wish or feeling: "believes", "wants", "fears"; see :mod:`stance.cues`),
``rule`` (the name of the pattern that found it), ``content``, ``start``, ``end``,
``fragments``, ``speaker``, ``speaker_start``, ``speaker_end``, ``cue``, ``cue_start``,
``cue_end``, ``speaker_canonical``, ``speaker_party``, ``target_party``. Any other field is kept
as metadata and written back unchanged.

Article metadata: articles given as JSONL, CSV, TSV or Parquet (:func:`stance.extraction.iter_articles`)
carry ``doc_id`` and ``text`` and optionally the fields below; every statement of the article keeps
them (a ``.txt`` article has none of them):

=================  ===========  ===============================================================
date               str|null     publication date, ISO 8601 (``2014-05-12``, ``2014-05-12T10:00Z``);
                                ``stance aggregate --by month`` groups by its month
outlet             str|null     the publication (``--by outlet``)
url                str|null     where the article was found
title              str|null     the headline
=================  ===========  ===============================================================

Records are plain ``dict`` objects so that they go to and from JSON, pandas and annotation tools
without conversion; :func:`validate_statement` checks them.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import iter_jsonl

Statement = dict[str, Any]

KEY_FIELDS = ("doc_id", "statement_id")
SPAN_PAIRS = (("source_start", "source_end"), ("target_start", "target_end"))
STRING_FIELDS = ("source", "target", "context")
DEFAULT_LABEL_FIELD = "stance"
# the labels of the seed gold file and other hand annotations (also the annotation tools' default)
SEED_LABELS = ("confrontational", "neutral", "conciliatory")


def statement_key(record: Statement) -> tuple[str, str]:
    return (str(record["doc_id"]), str(record["statement_id"]))


def normalise_statement(record: Statement) -> Statement:
    """Fill ``text``/``source``/``target`` from the extraction fields when they are missing.

    Gold files written by annotators (like the seed example) carry ``content`` and ``speaker``;
    classification reads ``text`` and ``source``. The original fields are kept.
    """
    out = dict(record)
    if "text" not in out and isinstance(out.get("content"), str):
        out["text"] = out["content"]
    if out.get("source") is None and isinstance(out.get("speaker"), str):
        out["source"] = out.get("speaker_canonical") or out["speaker"]
    return out


def validate_statement(
    record: Statement,
    *,
    path: str | Path | None = None,
    line: int | None = None,
    label_field: str | None = None,
    labels: Sequence[str] | None = None,
    require_label: bool = False,
    require_text: bool = True,
    require_ids: bool = True,
) -> Statement:
    """Check one record's fields; raise InputError naming file, line and field. Returns it normalised.

    ``require_ids=False`` accepts a record with neither ``doc_id`` nor ``statement_id`` (what
    ``stance predict`` classifies needs no join key); a record with only one of them still fails."""
    record = normalise_statement(record)

    def fail(field: str, message: str) -> InputError:
        return InputError(path, message, line=line, field=field)

    keyless = not require_ids and all(record.get(field) is None for field in KEY_FIELDS)
    for field in () if keyless else KEY_FIELDS:
        value = record.get(field)
        if value is None:
            raise fail(field, "missing required field")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise fail(field, f"expected a string, got {type(value).__name__}")
        if str(value).strip() == "":
            raise fail(field, "empty value")
        record[field] = str(value)
    if require_text:
        text = record.get("text")
        if text is None:
            raise fail("text", "missing required field (or 'content')")
        if not isinstance(text, str):
            raise fail("text", f"expected a string, got {type(text).__name__}")
        if not text.strip():
            raise fail("text", "empty text")
    for field in STRING_FIELDS:
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise fail(field, f"expected a string or null, got {type(value).__name__}")
    text = record.get("text") or ""
    for start_f, end_f in SPAN_PAIRS:
        start, end = record.get(start_f), record.get(end_f)
        if start is None and end is None:
            continue
        for field, value in ((start_f, start), (end_f, end)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail(field, f"expected an integer offset, got {type(value).__name__}")
        if not 0 <= start < end <= len(text):
            raise fail(start_f, f"span [{start}, {end}) is not inside text of length {len(text)}")
    if label_field is not None:
        value = record.get(label_field)
        if value is None:
            if require_label:
                raise fail(label_field, "missing label")
        else:
            if not isinstance(value, str):
                raise fail(label_field, f"expected a label string, got {type(value).__name__}")
            if labels is not None and value not in labels:
                raise fail(label_field, f"unknown label {value!r}; expected one of {sorted(labels)}")
    scores = record.get("scores")
    if scores is not None:
        if not isinstance(scores, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in scores.items()
        ):
            raise fail("scores", "expected an object of label -> probability")
    return record


def iter_statements(
    path: str | Path,
    *,
    label_field: str | None = None,
    labels: Sequence[str] | None = None,
    require_label: bool = False,
    require_text: bool = True,
    require_ids: bool = True,
    allow_empty: bool = False,
) -> Iterator[Statement]:
    """Stream validated statements from a JSONL file; duplicated ``(doc_id, statement_id)`` fail."""
    seen: dict[tuple[str, str], int] = {}
    for lineno, obj in iter_jsonl(path, allow_empty=allow_empty):
        record = validate_statement(
            obj,
            path=path,
            line=lineno,
            label_field=label_field,
            labels=labels,
            require_label=require_label,
            require_text=require_text,
            require_ids=require_ids,
        )
        if record.get("doc_id") is None:
            yield record  # a statement without ids (require_ids=False)
            continue
        key = statement_key(record)
        if key in seen:
            raise InputError(
                path,
                f"duplicated id (doc_id={key[0]!r}, statement_id={key[1]!r}), first on line {seen[key]}",
                line=lineno,
                field="statement_id",
            )
        seen[key] = lineno
        yield record


def read_statements(path: str | Path, **kwargs: Any) -> list[Statement]:
    """Read and validate a whole statements file (see :func:`iter_statements`)."""
    return list(iter_statements(path, **kwargs))


def check_unique(records: Iterable[Statement], what: str = "records") -> None:
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = statement_key(record)
        if key in seen:
            raise InputError(None, f"duplicated id in {what}: {key}", field="statement_id")
        seen.add(key)
