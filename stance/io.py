"""Reading and writing files safely: JSONL with line numbers, atomic writes.

Every writer here writes to a temporary file in the destination folder and renames it into
place, so an interrupted run never leaves a half-written file that looks whole.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .errors import InputError, StanceError

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
    except OSError as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if err.errno in _WRITE_ERRNOS:  # disk full, quota, read-only file system: not a bug
            raise InputError(path, f"cannot write the output: {err.strerror or err}") from None
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _record_written(path)


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
_written: list[list[Path]] = []  # the open write_group()s: each lists the files written in it


def _record_written(path: Path) -> None:
    for group in _written:
        group.append(path)


@contextlib.contextmanager
def write_group() -> Iterator[list[Path]]:
    """The outputs of one command as a whole: when the block fails, the files it wrote are removed,
    so that a failed command leaves none of its results behind (not one file of three)."""
    group: list[Path] = []
    _written.append(group)
    try:
        yield group
    except BaseException:
        for path in group:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        _written.remove(group)


def _file_above(path: Path) -> Path | None:
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output_file(path: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Fail early, naming it, when ``path`` cannot be written as a file: a folder, a path under a file,
    a special file (FIFO, device, socket: the rename would replace it), or one of the command's
    ``inputs`` (writing the output would destroy the input)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a directory, expected the path of a file to write")
    if path.exists() or path.is_symlink():
        mode = path.stat().st_mode if path.exists() else path.lstat().st_mode
        if not stat.S_ISREG(mode):
            raise InputError(path, "--output is not a regular file (a FIFO, device or socket); name a file to write")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise InputError(path, "--output is an input file of this command; writing it would destroy the input")
    blocker = _file_above(path)
    if blocker is not None:
        raise InputError(path, f"cannot write the output: {blocker} is a file, not a folder")
    return path


def check_output_dir(path: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Fail early, naming it, when ``path`` cannot be an output folder: a file, a path under a file, the
    current folder, a home folder, ``/``, or a folder holding one of the command's ``inputs``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        kind = "a file" if path.is_file() else "not a regular file or folder"
        raise InputError(path, f"is {kind}, expected an output folder")
    resolved = path.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.cwd().resolve() or resolved in _home_folders():
        raise InputError(path, "--output names the current folder, a home folder or /; name a new folder for the run")
    for source in inputs:
        source_path = Path(source).resolve()
        if source_path == resolved or resolved in source_path.parents:
            raise InputError(source, f"is an input of this command and lies inside --output {path}; "
                                     "name another output folder")
    blocker = _file_above(path)
    if blocker is not None:
        raise InputError(path, f"cannot create the output folder: {blocker} is a file, not a folder")
    return path


def _home_folders() -> set[Path]:
    homes = {Path.home().resolve()}
    if os.environ.get("HOME"):
        homes.add(Path(os.environ["HOME"]).resolve())
    return homes


def make_dir(path: str | Path) -> Path:
    """``mkdir -p``; a folder that cannot be made (no permission, read-only) is an InputError naming it."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(path, f"cannot create the output folder: {err.strerror or err}") from None
    return path


# --------------------------------------------------------------------------- run folders
RUN_MARKER = ".stance-run.json"
# written last into a run folder: a folder without it holds an unfinished run
COMPLETE = "COMPLETE"


def mark_complete(path: str | Path) -> None:
    """Write the run folder's :data:`COMPLETE` marker (its content: the local time the run ended)."""
    write_text(Path(path) / COMPLETE, time.strftime("%Y-%m-%dT%H:%M:%S\n"))


def run_marker(path: str | Path) -> dict[str, Any] | None:
    """The marker a command of this toolkit leaves in its run folder (None: not a run folder of ours)."""
    marker = Path(path) / RUN_MARKER
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "stance" else None


def claim_run_dir(path: str | Path, command: str, owned: Sequence[str], *, overwrite: bool = False,
                  reuse: bool = False, dry_run: bool = False) -> Path:
    """Make ``path`` the run folder of ``command``, which writes the top-level entries ``owned``.

    A missing or empty folder is claimed (its marker written). A folder holding files is used only if it
    carries this toolkit's marker for the same command: with ``overwrite`` the entries its marker lists
    are removed (and nothing else), with ``reuse`` (resume) it is kept as it is. Anything else, a folder
    of the user's or another command's run folder, is refused naming it: the toolkit deletes only what
    it wrote. ``dry_run``: only the checks (bad input fails before the folder is touched)."""
    path = Path(path)
    marker = run_marker(path)
    # hidden entries do not count: another shard of the same run may be writing its temporary files
    busy = path.exists() and any(not p.name.startswith(".") for p in path.iterdir())
    if busy and marker is None:
        raise InputError(path, "--output is not empty and is not a run folder of this toolkit; "
                               "nothing was changed: name a new or empty folder")
    if busy and marker is not None and marker.get("command") != command:
        raise InputError(path, f"--output is the run folder of `stance {marker.get('command')}`, not of "
                               f"`stance {command}`; nothing was changed: name another folder")
    if busy and not (overwrite or reuse):
        raise InputError(path, "--output holds an earlier run; pass --overwrite to replace it")
    if dry_run:
        return path
    if busy and overwrite:
        remove_owned(path, marker or {})
    make_dir(path)
    if marker is None or overwrite:
        write_json(path / RUN_MARKER, {"tool": "stance", "command": command, "owned": sorted(set(owned))})
    return path


