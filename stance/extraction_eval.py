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


def read_gold(gold: str, *, annotators: str = "first") -> list[dict[str, Any]] | None:
    """The gold attributions a corpus spec names (``polnear:dev``), else ``None`` (a file)."""
    from .corpora.polnear import gold_statements, parse_spec

    split = parse_spec(gold) if not Path(gold).exists() else None
    return gold_statements(split, annotators=annotators) if split is not None else None  # type: ignore[arg-type]


def align_to_gold_sets(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Predictions copied once per gold set of their article: with every annotator's file a gold set
    (doc_id ``NAME@ANNOTATOR``), the statements of article ``NAME`` are scored against each."""
    sets: dict[str, list[str]] = defaultdict(list)
    for doc_id in dict.fromkeys(str(g["doc_id"]) for g in gold):
        sets[doc_id.split("@", 1)[0]].append(doc_id)
    return [{**p, "doc_id": doc_id} for p in pred for doc_id in sets.get(str(p["doc_id"]), [str(p["doc_id"])])]


def evaluate_extraction_files(gold: str, pred: str, output_dir: str | None = None, *, annotators: str = "first",
                              n_bootstrap: int = 1000, seed: int = 0) -> dict[str, Any]:
    """``stance evaluate --task extraction``: score ``pred`` against ``gold``; write
    ``metrics.json`` into ``output_dir`` (atomically) when given.

    ``gold`` is a JSONL file of statements (scored by :func:`evaluate_extraction`) or an annotated
    corpus spec such as ``polnear:dev`` (scored by :func:`score_attributions`, with ``n_bootstrap``
    and ``seed`` for the CIs; ``annotators="all"`` scores against every annotator's file)."""
    corpus = read_gold(gold, annotators=annotators)
    if output_dir is not None:
        check_output_dir(output_dir, inputs=[pred] if corpus is not None else [gold, pred])
        claim_run_dir(output_dir, "evaluate", ("metrics.json",), reuse=True, dry_run=True)
    gold_rows = corpus if corpus is not None else read_extraction_file(gold)
    pred_rows = read_extraction_file(pred)
    if corpus is not None and annotators == "all":
        pred_rows = align_to_gold_sets(gold_rows, pred_rows)
    gold_docs = {str(r["doc_id"]) for r in gold_rows}
    stray = sorted({str(r["doc_id"]) for r in pred_rows} - gold_docs)
    if stray:
        log.warning("%d predicted doc_id(s) have no gold statements (their statements count as extra): %s",
                    len(stray), ", ".join(stray[:5]))
    if corpus is not None:
        metrics = score_attributions(gold_rows, pred_rows, n_bootstrap=n_bootstrap, seed=seed)
        metrics["annotators"] = annotators
    else:
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
    if metrics.get("scheme") == "attribution":
        return format_attribution_summary(metrics)
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


# ---------------------------------------------------------------------- attribution benchmark
# Scoring against a corpus of attribution spans (PolNeAR, PARC): source and cue as spans of the
# article, content splits by quotation and by kind of cue, per-rule rows, bootstrap CIs over
# articles. :func:`score_attributions` is pure: records in, a metrics dict out.
_QUOTED_OF_KIND = {"direct": "full", "mixed": "partial", "indirect": "none", "reported": "none"}
QUOTED = ("full", "partial", "none")
# per-article counts behind every number (summed, then divided; the bootstrap resamples articles)
_COUNTS = ("n_gold", "n_pred", "tp_gold", "tp_pred", "exact_gold", "exact_pred",
           "source_ok", "source_n", "cue_ok", "cue_n")


def _pieces(record: Mapping[str, Any], prefix: str) -> list[tuple[int, int]]:
    frags = record.get(f"{prefix}_fragments")
    if frags:
        return [(int(a), int(b)) for a, b in frags]
    start, end = record.get(f"{prefix}_start"), record.get(f"{prefix}_end")
    if isinstance(start, int) and isinstance(end, int) and start < end:
        return [(start, end)]
    return []


def spans_overlap(gold: Mapping[str, Any], pred: Mapping[str, Any], prefix: str) -> bool:
    """Whether the ``prefix`` spans (``speaker``, ``cue``) of two records share a character."""
    return any(a < d and c < b for a, b in _pieces(gold, prefix) for c, d in _pieces(pred, prefix))


def quoted_of(record: Mapping[str, Any]) -> str:
    """``full`` / ``partial`` / ``none``: the record's ``quoted`` field, else read from its ``kind``."""
    value = record.get("quoted")
    if value in QUOTED:
        return str(value)
    return _QUOTED_OF_KIND.get(str(record.get("kind")), "none")


def cue_type_of(record: Mapping[str, Any]) -> str:
    """``speech`` / ``internal``: the record's ``cue_type``, else sorted from its cue's words."""
    from .cues import SPEECH, cue_type

    value = record.get("cue_type")
    return str(value) if value else (cue_type(record.get("cue")) or SPEECH)


def nested_predictions(pred: Sequence[Mapping[str, Any]]) -> set[int]:
    """Indices of predictions whose cue or content lies inside another prediction's content of the
    same article (a corpus that gives each token one attribution at most has no such gold)."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(pred):
        by_doc[str(p["doc_id"])].append(j)
    out = set()
    for idx in by_doc.values():
        for j in idx:
            p = pred[j]
            cue = p.get("cue_start")
            for k in idx:
                if k == j:
                    continue
                q = pred[k]
                pieces = q.get("fragments") or [[q["start"], q["end"]]]
                inside_cue = isinstance(cue, int) and any(a <= cue < b for a, b in pieces)
                inside_content = q["start"] <= p["start"] and p["end"] <= q["end"] and (q["start"], q["end"]) != (
                    p["start"], p["end"])
                if inside_cue or inside_content:
                    out.add(j)
                    break
    return out


def merge_same_cue(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Statements of one article that share a cue span as one attribution, the way PolNeAR and
    PARC annotate them: '"A," he said. "B."' is one attribution with two content fragments, where
    the extractor writes one statement per quote (the second carries the first's cue). The merged
    record keeps the first statement's fields; its ``fragments`` are every piece of the merged
    ones, its ``content`` those pieces at their offsets with spaces between (scoring reads only
    the words inside fragments). Records without a cue span stay as they are."""
    groups: dict[tuple[str, int, int], list[Mapping[str, Any]]] = {}
    out: list[Any] = []
    for r in records:
        cue = (r.get("cue_start"), r.get("cue_end"))
        if not all(isinstance(x, int) for x in cue):
            out.append(dict(r))
            continue
        key = (str(r["doc_id"]), cue[0], cue[1])
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append(r)
    merged = []
    for item in out:
        if isinstance(item, dict):
            merged.append(item)
            continue
        group = groups[item]
        first = dict(group[0])
        if len(group) > 1:
            pieces = sorted({(int(a), int(b)) for r in group
                             for a, b in (r.get("fragments") or [[r["start"], r["end"]]])})
            start, end = pieces[0][0], max(b for _, b in pieces)
            chars = [" "] * (end - start)
            for r in group:
                chars[r["start"] - start : r["end"] - start] = r["content"]
            first.update(start=start, end=end, content="".join(chars), fragments=[list(f) for f in pieces],
                         merged=[str(r["statement_id"]) for r in group])
        merged.append(first)
    return merged


def _ratio(num: Any, den: Any) -> Any:
    import numpy as np

    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _numbers(c: Mapping[str, Any]) -> dict[str, Any]:
    """Metrics from summed counts (arrays: one value per bootstrap sample)."""
    import numpy as np

    out = {}
    for name, tp_p, tp_g in (("overlap", "tp_pred", "tp_gold"), ("exact", "exact_pred", "exact_gold")):
        p, r = _ratio(c[tp_p], c["n_pred"]), _ratio(c[tp_g], c["n_gold"])
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
        f = np.where(np.isnan(p) | np.isnan(r), np.nan, f)
        out[f"{name}_precision"], out[f"{name}_recall"], out[f"{name}_f1"] = p, r, f
    out["source_accuracy"] = _ratio(c["source_ok"], c["source_n"])
    out["cue_accuracy"] = _ratio(c["cue_ok"], c["cue_n"])
    return out


def _value(x: Any) -> float | None:
    x = float(x)
    return None if x != x else round(x, 4)


class _Scorer:
    """Counts per article for subsets of gold, predictions and matched pairs; bootstrap weights shared
    by every subset, so that all CIs come from the same resampled article sets."""

    def __init__(self, gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]], matches: list[Match],
                 threshold: float, n_bootstrap: int, seed: int, docs: Sequence[str] | None = None) -> None:
        import numpy as np

        self.gold, self.pred = gold, pred
        self.docs = list(docs) if docs is not None else sorted({str(r["doc_id"]) for r in [*gold, *pred]})
        index = {d: k for k, d in enumerate(self.docs)}
        self.gold_doc = [index[str(g["doc_id"])] for g in gold]
        self.pred_doc = [index[str(p["doc_id"])] for p in pred]
        self.found = [m for m in matches if m.overlap >= threshold]
        self.exact = [m for m in matches if m.exact]
        self.source = {m.gold: spans_overlap(gold[m.gold], pred[m.pred], "speaker") for m in self.found}
        self.cue = {m.gold: spans_overlap(gold[m.gold], pred[m.pred], "cue") for m in self.found}
        rng = np.random.default_rng(seed)
        n = len(self.docs)
        self.weights = rng.multinomial(n, [1 / n] * n, size=n_bootstrap) if n and n_bootstrap > 0 else None

    def counts(self, gold_in: set[int], pred_in: set[int], *, pairs: str = "any") -> Any:
        """An (articles x ``_COUNTS``) matrix. Recall counts the gold of ``gold_in`` matched (by any
        prediction, or with ``pairs="pred"`` by one of ``pred_in``); precision the predictions of
        ``pred_in`` matched; source and cue accuracy are over the found pairs whose gold is in
        ``gold_in`` (and prediction in ``pred_in`` with ``pairs="pred"``)."""
        import numpy as np

        counts = np.zeros((len(self.docs), len(_COUNTS)))
        col = {name: k for k, name in enumerate(_COUNTS)}
        for i in gold_in:
            counts[self.gold_doc[i], col["n_gold"]] += 1
        for j in pred_in:
            counts[self.pred_doc[j], col["n_pred"]] += 1

        def gold_side(m: Match) -> bool:
            return m.gold in gold_in and (pairs != "pred" or m.pred in pred_in)

        for m in self.found:
            d = self.gold_doc[m.gold]
            if m.pred in pred_in:
                counts[d, col["tp_pred"]] += 1
            if gold_side(m):
                counts[d, col["tp_gold"]] += 1
                g = self.gold[m.gold]
                if _pieces(g, "speaker"):
                    counts[d, col["source_n"]] += 1
                    counts[d, col["source_ok"]] += self.source[m.gold]
                if _pieces(g, "cue"):
                    counts[d, col["cue_n"]] += 1
                    counts[d, col["cue_ok"]] += self.cue[m.gold]
        for m in self.exact:
            d = self.gold_doc[m.gold]
            counts[d, col["exact_pred"]] += m.pred in pred_in
            counts[d, col["exact_gold"]] += gold_side(m)
        return counts

    def block(self, gold_in: set[int], pred_in: set[int], *, pairs: str = "any") -> dict[str, Any]:
        """Counts and metrics with CIs over :meth:`counts`."""
        import numpy as np

        counts = self.counts(gold_in, pred_in, pairs=pairs)
        col = {name: k for k, name in enumerate(_COUNTS)}
        total = counts.sum(axis=0)
        point = _numbers({name: total[k] for name, k in col.items()})
        out: dict[str, Any] = {name: int(total[col[name]]) for name in ("n_gold", "n_pred")}
        out["found"] = int(total[col["tp_gold"]])
        out["matched_pred"] = int(total[col["tp_pred"]])
        samples = None
        if self.weights is not None:
            boot = self.weights @ counts
            samples = _numbers({name: boot[:, k] for name, k in col.items()})
        for name, value in point.items():
            entry: dict[str, Any] = {"value": _value(value)}
            if samples is not None:
                s = samples[name][~np.isnan(samples[name])]
                entry["ci95"] = [round(float(np.percentile(s, 2.5)), 4), round(float(np.percentile(s, 97.5)), 4)] \
                    if len(s) else None
            out[name] = entry
        out["source_n"] = int(total[col["source_n"]])
        out["cue_n"] = int(total[col["cue_n"]])
        return out


