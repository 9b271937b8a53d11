"""Score predicted stance labels against hand annotations: files in, metrics, report and plots out.

Gold and predictions are statement files (see :mod:`stance.schema`) joined on
``(doc_id, statement_id)``. Every mismatch is an error that names the file (and the line and field
where it applies), never a silent drop: a gold statement without prediction, a prediction without
gold statement, a duplicated id, a predicted label outside the gold label set, an empty file.

This module never imports the model: what scores must not depend on what it scores.
Undefined statistics (e.g. kappa when a single label is used throughout) are ``None`` in the
returned dicts and in the JSON files.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .io import check_output_dir, claim_run_dir, iter_jsonl, write_group, write_json, write_text

EVALUATE_OUTPUTS = ("metrics.json", "report.md", "confusion.png")
COMPARE_OUTPUTS = ("comparison.json",)
from .metrics import bootstrap_ci, classification_metrics, macro_f1_over, paired_comparison
from .schema import DEFAULT_LABEL_FIELD, Statement, read_statements, statement_key, validate_statement

log = logging.getLogger(__name__)

CI_LEVEL = 0.95
CI_METRICS = ("accuracy", "macro_f1")
ANY_LABEL = " (any label)"  # appended to a two-class set's name: its scores with the model free to answer any label


# --------------------------------------------------------------------------- reading and joining
@dataclass
class _Side:
    """One side of the comparison: validated records and where they came from (for error messages)."""

    name: str
    records: list[Statement]
    path: str | None = None  # a JSONL file: line numbers are looked up in it when an error needs one
    _lines: list[int] | None = field(default=None, repr=False)

    def line(self, i: int) -> int:
        """The file line of record ``i`` (its 1-based position for in-memory records)."""
        if self.path is None:
            return i + 1
        if self._lines is None:  # non-blank lines map one to one onto records
            self._lines = [lineno for lineno, _ in iter_jsonl(self.path)]
        return self._lines[i]


def _read_file(path: str | Path, label_field: str) -> _Side:
    records = read_statements(path, label_field=label_field, require_label=True, require_text=False)
    return _Side(str(path), records, path=str(path))


def _from_records(records: Sequence[Statement], name: str, label_field: str) -> _Side:
    if not records:
        raise InputError(name, "no records")
    out: list[Statement] = []
    seen: dict[tuple[str, str], int] = {}
    for i, record in enumerate(records):
        record = validate_statement(
            record, path=name, line=i + 1, label_field=label_field, require_label=True, require_text=False
        )
        key = statement_key(record)
        if key in seen:
            raise InputError(
                name,
                f"duplicated id (doc_id={key[0]!r}, statement_id={key[1]!r}), first at record {seen[key]}",
                line=i + 1,
                field="statement_id",
            )
        seen[key] = i + 1
        out.append(record)
    return _Side(name, out)


def _describe(key: tuple[str, str]) -> str:
    return f"doc_id={key[0]!r}, statement_id={key[1]!r}"


@dataclass
class _Aligned:
    keys: list[tuple[str, str]]
    gold: list[str]
    pred: list[str]
    labels: list[str]


def _gold_labels(
    gold: _Side, label_field: str, alias: Mapping[str, str], labels: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    values = [alias.get(r[label_field], r[label_field]) for r in gold.records]
    if labels is None:
        return values, sorted(set(values))
    labels = list(labels)
    for i, value in enumerate(values):
        if value not in labels:
            raw = gold.records[i][label_field]
            shown = repr(raw) if raw == value else f"{raw!r} (alias of {value!r})"
            raise InputError(
                gold.name, f"label {shown} is not in the label set {labels}", line=gold.line(i), field=label_field
            )
    return values, labels


def _align(
    gold: _Side,
    gold_values: list[str],
    labels: list[str],
    pred: _Side,
    pred_label_field: str,
    alias: Mapping[str, str],
) -> _Aligned:
    """Predicted labels in gold order; any id or label mismatch is an InputError."""
    gold_index = {statement_key(r): i for i, r in enumerate(gold.records)}
    known = set(labels)
    by_key: dict[tuple[str, str], str] = {}
    for i, record in enumerate(pred.records):
        key = statement_key(record)
        if key not in gold_index:
            extra = sum(1 for r in pred.records if statement_key(r) not in gold_index)
            raise InputError(
                pred.name,
                f"prediction for {_describe(key)} has no gold statement in {gold.name} "
                f"({extra} such prediction(s) in all)",
                line=pred.line(i),
                field="statement_id",
            )
        raw = record[pred_label_field]
        value = alias.get(raw, raw)
        if value not in known:
            shown = repr(raw) if raw == value else f"{raw!r} (alias of {value!r})"
            raise InputError(
                pred.name,
                f"unknown label {shown}: not in the gold label set {labels}",
                line=pred.line(i),
                field=pred_label_field,
            )
        by_key[key] = value
    missing = [k for k in gold_index if k not in by_key]
    if missing:
        first = missing[0]
        raise InputError(
            pred.name,
            f"{len(missing)} gold statement(s) have no prediction, the first: {_describe(first)} "
            f"({gold.name} line {gold.line(gold_index[first])})",
            field="statement_id",
        )
    keys = list(gold_index)
    return _Aligned(keys, gold_values, [by_key[k] for k in keys], labels)


# --------------------------------------------------------------------------- scoring
def _json_safe(obj: Any) -> Any:
    """NaN and infinities become None (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(obj, Mapping):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError(None, f"the seed must be an integer in [0, 2**32), got {seed!r}", field="seed")


def _check_bootstrap(n_bootstrap: int) -> None:
    if n_bootstrap < 0:
        raise InputError(None, f"the number of bootstrap resamples must be >= 0, got {n_bootstrap}", field="bootstrap")


def score_labels(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """:func:`stance.metrics.classification_metrics` plus 95% bootstrap CIs of accuracy and macro-F1.

    ``ci`` is ``{"accuracy": {"low", "high"}, "macro_f1": {"low", "high"}}`` (empty with
    ``n_bootstrap=0``). Undefined values are ``None``.
    """
    _check_bootstrap(n_bootstrap)
    metrics = classification_metrics(gold, pred, labels)
    ci: dict[str, dict[str, float]] = {}
    if n_bootstrap:
        boot = bootstrap_ci(
            gold, pred, CI_METRICS, n_resamples=n_bootstrap, confidence=CI_LEVEL, seed=seed, labels=metrics["labels"]
        )
        ci = {name: {"low": b["low"], "high": b["high"]} for name, b in boot.items()}
    metrics.update(ci=ci, ci_level=CI_LEVEL, n_bootstrap=n_bootstrap, seed=seed)
    return _json_safe(metrics)


def score_any_label(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    allowed: Sequence[str],
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """A set annotated with fewer classes (``allowed``) than the model has (``labels``), scored with the
    model free to answer any of its labels, as ``stance run`` labels news.

    SEESAW annotates negative and positive stance only; the model also knows ``neutral``. Scored as its
    task (:func:`stance.train.restricted_argmax`), a neutral answer cannot happen; here it can, and counts
    as a miss. ``outside_share`` is the share of statements given a label of ``outside`` (for SEESAW: the
    stance-bearing statements called neutral); ``macro_f1`` averages the F1 of the ``allowed`` classes,
    ``accuracy`` is over all statements; each with a 95% bootstrap CI (the same resamples).
    """
    _check_bootstrap(n_bootstrap)
    labels, allowed = list(labels), list(allowed)
    outside = [l for l in labels if l not in allowed]
    metrics = classification_metrics(gold, pred, labels)
    gone = [labels.index(l) for l in outside]

    def outside_share(g: Any, p: Any) -> float:
        return float(np.isin(p, gone).mean())

    fns = {"accuracy": "accuracy", "macro_f1": macro_f1_over([labels.index(l) for l in allowed]), "outside_share": outside_share}
    ci: dict[str, dict[str, float]] = {}
    if n_bootstrap:
        boot = bootstrap_ci(gold, pred, fns, n_resamples=n_bootstrap, confidence=CI_LEVEL, seed=seed, labels=labels)
        ci = {name: {"low": b["low"], "high": b["high"]} for name, b in boot.items()}
    return _json_safe({
        "n": metrics["n"], "labels": allowed, "outside": outside,
        "outside_share": sum(p in outside for p in pred) / len(pred) if pred else None,
        "macro_f1": float(np.mean([metrics["per_class"][l]["f1"] for l in allowed])), "accuracy": metrics["accuracy"],
        "confusion": metrics["confusion"], "ci": ci, "ci_level": CI_LEVEL, "n_bootstrap": n_bootstrap, "seed": seed,
    })


def any_label_name(spec: str, scores: Mapping[str, Any]) -> str:
    """The row name of :func:`score_any_label`'s scores in a results table."""
    return f"{spec}, any label ({100 * scores['outside_share']:.1f}% called {' or '.join(scores['outside'])})"


def _evaluate(
    gold: _Side,
    pred: _Side,
    *,
    label_field: str,
    pred_label_field: str,
    label_alias: Mapping[str, str] | None,
    labels: Sequence[str] | None,
    n_bootstrap: int,
    seed: int,
) -> dict[str, Any]:
    _check_bootstrap(n_bootstrap)
    alias = dict(label_alias or {})
    gold_values, label_set = _gold_labels(gold, label_field, alias, labels)
    aligned = _align(gold, gold_values, label_set, pred, pred_label_field, alias)
    log.info("scoring %d statements (%d bootstrap resamples)", len(aligned.keys), n_bootstrap)
    scores = score_labels(aligned.gold, aligned.pred, aligned.labels, n_bootstrap=n_bootstrap, seed=seed)
    metrics = {
        "task": "stance",
        "gold": gold.name,
        "pred": pred.name,
        "label_field": label_field,
        "pred_label_field": pred_label_field,
        "label_alias": alias,
        **scores,
    }
    log.info(
        "%s: %d statements, accuracy %.3f, macro-F1 %.3f",
        pred.name, metrics["n"], metrics["accuracy"], metrics["macro_f1"],
    )
    return metrics


def evaluate_records(
    gold_records: Sequence[Statement],
    pred_records: Sequence[Statement],
    *,
    label_field: str = DEFAULT_LABEL_FIELD,
    pred_label_field: str = DEFAULT_LABEL_FIELD,
    label_alias: Mapping[str, str] | None = None,
    labels: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    gold_name: str = "<gold records>",
    pred_name: str = "<pred records>",
) -> dict[str, Any]:
    """:func:`evaluate_files` on in-memory statement records (errors name ``gold_name``/``pred_name``
    and the 1-based record number). Writes nothing."""
    gold = _from_records(gold_records, gold_name, label_field)
    pred = _from_records(pred_records, pred_name, pred_label_field)
    return _evaluate(
        gold, pred, label_field=label_field, pred_label_field=pred_label_field, label_alias=label_alias,
        labels=labels, n_bootstrap=n_bootstrap, seed=seed,
    )


def evaluate_files(
    gold: str,
    pred: str,
    output_dir: str | None = None,
    *,
    label_field: str = DEFAULT_LABEL_FIELD,
    pred_label_field: str = DEFAULT_LABEL_FIELD,
    label_alias: dict[str, str] | None = None,
    labels: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score a predictions file against a gold file; with ``output_dir`` write the results there.

    Both are statement JSONL files joined on ``(doc_id, statement_id)``; every gold statement needs
    a label in ``label_field`` and a prediction with a label in ``pred_label_field``.
    ``label_alias`` renames labels on both sides before scoring (e.g. ``{"confrontational":
    "negative"}``). ``labels`` (names after aliasing) fixes the label set and its order; by default
    the sorted gold labels, and a predicted label outside that set is an error.

    Returns the metrics of :func:`score_labels` plus ``task``, ``gold``, ``pred``, the label fields
    and aliases. ``output_dir`` receives ``metrics.json``, ``confusion.png`` and ``report.md``, each
    written atomically and only once everything was scored.
    """
    _check_seed(seed)
    _check_bootstrap(n_bootstrap)
    if output_dir is not None:
        check_output_dir(output_dir, inputs=[gold, pred])
        claim_run_dir(output_dir, "evaluate", EVALUATE_OUTPUTS, reuse=True, dry_run=True)
    metrics = _evaluate(
        _read_file(gold, label_field),
        _read_file(pred, pred_label_field),
        label_field=label_field, pred_label_field=pred_label_field, label_alias=label_alias,
        labels=labels, n_bootstrap=n_bootstrap, seed=seed,
    )
    if output_dir is not None:
        write_outputs(metrics, output_dir)
    return metrics


def write_outputs(metrics: Mapping[str, Any], output_dir: str | Path) -> None:
    """Write ``confusion.png``, ``report.md`` and, last, ``metrics.json`` of a stance evaluation.

    Each file is written atomically; ``metrics.json`` comes last, so that it marks a complete evaluation.
    """
    from .plots import plot_confusion  # matplotlib only when something is drawn

    out = Path(output_dir)
    with write_group():  # all three, or none
        claim_run_dir(out, "evaluate", EVALUATE_OUTPUTS, reuse=True)
        plot_confusion(
            metrics["confusion"]["matrix"], metrics["confusion"]["labels"], out / "confusion.png",
            title=f"{Path(metrics['pred']).name} (n={metrics['n']})",
        )
        write_text(out / "report.md", render_report(metrics))
        write_json(out / "metrics.json", metrics)
    log.info("wrote metrics.json, confusion.png and report.md to %s", out)


# --------------------------------------------------------------------------- comparison
def _system_names(paths: Sequence[str]) -> list[str]:
    for name_of in (lambda p: Path(p).stem, lambda p: f"{Path(p).parent.name}/{Path(p).stem}", str):
        names = [name_of(p) for p in paths]
        if len(set(names)) == len(names):
            return names
    return [f"{chr(ord('A') + i)}: {p}" for i, p in enumerate(paths)]


def compare_files(
    gold: str,
    preds: list[str],
    output_dir: str | None = None,
    *,
    label_field: str = DEFAULT_LABEL_FIELD,
    pred_label_field: str | None = None,
    label_alias: dict[str, str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Paired significance tests between two systems' predictions on the same gold statements.

    Exactly two prediction files, each covering exactly the gold ids (as in :func:`evaluate_files`).
    Returns each system's own metrics, the exact McNemar test on their per-statement correctness, and
    paired bootstraps (same resamples for both, ``seed``) of the macro-F1 and accuracy differences
    A - B with their CIs and two-sided p-values (see :func:`stance.metrics.paired_comparison`).
    With ``output_dir``, writes ``comparison.json``.
    """
    preds = list(preds or [])
    if len(preds) != 2:
        raise InputError(
            None, f"compare needs exactly two prediction files (system A and B), got {len(preds)}", field="pred"
        )
    _check_bootstrap(n_bootstrap)
    _check_seed(seed)
    if output_dir is not None:
        check_output_dir(output_dir, inputs=[gold, *preds])
        claim_run_dir(output_dir, "compare", COMPARE_OUTPUTS, reuse=True, dry_run=True)
    pred_label_field = pred_label_field or label_field
    alias = dict(label_alias or {})
    gold_side = _read_file(gold, label_field)
    gold_values, label_set = _gold_labels(gold_side, label_field, alias, None)
    aligned = [
        _align(gold_side, gold_values, label_set, _read_file(p, pred_label_field), pred_label_field, alias)
        for p in preds
    ]
    a, b = aligned
    systems = []
    for name, path, side in zip(_system_names(preds), preds, aligned):
        metrics = score_labels(side.gold, side.pred, side.labels, n_bootstrap=n_bootstrap, seed=seed)
        systems.append({"name": name, "pred": str(path), "metrics": metrics})
    paired = paired_comparison(a.gold, a.pred, b.pred, metrics=("macro_f1", "accuracy") if n_bootstrap else (),
                               n_resamples=n_bootstrap, seed=seed, labels=label_set)
    result = _json_safe({
        "task": "compare",
        "gold": str(gold),
        "n": len(a.keys),
        "labels": label_set,
        "label_alias": alias,
        "systems": systems,
        "mcnemar": paired["mcnemar"],
        "paired_bootstrap": paired["paired_bootstrap"],
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    })
    if output_dir is not None:
        with write_group():
            claim_run_dir(output_dir, "compare", COMPARE_OUTPUTS, reuse=True)
            write_json(Path(output_dir) / "comparison.json", result)
        log.info("wrote comparison.json to %s", output_dir)
    return result


# --------------------------------------------------------------------------- text
def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _with_ci(metrics: Mapping[str, Any], name: str) -> str:
    ci = (metrics.get("ci") or {}).get(name)
    text = _num(metrics.get(name))
    if ci:
        text += f" [{_num(ci['low'])}, {_num(ci['high'])}]"
    return text


def _ci_note(metrics: Mapping[str, Any]) -> str:
    n = metrics.get("n_bootstrap")
    if not metrics.get("ci"):
        return "no confidence intervals (no bootstrap)"
    level = round(100 * metrics.get("ci_level", CI_LEVEL))
    return f"[{level}% CI: percentile bootstrap over statements, {n} resamples, seed {metrics.get('seed')}]"


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda row: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))
    )
    return [fmt(header), *(fmt(r) for r in rows)]


def format_summary(metrics: Mapping[str, Any]) -> str:
    """A short plain-text summary for the terminal (stance metrics, or extraction metrics)."""
    if metrics.get("task") == "extraction":
        from .extraction_eval import format_extraction_summary

        return format_extraction_summary(metrics)
    labels = metrics["labels"]
    lines = [
        f"{metrics.get('pred', 'predictions')} vs {metrics.get('gold', 'gold')}: {metrics['n']} statements",
        f"accuracy        {_with_ci(metrics, 'accuracy')}",
        f"macro-F1        {_with_ci(metrics, 'macro_f1')}",
        f"Cohen's kappa   {_num(metrics.get('cohen_kappa'))}",
        f"Kripp. alpha    {_num(metrics.get('krippendorff_alpha'))}",
        _ci_note(metrics),
        "",
    ]
    per_class = metrics["per_class"]
    lines += _text_table(
        ["label", "precision", "recall", "f1", "support"],
        [
            [lab, _num(per_class[lab]["precision"]), _num(per_class[lab]["recall"]), _num(per_class[lab]["f1"]),
             str(per_class[lab]["support"])]
            for lab in labels
        ],
    )
    lines.append("")
    lines.append("confusion (rows: gold, columns: predicted)")
    matrix = metrics["confusion"]["matrix"]
    lines += _text_table(["gold \\ pred", *labels], [[lab, *map(str, row)] for lab, row in zip(labels, matrix)])
    return "\n".join(lines)


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3f}"


