"""Calibration: temperature scaling fitted on a dev set, expected calibration error, reliability diagrams.

Temperature scaling (Guo et al. 2017) divides the logits by one number ``T`` fitted to minimise the
negative log-likelihood of the dev set's gold labels. It changes no prediction (the argmax stays), only
how confident the probabilities are, which is what the probabilistic estimate of shares
(:mod:`stance.aggregate`, ``pcc``) and any threshold on confidence rely on.

Works on probabilities, not on the model: ``log p`` are the logits up to a per-row constant, which a
softmax ignores, so ``softmax(log p / T)`` is the temperature-scaled prediction. :class:`stance.model.
StanceClassifier` applies a fitted ``temperature`` to its logits in ``predict_proba``.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StanceError

log = logging.getLogger(__name__)

N_BINS = 15
T_BOUNDS = (0.05, 20.0)
EPS = 1e-12


def rescale(proba: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log(proba) / temperature)``: probabilities at another temperature.

    ``rescale(p_calibrated, 1 / T)`` gives back the uncalibrated probabilities of a model whose
    ``p_calibrated`` were scaled by ``T``."""
    logp = np.log(np.clip(np.asarray(proba, dtype=float), EPS, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


def nll(proba: np.ndarray, gold: np.ndarray) -> float:
    """Mean negative log-likelihood of the gold label indices."""
    return float(-np.log(np.clip(proba[np.arange(len(gold)), gold], EPS, None)).mean())


def fit_temperature(proba: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that minimises the dev NLL of ``rescale(proba, T)`` (bounded search on log T)."""
    from scipy.optimize import minimize_scalar

    gold = np.asarray(gold, dtype=int)
    if len(gold) == 0:
        raise StanceError("cannot fit a temperature on an empty dev set")
    result = minimize_scalar(lambda log_t: nll(rescale(proba, float(np.exp(log_t))), gold),
                             bounds=tuple(np.log(T_BOUNDS)), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x))


def expected_calibration_error(proba: np.ndarray, gold: np.ndarray, n_bins: int = N_BINS) -> float:
    """Top-label ECE: over equal-width confidence bins, the weighted mean |accuracy - confidence|."""
    proba = np.asarray(proba, dtype=float)
    gold = np.asarray(gold, dtype=int)
    if len(gold) == 0:
        return float("nan")
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == gold
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        mask = bins == b
        total += mask.sum() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total / len(gold))


def reliability_bins(proba: np.ndarray, gold: np.ndarray, n_bins: int = N_BINS) -> list[dict[str, float]]:
    """Per non-empty confidence bin: its mean confidence, accuracy and count (the reliability diagram's data)."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == gold
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return [
        {"bin": int(b), "confidence": float(confidence[bins == b].mean()), "accuracy": float(correct[bins == b].mean()),
         "n": int((bins == b).sum())}
        for b in np.unique(bins)
    ]


def calibration_summary(proba_before: np.ndarray, proba_after: np.ndarray, gold: np.ndarray) -> dict[str, Any]:
    """ECE and NLL before and after, and the sample size."""
    return {
        "n": int(len(gold)),
        "ece_before": round(expected_calibration_error(proba_before, gold), 4),
        "ece_after": round(expected_calibration_error(proba_after, gold), 4),
        "nll_before": round(nll(proba_before, gold), 4),
        "nll_after": round(nll(proba_after, gold), 4),
    }


def plot_reliability(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, title: str = "reliability",
                     n_bins: int = N_BINS) -> Path:
    """A reliability diagram (accuracy against confidence per bin, diagonal = calibrated) with one curve
    per ``name: (proba, gold)``, written as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .io import atomic_write

    fig = Figure(figsize=(4.6, 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    for name, (proba, gold) in curves.items():
        points = reliability_bins(proba, gold, n_bins)
        ece = expected_calibration_error(proba, gold, n_bins)
        ax.plot([p["confidence"] for p in points], [p["accuracy"] for p in points], marker="o", markersize=3,
                label=f"{name} (ECE {ece:.3f})")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def label_indices(gold: Sequence[str], labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``gold`` into ``labels``, and the mask of the rows whose label is among them."""
    index = {label: i for i, label in enumerate(labels)}
    mask = np.array([g in index for g in gold], dtype=bool)
    return np.array([index[g] for g, m in zip(gold, mask) if m], dtype=int), mask


def restrict(proba: np.ndarray, labels: Sequence[str], allowed: Sequence[str]) -> np.ndarray:
    """Probabilities over the ``allowed`` labels only, renormalised (a test set annotated with fewer
    classes than the model has is scored over its own labels)."""
    columns = [list(labels).index(label) for label in allowed]
    part = proba[:, columns]
    return part / np.clip(part.sum(axis=1, keepdims=True), EPS, None)


def eval_set_calibration(rows: Sequence[dict[str, Any]], labels: Sequence[str], temperature: float) -> dict[str, dict[str, Any]]:
    """ECE before and after per eval set of a run's prediction rows (``eval_set``, ``gold``, ``scores``),
    whose scores were written at ``temperature``: ``rescale(scores, 1 / temperature)`` is before.
    A set whose gold labels are fewer than the model's is measured over its own labels."""
    out: dict[str, dict[str, Any]] = {}
    by_set: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(str(row.get("eval_set", "all")), []).append(row)
    for name, items in by_set.items():
        gold_labels = [l for l in labels if any(r.get("gold") == l for r in items)]
        if len(gold_labels) < 2:
            continue
        items = [r for r in items if r.get("gold") in gold_labels and isinstance(r.get("scores"), dict)]
        after = np.array([[r["scores"].get(l, 0.0) for l in labels] for r in items], dtype=float)
        before = rescale(after, 1 / temperature)
        gold, _ = label_indices([r["gold"] for r in items], gold_labels)
        summary = calibration_summary(restrict(before, labels, gold_labels), restrict(after, labels, gold_labels), gold)
        if gold_labels != list(labels):
            summary["restricted_to"] = gold_labels
        out[name] = summary
    return out


# --------------------------------------------------------------------------- a bias toward one label
def biased_argmax(proba: np.ndarray, labels: Sequence[str], label: str, bias: float) -> list[str]:
    """The labels chosen when ``label``'s log-probability is raised by ``bias`` before the argmax: its
    probability multiplied by ``e ** bias`` (a negative bias lowers it), the decision rule of a shift in
    that class's prior. Bias 0 is the plain argmax; the other labels keep their order."""
    labels = list(labels)
    if label not in labels:
        raise StanceError(f"unknown label {label!r}; the model's labels: {labels}")
    shifted = np.log(np.clip(np.asarray(proba, dtype=float), EPS, None))
    shifted[:, labels.index(label)] += bias
    return [labels[i] for i in shifted.argmax(axis=1)]


# --------------------------------------------------------------------------- a training run's calibration
def calibrate_classifier(clf: Any, records: Sequence[dict[str, Any]], label_field: str, *, batch_size: int = 128,
                         name: str = "dev") -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Fit ``clf.temperature`` on ``records`` (gold in ``label_field``) and set it on ``clf``.

    ``clf`` is anything with ``labels``, ``temperature`` and ``predict_proba(records)`` (a
    :class:`stance.model.StanceClassifier`). Records whose label is not the model's are left out.
    Returns the summary (temperature, ECE and NLL before and after) and ``(before, after, gold)``."""
    rows = [r for r in records if r.get(label_field) in set(clf.labels)]
    if not rows:
        raise StanceError(f"no {name} records with the model's labels {list(clf.labels)} to fit a temperature on")
    clf.temperature = 1.0
    before = clf.predict_proba(rows, batch_size=batch_size)
    gold, _ = label_indices([r[label_field] for r in rows], clf.labels)
    temperature = fit_temperature(before, gold)
    after = rescale(before, temperature)
    summary = {"temperature": round(temperature, 4), "fitted_on": name, **calibration_summary(before, after, gold)}
    clf.temperature = temperature
    clf.calibration = {k: v for k, v in summary.items() if k != "temperature"}
    log.info("temperature %.3f fitted on %s (n=%d): ECE %.4f -> %.4f", temperature, name, len(gold),
             summary["ece_before"], summary["ece_after"])
    return summary, (before, after, gold)


def calibrate_run(clf: Any, dev: dict[str, list[dict[str, Any]]], label_field: str, out: Path, *,
                  batch_size: int = 128) -> dict[str, Any] | None:
    """The end of ``stance train``: fit the temperature on the dev sets, save it into ``out/model``
    (``calibration.json``), and write ``out/calibration.json`` and ``out/reliability.png`` (dev, before
    and after). Returns the summary; None when the run has no dev set."""
    from .io import write_json

    records = [r for rows in dev.values() for r in rows]
    if not records:
        log.info("no dev set: the probabilities are not calibrated")
        return None
    summary, (before, after, gold) = calibrate_classifier(clf, records, label_field, batch_size=batch_size,
                                                          name=", ".join(dev))
    clf.save_calibration(out / "model")
    plot_reliability({"before": (before, gold), f"after (T = {clf.temperature:.2f})": (after, gold)},
                     out / "reliability.png", title=f"reliability on {summary['fitted_on']}")
    write_json(out / "calibration.json", {"dev": summary})
    return summary


def add_test_calibration(out: Path, labels: Sequence[str], temperature: float) -> dict[str, Any]:
    """After the test sets are scored: ECE before and after on each, from ``out/predictions.jsonl``,
    added to ``out/calibration.json``. Returns the whole calibration record."""
    import json

    from .io import read_jsonl, write_json

    path = out / "calibration.json"
    record = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    predictions = out / "predictions.jsonl"
    if predictions.exists():
        record["test"] = eval_set_calibration(read_jsonl(predictions, allow_empty=True), labels, temperature)
    write_json(path, record)
    return record
