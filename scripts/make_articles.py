"""Build a large synthetic corpus of news articles for scale tests, from real article text.

The text is read at run time from the corpora folder (``$STANCE_DATA_DIR``, default ``../shared/data``):
the SEESAW articles and the seed example beside it. Article ``i`` takes a window of consecutive sentences
from one real article (the window's start, length and paragraphing vary with ``i``), and some articles
add a paragraph from the other articles of the same story or from the seed example, so that no two
articles are the same text. Everything is seeded: the same arguments give the same file. The output is
generated data: write it under /tmp or runs/, never into the repository.

    python scripts/make_articles.py --n 20000 --output /tmp/articles-20k.jsonl
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
from pathlib import Path

from stance.paths import corpus_dir, data_dir
from stance.io import atomic_write

log = logging.getLogger("make_articles")

MONTHS = [f"{y}-{m:02d}" for y in (2014, 2015, 2016, 2017) for m in range(1, 13)]


def seesaw_articles(root: Path) -> list[tuple[str, list[str]]]:
    """(story id, sentences) for every SEESAW article, in file-name order."""
    folder = corpus_dir("seesaw", root) / "articles"
    out = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        sentences = [s["text"].strip() for s in doc.get("text", []) if s.get("text", "").strip()]
        if len(sentences) >= 4:
            out.append((path.stem.rsplit("_DOCUMENT_", 1)[0], sentences))
    return out


def seed_paragraphs(root: Path) -> list[str]:
    """The seed example's paragraphs (title and one-line paragraphs left out)."""
    path = root.parent / "examples" / "kerry_putin_sochi.txt"
    if not path.exists():
        return []
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))]
    return [p for p in paragraphs if len(p.split()) >= 12]


def make_article(i: int, rng: random.Random, articles: list[tuple[str, list[str]]], seed: list[str],
                 by_story: dict[str, list[int]], max_sentences: int) -> dict[str, object]:
    base = i % len(articles)
    story, sentences = articles[base]
    n = rng.randint(max(3, max_sentences // 2), max_sentences)
    start = rng.randrange(0, max(1, len(sentences) - n + 1))
    window = sentences[start : start + n]
    paragraphs, k = [], 0
    while k < len(window):  # paragraphs of 1 to 3 sentences, as news writing has them
        size = rng.choice((1, 2, 2, 3))
        paragraphs.append(" ".join(window[k : k + size]))
        k += size
    extra = rng.random()
    siblings = [j for j in by_story[story] if j != base]
    if extra < 0.3 and siblings:  # a paragraph of another outlet's article on the same story
        other = articles[rng.choice(siblings)][1]
        j = rng.randrange(len(other))
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), " ".join(other[j : j + 2]))
    elif extra < 0.4 and seed:
        paragraphs.append(rng.choice(seed))
    return {
        "doc_id": f"syn-{i:06d}",
        "date": f"{MONTHS[(i * 7) % len(MONTHS)]}-{1 + i % 28:02d}",
        "source_article": f"{story}/{base}",
        "text": "\n\n".join(paragraphs) + "\n",
    }


def make_articles(n: int, output: str | Path, *, seed: int = 0, max_sentences: int = 8, root: str | Path | None = None) -> dict[str, int]:
    """Write ``n`` articles as JSONL (``doc_id``, ``date``, ``source_article``, ``text``); return counts."""
    root = data_dir(root)
    articles = seesaw_articles(root)
    seed_text = seed_paragraphs(root)
    by_story: dict[str, list[int]] = {}
    for j, (story, _) in enumerate(articles):
        by_story.setdefault(story, []).append(j)
    rng = random.Random(seed)
    words = 0
    with atomic_write(output) as handle:
        for i in range(n):
            article = make_article(i, rng, articles, seed_text, by_story, max_sentences)
            words += len(str(article["text"]).split())
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    log.info("wrote %d articles (%d words, %.0f per article) from %d real articles to %s",
             n, words, words / max(n, 1), len(articles), output)
    return {"articles": n, "words": words, "source_articles": len(articles)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="number of articles")
    parser.add_argument("--output", required=True, help="JSONL to write (under /tmp or runs/, not the repository)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-sentences", type=int, default=8, help="sentences per article: between half this and this")
    parser.add_argument("--data-dir", default=os.environ.get("STANCE_DATA_DIR"), help="corpora folder (default: $STANCE_DATA_DIR)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    counts = make_articles(args.n, args.output, seed=args.seed, max_sentences=args.max_sentences, root=args.data_dir)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
