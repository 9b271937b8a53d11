"""Local statement files as datasets: ``jsonl:PATH``, ``csv:PATH``, ``parquet:PATH``.

Each row is a statement record (:mod:`stance.schema`: ``doc_id``, ``statement_id``, ``text`` and optionally
``source``, ``target``, spans, ``context``, the label); rows are validated as ``stance`` reads any
statements file, and ids must be unique. The label set is the one found in the file (a known set when the
file's labels fit one). ``dataset:NAME`` names a ``datasets.Dataset`` handed to training in Python
(:func:`stance.train.train`); it has no file to read.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import InputError, StanceError
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, Statement, check_unique, read_statements, validate_statement
from .registry import Corpus

# integer fields of a statement: a CSV cell holds them as text, a Parquet column with nulls as floats
_INT_FIELDS = ("source_start", "source_end", "target_start", "target_end", "start", "end")


def load_jsonl(path: str, root: str | Path | None = None) -> list[Statement]:
    return read_statements(path, label_field=LABEL_FIELD)


def _cell(value: Any, name: str) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, dict)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if name in _INT_FIELDS:
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                return value  # validation names the field
        if isinstance(number, float) and number.is_integer():
            return int(number)
    if hasattr(value, "tolist"):  # numpy arrays in list columns
        return value.tolist()
    return value


def _table_records(path: Path, rows: list[dict[str, Any]], first_line: int) -> list[Statement]:
    records = []
    for i, row in enumerate(rows):
        record = {k: _cell(v, k) for k, v in row.items()}
        records.append(validate_statement(record, path=path, line=first_line + i, label_field=LABEL_FIELD))
    check_unique(records, str(path))
    return records


def load_csv(path: str, root: str | Path | None = None) -> list[Statement]:
    """A CSV file with a header row; an empty cell is null."""
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        raise InputError(file, "file not found")
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, pd.errors.ParserError) as err:
        raise InputError(file, f"not a readable CSV file: {err}") from None
    rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in frame.to_dict("records")]
    return _table_records(file, rows, first_line=2)


def load_parquet(path: str, root: str | Path | None = None) -> list[Statement]:
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        raise InputError(file, "file not found")
    try:
        frame = pd.read_parquet(file)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
        raise InputError(file, f"not a readable Parquet file: {err}") from None
    return _table_records(file, frame.to_dict("records"), first_line=1)


def from_given(name: str, dataset: Any, label_field: str = LABEL_FIELD) -> list[Statement]:
    """The records of a ``datasets.Dataset`` handed over in Python (``dataset:NAME``): its rows validated as
    statements; a row without ``doc_id`` / ``statement_id`` gets ``dataset-NAME`` and its row number."""
    from .records import iter_records, require_columns

    require_columns(dataset, ["text" if "content" not in dataset.column_names else "content"], f"dataset:{name}")
    records = []
    for i, row in enumerate(iter_records(dataset)):
        if row.get("doc_id") is None and row.get("statement_id") is None:
            row = {"doc_id": f"dataset-{name}", "statement_id": str(i), **row}
        records.append(validate_statement(row, path=f"dataset:{name}", line=i + 1, label_field=label_field))
    check_unique(records, f"dataset:{name}")
    return records


def load_given(name: str, root: str | Path | None = None) -> list[Statement]:
    raise StanceError(f"dataset:{name} names a datasets.Dataset given in Python (stance.train.train(..., "
                      "train_dataset=...)); there is no file to read")


_FILE = dict(file=True, labels_from_data=True, cache=False, title="statements file", license="see the file's own terms")
CORPORA = [
    Corpus("jsonl", load_jsonl, records="any statements file (JSON lines)", **_FILE),
    Corpus("csv", load_csv, records="any statements file (CSV with a header row)", **_FILE),
    Corpus("parquet", load_parquet, records="any statements file (Parquet)", **_FILE),
    Corpus("dataset", load_given, records="a `datasets.Dataset` given in Python (`stance.train.train`)",
           path_word="NAME", **_FILE),
]
