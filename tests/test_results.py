"""The results API: run folders read back as pandas objects.

The builders here write small run folders the way `stance train` and `stance run` lay them out; the
notebook tests (and scripts/render_notebooks.py) use them too.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
import yaml

from stance import results
from stance.errors import StanceError
from stance.io import write_json, write_jsonl, write_text
from stance.metrics import bootstrap_ci, classification_metrics

LABELS = ("conciliatory", "confrontational", "neutral")
SPEAKERS = {
    "US": ["John Kerry", "the State Department", "Barack Obama", "a senior U.S. official"],
    "RU": ["Vladimir Putin", "Sergei Lavrov", "Dmitry Peskov", "the Foreign Ministry"],
}
PHRASES = {
    "confrontational": "accused {t} of provoking the crisis",
    "conciliatory": "welcomed the chance of a dialogue with {t}",
    "neutral": "said the talks with {t} would cover Syria and Iran",
}
TARGETS = {"US": "Russia", "RU": "the United States"}


def _examples(rng: random.Random, n: int, eval_set: str) -> list[dict]:
    rows = []
    for i in range(n):
        party = rng.choice(["US", "RU"])
        gold = rng.choice(LABELS)
        speaker = rng.choice(SPEAKERS[party])
        rows.append({
            "doc_id": f"{eval_set.split(':')[0]}-{i // 4}", "statement_id": f"s{i:03d}",
            "text": f"{speaker} {PHRASES[gold].format(t=TARGETS[party])}.",
            "source": speaker, "target": TARGETS[party], "eval_set": eval_set, "gold": gold,
        })
    return rows


def _predict(rng: random.Random, rows: list[dict], accuracy: float) -> list[dict]:
    out = []
    for row in rows:
        right = rng.random() < accuracy
        predicted = row["gold"] if right else rng.choice([label for label in LABELS if label != row["gold"]])
        top = round(rng.uniform(0.5, 0.95), 3)
        rest = [label for label in LABELS if label != predicted]
        scores = {predicted: top, rest[0]: round((1 - top) * 0.6, 3), rest[1]: round((1 - top) * 0.4, 3)}
        out.append({**row, "predicted": predicted, "scores": scores})
    return out


def _scored(rows: list[dict]) -> dict:
    gold, pred = [r["gold"] for r in rows], [r["predicted"] for r in rows]
    metrics = classification_metrics(gold, pred, labels=list(LABELS))
    metrics["ci"] = bootstrap_ci(gold, pred, ["accuracy", "macro_f1"], n_resamples=200, seed=0)
    return metrics


def build_training_run(path: Path, *, accuracy: float = 0.75, seed: int = 0, n: int = 48) -> Path:
    """A `stance train` run folder: config, metrics (model + majority baseline), predictions, COMPLETE."""
    rng = random.Random(seed)
    data_rng = random.Random(1234)  # every run scores the same examples
    sets = {spec: _examples(data_rng, n, spec) for spec in ("dse:test", "newsmtsc:test")}
    predictions = {spec: _predict(rng, rows, accuracy) for spec, rows in sets.items()}
    majority = {spec: [{**r, "predicted": "neutral", "scores": {"conciliatory": 0.3, "confrontational": 0.3,
                                                                 "neutral": 0.4}} for r in rows]
                for spec, rows in sets.items()}
    path.mkdir(parents=True, exist_ok=True)
    write_text(path / "config.yaml", yaml.safe_dump({"name": path.name, "seed": seed, "label_field": "stance",
                                                     "model": {"name_or_path": "default"}}))
    write_json(path / "metrics.json", {
        "dev": {"best_macro_f1": 0.61, "history": [{"step": 10, "macro_f1": 0.55}, {"step": 20, "macro_f1": 0.61}]},
        "test": {spec: _scored(rows) for spec, rows in predictions.items()},
        "baselines": {"majority": {spec: _scored(rows) for spec, rows in majority.items()}},
        "labels": list(LABELS),
    })
    write_jsonl(path / "predictions.jsonl", [r for rows in predictions.values() for r in rows])
    write_jsonl(path / "baselines" / "majority" / "predictions.jsonl", [r for rows in majority.values() for r in rows])
    write_text(path / "train.log", "training finished\n")
    write_text(path / "COMPLETE", "2024-05-01T12:00:00\n")
    return path


def build_pipeline_run(path: Path, *, n: int = 60, seed: int = 0) -> Path:
    """A `stance run` output folder: statements with parties, kinds, dates, stance and scores."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        party = rng.choice(["US", "RU"])
        label = rng.choice(LABELS)
        speaker = rng.choice(SPEAKERS[party])
        month = 1 + i * 6 // n
        content = f"“{PHRASES[label].format(t=TARGETS[party]).capitalize()},”"
        rows.append({
            "doc_id": f"article-{i // 5:02d}", "statement_id": f"s{i % 5 + 1:03d}", "text": content,
            "content": content, "start": 100 + i, "end": 100 + i + len(content),
            "kind": rng.choice(["direct", "direct", "mixed", "indirect"]), "speaker": speaker,
            "speaker_canonical": speaker, "source": speaker, "speaker_party": party,
            "target_party": "RU" if party == "US" else "US", "target": TARGETS[party],
            "date": f"2015-{month:02d}-{1 + i % 27:02d}", "outlet": rng.choice(["Wire A", "Daily B"]),
            "stance": label, "scores": {lab: (0.8 if lab == label else 0.1) for lab in LABELS},
        })
    path.mkdir(parents=True, exist_ok=True)
    write_jsonl(path / "statements.jsonl", rows)
    pd.DataFrame(rows).drop(columns=["scores"]).to_csv(path / "statements.csv", index=False)
    write_text(path / "report.md", "# report\n")
    write_text(path / "COMPLETE", "done\n")
    return path


