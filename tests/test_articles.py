"""Articles with metadata (date, outlet, url, title) as JSONL, CSV, TSV or Parquet: every statement keeps them."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stance.errors import InputError
from stance.extraction import extract_files, iter_articles

REPO = Path(__file__).resolve().parent.parent
US_RUSSIA = REPO / "configs" / "parties" / "us_russia.yaml"
ROWS = [
    {"doc_id": "a1", "text": "Sergei Lavrov said Washington was to blame for the crisis.", "date": "2014-03-02",
     "outlet": "Wire A", "url": "https://example.org/a1", "title": "Lavrov blames Washington"},
    {"doc_id": "a2", "text": "John Kerry said the talks with Moscow were useful.", "date": "2014-05-20T10:00:00Z",
     "outlet": "Daily B", "title": "Kerry: talks useful"},
]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_article_tables_carry_their_metadata_into_every_statement(tmp_path: Path, suffix: str):
    path = tmp_path / f"articles{suffix}"
    frame = pd.DataFrame(ROWS)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    articles = list(iter_articles([path]))
    assert [a[0] for a in articles] == ["a1", "a2"]
    assert "url" not in articles[1][2]  # an empty cell is no field
    out = tmp_path / "statements.jsonl"
    extract_files([str(path)], str(out), parties=str(US_RUSSIA))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["doc_id"] for r in records} == {"a1", "a2"}
    first = next(r for r in records if r["doc_id"] == "a1")
    assert (first["date"], first["outlet"], first["url"], first["title"]) == (
        "2014-03-02", "Wire A", "https://example.org/a1", "Lavrov blames Washington")


def test_parquet_dates_become_iso_strings(tmp_path: Path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({"doc_id": ["x"], "text": ["Hi."], "date": pd.to_datetime(["2014-04-01"])}).to_parquet(path)
    assert next(iter(iter_articles([path])))[2]["date"].startswith("2014-04-01")


@pytest.mark.parametrize("content, line, field", [
    ("doc_id,text,date\na,Fine.,2014-01-01\nb,Bad date.,yesterday\n", 3, "date"),
    ("doc_id,body\na,Fine.\n", 1, "text"),
    ("doc_id,text\na,Fine.\na,Again.\n", 3, "doc_id"),
])
def test_bad_article_tables_name_file_line_and_field(tmp_path: Path, content: str, line: int, field: str):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_articles([path]))
    assert err.value.line == line and err.value.field == field
