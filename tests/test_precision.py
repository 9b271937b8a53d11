"""train.precision: what ``auto`` resolves to on a CPU, and a resumed run keeping its checkpoint's precision."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import stance.hardware as hardware
import stance.train as train_mod
from stance.config import load_config
from stance.train import run_training


@pytest.mark.parametrize("flags, expected", [
    ({"avx2", "avx512f"}, "fp32"),
    ({"avx512f", "avx512_bf16"}, "bf16"),
    ({"amx_tile", "amx_bf16"}, "bf16"),
    (set(), "fp32"),
])
def test_auto_is_bf16_on_cpus_with_bf16_in_hardware_only(monkeypatch, flags, expected):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    assert hardware.resolve_precision("auto", cuda=False) == expected
    assert hardware.resolve_precision("fp32", cuda=False) == "fp32"
    assert hardware.resolve_precision("bf16", cuda=False) == "bf16"


def tiny_config(encoder: Path, precision: str):
    return load_config(None, overrides=[
        f"model.name_or_path={encoder}", "name=tiny", "data.train=[dse:train@48]", "data.dev=[dse:valid@16]",
        "data.test=[dse:test@16]", "evaluation.n_bootstrap=20", "baselines=[majority]", "train.epochs=2",
        "train.batch_size=16", "train.checkpoint_every=2", "train.eval_every=3", "model.max_length=48",
        f"train.precision={precision}",
    ])


def test_a_resumed_run_keeps_the_checkpoints_precision(tiny_encoder, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    real_save = train_mod._save_checkpoint

    def save_then_crash(clf, path, state):
        real_save(clf, path, state)
        if state["step"] == 2:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        run_training(tiny_config(tiny_encoder, "bf16"), tmp_path / "run")
    monkeypatch.setattr(train_mod, "_save_checkpoint", real_save)
    with caplog.at_level(logging.INFO, logger="stance"):
        metrics = run_training(tiny_config(tiny_encoder, "fp32"), tmp_path / "run", resume=True)
    assert metrics["training"]["precision"] == "bf16"
    assert "training precision: bf16 (train.precision: fp32; from the checkpoint)" in caplog.text
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["training"]["precision"] == "bf16"


def test_one_process_trains_in_bf16_then_in_fp32(tiny_encoder, tmp_path, monkeypatch):
    # Accelerate keeps one mixed precision per process; a notebook or the test suite trains several runs
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    for precision in ("bf16", "fp32", "bf16"):
        config = tiny_config(tiny_encoder, precision)
        config.train.max_steps = 1
        metrics = run_training(config, tmp_path / precision, overwrite=True)
        assert metrics["training"]["precision"] == precision


# --------------------------------------------------------------------------- inference: quantize="auto"
def statements(n: int) -> list[dict]:
    words = ["praised", "blamed", "met", "accused", "welcomed", "criticized"]
    return [{"text": f"Putin {words[i % 6]} Biden over the talks number {i}.", "source": "Putin", "target": "Biden"}
            for i in range(n)]


def test_auto_runs_the_fastest_precision_that_agrees_with_fp32(tiny_encoder, caplog):
    from stance.model import StanceClassifier

    import torch

    torch.manual_seed(0)  # the same new head twice
    fp32 = StanceClassifier.from_pretrained(tiny_encoder, labels=["neg", "neu", "pos"])
    expected = fp32.predict(statements(40))
    torch.manual_seed(0)
    with caplog.at_level(logging.INFO, logger="stance"):
        clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["neg", "neu", "pos"], quantize="auto",
                                               calibration=statements(40))
    cal = clf.calibration
    assert cal["n"] == 40 and cal["chosen"] == clf.quantized
    assert set(cal["candidates"]) >= {"fp32", "int8"} and cal["candidates"]["fp32"]["agreement"] == 1.0
    assert cal["candidates"][cal["chosen"]]["agreement"] >= 0.99
    ok = [n for n, m in cal["candidates"].items() if m["agreement"] >= 0.99]
    assert cal["candidates"][cal["chosen"]]["per_s"] == max(cal["candidates"][n]["per_s"] for n in ok)
    assert f"quantize=auto: {cal['chosen']} (argmax agreement with fp32" in caplog.text
    agree = sum(a == b for a, b in zip(clf.predict(statements(40)), expected)) / 40
    assert agree >= 0.99


def test_auto_never_runs_int8_when_it_disagrees_with_fp32(tiny_encoder, monkeypatch):
    import torch

    from stance.model import StanceClassifier

    real = StanceClassifier.quantize_int8

    def disagreeing_int8(self, recheck_margin=0.25):
        real(self, recheck_margin)
        self.model = FlippedLogits(self.model)  # int8 that ranks the labels the other way round

    class FlippedLogits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, **batch):
            out = self.inner(**batch)
            out.logits = -out.logits
            return out

    monkeypatch.setattr(StanceClassifier, "quantize_int8", disagreeing_int8)
    monkeypatch.setattr(hardware, "cpu_flags", lambda: set())  # no bf16 in hardware: fp32 or int8 only
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["neg", "neu", "pos"], quantize="auto", int8_recheck=0)
    clf.predict(statements(30))  # no sample given: calibrated on the first statements predicted
    assert clf.calibration["candidates"]["int8"]["agreement"] < 0.99
    assert set(clf.calibration["candidates"]) == {"fp32", "int8"}
    assert clf.calibration["chosen"] == clf.quantized == "fp32"


def test_predict_fast_says_which_precision_it_chose(tiny_encoder, tmp_path, caplog):
    from stance.cli import main
    from stance.model import StanceClassifier

    StanceClassifier.from_pretrained(tiny_encoder, labels=["neg", "neu", "pos"]).save_pretrained(tmp_path / "model")
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in statements(12)))
    with caplog.at_level(logging.INFO, logger="stance"):
        assert main(["predict", "--model", str(tmp_path / "model"), "--input", str(tmp_path / "in.jsonl"),
                     "--output", str(tmp_path / "out.jsonl"), "--fast"]) == 0
    assert "quantize=auto: " in caplog.text
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 12