def score_attributions(
    gold: Sequence[Mapping[str, Any]],
    pred: Sequence[Mapping[str, Any]],
    *,
    threshold: float = OVERLAP_THRESHOLD,
    n_bootstrap: int = 1000,
    seed: int = 0,
    one_per_cue: bool = True,
) -> dict[str, Any]:
    """Attribution metrics of predicted statements against gold attributions (pure).

    Both are lists of statement records with ``doc_id``, ``start``, ``end``, ``content``
    (optional ``fragments``), and the source and cue as spans (``speaker_start`` /
    ``speaker_end``, ``cue_start`` / ``cue_end``, optional ``*_fragments``). Within each article
    gold and predictions are matched one to one by content token overlap (:func:`match_statements`).

    - ``content`` precision / recall / F1 at token Jaccard >= ``threshold`` (``overlap_*``) and
      exact span (``exact_*``);
    - ``source_accuracy``: share of found pairs (Jaccard >= ``threshold``) whose predicted speaker
      span overlaps the gold source span (the source as written: "he", not whom it means); gold
      without a source (an attribution with no source in the text) is left out of it and counted in
      ``gold_without_source``; ``cue_accuracy`` likewise for the cue span;
    - the same ``by_quoted`` (gold ``quoted``, predictions by their ``quoted`` or ``kind``:
      direct = full, mixed = partial, indirect = none) and ``by_cue_type`` (speech / internal, see
      :mod:`stance.cues`), recall over the gold of a group, precision over the predictions of it;
    - ``per_rule``: for the predictions of each ``rule``, precision, and recall = gold found by
      that rule / all gold (the rules' recalls add up to the total), source and cue accuracy;
    - ``nested``: predictions whose cue or content lies inside another prediction's content are
      scored like the others (above) and, in ``excluded``, the content scores without them;
    - every value with a bootstrap 95% CI over articles (``n_bootstrap`` resamples of the articles,
      ``seed``).

    With ``one_per_cue`` (the default), predicted statements of an article that share a cue span
    are scored as one attribution (:func:`merge_same_cue`), as the corpus annotates a quote
    continued after its attribution; ``n_pred_statements`` counts them before the merge.
    """
    n_statements = len(pred)
    if one_per_cue:
        pred = merge_same_cue(pred)
    matches = match_statements(gold, pred)
    scorer = _Scorer(gold, pred, matches, threshold, n_bootstrap, seed)
    all_gold, all_pred = set(range(len(gold))), set(range(len(pred)))
    metrics: dict[str, Any] = {"task": "extraction", "scheme": "attribution", "overlap_threshold": threshold,
                               "n_docs": len(scorer.docs), "n_bootstrap": n_bootstrap, "seed": seed,
                               "one_per_cue": one_per_cue, "n_pred_statements": n_statements}
    metrics["overall"] = scorer.block(all_gold, all_pred)
    metrics["by_quoted"] = {
        q: scorer.block({i for i, g in enumerate(gold) if quoted_of(g) == q},
                        {j for j, p in enumerate(pred) if quoted_of(p) == q})
        for q in QUOTED
    }
    from .cues import CUE_TYPES

    metrics["by_cue_type"] = {
        t: scorer.block({i for i, g in enumerate(gold) if cue_type_of(g) == t},
                        {j for j, p in enumerate(pred) if cue_type_of(p) == t})
        for t in CUE_TYPES
    }
    rules = sorted({str(p.get("rule")) for p in pred})
    metrics["per_rule"] = {
        rule: scorer.block(all_gold, {j for j, p in enumerate(pred) if str(p.get("rule")) == rule}, pairs="pred")
        for rule in rules
    }
    for row in metrics["per_rule"].values():
        row["n_gold"] = None  # recall's denominator is every gold statement, not the rule's own
    no_source = [i for i, g in enumerate(gold) if not _pieces(g, "speaker")]
    found_gold = {m.gold for m in scorer.found}
    metrics["gold_without_source"] = {
        "n": len(no_source), "found": sum(i in found_gold for i in no_source),
        "handling": "scored for content; left out of source accuracy",
    }
    metrics["resolved_entity"] = {
        "accuracy": None,
        "note": "the gold names the source as written only (no coreference to an entity); not scored",
    }
    nested = nested_predictions(pred)
    kept = [p for j, p in enumerate(pred) if j not in nested]
    metrics["nested"] = {"n": len(nested), "scored": {k: metrics["overall"][k] for k in
                                                       ("overlap_precision", "overlap_recall", "overlap_f1")}}
    if nested:
        without = _Scorer(gold, kept, match_statements(gold, kept), threshold, 0, seed)
        block = without.block(all_gold, set(range(len(kept))))
        metrics["nested"]["excluded"] = {k: block[k] for k in ("overlap_precision", "overlap_recall", "overlap_f1")}
    else:
        metrics["nested"]["excluded"] = metrics["nested"]["scored"]
    found = {m.gold: m for m in scorer.found}
    hit = {m.pred for m in scorer.found}
    metrics["missed"] = [list(statement_key(g)) for i, g in enumerate(gold) if i not in found]
    metrics["extra"] = [list(statement_key(p)) for j, p in enumerate(pred) if j not in hit]
    metrics["pairs"] = [
        {"gold": list(statement_key(gold[m.gold])), "pred": list(statement_key(pred[m.pred])),
         "overlap": round(m.overlap, 4), "exact": m.exact,
         "source": scorer.source.get(m.gold) if m.overlap >= threshold else None,
         "cue": scorer.cue.get(m.gold) if m.overlap >= threshold else None, "rule": pred[m.pred].get("rule")}
        for m in matches
    ]
    return metrics


