"""Metrics over label lists: classification scores, bootstrap intervals, paired tests, agreement.

Pure functions of their arguments (numpy, scipy and scikit-learn only; no file i/o, no model).
Labels are strings (any hashable works); ``None`` (or a float NaN) marks a missing rating in the
agreement functions. Undefined statistics (e.g. kappa when both sides use a single label, so that
chance agreement is 1) are ``float("nan")``, as in scikit-learn.

Conventions for several annotators:

- ``ratings`` as a mapping ``{annotator: [label per item]}`` is accepted by every agreement function;
- :func:`krippendorff_alpha` and :func:`per_label_agreement` also take a coders x units matrix
  (a list of rows, one per coder), as in Krippendorff (2011);
- :func:`fleiss_kappa` also takes an items x annotators matrix (one row per item), as in Fleiss (1971).

Bad arguments raise :class:`stance.errors.InputError` (a ``ValueError``) without a file name.
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from .errors import InputError

MetricFn = Callable[[np.ndarray, np.ndarray], float]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
BUILTIN_METRICS = ("accuracy", "macro_f1", "cohen_kappa", "krippendorff_alpha")

# resamples x items held in memory at once by the vectorised bootstrap
_BOOTSTRAP_CHUNK_ELEMENTS = 4_000_000


def _fail(message: str, field: str | None = None) -> InputError:
    return InputError(None, message, field=field)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------- classification
def _check_pair(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> None:
    if len(gold) != len(pred):
        raise _fail(f"gold and pred differ in length ({len(gold)} vs {len(pred)})")
    if len(gold) == 0:
        raise _fail("no items to score")
    for name, values in (("gold", gold), ("pred", pred)):
        missing = next((i for i, v in enumerate(values) if _is_missing(v)), None)
        if missing is not None:
            raise _fail(f"{name} has a missing label (None) at position {missing}")


def _resolve_labels(labels: Sequence[Hashable] | None, *sides: Sequence[Hashable]) -> list[Hashable]:
    if labels is None:
        return sorted({v for side in sides for v in side}, key=str)
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise _fail(f"labels are not unique: {labels}", field="labels")
    known = set(labels)
    for side in sides:
        unknown = sorted({v for v in side if v not in known}, key=str)
        if unknown:
            raise _fail(f"labels {unknown} are not in the given label set {labels}", field="labels")
    return labels


def classification_metrics(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class scores, confusion matrix, Cohen's kappa and Krippendorff's alpha.

    ``labels`` fixes the order of classes (and the classes macro-F1 averages over); by default the
    sorted union of gold and predicted labels. The confusion matrix has gold labels as rows and
    predicted labels as columns. Krippendorff's alpha is nominal, with gold and pred as two coders.
    A class with no prediction has precision 0 (and F1 0 if it has no true positive), as scikit-learn
    does with ``zero_division=0``. Macro-F1 averages over the classes that gold or pred use: a class of
    ``labels`` that neither uses has no defined F1 (it is listed with F1 0 and support 0, but left
    out of the average), the same rule as in each bootstrap resample (:func:`bootstrap_ci`).
    """
    _check_pair(gold, pred)
    labels = _resolve_labels(labels, gold, pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    with warnings.catch_warnings():  # one label throughout: a 1 x 1 matrix is what we want
        warnings.filterwarnings("ignore", message="A single label was found", category=UserWarning)
        matrix = confusion_matrix(gold, pred, labels=labels)
    used = (support > 0) | (matrix.sum(axis=0) > 0)
    return {
        "n": len(gold),
        "labels": list(labels),
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(np.mean(f1[used])),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {
            "labels": list(labels),
            "matrix": matrix.tolist(),
        },
        "cohen_kappa": cohen_kappa(gold, pred),
        "krippendorff_alpha": krippendorff_alpha([list(gold), list(pred)]),
    }


# --------------------------------------------------------------------------- vectorised scores
def _encode(labels: Sequence[Hashable], *sides: Sequence[Hashable]) -> list[np.ndarray]:
    index = {label: i for i, label in enumerate(labels)}
    return [np.fromiter((index[v] for v in side), dtype=np.int64, count=len(side)) for side in sides]


def _confusions(gold: np.ndarray, pred: np.ndarray, n_labels: int, idx: np.ndarray) -> np.ndarray:
    """Confusion matrices (resamples x gold x pred) of the resamples given as index rows."""
    codes = gold * n_labels + pred
    r = idx.shape[0]
    flat = codes[idx] + (np.arange(r, dtype=np.int64) * n_labels * n_labels)[:, None]
    counts = np.bincount(flat.ravel(), minlength=r * n_labels * n_labels)
    return counts.reshape(r, n_labels, n_labels).astype(np.float64)


def _scores_from_confusions(cm: np.ndarray, name: str) -> np.ndarray:
    """One built-in metric for each confusion matrix of a stack (resamples x L x L)."""
    total = cm.sum(axis=(1, 2))
    tp = np.diagonal(cm, axis1=1, axis2=2)
    gold_n, pred_n = cm.sum(axis=2), cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "accuracy":
            return tp.sum(axis=1) / total
        if name == "macro_f1":
            # over the classes the resample uses (in gold or pred); an unused class has no F1
            denom = gold_n + pred_n
            used = denom > 0
            f1 = np.where(used, 2 * tp / np.where(used, denom, 1), 0.0)
            return f1.sum(axis=1) / used.sum(axis=1)
        if name == "cohen_kappa":
            po = tp.sum(axis=1) / total
            pe = (gold_n * pred_n).sum(axis=1) / total**2
            return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)
        if name == "krippendorff_alpha":
            # two coders, no missing values: coincidences o = cm + cm^T over 2n pairable values
            n_values = 2 * total
            marg = gold_n + pred_n
            observed = n_values - 2 * tp.sum(axis=1)  # sum of off-diagonal coincidences
            expected = n_values**2 - (marg**2).sum(axis=1)  # sum over c != k of n_c n_k
            return np.where(expected > 0, 1 - (n_values - 1) * observed / expected, np.nan)
    raise _fail(f"unknown metric {name!r}; expected one of {list(BUILTIN_METRICS)} or a callable", field="metric")


