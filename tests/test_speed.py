"""Speed and scale features keep their promises: the fast inference paths agree with fp32, a streamed run
restarted after an interruption (or split into shards) gives exactly the statements of one plain run, and
training under ``accelerate launch`` with two processes gives the model of one process.

Timings are not tested here (scripts/benchmark_inference.py and scripts/benchmark_pipeline.py measure them).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stance.pipeline as pipeline_mod
from stance.errors import StanceError
from stance.model import StanceClassifier, cpu_threads
from stance.pipeline import run_pipeline

from conftest import WORDS

REPO = Path(__file__).resolve().parent.parent
PARTIES = REPO / "configs" / "parties" / "us_russia.yaml"
LABELS = ["negative", "neutral", "positive"]


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def statements(n: int, seed: int = 0) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [{"text": " ".join(rng.choices(WORDS, k=rng.randint(3, 60))), "source": "Putin", "target": "Obama"} for _ in range(n)]


# --------------------------------------------------------------------------- inference
@pytest.mark.parametrize("quantize, atol", [("int8", 0.015), ("bf16", 0.005)])
def test_fast_paths_give_probabilities_close_to_fp32(tiny_encoder, quantize, atol):
    """The random tiny model gives every input nearly the same probabilities (top-2 margins below 0.001),
    so its argmax agreement would measure nothing; its probabilities must stay close. The argmax agreement
    of a trained model is measured by scripts/benchmark_inference.py (docs/scale.md)."""
    import torch

    records = statements(120)
    torch.manual_seed(0)  # the same new head in both: the difference is the precision's alone
    fp32 = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).predict_proba(records)
    torch.manual_seed(0)
    fast = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, quantize=quantize, int8_recheck=0).predict_proba(records)
    assert fast.shape == fp32.shape == (120, 3)
    np.testing.assert_allclose(fast.sum(axis=1), 1.0, rtol=1e-3)
    np.testing.assert_allclose(fast, fp32, atol=atol)


def test_int8_rescores_its_close_calls_in_fp32_and_keeps_the_rest(tiny_encoder, tmp_path):
    StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS).save_pretrained(tmp_path / "model")
    model = tmp_path / "model"  # one classification head for every variant below
    records = statements(120)
    fp32 = StanceClassifier.from_pretrained(model).predict_proba(records)
    pure = StanceClassifier.from_pretrained(model, quantize="int8", int8_recheck=0)
    int8 = pure.predict_proba(records)
    assert pure.fp32_model is None and pure.n_rechecked == 0
    top2 = np.sort(int8, axis=1)
    margins = top2[:, -1] - top2[:, -2]
    cut = float(np.median(margins))  # about half the statements are close calls at this margin
    checked = StanceClassifier.from_pretrained(model, quantize="int8", int8_recheck=cut)
    mixed = checked.predict_proba(records)
    close = margins < cut
    assert checked.n_rechecked == close.sum() > 0
    np.testing.assert_allclose(mixed[close], fp32[close], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(mixed[~close], int8[~close])
    everything = StanceClassifier.from_pretrained(model, quantize="int8", int8_recheck=1.0)
    np.testing.assert_allclose(everything.predict_proba(records), fp32, rtol=1e-5, atol=1e-7)


def test_int8_recheck_margin_outside_0_1_is_refused(tiny_encoder):
    with pytest.raises(StanceError, match="between 0 and 1"):
        StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, quantize="int8", int8_recheck=1.5)


def test_int8_quantizes_every_linear_layer_per_channel(tiny_encoder):
    import torch

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, quantize="int8")
    modules = list(clf.model.modules())
    assert not any(type(m) is torch.nn.Linear for m in modules)
    quantized = [m for m in modules if type(m).__name__ == "Linear" and "quantized" in type(m).__module__]
    assert len(quantized) == 2 * 6 + 2  # 6 per layer, pooler, classifier
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in quantized)


@pytest.mark.parametrize("quantize", [None, "int8", "bf16"])
def test_the_same_input_gives_the_same_probabilities_twice(tiny_encoder, quantize):
    """What a resumed run relies on: a chunk classified again gives the same scores, to the bit."""
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, quantize=quantize)
    records = statements(40)
    np.testing.assert_array_equal(clf.predict_proba(records, batch_size=8), clf.predict_proba(records, batch_size=8))


def test_unknown_quantization_is_refused(tiny_encoder):
    with pytest.raises(StanceError, match="valid: int8, bf16"):
        StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, quantize="int4")


@pytest.mark.parametrize("lengths, expected", [((5, 10, 20), None), ((5, 500, 900), "2 of 3 inputs")])
def test_truncation_is_counted_in_the_one_tokenizer_pass(tiny_encoder, caplog, lengths, expected):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS, max_length=64)
    with caplog.at_level("WARNING", logger="stance.model"):
        encoded = clf.tokenize([{"text": "said " * n} for n in lengths])  # one token each
    assert max(len(ids) for ids in encoded["input_ids"]) <= 64
    if expected is None:
        assert "truncated" not in caplog.text
    else:
        assert f"{expected} are longer than 64 tokens" in caplog.text


@pytest.mark.parametrize("omp, expected", [("3", 3), ("1", 1)])
def test_cpu_threads_follow_omp_num_threads(monkeypatch, omp, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", omp)
    assert cpu_threads() == expected


def test_cpu_threads_are_at_most_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert 1 <= cpu_threads() <= len(os.sched_getaffinity(0))


# --------------------------------------------------------------------------- streaming runs
ARTICLE = (
    "{a} said on {day} that the {topic} talks with Washington had been useful.\n\n"
    "\"We will not accept new conditions on {topic},\" {b} told reporters in Moscow. "
    "{b} blamed the United States for the delay.\n\n"
    "According to {a}, the next round is planned for {month}."
)
SPEAKERS = ["Foreign Minister Sergei Lavrov", "Secretary of State John Kerry", "President Vladimir Putin",
            "Kremlin spokesman Dmitry Peskov"]


def write_articles(path: Path, n: int) -> Path:
    days, topics, months = ["Monday", "Tuesday", "Friday"], ["trade", "arms control", "sanctions"], ["May", "June"]
    rows = [{"doc_id": f"a{i:02d}", "date": f"2015-0{i % 9 + 1}-01",
             "text": ARTICLE.format(a=SPEAKERS[i % 4], b=SPEAKERS[(i + 1) % 4], day=days[i % 3], topic=topics[i % 3],
                                    month=months[i % 2])}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_inputs(tiny_encoder_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("speed-run")
    model = folder / "model"
    StanceClassifier.from_pretrained(tiny_encoder_master, labels=LABELS, max_length=64).save_pretrained(model)
    return write_articles(folder / "articles.jsonl", 7), model  # 4 parts of 2 articles


@pytest.fixture(scope="module")
def reference(run_inputs, tmp_path_factory) -> Path:
    """One uninterrupted, unsharded run."""
    articles, model = run_inputs
    out = tmp_path_factory.mktemp("reference") / "run"
    run_pipeline([articles], model=str(model), parties=str(PARTIES), output_dir=out, chunk_articles=2)
    return out


def run(run_inputs, out: Path, **kwargs) -> dict:
    articles, model = run_inputs
    return run_pipeline([articles], model=str(model), parties=str(PARTIES), output_dir=out, chunk_articles=2, **kwargs)


@pytest.mark.skipif(pipeline_mod.rss_mb() is None, reason="needs /proc (Linux)")
def test_the_heap_guard_trims_only_after_the_process_has_grown_by_its_slack():
    patient, eager = pipeline_mod.HeapGuard(slack_mb=10_000), pipeline_mod.HeapGuard(slack_mb=20)
    block = b"x" * (100 * 2**20)  # 100 MB, resident
    patient()
    eager()
    del block
    assert patient.trims == 0
    assert eager.trims == 1
    eager()  # no growth since it trimmed
    assert eager.trims == 1


def test_the_report_reads_statements_in_chunks_into_the_frame_of_one_read(tmp_path):
    from stance.report import statements_frame

    rows = [
        {"doc_id": "a", "statement_id": "1", "text": "x", "stance": "negative", "scores": {"negative": 0.7, "positive": 0.3}},
        {"doc_id": "a", "statement_id": "2", "text": "y", "stance": "positive", "scores": {"negative": 0.2, "positive": 0.8},
         "speaker_party": "US"},
        {"doc_id": "b", "statement_id": "1", "text": "z", "stance": "positive", "scores": {"negative": 0.4, "positive": 0.6},
         "fragments": [[0, 1]]},
    ]
    path = tmp_path / "statements.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    whole, chunked = statements_frame(path), statements_frame(path, chunk_rows=1)
    assert chunked.equals(whole[chunked.columns])
    assert sorted(chunked.columns) == sorted(whole.columns)
    assert whole["confidence"].tolist() == [0.7, 0.8, 0.6]
    assert "scores" not in whole and whole["score_positive"].tolist() == [0.3, 0.8, 0.6]


def test_the_reference_run_has_statements_in_every_part(reference):
    parts = sorted(p.name for p in (reference / "parts").iterdir())
    assert parts == [f"part-{i:06d}.jsonl" for i in range(4)]
    rows = [json.loads(line) for line in (reference / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 7 and {r["doc_id"] for r in rows} == {f"a{i:02d}" for i in range(7)}
    assert all(r["stance"] in LABELS and set(r["scores"]) == set(LABELS) for r in rows)


def test_a_run_interrupted_midway_resumes_to_the_same_statements(run_inputs, reference, tmp_path, monkeypatch):
    out = tmp_path / "run"
    real_write = pipeline_mod.write_jsonl
    written: list[str] = []

    def write_then_stop(path, rows):
        if len(written) == 2:
            # killed while writing the third part: what atomic_write had begun is left behind
            Path(path).parent.joinpath(f".{Path(path).name}.x1y2.tmp").write_text('{"half": ', encoding="utf-8")
            raise KeyboardInterrupt("simulated kill")
        written.append(Path(path).name)
        return real_write(path, rows)

    monkeypatch.setattr(pipeline_mod, "write_jsonl", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run(run_inputs, out)
    assert written == ["part-000000.jsonl", "part-000001.jsonl"]
    assert not (out / "statements.jsonl").exists() and not (out / "COMPLETE").exists()

    monkeypatch.setattr(pipeline_mod, "write_jsonl", real_write)
    run(run_inputs, out)
    assert (out / "COMPLETE").exists()
    assert (out / "statements.jsonl").read_bytes() == (reference / "statements.jsonl").read_bytes()
    assert sorted(p.name for p in (out / "parts").iterdir()) == sorted(p.name for p in (reference / "parts").iterdir())


def test_shards_merged_by_a_plain_run_give_the_statements_of_one_run(run_inputs, reference, tmp_path, monkeypatch):
    out = tmp_path / "run"
    for shard in ("1/2", "0/2"):
        summary = run(run_inputs, out, shard=shard)
        assert summary["shard"] == shard
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"part-{i:06d}.jsonl" for i in range(4)]
    assert not (out / "statements.jsonl").exists()

    import stance.extraction

    def no_extraction(*args, **kwargs):
        raise AssertionError("the merge run must not extract again")

    monkeypatch.setattr(stance.extraction, "extract_many", no_extraction)
    run(run_inputs, out)
    assert (out / "statements.jsonl").read_bytes() == (reference / "statements.jsonl").read_bytes()


def test_a_shard_writes_only_its_own_parts(run_inputs, tmp_path):
    out = tmp_path / "run"
    run(run_inputs, out, shard="1/2")
    assert sorted(p.name for p in (out / "parts").iterdir()) == ["part-000001.jsonl", "part-000003.jsonl"]


def test_resuming_at_another_precision_is_refused(run_inputs, reference, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(reference, out)
    with pytest.raises(StanceError, match="holds another run"):
        run(run_inputs, out, quantize="int8")


# --------------------------------------------------------------------------- training with Accelerate
EXPERIMENT = """\
name: tiny-accelerate
labels: [neutral, pos_s2t, pos_t2s, neg_s2t, neg_t2s]
baselines: []
data:
  train: [dse:train@120]
  dev: [dse:valid@24]
  test: [dse:test@24]
