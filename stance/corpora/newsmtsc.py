"""NewsMTSC (Hamborg & Donnay, EACL 2021): target-dependent sentiment in political news.

``newsmtsc-rw:{train,dev,test}`` and ``newsmtsc-mt:{...}``: one record per target, the sentence's sentiment
toward it (negative/neutral/positive), no source; the two variants share the training set. Read from
``newsmtsc/`` under the data folder (docs/data.md).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..io import iter_jsonl
from ..paths import corpus_dir
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, Statement
from .dse import DIRECTED_LABELS
from .registry import Corpus

NEWSMTSC_SPLITS = ("train", "dev", "test")
_NEWSMTSC_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}


def _newsmtsc_path(variant: str, split: str, root: str | Path | None) -> Path:
    base = corpus_dir("newsmtsc", root)
    if split == "train":
        return base / "NewsMTSC-dataset" / "train.jsonl"
    return base / f"newsmtsc-{variant}" / f"{split}.jsonl"


def read_newsmtsc_file(path: str | Path, variant: str, split: str) -> list[Statement]:
    """One record per target: (sentence, target span) -> negative/neutral/positive; no source."""
    path = Path(path)
    records: list[Statement] = []
    for lineno, obj in iter_jsonl(path):
        sentence = obj.get("sentence_normalized")
        if not isinstance(sentence, str) or not sentence.strip():
            raise InputError(path, "missing or empty sentence", line=lineno, field="sentence_normalized")
        doc_id = obj.get("primary_gid")
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError(path, "missing id", line=lineno, field="primary_gid")
        targets = obj.get("targets")
        if not isinstance(targets, list) or not targets:
            raise InputError(path, "expected a non-empty list of targets", line=lineno, field="targets")
        for i, target in enumerate(targets):
            where = f"targets[{i}]"
            if not isinstance(target, dict):
                raise InputError(path, "expected an object", line=lineno, field=where)
            start, end, mention = target.get("from"), target.get("to"), target.get("mention")
            if (not isinstance(start, int) or not isinstance(end, int) or not isinstance(mention, str)
                    or not 0 <= start < end <= len(sentence) or sentence[start:end] != mention):
                raise InputError(path, f"span from={start!r} to={end!r} does not hold mention {mention!r}",
                                 line=lineno, field=f"{where}.from")
            polarity = target.get("polarity")
            if isinstance(polarity, bool) or polarity not in _NEWSMTSC_POLARITY:
                raise InputError(path, f"unknown polarity {polarity!r}; expected 2.0, 4.0 or 6.0",
                                 line=lineno, field=f"{where}.polarity")
            gid = target.get("Input.gid")
            if not isinstance(gid, str) or not gid:
                raise InputError(path, "missing target id", line=lineno, field=f"{where}.Input.gid")
            records.append({
                "doc_id": doc_id,
                "statement_id": gid,
                "text": sentence,
                "source": None,
                "target": mention,
                "source_start": None,
                "source_end": None,
                "target_start": start,
                "target_end": end,
                LABEL_FIELD: _NEWSMTSC_POLARITY[polarity],
                "corpus": "newsmtsc",
                "variant": variant,
                "split": split,
            })
    return records


def load_newsmtsc(variant: str, split: str, root: str | Path | None = None) -> list[Statement]:
    """NewsMTSC ``rw`` or ``mt`` dev/test, or the shared train set."""
    return read_newsmtsc_file(_newsmtsc_path(variant, split, root), variant, split)




def _loader(variant: str):
    def load(split: str, root: str | Path | None = None) -> list[Statement]:
        return load_newsmtsc(variant, split, root)

    load.__name__ = f"load_newsmtsc_{variant}"
    return load


_CARD = dict(
    family="newsmtsc",
    title="NewsMTSC: target-dependent sentiment in political news",
    source="https://github.com/fhamborg/NewsMTSC (commit b9d9b79)",
    license="MIT (annotations and compilation; the sentences are excerpts of third-party outlets)",
    citation="Felix Hamborg and Karsten Donnay. 2021. NewsMTSC: A Dataset for (Multi-)Target-dependent "
             "Sentiment Classification in Political News Articles. EACL 2021. https://aclanthology.org/2021.eacl-main.142/",
)
CORPORA = [
    Corpus(f"newsmtsc-{variant}", _loader(variant), NEWSMTSC_SPLITS, DIRECTED_LABELS,
           records=f"one per target ({what} dev/test; the training set is shared)", **_CARD)
    for variant, what in (("rw", "real-world"), ("mt", "multi-target"))
]
