"""Training runs end to end on small slices of the real corpora with a tiny random encoder."""
import json

import pytest
from sklearn.metrics import f1_score

import stance.train as train_mod
from stance.cli import main
from stance.config import load_config
from stance.errors import StanceError
from stance.io import COMPLETE
from stance.train import run_training


def small_config(encoder, *extra):
    return load_config(
        None,
        overrides=[
            f"model.name_or_path={encoder}",
            "name=tiny",
            "data.train=[dse:train@96]",
            "data.dev=[dse:valid@32]",
            "data.test=[dse:test@40, seed:../shared/examples/kerry_putin_sochi.gold.jsonl]",
            "data.augment_swap=true",
            "labels=[neutral, pos_s2t, pos_t2s, neg_s2t, neg_t2s]",
            "evaluation.label_alias={confrontational: neg_s2t, conciliatory: pos_s2t}",
            "evaluation.n_bootstrap=50",
            "train.epochs=2",
            "train.batch_size=16",
            "train.checkpoint_every=3",
            "train.eval_every=6",
            "model.max_length=64",
            *extra,
        ],
    )


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def test_run_folder_holds_what_is_needed_to_read_the_run_back(tiny_encoder, tmp_path):
    out = tmp_path / "run"
    metrics = run_training(small_config(tiny_encoder), out)
    names = {p.name for p in out.iterdir()}
    assert {"config.yaml", "model", "metrics.json", "predictions.jsonl", "results.md", "train.log", COMPLETE, "baselines"} <= names
    assert "checkpoint" not in names
    saved = json.loads((out / "metrics.json").read_text())
    assert set(saved["test"]) == {"dse:test@40", "seed:../shared/examples/kerry_putin_sochi.gold.jsonl"}
    m = saved["test"]["dse:test@40"]
    assert m["n"] == 40 and 0.0 <= m["macro_f1"] <= 1.0
    assert m["ci"]["macro_f1"]["low"] <= m["macro_f1"] <= m["ci"]["macro_f1"]["high"]
    assert set(saved["baselines"]) == {"majority", "tfidf_lr"}
    assert "model_vs_tfidf_lr" in saved["comparisons"]["dse:test@40"]
    assert saved["n_train"] == 192  # 96 sentences, each also with source and target swapped
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 40 + 14
    assert {"eval_set", "gold", "predicted", "scores", "text", "source", "target"} <= set(rows[0])
    seed_rows = [r for r in rows if r["eval_set"].startswith("seed:")]
    assert {r["gold"] for r in seed_rows} <= {"neutral", "neg_s2t", "pos_s2t"}  # aliased gold labels
    assert metrics["table"] in (out / "results.md").read_text()


