"""PNG plots of evaluation results (matplotlib, Agg canvas).

Figures are built with the object API on an Agg canvas, never through ``pyplot``: plotting needs no
display and does not change the backend of a notebook or script that imports this module. Every
file is written atomically (temporary file, then rename).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .io import atomic_write


def _save(fig: Figure, path: str | Path) -> Path:
    FigureCanvasAgg(fig)
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120, bbox_inches="tight")
    return path


def plot_confusion(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    labels: Sequence[str],
    path: str | Path,
    title: str | None = None,
    normalize: bool = False,
) -> Path:
    """Draw a confusion matrix (rows: gold, columns: predicted) with its counts in the cells.

    With ``normalize`` each row is divided by its total (recall per gold class; an empty row stays 0)
    and the cells show proportions. Returns the path written.
    """
    counts = np.asarray(matrix, dtype=float)
    if counts.ndim != 2 or counts.shape != (len(labels), len(labels)):
        raise ValueError(f"confusion matrix of shape {counts.shape} does not match {len(labels)} labels")
    values = counts
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    size = 1.6 + 0.7 * len(labels)
    fig = Figure(figsize=(size + 1.2, size))
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalize else max(values.max(), 1))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels=[str(x) for x in labels], rotation=45, ha="right")
    ax.set_yticks(ticks, labels=[str(x) for x in labels])
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    threshold = (1 if normalize else max(values.max(), 1)) / 2
    for i in range(len(labels)):
        for j in range(len(labels)):
            text = f"{values[i, j]:.2f}" if normalize else f"{int(counts[i, j])}"
            color = "white" if values[i, j] > threshold else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_bar(
    values: Mapping[str, float], path: str | Path, title: str | None = None, ylabel: str | None = None
) -> Path:
    """Draw one bar per key (in the mapping's order) with its value above it. Returns the path written."""
    if not values:
        raise ValueError("nothing to plot: no values")
    names = [str(k) for k in values]
    heights = np.array([float(v) for v in values.values()])
    fig = Figure(figsize=(max(3.0, 0.8 * len(names) + 1.5), 3.2))
    ax = fig.add_subplot()
    bars = ax.bar(names, np.nan_to_num(heights), color="#4c72b0")
    ax.bar_label(bars, labels=[f"{h:.3f}" for h in heights], fontsize=8, padding=2)
    top = np.nanmax(heights) if np.isfinite(heights).any() else 1.0
    ax.set_ylim(min(0.0, np.nanmin(heights)) if np.isfinite(heights).any() else 0.0, max(top * 1.15, 1e-9))
    ax.tick_params(axis="x", labelrotation=30)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return _save(fig, path)
