"""From statements to findings: the share of each stance in groups of statements, with intervals.

Three estimators of a group's class shares (the quantification literature: Forman 2008; Hopkins &
King 2010; González et al. 2017 for a review):

``cc``  classify and count: the share of each predicted label. Biased whenever the classifier errs
        unevenly across classes (it moves shares toward the labels the classifier over-predicts).
``pcc`` probabilistic classify and count: the mean of the (calibrated) probabilities. Unbiased when
        the probabilities are calibrated for the group's population; calibrated on another label mix
        (a prior shift) it is pulled toward the calibration set's shares.
``acc`` adjusted classify and count: ``p_true = M^{-1} p_observed`` with ``M[i, j] = P(pred=i | true=j)``
        estimated from a hand-annotated sample (gold and predicted labels), projected onto the simplex.
        Unbiased under prior shift as long as ``M`` holds in the group (the classifier errs the same
        way on each true class there as in the annotated sample).

Intervals are percentile bootstrap intervals. Each resample draws the group's statements with
replacement; for ``pcc`` each drawn statement's label is then drawn from its probabilities (the
classifier's own uncertainty about each label), and for ``acc`` the annotated sample is resampled as
well (the uncertainty of the correction). The interval speaks of the share in the population of
statements the group is a sample of (a party's statements, of which the corpus holds some); for the
share among exactly the statements at hand it is conservative (somewhat wide).

The estimators are written here rather than taken from QuaPy (BSD, on PyPI): QuaPy's aggregative
quantifiers fit their own scikit-learn classifier and estimate the misclassification rates by cross
validation inside ``fit``; our classifier is a transformer run once, the rates come from a separate
hand-annotated sample that the bootstrap must resample jointly with the statements, and QuaPy would
bring xlrd, ucimlrepo and abstention with it. Each estimator is a few vectorised lines below.

This module never imports the model: it takes predicted labels and probabilities as input.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import StanceError

log = logging.getLogger(__name__)

ESTIMATORS = ("cc", "pcc", "acc")
ESTIMATOR_NAMES = {
    "cc": "classify and count",
    "pcc": "probabilistic classify and count",
    "acc": "adjusted classify and count",
}
# groupings that are computed from other fields when the records do not carry them
DERIVED = {
    "pair": "speaker_party -> target_party",
    "month": "the month (YYYY-MM) of date",
}
_CHUNK_CELLS = 4_000_000
MIN_CLUSTERS = 5  # fewer clusters than this in a group: resample its statements (a cluster bootstrap needs several)  # bootstrap resamples are drawn in chunks of at most this many indices


@dataclass
class Annotated:
    """A hand-annotated sample: gold and predicted label indices (into the same label list)."""

    gold: np.ndarray
    pred: np.ndarray

    def __post_init__(self) -> None:
        self.gold = np.asarray(self.gold, dtype=int)
        self.pred = np.asarray(self.pred, dtype=int)
        if self.gold.shape != self.pred.shape or self.gold.ndim != 1:
            raise StanceError("the annotated sample needs as many gold as predicted labels")
        if len(self.gold) == 0:
            raise StanceError("the annotated sample is empty")

    @classmethod
    def from_labels(cls, gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> Annotated:
        index = {label: i for i, label in enumerate(labels)}
        unknown = sorted({str(l) for l in (*gold, *pred) if l not in index})
        if unknown:
            raise StanceError(f"annotated sample has labels {unknown} outside {list(labels)}")
        return cls(np.array([index[g] for g in gold]), np.array([index[p] for p in pred]))


# --------------------------------------------------------------------------- the estimators
def misclassification_matrix(gold: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """``M[..., i, j] = P(pred=i | true=j)`` from label indices of shape (..., m); a true class with no
    example gets the identity column (no correction for it)."""
    gold, pred = np.atleast_2d(gold), np.atleast_2d(pred)
    b = gold.shape[0]
    flat = (np.arange(b)[:, None] * k * k + pred * k + gold).ravel()
    counts = np.bincount(flat, minlength=b * k * k).reshape(b, k, k).astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    eye = np.broadcast_to(np.eye(k), counts.shape)
    return np.where(totals > 0, counts / np.maximum(totals, 1), eye)


def project_simplex(v: np.ndarray) -> np.ndarray:
    """The Euclidean projection of each row of ``v`` (..., k) onto the probability simplex
    (Duchi et al. 2008): the closest vector of shares to an unconstrained solution."""
    v = np.asarray(v, dtype=float)
    k = v.shape[-1]
    u = -np.sort(-v, axis=-1)
    css = np.cumsum(u, axis=-1) - 1
    ind = np.arange(1, k + 1)
    cond = u - css / ind > 0
    rho = k - 1 - np.argmax(cond[..., ::-1], axis=-1)
    theta = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1)
    return np.maximum(v - theta, 0)


def adjust(p_observed: np.ndarray, m: np.ndarray) -> np.ndarray:
    """ACC: solve ``M p = p_observed`` (least squares, pseudo-inverse for a singular ``M``), then project
    onto the simplex. Works on stacks: ``p_observed`` (..., k), ``m`` (..., k, k)."""
    p = np.einsum("...ij,...j->...i", np.linalg.pinv(m), p_observed)
    return project_simplex(p)


def point_shares(pred: np.ndarray, proba: np.ndarray | None, k: int, annotated: Annotated | None) -> dict[str, np.ndarray]:
    """The estimates of one group: ``{estimator: shares (k,)}`` for the estimators its inputs allow."""
    cc = np.bincount(pred, minlength=k) / max(len(pred), 1)
    out = {"cc": cc}
    if proba is not None:
        out["pcc"] = proba.mean(axis=0)
    if annotated is not None:
        out["acc"] = adjust(cc, misclassification_matrix(annotated.gold, annotated.pred, k)[0])
    return out


def _cluster_draws(pred: np.ndarray, proba: np.ndarray | None, k: int, clusters: np.ndarray, n_bootstrap: int,
                   rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Resamples of whole clusters (e.g. the articles): cluster ``c`` drawn ``counts[b, c]`` times weighs
    each of its statements by that count in resample ``b``."""
    n = len(pred)
    _, clusters = np.unique(clusters, return_inverse=True)
    c = int(clusters.max()) + 1
    onehot = np.eye(k)[pred]
    cum = proba.cumsum(axis=-1) if proba is not None else None
    out: dict[str, list[np.ndarray]] = {"cc": [], "pcc": []}
    step = max(1, _CHUNK_CELLS // max(n * k, c, 1))
    for start in range(0, n_bootstrap, step):
        b = min(step, n_bootstrap - start)
        weights = rng.multinomial(c, np.full(c, 1 / c), size=b)[:, clusters].astype(float)  # (b, n)
        total = weights.sum(axis=1, keepdims=True)
        out["cc"].append(weights @ onehot / total)
        if cum is not None:
            drawn = np.minimum((rng.random((b, n, 1)) > cum[None]).sum(axis=-1), k - 1)
            out["pcc"].append(np.stack([(weights * (drawn == j)).sum(axis=1) for j in range(k)], axis=1) / total)
    return out


def _statement_draws(pred: np.ndarray, proba: np.ndarray | None, k: int, n_bootstrap: int,
                     rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Resamples of the statements one by one; for ``pcc`` each drawn statement's label is drawn from
    its probabilities."""
    n = len(pred)
    onehot = np.eye(k)[pred]
    out: dict[str, list[np.ndarray]] = {"cc": [], "pcc": []}
    step = max(1, _CHUNK_CELLS // max(n * k, 1))
    for start in range(0, n_bootstrap, step):
        idx = rng.integers(0, n, size=(min(step, n_bootstrap - start), n))
        out["cc"].append(onehot[idx].mean(axis=1))
        if proba is not None:
            cum = proba[idx].cumsum(axis=-1)
            drawn = np.minimum((rng.random(idx.shape + (1,)) > cum).sum(axis=-1), k - 1)
            out["pcc"].append(np.eye(k)[drawn].mean(axis=1))
    return out


def bootstrap_shares(pred: np.ndarray, proba: np.ndarray | None, k: int, annotated: Annotated | None,
                     n_bootstrap: int, rng: np.random.Generator, clusters: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """``{estimator: (n_bootstrap, k)}``: each resample draws the group's statements with replacement
    (whole clusters of them when ``clusters`` gives each statement's cluster, e.g. its article) and, for
    ``acc``, the annotated sample too."""
    if clusters is not None and len(np.unique(clusters)) < MIN_CLUSTERS:
        log.warning("a group has statements from only %d cluster(s) (articles): its interval resamples statements "
                    "and leaves out the dependence within articles", len(np.unique(clusters)))
        clusters = None
    if clusters is not None:
        out = _cluster_draws(pred, proba, k, np.asarray(clusters), n_bootstrap, rng)
    else:
        out = _statement_draws(pred, proba, k, n_bootstrap, rng)
    result = {"cc": np.concatenate(out["cc"])}
    if proba is not None:
        result["pcc"] = np.concatenate(out["pcc"])
    if annotated is not None:
        m_size = len(annotated.gold)
        ms = []
        step_a = max(1, _CHUNK_CELLS // m_size)
        for start in range(0, n_bootstrap, step_a):
            idx = rng.integers(0, m_size, size=(min(step_a, n_bootstrap - start), m_size))
            ms.append(misclassification_matrix(annotated.gold[idx], annotated.pred[idx], k))
        result["acc"] = adjust(result["cc"], np.concatenate(ms))
    return result


def estimate(pred: np.ndarray, proba: np.ndarray | None, k: int, *, annotated: Annotated | None = None,
             n_bootstrap: int = 1000, level: float = 0.95, rng: np.random.Generator | None = None,
             clusters: np.ndarray | None = None) -> dict[str, dict[str, np.ndarray]]:
    """One group's shares and intervals: ``{estimator: {"share", "low", "high"}}``, each of shape (k,).
    ``clusters``: each statement's cluster (article) for a bootstrap that resamples whole clusters."""
    rng = rng if rng is not None else np.random.default_rng(0)
    pred = np.asarray(pred, dtype=int)
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        proba = proba / proba.sum(axis=1, keepdims=True)
    points = point_shares(pred, proba, k, annotated)
    if n_bootstrap <= 0 or len(pred) == 0:
        return {name: {"share": p, "low": np.full(k, np.nan), "high": np.full(k, np.nan)} for name, p in points.items()}
    draws = bootstrap_shares(pred, proba, k, annotated, n_bootstrap, rng, clusters)
    alpha = (1 - level) / 2
    return {
        name: {"share": points[name], "low": np.quantile(draws[name], alpha, axis=0),
               "high": np.quantile(draws[name], 1 - alpha, axis=0)}
        for name in points
    }


# --------------------------------------------------------------------------- grouping records
def with_derived(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``frame`` with the derived grouping columns ``by`` asks for and the frame lacks (``pair``, ``month``)."""
    frame = frame.copy()
    if "pair" in by and "pair" not in frame:
        for column in ("speaker_party", "target_party"):
            if column not in frame:
                raise StanceError(f"grouping by pair needs {column!r}; the statements have no such field")
        frame["pair"] = frame["speaker_party"].fillna("unknown").astype(str) + " -> " + frame["target_party"].fillna("unknown").astype(str)
    if "month" in by and "month" not in frame:
        if "date" not in frame:
            raise StanceError("grouping by month needs a 'date' field; the statements have none")
        dates = pd.to_datetime(frame["date"], errors="coerce", utc=True, format="mixed")
        frame["month"] = dates.dt.strftime("%Y-%m").fillna("unknown")
    missing = [column for column in by if column not in frame]
    if missing:
        raise StanceError(f"cannot group by {missing}: the statements have no such field "
                          f"(fields: {sorted(map(str, frame.columns))}; derived: {sorted(DERIVED)})")
    return frame


def score_matrix(frame: pd.DataFrame, labels: Sequence[str]) -> np.ndarray | None:
    """The probabilities of ``frame`` as an (n, k) array: ``score_<label>`` columns or a ``scores`` dict column."""
    columns = [f"score_{label}" for label in labels]
    if all(c in frame for c in columns):
        values = frame[columns].to_numpy(dtype=float)
    elif "scores" in frame:
        values = np.array([[(s or {}).get(l, np.nan) if isinstance(s, dict) else np.nan for l in labels] for s in frame["scores"]], dtype=float)
    else:
        return None
    if np.isnan(values).any() or (values.sum(axis=1) <= 0).any():
        return None
    return values


def aggregate(
    frame: pd.DataFrame,
    by: Sequence[str],
    labels: Sequence[str],
    *,
    label_column: str = "predicted",
    annotated: Annotated | None = None,
    estimators: Sequence[str] = ESTIMATORS,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    min_statements: int = 1,
    cluster: str | None = None,
) -> pd.DataFrame:
    """The share of each label in each group of ``frame`` (one row per statement), by each estimator.

    ``by``: record fields to group by, or the derived ``pair`` and ``month`` (empty: all statements).
    ``label_column`` holds the predicted labels; probabilities are read from ``score_<label>`` columns
    (or a ``scores`` dict column) for ``pcc``; ``annotated`` gives ``acc`` its misclassification matrix.
    Returns a long table: the ``by`` columns, ``estimator``, ``label``, ``share``, ``low``, ``high``, ``n``.
    Groups with fewer than ``min_statements`` statements are left out.

    ``cluster``: a field whose values group statements that are not independent (``doc_id``: the
    statements of one article share its author, event and wording); the bootstrap then resamples whole
    clusters, which widens the intervals where statements cluster; a group with fewer than
    ``MIN_CLUSTERS`` clusters has its statements resampled (with a warning). None: statements are
    resampled one by one.
    """
    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown:
        raise StanceError(f"unknown estimator(s) {unknown}; valid: {list(ESTIMATORS)}")
    if label_column not in frame:
        raise StanceError(f"the statements have no {label_column!r} field with the predicted labels")
    labels = list(labels)
    outside = sorted(set(frame[label_column].dropna().astype(str)) - set(labels))
    if outside:
        raise StanceError(f"predicted labels {outside} are not among the labels {labels}")
    by = list(by)
    frame = with_derived(frame, by).reset_index(drop=True)
    if cluster is not None and cluster not in frame:
        raise StanceError(f"cannot resample by {cluster!r}: the statements have no such field")
    proba = score_matrix(frame, labels)
    if "pcc" in estimators and proba is None:
        log.warning("the statements carry no complete probabilities (scores): no pcc estimate")
    if "acc" in estimators and annotated is None:
        log.info("no annotated sample: no acc estimate")
    if annotated is not None:
        m = misclassification_matrix(annotated.gold, annotated.pred, len(labels))[0]
        if np.linalg.matrix_rank(m) < len(labels):
            log.warning("the classifier's confusion matrix on the annotated sample is singular (a label is never "
                        "predicted, or two classes are predicted alike): the adjusted estimate is not identified")
    index = {label: i for i, label in enumerate(labels)}
    pred = frame[label_column].map(index).to_numpy()
    rng = np.random.default_rng(seed)
    groups = frame.groupby(by, sort=True, dropna=False).indices if by else {(): np.arange(len(frame))}
    rows: list[dict[str, Any]] = []
    for key, rows_idx in groups.items():
        keep = rows_idx[~pd.isna(pred[rows_idx])]
        if len(keep) < max(1, min_statements):
            continue
        key = key if isinstance(key, tuple) else (key,)
        result = estimate(pred[keep].astype(int), proba[keep] if proba is not None else None, len(labels),
                          annotated=annotated, n_bootstrap=n_bootstrap, level=level, rng=rng,
                          clusters=frame[cluster].astype(str).to_numpy()[keep] if cluster else None)
        for name in estimators:
            if name not in result:
                continue
            for j, label in enumerate(labels):
                rows.append({**dict(zip(by, key)), "estimator": name, "label": label, "share": float(result[name]["share"][j]),
                             "low": float(result[name]["low"][j]), "high": float(result[name]["high"][j]), "n": int(len(keep))})
    columns = [*by, "estimator", "label", "share", "low", "high", "n"]
    return pd.DataFrame(rows, columns=columns)


def gold_shares(frame: pd.DataFrame, by: Sequence[str], labels: Sequence[str], gold_column: str = "gold") -> pd.DataFrame:
    """The hand-annotated share of each label per group, in the long format of :func:`aggregate`
    (``estimator`` = ``gold``, no interval): what the estimators are compared against."""
    frame = with_derived(frame, list(by))
    rows = []
    groups = frame.groupby(list(by), sort=True, dropna=False) if by else [((), frame)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        counts = group[gold_column].value_counts()
        n = int(counts.sum())
        for label in labels:
            rows.append({**dict(zip(by, key)), "estimator": "gold", "label": label,
                         "share": float(counts.get(label, 0)) / max(n, 1), "low": np.nan, "high": np.nan, "n": n})
    return pd.DataFrame(rows, columns=[*by, "estimator", "label", "share", "low", "high", "n"])


def wide(table: pd.DataFrame, label: str, by: Sequence[str], digits: int = 3) -> pd.DataFrame:
    """One label's shares as ``share [low, high]`` strings: one row per group (with its ``n``), one column
    per estimator (``gold`` first when the table has it)."""
    part = table[table["label"] == label].copy()
    part["cell"] = [
        f"{s:.{digits}f}" if pd.isna(lo) else f"{s:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
        for s, lo, hi in zip(part["share"], part["low"], part["high"])
    ]
    index = list(by)
    if not index:
        part["group"] = "all"
        index = ["group"]
    part[index] = part[index].astype(object).where(part[index].notna(), "(none)")
    cells = part.pivot(index=index, columns="estimator", values="cell")
    order = [e for e in ("gold", *ESTIMATORS) if e in cells.columns]
    cells = cells[order]
    cells.insert(0, "n", part.groupby(index)["n"].max())
    return cells


def format_shares(table: pd.DataFrame, by: Sequence[str]) -> str:
    """The table as markdown, one section per label: ``share [low, high]`` per group and estimator."""
    parts = []
    for label in dict.fromkeys(table["label"]):
        parts.append(f"share {label}\n\n" + markdown_table(wide(table, label, by)))
    return "\n".join(parts)


def write_shares(table: pd.DataFrame, by: Sequence[str], output: str | None = None) -> str:
    """``stance aggregate``: write the long table as CSV (a new file only) and return the markdown summary."""
    if output is not None:
        from .io import atomic_write, check_output_file

        path = check_output_file(output)
        if path.exists():
            from .errors import InputError

            raise InputError(path, "exists; the shares are written to a new file only")
        with atomic_write(path) as handle:
            table.to_csv(handle, index=False)
        log.info("wrote %d rows to %s", len(table), path)
    return format_shares(table, by)


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame (its index as leading columns) as a markdown table; cell text is escaped (``|``, newlines)."""
    flat = frame.reset_index()

    def cell(value: Any) -> str:
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in flat.columns) + " |", "|" + "---|" * len(flat.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join(lines) + "\n"
