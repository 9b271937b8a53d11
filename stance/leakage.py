"""Leakage between training and evaluation data: which evaluation rows repeat a training row.

A row is keyed by its text, source and target (a statement is its sentence *and* its pair: the same
sentence about another pair is a different example). Two levels:

- **exact**: text, source and target equal character for character;
- **near**: equal after :func:`fold` (Unicode NFKC, case folding, every run of punctuation and blanks
  made one space): the same sentence re-tokenised, re-cased or re-punctuated, about the same pair.
  Every exact repeat is also a near repeat.

:func:`check` reports, for each evaluation set, how many of its rows repeat a training row at each level;
``stance train`` scores the rows that repeat none (the *leak-free* part) beside the full set.
``data.dedup: true`` drops the near repeats from the training data instead (:func:`stance.corpora.dedup_against`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LEAK_FREE = " (leak-free)"  # appended to a test set's name: its rows that repeat no training row

_PUNCT_OR_BLANK = re.compile(r"[\W_]+")

Key = tuple[str, str, str]


def normalise_text(text: str | None) -> str:
    """Case-, blank- and Unicode-form-insensitive form of a string."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def fold(text: str | None) -> str:
    """:func:`normalise_text`, with every run of punctuation and blanks made one space."""
    return " ".join(_PUNCT_OR_BLANK.sub(" ", normalise_text(text)).split())


def exact_key(record: Mapping[str, Any]) -> Key:
    return (record.get("text") or "", record.get("source") or "", record.get("target") or "")


def near_key(record: Mapping[str, Any]) -> Key:
    return (fold(record.get("text")), fold(record.get("source")), fold(record.get("target")))


@dataclass
class LeakReport:
    """The rows of one evaluation set that repeat a training row (positions in the set)."""

    n: int
    exact: list[int] = field(default_factory=list)
    near: list[int] = field(default_factory=list)  # includes the exact repeats

    @property
    def leak_free(self) -> list[int]:
        leaked = set(self.near)
        return [i for i in range(self.n) if i not in leaked]

    def to_dict(self) -> dict[str, int]:
        return {"n": self.n, "exact_repeats": len(self.exact), "near_repeats": len(self.near),
                "leak_free": self.n - len(self.near)}


def check_set(train_keys: tuple[set[Key], set[Key]], records: Sequence[Mapping[str, Any]]) -> LeakReport:
    exact_keys, near_keys = train_keys
    report = LeakReport(n=len(records))
    for i, record in enumerate(records):
        if exact_key(record) in exact_keys:
            report.exact.append(i)
        if near_key(record) in near_keys:
            report.near.append(i)
    return report


def training_keys(train: Iterable[Mapping[str, Any]]) -> tuple[set[Key], set[Key]]:
    rows = list(train)
    return {exact_key(r) for r in rows}, {near_key(r) for r in rows}


def check(train: Iterable[Mapping[str, Any]], sets: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, LeakReport]:
    """For each named evaluation set, the rows that repeat a training row exactly or nearly."""
    keys = training_keys(train)
    return {name: check_set(keys, records) for name, records in sets.items()}


def describe(name: str, report: LeakReport, *, scored: bool = True) -> str:
    """One line for the log: ``dse:test: 400 of 1623 rows repeat a training row (400 exactly, 0 nearly); ...``.
    ``scored``: a test set, whose leak-free rows are scored beside; else a dev set (model selection)."""
    if not report.near:
        return f"{name}: none of its {report.n} rows repeats a training row"
    then = (f"its {report.n - len(report.near)} leak-free rows are scored beside" if scored
            else "model selection on this set includes them")
    return (f"{name}: {len(report.near)} of {report.n} rows repeat a training row ({len(report.exact)} exactly, "
            f"{len(report.near) - len(report.exact)} nearly); {then}")
