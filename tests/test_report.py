"""The report of a run reads predictions, never a model: from a run's classified statements (and, with a
gold file, the labels predicted for the gold statements) it writes the tables, the plots, report.md /
report.html and the scores against the hand annotations."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import SEED_GOLD
from stance.errors import StanceError
from stance.report import statements_frame, write_run_report

LABELS = ["negative", "neutral", "positive"]
ALIAS = {"confrontational": "negative", "conciliatory": "positive"}  # the seed example's labels -> the model's
DISPLAY = {"negative": "confrontational", "positive": "conciliatory"}
WRONG = {"s03": "positive", "s06": "positive"}  # the two statements the predictions below get wrong


def predictions(records: list[dict]) -> list[dict]:
    """The seed example's statements as a model would label them: right but for WRONG, with scores whose
    top score is highest for the first statements."""
    out = []
    for i, record in enumerate(records):
        label = WRONG.get(record["statement_id"], ALIAS.get(record["stance"], record["stance"]))
        top = round(0.9 - 0.04 * i, 2)
        scores = {l: top if l == label else round((1 - top) / 2, 3) for l in LABELS}
        out.append({**record, "stance": label, "scores": scores, "label_source": "model"})
    return out


def gold_records() -> list[dict]:
    return [json.loads(line) for line in SEED_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A run folder whose extracted statements are the seed example's gold statements, classified."""
    out = tmp_path / "run"
    out.mkdir()
    rows = predictions(gold_records())
    (out / "statements.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return out


def section(report: str, title: str) -> str:
    return report.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_report_counts_predicted_stances_by_kind_and_party_pair(run):
    summary = write_run_report(run, labels=LABELS, display_alias=DISPLAY)
    assert summary["articles"] == 1
    assert summary["by_kind"] == {"direct": 5, "indirect": 5, "mixed": 4}
    assert summary["stance"] == {"conciliatory": 6, "confrontational": 5, "neutral": 3}
    matrix = section((run / "report.md").read_text(encoding="utf-8"), "Party x party stance")
    assert "| speaker -> target | confrontational | neutral | conciliatory |" in matrix  # the model's order
    assert "| RU -> US | 3 | 1 | 2 |" in matrix and "| US -> RU | 2 | 2 | 4 |" in matrix
    assert (run / "party_stance.png").read_bytes()[:4] == b"\x89PNG"
    html = (run / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 2 and "<td>RU -&gt; US</td>" in html


def test_the_tables_hold_every_statement_with_one_column_per_score(run):
    write_run_report(run, labels=LABELS)
    table = pd.read_csv(run / "statements.csv")
    assert len(table) == 14 and list(table["statement_id"]) == [f"s{i:02d}" for i in range(1, 15)]
    assert {"score_negative", "score_neutral", "score_positive", "confidence"} <= set(table.columns)
    assert table["confidence"].tolist() == pytest.approx([round(0.9 - 0.04 * i, 2) for i in range(14)])
    assert pd.read_parquet(run / "statements.parquet")["stance"].tolist() == table["stance"].tolist()


def test_the_most_and_least_confident_statements_come_in_order_of_their_top_score(run):
    write_run_report(run, labels=LABELS)
    report = (run / "report.md").read_text(encoding="utf-8")
    frame = statements_frame(run / "statements.jsonl")
    ranked = frame.sort_values("confidence", ascending=False)["content"].tolist()
    most, least = section(report, "Most confident statements"), section(report, "Least confident statements")
    positions = [most.index(content[:60]) for content in ranked[:5]]
    assert positions == sorted(positions) and ranked[-1][:60] not in most
    assert least.index(ranked[-1][:60]) < least.index(ranked[-2][:60])


def test_against_gold_the_report_scores_the_predictions_it_is_given(run):
    summary = write_run_report(run, labels=LABELS, gold=str(SEED_GOLD), gold_predictions=predictions(gold_records()),
                               label_alias=ALIAS, display_alias=DISPLAY)
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    given, e2e = metrics["stance_given_gold_spans"], metrics["stance_end_to_end"]
    assert (given["n"], given["agree"]) == (14, 12) and given["accuracy"] == pytest.approx(12 / 14)
    assert e2e == {**e2e, "n_gold": 14, "found": 14, "agree": 12}  # the extracted spans are the gold spans
    assert metrics["extraction"]["exact"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert summary["gold"] == {"stance_given_gold_spans_agree": 12, "end_to_end_agree": 12, "n_gold": 14}
    text = section((run / "report.md").read_text(encoding="utf-8"), "Against the hand annotations")
    assert "12 of 14 agree" in text and (run / "confusion_gold_spans.png").exists()
    shares = section((run / "report.md").read_text(encoding="utf-8"), "Stance shares by party pair")
    assert "14 hand-annotated statements" in shares  # the adjusted estimate learns from the same pairs


def test_other_predictions_for_the_gold_statements_give_other_scores(run):
    all_right = [{**r, "stance": ALIAS.get(r["stance"], r["stance"])} for r in gold_records()]
    write_run_report(run, labels=LABELS, gold=str(SEED_GOLD), gold_predictions=all_right, label_alias=ALIAS)
    given = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["stance_given_gold_spans"]
    assert given["agree"] == 14 and given["macro_f1"] == 1.0


def test_a_gold_statement_without_a_prediction_is_refused_before_anything_is_written(run):
    with pytest.raises(StanceError, match="no prediction for 1 of 14 gold statements"):
        write_run_report(run, labels=LABELS, gold=str(SEED_GOLD), gold_predictions=predictions(gold_records())[1:],
                         label_alias=ALIAS)
    assert sorted(p.name for p in run.iterdir()) == ["statements.jsonl"]


def test_a_run_without_statements_says_so(tmp_path):
    (tmp_path / "statements.jsonl").write_text("", encoding="utf-8")
    summary = write_run_report(tmp_path, labels=LABELS)
    assert summary == {"articles": 0}
    assert "No attributed statements were found." in (tmp_path / "report.md").read_text(encoding="utf-8")
