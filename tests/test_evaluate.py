"""Evaluation against hand annotations: files in, metrics, report and plots out; bad input refused."""
from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from stance.cli import main
from stance.errors import InputError
from stance.evaluate import (
    any_label_name,
    compare_files,
    evaluate_files,
    evaluate_records,
    format_comparison,
    format_summary,
    results_table,
    score_any_label,
    score_labels,
)
from stance.plots import plot_bar, plot_confusion

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# invented statements; gold labels a a a b b c -> here negative x3, neutral x2, positive x1
GOLD_LABELS = ["negative", "negative", "negative", "neutral", "neutral", "positive"]
PRED_LABELS = ["negative", "negative", "neutral", "neutral", "positive", "positive"]
TEXTS = [
    "The minister accused the rival party of lying about the budget.",
    "Critics said the plan would wreck the harbour.",
    "The mayor rejected the union's demands.",
    "The talks will resume on Tuesday, a spokesperson said.",
    "Officials said the report would be published next month.",
    "The envoy praised the agreement as a breakthrough.",
]


def _record(i: int, label: str | None, **extra) -> dict:
    record = {"doc_id": f"doc{i // 3}", "statement_id": f"s{i}", "text": TEXTS[i]}
    if label is not None:
        record["stance"] = label
    record.update(extra)
    return record


def _write(path: Path, rows: list[dict | str]) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    gold = _write(tmp_path / "gold.jsonl", [_record(i, lab) for i, lab in enumerate(GOLD_LABELS)])
    pred = _write(tmp_path / "pred.jsonl", [_record(i, lab) for i, lab in enumerate(PRED_LABELS)])
    return gold, pred


