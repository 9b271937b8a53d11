"""The registry of corpora: one :class:`Corpus` entry per spec prefix, found in the modules of this package.

A corpus module declares ``CORPORA = [Corpus(...), ...]`` and nothing else needs to change: the registry
imports every module of the ``stance.corpora`` package (every folder on its ``__path__``) and collects
their entries. The spec parser, the spec help text, the label sets, the variant check and the docs table
(docs/data.md) are all read from the entries.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StanceError
from ..paths import corpus_dir

# what the docs table says of a labelled file whose labels are read from the file itself
LABELS_FROM_DATA = "those in the data"


@dataclass(frozen=True)
class Corpus:
    """One entry of the registry: what a spec ``NAME:SPLIT[:VARIANT][@N]`` (or ``NAME:PATH`` for a file
    adapter) reads.

    ``loader(split, root, **kwargs)`` returns the statement records of a split as a list of dicts (``root``:
    the data folder argument, None for the default; see :func:`stance.paths.corpus_dir`); it is called with
    ``variant=`` when the corpus has variants, and with the caller's options (``party_names=``) when given.
    ``labels`` is the label set in its fixed order; None for a span corpus (records without a label) and for
    files whose labels are read from the data (``labels_from_data``). ``folder`` is the corpus folder under
    the data folder (default: ``family``); the records are cached as Arrow files keyed by the content of
    every file in it (``cache=False``: never). A file adapter (``file=True``) takes a path instead of a split.
    """

    name: str
    loader: Callable[..., list[dict[str, Any]]]
    splits: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    citation: str = ""
    title: str = ""
    records: str = ""  # what one record is, for the docs table
    variants: Mapping[str, str] = field(default_factory=dict)  # variant -> what it keeps
    family: str | None = None  # the corpus a model card credits (dse for dse-directed); default: name
    source: str = ""
    license: str = ""
    file: bool = False
    labels_from_data: bool = False
    folder: str | None = None
    cache: bool = True
    path_word: str = "PATH"  # what a file adapter's spec names after the colon (docs and help)

    @property
    def corpus(self) -> str:
        """The corpus credited in provenance and model cards (``dse`` for ``dse-directed``)."""
        return self.family or self.name

    @property
    def span(self) -> bool:
        """A span corpus: its records carry no label."""
        return self.labels is None and not self.labels_from_data

    def sources(self, split: str, root: str | Path | None) -> list[Path]:
        """The files whose content keys the cache of a split: the file itself for a file adapter, else every
        file of the corpus folder."""
        if self.file:
            return [Path(split)]
        base = corpus_dir(self.folder or self.corpus, root)
        return sorted(p for p in base.rglob("*") if p.is_file())

    def spec_forms(self) -> str:
        """How a spec of this corpus is written: ``dse:{train,valid,test}``, ``seesaw:{...}[:opposed]``."""
        if self.file:
            return f"{self.name}:{self.path_word}"
        forms = f"{self.name}:{{{','.join(self.splits)}}}"
        if self.variants:
            forms += f"[:{'|'.join(self.variants)}]"
        return forms

    def card(self) -> dict[str, str]:
        """What provenance and a model card say of the corpus."""
        return {"title": self.title, "source": self.source, "license": self.license, "citation": self.citation}


_REGISTRY: dict[str, Corpus] = {}


def _package_path() -> list[str]:
    """The folders of the ``stance.corpora`` package (imported before this module, as a parent is)."""
    return list(sys.modules[__package__].__path__)


def discover() -> dict[str, Corpus]:
    """Import every module of the ``stance.corpora`` package and collect the ``CORPORA`` they declare."""
    found: dict[str, Corpus] = {}
    owner: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(_package_path()), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for entry in getattr(module, "CORPORA", ()):
            if not isinstance(entry, Corpus):
                raise StanceError(f"{module.__name__}.CORPORA holds {entry!r}, not a Corpus")
            if not re.fullmatch(r"[a-z][a-z0-9_-]*", entry.name):
                raise StanceError(f"corpus name {entry.name!r} ({module.__name__}): lower-case letters, digits, - and _")
            if entry.name in found:
                raise StanceError(f"corpus {entry.name!r} is declared twice: in {owner[entry.name]} and {module.__name__}")
            found[entry.name] = entry
            owner[entry.name] = module.__name__
    return dict(sorted(found.items(), key=lambda item: item[1].file))  # corpora first, then file adapters


def all_corpora() -> dict[str, Corpus]:
    """Every registered corpus by name (discovered once; :func:`refresh` looks again)."""
    if not _REGISTRY:
        _REGISTRY.update(discover())
    return _REGISTRY


def refresh() -> dict[str, Corpus]:
    """Discover the corpus modules again (after a module was added to the package's folders)."""
    _REGISTRY.clear()
    return all_corpora()


def names() -> list[str]:
    return list(all_corpora())


def get(name: str) -> Corpus:
    try:
        return all_corpora()[name]
    except KeyError:
        raise StanceError(f"unknown corpus {name!r}; {spec_help()}") from None


def spec_help() -> str:
    """The one-line list of specs, generated from the registry (used in errors and the config help)."""
    forms = ", ".join(entry.spec_forms() for entry in all_corpora().values())
    return f"known: {forms}, each optionally followed by @N"


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class DatasetSpec:
    """A parsed spec: ``corpus:split[:variant][@n]``, or ``kind:PATH[@n]`` for file adapters."""

    corpus: str
    split: str
    variant: str | None = None
    n: int | None = None

    @classmethod
    def parse(cls, spec: str) -> DatasetSpec:
        if not isinstance(spec, str) or ":" not in spec:
            raise StanceError(f"dataset spec {spec!r} is not CORPUS:SPLIT or KIND:PATH; {spec_help()}")
        name, rest = spec.split(":", 1)
        entry = all_corpora().get(name)
        n = None
        match = re.fullmatch(r"(.*)@(\d+)", rest)
        if match:
            rest, n = match.group(1), int(match.group(2))
            if n < 1:
                raise StanceError(f"dataset spec {spec!r}: @N needs a positive number of records")
        elif "@" in rest and not (entry is not None and entry.file):
            raise StanceError(f"dataset spec {spec!r}: @N needs a positive integer")
        if entry is None:
            raise StanceError(f"unknown corpus {name!r} in dataset spec {spec!r}; {spec_help()}")
        if entry.file:
            if not rest:
                raise StanceError(f"dataset spec {spec!r}: missing the file path after '{name}:'")
            return cls(name, rest, None, n)
        split, _, variant = rest.partition(":")
        if split not in entry.splits:
            raise StanceError(f"dataset spec {spec!r}: unknown split {split!r}; expected one of {list(entry.splits)}")
        if variant and variant not in entry.variants:
            known = f"; {name} has {', '.join(entry.variants)}" if entry.variants else f"; {name} has none"
            raise StanceError(f"dataset spec {spec!r}: unknown variant {variant!r}{known}")
        return cls(name, split, variant or None, n)

    @property
    def entry(self) -> Corpus:
        return get(self.corpus)


def corpus_of(spec: str) -> str:
    """The corpus a dataset spec reads (``dse-directed:test`` -> ``dse``); a file adapter's spec as it is."""
    parsed = DatasetSpec.parse(spec)
    if parsed.entry.file:
        return f"{parsed.corpus}:{parsed.split}"
    return parsed.entry.corpus


def corpus_card(name: str) -> dict[str, str]:
    """Title, source, license and citation of a corpus named by :func:`corpus_of` (a file: its own terms)."""
    for entry in all_corpora().values():
        if entry.corpus == name and not entry.file:
            return entry.card()
    return {"title": name, "license": "see the file's own terms"}


# --------------------------------------------------------------------------- docs
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def docs_table() -> str:
    """The Markdown table of docs/data.md: every registered corpus with its specs, records, labels and citation."""
    lines = ["| spec | records | labels | cite |", "| --- | --- | --- | --- |"]
    for entry in all_corpora().values():
        if entry.labels is not None:
            labels = ", ".join(f"`{label}`" for label in entry.labels)
        else:
            labels = LABELS_FROM_DATA if entry.labels_from_data else "none (span corpus)"
        records = entry.records
        for variant, what in entry.variants.items():
            records += f"; `:{variant}`: {what}"
        lines.append(f"| `{entry.spec_forms()}` | {_md(records)} | {labels} | {_md(entry.citation) or '-'} |")
    return "\n".join(lines)