COMPARED = ("overlap_f1", "exact_f1", "source_accuracy", "cue_accuracy")


def compare_attributions(
    gold: Sequence[Mapping[str, Any]],
    pred_a: Sequence[Mapping[str, Any]],
    pred_b: Sequence[Mapping[str, Any]],
    *,
    threshold: float = OVERLAP_THRESHOLD,
    n_bootstrap: int = 1000,
    seed: int = 0,
    one_per_cue: bool = True,
) -> dict[str, Any]:
    """A - B on the same gold (pure): for content F1 (Jaccard and exact), source and cue accuracy, the
    difference of :func:`score_attributions`' values, its 95% interval and a two-sided p-value (twice the
    share of resampled differences on the far side of zero) from a paired bootstrap over articles: both
    systems are scored on the same resampled article sets."""
    import numpy as np

    if n_bootstrap < 1:
        raise ValueError("n_bootstrap must be >= 1")
    if one_per_cue:
        pred_a, pred_b = merge_same_cue(pred_a), merge_same_cue(pred_b)
    docs = sorted({str(r["doc_id"]) for r in [*gold, *pred_a, *pred_b]})
    col = {name: k for k, name in enumerate(_COUNTS)}
    values, samples = [], []
    for pred in (pred_a, pred_b):
        scorer = _Scorer(gold, pred, match_statements(gold, pred), threshold, n_bootstrap, seed, docs=docs)
        counts = scorer.counts(set(range(len(gold))), set(range(len(pred))))
        total, boot = counts.sum(axis=0), scorer.weights @ counts
        values.append(_numbers({name: total[k] for name, k in col.items()}))
        samples.append(_numbers({name: boot[:, k] for name, k in col.items()}))
    out: dict[str, Any] = {"n_docs": len(docs), "n_bootstrap": n_bootstrap, "seed": seed, "one_per_cue": one_per_cue}
    for name in COMPARED:
        delta = float(values[0][name] - values[1][name])
        d = samples[0][name] - samples[1][name]
        d = d[~np.isnan(d)]
        if delta != delta or not len(d):
            out[name] = None
            continue
        p = min(1.0, 2 * min(float(np.mean(d <= 0)), float(np.mean(d >= 0))))
        out[name] = {"delta": round(delta, 4), "ci95": [round(float(np.percentile(d, 2.5)), 4),
                                                         round(float(np.percentile(d, 97.5)), 4)], "p": round(p, 4)}
    return out