def add_owned(path: str | Path, names: Sequence[str]) -> None:
    """Record more top-level entries of a run folder as the toolkit's own (removed by --overwrite)."""
    marker = run_marker(path)
    if marker is not None:
        marker["owned"] = sorted(set(marker.get("owned", [])) | set(names))
        write_json(Path(path) / RUN_MARKER, marker)


def _owns(marker: dict[str, Any], name: str) -> bool:
    """An entry the marker lists, or a temporary one of a listed entry (``.NAME.*``: atomic writes)."""
    owned = marker.get("owned", [])
    return name in owned or any(name.startswith(f".{o}.") for o in owned)


def remove_owned(path: str | Path, marker: dict[str, Any]) -> None:
    """Remove the entries of a run folder that its marker lists, and their temporary files; keep the rest."""
    import shutil

    for entry in Path(path).iterdir():
        if entry.name == RUN_MARKER or not _owns(marker, entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def remove_stale_temporaries(folder: str | Path, marker: dict[str, Any] | None) -> None:
    """Remove what an interrupted run left half-written (``.NAME.*.tmp``) in a folder of this toolkit's:
    only temporary files of entries the run folder's marker lists."""
    import shutil

    folder = Path(folder)
    if marker is None or not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name.startswith(".") and entry.name != RUN_MARKER and _owns(marker, entry.name):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)


# --------------------------------------------------------------------------- inputs
def hash_file(path: str | Path, h: Any | None = None) -> Any:
    """Feed a file's bytes into a hash (sha256 unless ``h`` is given); returns the hash."""
    h = h or hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h


@contextlib.contextmanager
def read_once(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """The paths, with each input that is not a regular file (a pipe such as ``<(cat a.txt)``, a FIFO)
    read once into a temporary copy of the same name: commands read their inputs more than once (count,
    check, process), and a pipe gives its bytes only to the first read."""
    out: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="stance-input-") as tmp:
        for i, raw in enumerate(paths):
            path = Path(raw)
            if path.exists() and not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):
                try:
                    data = path.read_bytes()
                except OSError as err:
                    raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
                copy = Path(tmp) / str(i) / path.name
                copy.parent.mkdir()
                copy.write_bytes(data)
                out.append(copy)
            else:
                out.append(path)
        yield out


# --------------------------------------------------------------------------- spreadsheet cells
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP): a text starting with
    ``= + - @``, tab or CR gets a leading ``'``, and so does one starting with ``'`` (so that
    :func:`csv_text` undoes it exactly)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(value: str | None) -> str | None:
    """Undo :func:`csv_cell` on a cell read back from a CSV file the toolkit wrote."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


# --------------------------------------------------------------------------- YAML
def load_yaml(text: str, path: str | Path | None) -> Any:
    """``yaml.safe_load`` without anchors and aliases: a few hundred bytes of nested aliases expand to
    gigabytes (an alias bomb), and config files need none. A YAML error is raised as ``yaml.YAMLError``."""
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed in this file",
                                                  event.start_mark)
            event = self.peek_event()
            if getattr(event, "anchor", None):
                raise yaml.composer.ComposerError(None, None, "YAML anchors (&name) and aliases are not allowed "
                                                  "in this file", event.start_mark)
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None


def write_text(path: str | Path, text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text)


def write_json(path: str | Path, obj: Any) -> None:
    """Strict JSON: NaN and infinities (undefined statistics) are written as ``null``."""
    with atomic_write(path) as handle:
        json.dump(no_nan(obj), handle, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
        handle.write("\n")


def no_nan(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float (also numpy's) replaced by None."""
    if isinstance(obj, float) or (hasattr(obj, "dtype") and getattr(obj, "shape", None) == ()):
        try:
            value = float(obj)
        except (TypeError, ValueError):
            return obj
        return None if math.isnan(value) or math.isinf(value) else obj
    if isinstance(obj, dict):
        return {k: no_nan(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [no_nan(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):
        return no_nan(obj.tolist())
    return obj


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
    except RecursionError:
        raise InputError(path, "malformed JSON: nested too deeply", line=lineno) from None
    except ValueError as err:  # e.g. an integer of thousands of digits
        raise InputError(path, f"malformed JSON: {str(err).splitlines()[0][:120]}", line=lineno) from None
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
    if _SURROGATE_ESCAPE.search(line):
        check_no_surrogates(obj, path, lineno)
    return obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def check_no_surrogates(obj: dict[str, Any], path: str | Path | None, lineno: int | None) -> None:
    """A lone UTF-16 surrogate (``"\\ud800"`` without its pair) is no text: an InputError naming the field."""
    def bad(value: Any) -> bool:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
            return False
        if isinstance(value, dict):
            return any(bad(k) or bad(v) for k, v in value.items())
        if isinstance(value, list):
            return any(bad(v) for v in value)
        return False

    for key, value in obj.items():
        if bad(key) or bad(value):
            raise InputError(path, "a lone UTF-16 surrogate (\\ud800-\\udfff escape): not valid text",
                             line=lineno, field=str(key).encode("utf-8", "replace").decode())


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
