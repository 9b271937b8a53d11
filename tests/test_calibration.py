"""Temperature scaling, ECE and reliability diagrams; the temperature saved with the model and used by
predict; a training run calibrates on dev and reports ECE before and after."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stance.calibration import (
    biased_argmax,
    eval_set_calibration,
    expected_calibration_error,
    fit_temperature,
    plot_reliability,
    rescale,
)
from stance.errors import InputError, StanceError


def overconfident(n: int = 4000, t_true: float = 2.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that are calibrated at temperature ``t_true`` but given at temperature 1."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, size=(n, 3))
    calibrated = rescale(np.exp(logits), 1.0)
    gold = np.array([rng.choice(3, p=p) for p in rescale(calibrated, t_true)])
    return calibrated, gold


def test_fit_temperature_recovers_the_true_one_and_lowers_ece():
    proba, gold = overconfident()
    t = fit_temperature(proba, gold)
    assert t == pytest.approx(2.5, rel=0.15)
    after = rescale(proba, t)
    assert expected_calibration_error(after, gold) < expected_calibration_error(proba, gold) / 2
    assert (after.argmax(axis=1) == proba.argmax(axis=1)).all()  # no prediction changes


def test_rescale_round_trip_and_ece_of_a_perfect_model():
    proba, _ = overconfident(200)
    assert np.allclose(rescale(rescale(proba, 2.0), 0.5), proba, atol=1e-6)
    sure = np.eye(3)[[0, 1, 2, 0]]
    assert expected_calibration_error(sure, np.array([0, 1, 2, 0])) == pytest.approx(0.0)


def test_reliability_png_and_eval_set_summary(tmp_path: Path):
    proba, gold = overconfident(300)
    path = plot_reliability({"before": (proba, gold), "after": (rescale(proba, 2.5), gold)}, tmp_path / "r.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = ["negative", "neutral", "positive"]
    written = rescale(proba, 2.5)  # as a calibrated model writes them
    rows = [{"eval_set": "a", "gold": labels[g], "scores": dict(zip(labels, p))} for g, p in zip(gold, written)]
    rows += [{"eval_set": "b", "gold": labels[g], "scores": dict(zip(labels, p))} for g, p in zip(gold, written) if g != 1]
    out = eval_set_calibration(rows, labels, 2.5)
    assert out["a"]["ece_before"] == pytest.approx(expected_calibration_error(proba, gold), abs=1e-3)
    assert out["b"]["restricted_to"] == ["negative", "positive"]


def test_temperature_is_saved_with_the_model_and_applied_by_predict(tiny_encoder: Path, tmp_path: Path):
    from stance.model import CALIBRATION, StanceClassifier

    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["negative", "neutral", "positive"])
    texts = ["the minister blamed washington", "talks with moscow were welcomed", "he said it"]
    raw = clf.predict_proba(texts)
    clf.temperature = 0.2
    sharp = clf.predict_proba(texts)
    assert np.allclose(sharp, rescale(raw, 0.2), atol=1e-4)
    clf.save_pretrained(tmp_path / "model")
    again = StanceClassifier.from_pretrained(tmp_path / "model")
    assert again.temperature == pytest.approx(0.2)
    assert np.allclose(again.predict_proba(texts), sharp, atol=1e-5)
    assert again.predict(texts) == clf.predict(texts)
    (tmp_path / "model" / CALIBRATION).write_text(json.dumps({"temperature": -1}))
    with pytest.raises(InputError, match="temperature"):
        StanceClassifier.from_pretrained(tmp_path / "model")
    (tmp_path / "model" / CALIBRATION).unlink()
    assert StanceClassifier.from_pretrained(tmp_path / "model").temperature == 1.0  # none: uncalibrated


def test_training_run_calibrates_on_dev(tiny_encoder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from stance.config import load_config
    from stance.model import StanceClassifier
    from stance.train import run_training

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=tiny", "data.train=[dse-directed:train@64]",
        "data.dev=[dse-directed:valid@48]", "data.test=[dse-directed:test@40, seesaw:valid@30]",
        "labels=[negative, neutral, positive]", "evaluation.n_bootstrap=20", "train.epochs=1",
        "train.batch_size=16", "model.max_length=48", "baselines=[]",
    ])
    out = tmp_path / "run"
    metrics = run_training(config, out)
    record = json.loads((out / "calibration.json").read_text())
    dev = record["dev"]
    assert dev["n"] == 48 and dev["temperature"] > 0 and dev["nll_after"] <= dev["nll_before"] + 1e-6
    assert set(record["test"]) == {"dse-directed:test@40", "seesaw:valid@30"}
    assert record["test"]["seesaw:valid@30"]["restricted_to"] == ["negative", "positive"]
    assert metrics["calibration"] == record
    assert (out / "reliability.png").exists()
    clf = StanceClassifier.from_pretrained(out / "model")
    assert clf.temperature == pytest.approx(dev["temperature"], rel=1e-3)
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert np.allclose(list(rows[0]["scores"].values()), clf.predict_proba([rows[0]])[0], atol=1e-4)


def test_a_bias_toward_a_label_multiplies_its_probability_before_the_argmax():
    labels = ["negative", "neutral", "positive"]
    proba = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1]])
    assert biased_argmax(proba, labels, "neutral", 0.0) == ["negative", "positive", "neutral"]
    # e ** 0.6 * 0.3 = 0.547 > 0.5: both close calls go to neutral; a bias of 0.4 (0.448) moves neither
    assert biased_argmax(proba, labels, "neutral", 0.6) == ["neutral", "neutral", "neutral"]
    assert biased_argmax(proba, labels, "neutral", 0.4) == ["negative", "positive", "neutral"]
    assert biased_argmax(proba, labels, "neutral", -3.0) == ["negative", "positive", "negative"]
    with pytest.raises(StanceError, match="unknown label 'none'"):
        biased_argmax(proba, labels, "none", 1.0)


def test_decision_bias_script_scores_a_run_again_and_at_bias_zero_agrees_with_its_metrics(tiny_encoder: Path, tmp_path: Path,
                                                                                          capsys: pytest.CaptureFixture):
    from conftest import load_script

    from stance.config import load_config
    from stance.train import run_training

    config = load_config(None, overrides=[
        f"model.name_or_path={tiny_encoder}", "name=tiny-directed", "labels=[negative, neutral, positive]",
        "data.train=[dse-directed:train@64]", "data.dev=[dse-directed:valid@24, seesaw:dev@24]",
        "data.test=[dse-directed:test@16, seesaw:dev@8]", "train.epochs=1", "train.batch_size=16", "model.max_length=64",
        "evaluation.n_bootstrap=0", "baselines=[]", "train.selection=any_label",
    ])
    run = tmp_path / "run"
    metrics = run_training(config, run)
    script = load_script("decision_bias")
    out = tmp_path / "bias.json"
    assert script.main([str(run), "--label", "neutral", "--biases", "-50", "0", "50", "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    low, zero, high = result["per_run"][0]
    # bias 0 is the plain argmax: the dev selection score the trainer kept, and the run's own test scores
    assert zero["selection"] == pytest.approx(metrics["dev"]["best_macro_f1"])
    assert zero["test"]["dse-directed:test@16"] == pytest.approx(metrics["test"]["dse-directed:test@16"]["macro_f1"])
    assert zero["test"]["seesaw:dev@8"] == pytest.approx(metrics["test"]["seesaw:dev@8"]["any_label"]["macro_f1"])
    assert zero["share"]["seesaw:dev@8"] == pytest.approx(metrics["test"]["seesaw:dev@8"]["any_label"]["outside_share"])
    # far below, neutral is never chosen; far above, always: SEESAW's two classes then score 0
    assert low["share"]["seesaw:dev@8"] == 0 and high["share"]["seesaw:dev@8"] == 1 and high["test"]["seesaw:dev@8"] == 0
    assert result["chosen_bias"] == max(result["mean"], key=lambda r: (r["selection"], -abs(r["bias"])))["bias"]
    printed = capsys.readouterr().out
    assert "| bias | selection (dev) | `dse-directed:valid@24` | `seesaw:dev@24` |" in printed
    assert f"chosen on the dev sets: bias {result['chosen_bias']:+.2f}" in printed
    assert script.main([str(tmp_path / "nothing")]) == 2  # not a run folder
