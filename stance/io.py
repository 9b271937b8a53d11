"""Reading and writing files safely: JSONL with line numbers, atomic writes.

Every writer here writes to a temporary file in the destination folder and renames it into
place, so an interrupted run never leaves a half-written file that looks whole.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError

_UMASK = os.umask(0)
os.umask(_UMASK)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds.

    An output path that cannot be written (a folder, a parent that is a file, no permission) is an
    InputError naming it."""
    path = check_output_file(path)
    if "b" in mode:
        encoding = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs get the usual permissions
    except OSError as err:
        raise InputError(path, f"cannot write the output: {err.strerror or err} ({path.parent})") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _file_above(path: Path) -> Path | None:
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


def check_output_file(path: str | Path) -> Path:
    """Fail early, naming it, when ``path`` cannot be written as a file (it is a folder, or under a file)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a directory, expected the path of a file to write")
    blocker = _file_above(path)
    if blocker is not None:
        raise InputError(path, f"cannot write the output: {blocker} is a file, not a folder")
    return path


def check_output_dir(path: str | Path) -> Path:
    """Fail early, naming it, when ``path`` cannot be an output folder (it is a file, or under a file)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(path, "is a file, expected an output folder")
    blocker = _file_above(path)
    if blocker is not None:
        raise InputError(path, f"cannot create the output folder: {blocker} is a file, not a folder")
    return path


def write_text(path: str | Path, text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text)


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_write(path) as handle:
        json.dump(obj, handle, ensure_ascii=False, indent=2, default=_json_default)
        handle.write("\n")


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line, atomically. Returns the number of rows written."""
    n = 0
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=_json_default))
            handle.write("\n")
            n += 1
    return n


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays, Paths
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file; a missing, binary or non-UTF-8 file is an InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, expected a file")
    try:
        data = path.read_bytes()
    except OSError as err:  # no permission, a socket or device
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    if data.startswith(UTF16_BOMS):
        raise InputError(path, "the file is UTF-16 encoded (byte-order mark); save it as UTF-8", line=1)
    if b"\x00" in data[:8192]:
        raise InputError(path, "looks like a binary file (NUL bytes), expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(path, f"invalid UTF-8 at byte {err.start}", line=line) from None


def iter_lines(path: str | Path, *, what: str = "text") -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` (newline stripped) for each non-blank line of a UTF-8 text file.

    Raises InputError naming the file and line for a missing or unreadable file, a folder, UTF-16,
    binary data (NUL bytes) and invalid UTF-8. Streams: the file is never held in memory whole.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, f"is a directory, expected a {what} file")
    try:
        handle = path.open("rb")
    except OSError as err:  # no permission, a socket or device
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            if lineno == 1 and raw.startswith(UTF16_BOMS):
                raise InputError(path, "the file is UTF-16 encoded (byte-order mark); save it as UTF-8", line=1)
            if b"\x00" in raw:
                raise InputError(path, f"binary data (NUL bytes), expected {what}", line=lineno)
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise InputError(path, f"invalid UTF-8 at column {err.start + 1}", line=lineno) from None
            line = line.rstrip("\r\n")
            if line.strip():
                yield lineno, line


def parse_json_line(line: str, path: str | Path | None, lineno: int | None) -> dict[str, Any]:
    """One JSONL line as an object; malformed JSON or a non-object is an InputError naming file and line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(path, f"malformed JSON: {err.msg} at column {err.colno}", line=lineno) from None
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
    return obj


def iter_jsonl(path: str | Path, *, allow_empty: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file.

    Errors as :func:`iter_lines`, plus malformed JSON, a line that is not an object, and (unless
    ``allow_empty``) a file with no rows.
    """
    n = 0
    for lineno, line in iter_lines(path, what="JSON lines"):
        n += 1
        yield lineno, parse_json_line(line, path, lineno)
    if n == 0 and not allow_empty:
        raise InputError(path, "file is empty: no JSON lines")


def read_jsonl(path: str | Path, *, allow_empty: bool = False) -> list[dict[str, Any]]:
    return [obj for _, obj in iter_jsonl(path, allow_empty=allow_empty)]
