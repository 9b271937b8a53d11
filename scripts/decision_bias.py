"""Would a bias toward (or away from) one label, chosen on the dev sets, help? Asked of finished runs:

    python scripts/decision_bias.py runs/demo-s42 runs/demo-s43 runs/demo-s44 --label neutral
    python scripts/decision_bias.py runs/demo --label neutral --biases -1 -0.5 0 0.5 1 --output bias.json

A bias ``b`` raises the label's log-probability by ``b`` before the argmax (its probability times
``e ** b``; stance.calibration.biased_argmax). For each run, its dev sets are scored again with its model
(in the precision and at the temperature its test sets were scored in) and its test rows are read from
``predictions.jsonl``. For each bias: every set's macro-F1, with the model free to answer any of its labels
(a set annotated with fewer classes, SEESAW, counts an answer outside them as a miss, as ``stance run``
labels news); the dev selection score (the mean over the dev sets); and, for each test set without the
label, the share of its statements given it. Prints one table of the means over the runs and the bias the
dev sets choose (the highest mean selection score; of equal ones, the bias nearest 0).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from stance.calibration import biased_argmax
from stance.config import load_config
from stance.errors import InputError, StanceError
from stance.evaluate import score_any_label
from stance.io import iter_jsonl, write_json
from stance.metrics import classification_metrics

log = logging.getLogger("decision_bias")

DEFAULT_BIASES = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


def free_macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str], allowed: Sequence[str]) -> float:
    """Macro-F1 over the set's own labels (``allowed``) of answers that may be any of the model's."""
    if len(allowed) < len(labels):
        return float(score_any_label(gold, pred, labels, allowed, n_bootstrap=0)["macro_f1"])
    return float(classification_metrics(gold, pred, labels=list(labels))["macro_f1"])


def run_sets(run: Path) -> tuple[list[str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """A run's labels, and its dev and test sets as ``{spec: {"gold", "proba", "allowed"}}``."""
    import json

    from stance.model import StanceClassifier
    from stance.train import eval_labels, load_run_data

    for name in ("config.yaml", "metrics.json", "predictions.jsonl", "model"):
        if not (run / name).exists():
            raise InputError(run, f"not a finished run folder: no {name}")
    config = load_config(run / "config.yaml")
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    clf = StanceClassifier.from_pretrained(run / "model", quantize="bf16" if metrics.get("scoring_precision") == "bf16" else None)
    labels, lf = list(clf.labels), config.label_field
    dev: dict[str, dict[str, Any]] = {}
    for spec, records in load_run_data(config).dev.items():
        proba = np.asarray(clf.predict_proba(records, batch_size=config.train.eval_batch_size))
        dev[spec] = {"gold": [r[lf] for r in records], "proba": proba, "allowed": eval_labels(spec, labels, config)}
        log.info("%s: %s scored again (%d statements)", run, spec, len(records))
    test: dict[str, dict[str, Any]] = {}
    for lineno, row in iter_jsonl(run / "predictions.jsonl"):
        if not isinstance(row.get("scores"), dict) or set(row["scores"]) != set(labels):
            raise InputError(run / "predictions.jsonl", f"expected scores for {labels}", line=lineno, field="scores")
        entry = test.setdefault(row["eval_set"], {"gold": [], "proba": [], "allowed": metrics["test"][row["eval_set"]]["labels"]})
        entry["gold"].append(row["gold"])
        entry["proba"].append([row["scores"][label] for label in labels])
    for entry in test.values():
        entry["proba"] = np.asarray(entry["proba"], dtype=float)
    return labels, dev, test


def sweep(labels: Sequence[str], dev: dict[str, dict[str, Any]], test: dict[str, dict[str, Any]], label: str,
          biases: Sequence[float]) -> list[dict[str, Any]]:
    """One run's scores at each bias: ``{"bias", "selection", "dev": {spec: F1}, "test": {spec: F1},
    "share": {spec: share of the label}}`` (shares for the test sets annotated without the label)."""
    rows = []
    for bias in biases:
        row: dict[str, Any] = {"bias": float(bias), "dev": {}, "test": {}, "share": {}}
        for role, sets in (("dev", dev), ("test", test)):
            for spec, entry in sets.items():
                pred = biased_argmax(entry["proba"], labels, label, bias)
                row[role][spec] = free_macro_f1(entry["gold"], pred, labels, entry["allowed"])
                if role == "test" and label not in entry["allowed"]:
                    row["share"][spec] = float(np.mean([p == label for p in pred]))
        row["selection"] = float(np.mean(list(row["dev"].values()))) if row["dev"] else float("nan")
        rows.append(row)
    return rows


def mean_rows(per_run: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The runs' rows averaged bias by bias (sets every run scored)."""
    out = []
    for rows in zip(*per_run):
        mean: dict[str, Any] = {"bias": rows[0]["bias"], "selection": float(np.mean([r["selection"] for r in rows]))}
        for part in ("dev", "test", "share"):
            common = [spec for spec in rows[0][part] if all(spec in r[part] for r in rows)]
            mean[part] = {spec: float(np.mean([r[part][spec] for r in rows])) for spec in common}
        mean["selection_each"] = [r["selection"] for r in rows]
        out.append(mean)
    return out


def choose(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The row of the highest mean selection score; of equal ones, the bias nearest 0."""
    return max(rows, key=lambda r: (round(r["selection"], 12), -abs(r["bias"])))


def table(rows: Sequence[dict[str, Any]], label: str) -> str:
    first = rows[0]
    head = (["bias", "selection (dev)"] + [f"`{s}`" for s in first["dev"]] + [f"`{s}`" for s in first["test"]]
            + [f"`{s}`: {label}" for s in first["share"]])
    lines = ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    for r in rows:
        cells = [f"{r['bias']:+.2f}", f"{r['selection']:.3f}"] + [f"{v:.3f}" for v in r["dev"].values()]
        cells += [f"{v:.3f}" for v in r["test"].values()] + [f"{v:.3f}" for v in r["share"].values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="finished run folders (config.yaml, model/, predictions.jsonl)")
    parser.add_argument("--label", default="neutral", help="the label the bias is added to (default neutral)")
    parser.add_argument("--biases", nargs="+", type=float, default=list(DEFAULT_BIASES), help="the biases tried")
    parser.add_argument("--output", type=Path, help="write every run's scores and the means as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        per_run = []
        for run in args.runs:
            labels, dev, test = run_sets(run)
            if args.label not in labels:
                raise InputError(None, f"not a label of {run}'s model ({', '.join(labels)})", field="--label")
            per_run.append(sweep(labels, dev, test, args.label, args.biases))
        rows = mean_rows(per_run)
        chosen, plain = choose(rows), min(rows, key=lambda r: abs(r["bias"]))
        print(f"means over {len(args.runs)} run(s); the dev sets and the test sets scored with any label free\n")
        print(table(rows, args.label))
        print(f"\nchosen on the dev sets: bias {chosen['bias']:+.2f} (selection {chosen['selection']:.3f}; "
              f"at bias {plain['bias']:+.2f}: {plain['selection']:.3f})")
        if args.output:
            write_json(args.output, {"runs": [str(r) for r in args.runs], "label": args.label, "biases": args.biases,
                                     "per_run": per_run, "mean": rows, "chosen_bias": chosen["bias"]})
    except StanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