def format_comparison(result: Mapping[str, Any]) -> str:
    """A short plain-text table of two systems and the paired tests between them."""
    systems = result["systems"]
    lines = [f"gold: {result['gold']} ({result['n']} statements)", ""]
    lines += _text_table(
        ["system", "accuracy", "macro-F1", "kappa"],
        [
            [s["name"], _with_ci(s["metrics"], "accuracy"), _with_ci(s["metrics"], "macro_f1"),
             _num(s["metrics"].get("cohen_kappa"))]
            for s in systems
        ],
    )
    lines.append("")
    a, b = systems[0]["name"], systems[1]["name"]
    for metric, pb in (result.get("paired_bootstrap") or {}).items():
        lines.append(
            f"{metric} difference ({a} - {b}): {pb['delta']:+.3f} [{_num(pb['low'])}, {_num(pb['high'])}], "
            f"paired bootstrap p = {_p(pb['p_value'])} ({pb['n_resamples']} resamples)"
        )
    mc = result["mcnemar"]
    lines.append(
        f"McNemar exact: {a} right & {b} wrong = {mc['b']}, {a} wrong & {b} right = {mc['c']}, "
        f"p = {_p(mc['p_value'])}"
    )
    return "\n".join(lines)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    return [f"| {' | '.join(header)} |", f"| {' | '.join(rule)} |", *(f"| {' | '.join(map(str, r))} |" for r in rows)]


