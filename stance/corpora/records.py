"""Statement records as a Hugging Face ``datasets.Dataset``, and the cache of corpora as Arrow files.

:func:`to_dataset` and :func:`to_records` are exact inverses: a record comes back with the same keys in the
same order and the same values (an ``int`` stays an ``int``, a missing key stays missing). Columns whose
values Arrow cannot hold as they are (a dict in one row and a string in another) are stored as JSON text,
and records whose keys differ from the columns carry their key list in a hidden column; both are named in
the dataset's ``info.description`` and undone by :func:`to_records`. A ``Dataset`` from elsewhere (the Hub,
``Dataset.from_pandas``) needs neither: its columns are the record fields, ``ClassLabel`` ids are read as
their names.

:func:`cached` keeps a corpus split as Arrow files under ``<cache folder>/corpora`` (``$STANCE_CACHE_DIR``,
else ``~/.cache/stance``: outside the repository), in a folder named by the hash of its source files'
content, the reading code and the options: a changed file or adapter is read again, an unchanged one is
memory-mapped from the cache. What the reader logged is logged again on a cache hit.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StanceError
from ..paths import cache_dir

if TYPE_CHECKING:
    from datasets import Dataset

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the layout of a cached corpus changes: every cache entry is then read again
KEYS_COLUMN = "_record_keys"
_META = "stance.records"


def _json(values: Sequence[Any]) -> str:
    return json.dumps(list(values), ensure_ascii=False, default=str, allow_nan=True)


def _column(values: list[Any]) -> tuple[Any, bool]:
    """``(arrow array, as_json)``: the values as Arrow holds them when that round-trips exactly, else as JSON."""
    import pyarrow as pa

    try:
        array = pa.array(values)
        if _json(array.to_pylist()) == _json(values):
            return array, False
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError, ValueError):
        pass
    return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values],
                    type=pa.string()), True


def to_dataset(records: Iterable[Mapping[str, Any]]) -> Dataset:
    """Statement records (dicts) as an Arrow-backed ``datasets.Dataset``; :func:`to_records` gives them back."""
    import pyarrow as pa
    from datasets import Dataset

    rows = list(records)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    order = list(columns)
    arrays, as_json = {}, []
    for name in order:
        arrays[name], encoded = _column([row.get(name) for row in rows])
        if encoded:
            as_json.append(name)
    if any(list(row) != order for row in rows):
        arrays[KEYS_COLUMN] = pa.array([list(row) for row in rows], type=pa.list_(pa.string()))
    dataset = Dataset(pa.table(arrays) if arrays else pa.table({}))
    dataset.info.description = json.dumps({_META: {"json_columns": as_json, "format": FORMAT}})
    return dataset


def _meta(dataset: Dataset) -> dict[str, Any]:
    try:
        return json.loads(dataset.info.description or "{}").get(_META) or {}
    except (ValueError, AttributeError):
        return {}


def record_meta(dataset: Dataset) -> dict[str, Any]:
    """What :func:`batch_records` needs to turn a batch of ``dataset`` back into records (plain data)."""
    from datasets import ClassLabel

    return {"json_columns": list(_meta(dataset).get("json_columns", ())),
            "names": record_columns(dataset),
            "class_labels": {c: f.names for c, f in dataset.features.items() if isinstance(f, ClassLabel)}}


def batch_records(batch: Mapping[str, list[Any]], meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records of a batch of columns (``dataset[i:j]``, or what ``Dataset.map(batched=True)`` passes)."""
    columns = dict(batch)
    size = len(next(iter(columns.values()))) if columns else 0
    for name in meta["json_columns"]:
        if name in columns:
            columns[name] = [None if v is None else json.loads(v) for v in columns[name]]
    for name, labels in meta["class_labels"].items():
        if name in columns:
            columns[name] = [None if v is None or v < 0 else labels[v] for v in columns[name]]
    keys = columns.get(KEYS_COLUMN)
    names = [n for n in meta["names"] if n in columns]
    return [{name: columns[name][i] for name in (keys[i] if keys is not None else names)} for i in range(size)]


