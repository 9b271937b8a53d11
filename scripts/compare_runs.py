"""Paired significance tests between the fine-tuned models of two or more run folders, test set by test set.

    python scripts/compare_runs.py runs/directed runs/directed-dse-only runs/directed-seesaw-only

The first run is system A; every other run is compared with it as system B, on each test set both runs
scored (the rows of each set joined by ``(doc_id, statement_id)``, with the same gold labels). For each
pair: both macro-F1s, the paired bootstrap of the macro-F1 difference A - B (95% CI and two-sided p, the
same resamples for both systems) and the exact McNemar test on per-statement correctness (b = statements
only A gets right, c = only B). Reads only the runs' ``predictions.jsonl`` and ``metrics.json``; prints a
markdown table and, with ``--output``, writes the results as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stance.errors import InputError
from stance.io import iter_jsonl, write_json
from stance.metrics import mcnemar_exact, paired_bootstrap


def model_predictions(run: Path) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    """eval set -> (doc_id, statement_id) -> row of the run's fine-tuned model."""
    path = run / "predictions.jsonl"
    if not path.is_file():
        raise InputError(path, "not a finished run folder (no predictions.jsonl)")
    sets: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for lineno, row in iter_jsonl(path):
        for field in ("eval_set", "doc_id", "statement_id", "gold", "predicted"):
            if field not in row:
                raise InputError(path, f"missing {field}", line=lineno, field=field)
        sets.setdefault(row["eval_set"], {})[(str(row["doc_id"]), str(row["statement_id"]))] = row
    return sets


def test_labels(run: Path, eval_set: str) -> list[str] | None:
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    return (metrics.get("test", {}).get(eval_set) or {}).get("labels")


def compare(run_a: Path, run_b: Path, n_bootstrap: int, seed: int) -> list[dict[str, Any]]:
    a_sets, b_sets = model_predictions(run_a), model_predictions(run_b)
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
        boot = paired_bootstrap(gold, pred_a, pred_b, metric="macro_f1", n_resamples=n_bootstrap, seed=seed, labels=labels)
        rows.append({"test_set": eval_set, "a": str(run_a), "b": str(run_b), "n": len(keys), "labels": labels,
                     "paired_bootstrap": boot, "mcnemar": mcnemar_exact(gold, pred_a, pred_b)})
    return rows


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
    parser.add_argument("runs", nargs="+", type=Path, help="run folders; the first is compared with each other one")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="JSON file for the results")
    args = parser.parse_args(argv)
    if len(args.runs) < 2:
        parser.error("give at least two run folders")
    try:
        rows = [row for other in args.runs[1:] for row in compare(args.runs[0], other, args.n_bootstrap, args.seed)]
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(markdown(rows))
    if args.output:
        write_json(args.output, {"command": " ".join(["python", *sys.argv]), "comparisons": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
