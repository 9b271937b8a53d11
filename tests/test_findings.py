"""The report of `stance run` shows stance shares with intervals: by party pair always, by month and
outlet when the articles carry them; with gold, the adjusted estimate from the annotated statements."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SEED_ARTICLE, SEED_GOLD
from stance.pipeline import run_pipeline

REPO = Path(__file__).resolve().parent.parent
US_RUSSIA = REPO / "configs" / "parties" / "us_russia.yaml"


@pytest.fixture
def tiny_model(tiny_encoder: Path, tmp_path: Path) -> Path:
    from stance.model import StanceClassifier

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["negative", "neutral", "positive"])
    clf.label_alias = {"confrontational": "negative", "conciliatory": "positive"}
    clf.display_alias = {"negative": "confrontational", "positive": "conciliatory"}
    clf.temperature = 1.5
    clf.save_pretrained(tmp_path / "model")
    return tmp_path / "model"


def test_seed_article_report_shows_party_shares_with_the_adjusted_estimate(tiny_model: Path, tmp_path: Path):
    out = tmp_path / "run"
    run_pipeline([SEED_ARTICLE], model=str(tiny_model), parties=str(US_RUSSIA), output_dir=out, gold=str(SEED_GOLD))
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Stance shares by party pair" in report
    assert "| pair | n | cc | pcc | acc |" in report
    assert "| US -> RU |" in report and "Share **confrontational**" in report
    assert "14 hand-annotated statements" in report
    assert "The plots show **pcc**: the 14 annotated statements are too few" in report
    assert (out / "shares_by_pair.png").exists()
    assert "Stance shares by month" not in report  # a .txt article has no date


def test_dated_articles_from_outlets_get_month_and_outlet_shares(tiny_model: Path, tmp_path: Path):
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    rows = [{"doc_id": f"a{i}", "text": text, "date": f"2014-0{3 + i % 3}-1{i}", "outlet": ["Wire A", "Daily B"][i % 2]}
            for i in range(4)]
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    run_pipeline([articles], model=str(tiny_model), parties=str(US_RUSSIA), output_dir=out)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Stance shares by month" in report and "| 2014-05 |" in report
    assert "## Stance shares by outlet" in report and "| Wire A |" in report
    assert "The plots show **pcc**" in report and "none was given" in report
    for name in ("shares_by_pair.png", "shares_over_time.png", "shares_by_outlet.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert "shares_over_time.png" in report