def iter_records(dataset: Dataset, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
    """The records of a ``Dataset`` as dicts, in order (see the module docstring)."""
    meta = record_meta(dataset)
    for start in range(0, len(dataset), batch_size):
        yield from batch_records(dataset[start : start + batch_size], meta)


def to_records(dataset: Dataset) -> list[dict[str, Any]]:
    """:func:`iter_records` as a list."""
    return list(iter_records(dataset))


def record_columns(dataset: Dataset) -> list[str]:
    """The record fields of a dataset (its columns, less the hidden one)."""
    return [c for c in dataset.column_names if c != KEYS_COLUMN]


# --------------------------------------------------------------------------- the cache
def content_key(files: Sequence[Path], base: Path | None, *parts: Any) -> str:
    """sha256 over the files' names (relative to ``base``) and bytes and the JSON of ``parts``."""
    h = hashlib.sha256(json.dumps([FORMAT, *parts], sort_keys=True, default=str).encode())
    for path in files:
        name = path.relative_to(base).as_posix() if base is not None and path.is_relative_to(base) else path.name
        h.update(f"\0{name}\0".encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def code_key(*functions: Callable[..., Any]) -> str:
    """sha256 of the source files defining ``functions`` and of this module: a changed reader is a new key."""
    import inspect

    h = hashlib.sha256()
    for path in sorted({inspect.getsourcefile(f) or "" for f in functions} | {__file__}):
        if path and os.path.isfile(path):
            h.update(Path(path).read_bytes())
    return h.hexdigest()


@contextmanager
def _captured(logger_name: str) -> Iterator[list[logging.LogRecord]]:
    """Hold back what ``logger_name`` and its children log (INFO and up), to be stored with a cache entry."""
    logger = logging.getLogger(logger_name)
    held: list[logging.LogRecord] = []

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    handler = Hold(logging.INFO)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield held
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@contextmanager
def _quiet() -> Iterator[None]:
    """No progress bar of ``datasets`` while saving a cache entry (restored after)."""
    from datasets.utils import disable_progress_bars, enable_progress_bars, is_progress_bar_enabled

    was = is_progress_bar_enabled()
    disable_progress_bars()
    try:
        yield
    finally:
        if was:
            enable_progress_bars()


def _replay(messages: Iterable[Mapping[str, Any]]) -> None:
    for m in messages:
        logging.getLogger(m["name"]).log(m["level"], "%s", m["message"])


def cached(name: str, key: str, read: Callable[[], list[dict[str, Any]]], *, use_cache: bool = True,
           logger: str = "stance.corpora") -> Dataset:
    """The dataset of ``read()``'s records, from ``<cache>/corpora/<name>-<key>`` when it is there, else read,
    converted and saved there (atomically: a folder renamed into place). What ``read`` logs under ``logger``
    is logged now and again on every cache hit. A cache folder that cannot be written is a warning: the
    dataset is then kept in memory."""
    from datasets import load_from_disk

    folder = cache_dir() / "corpora" / f"{name}-{key[:20]}"
    log_file = folder / "stance_log.json"
    if use_cache and log_file.is_file():
        try:
            dataset = load_from_disk(str(folder))
            messages = json.loads(log_file.read_text(encoding="utf-8"))
        except Exception as err:  # noqa: BLE001 - a damaged cache entry is read again, not trusted
            log.warning("cache entry %s unreadable (%s): reading the corpus again", folder, err)
        else:
            _replay(messages)
            return dataset
    with _captured(logger) as held:
        records = read()
    messages = [{"name": r.name, "level": r.levelno, "message": r.getMessage()} for r in held]
    _replay(messages)
    dataset = to_dataset(records)
    if not use_cache:
        return dataset
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            with _quiet():
                dataset.save_to_disk(str(tmp))
            (tmp / "stance_log.json").write_text(json.dumps(messages), encoding="utf-8")
            try:
                os.rename(tmp, folder)
            except OSError:  # another process saved the same entry meanwhile: theirs is the same data
                if not log_file.is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return load_from_disk(str(folder))
    except OSError as err:
        log.warning("could not cache %s under %s (%s): kept in memory", name, folder.parent, err)
        return dataset


def require_columns(dataset: Dataset, columns: Sequence[str], what: str) -> None:
    """A clear error when a dataset handed to the toolkit lacks record fields it needs."""
    missing = [c for c in columns if c not in dataset.column_names]
    if missing:
        raise StanceError(f"{what}: the dataset has no {', '.join(missing)} column (statement records need "
                          f"{', '.join(columns)}; it has {', '.join(record_columns(dataset)) or 'no columns'})")
