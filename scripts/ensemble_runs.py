"""The average of several runs' models: their class probabilities averaged statement by statement and
scored as the trainer scores a model, into a folder that scripts/compare_runs.py reads like a run.

    python scripts/ensemble_runs.py runs/dse-mpnet-s42 runs/dse-mpnet-s43 runs/dse-mpnet-s44 --output runs/dse-mpnet-avg
    python scripts/compare_runs.py runs/dse-mpnet-avg runs/dse-mpnet-s42 runs/dse-mpnet-s43 runs/dse-mpnet-s44

The runs' ``predictions.jsonl`` must hold the same test sets with the same statements (``doc_id``,
``statement_id``) and gold labels, and scores over the same labels. The average's label is the argmax
over each set's labels; a set annotated with fewer classes than the model has (SEESAW) also gets its
any-label score, as the trainer gives it. Written into ``--output`` (a new or empty folder):
``predictions.jsonl`` (the first run's rows with the averaged scores and labels), ``metrics.json`` (each
test set's scores with 95% bootstrap CIs, the members, and the paired tests against the first run's
baselines where it has them) and ``results.md``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from stance.errors import InputError, StanceError
from stance.evaluate import any_label_name, results_table, score_any_label, score_labels
from stance.io import iter_jsonl, write_json, write_jsonl, write_text
from stance.metrics import paired_comparison

log = logging.getLogger("ensemble_runs")

Key = tuple[str, str, str]  # eval_set, doc_id, statement_id


def read_rows(path: Path) -> dict[Key, dict[str, Any]]:
    """A predictions file's rows by (eval set, doc id, statement id), in the file's order."""
    if not path.is_file():
        raise InputError(path, "not a finished run folder (no predictions.jsonl)")
    rows: dict[Key, dict[str, Any]] = {}
    for lineno, row in iter_jsonl(path):
        for field in ("eval_set", "doc_id", "statement_id", "gold", "predicted"):
            if field not in row:
                raise InputError(path, f"missing {field}", line=lineno, field=field)
        key = (str(row["eval_set"]), str(row["doc_id"]), str(row["statement_id"]))
        if key in rows:
            raise InputError(path, f"statement {key[1:]} twice in {key[0]}", line=lineno, field="statement_id")
        rows[key] = row
    return rows


def average(runs: list[Path]) -> tuple[list[str], list[dict[str, Any]]]:
    """The model labels and the first run's rows with every run's ``scores`` averaged (not yet labelled)."""
    members = [read_rows(run / "predictions.jsonl") for run in runs]
    first = members[0]
    labels = list(next(iter(first.values()))["scores"]) if first else []
    for run, rows in zip(runs, members):
        path = run / "predictions.jsonl"
        if set(rows) != set(first):
            raise InputError(path, f"not the test sets and statements of {runs[0]}", field="statement_id")
        for key, row in rows.items():
            if row["gold"] != first[key]["gold"]:
                raise InputError(path, f"{key[0]}: the gold label of {key[1:]} differs from {runs[0]}", field="gold")
            if not isinstance(row.get("scores"), dict) or set(row["scores"]) != set(labels):
                raise InputError(path, f"{key[0]}: no scores for the labels {labels} for {key[1:]}", field="scores")
    out = []
    for key, row in first.items():
        mean = np.mean([[rows[key]["scores"][label] for label in labels] for rows in members], axis=0)
        out.append({**row, "scores": {label: round(float(v), 6) for label, v in zip(labels, mean)}})
    return labels, out


def set_labels(run: Path, eval_set: str, labels: list[str]) -> list[str]:
    """The labels a run scored ``eval_set`` over (its task's), in the model's order."""
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8")) if (run / "metrics.json").is_file() else {}
    allowed = (metrics.get("test", {}).get(eval_set) or {}).get("labels") or labels
    return [label for label in labels if label in allowed]


def score(runs: list[Path], labels: list[str], rows: list[dict[str, Any]], *, n_bootstrap: int, seed: int) -> dict[str, Any]:
    """Label each averaged row (the argmax over its set's labels) and score every test set; the paired tests
    against the first run's baselines. Returns the metrics (``rows`` get their ``predicted``)."""
    first = runs[0]
    first_metrics = json.loads((first / "metrics.json").read_text(encoding="utf-8")) if (first / "metrics.json").is_file() else {}
    metrics: dict[str, Any] = {"members": [str(r) for r in runs], "labels": labels, "test": {}, "baselines": {}, "comparisons": {}}
    by_set: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(row["eval_set"], []).append(row)
    baselines = sorted(p.parent.name for p in (first / "baselines").glob("*/predictions.jsonl"))
    base_rows = {name: read_rows(first / "baselines" / name / "predictions.jsonl") for name in baselines}
    table = []
    for eval_set, items in by_set.items():
        allowed = set_labels(first, eval_set, labels)
        for row in items:
            row["predicted"] = max(allowed, key=lambda label: row["scores"][label])
        gold, pred = [r["gold"] for r in items], [r["predicted"] for r in items]
        scores = score_labels(gold, pred, allowed, n_bootstrap=n_bootstrap, seed=seed)
        table.append({"system": "average", "test_set": eval_set, **scores})
        if allowed != labels:
            free = [max(labels, key=lambda label: r["scores"][label]) for r in items]
            scores["restricted_to"] = allowed
            scores["any_label"] = score_any_label(gold, free, labels, allowed, n_bootstrap=n_bootstrap, seed=seed)
            table.append({"system": "average", "test_set": any_label_name(eval_set, scores["any_label"]), **scores["any_label"]})
        metrics["test"][eval_set] = scores
        metrics["comparisons"][eval_set] = {}
        for name in baselines:
            keys = [(eval_set, str(r["doc_id"]), str(r["statement_id"])) for r in items]
            if not all(k in base_rows[name] for k in keys):
                continue
            base_pred = [base_rows[name][k]["predicted"] for k in keys]
            metrics["baselines"].setdefault(name, {})[eval_set] = first_metrics.get("baselines", {}).get(name, {}).get(eval_set)
            paired = paired_comparison(gold, pred, base_pred, metrics=("macro_f1",), n_resamples=n_bootstrap, seed=seed,
                                       labels=allowed)
            metrics["comparisons"][eval_set][f"model_vs_{name}"] = {
                "mcnemar": paired["mcnemar"], "paired_bootstrap_macro_f1": paired["paired_bootstrap"]["macro_f1"]}
    metrics["table"] = results_table(table)
    return metrics


def comparison_lines(metrics: dict[str, Any]) -> list[str]:
    lines = []
    for eval_set, tests in metrics["comparisons"].items():
        for name, test in tests.items():
            boot, mc = test["paired_bootstrap_macro_f1"], test["mcnemar"]
            lines.append(f"- `{eval_set}`, the average vs {name.removeprefix('model_vs_')}: {boot['delta']:+.3f} "
                         f"[{boot['low']:+.3f}, {boot['high']:+.3f}], paired bootstrap p {boot['p_value']:.4f}; "
                         f"McNemar p {mc['p_value']:.2g} ({mc['b']}, {mc['c']})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="finished run folders (predictions.jsonl, metrics.json)")
    parser.add_argument("--output", type=Path, required=True, help="a new or empty folder for the average")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if len(args.runs) < 2:
            raise InputError(None, "give at least two run folders", field="runs")
        if args.output.exists() and (not args.output.is_dir() or any(args.output.iterdir())):
            raise InputError(args.output, "exists and is not an empty folder: give a new one", field="--output")
        labels, rows = average(args.runs)
        metrics = score(args.runs, labels, rows, n_bootstrap=args.n_bootstrap, seed=args.seed)
        args.output.mkdir(parents=True, exist_ok=True)
        write_jsonl(args.output / "predictions.jsonl", rows)
        write_json(args.output / "metrics.json", metrics)
        text = "\n".join([metrics["table"].rstrip(), "", *comparison_lines(metrics)])
        write_text(args.output / "results.md", f"# the average of {len(args.runs)} runs\n\n{text}\n")
        print(text)
    except StanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