def format_attribution_table(systems: Mapping[str, Mapping[str, Any]], title: str = "") -> str:
    """One row per system of :func:`score_attributions` metrics: content P / R / F1 [95% CI] at the overlap
    threshold, exact F1, source accuracy [CI], cue accuracy, F1 on quoted (full or partial) and unquoted
    gold, and the counts."""
    def quoted_f1(m: Mapping[str, Any], keys: tuple[str, ...]) -> str:
        blocks = [m["by_quoted"][k] for k in keys]
        n_gold = sum(b["n_gold"] for b in blocks)
        n_pred = sum(b["n_pred"] for b in blocks)
        tp_gold = sum(b["found"] for b in blocks)
        tp_pred = sum(b["matched_pred"] for b in blocks)
        p, r = (tp_pred / n_pred if n_pred else 0.0), (tp_gold / n_gold if n_gold else 0.0)
        return _num(2 * p * r / (p + r) if p + r else 0.0)

    lines = [title] if title else []
    width = max([len("system"), *map(len, systems)]) + 2
    lines.append(f"{'system':{width}s}{'P':>7s}{'R':>7s}{'F1':>7s}{'F1 95% CI':>17s}{'exact':>7s}{'source':>8s}"
                 f"{'source 95% CI':>17s}{'cue':>7s}{'quoted':>8s}{'unquot.':>8s}{'gold':>6s}{'pred':>6s}")
    for name, m in systems.items():
        o = m["overall"]
        f1, src = o["overlap_f1"], o["source_accuracy"]
        ci = "[{}, {}]".format(*map(_num, f1.get("ci95") or [None, None]))
        sci = "[{}, {}]".format(*map(_num, src.get("ci95") or [None, None]))
        lines.append(f"{name:{width}s}{_num(o['overlap_precision']['value']):>7s}{_num(o['overlap_recall']['value']):>7s}"
                     f"{_num(f1['value']):>7s}{ci:>17s}{_num(o['exact_f1']['value']):>7s}{_num(src['value']):>8s}"
                     f"{sci:>17s}{_num(o['cue_accuracy']['value']):>7s}{quoted_f1(m, ('full', 'partial')):>8s}"
                     f"{quoted_f1(m, ('none',)):>8s}{o['n_gold']:>6d}{o['n_pred']:>6d}")
    return "\n".join(lines)


