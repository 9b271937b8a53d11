"""A real ``kill -9`` in the middle of a command never leaves a half-written result that looks whole.

Each kill test starts ``python -m stance.cli ...`` as a subprocess, waits until it is doing the real work,
kills it with SIGKILL (no cleanup handler runs), and checks what is on disk. ``stance train --resume``
then continues to the same numbers as an uninterrupted run; ``stance run`` restarted with the same
command gives the same statements. Beside them, in one process: a resumed training draws from every random
generator (Python, NumPy, torch; CUDA on a GPU) at each step what the uninterrupted run drew.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stance.io import RUN_MARKER

REPO = Path(__file__).resolve().parent.parent
PARTIES = REPO / "configs" / "parties" / "us_russia.yaml"
LABELS = ["negative", "neutral", "positive"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
STARTUP_TIMEOUT = 240  # seconds for a command to reach its real work on a busy 2-core machine


# --------------------------------------------------------------------------- subprocesses
@pytest.fixture
def start() -> Iterator[Callable[..., subprocess.Popen]]:
    """``start(log, *ARGS)`` runs ``stance ARGS`` in the background, stdout and stderr (logs, progress
    bars) into ``log``; whatever is still running when the test ends is killed."""
    started: list[subprocess.Popen] = []

    def run(log: Path, *args: object) -> subprocess.Popen:
        with log.open("wb") as handle:
            started.append(subprocess.Popen([sys.executable, "-m", "stance.cli", *map(str, args)], cwd=REPO,
                                            env=ENV, stdout=handle, stderr=subprocess.STDOUT))
        return started[-1]

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stance(*args: object) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "stance.cli", *map(str, args)], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=STARTUP_TIMEOUT + 120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], log: Path, delay: float = 0.0) -> None:
    """SIGKILL ``proc`` once ``ready()`` holds (and ``delay`` seconds more); it must still be running then."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the command ended (exit {proc.returncode}) before it could be killed:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the command did not get to its work in {STARTUP_TIMEOUT} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)
    time.sleep(delay)
    assert proc.poll() is None, f"the command finished before the kill:\n{log.read_text()[-3000:]}"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def temp_files(folder: Path) -> list[str]:
    """What an interrupted atomic write would leave: hidden ``.NAME.*.tmp`` files and ``.NAME.*`` folders."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if (p.name.startswith(".") or p.suffix == ".tmp") and p.name != RUN_MARKER)  # the marker is no temp


def save_classifier(encoder: Path, path: Path) -> Path:
    from stance.model import StanceClassifier

    StanceClassifier.from_pretrained(encoder, labels=LABELS, max_length=64).save_pretrained(path)
    return path


def log_has(log: Path, text: str) -> Callable[[], bool]:
    return lambda: log.exists() and text in log.read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- train
TRAIN_CONFIG = """\
name: tiny-resume
baselines: [majority]
model:
  name_or_path: {encoder}
  max_length: 48
data:
  train: [dse-directed:train@200]
  dev: [dse-directed:valid@32]
  test: [dse-directed:test@40]
train:
  epochs: 3
  batch_size: 8
  checkpoint_every: 5
  eval_every: 10
  num_threads: 1
evaluation:
  n_bootstrap: 50
