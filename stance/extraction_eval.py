"""Scoring extracted statements against hand-annotated spans (``stance evaluate --task extraction``).

Within each ``doc_id``, gold and predicted statements are matched one to one by content-span
overlap: the pairing maximises the summed token overlap (Hungarian algorithm), and pairs that
share no token stay unmatched. A content's tokens are its words (``\\w+``) with their character
offsets in the article, counted only inside ``fragments`` when a statement has them.

- **token overlap** of two spans: shared tokens / tokens in either (Jaccard);
- **exact**: the same ``start``/``end`` (and the same fragments when both list them);
- precision = matched predictions meeting the criterion / predictions, recall = / gold, F1;
- on the pairs that meet the overlap criterion (>= 0.5), the "found" statements:
  **speaker accuracy** (gold and predicted speaker, or canonical names, share at least half
  their words, articles and case ignored; or their speaker spans overlap), **speaker party**,
  **target party** and **party** accuracy (both parties right; pairs whose gold has no party
  field are left out), and **kind** accuracy;
- everything overall and per ``kind``: recall over the gold statements of that kind, precision
  over the predictions of that kind.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import check_output_dir, claim_run_dir, iter_jsonl, write_group, write_json
from .schema import statement_key, validate_statement

log = logging.getLogger(__name__)

OVERLAP_THRESHOLD = 0.5
_TOKEN = re.compile(r"\w+")
_ARTICLES = frozenset({"the", "a", "an"})


@dataclass(frozen=True)
class Match:
    """One matched pair: indices into the gold and predicted lists, and their token overlap."""

    gold: int
    pred: int
    overlap: float
    exact: bool


# ---------------------------------------------------------------------- reading
def read_extraction_file(path: str | Path) -> list[dict[str, Any]]:
    """Statements with ``doc_id``, ``statement_id``, ``start``, ``end`` and ``content`` (or
    ``text``); optional ``fragments``. Bad records are InputErrors naming file, line and field."""
    out = []
    seen: dict[tuple[str, str], int] = {}
    for line, obj in iter_jsonl(path):
        record = validate_statement(obj, path=path, line=line, require_text=False)
        content = record.get("content", record.get("text"))
        if not isinstance(content, str):
            raise InputError(path, "missing content (a string)", line=line, field="content")
        for name in ("start", "end"):
            value = record.get(name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(path, f"expected an integer offset, got {type(value).__name__}", line=line, field=name)
        start, end = record["start"], record["end"]
        if not 0 <= start <= end:
            raise InputError(path, f"bad span [{start}, {end})", line=line, field="start")
        if end - start != len(content):
            raise InputError(path, f"span [{start}, {end}) has length {end - start} but content has {len(content)} "
                             "characters", line=line, field="end")
        fragments = record.get("fragments")
        if fragments is not None:
            if not isinstance(fragments, list) or not all(
                isinstance(f, list) and len(f) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in f)
                and start <= f[0] < f[1] <= end for f in fragments
            ):
                raise InputError(path, f"expected a list of [start, end] pairs inside [{start}, {end}]",
                                 line=line, field="fragments")
        key = statement_key(record)
        if key in seen:
            raise InputError(path, f"duplicated id {key}, first on line {seen[key]}", line=line, field="statement_id")
        seen[key] = line
        record["content"] = content
        out.append(record)
    return out


# ---------------------------------------------------------------------- matching
def content_tokens(record: Mapping[str, Any]) -> frozenset[tuple[int, int]]:
    """The words of a statement's content as article character spans (only inside fragments)."""
    start, content = record["start"], record["content"]
    pieces = record.get("fragments") or [[start, start + len(content)]]
    tokens = set()
    for f_start, f_end in pieces:
        piece = content[f_start - start : f_end - start]
        tokens.update((f_start + m.start(), f_start + m.end()) for m in _TOKEN.finditer(piece))
    if not tokens:  # no words at all: fall back to characters
        tokens = {(start + k, start + k + 1) for k in range(len(content))}
    return frozenset(tokens)