def _ci(entry: Mapping[str, Any]) -> str:
    value = _num(entry.get("value"))
    ci = entry.get("ci95")
    return f"{value} [{_num(ci[0])}, {_num(ci[1])}]" if ci else value


def format_attribution_summary(metrics: Mapping[str, Any]) -> str:
    """Plain-text tables of :func:`score_attributions` metrics (what the CLI prints)."""
    t = metrics.get("overlap_threshold", OVERLAP_THRESHOLD)
    o = metrics["overall"]
    head = f"{metrics.get('pred', 'predictions')} vs {metrics.get('gold', 'gold')}: " if "pred" in metrics else ""
    lines = [
        f"{head}{metrics['n_docs']} articles, {o['n_gold']} gold, {o['n_pred']} predicted attributions"
        + (f" ({metrics['n_pred_statements']} statements; those sharing a cue are one attribution)"
           if metrics.get("one_per_cue") else "") + "; "
        f"{o['found']} found (token Jaccard >= {t}); 95% CIs: bootstrap over articles",
        "",
        f"{'content':16s}{'precision':>24s}{'recall':>24s}{'f1':>24s}",
    ]
    for name, label in (("overlap", f"Jaccard >= {t}"), ("exact", "exact span")):
        lines.append(f"{label:16s}" + "".join(f"{_ci(o[f'{name}_{m}']):>24s}" for m in ("precision", "recall", "f1")))
    lines.append(f"source accuracy {_ci(o['source_accuracy'])} (n={o['source_n']}; span overlap, the source as "
                 f"written)")
    lines.append(f"cue accuracy    {_ci(o['cue_accuracy'])} (n={o['cue_n']})")
    ns = metrics.get("gold_without_source", {})
    lines.append(f"gold without a source: {ns.get('n', 0)} ({ns.get('found', 0)} found): {ns.get('handling', '')}")
    nested = metrics.get("nested", {})
    if nested:
        ex = nested["excluded"]
        lines.append(f"nested predictions: {nested['n']}; F1 scored with them {_num(nested['scored']['overlap_f1']['value'])}, "
                     f"without them {_num(ex['overlap_f1']['value'])}")
    lines.append(f"resolved entity: {metrics.get('resolved_entity', {}).get('note', '-')}")

    def table(title: str, rows: Mapping[str, Any]) -> None:
        lines.append("")
        lines.append(f"{title:14s}{'gold':>6s}{'pred':>6s}{'P':>8s}{'R':>8s}{'F1':>8s}{'exact F1':>10s}"
                     f"{'source':>8s}{'cue':>8s}  F1 95% CI")
        for key, m in rows.items():
            lines.append(
                f"{key:14s}{m['n_gold']:>6d}{m['n_pred']:>6d}{_num(m['overlap_precision']['value']):>8s}"
                f"{_num(m['overlap_recall']['value']):>8s}{_num(m['overlap_f1']['value']):>8s}"
                f"{_num(m['exact_f1']['value']):>10s}{_num(m['source_accuracy']['value']):>8s}"
                f"{_num(m['cue_accuracy']['value']):>8s}  "
                + (f"[{_num(m['overlap_f1']['ci95'][0])}, {_num(m['overlap_f1']['ci95'][1])}]"
                   if m["overlap_f1"].get("ci95") else "-"))

    table("quoted", metrics["by_quoted"])
    table("cue type", metrics["by_cue_type"])
    if metrics.get("per_rule"):
        lines.append("")
        lines.append(f"{'rule':24s}{'pred':>6s}{'P':>8s}{'R':>8s}{'source':>8s}{'cue':>8s}  P 95% CI")
        for rule, m in metrics["per_rule"].items():
            ci = m["overlap_precision"].get("ci95")
            lines.append(f"{rule:24s}{m['n_pred']:>6d}{_num(m['overlap_precision']['value']):>8s}"
                         f"{_num(m['overlap_recall']['value']):>8s}{_num(m['source_accuracy']['value']):>8s}"
                         f"{_num(m['cue_accuracy']['value']):>8s}  " + (f"[{_num(ci[0])}, {_num(ci[1])}]" if ci else "-"))
        lines.append("(per rule: R = gold found by the rule / all gold; the rules' recalls add up to the total)")
    return "\n".join(lines)
