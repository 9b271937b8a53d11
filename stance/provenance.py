"""Provenance: what a run or a saved model was made with, and the model card that says it in words.

:func:`collect` gathers the toolkit's version and git commit, the versions of Python, torch, transformers,
spaCy and accelerate, the CPU model or GPU name, torch's threads, the precision, the resolved config and the
data specs with their row counts. ``stance train`` writes it as ``provenance.json`` into the run folder and
the model folder; :func:`model_card` turns it (with the labels and headline scores) into the model
folder's ``README.md``.
"""
from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .hardware import cpu_name

PACKAGE_DIR = Path(__file__).resolve().parent
LIBRARIES = ("torch", "transformers", "spacy", "accelerate", "tokenizers", "numpy")
PROVENANCE = "provenance.json"
MODEL_CARD = "README.md"


# --------------------------------------------------------------------------- what the run was made with
@lru_cache(maxsize=1)
def git_commit() -> dict[str, Any] | None:
    """The commit of the toolkit's checkout (``git rev-parse HEAD``) and whether tracked files were
    changed since; None when the toolkit is not run from a git checkout or git is missing."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PACKAGE_DIR,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "modified": bool(status.stdout.strip()) if status.returncode == 0 else None}


def versions() -> dict[str, str | None]:
    """Python's version and each library's installed version (None: not installed)."""
    from .version import __version__

    out: dict[str, str | None] = {"stance": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def device() -> dict[str, Any]:
    """The CPU model, the GPU's name when torch sees one, and torch's threads."""
    import torch

    info: dict[str, Any] = {"cpu": cpu_name(), "gpu": None, "threads": torch.get_num_threads(),
                            "platform": platform.platform()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def collect(config: Any = None, data: Any = None, *, encoder: str | None = None, precision: str | None = None,
            extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The provenance record: toolkit, libraries, device, precision, encoder, config and data.

    ``config``: a :class:`stance.config.Config` (stored resolved); ``data``: a :class:`stance.train.RunData`
    (each set's spec and row count, the training rows, and the leak check's counts).
    """
    from .encoders import info as encoder_info

    if encoder is None and config is not None:
        encoder = config.model.name_or_path
    record: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "toolkit": {"version": versions()["stance"], "git": git_commit()},
        "versions": versions(),
        "device": device(),
        "precision": precision,
        "encoder": encoder_info(encoder) if encoder else None,
    }
    if config is not None:
        record["config"] = config.to_dict()
    if data is not None:
        record["data"] = data_summary(config, data)
    if extra:
        record.update(extra)
    return record


def data_summary(config: Any, data: Any) -> dict[str, Any]:
    """Each data spec with its row count (training rows after sampling, and with augmentation)."""
    from .corpora import corpus_card, corpus_of

    specs = [*(config.data.train if config is not None else []), *data.dev, *data.test]
    corpora = sorted({corpus_of(spec) for spec in specs})
    return {
        "train": {"specs": list(config.data.train) if config is not None else [], "rows": len(data.train)},
        "dev": {spec: len(records) for spec, records in data.dev.items()},
        "test": {spec: len(records) for spec, records in data.test.items()},
        "leakage": {role: {spec: report.to_dict() for spec, report in sets.items()} for role, sets in data.leaks.items()},
        "corpora": {name: corpus_card(name) for name in corpora},
        **({"teacher": _teacher(config.data.teacher)} if config is not None and config.data.teacher else {}),
    }


def _teacher(path: str) -> dict[str, Any]:
    """The teacher file a run learned from and its sha256."""
    from .io import hash_file

    return {"file": path, "sha256": hash_file(path).hexdigest()}


