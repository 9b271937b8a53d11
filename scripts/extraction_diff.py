"""What a change to the extraction rules changes on real news: the statements only one version finds.

Extracts the statements of a seeded sample of SEESAW articles (read from $STANCE_DATA_DIR at run
time; nothing is copied into the repository) with the code of this checkout, or of another git
revision checked out as a worktree, and compares two such outputs: statements are the same when
article, content span and cue are. The lists are for reading, one by one, by a person who judges
each statement (right speaker? a statement at all?): see docs/results.md, "Extraction on real news".

    python scripts/extraction_diff.py extract --output /tmp/new.jsonl
    git worktree add /tmp/base REV && (cd /tmp/base && PYTHONPATH=/tmp/base \\
        python /path/to/this/scripts/extraction_diff.py extract --output /tmp/base.jsonl)
    python scripts/extraction_diff.py compare /tmp/base.jsonl /tmp/new.jsonl
    python scripts/extraction_diff.py sample /tmp/new.jsonl --n 40 --seed 7777   # a random audit
"""
from __future__ import annotations

import argparse
import json
import logging
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("doc_id", "kind", "cue_type", "rule", "speaker", "source", "speaker_party", "cue", "start", "end", "content")


def extract(args: argparse.Namespace) -> None:
    from stance.paths import data_dir
    from stance.extraction import extract_many
    from stance.io import write_jsonl
    from stance.nlp import load_nlp
    from stance.parties import PartyConfig

    files = sorted((data_dir() / "seesaw" / "articles").glob("*.json"))
    files = random.Random(args.seed).sample(files, min(args.articles, len(files)))
    articles = []
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        articles.append((path.stem, " ".join(s["text"] for s in doc["text"]), {}))
    parties = PartyConfig.from_yaml(REPO / "configs" / "parties" / "us_parties.yaml")
    logging.getLogger("stance.extraction").setLevel(logging.ERROR)
    records = [{k: r.get(k) for k in FIELDS} for r in extract_many(articles, nlp=load_nlp(), parties=parties)]
    write_jsonl(args.output, records)
    words = sum(len(text.split()) for _, text, _ in articles)
    print(f"{len(articles)} articles, {words} words, {len(records)} statements -> {args.output}")


def compare(args: argparse.Namespace) -> None:
    def read(path: str) -> dict[tuple, dict]:
        with open(path, encoding="utf-8") as f:
            return {(r["doc_id"], r["start"], r["end"], r["cue"]): r for r in map(json.loads, f)}

    a, b = read(args.a), read(args.b)
    print(f"{args.a}: {len(a)} statements; {args.b}: {len(b)}; in both: {len(a.keys() & b.keys())}")
    changed = [k for k in a.keys() & b.keys() if (a[k]["source"], a[k]["speaker_party"]) != (b[k]["source"], b[k]["speaker_party"])]
    for name, only in (("only in " + args.a, [a[k] for k in a.keys() - b.keys()]),
                       ("only in " + args.b, [b[k] for k in b.keys() - a.keys()])):
        print(f"\n--- {name}: {len(only)}")
        for r in sorted(only, key=lambda r: (r["doc_id"], r["start"])):
            print(f"{r['doc_id']} [{r['kind']}] {r['speaker']!r} -> {r['source']!r} | {r['cue']} | {r['content'][:160]!r}")
    print(f"\n--- same statement, other source or party: {len(changed)}")
    for k in sorted(changed):
        print(f"{k[0]} {a[k]['source']!r} ({a[k]['speaker_party']}) -> {b[k]['source']!r} ({b[k]['speaker_party']})")


def sample(args: argparse.Namespace) -> None:
    """Statements drawn at random from one output, each with the text before it, for a person to judge."""
    from stance.paths import data_dir

    with open(args.statements, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    texts: dict[str, str] = {}
    for n, r in enumerate(random.Random(args.seed).sample(records, min(args.n, len(records)))):
        if r["doc_id"] not in texts:
            doc = json.loads((data_dir() / "seesaw" / "articles" / f"{r['doc_id']}.json").read_text(encoding="utf-8"))
            texts[r["doc_id"]] = " ".join(s["text"] for s in doc["text"])
        text = texts[r["doc_id"]]
        print(f"#{n} {r['doc_id']} [{r['kind']}] speaker={r['speaker']!r} -> {r['source']!r} ({r['speaker_party']}) "
              f"cue={r['cue']!r}")
        print(f"   content: {r['content'][:300]!r}")
        print(f"   before:  {text[max(0, r['start'] - 250):r['start']]!r}")
        print(f"   after:   {text[r['end']:r['end'] + 120]!r}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="extract the statements of a seeded sample of SEESAW articles")
    p.add_argument("--output", required=True)
    p.add_argument("--articles", type=int, default=150)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(run=extract)
    p = sub.add_parser("compare", help="the statements only one of two outputs has")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(run=compare)
    p = sub.add_parser("sample", help="statements drawn at random from one output, with their context, to judge")
    p.add_argument("statements")
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--seed", type=int, default=7777)
    p.set_defaults(run=sample)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