def test_a_non_empty_run_folder_is_refused(tiny_encoder, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(StanceError, match="not empty"):
        run_training(small_config(tiny_encoder), out)
    assert (out / "something").exists()


def test_same_config_and_seed_give_identical_results(tiny_encoder, tmp_path):
    run_training(small_config(tiny_encoder), tmp_path / "a")
    run_training(small_config(tiny_encoder), tmp_path / "b")
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a["test"] == b["test"] and a["dev"] == b["dev"]
    assert (tmp_path / "a" / "predictions.jsonl").read_text() == (tmp_path / "b" / "predictions.jsonl").read_text()


def test_resume_after_interruption_matches_an_uninterrupted_run(tiny_encoder, tmp_path, monkeypatch):
    run_training(small_config(tiny_encoder), tmp_path / "full")

    real_save = train_mod._save_checkpoint

    def save_then_crash(clf, path, state):
        real_save(clf, path, state)
        if state["step"] == 9:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        run_training(small_config(tiny_encoder), tmp_path / "cut")
    assert not (tmp_path / "cut" / COMPLETE).exists()
    assert not (tmp_path / "cut" / "metrics.json").exists()
    monkeypatch.setattr(train_mod, "_save_checkpoint", real_save)
    run_training(small_config(tiny_encoder), tmp_path / "cut", resume=True)
    full = json.loads((tmp_path / "full" / "metrics.json").read_text())
    cut = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert cut["test"] == full["test"]
    assert cut["dev"]["history"] == full["dev"]["history"]
    assert (tmp_path / "cut" / "predictions.jsonl").read_text() == (tmp_path / "full" / "predictions.jsonl").read_text()


def test_train_command_writes_run_and_predict_command_uses_it(tiny_encoder, tmp_path, capsys):
    config = tmp_path / "exp.yaml"
    config.write_text(
        f"model:\n  name_or_path: {tiny_encoder}\n  max_length: 64\n"
        "data:\n  train: [dse-directed:train@64]\n  dev: [dse-directed:valid@16]\n  test: [dse-directed:test@16]\n"
        "train:\n  epochs: 1\n  batch_size: 16\nevaluation:\n  n_bootstrap: 20\n"
    )
    out = tmp_path / "run"
    assert main(["train", str(config), "--output", str(out), "--quiet"]) == 0
    assert "macro-F1" in capsys.readouterr().out
    records = tmp_path / "in.jsonl"
    records.write_text(
        json.dumps({"doc_id": "a", "statement_id": "1", "text": "Peskov said Russia is open for dialogue.", "source": "Peskov", "target": "the United States"}) + "\n"
    )
    assert main(["predict", "--model", str(out / "model"), "--input", str(records), "--output", str(tmp_path / "out.jsonl")]) == 0
    row = json.loads((tmp_path / "out.jsonl").read_text())
    assert row["stance"] in {"negative", "neutral", "positive"}
    assert set(row["scores"]) == {"negative", "neutral", "positive"}
    assert row["source"] == "Peskov"


def test_training_with_marker_pooling_saves_a_model_that_predicts_the_same(tiny_encoder, tmp_path):
    from stance.model import StanceClassifier

    out = tmp_path / "run"
    run_training(small_config(tiny_encoder, "model.pooling=markers", "train.epochs=1"), out)
    clf = StanceClassifier.from_pretrained(out / "model")
    assert clf.encoding.pooling == "markers"
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    dse = [r for r in rows if r["eval_set"] == "dse:test@40"]
    assert [r["predicted"] for r in dse] == clf.predict(dse)


def test_with_two_dev_sets_the_model_is_chosen_on_the_mean_of_their_macro_f1(tiny_encoder, tmp_path):
    out = tmp_path / "run"
    run_training(small_config(tiny_encoder, "data.dev=[dse:valid@32, dse:valid@12]"), out)
    dev = json.loads((out / "metrics.json").read_text())["dev"]
    for entry in dev["history"]:
        assert set(entry["dev_sets"]) == {"dse:valid@32", "dse:valid@12"}
        assert entry["dev_macro_f1"] == pytest.approx(sum(entry["dev_sets"].values()) / 2)
    best = max(dev["history"], key=lambda h: h["dev_macro_f1"])
    assert dev["best_macro_f1"] == best["dev_macro_f1"]
    assert dev["sets"] == best["dev_sets"]


def test_a_dev_set_with_fewer_classes_is_scored_over_its_own_labels(tiny_encoder, tmp_path):
    from stance.metrics import classification_metrics
    from stance.model import StanceClassifier
    from stance.train import load_run_data, restricted_argmax

    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=tiny-directed", "labels=[negative, neutral, positive]",
        "data.train=[dse-directed:train@96]", "data.dev=[dse-directed:valid@24, seesaw:dev@24]",
        "data.test=[seesaw:dev@8]", "train.epochs=1", "train.batch_size=16", "model.max_length=64",
        "evaluation.n_bootstrap=20",
    ])
    out = tmp_path / "run"
    run_training(config, out)
    dev = json.loads((out / "metrics.json").read_text())["dev"]
    seesaw = load_run_data(config).dev["seesaw:dev@24"]
    clf = StanceClassifier.from_pretrained(out / "model")
    proba = clf.predict_proba(seesaw)
    gold = [r["stance"] for r in seesaw]
    restricted = restricted_argmax(proba, clf.labels, ["negative", "positive"])  # SEESAW has no neutral
    assert dev["sets"]["seesaw:dev@24"] == pytest.approx(
        classification_metrics(gold, restricted, labels=["negative", "positive"])["macro_f1"])
    assert dev["best_macro_f1"] == pytest.approx(sum(dev["sets"].values()) / 2)
    # beside that, scored with the model free to answer neutral (a miss): kept, not counted by default
    free_dev = [clf.labels[i] for i in proba.argmax(axis=1)]
    assert dev["selection"] == "task" and set(dev["sets_any_label"]) == {"seesaw:dev@24"}
    assert dev["sets_any_label"]["seesaw:dev@24"] == pytest.approx(
        f1_score(gold, free_dev, labels=["negative", "positive"], average="macro", zero_division=0))
    # the test set too is scored as its task, and beside that with the model free to answer neutral
    test = json.loads((out / "metrics.json").read_text())["test"]["seesaw:dev@8"]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    free = [max(r["scores"], key=r["scores"].get) for r in rows]
    assert test["restricted_to"] == ["negative", "positive"]
    assert {r["predicted"] for r in rows} <= {"negative", "positive"}
    assert test["any_label"]["outside_share"] == pytest.approx(free.count("neutral") / len(rows))
    assert test["any_label"]["accuracy"] == pytest.approx(sum(f == r["gold"] for f, r in zip(free, rows)) / len(rows))
    assert "seesaw:dev@8, any label (" in (out / "results.md").read_text()
    assert "| `seesaw:dev@8`, any label (" in (out / "model" / "README.md").read_text()  # the model card