def build_annotations(path: Path, *, n: int = 24, seed: int = 0) -> Path:
    """`stance annotate import` output: one record per (statement, annotator), three annotators."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        truth = rng.choice(LABELS)
        for annotator, reliability in (("anna", 0.9), ("ben", 0.8), ("chen", 0.7)):
            if annotator == "chen" and i % 6 == 5:
                continue  # chen skipped a few
            label = truth if rng.random() < reliability else rng.choice(LABELS)
            records.append({"doc_id": f"article-{i // 4}", "statement_id": f"s{i % 4 + 1:03d}",
                            "text": f"Statement {i}: the minister {PHRASES[truth].format(t='Sylvania')}.",
                            "speaker": "the minister", "target": "Sylvania", "stance": label,
                            "annotator": annotator})
    write_jsonl(path, records)
    return path


# --------------------------------------------------------------------------- tests
@pytest.fixture
def training_run(tmp_path: Path) -> results.Run:
    return results.load_run(build_training_run(tmp_path / "runA"))


def test_load_training_run(training_run: results.Run):
    assert training_run.kind == "training" and training_run.complete
    assert training_run.config["label_field"] == "stance"
    assert training_run.eval_sets == ["dse:test", "newsmtsc:test"]
    assert training_run.systems == ["model", "majority"]
    assert len(training_run.predictions) == 96
    assert {"gold", "predicted", "scores", "confidence", "text"} <= set(training_run.predictions.columns)
    first = training_run.predictions.iloc[0]
    assert first["confidence"] == first["scores"][first["predicted"]]


def test_metrics_table_has_every_system_and_interval(training_run: results.Run):
    table = results.metrics_table(training_run)
    assert list(table[["system", "split", "eval_set"]].itertuples(index=False, name=None)) == [
        ("model", "test", "dse:test"), ("model", "test", "newsmtsc:test"),
        ("majority", "test", "dse:test"), ("majority", "test", "newsmtsc:test"), ("model", "dev", "dev")]
    row = table.iloc[0]
    metrics = training_run.metrics["test"]["dse:test"]
    assert row["macro_f1"] == metrics["macro_f1"] and row["n"] == 48
    assert (row["macro_f1_low"], row["macro_f1_high"]) == (metrics["ci"]["macro_f1"]["low"],
                                                           metrics["ci"]["macro_f1"]["high"])
    assert row["macro_f1_low"] <= row["macro_f1"] <= row["macro_f1_high"]
    assert table.iloc[4]["macro_f1"] == 0.61 and pd.isna(table.iloc[4]["macro_f1_low"])


def test_confusion_frame_and_per_class_agree_with_predictions(training_run: results.Run):
    frame = results.confusion_frame(training_run, "dse:test")
    preds = training_run.predictions[training_run.predictions["eval_set"] == "dse:test"]
    expected = pd.crosstab(preds["gold"], preds["predicted"]).reindex(index=LABELS, columns=LABELS, fill_value=0)
    assert frame.values.tolist() == expected.values.tolist()
    assert (frame.index.name, frame.columns.name) == ("gold", "predicted")
    normalised = results.confusion_frame(training_run, "dse:test", normalize=True)
    assert normalised.sum(axis=1).round(6).tolist() == [1.0, 1.0, 1.0]
    per_class = results.per_class_table(training_run)
    assert len(per_class) == 6 and set(per_class["eval_set"]) == {"dse:test", "newsmtsc:test"}
    dse = per_class[per_class["eval_set"] == "dse:test"].set_index("label")
    assert dse.loc["neutral", "support"] == int((preds["gold"] == "neutral").sum())
    majority = results.confusion_frame(training_run, "dse:test", system="majority")
    assert majority["neutral"].sum() == 48


def test_errors_are_the_wrong_predictions_most_confident_first(training_run: results.Run):
    wrong = results.errors(training_run, "dse:test")
    preds = training_run.predictions[training_run.predictions["eval_set"] == "dse:test"]
    assert len(wrong) == int((preds["gold"] != preds["predicted"]).sum()) > 0
    assert (wrong["gold"] != wrong["predicted"]).all()
    assert list(wrong["confidence"]) == sorted(wrong["confidence"], reverse=True)
    assert list(wrong.columns[:8]) == ["eval_set", "doc_id", "statement_id", "source", "target", "gold",
                                       "predicted", "confidence"]
    assert len(results.errors(training_run)) == int((training_run.predictions["gold"]
                                                     != training_run.predictions["predicted"]).sum())


def test_compare_runs_pairs_on_ids(tmp_path: Path):
    a = results.load_run(build_training_run(tmp_path / "a", accuracy=0.9, seed=1))
    b = results.load_run(build_training_run(tmp_path / "b", accuracy=0.4, seed=2))
    table = results.compare_runs(a, b, n_bootstrap=200)
    assert list(table["eval_set"]) == ["dse:test", "newsmtsc:test"]
    row = table.iloc[0]
    assert row["delta"] == pytest.approx(row["macro_f1_a"] - row["macro_f1_b"])
    assert row["macro_f1_a"] == pytest.approx(a.metrics["test"]["dse:test"]["macro_f1"])
    assert row["delta_low"] <= row["delta"] <= row["delta_high"]
    assert row["mcnemar_b"] > row["mcnemar_c"] and row["p_mcnemar"] < 0.05
    # a model against its own baseline
    versus = results.compare_runs(a, a, system_b="majority", n_bootstrap=100)
    assert (versus["delta"] > 0).all()


def test_pipeline_run_reads_statements(tmp_path: Path):
    run = results.load_run(build_pipeline_run(tmp_path / "pipe"))
    assert run.kind == "pipeline" and len(run.statements) == 60
    assert pd.api.types.is_datetime64_any_dtype(run.statements["date"])
    assert (run.predictions["predicted"] == run.statements["stance"]).all()
    with pytest.raises(StanceError, match="no gold or predicted column|no metrics"):
        results.metrics_table(run)


def test_pipeline_run_with_gold_is_scored_from_its_statements(tmp_path: Path):
    path = build_pipeline_run(tmp_path / "pipe")
    rows = [json.loads(line) for line in (path / "statements.jsonl").read_text().splitlines()]
    write_jsonl(path / "statements.jsonl", [{**r, "gold": "neutral"} for r in rows])
    run = results.load_run(path)
    table = results.metrics_table(run)
    expected = sum(r["stance"] == "neutral" for r in rows) / len(rows)
    assert table.iloc[0]["accuracy"] == pytest.approx(expected)
    assert len(results.errors(run)) == sum(r["stance"] != "neutral" for r in rows)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "nope", "no such run folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "not a run folder"),
        (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "is a file"),
        (lambda p: build_training_run(p / "r") and (p / "r" / "metrics.json").write_text("{oops") and p / "r",
         "metrics.json:1: malformed JSON"),
    ],
)
def test_not_a_run_folder_is_a_clear_error(make, message: str, tmp_path: Path):
    with pytest.raises(StanceError, match=message):
        results.load_run(make(tmp_path))


def test_incomplete_run_loads_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = build_training_run(tmp_path / "r")
    (path / "COMPLETE").unlink()
    run = results.load_run(path)
    assert not run.complete and "did not finish" in caplog.text


def test_eval_set_must_be_named_when_there_are_several(training_run: results.Run):
    with pytest.raises(StanceError, match="several eval sets"):
        results.confusion_frame(training_run)
    with pytest.raises(StanceError, match="no eval set 'x'"):
        results.errors(training_run, "x")
    with pytest.raises(StanceError, match="no system 'svm'"):
        results.confusion_frame(training_run, "dse:test", system="svm")


@pytest.mark.parametrize(
    "labels, order",
    [
        (["neutral", "conciliatory", "confrontational"], ["confrontational", "neutral", "conciliatory"]),
        (["positive", "neutral", "negative"], ["negative", "neutral", "positive"]),
        (["other", "Neutral"], ["Neutral", "other"]),
    ],
)
def test_labels_are_ordered_from_negative_to_positive(labels: list[str], order: list[str]):
    assert results.label_order(labels) == order


def test_label_colours_follow_polarity():
    assert results.label_colours(["confrontational", "neutral", "positive", "x", "y"]) == [
        "#c44e52", "#9e9e9e", "#4c72b0", "#55a868", "#8172b3"]


def _model_run(run: Path, rows: list[dict], metrics: dict) -> None:
    """A run folder as scripts/compare_runs.py reads it: the model's predictions and metrics.json."""
    run.mkdir()
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run / "metrics.json").write_text(json.dumps(metrics))


