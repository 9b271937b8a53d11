"""Reproducible and safe: `stance predict` twice gives the same bytes; local models load with no network;
hub ids fail fast offline; only safetensors weights, no remote code, safe YAML."""
from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import pytest

from stance.cli import main
from stance.config import load_config
from stance.errors import ConfigError, StanceError
from stance.model import StanceClassifier
from stance.parties import PartyConfig

LABELS = ["negative", "neutral", "positive"]
STATEMENTS = [
    {"doc_id": "d1", "statement_id": "1", "text": "The minister accused the rival party of lying about the budget.",
     "source": "the minister", "target": "the rival party"},
    {"doc_id": "d1", "statement_id": "2", "text": "The envoy praised the agreement as a breakthrough.",
     "source": "the envoy", "target": None},
    {"doc_id": "d2", "statement_id": "1", "text": "Talks will resume on Tuesday, a spokesperson said."},
]


@pytest.fixture(scope="session")
def tiny_model(tiny_encoder_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reliability") / "model"
    StanceClassifier.from_pretrained(tiny_encoder_master, labels=LABELS, max_length=64).save_pretrained(path)
    return path


@pytest.fixture
def statements(tmp_path: Path) -> Path:
    path = tmp_path / "statements.jsonl"
    rows = [dict(r, statement_id=f"{r['statement_id']}-{i}") for i, r in enumerate(STATEMENTS * 20)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every connection attempt raises (and is recorded); offline mode is off, as on a user's machine."""
    import huggingface_hub.constants

    attempts: list[tuple] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    return attempts


# --------------------------------------------------------------------------- determinism
def test_predict_twice_gives_byte_identical_output(tiny_model, statements, tmp_path):
    for name in ("a.jsonl", "b.jsonl"):
        argv = ["predict", "--model", str(tiny_model), "--input", str(statements), "--output", str(tmp_path / name),
                "--batch-size", "8"]
        assert main(argv) == 0
    first = (tmp_path / "a.jsonl").read_bytes()
    assert first == (tmp_path / "b.jsonl").read_bytes()
    rows = [json.loads(line) for line in first.decode().splitlines()]
    assert len(rows) == 60 and {r["stance"] for r in rows} <= set(LABELS)
    assert all(abs(sum(r["scores"].values()) - 1) < 1e-4 for r in rows)


# --------------------------------------------------------------------------- offline
def test_a_local_model_loads_and_predicts_with_no_network_attempt(tiny_model, statements, tmp_path, no_network):
    out = tmp_path / "pred.jsonl"
    assert main(["predict", "--model", str(tiny_model), "--input", str(statements), "--output", str(out)]) == 0
    assert no_network == []
    assert len(out.read_text(encoding="utf-8").splitlines()) == 60


def predict_with_a_hub_id(statements: Path, out: Path) -> tuple[int, float]:
    """``stance predict`` with a hub id that is not cached: the exit code and the seconds it took."""
    start = time.monotonic()
    code = main(["predict", "--model", "no-such-org/no-such-model", "--input", str(statements), "--output", str(out)])
    return code, time.monotonic() - start


def test_a_hub_id_without_network_fails_with_one_clear_line(statements, tmp_path, no_network, capsys):
    out = tmp_path / "pred.jsonl"
    code, _ = predict_with_a_hub_id(statements, out)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: model 'no-such-org/no-such-model' is not a local folder") and "\n" not in err
    assert "unreachable" in err and "Traceback" not in err
    assert no_network  # it asked the network once, and gave up at once
    assert not out.exists()


@pytest.mark.timing  # a wall-clock bound: run on a quiet machine (pytest -m timing)
def test_a_hub_id_without_network_fails_within_seconds(statements, tmp_path, no_network):
    code, seconds = predict_with_a_hub_id(statements, tmp_path / "pred.jsonl")
    assert code == 2 and seconds < 10


def test_a_hub_id_with_offline_mode_fails_without_touching_the_network(statements, tmp_path, no_network, monkeypatch,
                                                                        capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = main(["predict", "--model", "no-such-org/no-such-model", "--input", str(statements),
                 "--output", str(tmp_path / "pred.jsonl")])
    assert code == 2
    assert "HF_HUB_OFFLINE=1" in capsys.readouterr().err
    assert no_network == []


# --------------------------------------------------------------------------- safe loading
def test_weights_are_loaded_from_safetensors_only(tiny_model, tmp_path):
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "bin-model"
    shutil.copytree(tiny_model, folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(StanceError, match=r"missing model\.safetensors \(only safetensors checkpoints are loaded\)"):
        StanceClassifier.from_pretrained(folder)


@pytest.mark.parametrize("model_type", ["bert", "evilnet"])
def test_custom_code_in_a_model_folder_is_never_run(tiny_model, tmp_path, model_type):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    marker = tmp_path / "code-was-run"
    (folder / "evil.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "from transformers import BertForSequenceClassification as EvilModel\n",
        encoding="utf-8",
    )
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config.update(model_type=model_type, auto_map={"AutoModelForSequenceClassification": "evil.EvilModel"})
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")

    if model_type == "bert":  # a known architecture: loaded with the library's own code
        assert StanceClassifier.from_pretrained(folder).labels == LABELS
    else:  # only custom code could load it: refused with a clear error
        with pytest.raises(StanceError, match="cannot load model .*(custom code|does not recognize)"):
            StanceClassifier.from_pretrained(folder)
    assert not marker.exists()


def test_yaml_is_loaded_safely(tmp_path):
    marker = tmp_path / "owned"
    tag = f"!!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path [{str(marker)!r}]]"
    config = tmp_path / "exp.yaml"
    config.write_text(f"name: {tag}\n", encoding="utf-8")
    parties = tmp_path / "parties.yaml"
    parties.write_text(f"parties:\n  US:\n    name: {tag}\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="exp.yaml:1: invalid YAML"):
        load_config(config)
    with pytest.raises(ConfigError, match="parties.yaml"):
        PartyConfig.from_yaml(parties)
    assert load_config(None, overrides=[f"name={tag}"]).name == tag  # a --set value stays plain text
    assert not marker.exists()