def test_selection_on_any_label_counts_a_two_class_dev_sets_neutral_answers_as_misses(tiny_encoder, tmp_path):
    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=tiny-directed", "labels=[negative, neutral, positive]",
        "data.train=[dse-directed:train@64]", "data.dev=[dse-directed:valid@24, seesaw:dev@24]",
        "data.test=[seesaw:dev@8]", "train.epochs=2", "train.eval_every=2", "train.batch_size=16", "model.max_length=64",
        "evaluation.n_bootstrap=0", "baselines=[]", "train.selection=any_label",
        "train.learning_rate=2e-3",  # the tiny model soon answers DSE's majority, neutral: SEESAW's any-label F1 drops
    ])
    out = tmp_path / "run"
    run_training(config, out)
    dev = json.loads((out / "metrics.json").read_text())["dev"]
    assert dev["selection"] == "any_label" and len(dev["history"]) > 1
    for entry in dev["history"]:  # each evaluation: the DSE set's macro-F1 and SEESAW's any-label one, averaged
        assert entry["dev_macro_f1"] == pytest.approx(
            (entry["dev_sets"]["dse-directed:valid@24"] + entry["dev_sets_any_label"]["seesaw:dev@24"]) / 2)
    # so the two ways of scoring SEESAW differ, and the selection counts the any-label one
    assert any(e["dev_sets_any_label"]["seesaw:dev@24"] != e["dev_sets"]["seesaw:dev@24"] for e in dev["history"])
    assert dev["best_macro_f1"] == max(entry["dev_macro_f1"] for entry in dev["history"])


def test_the_test_sets_can_be_scored_in_bf16_and_are_scored_in_fp32_by_default(tiny_encoder, tmp_path):
    run_training(small_config(tiny_encoder), tmp_path / "fp32")
    run_training(small_config(tiny_encoder, "evaluation.precision=bf16"), tmp_path / "bf16")
    fp32, bf16 = (json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("fp32", "bf16"))
    assert fp32["scoring_precision"] == "fp32" and bf16["scoring_precision"] == "bf16"
    assert fp32["dev"] == bf16["dev"]  # training and its model selection are the same; only the scoring differs
    rows = [[json.loads(line) for line in (tmp_path / name / "predictions.jsonl").read_text().splitlines()]
            for name in ("fp32", "bf16")]
    assert len(rows[0]) == len(rows[1])
    assert [r["scores"] for r in rows[0]] != [r["scores"] for r in rows[1]]  # bfloat16 rounds the scores


def test_a_training_set_listed_twice_is_seen_twice():
    from stance.train import load_run_data

    config = load_config(None, overrides=[
        "labels=[negative, neutral, positive]", "data.dev=[]", "data.test=[]",
        "data.train=[seesaw:fit@30, seesaw:fit:opposed@10, seesaw:fit:opposed@10]",
    ])
    train = load_run_data(config).train
    key = [(r["doc_id"], r["text"], r["source"], r["target"]) for r in train]
    opposed = key[30:40]
    assert len(train) == 50 and key[40:] == opposed  # the second listing repeats the first, record for record
