"""Words per second of statement extraction, end to end (spaCy parse + rules + party mapping).

The text is real news: the seed article and SEESAW articles, read from $STANCE_DATA_DIR at run
time (nothing is copied into the repository), cycled until the requested number of words.

    .venv/bin/python scripts/benchmark_extraction.py --processes 1
    .venv/bin/python scripts/benchmark_extraction.py --processes 2 --words 200000

Prints the wall-clock rate (what a user waits for) and the rate per CPU-second used by this
process and its workers (less sensitive to other jobs on a shared machine), with the load
average, so that numbers measured on a busy machine can be read for what they are.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import time
from pathlib import Path

from stance.paths import data_dir
from stance.extraction import extract_many
from stance.nlp import load_nlp
from stance.parties import PartyConfig

REPO = Path(__file__).resolve().parent.parent


def news_articles(words: int) -> list[tuple[str, str, dict]]:
    """Real articles, cycled (with a new doc_id each round) until ``words`` words."""
    root = data_dir()
    pool = []
    seed = root.parent / "examples" / "kerry_putin_sochi.txt"
    if seed.is_file():
        pool.append(seed.read_text(encoding="utf-8"))
    for path in sorted((root / "seesaw" / "articles").glob("*.json")):
        sentences = [s["text"] for s in json.loads(path.read_text(encoding="utf-8"))["text"]]
        # three sentences a paragraph, as in news copy
        pool.append("\n\n".join(" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)))
    if not pool:
        raise SystemExit(f"no articles found under {root}")
    articles, total, k = [], 0, 0
    while total < words:
        text = pool[k % len(pool)]
        articles.append((f"a{k:05d}", text, {}))
        total += len(text.split())
        k += 1
    return articles


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--words", type=int, default=100_000, help="words of text to process")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--parties", default=str(REPO / "configs" / "parties" / "us_parties.yaml"),
                        help="party config (empty: none)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    articles = news_articles(args.words)
    words = sum(len(text.split()) for _, text, _ in articles)
    parties = PartyConfig.from_yaml(args.parties) if args.parties else None
    nlp = load_nlp()
    list(extract_many(articles[:2], nlp=nlp, parties=parties))  # warm-up, not timed

    load_before = os.getloadavg()[0]
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    n = sum(1 for _ in extract_many(articles, nlp=nlp, parties=parties, batch_size=args.batch_size,
                                    n_process=args.processes))
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    load_after = os.getloadavg()[0]

    print(f"processes           {args.processes}")
    print(f"articles / words    {len(articles)} / {words}")
    print(f"statements          {n}")
    print(f"wall time           {wall:.1f} s")
    print(f"words per second    {words / wall:,.0f}   (wall clock, end to end)")
    print(f"words per CPU-sec   {words / cpu:,.0f}   (this process and its workers)")
    print(f"load average        {load_before:.2f} -> {load_after:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
