"""The annotated corpora the toolkit reads: a registry of corpora, one module per corpus.

One string names a dataset: ``CORPUS:SPLIT[:VARIANT][@N]`` (``dse:train``, ``seesaw:valid:opposed``,
``dse-directed:test@500``) or ``KIND:PATH[@N]`` for a file (``seed:PATH``, ``jsonl:PATH``, ``csv:PATH``,
``parquet:PATH``). :func:`spec_help` lists what is registered, docs/data.md has the table
(:func:`docs_table`) and where to get each corpus. ``@N`` keeps the first N records after a shuffle with
a fixed seed: the same N on every run, and ``@50`` is the start of ``@200``.

:func:`load_dataset` returns a ``datasets.Dataset`` of statement records (:mod:`stance.schema`), Arrow-backed
and cached by the content of the corpus files (:mod:`stance.corpora.records`); :func:`load_records` the same
records as a list of dicts. :func:`dataset_labels` gives a spec's label set in its fixed order.

Adding a corpus is one new module in this folder that declares its registry entries::

    # stance/corpora/mycorpus.py
    from stance.corpora.registry import Corpus
    from stance.paths import corpus_dir

    def load(split, root=None):
        ...  # read corpus_dir("mycorpus", root) / f"{split}.tsv" into statement records (dicts)

    CORPORA = [Corpus("mycorpus", load, splits=("train", "test"), labels=("negative", "positive"),
                      citation="...", records="one per sentence")]

The registry finds it (:func:`stance.corpora.registry.discover`); the spec parser, the help text, the label
sets and the docs table follow. A corpus module imports the records layer only (schema, io, paths,
errors, parties' constants): never extraction, the model or training.
"""
from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import StanceError
from ..leakage import near_key
from ..paths import corpus_dir, data_dir
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, SEED_LABELS, Statement
from .dse import DIRECTED_LABELS, DSE_LABELS, align_brackets, load_dse, read_dse_file, to_directed
from .gold import DEFAULT_PARTY_NAMES, load_gold, sentence_context
from .newsmtsc import load_newsmtsc, read_newsmtsc_file
from .records import cached, code_key, content_key, iter_records, to_dataset, to_records
from .registry import (
    Corpus,
    all_corpora,
    DatasetSpec,
    corpus_card,
    corpus_of,
    docs_table,
    get,
    names,
    refresh,
    spec_help,
)
from .seesaw import SEESAW_LABELS, ideology_side, load_seesaw, read_seesaw_document, seesaw_stories

if TYPE_CHECKING:
    from datasets import Dataset

log = logging.getLogger(__name__)

SAMPLE_SEED = 0
T = TypeVar("T")

__all__ = [
    "Corpus", "all_corpora", "DatasetSpec", "DEFAULT_PARTY_NAMES", "DIRECTED_LABELS", "DSE_LABELS", "LABEL_FIELD", "SAMPLE_SEED",
    "SEED_LABELS", "SEESAW_LABELS", "align_brackets", "corpus_card", "corpus_dir", "corpus_of", "data_dir",
    "dataset_labels", "dedup_against", "docs_table", "get", "ideology_side", "infer_labels", "iter_records",
    "load_dataset", "load_dse", "load_gold", "load_newsmtsc", "load_records", "load_seesaw", "names",
    "read_dse_file", "read_newsmtsc_file", "read_seesaw_document", "refresh", "sample",
    "seesaw_stories", "sentence_context", "spec_help", "to_dataset", "to_directed", "to_records",
]


def _load(parsed: DatasetSpec, root: str | Path | None, party_names: Mapping[str, str] | None,
          cache: bool) -> Dataset:
    entry = parsed.entry
    kwargs: dict[str, Any] = {}
    if entry.variants:
        kwargs["variant"] = parsed.variant
    if party_names is not None:
        kwargs["party_names"] = dict(party_names)

    def read() -> list[Statement]:
        return entry.loader(parsed.split, root, **kwargs)

    name = "-".join(p for p in (entry.name, parsed.split, parsed.variant) if p)
    if not entry.cache:
        return cached(name, "", read, use_cache=False)
    base = None if entry.file else corpus_dir(entry.folder or entry.corpus, root)
    key = content_key(entry.sources(parsed.split, root), base, entry.name, parsed.split, parsed.variant,
                      kwargs.get("party_names"), code_key(entry.loader))
    return cached(name, key, read, use_cache=cache)


def load_dataset(spec: str, data_dir: str | Path | None = None, *, party_names: Mapping[str, str] | None = None,
                 cache: bool = True) -> Dataset:
    """The statement records of a dataset spec as a ``datasets.Dataset`` (see the module docstring).

    ``data_dir``: the data folder (default :func:`stance.paths.data_dir`); ``party_names``: the gold
    adapter's party code -> display name; ``cache=False`` reads the corpus files again and writes no cache.
    """
    parsed = DatasetSpec.parse(spec)
    dataset = _load(dataclasses.replace(parsed, n=None), data_dir, party_names, cache)
    return sample(dataset, parsed.n) if parsed.n is not None else dataset


def load_records(spec: str, data_dir: str | Path | None = None, *, party_names: Mapping[str, str] | None = None,
                 cache: bool = True) -> list[Statement]:
    """:func:`load_dataset` as a list of record dicts (each with its keys in the reader's order)."""
    return to_records(load_dataset(spec, data_dir, party_names=party_names, cache=cache))


def sample(records: T, n: int, seed: int = SAMPLE_SEED) -> T:
    """The first ``n`` records after a shuffle seeded with ``seed`` (deterministic); a list or a Dataset."""
    order = list(range(len(records)))  # type: ignore[arg-type]
    random.Random(seed).shuffle(order)
    order = order[:n]
    if isinstance(records, list):
        return [records[i] for i in order]  # type: ignore[return-value]
    return records.select(order)  # type: ignore[attr-defined,no-any-return]


def infer_labels(values: Iterable[Any]) -> list[str]:
    """The label set of labels found in data: a known set (directed, seed, DSE) when they fit one, in its
    fixed order, else the labels sorted."""
    found = {v for v in values if v is not None}
    for fixed in (DIRECTED_LABELS, SEED_LABELS, DSE_LABELS):
        if found <= set(fixed):
            return list(fixed)
    return sorted(found)


def dataset_labels(spec: str, data_dir: str | Path | None = None) -> list[str]:
    """The label set of a spec, in its fixed order (for a file: read from all of the file). A span corpus
    has none: StanceError."""
    parsed = DatasetSpec.parse(spec)
    entry = parsed.entry
    if entry.labels is not None:
        return list(entry.labels)
    if entry.labels_from_data:
        dataset = _load(dataclasses.replace(parsed, n=None), data_dir, None, True)
        return infer_labels(dataset[LABEL_FIELD] if LABEL_FIELD in dataset.column_names else [])
    raise StanceError(f"{spec}: {entry.name} is a span corpus; its records carry no label")


def dedup_against(train: Sequence[Statement], *others: Sequence[Statement]) -> list[Statement]:
    """Drop training records that repeat a record of any other set: same text, source and target after
    :func:`stance.leakage.fold` (the near repeats that :func:`stance.leakage.check` reports)."""
    held_out = {near_key(r) for records in others for r in records}
    kept = [r for r in train if near_key(r) not in held_out]
    log.info("dedup: dropped %d of %d training records that also occur in the evaluation data",
             len(train) - len(kept), len(train))
    return kept
