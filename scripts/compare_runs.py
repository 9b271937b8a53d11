"""Paired significance tests between the fine-tuned models of two or more run folders, test set by test set.

    python scripts/compare_runs.py runs/directed runs/directed-dse-only runs/directed-seesaw-only

The first run is system A; every other run is compared with it as system B, on each test set both runs
scored (the rows of each set joined by ``(doc_id, statement_id)``, with the same gold labels). For each
pair: both macro-F1s, the paired bootstrap of the macro-F1 difference A - B (95% CI and two-sided p, the
same resamples for both systems) and the exact McNemar test on per-statement correctness (b = statements
only A gets right, c = only B).

Two recipes trained with several seeds each are compared as groups::

    python scripts/compare_runs.py --a runs/demo-mpnet-s42 runs/demo-mpnet-s43 runs/demo-mpnet-s44 \
                                   --b runs/demo-minilm-s42 runs/demo-minilm-s43 runs/demo-minilm-s44

which gives each recipe's mean and standard deviation over its seeds and the paired bootstrap of the
difference of the seed means (every run scored on the same resamples; stance.metrics.paired_bootstrap_seeds).

A test set annotated with fewer classes than the models have (SEESAW: negative / positive) is compared
twice: as scored, the answer restricted to its classes, and in a row ``SET (any label)`` with each
model's argmax over all its labels from the ``scores`` in ``predictions.jsonl``, as ``stance run`` labels
news (macro-F1 over the set's classes, a ``neutral`` answer a miss; stance.evaluate.score_any_label).

Reads only the runs' ``predictions.jsonl`` and ``metrics.json``; prints a markdown table and, with
``--output``, writes the results as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stance.errors import InputError
from stance.io import write_json
from stance.evaluate import ANY_LABEL
from stance.metrics import macro_f1_over, paired_bootstrap_seeds, paired_comparison
from stance.results import read_predictions


def test_labels(run: Path, eval_set: str) -> list[str] | None:
    return (_metrics(run).get("test", {}).get(eval_set) or {}).get("labels")


def any_label_view(run: Path, eval_set: str) -> tuple[list[str], list[str]] | None:
    """``(model labels, the set's labels)`` when ``eval_set`` was scored with the answer restricted to
    fewer classes than the model has; else None."""
    metrics = _metrics(run)
    allowed = (metrics.get("test", {}).get(eval_set) or {}).get("restricted_to")
    labels = metrics.get("labels")
    if not allowed or not labels or set(allowed) == set(labels):
        return None
    return list(labels), list(allowed)


def free_predictions(run: Path, rows: list[dict[str, Any]], labels: list[str]) -> list[str]:
    """Each row's argmax over all the model's labels, from its ``scores``."""
    out = []
    for row in rows:
        scores = row.get("scores")
        if not isinstance(scores, dict) or set(scores) != set(labels):
            raise InputError(run / "predictions.jsonl", f"{row['eval_set']}: no scores for the labels {labels}", field="scores")
        out.append(max(labels, key=lambda label: scores[label]))
    return out


def _metrics(run: Path) -> dict[str, Any]:
    return json.loads((run / "metrics.json").read_text(encoding="utf-8"))


def compare(run_a: Path, run_b: Path, n_bootstrap: int, seed: int) -> list[dict[str, Any]]:
    a_sets, b_sets = read_predictions(run_a), read_predictions(run_b)
    rows = []
    for eval_set, a_rows in a_sets.items():
        b_rows = b_sets.get(eval_set)
        if b_rows is None:
            continue
        if set(a_rows) != set(b_rows):
            raise InputError(run_b / "predictions.jsonl", f"{eval_set}: not the statements of {run_a}", field="statement_id")
        keys = sorted(a_rows)
        gold = [a_rows[k]["gold"] for k in keys]
        if gold != [b_rows[k]["gold"] for k in keys]:
            raise InputError(run_b / "predictions.jsonl", f"{eval_set}: gold labels differ from {run_a}", field="gold")
        pred_a = [a_rows[k]["predicted"] for k in keys]
        pred_b = [b_rows[k]["predicted"] for k in keys]
        labels = test_labels(run_a, eval_set)
        paired = paired_comparison(gold, pred_a, pred_b, metrics=("macro_f1",), n_resamples=n_bootstrap, seed=seed,
                                   labels=labels)
        rows.append({"test_set": eval_set, "a": str(run_a), "b": str(run_b), "n": len(keys), "labels": labels,
                     "paired_bootstrap": paired["paired_bootstrap"]["macro_f1"], "mcnemar": paired["mcnemar"]})
        view = any_label_view(run_a, eval_set)
        if view is not None:
            all_labels, allowed = view
            free_a = free_predictions(run_a, [a_rows[k] for k in keys], all_labels)
            free_b = free_predictions(run_b, [b_rows[k] for k in keys], all_labels)
            metric = macro_f1_over([all_labels.index(l) for l in allowed])
            paired = paired_comparison(gold, free_a, free_b, metrics=(metric,), n_resamples=n_bootstrap, seed=seed,
                                       labels=all_labels)
            rows.append({"test_set": eval_set + ANY_LABEL, "a": str(run_a), "b": str(run_b), "n": len(keys),
                         "labels": allowed, "paired_bootstrap": paired["paired_bootstrap"][metric.__name__],
                         "mcnemar": paired["mcnemar"]})
    return rows


def compare_groups(runs_a: list[Path], runs_b: list[Path], n_bootstrap: int, seed: int) -> list[dict[str, Any]]:
    """Recipe A (its seeds' runs) against recipe B on every test set all the runs scored."""
    runs = [*runs_a, *runs_b]
    sets = {run: read_predictions(run) for run in runs}
    common = [s for s in sets[runs[0]] if all(s in sets[r] for r in runs)]
    rows = []
    for eval_set in common:
        keys = sorted(sets[runs[0]][eval_set])
        gold = [sets[runs[0]][eval_set][k]["gold"] for k in keys]
        preds = {}
        for run in runs:
            these = sets[run][eval_set]
            if set(these) != set(keys):
                raise InputError(run / "predictions.jsonl", f"{eval_set}: not the statements of {runs[0]}", field="statement_id")
            if [these[k]["gold"] for k in keys] != gold:
                raise InputError(run / "predictions.jsonl", f"{eval_set}: gold labels differ from {runs[0]}", field="gold")
            preds[run] = [these[k]["predicted"] for k in keys]
        labels = test_labels(runs[0], eval_set)
        boot = paired_bootstrap_seeds(gold, [preds[r] for r in runs_a], [preds[r] for r in runs_b], metric="macro_f1",
                                      n_resamples=n_bootstrap, seed=seed, labels=labels)
        rows.append({"test_set": eval_set, "a": [str(r) for r in runs_a], "b": [str(r) for r in runs_b], "n": len(keys),
                     "labels": labels, "paired_bootstrap": boot})
        view = any_label_view(runs[0], eval_set)
        if view is not None:
            all_labels, allowed = view
            free = {run: free_predictions(run, [sets[run][eval_set][k] for k in keys], all_labels) for run in runs}
            boot = paired_bootstrap_seeds(gold, [free[r] for r in runs_a], [free[r] for r in runs_b],
                                          metric=macro_f1_over([all_labels.index(l) for l in allowed]),
                                          n_resamples=n_bootstrap, seed=seed, labels=all_labels)
            rows.append({"test_set": eval_set + ANY_LABEL, "a": [str(r) for r in runs_a], "b": [str(r) for r in runs_b],
                         "n": len(keys), "labels": allowed, "paired_bootstrap": boot})
    return rows


def _mean_sd(values: list[float]) -> str:
    import statistics

    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def markdown_groups(rows: list[dict[str, Any]]) -> str:
    lines = ["| test set | n | A: mean ± sd over seeds | B: mean ± sd over seeds | A - B [95% CI] | paired bootstrap p |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        boot = r["paired_bootstrap"]
        a_runs, b_runs = boot.get("a_runs", [boot["a"]]), boot.get("b_runs", [boot["b"]])
        lines.append(f"| `{r['test_set']}` | {r['n']} | {_mean_sd(a_runs)} ({len(a_runs)}) | {_mean_sd(b_runs)} ({len(b_runs)}) "
                     f"| {boot['delta']:+.3f} [{boot['low']:+.3f}, {boot['high']:+.3f}] | {boot['p_value']:.4f} |")
    return "\n".join(lines)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| test set | A | B | n | macro-F1 A | macro-F1 B | A - B [95% CI] | paired bootstrap p | McNemar p (b, c) |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        boot, mc = r["paired_bootstrap"], r["mcnemar"]
        lo, hi = boot["low"], boot["high"]
        lines.append(
            f"| `{r['test_set']}` | {Path(r['a']).name} | {Path(r['b']).name} | {r['n']} | {boot['a']:.3f} | {boot['b']:.3f} "
            f"| {boot['delta']:+.3f} [{lo:+.3f}, {hi:+.3f}] | {boot['p_value']:.4f} | {mc['p_value']:.2g} ({mc['b']}, {mc['c']}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="*", type=Path, help="run folders; the first is compared with each other one")
    parser.add_argument("--a", nargs="+", type=Path, help="recipe A: its runs, one per seed (with --b)")
    parser.add_argument("--b", nargs="+", type=Path, help="recipe B: its runs, one per seed (with --a)")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="JSON file for the results")
    args = parser.parse_args(argv)
    groups = bool(args.a or args.b)
    if groups and (not args.a or not args.b or args.runs):
        parser.error("give --a RUN... and --b RUN..., and no other run folders")
    if not groups and len(args.runs) < 2:
        parser.error("give at least two run folders")
    try:
        if groups:
            rows = compare_groups(args.a, args.b, args.n_bootstrap, args.seed)
        else:
            rows = [row for other in args.runs[1:] for row in compare(args.runs[0], other, args.n_bootstrap, args.seed)]
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(markdown_groups(rows) if groups else markdown(rows))
    if args.output:
        write_json(args.output, {"command": " ".join(["python", *sys.argv]), "comparisons": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
