"""The commands that run a model over files: ``stance predict`` labels a statements file, ``stance run``
turns articles into classified statements and hands the report the model's labels for the gold statements.
(Resuming and sharding a run: tests/test_speed.py; interruptions: tests/test_interruption.py.)"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SEED_ARTICLE, SEED_GOLD
from stance.errors import InputError, StanceError
from stance.model import StanceClassifier
from stance.parties import load_parties
from stance.pipeline import classification_input, parse_shard, predict_file, run_pipeline

REPO = Path(__file__).resolve().parent.parent
US_RUSSIA = REPO / "configs" / "parties" / "us_russia.yaml"
LABELS = ["negative", "neutral", "positive"]


@pytest.fixture
def model(tiny_encoder: Path, tmp_path: Path) -> Path:
    """A model folder labelling the seed example's stances (confrontational / conciliatory as aliases)."""
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=LABELS)
    clf.label_alias = {"confrontational": "negative", "conciliatory": "positive"}
    clf.save_pretrained(tmp_path / "model")
    return tmp_path / "model"


# --------------------------------------------------------------------------- stance predict
def test_predict_file_takes_statements_without_ids_and_passes_them_through(model, tmp_path):
    rows = [{"text": "We are always open for dialogue.", "source": "Dmitry Peskov", "target": "the United States"},
            {"text": "Russia provoked the crisis.", "source": "the State Department", "target": "Russia", "note": 7}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert predict_file(str(model), str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl")) == 2
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    for row, pred in zip(rows, out):
        assert {k: pred[k] for k in row} == row and "doc_id" not in pred
        assert pred["stance"] in LABELS and set(pred["scores"]) == set(LABELS)


def test_predict_file_writes_the_labels_the_classifier_gives(model, tmp_path):
    rows = [{"doc_id": "d", "statement_id": str(i), "text": text, "source": "Lavrov", "target": "the United States"}
            for i, text in enumerate(["Washington is to blame for the war.", "The talks were useful.", "sanctions"])]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    predict_file(str(model), str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), label_field="label", batch_size=2)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    clf = StanceClassifier.from_pretrained(model)
    assert [r["label"] for r in out] == clf.predict(rows)
    for row, proba in zip(out, clf.predict_proba(rows)):
        assert list(row["scores"].values()) == pytest.approx(list(proba), abs=1e-5)


def test_predict_file_refuses_to_write_over_its_input(model, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": "The talks were useful."}) + "\n")
    before = path.read_bytes()
    with pytest.raises(InputError, match="input file"):
        predict_file(str(model), str(path), str(path))
    assert path.read_bytes() == before


def test_predict_file_refuses_a_batch_size_below_one(model, tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"text": "The talks were useful."}) + "\n")
    with pytest.raises(StanceError, match="batch_size"):
        predict_file(str(model), str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), batch_size=0)
    assert not (tmp_path / "out.jsonl").exists()


# --------------------------------------------------------------------------- what the model reads
def test_an_extracted_statement_becomes_model_input_with_the_target_party_named():
    parties = load_parties(str(US_RUSSIA))
    statement = {"doc_id": "a", "statement_id": "s1", "content": "Washington is to blame.", "speaker": "Lavrov",
                 "speaker_canonical": "Sergei Lavrov", "speaker_party": "RU", "target_party": "US"}
    record = classification_input(statement, parties)
    assert (record["text"], record["source"], record["target"]) == (
        "Washington is to blame.", "Sergei Lavrov", parties.parties["US"].name)
    assert {k: record[k] for k in statement} == statement and "text" not in statement  # a copy, fields kept


def test_a_statement_s_own_model_input_fields_win_and_an_unknown_party_code_is_kept():
    parties = load_parties(str(US_RUSSIA))
    own = {"content": "c", "text": "t", "source": "s", "target": "the West", "speaker": "x", "target_party": "US"}
    assert [classification_input(own, parties)[k] for k in ("text", "source", "target")] == ["t", "s", "the West"]
    unknown = {"content": "c", "speaker": "Peskov", "target_party": "EU"}
    assert classification_input(unknown, parties)["target"] == "EU"
    assert classification_input(unknown, None)["target"] is None  # no party config: no target name


