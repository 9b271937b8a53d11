"""Stance shares on SEESAW valid by outlet and by ideology pair: each estimator beside the gold shares.

    .venv/bin/python scripts/seesaw_shares.py --run runs/demo [--calibrate-on dse-directed:valid] \\
        [--output build/seesaw_shares.md]

Reads the training run's predictions of ``seesaw:valid`` (every row carries its ``outlet``,
``source_ideology``, ``target_ideology`` and ``story_id``). SEESAW's stories are split in two halves by
a seeded draw of ``story_id``: one half is the hand-annotated sample (its gold labels and the model's
labels give the adjusted estimate its confusion matrix), the other is the population whose shares are
estimated, per outlet and per ideology pair, and compared with its gold shares. Splitting by story
keeps the statements of one story (which share a topic and wording) on one side; the bootstrap
resamples whole articles (``--cluster document_id``), whose statements are not independent.

When the run's model has no fitted temperature (a run from before calibration was part of
``stance train``), ``--calibrate-on`` fits one on that dev set with the run's model (this predicts the
dev set once) and rescales the scores; ``--calibrate-on-predictions SET`` fits it on the run's own
predictions of one eval set instead (no model run; that set's ECE is then in-sample); ``--temperature T``
gives one. The ECE before and after
is printed for every eval set of the run.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stance.aggregate import aggregate, gold_shares, markdown_table, wide  # noqa: E402
from stance.calibration import eval_set_calibration, rescale  # noqa: E402
from stance.results import annotated_sample, load_run  # noqa: E402

log = logging.getLogger("seesaw_shares")
LABELS = ["negative", "positive"]
SET = "seesaw:valid"


def fit_temperature_on(model_dir: Path, spec: str, reliability: str | None) -> tuple[float, dict]:
    from stance.calibration import calibrate_classifier, plot_reliability
    from stance.corpora import load_records
    from stance.model import StanceClassifier

    clf = StanceClassifier.from_pretrained(model_dir)
    records = load_records(spec)
    summary, (before, after, gold) = calibrate_classifier(clf, records, "stance", name=spec)
    if reliability:
        plot_reliability({"before": (before, gold), f"after (T = {clf.temperature:.2f})": (after, gold)}, reliability,
                         title=f"{model_dir.parent.name} on {spec}")
    return clf.temperature, summary


def calibrated_rows(predictions: pd.DataFrame, temperature: float, labels: list[str]) -> pd.DataFrame:
    frame = predictions.copy()
    raw = np.array([[s[l] for l in labels] for s in frame["scores"]], dtype=float)
    scaled = rescale(raw, temperature)
    frame["scores"] = [dict(zip(labels, row)) for row in scaled]
    return frame


def split_by_story(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    stories = sorted(set(frame["story_id"]))
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(stories, size=len(stories) // 2, replace=False))
    annotated = frame[frame["story_id"].isin(chosen)]
    return annotated, frame[~frame["story_id"].isin(chosen)]


def summary(table: pd.DataFrame, by: list[str], label: str) -> pd.DataFrame:
    """Per estimator: mean |estimate - gold| and how many intervals hold the gold share, for one label."""
    gold = table[(table["estimator"] == "gold") & (table["label"] == label)].set_index(by)["share"]
    rows = []
    for name in ("cc", "pcc", "acc"):
        part = table[(table["estimator"] == name) & (table["label"] == label)].set_index(by)
        if part.empty:
            continue
        g = gold.reindex(part.index)
        inside = ((part["low"] <= g) & (g <= part["high"])).sum()
        rows.append({"estimator": name, "mean_abs_error": float((part["share"] - g).abs().mean()),
                     "intervals_holding_gold": f"{inside} of {len(part)}",
                     "mean_interval_width": float((part["high"] - part["low"]).mean())})
    return pd.DataFrame(rows).set_index("estimator")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="training run folder with seesaw:valid predictions")
    parser.add_argument("--calibrate-on", default=None, help="dev set to fit a temperature on with the run's model")
    parser.add_argument("--temperature", type=float, default=None, help="use this temperature")
    parser.add_argument("--calibrate-on-predictions", metavar="SET",
                        help="fit the temperature on the run's own predictions of this eval set (no model run)")
    parser.add_argument("--reliability", help="with --calibrate-on: write the dev reliability diagram (PNG) here")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-statements", type=int, default=40, help="leave out smaller outlets / pairs")
    parser.add_argument("--cluster", default="document_id", help="resample whole articles in the bootstrap ('' for none)")
    parser.add_argument("--output", help="write the markdown here too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")

    run = load_run(args.run)
    model_labels = list(next(s for s in run.predictions["scores"] if isinstance(s, dict)))
    calibration = {}
    model_t = json.loads((run.path / "model" / "calibration.json").read_text())["temperature"] \
        if (run.path / "model" / "calibration.json").exists() else None
    lines = [f"Run: `{run.path}`", ""]
    if model_t is not None:
        lines.append(f"The run's model carries temperature {model_t:.3f}: its scores are calibrated as written.")
        predictions = run.predictions
        t_for_ece = model_t
    else:
        temperature = args.temperature
        if temperature is None and args.calibrate_on_predictions:
            from stance.calibration import calibration_summary, fit_temperature, label_indices

            part = run.predictions[run.predictions["eval_set"] == args.calibrate_on_predictions]
            raw = np.array([[s[l] for l in model_labels] for s in part["scores"]], dtype=float)
            gold, mask = label_indices(list(part["gold"]), model_labels)
            temperature = fit_temperature(raw[mask], gold)
            calibration = calibration_summary(raw[mask], rescale(raw[mask], temperature), gold)
            lines.append(f"Temperature fitted on the run's predictions of `{args.calibrate_on_predictions}` (no model "
                         f"run): {temperature:.3f} (NLL {calibration['nll_before']:.4f} -> {calibration['nll_after']:.4f}, "
                         f"n={calibration['n']}); the ECE of that set below is in-sample.")
        if temperature is None and args.calibrate_on:
            temperature, calibration = fit_temperature_on(run.path / "model", args.calibrate_on, args.reliability)
            lines.append(f"Temperature fitted on `{args.calibrate_on}` with the run's model: {temperature:.3f} "
                         f"(NLL {calibration['nll_before']:.4f} -> {calibration['nll_after']:.4f}, "
                         f"ECE {calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f}, n={calibration['n']}).")
        temperature = temperature or 1.0
        predictions = calibrated_rows(run.predictions, temperature, model_labels)
        t_for_ece = temperature
    ece = eval_set_calibration(predictions.to_dict("records"), model_labels, t_for_ece)
    ece_table = pd.DataFrame(ece).T[["n", "ece_before", "ece_after", "nll_before", "nll_after"]]
    ece_table = ece_table.astype({"n": int, "ece_before": float, "ece_after": float, "nll_before": float, "nll_after": float})
    ece_table.index.name = "eval set"
    lines += ["", "Calibration on each eval set (top-label ECE, 15 bins; over the set's own labels):", "",
              markdown_table(ece_table)]

    frame = predictions[predictions["eval_set"] == SET].copy()
    frame["pair"] = frame["source_ideology"].fillna("unknown") + " -> " + frame["target_ideology"].fillna("unknown")
    annotated_part, population = split_by_story(frame, args.seed)
    ann = annotated_sample(annotated_part, LABELS)
    lines += ["", f"SEESAW valid: {len(frame)} statements of {frame['story_id'].nunique()} stories; annotated half "
              f"{len(annotated_part)} statements ({annotated_part['story_id'].nunique()} stories), population half "
              f"{len(population)} statements ({population['story_id'].nunique()} stories).", ""]
    for by in (["outlet"], ["pair"]):
        table = pd.concat([
            gold_shares(population, by, LABELS),
            aggregate(population, by, LABELS, annotated=ann, n_bootstrap=args.bootstrap, seed=args.seed,
                      min_statements=args.min_statements, cluster=args.cluster or None),
        ], ignore_index=True)
        table = table[table.groupby(by)["n"].transform("max") >= args.min_statements]
        lines += [f"Share negative by {by[0]} (groups of at least {args.min_statements} statements):", "",
                  markdown_table(wide(table, "negative", by)), "",
                  f"Against the gold shares, by {by[0]}:", "", markdown_table(summary(table, by, "negative")), ""]
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
