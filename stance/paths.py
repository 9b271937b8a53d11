"""Where the toolkit finds its inputs and keeps its caches: the corpus folder and the cache folder.

A bottom-layer module (it imports nothing of the toolkit but its errors), so that the corpora, the party
gazetteer and the encoders can all ask it without importing one another.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import StanceError

DATA_ENV = "STANCE_DATA_DIR"
CACHE_ENV = "STANCE_CACHE_DIR"
DOCS_HINT = "see docs/data.md for where to get the corpora and how to set STANCE_DATA_DIR"


def _repo_root() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _candidates(path: str | Path | None) -> list[tuple[str, Path]]:
    if path is not None:
        return [("argument", Path(path))]
    env = os.environ.get(DATA_ENV)
    if env:
        return [(f"${DATA_ENV}", Path(env))]
    found = []
    root = _repo_root()
    if root is not None:
        found.append(("next to the repository", root.parent / "shared" / "data"))
    found.append(("working directory", Path("data")))
    return found


def data_dir(path: str | Path | None = None) -> Path:
    """The folder holding the corpora: ``path``, else $STANCE_DATA_DIR, else ``../shared/data``
    next to the repository root, else ``./data``. Raises StanceError listing where it looked."""
    candidates = _candidates(path)
    for _, folder in candidates:
        if folder.is_dir():
            return folder
    looked = "; ".join(f"{folder} ({why})" for why, folder in candidates)
    raise StanceError(f"no corpus data folder found; looked in: {looked}; {DOCS_HINT}")


def corpus_dir(name: str, root: str | Path | None = None) -> Path:
    """``data_dir(root) / name``; a clear StanceError when that corpus folder is missing."""
    base = data_dir(root)
    folder = base / name
    if not folder.is_dir():
        how = "; ".join(f"{why}: {where}" for why, where in _candidates(root))
        raise StanceError(f"corpus folder {folder} not found (data dir chosen from {how}); {DOCS_HINT}")
    return folder


def cache_dir() -> Path:
    """``$STANCE_CACHE_DIR``, else ``~/.cache/stance``: outside the repository, so that `git status` stays
    clean (installed encoders, corpora as Arrow files, tokenised training sets)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "stance").expanduser()