def token_overlap(a: frozenset[tuple[int, int]], b: frozenset[tuple[int, int]]) -> float:
    """Shared tokens / tokens in either (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _same_span(g: Mapping[str, Any], p: Mapping[str, Any]) -> bool:
    if (g["start"], g["end"]) != (p["start"], p["end"]):
        return False
    gf, pf = g.get("fragments"), p.get("fragments")
    return gf is None or pf is None or [list(f) for f in gf] == [list(f) for f in pf]


def match_statements(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]) -> list[Match]:
    """One-to-one matching within each doc_id that maximises the summed token overlap."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    by_doc: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, g in enumerate(gold):
        by_doc[str(g["doc_id"])][0].append(i)
    for j, p in enumerate(pred):
        by_doc[str(p["doc_id"])][1].append(j)
    gold_tokens = [content_tokens(g) for g in gold]
    pred_tokens = [content_tokens(p) for p in pred]
    matches = []
    for doc_id in sorted(by_doc):
        g_idx, p_idx = by_doc[doc_id]
        if not g_idx or not p_idx:
            continue
        scores = np.array([[token_overlap(gold_tokens[i], pred_tokens[j]) for j in p_idx] for i in g_idx])
        rows, cols = linear_sum_assignment(-scores)
        for r, c in zip(rows, cols):
            if scores[r, c] > 0:
                i, j = g_idx[r], p_idx[c]
                matches.append(Match(i, j, float(scores[r, c]), _same_span(gold[i], pred[j])))
    return sorted(matches, key=lambda m: (m.gold, m.pred))


# ---------------------------------------------------------------------- metrics
def _words(text: Any) -> set[str]:
    if not isinstance(text, str):
        return set()
    words = {w.lower() for w in _TOKEN.findall(text.replace("’", "'"))}
    return words - _ARTICLES


def speaker_matches(g: Mapping[str, Any], p: Mapping[str, Any]) -> bool:
    """Gold and predicted speakers name the same source (see the module docstring)."""
    spans = (g.get("speaker_start"), g.get("speaker_end"), p.get("speaker_start"), p.get("speaker_end"))
    if all(isinstance(x, int) for x in spans) and spans[0] < spans[3] and spans[2] < spans[1]:
        return True
    for gs in (g.get("speaker"), g.get("speaker_canonical")):
        for ps in (p.get("speaker"), p.get("speaker_canonical")):
            a, b = _words(gs), _words(ps)
            if a and b and len(a & b) / len(a | b) >= 0.5:
                return True
    return False


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict[str, float | None]:
    precision = tp_pred / n_pred if n_pred else None
    recall = tp_gold / n_gold if n_gold else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _accuracy(flags: list[bool]) -> dict[str, float | int | None]:
    return {"accuracy": sum(flags) / len(flags) if flags else None, "n": len(flags)}


def _block(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]], matches: list[Match],
           gold_in: set[int], pred_in: set[int], threshold: float) -> dict[str, Any]:
    found = [m for m in matches if m.overlap >= threshold]
    out: dict[str, Any] = {"n_gold": len(gold_in), "n_pred": len(pred_in)}
    for name, ok in (("exact", [m for m in matches if m.exact]), ("overlap", found)):
        out[name] = _prf(sum(m.pred in pred_in for m in ok), len(pred_in), sum(m.gold in gold_in for m in ok), len(gold_in))
    scored = [m for m in found if m.gold in gold_in]
    out["found"] = len(scored)
    out["speaker"] = _accuracy([speaker_matches(gold[m.gold], pred[m.pred]) for m in scored])
    party_pairs = {
        name: [(gold[m.gold].get(name), pred[m.pred].get(name)) for m in scored if name in gold[m.gold]]
        for name in ("speaker_party", "target_party")
    }
    out["speaker_party"] = _accuracy([g == p for g, p in party_pairs["speaker_party"]])
    out["target_party"] = _accuracy([g == p for g, p in party_pairs["target_party"]])
    both = [m for m in scored if "speaker_party" in gold[m.gold] and "target_party" in gold[m.gold]]
    out["party"] = _accuracy([
        gold[m.gold].get("speaker_party") == pred[m.pred].get("speaker_party")
        and gold[m.gold].get("target_party") == pred[m.pred].get("target_party") for m in both
    ])
    kinds = [m for m in scored if gold[m.gold].get("kind") is not None]
    out["kind"] = _accuracy([gold[m.gold].get("kind") == pred[m.pred].get("kind") for m in kinds])
    return out


