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
from stance.io import write_json, write_jsonl, write_text
from stance.metrics import paired_comparison
from stance.results import read_predictions

log = logging.getLogger("ensemble_runs")

def average(runs: list[Path]) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """The model labels, and each test set's rows of the first run with every run's ``scores`` averaged
    (not yet labelled)."""
    members = [read_predictions(run) for run in runs]
    first = members[0]
    labels = next((list(row["scores"]) for rows in first.values() for row in rows.values() if isinstance(row.get("scores"), dict)), [])
    for run, sets in zip(runs, members):
        path = run / "predictions.jsonl"
        if {s: set(rows) for s, rows in sets.items()} != {s: set(rows) for s, rows in first.items()}:
            raise InputError(path, f"not the test sets and statements of {runs[0]}", field="statement_id")
        for eval_set, rows in sets.items():
            for key, row in rows.items():
                if row["gold"] != first[eval_set][key]["gold"]:
                    raise InputError(path, f"{eval_set}: the gold label of {key} differs from {runs[0]}", field="gold")
                if not isinstance(row.get("scores"), dict) or set(row["scores"]) != set(labels):
                    raise InputError(path, f"{eval_set}: no scores for the labels {labels} for {key}", field="scores")
    averaged: dict[str, list[dict[str, Any]]] = {}
    for eval_set, rows in first.items():
        for key, row in rows.items():
            mean = np.mean([[sets[eval_set][key]["scores"][label] for label in labels] for sets in members], axis=0)
            averaged.setdefault(eval_set, []).append({**row, "scores": {l: round(float(v), 6) for l, v in zip(labels, mean)}})
    return labels, averaged


def score(runs: list[Path], labels: list[str], sets: dict[str, list[dict[str, Any]]], *, n_bootstrap: int,
          seed: int) -> dict[str, Any]:
    """Label each averaged row (the argmax over its set's labels, as the first run scored the set) and score
    every test set; the paired tests against the first run's baselines. Returns the metrics (the rows get
    their ``predicted``)."""
    first = runs[0]
    first_metrics = json.loads((first / "metrics.json").read_text(encoding="utf-8")) if (first / "metrics.json").is_file() else {}
    metrics: dict[str, Any] = {"members": [str(r) for r in runs], "labels": labels, "test": {}, "baselines": {}, "comparisons": {}}
    baselines = {p.parent.name: read_predictions(p.parent) for p in sorted((first / "baselines").glob("*/predictions.jsonl"))}
    table = []
    for eval_set, items in sets.items():
        scored_over = (first_metrics.get("test", {}).get(eval_set) or {}).get("labels") or labels
        allowed = [label for label in labels if label in scored_over]
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
        keys = [(str(r["doc_id"]), str(r["statement_id"])) for r in items]
        for name, base_sets in baselines.items():
            base = base_sets.get(eval_set, {})
            if not all(k in base for k in keys):
                continue
            metrics["baselines"].setdefault(name, {})[eval_set] = first_metrics.get("baselines", {}).get(name, {}).get(eval_set)
            paired = paired_comparison(gold, pred, [base[k]["predicted"] for k in keys], metrics=("macro_f1",),
                                       n_resamples=n_bootstrap, seed=seed, labels=allowed)
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
        labels, sets = average(args.runs)
        metrics = score(args.runs, labels, sets, n_bootstrap=args.n_bootstrap, seed=args.seed)
        args.output.mkdir(parents=True, exist_ok=True)
        write_jsonl(args.output / "predictions.jsonl", [row for rows in sets.values() for row in rows])
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