# --------------------------------------------------------------------------- end to end
def test_evaluate_files_writes_metrics_plot_and_report(files, tmp_path):
    gold, pred = files
    out = tmp_path / "eval"
    metrics = evaluate_files(gold, pred, str(out), n_bootstrap=200, seed=1)
    # same hand arithmetic as tests/test_metrics.py: accuracy 4/6, macro-F1 (0.8 + 0.5 + 2/3) / 3, kappa 0.5
    assert metrics["n"] == 6
    assert metrics["labels"] == ["negative", "neutral", "positive"]
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert metrics["cohen_kappa"] == pytest.approx(0.5)
    assert metrics["confusion"]["matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert (metrics["gold"], metrics["pred"]) == (gold, pred)
    for name in ("accuracy", "macro_f1"):
        assert set(metrics["ci"][name]) == {"low", "high"}
        assert metrics["ci"][name]["low"] <= metrics[name] <= metrics["ci"][name]["high"]

    assert sorted(p.name for p in out.iterdir()) == [".stance-run.json", "confusion.png", "metrics.json", "report.md"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == metrics
    assert {"n", "accuracy", "macro_f1", "per_class", "confusion", "cohen_kappa", "krippendorff_alpha", "ci",
            "labels", "gold", "pred"} <= set(saved)
    assert (out / "confusion.png").read_bytes()[:8] == PNG_MAGIC
    report = (out / "report.md").read_text()
    assert "| accuracy | 0.667 |" in report
    assert "| negative | 2 | 1 | 0 |" in report
    assert "![confusion matrix](confusion.png)" in report


def test_evaluate_is_seeded_and_independent_of_prediction_order(files, tmp_path):
    gold, pred = files
    shuffled = _write(tmp_path / "shuffled.jsonl", [_record(i, PRED_LABELS[i]) for i in (5, 2, 0, 4, 1, 3)])
    first = evaluate_files(gold, pred, n_bootstrap=300, seed=4)
    again = evaluate_files(gold, shuffled, n_bootstrap=300, seed=4)
    assert {k: v for k, v in first.items() if k != "pred"} == {k: v for k, v in again.items() if k != "pred"}


def test_label_alias_maps_both_sides(tmp_path):
    gold_names = {"negative": "confrontational", "neutral": "neutral", "positive": "conciliatory"}
    gold = _write(tmp_path / "gold.jsonl", [_record(i, gold_names[lab]) for i, lab in enumerate(GOLD_LABELS)])
    pred = _write(tmp_path / "pred.jsonl", [_record(i, lab) for i, lab in enumerate(PRED_LABELS)])
    metrics = evaluate_files(
        gold, pred, label_alias={"confrontational": "negative", "conciliatory": "positive"}, n_bootstrap=0
    )
    assert metrics["labels"] == ["negative", "neutral", "positive"]
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["ci"] == {}


def test_separate_prediction_label_field(tmp_path):
    gold = _write(tmp_path / "gold.jsonl", [_record(i, lab) for i, lab in enumerate(GOLD_LABELS)])
    pred = _write(tmp_path / "pred.jsonl", [_record(i, None, predicted=lab) for i, lab in enumerate(PRED_LABELS)])
    metrics = evaluate_files(gold, pred, pred_label_field="predicted", n_bootstrap=0)
    assert metrics["accuracy"] == pytest.approx(4 / 6)


def test_evaluate_records_matches_files(files):
    gold, pred = files
    from_files = evaluate_files(gold, pred, n_bootstrap=100)
    from_records = evaluate_records(
        [_record(i, lab) for i, lab in enumerate(GOLD_LABELS)],
        [{"doc_id": f"doc{i // 3}", "statement_id": f"s{i}", "stance": lab} for i, lab in enumerate(PRED_LABELS)],
        n_bootstrap=100,
    )
    drop = {"gold", "pred"}
    assert {k: v for k, v in from_records.items() if k not in drop} == {
        k: v for k, v in from_files.items() if k not in drop
    }


def test_score_labels_on_plain_lists():
    scores = score_labels(["x", "x", "y"], ["x", "y", "y"], n_bootstrap=50)
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert set(scores["ci"]) == {"accuracy", "macro_f1"}


def test_a_two_class_set_scored_with_any_label_counts_a_neutral_answer_as_a_miss():
    gold = ["negative", "negative", "positive", "positive", "negative", "positive"]
    pred = ["negative", "neutral", "positive", "neutral", "positive", "positive"]
    scores = score_any_label(gold, pred, ["negative", "neutral", "positive"], ["negative", "positive"], n_bootstrap=200)
    assert scores["outside"] == ["neutral"]
    assert scores["outside_share"] == pytest.approx(2 / 6)
    assert scores["accuracy"] == pytest.approx(3 / 6)
    # negative: 1 right of 3 gold, 1 predicted -> F1 2/4; positive: 2 right of 3 gold, 3 predicted -> F1 4/6
    assert scores["macro_f1"] == pytest.approx((2 / 4 + 4 / 6) / 2)
    assert scores["confusion"]["matrix"][0] == [1, 1, 1]  # gold negative: answered negative, neutral, positive
    for name in ("outside_share", "macro_f1", "accuracy"):
        assert scores["ci"][name]["low"] <= scores[name] <= scores["ci"][name]["high"]
    assert any_label_name("seesaw:valid", scores) == "seesaw:valid, any label (33.3% called neutral)"


def test_a_two_class_set_answered_within_its_classes_scores_as_its_task():
    gold, pred = ["negative", "positive", "positive"], ["negative", "positive", "negative"]
    free = score_any_label(gold, pred, ["negative", "neutral", "positive"], ["negative", "positive"], n_bootstrap=0)
    task = score_labels(gold, pred, ["negative", "positive"], n_bootstrap=0)
    assert free["outside_share"] == 0
    assert (free["macro_f1"], free["accuracy"]) == pytest.approx((task["macro_f1"], task["accuracy"]))


def test_undefined_kappa_is_null_in_json(tmp_path):
    gold = _write(tmp_path / "gold.jsonl", [_record(i, "neutral") for i in range(3)])
    out = tmp_path / "eval"
    metrics = evaluate_files(gold, gold, str(out), n_bootstrap=20)
    assert metrics["accuracy"] == 1.0
    assert metrics["cohen_kappa"] is None
    assert json.loads((out / "metrics.json").read_text())["krippendorff_alpha"] is None
    assert "Cohen's kappa   n/a" in format_summary(metrics)


# --------------------------------------------------------------------------- bad input
def _rows(labels=GOLD_LABELS):
    return [_record(i, lab) for i, lab in enumerate(labels)]


BAD_CASES = {
    # name: (gold rows, pred rows, expected message parts)
    "malformed pred line": (
        _rows(), [_rows(PRED_LABELS)[0], '{"doc_id": "doc0", "statement_id": "s1",', *_rows(PRED_LABELS)[2:]],
        ["pred.jsonl:2:", "malformed JSON"],
    ),
    "malformed gold line": (
        [*_rows()[:3], "not json", *_rows()[3:]], _rows(PRED_LABELS), ["gold.jsonl:4:", "malformed JSON"],
    ),
    "unknown predicted label": (
        _rows(), _rows(["negative", "negative", "maybe", "neutral", "neutral", "positive"]),
        ["pred.jsonl:3: field 'stance':", "unknown label 'maybe'"],
    ),
    "duplicated prediction id": (
        _rows(), [*_rows(PRED_LABELS), _rows(PRED_LABELS)[1]],
        ["pred.jsonl:7: field 'statement_id':", "duplicated id", "first on line 2"],
    ),
    "duplicated gold id": (
        [*_rows(), _rows()[0]], _rows(PRED_LABELS), ["gold.jsonl:7: field 'statement_id':", "duplicated id"],
    ),
    "gold id without prediction": (
        _rows(), _rows(PRED_LABELS)[:4],
        ["pred.jsonl: field 'statement_id':", "2 gold statement(s) have no prediction",
         "statement_id='s4'", "gold.jsonl line 5"],
    ),
    "prediction without gold id": (
        [r for r in _rows() if r["statement_id"] != "s3"], _rows(PRED_LABELS),
        ["pred.jsonl:4: field 'statement_id':", "statement_id='s3'", "has no gold statement"],
    ),
    "gold without label": (
        [_rows()[0], _record(1, None), *_rows()[2:]], _rows(PRED_LABELS),
        ["gold.jsonl:2: field 'stance':", "missing label"],
    ),
    "empty gold": ([], _rows(PRED_LABELS), ["gold.jsonl:", "file is empty"]),
    "empty pred": (_rows(), [], ["pred.jsonl:", "file is empty"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_names_file_line_and_field_and_writes_nothing(case, tmp_path):
    gold_rows, pred_rows, expected = BAD_CASES[case]
    gold = _write(tmp_path / "gold.jsonl", gold_rows)
    pred = _write(tmp_path / "pred.jsonl", pred_rows)
    out = tmp_path / "eval"
    with pytest.raises(InputError) as err:
        evaluate_files(gold, pred, str(out), n_bootstrap=10)
    for part in expected:
        assert part in str(err.value)
    assert not out.exists()


def test_unknown_label_after_alias_names_the_alias(files, tmp_path):
    gold, _ = files
    pred = _write(tmp_path / "pred.jsonl", _rows(["negative", "hostile", *PRED_LABELS[2:]]))
    with pytest.raises(InputError, match=r"pred.jsonl:2: field 'stance': unknown label 'hostile' \(alias of 'angry'\)"):
        evaluate_files(gold, pred, label_alias={"hostile": "angry"})


def test_evaluate_records_errors_name_the_record():
    with pytest.raises(InputError, match=r"<pred records>:2: field 'stance': unknown label 'maybe'"):
        evaluate_records(_rows(), _rows(["negative", "maybe", *PRED_LABELS[2:]]))


def test_negative_bootstrap_is_refused(files):
    with pytest.raises(InputError, match="bootstrap resamples must be >= 0"):
        evaluate_files(*files, n_bootstrap=-1)


# --------------------------------------------------------------------------- comparison
def test_compare_files(files, tmp_path):
    gold, pred = files
    weak = _write(tmp_path / "weak.jsonl", _rows(["neutral"] * 6))
    out = tmp_path / "cmp"
    result = compare_files(gold, [pred, weak], str(out), n_bootstrap=200)
    assert [s["name"] for s in result["systems"]] == ["pred", "weak"]
    assert result["systems"][0]["metrics"]["accuracy"] == pytest.approx(4 / 6)
    assert result["systems"][1]["metrics"]["accuracy"] == pytest.approx(2 / 6)
    # pred right & weak wrong on s0, s1, s5 (b = 3); pred wrong & weak right on s2 (c = 1)
    # exact two-sided binomial, n = 4: 2 * P(X <= 1) = 2 * 5 / 16 = 0.625
    assert (result["mcnemar"]["b"], result["mcnemar"]["c"]) == (3, 1)
    assert result["mcnemar"]["p_value"] == pytest.approx(0.625)
    delta = result["paired_bootstrap"]["macro_f1"]
    assert delta["delta"] == pytest.approx(
        result["systems"][0]["metrics"]["macro_f1"] - result["systems"][1]["metrics"]["macro_f1"]
    )
    assert 0 < delta["p_value"] <= 1
    assert json.loads((out / "comparison.json").read_text()) == result
    text = format_comparison(result)
    assert "McNemar exact: pred right & weak wrong = 3, pred wrong & weak right = 1, p = 0.625" in text


@pytest.mark.parametrize("n_preds", [1, 3])
def test_compare_needs_exactly_two_predictions(files, n_preds):
    gold, pred = files
    with pytest.raises(InputError, match=f"exactly two prediction files .* got {n_preds}"):
        compare_files(gold, [pred] * n_preds)


def test_compare_requires_each_prediction_to_cover_gold(files, tmp_path):
    gold, pred = files
    partial = _write(tmp_path / "partial.jsonl", _rows(PRED_LABELS)[:5])
    with pytest.raises(InputError, match="partial.jsonl: field 'statement_id': 1 gold statement"):
        compare_files(gold, [pred, partial], str(tmp_path / "cmp"))
    assert not (tmp_path / "cmp").exists()


def test_systems_with_the_same_file_name_are_told_apart(files, tmp_path):
    gold, _ = files
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    pa = _write(tmp_path / "x" / "predictions.jsonl", _rows(PRED_LABELS))
    pb = _write(tmp_path / "y" / "predictions.jsonl", _rows(GOLD_LABELS))
    result = compare_files(gold, [pa, pb], n_bootstrap=0)
    assert [s["name"] for s in result["systems"]] == ["x/predictions", "y/predictions"]
    assert result["paired_bootstrap"] == {}


# --------------------------------------------------------------------------- text
def test_format_summary_delegates_extraction_metrics(monkeypatch):
    fake = types.ModuleType("stance.extraction_eval")
    fake.format_extraction_summary = lambda metrics: f"extraction: {metrics['n_gold']} gold spans"
    monkeypatch.setitem(sys.modules, "stance.extraction_eval", fake)
    assert format_summary({"task": "extraction", "n_gold": 14}) == "extraction: 14 gold spans"


def test_format_summary_stance(files):
    text = format_summary(evaluate_files(*files, n_bootstrap=50))
    lines = text.splitlines()
    assert lines[0].endswith(": 6 statements")
    assert lines[1].startswith("accuracy        0.667 [")
    assert any(line.split() == ["negative", "1.000", "0.667", "0.800", "3"] for line in lines)


def test_results_table(files):
    metrics = evaluate_files(*files, n_bootstrap=0)
    table = results_table([
        {"system": "tfidf", "test_set": "newsmtsc-rw", **metrics},
        {"system": "minilm", "test_set": "newsmtsc-rw", "metrics": {**metrics, "ci": {
            "accuracy": {"low": 0.5, "high": 0.8}, "macro_f1": {"low": 0.4, "high": 0.9}}}},
    ])
    assert table.splitlines() == [
        "| system | test set | n | macro-F1 [95% CI] | accuracy [95% CI] |",
        "| --- | --- | ---: | ---: | ---: |",
        "| tfidf | newsmtsc-rw | 6 | 0.656 | 0.667 |",
        "| minilm | newsmtsc-rw | 6 | 0.656 [0.400, 0.900] | 0.667 [0.500, 0.800] |",
    ]


# --------------------------------------------------------------------------- plots
@pytest.mark.parametrize("normalize", [False, True])
def test_plot_confusion_writes_png(tmp_path, normalize):
    path = plot_confusion([[2, 1], [0, 0]], ["a", "b"], tmp_path / "cm.png", title="t", normalize=normalize)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]  # no temporary file left


def test_plot_bar_writes_png(tmp_path):
    path = plot_bar({"tfidf": 0.61, "minilm": 0.72}, tmp_path / "sub" / "bar.png", title="macro-F1")
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_plot_confusion_rejects_a_mismatched_matrix(tmp_path):
    with pytest.raises(ValueError, match="does not match 3 labels"):
        plot_confusion([[1, 2], [3, 4]], ["a", "b", "c"], tmp_path / "cm.png")
    assert not (tmp_path / "cm.png").exists()


# --------------------------------------------------------------------------- command line
def test_cli_evaluate(files, tmp_path, capsys):
    gold, pred = files
    out = tmp_path / "eval"
    assert main(["evaluate", "--gold", gold, "--pred", pred, "--output", str(out), "--bootstrap", "100"]) == 0
    assert "macro-F1        0.656 [" in capsys.readouterr().out
    assert (out / "metrics.json").exists() and (out / "report.md").exists() and (out / "confusion.png").exists()


def test_cli_evaluate_bad_input_is_one_line(files, tmp_path, capsys):
    gold, _ = files
    pred = _write(tmp_path / "bad.jsonl", _rows(["negative", "negative", "maybe", *PRED_LABELS[3:]]))
    out = tmp_path / "eval"
    assert main(["evaluate", "--gold", gold, "--pred", pred, "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {pred}:3: field 'stance': unknown label 'maybe': not in the gold label set " \
                  "['negative', 'neutral', 'positive']"
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_compare(files, tmp_path, capsys):
    gold, pred = files
    weak = _write(tmp_path / "weak.jsonl", _rows(["neutral"] * 6))
    assert main(["compare", "--gold", gold, "--pred", pred, "--pred", weak, "--output", str(tmp_path / "c"),
                 "--bootstrap", "100"]) == 0
    assert "McNemar exact" in capsys.readouterr().out
    assert (tmp_path / "c" / "comparison.json").exists()
    assert main(["compare", "--gold", gold, "--pred", pred]) == 2
    assert "exactly two prediction files" in capsys.readouterr().err


def test_evaluation_never_imports_the_model():
    code = (
        "import sys, stance.evaluate, stance.metrics, stance.plots; "
        "bad = [m for m in ('torch', 'transformers', 'stance.model') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