model:
  name_or_path: {encoder}
  max_length: 48
train:
  epochs: 1
  batch_size: 15
  learning_rate: 2.0e-3
  eval_every: 4
  checkpoint_every: 4
  class_weights: balanced
  num_threads: 1
  precision: fp32  # bf16 rounds each process's share differently
evaluation:
  n_bootstrap: 20
"""


@pytest.mark.slow  # about 45 s on a busy 2-core machine: three Python processes start torch
@pytest.mark.parametrize("teacher", [False, True], ids=["gold-labels", "with-teacher"])
def test_two_accelerate_processes_train_the_model_of_one_process(tiny_encoder, tmp_path, monkeypatch, teacher):
    """Dropout off, so that one and two processes compute the same batches: the weights must match to
    float precision (and differ clearly from the initial ones), the metrics exactly; with a teacher file
    too (the teacher's share of the loss is split between the processes as the gold labels' share is)."""
    import numpy as np
    from safetensors.torch import load_file

    from stance.config import load_config
    from stance.distill import teacher_rows, write_teacher
    from stance.train import load_run_data, run_training

    config = json.loads((tiny_encoder / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (tiny_encoder / "config.json").write_text(json.dumps(config))
    experiment = tmp_path / "exp.yaml"
    experiment.write_text(EXPERIMENT.format(encoder=tiny_encoder), encoding="utf-8")
    monkeypatch.chdir(REPO)
    if teacher:  # random probabilities, seeded: the loss then differs from the gold labels' alone
        data = load_run_data(load_config(experiment))
        proba = np.random.default_rng(0).dirichlet(np.ones(len(data.labels)), size=len(data.train))
        write_teacher(tmp_path / "teacher.jsonl", teacher_rows(data.train, proba, data.labels))
        experiment.write_text(EXPERIMENT.format(encoder=tiny_encoder).replace(
            "  test: [dse:test@24]\n", f"  test: [dse:test@24]\n  teacher: {tmp_path / 'teacher.jsonl'}\n"), encoding="utf-8")
        assert "teacher:" in experiment.read_text()

    run_training(load_config(experiment), tmp_path / "one")
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
              "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "stance.cli", "train", str(experiment),
              "--output", str(tmp_path / "two"), "--quiet"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(launch, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "process 1: trained" in done.stdout  # two processes took part

    one = load_file(tmp_path / "one" / "model" / "model.safetensors")
    two = load_file(tmp_path / "two" / "model" / "model.safetensors")
    start = load_file(tiny_encoder / "model.safetensors")
    moved = max((one[k] - start[k]).abs().max().item() for k in start if k in one and one[k].shape == start[k].shape)
    apart = max((one[k] - two[k]).abs().max().item() for k in one)
    assert moved > 1e-3 and apart < 1e-5, (moved, apart)
    m1 = json.loads((tmp_path / "one" / "metrics.json").read_text())
    m2 = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert [h["step"] for h in m1["dev"]["history"]] == [h["step"] for h in m2["dev"]["history"]] == [4, 8]
    for h1, h2 in zip(m1["dev"]["history"], m2["dev"]["history"]):
        assert h1["dev_macro_f1"] == h2["dev_macro_f1"] and h1["loss"] == pytest.approx(h2["loss"], abs=1e-5)
    assert m1["test"] == m2["test"]
    assert m1["training"]["steps"] == m2["training"]["steps"] == 8