# --------------------------------------------------------------------------- stance run
@pytest.mark.parametrize("shard, expected", [(None, (0, 1)), ("0/1", (0, 1)), ("2/4", (2, 4))])
def test_a_shard_is_i_of_n(shard, expected):
    assert parse_shard(shard) == expected


@pytest.mark.parametrize("shard", ["4/4", "-1/2", "1/0", "1", "a/b", "1/2/3"])
def test_a_shard_outside_0_to_n_is_refused(shard):
    with pytest.raises(StanceError, match="--shard"):
        parse_shard(shard)


def test_several_models_label_by_their_probabilities_averaged(model, tiny_encoder, tmp_path):
    import torch

    from stance.cli import main
    from stance.model import AveragedClassifier

    torch.manual_seed(1)  # another head, and its labels in another order
    StanceClassifier.from_pretrained(tiny_encoder, labels=["positive", "negative", "neutral"]).save_pretrained(tmp_path / "other")
    out = tmp_path / "run"
    assert main(["run", str(SEED_ARTICLE), "--model", str(model), str(tmp_path / "other"), "--parties", str(US_RUSSIA),
                 "--output", str(out), "--gold", str(SEED_GOLD)]) == 0
    assert json.loads((out / "run.json").read_text())["model"] == [str(model), str(tmp_path / "other")]
    statements = [json.loads(line) for line in (out / "statements.jsonl").read_text().splitlines()]
    members = [StanceClassifier.from_pretrained(path) for path in (model, tmp_path / "other")]
    each = [[dict(zip(m.labels, p)) for p in m.predict_proba(statements)] for m in members]
    for statement, a, b in zip(statements, *each):  # by label name, whatever the order of each model's labels
        assert statement["scores"] == pytest.approx({label: (a[label] + b[label]) / 2 for label in LABELS}, abs=1e-5)
        assert statement["stance"] == max(LABELS, key=statement["scores"].get)
    assert any(s["scores"] != pytest.approx(a, abs=1e-3) for s, a in zip(statements, each[0]))  # not the first model's
    assert AveragedClassifier(members).labels == LABELS  # the first model's order

    StanceClassifier.from_pretrained(tiny_encoder, labels=["against", "favor"]).save_pretrained(tmp_path / "two")
    assert main(["run", str(SEED_ARTICLE), "--model", str(model), str(tmp_path / "two"), "--parties", str(US_RUSSIA),
                 "--output", str(tmp_path / "refused")]) == 2  # labels that differ: nothing written
    assert not (tmp_path / "refused").exists()


def test_the_run_report_scores_the_model_s_own_labels_for_the_gold_statements(model, tmp_path):
    from stance.corpora import load_gold

    out = tmp_path / "run"
    summary = run_pipeline([SEED_ARTICLE], model=str(model), parties=str(US_RUSSIA), output_dir=out, gold=str(SEED_GOLD))
    clf = StanceClassifier.from_pretrained(model)
    given = load_gold(SEED_GOLD)
    gold = [clf.label_alias.get(r["stance"], r["stance"]) for r in given]
    predicted = clf.predict(given)
    metrics = json.loads((out / "metrics.json").read_text())["stance_given_gold_spans"]
    assert metrics["n"] == len(given) == 14
    assert metrics["agree"] == summary["gold"]["stance_given_gold_spans_agree"] == sum(map(str.__eq__, gold, predicted))
    matrix = metrics["confusion"]["matrix"]
    labels = metrics["confusion"]["labels"]
    for g, p in set(zip(gold, predicted)):  # every (gold, predicted) pair is counted where it belongs
        assert matrix[labels.index(g)][labels.index(p)] == sum(1 for x in zip(gold, predicted) if x == (g, p))
    statements = [json.loads(line) for line in (out / "statements.jsonl").read_text().splitlines()]
    assert statements and summary["statements"] == len(statements)
    assert all(s["stance"] in LABELS and set(s["scores"]) == set(LABELS) for s in statements)
    assert (out / "COMPLETE").exists()
