"""Teacher scores: a file of keys, digests and probabilities that a student run learns from."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import load_script
from stance.augment import swap_direction
from stance.config import load_config
from stance.corpora import load_records
from stance.distill import load_teacher, record_digest, record_key, soft_targets, teacher_rows, write_teacher
from stance.errors import ConfigError, InputError
from stance.io import read_jsonl
from stance.train import run_training, soft_cross_entropy

LABELS = ["negative", "neutral", "positive"]


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def _records(n: int = 4) -> list[dict]:
    return [{"corpus": "c", "doc_id": "d", "statement_id": str(i), "text": f"Sentence number {i} about Moscow.",
             "source": "Kerry", "target": "Russia", "stance": LABELS[i % 3]} for i in range(n)]


def _proba(n: int, seed: int = 0) -> np.ndarray:
    p = np.random.default_rng(seed).random((n, 3)) + 0.1
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name", ["teacher.jsonl", "teacher.jsonl.gz"])
def test_a_teacher_file_gives_back_each_examples_scores_and_holds_no_text(tmp_path, name):
    records, proba = _records(), _proba(4)
    path = tmp_path / name
    write_teacher(path, teacher_rows(records, proba, LABELS))
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")
    assert "Sentence number" not in text and "Moscow" not in text
    assert json.loads(text.splitlines()[0]) == {"key": "c/d/0", "digest": record_digest(records[0]),
                                                 "scores": dict(zip(LABELS, np.round(proba[0], 4).tolist()))}
    soft = soft_targets(records[::-1], load_teacher(path, LABELS), path)  # in the order of the records asked for
    assert soft.shape == (4, 3) and np.allclose(soft, proba[::-1], atol=1e-4)


def test_an_example_seen_both_ways_has_one_key_and_two_digests(tmp_path):
    official = {"corpus": "dse", "doc_id": "dse-train", "statement_id": "7", "text": "Obama praised Merkel.",
                "source": "Obama", "target": "Merkel", "source_start": 0, "source_end": 5, "target_start": 14,
                "target_end": 20, "stance": "pos_s2t"}
    both = [official, swap_direction(official)]
    assert record_key(both[0]) == record_key(both[1]) and record_digest(both[0]) != record_digest(both[1])
    proba = np.array([[0.7, 0.2, 0.1, 0.0, 0.0], [0.1, 0.1, 0.8, 0.0, 0.0]])
    labels = ["pos_s2t", "neutral", "pos_t2s", "neg_s2t", "neg_t2s"]
    path = tmp_path / "t.jsonl"
    write_teacher(path, teacher_rows(both + both, np.vstack([proba, proba]), labels))  # repeats are written once
    assert len(read_jsonl(path)) == 2
    assert np.allclose(soft_targets(both, load_teacher(path, labels), path), proba)


@pytest.mark.parametrize("row, field", [
    ({"key": "c/d/0", "scores": {"negative": 0.2, "neutral": 0.3, "positive": 0.5}}, "digest"),
    ({"key": "c/d/0", "digest": "abc", "scores": {"negative": 0.5, "positive": 0.5}}, "scores"),
    ({"key": "c/d/0", "digest": "abc", "scores": {"negative": 0.9, "neutral": 0.9, "positive": 0.9}}, "scores"),
    ({"key": "c/d/0", "digest": "abc", "scores": {"negative": "high", "neutral": 0.3, "positive": 0.5}}, "scores"),
    ({"key": "c/d/9", "digest": "first", "scores": {"negative": 0.2, "neutral": 0.3, "positive": 0.5}}, "digest"),
])
def test_a_bad_teacher_row_is_named_by_file_line_and_field(tmp_path, row, field):
    path = tmp_path / "t.jsonl"
    first = {"key": "c/d/9", "digest": "first", "scores": {"negative": 0.2, "neutral": 0.3, "positive": 0.5}}
    path.write_text(json.dumps(first) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(InputError) as err:
        load_teacher(path, LABELS)
    assert err.value.path == str(path) and err.value.line == 2 and err.value.field == field


def test_training_examples_the_file_lacks_or_that_changed_are_refused(tmp_path):
    records = _records()
    path = tmp_path / "t.jsonl"
    write_teacher(path, teacher_rows(records[:3], _proba(3), LABELS))
    table = load_teacher(path, LABELS)
    with pytest.raises(InputError, match="1 of 4 training examples have no teacher score, the first 'c/d/3'"):
        soft_targets(records, table, path)
    edited = [dict(records[0], text="Another sentence."), *records[1:3]]
    with pytest.raises(InputError, match="the data changed") as err:
        soft_targets(edited, table, path)
    assert err.value.field == "digest"


def test_the_soft_cross_entropy_of_a_one_hot_target_is_the_cross_entropy():
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3]])
    gold = torch.tensor([0, 2])
    one_hot = torch.nn.functional.one_hot(gold, 3).float()
    assert torch.allclose(soft_cross_entropy(logits, one_hot), torch.nn.functional.cross_entropy(logits, gold, reduction="none"))
    uniform = torch.full((2, 3), 1 / 3)
    assert soft_cross_entropy(logits, uniform)[1] > soft_cross_entropy(logits, one_hot)[1] - 1  # defined for any target


def _student_config(encoder, *extra):
    return load_config(None, overrides=[
        f"model.name_or_path={encoder}", "name=student", "labels=[negative, neutral, positive]",
        "data.train=[dse-directed:train@48]", "data.dev=[dse-directed:valid@16]", "data.test=[dse-directed:test@12]",
        "data.reverse_neutral=true", "data.max_train_samples=40", "baselines=[majority]", "evaluation.n_bootstrap=20",
        "evaluation.calibration=none", "train.epochs=1", "train.batch_size=8", "train.eval_every=3",
        "train.precision=fp32", "train.class_weights=none", "model.max_length=48", *extra,
    ])


def test_a_teacher_of_one_hot_gold_labels_trains_the_model_the_gold_labels_do(tiny_encoder, tmp_path, data_dir):
    from stance.train import load_run_data

    data = load_run_data(_student_config(tiny_encoder))
    one_hot = np.eye(3)[[LABELS.index(r["stance"]) for r in data.train]]
    write_teacher(tmp_path / "gold.jsonl", teacher_rows(data.train, one_hot, LABELS))
    gold = run_training(_student_config(tiny_encoder), tmp_path / "gold-labels")
    taught = run_training(_student_config(tiny_encoder, f"data.teacher={tmp_path / 'gold.jsonl'}", "train.teacher_weight=1.0"),
                          tmp_path / "taught")
    losses = [[h["loss"] for h in m["dev"]["history"]] for m in (gold, taught)]
    assert len(losses[0]) >= 2 and np.allclose(losses[0], losses[1], rtol=1e-4)
    predicted = [[r["predicted"] for r in read_jsonl(d / "predictions.jsonl")] for d in (tmp_path / "gold-labels", tmp_path / "taught")]
    assert predicted[0] == predicted[1]


def test_teacher_scores_script_makes_a_file_a_student_of_any_seed_learns_from(tiny_encoder, tmp_path, data_dir, capsys):
    teacher = tmp_path / "teacher"
    run_training(_student_config(tiny_encoder, "train.epochs=0"), teacher)
    script = load_script("teacher_scores")
    sets = ["--set", f"model.name_or_path={tiny_encoder}", "--set", "data.train=[dse-directed:train@48]",
            "--set", "data.max_train_samples=40", "--set", "model.max_length=48"]
    path = tmp_path / "teacher.jsonl.gz"
    assert script.main([str(teacher / "model"), "--config", "configs/benchmarks/directed.yaml", *sets,
                        "--output", str(path), "--precision", "fp32"]) == 0
    n_rows = sum(len(by_digest) for by_digest in load_teacher(path, LABELS).values())
    polar = sum(r["stance"] != "neutral" for r in load_records("dse-directed:train@48", data_dir))
    assert n_rows == 48 + polar  # all 48 sentences (not the 40 sampled) and the reverse of each polar one
    assert f"{n_rows} training examples scored" in capsys.readouterr().out
    for seed in (1, 2):  # each seed samples other sentences; the file holds them all
        out = tmp_path / f"student-{seed}"
        run_training(_student_config(tiny_encoder, f"data.teacher={path}", f"seed={seed}"), out)
        provenance = json.loads((out / "provenance.json").read_text())
        assert provenance["data"]["teacher"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    one_seed = tmp_path / "seed-42.jsonl"  # --as-sampled: only the examples of the config's own seed
    assert script.main([str(teacher / "model"), "--config", "configs/benchmarks/directed.yaml", *sets,
                        "--output", str(one_seed), "--precision", "fp32", "--as-sampled"]) == 0
    run_training(_student_config(tiny_encoder, f"data.teacher={one_seed}", "seed=42"), tmp_path / "student-42")
    with pytest.raises(InputError, match="have no teacher score"):
        run_training(_student_config(tiny_encoder, f"data.teacher={one_seed}", "seed=1"), tmp_path / "student-1-again")
    assert script.main([str(teacher / "model"), "--config", "configs/benchmarks/directed.yaml", *sets,
                        "--set", "data.swap_speakers=0.5", "--output", str(tmp_path / "other.jsonl")]) == 2
    assert not (tmp_path / "other.jsonl").exists()


def test_a_teacher_and_counterfactual_speakers_do_not_go_together(tiny_encoder):
    with pytest.raises(ConfigError, match="swap_speakers"):
        _student_config(tiny_encoder, "data.teacher=t.jsonl", "data.swap_speakers=0.5")


def test_a_missing_teacher_file_is_a_one_line_error_before_training(tiny_encoder, tmp_path, data_dir):
    with pytest.raises(InputError, match="file not found"):
        run_training(_student_config(tiny_encoder, f"data.teacher={tmp_path / 'none.jsonl'}"), tmp_path / "run")
    assert not (tmp_path / "run" / "model").exists()
