"""Teacher scores: a trained model's probabilities on training examples, for a student to learn from.

A teacher file holds, for each training example, its **key** (corpus, document and statement id), a short
**digest** of what the model reads (text, source, target, context: a check that the file belongs to the
data, never the text itself) and the teacher's **scores** (a probability for each label). A run with
``data.teacher: FILE`` looks up every training example in it; the loss is then
``(1 - train.teacher_weight)`` times the cross-entropy with the gold label plus ``train.teacher_weight`` times
the cross-entropy with the teacher's scores (knowledge distillation, Hinton et al. 2015). The file is made
with ``scripts/teacher_scores.py`` from a trained run and the training sets of a config::

    rows = teacher_rows(records, proba, labels)         # write_jsonl(path, rows); .jsonl.gz is read too
    table = load_teacher(path, labels)
    soft = soft_targets(train_records, table, path)     # one row of probabilities per training example

Pure functions of records and arrays: no model here.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .io import atomic_write, iter_jsonl, parse_json_line

DIGEST_CHARS = 12


def record_key(record: dict[str, Any]) -> str:
    """``corpus/doc_id/statement_id``: unique within the corpora's training splits (a reverse-direction
    example has its own statement id, ``...:rev``); an example seen both ways (``data.augment_swap``) has
    one key and two digests."""
    return f"{record.get('corpus') or ''}/{record.get('doc_id') or ''}/{record.get('statement_id') or ''}"


def record_digest(record: dict[str, Any]) -> str:
    """The first 12 hex digits of the sha256 of what the model reads: text, source, target, context and
    the marked spans."""
    fields = [record.get(k) for k in ("text", "source", "target", "context", "source_start", "source_end",
                                      "target_start", "target_end")]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def teacher_rows(records: Sequence[dict[str, Any]], proba: np.ndarray, labels: Sequence[str],
                 decimals: int = 4) -> list[dict[str, Any]]:
    """One row per record: ``{"key", "digest", "scores": {label: probability}}``. Two records with the
    same key and digest are one example: it is written once."""
    if len(records) != len(proba):
        raise ValueError(f"{len(records)} records but {len(proba)} rows of scores")
    rows, seen = [], set()
    for record, p in zip(records, proba):
        key, digest = record_key(record), record_digest(record)
        if (key, digest) not in seen:
            seen.add((key, digest))
            rows.append({"key": key, "digest": digest, "scores": {label: round(float(v), decimals) for label, v in zip(labels, p)}})
    return rows


def write_teacher(path: str | Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write teacher rows as JSON lines, gzip-compressed when ``path`` ends in ``.gz`` (atomically)."""
    path = Path(path)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    with atomic_write(path, "wb") as handle:
        handle.write(gzip.compress(lines, mtime=0) if path.suffix == ".gz" else lines)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix != ".gz":
        yield from iter_jsonl(path)
        return
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "is a directory, expected a file")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, start=1):
                if line.strip():
                    yield lineno, parse_json_line(line, path, lineno)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot read the gzip file: {err}") from None


def load_teacher(path: str | Path, labels: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """``{key: {digest: probabilities in the order of labels}}`` from a teacher file. A row without key,
    digest or scores, with another label set, with scores that are not probabilities, or repeating an
    earlier row's key and digest is an InputError naming the file, line and field."""
    path = Path(path)
    table: dict[str, dict[str, np.ndarray]] = {}
    for lineno, row in _rows(path):
        for name, kind in (("key", str), ("digest", str), ("scores", dict)):
            if not isinstance(row.get(name), kind):
                raise InputError(path, f"expected a {kind.__name__}, got {type(row.get(name)).__name__}", line=lineno, field=name)
        scores = row["scores"]
        if set(scores) != set(labels):
            raise InputError(path, f"labels {sorted(scores)} are not the model's {sorted(labels)}", line=lineno, field="scores")
        try:
            p = np.array([float(scores[label]) for label in labels], dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(path, "scores must be numbers", line=lineno, field="scores") from None
        if not (np.isfinite(p).all() and (p >= 0).all() and abs(p.sum() - 1.0) < 1e-2):
            raise InputError(path, f"scores must be probabilities summing to 1, got {p.round(4).tolist()}", line=lineno, field="scores")
        by_digest = table.setdefault(row["key"], {})
        if row["digest"] in by_digest:
            raise InputError(path, f"key {row['key']!r} and digest {row['digest']!r} repeat an earlier row", line=lineno, field="digest")
        by_digest[row["digest"]] = p / p.sum()
    return table


def soft_targets(records: Sequence[dict[str, Any]], table: dict[str, dict[str, np.ndarray]], path: str | Path) -> np.ndarray:
    """The teacher's probabilities for each training example, ``(len(records), n_labels)``. An example the
    file does not hold, or holds with another digest (the data changed since the file was made), is an
    InputError naming the file and the first such example."""
    ids = [(record_key(r), record_digest(r)) for r in records]
    missing = [key for key, _ in ids if key not in table]
    if missing:
        raise InputError(path, f"{len(missing)} of {len(records)} training examples have no teacher score, the first "
                               f"{missing[0]!r} (make the file from this config's training sets)", field="key")
    changed = [key for key, digest in ids if digest not in table[key]]
    if changed:
        raise InputError(path, f"{len(changed)} of {len(records)} training examples differ from the ones the teacher "
                               f"scored, the first {changed[0]!r} (the data changed since the file was made)",
                         field="digest")
    if not records:
        return np.zeros((0, 0))
    return np.stack([table[key][digest] for key, digest in ids])