def _resample_indices(rng: np.random.Generator, n_items: int, n_resamples: int) -> list[np.ndarray]:
    chunk = max(1, _BOOTSTRAP_CHUNK_ELEMENTS // n_items)
    out = []
    for start in range(0, n_resamples, chunk):
        out.append(rng.integers(0, n_items, size=(min(chunk, n_resamples - start), n_items)))
    return out


def _check_resampling(n_resamples: int, confidence: float = 0.95) -> None:
    if n_resamples < 1:
        raise _fail(f"n_resamples must be >= 1, got {n_resamples}", field="n_resamples")
    if not 0 < confidence < 1:
        raise _fail(f"confidence must be in (0, 1), got {confidence}", field="confidence")


def _resampled(
    gold: np.ndarray,
    preds: Sequence[np.ndarray],
    n_labels: int,
    metrics: Mapping[str, str | MetricFn],
    n_resamples: int,
    seed: int,
) -> list[dict[str, np.ndarray]]:
    """For each prediction array, each metric on the same ``n_resamples`` resamples of the items."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, list[np.ndarray]]] = [{name: [] for name in metrics} for _ in preds]
    for idx in _resample_indices(rng, len(gold), n_resamples):
        for k, pred in enumerate(preds):
            cm = None
            for name, fn in metrics.items():
                if isinstance(fn, str):
                    cm = _confusions(gold, pred, n_labels, idx) if cm is None else cm
                    out[k][name].append(_scores_from_confusions(cm, fn))
                else:
                    out[k][name].append(np.array([fn(gold[row], pred[row]) for row in idx], dtype=float))
    return [{name: np.concatenate(parts) for name, parts in per.items()} for per in out]


def _metric_table(metric_fns: Mapping[str, MetricFn] | Sequence[str] | str) -> dict[str, str | MetricFn]:
    if isinstance(metric_fns, str):
        metric_fns = [metric_fns]
    if isinstance(metric_fns, Mapping):
        table: dict[str, str | MetricFn] = dict(metric_fns)
    else:
        table = {name: name for name in metric_fns}
    for name, fn in table.items():
        if isinstance(fn, str) and fn not in BUILTIN_METRICS:
            raise _fail(f"unknown metric {fn!r}; expected one of {list(BUILTIN_METRICS)} or a callable", field="metric")
        if not isinstance(fn, str) and not callable(fn):
            raise _fail(f"metric {name!r} is neither a name nor a callable", field="metric")
    if not table:
        raise _fail("no metric given", field="metric")
    return table


def _point(gold: np.ndarray, pred: np.ndarray, n_labels: int, fn: str | MetricFn) -> float:
    if isinstance(fn, str):
        full = np.arange(len(gold))[None, :]
        return float(_scores_from_confusions(_confusions(gold, pred, n_labels, full), fn)[0])
    return float(fn(gold, pred))


def macro_f1_over(columns: Sequence[int]) -> MetricFn:
    """A metric for the bootstrap functions: macro-F1 over the classes at ``columns`` of the label
    encoding only, an answer of any other class a miss (it counts toward no F1 averaged here). Scores a
    model that may answer ``neutral`` on a set annotated negative / positive only
    (:func:`stance.evaluate.score_any_label`)."""
    kept = [int(c) for c in columns]

    def macro_f1_over_classes(gold: np.ndarray, pred: np.ndarray) -> float:
        scores = []
        for c in kept:
            tp, n_pred, n_gold = ((gold == c) & (pred == c)).sum(), (pred == c).sum(), (gold == c).sum()
            scores.append(2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0)
        return float(np.mean(scores))

    return macro_f1_over_classes


def bootstrap_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    metric_fns: Mapping[str, MetricFn] | Sequence[str] = ("accuracy", "macro_f1"),
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    *,
    labels: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Percentile bootstrap confidence intervals over items: ``{metric: {"low", "high", "point"}}``.

    ``metric_fns`` is a list of built-in names (``accuracy``, ``macro_f1``, ``cohen_kappa``,
    ``krippendorff_alpha``: computed for all resamples at once from stacked confusion matrices) or a
    mapping ``{name: fn}`` where ``fn(gold, pred) -> float`` takes integer-coded numpy arrays (codes
    index ``labels``) or a built-in name. Items are resampled with replacement ``n_resamples`` times
    with ``numpy.random.default_rng(seed)``; the interval is the ``(1 - confidence) / 2`` and
    ``(1 + confidence) / 2`` percentiles (undefined resamples, e.g. kappa on a single-label
    resample, are ignored). ``labels`` fixes the label coding (default: the sorted union of both
    sides); macro-F1 averages, in each resample, over the classes that resample uses in gold or
    pred, so that a rare class drawn in no item neither counts as 0 nor as 1.
    """
    _check_pair(gold, pred)
    _check_resampling(n_resamples, confidence)
    labels = _resolve_labels(labels, gold, pred)
    table = _metric_table(metric_fns)
    g, p = _encode(labels, gold, pred)
    samples = _resampled(g, [p], len(labels), table, n_resamples, seed)[0]
    tails = [100 * (1 - confidence) / 2, 100 * (1 + confidence) / 2]
    out: dict[str, dict[str, float]] = {}
    for name, fn in table.items():
        values = samples[name]
        low, high = np.nanpercentile(values, tails) if np.isfinite(values).any() else (np.nan, np.nan)
        out[name] = {"low": float(low), "high": float(high), "point": _point(g, p, len(labels), fn)}
    return out


# --------------------------------------------------------------------------- paired tests
def mcnemar_exact(gold: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str]) -> dict[str, Any]:
    """Exact McNemar test of two systems scored on the same items.

    ``b`` counts the items A gets right and B wrong, ``c`` those A gets wrong and B right. Under the
    null hypothesis (equal error rates) ``b ~ Binomial(b + c, 1/2)``; the p-value is the exact
    two-sided binomial test (:func:`scipy.stats.binomtest`), 1.0 when there is no discordant pair.
    """
    _check_pair(gold, pred_a)
    _check_pair(gold, pred_b)
    right_a = np.array([g == p for g, p in zip(gold, pred_a)])
    right_b = np.array([g == p for g, p in zip(gold, pred_b)])
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    p_value = float(binomtest(b, b + c, 0.5).pvalue) if b + c else 1.0
    return {
        "n": len(gold),
        "b": b,
        "c": c,
        "both_correct": int(np.sum(right_a & right_b)),
        "both_wrong": int(np.sum(~right_a & ~right_b)),
        "p_value": p_value,
    }


