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
