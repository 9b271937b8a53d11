"""Provenance in every run folder and model folder, and the model card."""
from __future__ import annotations

import json
from pathlib import Path

from stance import provenance
from stance.config import load_config
from stance.model import StanceClassifier
from stance.train import run_training


def test_a_run_folder_and_its_model_say_what_they_were_made_with(tiny_encoder, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=card", "data.train=[dse:train@40]", "data.dev=[dse:valid@16]",
        "data.test=[dse:test@16]", "data.augment_swap=true", "evaluation.n_bootstrap=20", "baselines=[majority]",
        "train.max_steps=2", "train.batch_size=16", "model.max_length=48", "train.precision=fp32",
    ])
    run_training(config, tmp_path / "run")
    run = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert json.loads((tmp_path / "run" / "model" / "provenance.json").read_text()) == run
    assert run["toolkit"]["version"] and set(run["versions"]) >= {"torch", "transformers", "spacy", "python"}
    assert run["versions"]["torch"] and run["versions"]["transformers"]
    assert run["device"]["cpu"] and run["device"]["threads"] >= 1
    assert run["precision"] == "fp32"
    assert run["config"]["model"]["name_or_path"] == str(tiny_encoder)
    assert run["data"]["train"] == {"specs": ["dse:train@40"], "rows": 80}  # with the swapped copies
    assert run["data"]["dev"] == {"dse:valid@16": 16} and run["data"]["test"] == {"dse:test@16": 16}
    assert run["data"]["leakage"]["test"]["dse:test@16"]["n"] == 16
    assert "Park" in run["data"]["corpora"]["dse"]["citation"]
    git = run["toolkit"]["git"]
    assert git is None or len(git["commit"]) == 40

    card = (tmp_path / "run" / "model" / "README.md").read_text()
    for part in ("# Stance classifier: card", "## Encoder", str(tiny_encoder), "## Labels", "`neg_s2t`",
                 "## Training data", "Who Blames or Endorses Whom", "## Headline scores", "`dse:test@16`",
                 "precision fp32", "transformers "):
        assert part in card, part
    clf = StanceClassifier.from_pretrained(tmp_path / "run" / "model")
    assert clf.encoder == str(tiny_encoder) and clf.precision == "fp32"


def test_save_pretrained_writes_a_card_and_provenance_of_its_own(tiny_encoder, tmp_path):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["neg", "pos"])
    clf.save_pretrained(tmp_path / "model")
    record = provenance.read(tmp_path / "model")
    assert record["encoder"]["name"] == str(tiny_encoder) and record["device"]["threads"] >= 1
    card = (tmp_path / "model" / "README.md").read_text()
    assert "`neg`, `pos`" in card and "## How it was made" in card


def test_the_model_card_names_a_named_encoders_source_and_license():
    record = provenance.collect(encoder="mpnet-base")
    card = provenance.model_card(record, ["a", "b"], {"test": {"x": {"n": 10, "macro_f1": 0.5, "accuracy": 0.6,
                                                                       "leak_free": {"n": 6, "macro_f1": 0.4, "accuracy": 0.5}}},
                                                      "leakage": {"test": {"x": {"near_repeats": 4}}}})
    assert "sentence-transformers/all-mpnet-base-v2" in card and "Apache-2.0" in card
    assert "| `x` | 10 | 0.5000 | 0.6000 | 4 |" in card and "| `x` leak-free | 6 | 0.4000 | 0.5000 | 0 |" in card