def paired_bootstrap(
    gold: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    metric: str | MetricFn = "macro_f1",
    n_resamples: int = 1000,
    seed: int = 0,
    *,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Paired bootstrap of the difference ``delta = metric(A) - metric(B)`` on the same items.

    Both systems are scored on the same resamples. Returns the observed ``delta``, each system's
    score, the percentile interval of the resampled deltas, and a two-sided p-value.

    p-value: the bootstrap distribution of the deltas, shifted to have mean zero (the null hypothesis
    of no difference), is compared with the observed delta (Efron & Tibshirani 1993, sec. 16.4;
    the two-sided form of the test in Berg-Kirkpatrick et al. 2012, which counts ``delta_i > 2 delta``)::

        p = (1 + #{i : |delta_i - delta| >= |delta|}) / (n_resamples + 1)

    The ``+1`` keeps the estimate valid (never 0); with ``delta == 0`` the p-value is 1.
    """
    return paired_bootstrap_seeds(gold, [pred_a], [pred_b], metric, n_resamples, seed, confidence=confidence, labels=labels)


def paired_bootstrap_seeds(
    gold: Sequence[str],
    runs_a: Sequence[Sequence[str]],
    runs_b: Sequence[Sequence[str]],
    metric: str | MetricFn = "macro_f1",
    n_resamples: int = 1000,
    seed: int = 0,
    *,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """:func:`paired_bootstrap` of two recipes, each trained with several seeds: ``delta`` is the mean
    over A's runs minus the mean over B's runs, every run scored on the same resamples of the items.

    The interval covers the sampling of the test items for these trained runs; the spread between
    seeds is reported beside it (``a_runs``, ``b_runs``), not folded into it."""
    if not runs_a or not runs_b:
        raise _fail("each system needs at least one run", field="runs")
    for pred in [*runs_a, *runs_b]:
        _check_pair(gold, pred)
    _check_resampling(n_resamples, confidence)
    labels = _resolve_labels(labels, gold, *runs_a, *runs_b)
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
    table = _metric_table({name: metric})
    g, *encoded = _encode(labels, gold, *runs_a, *runs_b)
    points = [_point(g, p, len(labels), table[name]) for p in encoded]
    a_runs, b_runs = points[: len(runs_a)], points[len(runs_a) :]
    score_a, score_b = float(np.mean(a_runs)), float(np.mean(b_runs))
    delta = score_a - score_b
    resampled = [r[name] for r in _resampled(g, encoded, len(labels), table, n_resamples, seed)]
    deltas = np.mean(resampled[: len(runs_a)], axis=0) - np.mean(resampled[len(runs_a) :], axis=0)
    deltas = deltas[np.isfinite(deltas)]
    tails = [100 * (1 - confidence) / 2, 100 * (1 + confidence) / 2]
    low, high = np.percentile(deltas, tails) if len(deltas) else (np.nan, np.nan)
    extreme = int(np.sum(np.abs(deltas - delta) >= abs(delta) - 1e-12))
    out = {
        "metric": name,
        "a": score_a,
        "b": score_b,
        "delta": delta,
        "low": float(low),
        "high": float(high),
        "p_value": (1 + extreme) / (len(deltas) + 1),
        "n_resamples": n_resamples,
        "seed": seed,
        "confidence": confidence,
    }
    if len(runs_a) > 1 or len(runs_b) > 1:
        out.update(a_runs=a_runs, b_runs=b_runs)
    return out



def paired_comparison(
    gold: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    *,
    metrics: Sequence[str | MetricFn] = ("macro_f1",),
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The paired comparison of two systems' predictions on the same gold items, as every command that
    compares systems reports it (``stance compare``, the training run against its baselines, the results
    API, scripts/compare_runs.py).

    Returns ``{"n", "mcnemar", "paired_bootstrap"}``: the exact McNemar test on per-item correctness
    (:func:`mcnemar_exact`) and, for each of ``metrics``, the paired bootstrap of the difference A - B
    (:func:`paired_bootstrap`; every metric on the same resamples, drawn from ``seed``) keyed by the
    metric's name. No metric: no bootstrap (``n_resamples`` is then not read).
    """
    paired = {}
    for metric in metrics:
        result = paired_bootstrap(gold, pred_a, pred_b, metric=metric, n_resamples=n_resamples, seed=seed,
                                  confidence=confidence, labels=labels)
        paired[result["metric"]] = result
    return {"n": len(gold), "mcnemar": mcnemar_exact(gold, pred_a, pred_b), "paired_bootstrap": paired}


# --------------------------------------------------------------------------- agreement
def _rows(ratings: Mapping[str, Sequence[Any]] | Sequence[Sequence[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Annotator names and their rows (annotators x items) from either accepted form."""
    if isinstance(ratings, Mapping):
        names, rows = [str(k) for k in ratings], [list(v) for v in ratings.values()]
    else:
        rows = [list(r) for r in ratings]
        names = [f"coder{i + 1}" for i in range(len(rows))]
    if len(rows) < 2:
        raise _fail(f"agreement needs at least two annotators, got {len(rows)}")
    lengths = {len(r) for r in rows}
    if len(lengths) != 1:
        raise _fail(f"annotators rated different numbers of items: {dict(zip(names, map(len, rows)))}")
    return names, rows


def cohen_kappa(a: Sequence[str | None], b: Sequence[str | None]) -> float:
    """Cohen's kappa of two annotators; items where either rating is missing (None) are left out.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_e`` from each annotator's own label distribution;
    NaN when ``p_e == 1`` (both use one and the same label throughout).
    """
    if len(a) != len(b):
        raise _fail(f"the two annotators rated different numbers of items ({len(a)} vs {len(b)})")
    pairs = [(x, y) for x, y in zip(a, b) if not _is_missing(x) and not _is_missing(y)]
    if not pairs:
        raise _fail("no item rated by both annotators")
    x, y = zip(*pairs)
    if len(set(x) | set(y)) == 1:
        return float("nan")
    return float(cohen_kappa_score(list(x), list(y)))


def pairwise_cohen_kappa(ratings: Mapping[str, Sequence[str | None]]) -> dict[str, Any]:
    """Cohen's kappa for each pair of annotators, and their mean (Light's kappa, 1971).

    Returns ``{"pairs": [{"a", "b", "n", "kappa"}...], "mean": float}``; ``n`` counts the items both
    rated. Pairs with no common item are listed with ``n = 0`` and ``kappa = NaN``; the mean skips
    undefined kappas.
    """
    names, rows = _rows(ratings)
    pairs = []
    for (na, ra), (nb, rb) in itertools.combinations(zip(names, rows), 2):
        n = sum(1 for x, y in zip(ra, rb) if not _is_missing(x) and not _is_missing(y))
        kappa = cohen_kappa(ra, rb) if n else float("nan")
        pairs.append({"a": na, "b": nb, "n": n, "kappa": kappa})
    defined = [p["kappa"] for p in pairs if not math.isnan(p["kappa"])]
    return {"pairs": pairs, "mean": float(np.mean(defined)) if defined else float("nan")}


def fleiss_kappa_from_counts(counts: Sequence[Sequence[int]] | np.ndarray) -> float:
    """Fleiss' kappa from an items x categories table of rating counts (equal raters per item).

    ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P_bar = mean_i P_i``, ``p_j = sum_i n_ij / (N m)``,
    ``P_e = sum_j p_j^2``, ``kappa = (P_bar - P_e) / (1 - P_e)`` (Fleiss 1971); NaN when ``P_e == 1``.
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        raise _fail("expected a non-empty items x categories table of counts")
    if (table < 0).any():
        raise _fail("counts must not be negative")
    per_item = table.sum(axis=1)
    m = per_item[0]
    if not np.all(per_item == m):
        bad = int(np.flatnonzero(per_item != m)[0])
        raise _fail(
            f"Fleiss' kappa needs the same number of ratings for every item: item 1 has {m:g}, "
            f"item {bad + 1} has {per_item[bad]:g} (use krippendorff_alpha for missing ratings)"
        )
    if m < 2:
        raise _fail("Fleiss' kappa needs at least two ratings per item")
    p_item = ((table**2).sum(axis=1) - m) / (m * (m - 1))
    p_cat = table.sum(axis=0) / table.sum()
    p_bar, p_e = p_item.mean(), float((p_cat**2).sum())
    return float((p_bar - p_e) / (1 - p_e)) if p_e < 1 else float("nan")


def fleiss_kappa(ratings: Mapping[str, Sequence[str | None]] | Sequence[Sequence[str | None]]) -> float:
    """Fleiss' kappa of several annotators.

    ``ratings`` is an items x annotators matrix (one row of labels per item), or a mapping
    ``{annotator: [label per item]}``. Fleiss' kappa assumes every item has the same number of
    ratings (the raters themselves may differ between items): a row may hold ``None`` for a rater who
    did not rate it only if every row has the same number of ratings; otherwise it raises an error
    naming the first item that differs. Use :func:`krippendorff_alpha` for data with missing ratings.
    """
    if isinstance(ratings, Mapping):
        _, rows = _rows(ratings)
        items = [list(col) for col in zip(*rows)]
    else:
        items = [list(r) for r in ratings]
    items = [[v for v in row if not _is_missing(v)] for row in items]
    if not items:
        raise _fail("no items to score")
    labels = sorted({v for row in items for v in row}, key=str)
    index = {label: j for j, label in enumerate(labels)}
    counts = np.zeros((len(items), max(1, len(labels))))
    for i, row in enumerate(items):
        for v in row:
            counts[i, index[v]] += 1
    return fleiss_kappa_from_counts(counts)


def _value_counts(
    ratings: Mapping[str, Sequence[Any]] | Sequence[Sequence[Any]], value_order: Sequence[Any] | None = None
) -> tuple[list[Any], np.ndarray]:
    """The distinct values and the units x values count matrix of a coders x units matrix."""
    _, rows = _rows(ratings)
    present = {v for row in rows for v in row if not _is_missing(v)}
    if value_order is not None:
        values = list(value_order)
        unknown = sorted(present - set(values), key=str)
        if unknown:
            raise _fail(f"values {unknown} are not in value_order {values}", field="value_order")
    else:
        try:
            values = sorted(present)
        except TypeError:
            values = sorted(present, key=str)
    index = {v: j for j, v in enumerate(values)}
    counts = np.zeros((len(rows[0]), len(values)))
    for row in rows:
        for u, v in enumerate(row):
            if not _is_missing(v):
                counts[u, index[v]] += 1
    return values, counts


def _alpha_from_counts(counts: np.ndarray, delta2: np.ndarray) -> float:
    """Krippendorff's alpha from a units x values count matrix and a squared-difference matrix."""
    m_u = counts.sum(axis=1)
    pairable = counts[m_u >= 2]
    if pairable.shape[0] == 0:
        raise _fail("no unit was rated by two or more coders: alpha is undefined")
    weights = 1.0 / (pairable.sum(axis=1) - 1)
    # coincidence matrix: o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1)
    coincidence = (pairable * weights[:, None]).T @ pairable - np.diag((pairable * weights[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = float((coincidence * delta2).sum())
    expected = float((np.outer(n_c, n_c) * delta2).sum())
    if expected == 0:
        return float("nan")
    return float(1.0 - (n - 1) * observed / expected)


def _delta2(values: list[Any], counts: np.ndarray, level: Level) -> np.ndarray:
    """Krippendorff's squared difference function for the level of measurement."""
    k = len(values)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        # marginal totals of pairable values, in the order of ``values``
        pairable = counts[counts.sum(axis=1) >= 2]
        n_g = pairable.sum(axis=0)
        cum = np.concatenate([[0.0], np.cumsum(n_g)])
        lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[hi + 1] - cum[lo]  # sum of n_g for g from c to k inclusive
        return (between - (n_g[lo] + n_g[hi]) / 2) ** 2
    try:
        x = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise _fail(f"{level} alpha needs numeric values, got {values[:5]}", field="level") from None
    diff = np.subtract.outer(x, x)
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = np.add.outer(x, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total != 0, (diff / np.where(total != 0, total, 1)) ** 2, 0.0)
    raise _fail(f"unknown level {level!r}; expected nominal, ordinal, interval or ratio", field="level")


def krippendorff_alpha(
    ratings: Mapping[str, Sequence[Any]] | Sequence[Sequence[Any]],
    level: Level = "nominal",
    *,
    value_order: Sequence[Any] | None = None,
) -> float:
    """Krippendorff's alpha of a coders x units matrix; ``None`` (or NaN) marks a missing value.

    Follows the coincidence-matrix definition (K. Krippendorff, "Computing Krippendorff's
    Alpha-Reliability", 2011): units coded by fewer than two coders are not pairable and are left out;
    ``alpha = 1 - (n - 1) * sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck`` where ``o`` is the coincidence
    matrix, ``n_c`` its marginals and ``n`` the number of pairable values. ``level`` picks the
    difference function: ``nominal`` (0/1), ``ordinal`` (ranks by ``value_order``, default the sorted
    values), ``interval`` and ``ratio`` (numeric values). NaN when the pairable values do not vary.
    """
    values, counts = _value_counts(ratings, value_order)
    if not values:
        raise _fail("no rating at all: alpha is undefined")
    return _alpha_from_counts(counts, _delta2(values, counts, level))


def per_label_agreement(
    ratings: Mapping[str, Sequence[str | None]] | Sequence[Sequence[str | None]],
) -> dict[str, dict[str, float]]:
    """Agreement on each label: ``{label: {"specific_agreement", "alpha", "n_ratings"}}``.

    - ``specific_agreement``: of the ratings of this label in units coded by two or more coders,
      the proportion whose pair partners agree: ``sum_u n_uj (n_uj - 1) / sum_u n_uj (m_u - 1)``
      (Uebersax 1982; for two coders the positive agreement ``2a / (2a + b + c)``).
    - ``alpha``: nominal Krippendorff's alpha of the binary "this label vs any other" recoding
      (a per-category chance-corrected agreement that allows missing ratings).
    - ``n_ratings``: how many ratings (pairable or not) used this label.
    """
    names, rows = _rows(ratings)
    values, counts = _value_counts(dict(zip(names, rows)))
    m_u = counts.sum(axis=1)
    pairable = counts[m_u >= 2]
    m_p = pairable.sum(axis=1)
    out: dict[str, dict[str, float]] = {}
    for j, label in enumerate(values):
        n_uj = pairable[:, j]
        denom = float((n_uj * (m_p - 1)).sum())
        binary = np.stack([counts[:, j], m_u - counts[:, j]], axis=1)
        out[label] = {
            "specific_agreement": float((n_uj * (n_uj - 1)).sum() / denom) if denom else float("nan"),
            "alpha": _alpha_from_counts(binary, 1.0 - np.eye(2)),
            "n_ratings": int(counts[:, j].sum()),
        }
    return out


def agreement(ratings: Mapping[str, Sequence[str | None]]) -> dict[str, Any]:
    """All agreement statistics of several annotators' labels, ``{annotator: [label or None per item]}``.

    Returns ``n_items``, ``n_annotators``, ``krippendorff_alpha`` (nominal), ``pairwise_cohen_kappa``
    (with the mean), ``fleiss_kappa`` (``None`` when items have unequal numbers of ratings),
    ``percent_agreement`` (share of agreeing pairs among all pairs of ratings of the same item) and
    ``per_label``.
    """
    names, rows = _rows(ratings)
    ratings = dict(zip(names, rows))
    _, counts = _value_counts(ratings)
    m_u = counts.sum(axis=1)
    pairable = counts[m_u >= 2]
    pairs_total = float((pairable.sum(axis=1) * (pairable.sum(axis=1) - 1)).sum())
    pairs_agree = float((pairable * (pairable - 1)).sum())
    try:
        fleiss: float | None = fleiss_kappa(ratings)
    except InputError:
        fleiss = None
    return {
        "n_items": len(rows[0]),
        "n_annotators": len(rows),
        "krippendorff_alpha": krippendorff_alpha(ratings),
        "pairwise_cohen_kappa": pairwise_cohen_kappa(ratings),
        "fleiss_kappa": fleiss,
        "percent_agreement": pairs_agree / pairs_total if pairs_total else float("nan"),
        "per_label": per_label_agreement(ratings),
    }
