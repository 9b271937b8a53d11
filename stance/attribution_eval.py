"""Attribution extraction scored per article, with bootstrap intervals and paired comparisons over articles.

The matching is :func:`stance.extraction_eval.match_statements` (one-to-one within an article by content
token overlap). Per article it counts gold and predicted statements, the pairs at token Jaccard >= 0.5
and exact, and on the found pairs whose gold has a source (cue) span, those whose predicted speaker
(cue) span overlaps it: **source accuracy** is the speaker as written ("he"), not the resolved entity.
Intervals resample articles (the unit the annotators worked in), so statements of one article move
together. Evaluation never imports a model: it scores records.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .extraction_eval import OVERLAP_THRESHOLD, match_statements, quoted_of, spans_overlap

FIELDS = ("n_gold", "n_pred", "found", "exact", "source_n", "source_ok", "cue_n", "cue_ok")


def article_counts(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]],
                   doc_ids: Sequence[str], *, kind: str | None = None,
                   threshold: float = OVERLAP_THRESHOLD) -> np.ndarray:
    """An (articles x FIELDS) count matrix; ``kind`` keeps the gold and predicted statements of one kind
    (``quoted`` / ``unquoted``: by the ``quoted`` field, else a ``kind`` of direct or mixed; or a
    ``kind`` value)."""
    def keep(r: Mapping[str, Any]) -> bool:
        if kind is None:
            return True
        if kind in ("quoted", "unquoted"):
            return (quoted_of(r) != "none") == (kind == "quoted")
        return r.get("kind") == kind

    gold = [g for g in gold if keep(g)]
    pred = [p for p in pred if keep(p)]
    row = {d: k for k, d in enumerate(doc_ids)}
    counts = np.zeros((len(doc_ids), len(FIELDS)), dtype=np.int64)
    col = {f: k for k, f in enumerate(FIELDS)}
    for g in gold:
        counts[row[str(g["doc_id"])], col["n_gold"]] += 1
    for p in pred:
        if str(p["doc_id"]) in row:
            counts[row[str(p["doc_id"])], col["n_pred"]] += 1
    pred = [p for p in pred if str(p["doc_id"]) in row]
    for m in match_statements(gold, pred):
        g, p = gold[m.gold], pred[m.pred]
        r = row[str(g["doc_id"])]
        counts[r, col["exact"]] += m.exact
        if m.overlap < threshold:
            continue
        counts[r, col["found"]] += 1
        for prefix, name in (("speaker", "source"), ("cue", "cue")):
            if isinstance(g.get(f"{prefix}_start"), int):
                counts[r, col[f"{name}_n"]] += 1
                counts[r, col[f"{name}_ok"]] += spans_overlap(g, p, prefix)
    return counts


def _metrics(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics from summed counts (last axis: FIELDS); works on one row or a batch of resamples."""
    s = {f: sums[..., k].astype(float) for k, f in enumerate(FIELDS)}
    with np.errstate(divide="ignore", invalid="ignore"):
        p, r = s["found"] / s["n_pred"], s["found"] / s["n_gold"]
        pe, re_ = s["exact"] / s["n_pred"], s["exact"] / s["n_gold"]
        return {"precision": p, "recall": r, "f1": np.where(p + r > 0, 2 * p * r / (p + r), 0.0),
                "exact_f1": np.where(pe + re_ > 0, 2 * pe * re_ / (pe + re_), 0.0),
                "source_accuracy": s["source_ok"] / s["source_n"], "cue_accuracy": s["cue_ok"] / s["cue_n"]}


def _resamples(n: int, n_bootstrap: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))