def evaluate_extraction(
    gold: Sequence[Mapping[str, Any]],
    pred: Sequence[Mapping[str, Any]],
    *,
    threshold: float = OVERLAP_THRESHOLD,
) -> dict[str, Any]:
    """Metrics of predicted statements against gold ones (see the module docstring)."""
    matches = match_statements(gold, pred)
    metrics: dict[str, Any] = {"task": "extraction", "overlap_threshold": threshold, "n_matched": len(matches)}
    metrics.update(_block(gold, pred, matches, set(range(len(gold))), set(range(len(pred))), threshold))
    kinds = sorted({str(r.get("kind")) for r in [*gold, *pred] if r.get("kind") is not None})
    metrics["per_kind"] = {
        kind: _block(gold, pred, matches,
                     {i for i, g in enumerate(gold) if g.get("kind") == kind},
                     {j for j, p in enumerate(pred) if p.get("kind") == kind}, threshold)
        for kind in kinds
    }
    found = {m.gold: m for m in matches if m.overlap >= threshold}
    hit = {m.pred for m in found.values()}
    metrics["missed"] = [list(statement_key(g)) for i, g in enumerate(gold) if i not in found]
    metrics["extra"] = [list(statement_key(p)) for j, p in enumerate(pred) if j not in hit]
    metrics["pairs"] = [
        {"gold": list(statement_key(gold[m.gold])), "pred": list(statement_key(pred[m.pred])),
         "overlap": round(m.overlap, 4), "exact": m.exact, "speaker": speaker_matches(gold[m.gold], pred[m.pred])}
        for m in matches
    ]
    return metrics


def evaluate_extraction_files(gold: str, pred: str, output_dir: str | None = None) -> dict[str, Any]:
    """``stance evaluate --task extraction``: score ``pred`` against ``gold``; write
    ``metrics.json`` into ``output_dir`` (atomically) when given."""
    if output_dir is not None:
        check_output_dir(output_dir, inputs=[gold, pred])
        claim_run_dir(output_dir, "evaluate", ("metrics.json",), reuse=True, dry_run=True)
    gold_rows = read_extraction_file(gold)
    pred_rows = read_extraction_file(pred)
    gold_docs = {str(r["doc_id"]) for r in gold_rows}
    stray = sorted({str(r["doc_id"]) for r in pred_rows} - gold_docs)
    if stray:
        log.warning("%d predicted doc_id(s) have no gold statements (their statements count as extra): %s",
                    len(stray), ", ".join(stray[:5]))
    metrics = evaluate_extraction(gold_rows, pred_rows)
    metrics["gold"] = str(gold)
    metrics["pred"] = str(pred)
    if output_dir is not None:
        with write_group():
            claim_run_dir(output_dir, "evaluate", ("metrics.json",), reuse=True)
            write_json(Path(output_dir) / "metrics.json", metrics)
        log.info("wrote %s", Path(output_dir) / "metrics.json")
    return metrics


# ---------------------------------------------------------------------- summary
def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_extraction_summary(metrics: Mapping[str, Any]) -> str:
    """A short plain-text table of the extraction metrics (what the CLI prints)."""
    t = metrics.get("overlap_threshold", OVERLAP_THRESHOLD)
    head = f"{metrics.get('pred', 'predictions')} vs {metrics.get('gold', 'gold')}: " if "pred" in metrics else ""
    lines = [
        f"{head}{metrics['n_gold']} gold, {metrics['n_pred']} predicted statements; "
        f"{metrics['found']} found (token overlap >= {t}), {len(metrics.get('extra', []))} extra",
        "",
        f"{'':18s}{'precision':>10s}{'recall':>10s}{'f1':>10s}",
    ]
    for name, label in (("exact", "exact span"), ("overlap", f"overlap >= {t}")):
        m = metrics[name]
        lines.append(f"{label:18s}{_num(m['precision']):>10s}{_num(m['recall']):>10s}{_num(m['f1']):>10s}")
    lines.append("")
    lines.append(f"{'on found pairs':18s}{'accuracy':>10s}{'n':>10s}")
    for name in ("speaker", "speaker_party", "target_party", "party", "kind"):
        m = metrics[name]
        lines.append(f"{name:18s}{_num(m['accuracy']):>10s}{m['n']:>10d}")
    if metrics.get("per_kind"):
        lines.append("")
        lines.append(f"{'kind':10s}{'gold':>6s}{'pred':>6s}{'P':>8s}{'R':>8s}{'F1':>8s}{'exact F1':>10s}{'speaker':>9s}")
        for kind, m in metrics["per_kind"].items():
            o = m["overlap"]
            lines.append(f"{kind:10s}{m['n_gold']:>6d}{m['n_pred']:>6d}{_num(o['precision']):>8s}{_num(o['recall']):>8s}"
                         f"{_num(o['f1']):>8s}{_num(m['exact']['f1']):>10s}{_num(m['speaker']['accuracy']):>9s}")
    return "\n".join(lines)