def test_compare_runs_pairs_the_models_of_two_runs_test_set_by_test_set(tmp_path):
    from conftest import load_script

    compare_runs = load_script("compare_runs")
    gold = ["negative", "negative", "positive", "positive", "neutral", "neutral"]
    runs = {"a": ["negative", "negative", "positive", "positive", "neutral", "positive"],
            "b": ["negative", "positive", "negative", "positive", "neutral", "positive"]}
    for name, pred in runs.items():
        rows = [{"eval_set": "set1", "doc_id": "d", "statement_id": str(i), "gold": g, "predicted": p}
                for i, (g, p) in enumerate(zip(gold, pred))]
        rows.append({"eval_set": "only-in-" + name, "doc_id": "d", "statement_id": "0", "gold": "neutral", "predicted": "neutral"})
        _model_run(tmp_path / name, rows[::-1], {"test": {"set1": {"labels": ["negative", "neutral", "positive"]}}})
    [row] = compare_runs.compare(tmp_path / "a", tmp_path / "b", n_bootstrap=200, seed=0)
    assert row["test_set"] == "set1" and row["n"] == 6
    assert (row["mcnemar"]["b"], row["mcnemar"]["c"]) == (2, 0)  # statements 1 and 2: only A is right
    assert row["paired_bootstrap"]["delta"] > 0
    assert compare_runs.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    (tmp_path / "b" / "predictions.jsonl").write_text("")
    assert compare_runs.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2  # an empty predictions file


