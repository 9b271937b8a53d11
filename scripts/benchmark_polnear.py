"""The rule extractor on PolNeAR (attributions in 2016 U.S. election news), scored: one run folder.

Extracts the statements of every article of a split (read from $STANCE_DATA_DIR/polnear at run
time; nothing is copied into the repository) and scores them against the first annotator's
attributions (``--annotators all``: against every annotator's file, each a gold set of its own)
with :func:`stance.extraction_eval.score_attributions`. The same as

    stance extract polnear:dev --output runs/polnear-dev/predictions.jsonl
    stance evaluate --task extraction --gold polnear:dev --pred runs/polnear-dev/predictions.jsonl

in one command that also times the extraction and records the machine:

    python scripts/benchmark_polnear.py --split dev --output runs/polnear-dev
    python scripts/benchmark_polnear.py --split train --output runs/polnear-train --processes 2

The run folder holds predictions.jsonl, metrics.json (every number, with bootstrap 95% CIs over
articles, and the run's commit, machine and times) and summary.txt (what is printed).
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from stance.corpora.polnear import iter_articles
from stance.extraction import extract_many
from stance.extraction_eval import align_to_gold_sets, format_attribution_summary, read_gold, score_attributions
from stance.io import check_output_dir, claim_run_dir, write_json, write_jsonl, write_text
from stance.nlp import load_nlp

REPO = Path(__file__).resolve().parent.parent
OWNED = ("predictions.jsonl", "metrics.json", "summary.txt")


def machine() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} CPUs"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"


def commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["train", "dev"], default="dev")
    parser.add_argument("--output", required=True, help="run folder (new, or one this script wrote)")
    parser.add_argument("--overwrite", action="store_true", help="replace the files of an earlier run in --output")
    parser.add_argument("--annotators", choices=["first", "all"], default="first")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    check_output_dir(args.output)
    claim_run_dir(args.output, "benchmark_polnear", OWNED, overwrite=args.overwrite, dry_run=True)
    gold = read_gold(f"polnear:{args.split}", annotators=args.annotators)
    assert gold is not None
    articles = list(iter_articles(args.split))
    words = sum(len(text.split()) for _, text, _ in articles)
    nlp = load_nlp()
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    pred = list(extract_many(articles, nlp=nlp, n_process=args.processes))
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()[0]
    scored = align_to_gold_sets(gold, pred) if args.annotators == "all" else pred
    metrics = score_attributions(gold, scored, n_bootstrap=args.bootstrap, seed=args.seed)
    metrics.update(gold=f"polnear:{args.split}", pred="predictions.jsonl", annotators=args.annotators)
    metrics["run"] = {
        "split": args.split, "articles": len(articles), "words": words, "statements": len(pred),
        "extraction_seconds": round(wall, 1), "words_per_second": round(words / wall), "processes": args.processes,
        "load_average": [round(load_before, 2), round(load_after, 2)], "machine": machine(), "commit": commit(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    }
    summary = format_attribution_summary(metrics) + (
        f"\n\n{len(articles)} articles, {words} words extracted in {wall:.1f} s ({words / wall:,.0f} words/s, "
        f"{args.processes} process(es); load average {load_before:.2f} -> {load_after:.2f}) on {machine()}; "
        f"commit {metrics['run']['commit']}\n")
    claim_run_dir(args.output, "benchmark_polnear", OWNED, overwrite=args.overwrite)
    out = Path(args.output)
    write_jsonl(out / "predictions.jsonl", pred)
    write_json(out / "metrics.json", metrics)
    write_text(out / "summary.txt", summary)
    print(summary, end="")


if __name__ == "__main__":
    main()
