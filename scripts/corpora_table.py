"""Write the corpus table of docs/data.md from the registry (stance.corpora.docs_table).

    python scripts/corpora_table.py           # rewrite the table in docs/data.md
    python scripts/corpora_table.py --check   # exit 1 when docs/data.md holds another table
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stance.corpora import docs_table

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data.md"
BEGIN = "<!-- corpora table: generated from the registry by scripts/corpora_table.py; do not edit by hand -->"
END = "<!-- end of the corpora table -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the table is current")
    args = parser.parse_args()
    text = DOCS.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = f"{text[:start]}\n{docs_table()}\n{text[end:]}"
    if args.check:
        if new != text:
            print(f"{DOCS}: the corpora table is out of date; run python scripts/corpora_table.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        DOCS.write_text(new, encoding="utf-8")
        print(f"updated {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