"""


def test_train_killed_midway_then_resumed_matches_an_uninterrupted_run(tiny_encoder, tmp_path, start):
    config = tmp_path / "tiny.yaml"
    config.write_text(TRAIN_CONFIG.format(encoder=tiny_encoder), encoding="utf-8")
    full, cut = tmp_path / "full", tmp_path / "cut"
    reference = start(tmp_path / "full.log", "train", config, "--output", full)  # runs beside the killed one
    proc = start(tmp_path / "cut.log", "train", config, "--output", cut)
    kill_when(proc, lambda: (cut / "checkpoint" / "state.pt").exists(), tmp_path / "cut.log", delay=0.3)

    assert not (cut / "COMPLETE").exists() and not (cut / "metrics.json").exists()
    assert not (cut / "predictions.jsonl").exists()
    stance("train", config, "--output", cut, "--resume")
    assert reference.wait(timeout=STARTUP_TIMEOUT + 120) == 0, (tmp_path / "full.log").read_text()[-3000:]

    log = (cut / "train.log").read_text(encoding="utf-8")
    resumed_at = int(log.split("resumed from step ")[1].split()[0])
    assert 0 < resumed_at < 75  # 3 epochs of 25 batches: the kill came midway
    a = json.loads((full / "metrics.json").read_text(encoding="utf-8"))
    b = json.loads((cut / "metrics.json").read_text(encoding="utf-8"))
    for key in ("test", "baselines", "comparisons", "dev", "labels", "n_train"):
        assert b[key] == a[key], key
    assert b["training"]["steps"] == a["training"]["steps"] == 75
    assert (cut / "predictions.jsonl").read_bytes() == (full / "predictions.jsonl").read_bytes()
    assert (cut / "COMPLETE").exists() and not (cut / "checkpoint").exists()
    assert temp_files(cut) == []


# --------------------------------------------------------------------------- train: every random state
class Interrupted(Exception):
    """Stands for a kill right after a checkpoint was written."""


def draw_everywhere() -> list[float]:
    """One draw from each generator a training step may use: Python's, NumPy's, torch's (and the GPU's)."""
    import numpy as np
    import torch

    row = [random.random(), float(np.random.random()), float(torch.rand(1))]
    if torch.cuda.is_available():
        row.append(float(torch.rand(1, device="cuda")))
    return row


def test_random_states_survive_a_checkpoint_file(tmp_path):
    import numpy as np
    import torch

    from stance.train import load_state, rng_state, set_rng_state

    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    np.random.standard_normal(), random.gauss(0, 1)  # a cached Gaussian is part of the state too
    device = "cuda" if torch.cuda.is_available() else None
    torch.save({"rng": [rng_state(device)]}, tmp_path / "state.pt")
    expected = [draw_everywhere(), [random.gauss(0, 1), float(np.random.standard_normal())]]
    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    set_rng_state(load_state(tmp_path / "state.pt")["rng"][0], device)  # loaded with weights_only
    assert [draw_everywhere(), [random.gauss(0, 1), float(np.random.standard_normal())]] == expected


def test_a_checkpoint_with_the_cpu_state_only_still_resumes(caplog):
    import torch

    from stance.train import _restore_rng

    saved = torch.manual_seed(5).get_state()
    expected = torch.rand(3)
    _restore_rng({"torch_rng": saved}, rank=0, world=1, device=None)  # written before every state was kept
    assert torch.equal(torch.rand(3), expected)
    assert "torch's CPU random state only" in caplog.text


def test_resume_restores_every_random_state(tiny_encoder, tmp_path, monkeypatch):
    """Each training step draws from every generator, as dropout or an augmentation could: resumed after an
    interruption, a run draws at each step what the uninterrupted run drew, and ends with the same scores.
    Leaving out the restore of any one state (Python, NumPy, torch; CUDA on a GPU) changes the draws."""
    import stance.train as train_mod
    from stance.config import load_config
    from stance.model import StanceClassifier
    from stance.train import run_training

    draws: list[list[float]] = []
    logits = StanceClassifier.logits

    def drawing_logits(self, model, batch):
        if model.training:
            draws.append(draw_everywhere())
        return logits(self, model, batch)

    save, armed = train_mod._save_checkpoint, []

    def save_then_die(clf, path, state):
        save(clf, path, state)
        if armed and state["step"] == 8:
            armed.clear()
            raise Interrupted

    monkeypatch.setattr(StanceClassifier, "logits", drawing_logits)
    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_die)
    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=tiny-rng", "model.max_length=48", "baselines=[majority]",
        "data.train=[dse-directed:train@64]", "data.dev=[dse-directed:valid@16]", "data.test=[dse-directed:test@24]",
        "train.max_steps=12", "train.batch_size=8", "train.checkpoint_every=4", "train.eval_every=4",
        "train.num_threads=1", "evaluation.n_bootstrap=20", "evaluation.calibration=none",
    ])
    full = run_training(config, tmp_path / "full")
    full_draws = list(draws)
    armed.append(True)
    with pytest.raises(Interrupted):
        run_training(config, tmp_path / "cut")
    draws.clear()
    resumed = run_training(config, tmp_path / "cut", resume=True)

    assert len(full_draws) == 12 and len(draws) == 4  # steps 9 to 12 after the resume
    assert draws == full_draws[8:]
    assert resumed["test"] == full["test"] and resumed["dev"] == full["dev"]
    assert (tmp_path / "cut" / "predictions.jsonl").read_bytes() == (tmp_path / "full" / "predictions.jsonl").read_bytes()


# --------------------------------------------------------------------------- evaluate
def test_evaluate_killed_midway_leaves_no_result_file(tmp_path, start):
    rng = random.Random(7)
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    with gold.open("w", encoding="utf-8") as g, pred.open("w", encoding="utf-8") as p:
        for i in range(150_000):
            label = rng.choice(LABELS)
            guess = label if rng.random() < 0.7 else rng.choice(LABELS)
            g.write(f'{{"doc_id": "d{i // 10}", "statement_id": "{i % 10}", "stance": "{label}"}}\n')
            p.write(f'{{"doc_id": "d{i // 10}", "statement_id": "{i % 10}", "stance": "{guess}"}}\n')
    out, log = tmp_path / "eval", tmp_path / "eval.log"
    out.mkdir()
    proc = start(log, "evaluate", "--gold", gold, "--pred", pred, "--output", out, "--bootstrap", "2000")
    kill_when(proc, log_has(log, "scoring 150000 statements"), log, delay=0.5)

    assert sorted(p.name for p in out.iterdir()) == []  # no metrics.json, report.md, confusion.png, temp file


# --------------------------------------------------------------------------- predict
def test_predict_killed_midway_leaves_no_output_file(tiny_encoder, tmp_path, start):
    model = save_classifier(tiny_encoder, tmp_path / "model")
    rng = random.Random(3)
    words = "the president said that russia and the united states will hold talks on peace and sanctions".split()
    statements = tmp_path / "statements.jsonl"
    statements.write_text("".join(
        json.dumps({"doc_id": f"d{i}", "statement_id": "1", "text": " ".join(rng.choices(words, k=30)),
                    "source": "Putin", "target": "Obama"}) + "\n"
        for i in range(3000)
    ), encoding="utf-8")
    out, log = tmp_path / "out", tmp_path / "predict.log"
    proc = start(log, "predict", "--model", model, "--input", statements, "--output", out / "pred.jsonl",
                 "--batch-size", "4")
    kill_when(proc, log_has(log, "predict:"), log, delay=0.3)

    assert not (out / "pred.jsonl").exists()
    assert not out.exists() or list(out.iterdir()) == []  # no temporary file either


# --------------------------------------------------------------------------- run
ARTICLE = (
    "{a} said on Tuesday that the {topic} talks had been useful. "
    "\"We will not accept new conditions on {topic},\" {b} told reporters in Moscow. "
    "According to {a}, the next round is planned for day {i}."
)
SPEAKERS = ["Senator Alice Moore", "Foreign Minister Ivan Petrov", "President Obama", "Vladimir Putin",
            "Kremlin spokesman Dmitry Peskov", "Secretary of State John Kerry"]
TOPICS = ["trade", "peace", "arms control", "sanctions", "energy"]


def write_articles(path: Path, n: int) -> Path:
    rows = [{"doc_id": f"art{i:03d}", "date": f"2014-{i % 12 + 1:02d}-01",
             "text": ARTICLE.format(a=SPEAKERS[i % 6], b=SPEAKERS[(5 * i + 1) % 6], topic=TOPICS[i % 5], i=i)}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def run_inputs(tiny_encoder: Path, tmp_path: Path) -> tuple[Path, Path]:
    model = save_classifier(tiny_encoder, tmp_path / "model")
    return write_articles(tmp_path / "articles.jsonl", 250), model  # 3 parts of 100 articles


RESULTS = ("statements.jsonl", "statements.csv", "statements.parquet", "report.md", "report.html", "COMPLETE")


def test_run_killed_midway_leaves_no_statements_or_report(run_inputs, tmp_path, start):
    articles, model = run_inputs
    out, log = tmp_path / "run", tmp_path / "run.log"
    proc = start(log, "run", articles, "--model", model, "--parties", PARTIES, "--output", out)
    kill_when(proc, lambda: (out / "parts" / "part-000000.jsonl").exists(), log)

    assert [name for name in RESULTS if (out / name).exists()] == []
    assert temp_files(out) == []
    assert len((out / "parts" / "part-000000.jsonl").read_text(encoding="utf-8").splitlines()) > 100


@pytest.mark.slow
def test_run_restarted_after_a_kill_gives_the_same_statements(run_inputs, tmp_path, start):
    articles, model = run_inputs
    full, out, log = tmp_path / "full", tmp_path / "run", tmp_path / "run.log"
    reference = start(tmp_path / "full.log", "run", articles, "--model", model, "--parties", PARTIES, "--output", full)
    argv = ["run", articles, "--model", model, "--parties", PARTIES, "--output", out]
    kill_when(start(log, *argv), lambda: (out / "parts" / "part-000000.jsonl").exists(), log)
    stance(*argv)
    assert reference.wait(timeout=STARTUP_TIMEOUT + 120) == 0, (tmp_path / "full.log").read_text()[-3000:]

    assert (out / "COMPLETE").exists() and temp_files(out) == []
    assert (out / "statements.jsonl").read_bytes() == (tmp_path / "full" / "statements.jsonl").read_bytes()