def test_seeds_table_gives_each_seed_and_the_mean_and_spread(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    paths = [build_training_run(tmp_path / f"run-s{s}", seed=s, accuracy=acc) for s, acc in ((42, 0.6), (43, 0.7), (44, 0.8))]
    runs = [results.load_run(p) for p in paths]
    table = results.seeds_table(runs).set_index("eval_set")
    assert list(table.columns) == ["n", "seed 42", "seed 43", "seed 44", "mean", "sd"]
    assert list(table.index) == ["dse:test", "newsmtsc:test", "dev"]
    each = [run.metrics["test"]["dse:test"]["macro_f1"] for run in runs]
    row = table.loc["dse:test"]
    assert [row["seed 42"], row["seed 43"], row["seed 44"]] == pytest.approx(each)
    assert row["mean"] == pytest.approx(sum(each) / 3)
    assert row["sd"] == pytest.approx(pd.Series(each).std(ddof=1))
    assert row["n"] == 48 and table.loc["dev", "sd"] == 0

    metrics = json.loads((paths[2] / "metrics.json").read_text())
    del metrics["test"]["newsmtsc:test"]  # a set one run did not score is left out, with a warning
    (paths[2] / "metrics.json").write_text(json.dumps(metrics))
    with caplog.at_level("WARNING"):
        table = results.seeds_table([results.load_run(p) for p in paths])
    assert "newsmtsc:test" not in set(table["eval_set"]) and "newsmtsc:test" in caplog.text


def test_seeds_table_names_runs_that_share_a_seed_by_folder(tmp_path: Path):
    runs = [results.load_run(build_training_run(tmp_path / name, seed=0)) for name in ("a", "b")]
    assert list(results.seeds_table(runs).columns) == ["eval_set", "n", "a", "b", "mean", "sd"]


def test_results_table_script_prints_one_table_for_the_seeds_of_a_recipe(tmp_path: Path, capsys):
    from conftest import load_script

    paths = [build_training_run(tmp_path / f"run-s{s}", seed=s) for s in (1, 2)]
    assert load_script("results_table").main(["--seeds", *map(str, paths)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| eval set | n | seed 1 | seed 2 | mean ± sd (2 runs) |"
    assert out[2].startswith("| `dse:test` | 48 | ")


def test_a_two_class_sets_any_label_scores_get_their_own_rows(tmp_path: Path, capsys):
    from conftest import load_script
    from stance.evaluate import score_any_label

    path = build_training_run(tmp_path / "run-s1", seed=1)
    metrics = json.loads((path / "metrics.json").read_text())
    free = score_any_label(["negative", "positive", "positive"], ["negative", "neutral", "positive"],
                           ["negative", "neutral", "positive"], ["negative", "positive"], n_bootstrap=50)
    metrics["test"]["dse:test"]["any_label"] = free
    metrics.update(training={"steps": 20, "train_seconds": 60.0}, n_train=96)
    (path / "metrics.json").write_text(json.dumps(metrics))
    config = yaml.safe_load((path / "config.yaml").read_text())
    (path / "config.yaml").write_text(yaml.safe_dump({**config, "data": {"train": ["dse:train"]}}))
    table = results.seeds_table([results.load_run(path)]).set_index("eval_set")
    assert table.loc["dse:test (any label)", "seed 1"] == pytest.approx(free["macro_f1"])
    assert load_script("results_table").main([str(path)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "any label" in line)
    assert row.startswith("| `dse:test`, any label: 0.333 [") and "called neutral" in row


def test_compare_runs_also_pairs_a_two_class_set_with_the_models_free_to_answer_neutral(tmp_path):
    from sklearn.metrics import f1_score

    from conftest import load_script

    compare_runs = load_script("compare_runs")
    gold = ["negative", "negative", "positive", "positive", "negative", "positive"]
    # both runs answer right when restricted to the set's two labels; A's scores put neutral first twice
    top = {"a": ["negative", "neutral", "positive", "neutral", "negative", "positive"],
           "b": ["negative", "negative", "positive", "positive", "neutral", "positive"]}
    for name, free in top.items():
        rows = [{"eval_set": "seesaw:x", "doc_id": "d", "statement_id": str(i), "gold": g, "predicted": g,
                 "scores": {"negative": 0.1, "neutral": 0.1, "positive": 0.1, g: 0.3, f: 0.6}}
                for i, (g, f) in enumerate(zip(gold, free))]
        _model_run(tmp_path / name, rows, {"labels": ["negative", "neutral", "positive"], "test": {
            "seesaw:x": {"labels": ["negative", "positive"], "restricted_to": ["negative", "positive"]}}})
    task, free = compare_runs.compare(tmp_path / "a", tmp_path / "b", n_bootstrap=200, seed=0)
    assert task["test_set"] == "seesaw:x" and task["paired_bootstrap"]["delta"] == 0
    assert free["test_set"] == "seesaw:x (any label)" and free["labels"] == ["negative", "positive"]
    f1 = {name: f1_score(gold, top[name], labels=["negative", "positive"], average="macro", zero_division=0) for name in top}
    assert free["paired_bootstrap"]["a"] == pytest.approx(f1["a"]) and free["paired_bootstrap"]["b"] == pytest.approx(f1["b"])
    assert (free["mcnemar"]["b"], free["mcnemar"]["c"]) == (1, 2)  # statement 4: only A is right; 1 and 3: only B
    [_, grouped] = compare_runs.compare_groups([tmp_path / "a"], [tmp_path / "b"], n_bootstrap=200, seed=0)
    assert grouped["test_set"] == "seesaw:x (any label)"
    assert grouped["paired_bootstrap"]["delta"] == pytest.approx(f1["a"] - f1["b"])


def test_ensemble_runs_averages_the_models_probabilities_and_scores_the_average_as_a_run(tmp_path: Path, capsys):
    from conftest import load_script

    ensemble = load_script("ensemble_runs")
    compare_runs = load_script("compare_runs")
    labels = ["negative", "neutral", "positive"]
    gold = ["negative", "neutral", "positive", "negative"]
    # statement 1: A is sure it is neutral, B says negative; on average neutral. Statement 2 (SEESAW, two
    # classes): B's answer over all labels is neutral, A's and the average's positive
    scores = {"a": [[0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.1, 0.4]],
              "b": [[0.7, 0.2, 0.1], [0.5, 0.4, 0.1], [0.1, 0.5, 0.4], [0.6, 0.2, 0.2]]}
    sets = ["dse-directed:test", "dse-directed:test", "seesaw:x", "seesaw:x"]
    for name, rows in scores.items():
        preds = [{"eval_set": s, "doc_id": "d", "statement_id": str(i), "text": f"t{i}", "gold": g, "scores": dict(zip(labels, p)),
                  "predicted": max(labels if s.startswith("dse") else ["negative", "positive"], key=dict(zip(labels, p)).get)}
                 for i, (s, g, p) in enumerate(zip(sets, gold, rows))]
        _model_run(tmp_path / name, preds, {"labels": labels, "test": {
            "dse-directed:test": {"labels": labels},
            "seesaw:x": {"labels": ["negative", "positive"], "restricted_to": ["negative", "positive"]}}})
    (tmp_path / "a" / "baselines" / "tfidf_lr").mkdir(parents=True)
    (tmp_path / "a" / "baselines" / "tfidf_lr" / "predictions.jsonl").write_text("".join(
        json.dumps({"eval_set": s, "doc_id": "d", "statement_id": str(i), "gold": g, "predicted": "negative"}) + "\n"
        for i, (s, g) in enumerate(zip(sets, gold))))
    out = tmp_path / "avg"
    assert ensemble.main([str(tmp_path / "a"), str(tmp_path / "b"), "--output", str(out), "--n-bootstrap", "50"]) == 0
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [r["scores"] for r in rows][1] == {"negative": 0.3, "neutral": 0.6, "positive": 0.1}
    assert [r["predicted"] for r in rows] == gold  # all right, where B alone gets statement 1 wrong
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["members"] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert metrics["test"]["dse-directed:test"]["accuracy"] == 1
    seesaw = metrics["test"]["seesaw:x"]
    assert seesaw["labels"] == ["negative", "positive"] and seesaw["macro_f1"] == 1
    assert seesaw["any_label"]["outside_share"] == 0 and seesaw["any_label"]["macro_f1"] == 1
    assert "model_vs_tfidf_lr" in metrics["comparisons"]["seesaw:x"]
    assert "average | dse-directed:test | 2 |" in capsys.readouterr().out
    # the folder reads like a run: the average against one member
    assert {r["test_set"] for r in compare_runs.compare(out, tmp_path / "b", n_bootstrap=50, seed=0)} == {
        "dse-directed:test", "seesaw:x", "seesaw:x (any label)"}

    # refused, with nothing written: a folder that is not empty, and runs of other statements
    written = (out / "metrics.json").read_text()
    assert ensemble.main([str(tmp_path / "a"), str(tmp_path / "b"), "--output", str(out)]) == 2
    assert (out / "metrics.json").read_text() == written
    assert ensemble.main([str(tmp_path / "a"), str(tmp_path / "a" / "baselines" / "tfidf_lr"), "--output",
                          str(tmp_path / "new")]) == 2
    assert not (tmp_path / "new").exists()
