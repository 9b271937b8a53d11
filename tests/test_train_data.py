"""What training reads: tokens through ``Dataset.map`` (cached, the same tokens), and ``datasets.Dataset`` objects
and local files handed to ``stance train`` in place of registered corpora."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import stance.train as train_mod
from stance.config import load_config
from stance.corpora import load_records
from stance.errors import ConfigError
from stance.model import StanceClassifier


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STANCE_CACHE_DIR", str(folder))
    return folder


def _counting(clf: StanceClassifier, monkeypatch) -> list[int]:
    """The number of records of each call of ``clf.tokenize``."""
    calls: list[int] = []
    original = clf.tokenize

    def tokenize(records):
        calls.append(len(records))
        return original(records)

    monkeypatch.setattr(clf, "tokenize", tokenize)
    return calls


def test_a_second_run_reads_the_tokens_back_instead_of_tokenising_again(tiny_encoder, cache, monkeypatch):
    records = load_records("dse:train@300")
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["neutral", "pos_s2t", "pos_t2s", "neg_s2t", "neg_t2s"],
                                           pooling="markers", max_length=48)
    direct = {k: list(v) for k, v in clf.tokenize(records).items()}
    calls = _counting(clf, monkeypatch)
    first = train_mod.tokenized(clf, records)
    assert sum(calls) == 300
    assert first == direct  # the same tokens (ids, masks, marker positions) as tokenising in memory
    files = sorted((cache / "tokenized").glob("*.arrow"))
    assert len(files) == 1 and files[0].stem == train_mod.tokenization_fingerprint(clf, records)
    second = train_mod.tokenized(clf, records)
    assert sum(calls) == 300 and second == first  # read from the cache file: no tokenizer call
    # another input (a record changed, a longer max_length): another fingerprint, tokenised afresh
    train_mod.tokenized(clf, [dict(records[0], text=records[0]["text"] + " Indeed.")] + records[1:])
    assert sum(calls) == 600
    clf.encoding.max_length = 64
    train_mod.tokenized(clf, records)
    assert sum(calls) == 900 and len(list((cache / "tokenized").glob("*.arrow"))) == 3


def test_the_fingerprint_ignores_the_tokenizers_call_state(tiny_encoder):
    clf = StanceClassifier.from_pretrained(tiny_encoder, labels=["negative", "positive"], max_length=32)
    records = [{"doc_id": "d", "statement_id": "1", "text": "the president said so " * 20, "stance": "positive"}]
    before = train_mod.tokenization_fingerprint(clf, records)
    clf.tokenize(records)  # a fast tokenizer now holds this call's truncation settings
    assert train_mod.tokenization_fingerprint(clf, records) == before


def _dataset_dict():
    from datasets import Dataset, DatasetDict

    def dataset(spec: str) -> Dataset:
        return Dataset.from_list(load_records(spec))

    return DatasetDict({"train": dataset("dse-directed:train@80"), "validation": dataset("dse-directed:valid@24")})


def test_train_takes_datasets_and_a_local_file_and_reuses_the_tokens(tiny_encoder, tmp_path, cache, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    test_file = tmp_path / "test.parquet"
    import pandas as pd

    pd.DataFrame(load_records("dse-directed:test@30")).to_parquet(test_file)
    overrides = [f"model.name_or_path={tiny_encoder}", "name=given", "labels=[negative, neutral, positive]",
                 f"data.test=[parquet:{test_file}]", "train.epochs=1", "train.batch_size=16", "model.max_length=48",
                 "evaluation.n_bootstrap=20", "train.checkpoint_every=100"]
    metrics = train_mod.train(None, tmp_path / "a", overrides=overrides, train_dataset=_dataset_dict())
    assert metrics["n_train"] == 80 and set(metrics["test"]) == {f"parquet:{test_file}"}
    saved = (tmp_path / "a" / "config.yaml").read_text()
    assert "dataset:train" in saved and "dataset:validation" in saved
    tokens = sorted((cache / "tokenized").glob("*.arrow"))
    assert len(tokens) == 1
    stamp = tokens[0].stat().st_mtime_ns
    again = train_mod.train(load_config(None, overrides=overrides), tmp_path / "b", train_dataset=_dataset_dict())
    assert sorted((cache / "tokenized").glob("*.arrow")) == tokens and tokens[0].stat().st_mtime_ns == stamp
    assert again["test"] == metrics["test"] and again["dev"] == metrics["dev"]
    provenance = json.loads((tmp_path / "a" / "provenance.json").read_text())
    assert provenance["data"]["train"]["specs"] == ["dataset:train"]


def test_a_spec_naming_a_dataset_that_was_not_given_is_a_clear_error(tiny_encoder, tmp_path):
    config = load_config(None, overrides=[f"model.name_or_path={tiny_encoder}", "data.train=[dataset:mine]",
                                          "labels=[negative, positive]", "data.dev=[]", "data.test=[]"])
    with pytest.raises(ConfigError, match="no dataset named 'mine' was given"):
        train_mod.run_training(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()