# --------------------------------------------------------------------------- model card
def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def model_card(provenance: Mapping[str, Any], labels: Sequence[str], metrics: Mapping[str, Any] | None = None,
               name: str | None = None) -> str:
    """A model folder's README.md: encoder, training corpora (licence, citation), labels, headline scores
    (each test set and its leak-free part), and how it was trained (versions, commit, device, precision)."""
    enc = provenance.get("encoder") or {}
    data = provenance.get("data") or {}
    lines = [f"# Stance classifier{f': {name}' if name else ''}", "",
             "Made with the `stance` toolkit. Load it with `stance.model.StanceClassifier.from_pretrained(<this folder>)`; "
             "`provenance.json` beside this file holds everything below as data.", "",
             "## Encoder", ""]
    if enc:
        lines.append(f"- {enc.get('name')}: {enc.get('model', '')} ({enc.get('source', 'source not recorded')}), "
                     f"license {enc.get('license', 'not recorded')}")
        if enc.get("citation"):
            lines.append(f"- cite: {enc['citation']}")
    else:
        lines.append("- not recorded")
    lines += ["", "## Labels", "", ", ".join(f"`{label}`" for label in labels), ""]
    if data:
        lines += ["## Training data", ""]
        lines.append(f"- training sets: {', '.join(f'`{s}`' for s in data['train']['specs'])} "
                     f"({data['train']['rows']} rows as trained on)")
        for role in ("dev", "test"):
            if data.get(role):
                lines.append(f"- {role} sets: " + ", ".join(f"`{s}` ({n} rows)" for s, n in data[role].items()))
        lines += ["", "| corpus | license | cite |", "| --- | --- | --- |"]
        for corpus, info in data.get("corpora", {}).items():
            lines.append(f"| {info.get('title', corpus)} | {info.get('license', '')} | {info.get('citation', '')} |")
        lines.append("")
    if metrics and metrics.get("test"):
        leaks = (metrics.get("leakage") or {}).get("test", {})
        lines += ["## Headline scores", "", "| test set | n | macro-F1 | accuracy | rows repeating a training row |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for spec, m in metrics["test"].items():
            leak = leaks.get(spec, {})
            lines.append(f"| `{spec}` | {m.get('n')} | {_fmt(m.get('macro_f1'))} | {_fmt(m.get('accuracy'))} | "
                         f"{leak.get('near_repeats', '-')} |")
            if "leak_free" in m:
                lf = m["leak_free"]
                lines.append(f"| `{spec}` leak-free | {lf.get('n')} | {_fmt(lf.get('macro_f1'))} | {_fmt(lf.get('accuracy'))} | 0 |")
            if "any_label" in m:  # a set with fewer classes, the model free to answer any label
                from .evaluate import any_label_name

                free = m["any_label"]
                lines.append(f"| `{spec}`{any_label_name('', free)} | {free.get('n')} | {_fmt(free.get('macro_f1'))} | "
                             f"{_fmt(free.get('accuracy'))} | - |")
        lines += ["", "Scores of a set with repeats of training rows overstate the model: quote the leak-free row. "
                  "A set annotated with fewer classes than the model is scored over its own labels; its any-label row "
                  "lets the model answer any label, as on new text, and counts an answer outside the set's labels as a miss.", ""]
    toolkit = provenance.get("toolkit") or {}
    git = toolkit.get("git") or {}
    dev = provenance.get("device") or {}
    lib = provenance.get("versions") or {}
    lines += ["## How it was made", "",
              f"- stance {toolkit.get('version')}, commit {git.get('commit', 'unknown')}"
              f"{' (with local changes)' if git.get('modified') else ''}",
              "- " + ", ".join(f"{k} {v}" for k, v in lib.items() if k != "stance" and v),
              f"- device: {dev.get('gpu') or dev.get('cpu')}, {dev.get('threads')} thread(s); precision {provenance.get('precision') or 'not recorded'}",
              f"- created {provenance.get('created')}", ""]
    return "\n".join(lines)


def write(folder: str | Path, provenance: Mapping[str, Any]) -> Path:
    from .io import write_json

    path = Path(folder) / PROVENANCE
    write_json(path, provenance)
    return path


def read(folder: str | Path) -> dict[str, Any] | None:
    path = Path(folder) / PROVENANCE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
