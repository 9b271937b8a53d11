"""The findings part of a run's report: stance shares by party pair, month and outlet, with intervals.

:func:`findings_sections` turns a run's classified statements into report sections (markdown text and
PNG plots) with the estimators of :mod:`stance.aggregate`. It takes labels and probabilities, never the
model; :mod:`stance.report` calls it.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .aggregate import ESTIMATOR_NAMES, Annotated, aggregate, markdown_table, wide

log = logging.getLogger(__name__)

N_BOOTSTRAP = 1000
MIN_ANNOTATED_TO_LEAD = 200


def primary_estimator(table: pd.DataFrame, n_annotated: int | None = None) -> str:
    """The estimate a plot shows: adjusted when an annotated sample of at least ``MIN_ANNOTATED_TO_LEAD``
    statements corrected it (a smaller one leaves its intervals too wide to read), else probabilistic,
    else counting."""
    present = set(table["estimator"])
    if "acc" in present and (n_annotated or 0) >= MIN_ANNOTATED_TO_LEAD:
        return "acc"
    return next(e for e in ("pcc", "cc") if e in present)


def estimator_note(primary: str, calibrated: bool, n_annotated: int | None) -> str:
    """The short text that says which estimate the report leads with, and why."""
    lines = [
        "Shares are estimated three ways (`stance.aggregate`); each cell is `share [95% interval]`, from "
        f"{N_BOOTSTRAP} bootstrap resamples of the statements.",
        "",
        "- **cc** (classify and count) counts the predicted labels. It is biased whenever the classifier errs "
        "more on some classes than on others, and its interval leaves that error out.",
        "- **pcc** (probabilistic classify and count) averages the " + ("calibrated " if calibrated else "")
        + "probabilities; its interval also draws each statement's label from its probabilities. It is right "
        "when the probabilities are calibrated for the statements at hand, and is pulled toward the "
        "calibration set's label mix where a group's mix differs from it."
        + ("" if calibrated else " This model carries no fitted temperature: its probabilities may be "
           "over-confident."),
    ]
    if n_annotated:
        lines.append(
            f"- **acc** (adjusted classify and count) corrects the counts with the classifier's confusion "
            f"matrix measured on the {n_annotated} hand-annotated statements given (`--gold`); its interval "
            "resamples them too, so a small annotated sample gives wide intervals. It stays right when groups "
            "differ in their label mix, as long as the classifier errs on each true class as it did there.")
    else:
        lines.append("- **acc** (adjusted classify and count) needs a hand-annotated sample (`--gold`, or "
                     "`stance aggregate --annotated`): none was given.")
    reason = {
        "acc": "the annotated sample is large enough for its correction to be read",
        "pcc": (f"the {n_annotated} annotated statements are too few (under {MIN_ANNOTATED_TO_LEAD}) for the "
                "correction to be read" if n_annotated else "no annotated sample was given"),
        "cc": "the statements carry no probabilities",
    }[primary]
    lines += ["", f"The plots show **{primary}**: {reason}."]
    return "\n".join(lines) + "\n"


def _display(table: pd.DataFrame, display: dict[str, str]) -> pd.DataFrame:
    return table.assign(label=table["label"].map(lambda l: display.get(l, l)))


def _tables(table: pd.DataFrame, by: Sequence[str]) -> str:
    parts = []
    for label in dict.fromkeys(table["label"]):
        parts.append(f"Share **{label}**:\n\n" + markdown_table(wide(table, label, by)))
    return "\n".join(parts)


def plot_shares_over_time(table: pd.DataFrame, estimator: str, path: Path, title: str) -> Path:
    """Each label's share per month (one line per label) with its interval as a band."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .io import atomic_write

    part = table[(table["estimator"] == estimator) & (table["month"] != "unknown")].sort_values("month")
    fig = Figure(figsize=(7, 3.4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    months = list(dict.fromkeys(part["month"]))
    x = np.arange(len(months))
    for label in dict.fromkeys(part["label"]):
        rows = part[part["label"] == label].set_index("month").reindex(months)
        line = ax.plot(x, rows["share"], marker="o", label=str(label))[0]
        ax.fill_between(x, rows["low"], rows["high"], color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xticks(x, labels=months, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"share ({estimator})")
    ax.legend(fontsize=8)
    ax.set_title(title)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def plot_shares_by_group(table: pd.DataFrame, group: str, estimator: str, path: Path, title: str) -> Path:
    """Each group's shares as horizontal bars per label, with interval whiskers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .io import atomic_write

    part = table[table["estimator"] == estimator]
    groups = list(dict.fromkeys(part[group].astype(str)))
    labels = list(dict.fromkeys(part["label"]))
    fig = Figure(figsize=(7, 1.2 + 0.45 * len(groups) * max(1, len(labels)) / 2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    height = 0.8 / max(1, len(labels))
    for j, label in enumerate(labels):
        rows = part[part["label"] == label].assign(g=lambda f: f[group].astype(str)).set_index("g").reindex(groups)
        y = np.arange(len(groups)) + j * height
        err = np.vstack([rows["share"] - rows["low"], rows["high"] - rows["share"]]).clip(min=0)
        ax.barh(y, rows["share"], height=height, xerr=None if np.isnan(err).all() else err, label=str(label), capsize=2)
    ax.set_yticks(np.arange(len(groups)) + height * (len(labels) - 1) / 2, labels=groups)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share ({estimator})")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def findings_sections(
    frame: pd.DataFrame,
    labels: Sequence[str],
    out: Path,
    *,
    label_field: str = "stance",
    display: dict[str, str] | None = None,
    annotated: Annotated | None = None,
    calibrated: bool = False,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = 0,
) -> list[tuple[str, str, list[Path]]]:
    """Report sections ``(title, markdown, plots)``: shares by speaker party -> target party, by month
    (when statements carry dates) and by outlet (when they carry outlets)."""
    display = display or {}
    frame = frame.copy()
    frame["predicted"] = frame[label_field]
    for column in ("speaker_party", "target_party"):
        if column not in frame:
            frame[column] = None
    common = dict(labels=list(labels), annotated=annotated, n_bootstrap=n_bootstrap, seed=seed)
    pairs = _display(aggregate(frame, ["pair"], **common), display)
    primary = primary_estimator(pairs, len(annotated.gold) if annotated is not None else None)
    sections: list[tuple[str, str, list[Path]]] = []
    note = estimator_note(primary, calibrated, len(annotated.gold) if annotated is not None else None)
    plot = plot_shares_by_group(pairs, "pair", primary, out / "shares_by_pair.png", "stance shares by speaker -> target party")
    sections.append(("Stance shares by party pair", note + "\n" + _tables(pairs, ["pair"]), [plot]))
    if "date" in frame and pd.to_datetime(frame["date"], errors="coerce", utc=True, format="mixed").notna().any():
        months = _display(aggregate(frame, ["month"], **common), display)
        plot = plot_shares_over_time(months, primary, out / "shares_over_time.png", "stance shares by month")
        sections.append(("Stance shares by month", f"Bands: 95% intervals of **{primary}**.\n\n" + _tables(months, ["month"]), [plot]))
    if "outlet" in frame and frame["outlet"].notna().any():
        outlets = _display(aggregate(frame, ["outlet"], **common), display)
        plot = plot_shares_by_group(outlets, "outlet", primary, out / "shares_by_outlet.png", "stance shares by outlet")
        sections.append(("Stance shares by outlet", _tables(outlets, ["outlet"]), [plot]))
    return sections
