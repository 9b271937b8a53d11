"""The leak check: exact and near repeats of training rows, and the leak-free scores of every run."""
from __future__ import annotations

import json
from pathlib import Path

from stance.config import load_config
from stance.corpora import load_records
from stance.io import read_jsonl
from stance.leakage import check, fold, near_key
from stance.train import run_training


def rec(text: str, source: str | None = "Anna", target: str | None = "Ben") -> dict:
    return {"text": text, "source": source, "target": target}


def test_near_repeats_fold_case_punctuation_and_blanks_but_keep_the_pair():
    assert fold("  Anna PRAISED   “Ben”, again!") == "anna praised ben again"
    assert near_key(rec("Anna praised Ben.")) == near_key(rec("anna  praised ben"))
    train = [rec("Anna praised Ben."), rec("Carl left.", "Carl", None)]
    report = check(train, {"test": [
        rec("Anna praised Ben."),                   # exact
        rec("ANNA praised Ben!"),                   # near
        rec("Anna praised Ben.", "Ben", "Anna"),    # the other direction: a different example
        rec("Anna praised Ben's rival."),           # another sentence
        rec("Carl left", "carl", None),             # near, with a missing target
    ]})["test"]
    assert report.exact == [0] and report.near == [0, 1, 4] and report.leak_free == [2, 3]
    assert report.to_dict() == {"n": 5, "exact_repeats": 1, "near_repeats": 3, "leak_free": 2}


def test_the_generic_check_finds_the_400_dse_test_rows_that_repeat_training_rows(data_dir):
    report = check(load_records("dse:train", data_dir), {"dse:test": load_records("dse:test", data_dir)})["dse:test"]
    assert (report.n, len(report.exact), len(report.near)) == (1623, 400, 400)
    assert len(report.leak_free) == len(load_records("dse:test-leakfree", data_dir))


def test_every_run_reports_its_leaks_and_scores_the_leak_free_part_beside(tiny_encoder, tmp_path, monkeypatch, data_dir):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    # a test file of 6 training rows (one re-cased: a near repeat) and 10 test rows
    train_rows = load_records("dse:train@48", data_dir)[:6]
    train_rows[0] = {**train_rows[0], "text": train_rows[0]["text"].upper()}
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in train_rows + load_records("dse:test@10", data_dir)))
    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=leaky", "data.train=[dse:train@48]", "data.dev=[dse:valid@16]",
        f"data.test=[jsonl:{mixed}, dse:train@16]", "labels=[neutral, pos_s2t, pos_t2s, neg_s2t, neg_t2s]",
        "evaluation.n_bootstrap=20", "train.epochs=0", "model.max_length=48",
    ])
    metrics = run_training(config, tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    spec = f"jsonl:{mixed}"
    assert saved["leakage"]["test"][spec] == {"n": 16, "exact_repeats": 5, "near_repeats": 6, "leak_free": 10}
    # dse:train@16: the first 16 of the same seeded shuffle as dse:train@48, so every row is a training row
    assert saved["leakage"]["test"]["dse:train@16"] == {"n": 16, "exact_repeats": 16, "near_repeats": 16, "leak_free": 0}
    assert "dse:valid@16" in saved["leakage"]["dev"]
    assert saved["test"][spec]["leak_free"]["n"] == 10
    assert saved["baselines"]["majority"][spec]["leak_free"]["n"] == 10
    assert "leak_free" not in saved["test"]["dse:train@16"]  # nothing left to score
    # the paired tests against each baseline are also run on the leak-free rows alone
    # (rows 6..15 of the mixed file: the ten test rows), counted here from the two prediction files
    model_rows = [r for r in read_jsonl(tmp_path / "run" / "predictions.jsonl") if r["eval_set"] == spec][6:]
    base_rows = [r for r in read_jsonl(tmp_path / "run" / "baselines" / "majority" / "predictions.jsonl")
                 if r["eval_set"] == spec][6:]
    right = [(m["predicted"] == m["gold"], b["predicted"] == b["gold"]) for m, b in zip(model_rows, base_rows)]
    leak_free_test = saved["comparisons"][f"{spec} (leak-free)"]["model_vs_majority"]["mcnemar"]
    assert leak_free_test["n"] == 10
    assert (leak_free_test["b"], leak_free_test["c"]) == (sum(m and not b for m, b in right), sum(b and not m for m, b in right))
    assert saved["comparisons"][spec]["model_vs_majority"]["mcnemar"]["n"] == 16
    assert "dse:train@16 (leak-free)" not in saved["comparisons"]
    assert f"{spec} leak-free (6 repeats of training rows left out)" in metrics["table"]
    from stance.results import load_run, metrics_table, per_class_table

    run = load_run(tmp_path / "run")
    table = metrics_table(run)
    assert set(table[table.system == "model"].eval_set) == {spec, f"{spec} (leak-free)", "dse:train@16"}
    assert per_class_table(run, f"{spec} (leak-free)")["support"].sum() == 10