def summarize(counts: np.ndarray, *, n_bootstrap: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
    """Point values and percentile bootstrap intervals over articles of :func:`_metrics`."""
    point = {k: float(v) for k, v in _metrics(counts.sum(0)).items()}
    out: dict[str, Any] = {k: {"point": None if np.isnan(v) else round(v, 4)} for k, v in point.items()}
    totals = counts.sum(0)
    out["counts"] = {f: int(totals[k]) for k, f in enumerate(FIELDS)}
    if n_bootstrap and len(counts):
        boot = _metrics(counts[_resamples(len(counts), n_bootstrap, seed)].sum(1))
        a = (1 - confidence) / 2
        for k, v in boot.items():
            v = v[~np.isnan(v)]
            if len(v):
                out[k]["low"], out[k]["high"] = round(float(np.quantile(v, a)), 4), round(float(np.quantile(v, 1 - a)), 4)
    return out


def paired(counts_a: np.ndarray, counts_b: np.ndarray, *, n_bootstrap: int = 1000, seed: int = 0,
           confidence: float = 0.95) -> dict[str, Any]:
    """A - B on the same article resamples: the difference, its interval and a two-sided p-value (the
    share of resampled differences on the other side of zero, doubled)."""
    ma, mb = _metrics(counts_a.sum(0)), _metrics(counts_b.sum(0))
    idx = _resamples(len(counts_a), n_bootstrap, seed)
    ba, bb = _metrics(counts_a[idx].sum(1)), _metrics(counts_b[idx].sum(1))
    a = (1 - confidence) / 2
    out = {}
    for k in ("f1", "exact_f1", "source_accuracy", "cue_accuracy"):
        d = ba[k] - bb[k]
        d = d[~np.isnan(d)]
        delta = float(ma[k] - mb[k])
        if not len(d) or np.isnan(delta):
            continue
        p = min(1.0, 2 * min(float(np.mean(d <= 0)), float(np.mean(d >= 0))))
        out[k] = {"delta": round(delta, 4), "low": round(float(np.quantile(d, a)), 4),
                  "high": round(float(np.quantile(d, 1 - a)), 4), "p": round(p, 4)}
    return out


def score_articles(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]], doc_ids: Sequence[str],
                   *, n_bootstrap: int = 0, seed: int = 0) -> dict[str, Any]:
    """Overall and per-kind metrics (``content_overlap`` P/R/F1, ``exact_f1``, ``source``/``cue`` accuracy),
    with intervals when ``n_bootstrap``."""
    def block(kind: str | None) -> dict[str, Any]:
        s = summarize(article_counts(gold, pred, doc_ids, kind=kind), n_bootstrap=n_bootstrap, seed=seed)
        return {"content_overlap": {"precision": s["precision"]["point"], "recall": s["recall"]["point"],
                                    "f1": s["f1"]["point"], "f1_ci": [s["f1"].get("low"), s["f1"].get("high")]},
                "exact_f1": s["exact_f1"]["point"],
                "source": {"accuracy": s["source_accuracy"]["point"],
                           "ci": [s["source_accuracy"].get("low"), s["source_accuracy"].get("high")]},
                "cue": {"accuracy": s["cue_accuracy"]["point"]},
                "counts": s["counts"]}

    out = block(None)
    out["by_quote"] = {k: block(k) for k in ("quoted", "unquoted")}
    return out


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def format_table(systems: Mapping[str, Mapping[str, Any]], title: str = "") -> str:
    """One row per system: content P/R/F1 [CI], exact F1, source accuracy [CI], cue accuracy."""
    lines = [title] if title else []
    lines.append(f"{'system':14s}{'P':>7s}{'R':>7s}{'F1':>7s}{'F1 95% CI':>16s}{'exact':>7s}{'source':>8s}"
                 f"{'source CI':>16s}{'cue':>7s}{'gold':>6s}{'pred':>6s}")
    for name, m in systems.items():
        c, s = m["content_overlap"], m["source"]
        ci = "[{} {}]".format(*map(_fmt, c.get("f1_ci") or [None, None]))
        sci = "[{} {}]".format(*map(_fmt, s.get("ci") or [None, None]))
        lines.append(f"{name:14s}{_fmt(c['precision']):>7s}{_fmt(c['recall']):>7s}{_fmt(c['f1']):>7s}{ci:>16s}"
                     f"{_fmt(m['exact_f1']):>7s}{_fmt(s['accuracy']):>8s}{sci:>16s}{_fmt(m['cue']['accuracy']):>7s}"
                     f"{m['counts']['n_gold']:>6d}{m['counts']['n_pred']:>6d}")
    return "\n".join(lines)