def render_report(metrics: Mapping[str, Any]) -> str:
    """The markdown report of one stance evaluation (what ``report.md`` holds)."""
    labels = metrics["labels"]
    level = round(100 * metrics.get("ci_level", CI_LEVEL))
    ci = metrics.get("ci") or {}

    def ci_cell(name: str) -> str:
        return f"[{_num(ci[name]['low'])}, {_num(ci[name]['high'])}]" if name in ci else ""

    alias = metrics.get("label_alias") or {}
    lines = [
        "# Stance evaluation",
        "",
        f"- gold: `{metrics.get('gold')}` (label field `{metrics.get('label_field', DEFAULT_LABEL_FIELD)}`)",
        f"- predictions: `{metrics.get('pred')}` "
        f"(label field `{metrics.get('pred_label_field', DEFAULT_LABEL_FIELD)}`)",
        f"- statements: {metrics['n']}; labels: {', '.join(labels)}",
    ]
    if alias:
        lines.append("- label aliases: " + ", ".join(f"{k} → {v}" for k, v in alias.items()))
    if ci:
        lines.append(
            f"- {level}% confidence intervals: percentile bootstrap over statements, "
            f"{metrics.get('n_bootstrap')} resamples, seed {metrics.get('seed')}"
        )
    lines += ["", *_md_table(
        ["metric", "value", f"{level}% CI"],
        [
            ["accuracy", _num(metrics["accuracy"]), ci_cell("accuracy")],
            ["macro-F1", _num(metrics["macro_f1"]), ci_cell("macro_f1")],
            ["Cohen's kappa", _num(metrics.get("cohen_kappa")), ""],
            ["Krippendorff's alpha (nominal)", _num(metrics.get("krippendorff_alpha")), ""],
        ],
    )]
    per_class = metrics["per_class"]
    lines += ["", "## Per class", "", *_md_table(
        ["label", "precision", "recall", "F1", "support"],
        [
            [lab, _num(per_class[lab]["precision"]), _num(per_class[lab]["recall"]), _num(per_class[lab]["f1"]),
             per_class[lab]["support"]]
            for lab in labels
        ],
    )]
    matrix = metrics["confusion"]["matrix"]
    lines += ["", "## Confusion matrix", "", "Rows: gold labels; columns: predicted labels.", "", *_md_table(
        ["gold \\ predicted", *labels], [[lab, *row] for lab, row in zip(labels, matrix)]
    ), "", "![confusion matrix](confusion.png)", ""]
    return "\n".join(lines)


def results_table(rows: list[dict[str, Any]]) -> str:
    """A markdown table of several systems and/or test sets: macro-F1 and accuracy with their CIs.

    Each row is a metrics dict (as returned by :func:`evaluate_files`), or a dict with the metrics
    under ``"metrics"``; optional ``"system"`` and ``"test_set"`` name the row and become columns
    when any row has them.
    """
    if not rows:
        raise InputError(None, "no results to tabulate")
    columns = [c for c in ("system", "test_set") if any(c in r for r in rows)]
    body = []
    for row in rows:
        metrics = row.get("metrics", row)
        body.append([
            *(str(row.get(c, "")) for c in columns),
            str(metrics.get("n", "")),
            _with_ci(metrics, "macro_f1"),
            _with_ci(metrics, "accuracy"),
        ])
    levels = {round(100 * r.get("metrics", r).get("ci_level", CI_LEVEL)) for r in rows}
    ci = f" [{levels.pop()}% CI]" if len(levels) == 1 else " [CI]"
    header = [*(c.replace("_", " ") for c in columns), "n", f"macro-F1{ci}", f"accuracy{ci}"]
    return "\n".join(_md_table(header, body, "l" * len(columns) + "rrr")) + "\n"
