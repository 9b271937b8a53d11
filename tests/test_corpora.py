"""The corpus registry, corpora as ``datasets.Dataset`` objects, and their cache outside the repository."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import stance.corpora as corpora
from stance.corpora import registry
from stance.corpora.records import to_dataset, to_records
from stance.errors import InputError, StanceError

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "data.md"

# A whole new corpus: this one file, and nothing else in the toolkit changes.
TOY_MODULE = '''"""Toy: one sentence per line, a tab, its label."""
from stance.corpora.registry import Corpus
from stance.paths import corpus_dir

CALLS = []


def load(split, root=None, *, variant=None):
    CALLS.append(split)
    path = corpus_dir("toy", root) / f"{split}.tsv"
    records = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text, label = line.split("\\t")
        if variant == "short" and len(text) > 20:
            continue
        records.append({"doc_id": f"toy-{split}", "statement_id": str(i), "text": text,
                        "source": None, "target": None, "stance": label})
    return records


CORPORA = [Corpus("toy", load, splits=("train", "test"), labels=("against", "favor"),
                  variants={"short": "sentences of 20 characters or fewer"},
                  citation="A. Toy. 2026. A toy corpus.", records="one per line")]
'''


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STANCE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def toy(tmp_path, monkeypatch, cache) -> Path:
    """The toy corpus module dropped into a folder of the ``stance.corpora`` package; its data folder."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "toy.py").write_text(TOY_MODULE, encoding="utf-8")
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    (data / "toy" / "train.tsv").write_text("We oppose the plan.\tagainst\nA fine plan, well made and wise.\tfavor\n"
                                           "We back it.\tfavor\n", encoding="utf-8")
    (data / "toy" / "test.tsv").write_text("No.\tagainst\n", encoding="utf-8")
    monkeypatch.setattr(corpora, "__path__", [*corpora.__path__, str(modules)])
    registry.refresh()
    yield data
    monkeypatch.undo()
    sys.modules.pop("stance.corpora.toy", None)
    registry.refresh()


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True).stdout


# --------------------------------------------------------------------------- the registry
def test_every_entry_has_a_name_splits_labels_a_loader_and_a_citation():
    entries = registry.all_corpora()
    assert {"dse", "dse-directed", "newsmtsc-rw", "newsmtsc-mt", "seesaw", "polnear", "seed", "gold", "jsonl",
            "csv", "parquet"} <= set(entries)
    for name, entry in entries.items():
        assert entry.name == name and callable(entry.loader)
        if not entry.file:
            assert entry.splits and entry.citation and entry.title and entry.license, name
            assert entry.labels is not None or entry.span, name
    assert entries["polnear"].labels is None and entries["polnear"].span


def test_spec_help_label_sets_and_variant_check_come_from_the_registry():
    help_text = corpora.spec_help()
    for entry in registry.all_corpora().values():
        assert entry.spec_forms() in help_text
    assert "seesaw:{train,valid,fit,dev}[:opposed]" in help_text
    assert corpora.dataset_labels("seesaw:valid") == list(registry.get("seesaw").labels)
    with pytest.raises(StanceError, match="unknown variant 'agreed'; seesaw has opposed"):
        corpora.DatasetSpec.parse("seesaw:train:agreed")
    with pytest.raises(StanceError, match="unknown variant 'opposed'; dse has none"):
        corpora.DatasetSpec.parse("dse:train:opposed")
    with pytest.raises(StanceError, match=r"unknown corpus 'imdb'.*known: dse:"):
        corpora.DatasetSpec.parse("imdb:train")


def test_the_docs_table_is_the_generated_one():
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- corpora table")
    start = text.index("\n", start) + 1
    end = text.index("<!-- end of the corpora table -->")
    assert text[start:end].strip() == corpora.docs_table(), "regenerate it: python scripts/corpora_table.py"


def test_polnear_is_a_span_corpus_of_attribution_statements(data_dir):
    records = corpora.load_records("polnear:dev")
    assert len(records) > 1000
    first = records[0]
    assert first["corpus"] == "polnear" and first["text"] == first["content"]
    assert {"start", "end", "speaker", "cue", "quoted", "annotator"} <= set(first)
    assert "stance" not in first
    with pytest.raises(StanceError, match="span corpus"):
        corpora.dataset_labels("polnear:train")
    assert corpora.corpus_of("polnear:dev@10") == "polnear"


# --------------------------------------------------------------------------- a new corpus is one file
def test_a_new_corpus_is_one_module_in_the_package(toy):
    status = _git_status()
    assert "toy" in registry.names()
    dataset = corpora.load_dataset("toy:train", toy)
    assert [r["text"] for r in to_records(dataset)] == ["We oppose the plan.", "A fine plan, well made and wise.",
                                                        "We back it."]
    assert [r["stance"] for r in corpora.load_records("toy:train:short", toy)] == ["against", "favor"]
    assert len(corpora.load_records("toy:train@2", toy)) == 2
    assert corpora.dataset_labels("toy:test") == ["against", "favor"]
    assert "toy:{train,test}[:short]" in corpora.spec_help()
    assert "| `toy:{train,test}[:short]` | one per line; `:short`: sentences of 20 characters or fewer | " \
           "`against`, `favor` | A. Toy. 2026. A toy corpus. |" in corpora.docs_table()
    assert corpora.corpus_card("toy")["citation"] == "A. Toy. 2026. A toy corpus."
    with pytest.raises(StanceError, match="unknown split 'dev'"):
        corpora.load_dataset("toy:dev", toy)
    assert _git_status() == status  # nothing written into the repository


def test_a_module_declaring_a_taken_name_is_refused(toy, tmp_path):
    (tmp_path / "modules" / "toy2.py").write_text(TOY_MODULE, encoding="utf-8")
    try:
        with pytest.raises(StanceError, match="corpus 'toy' is declared twice"):
            registry.refresh()
    finally:
        (tmp_path / "modules" / "toy2.py").unlink()
        sys.modules.pop("stance.corpora.toy2", None)


# --------------------------------------------------------------------------- datasets.Dataset and the cache
def test_loaders_return_arrow_backed_datasets_cached_by_content(toy, cache):
    from datasets import Dataset

    calls = sys.modules["stance.corpora.toy"].CALLS
    first = corpora.load_dataset("toy:train", toy)
    assert isinstance(first, Dataset) and calls == ["train"]
    assert first.cache_files and all(Path(f["filename"]).is_relative_to(cache / "corpora") for f in first.cache_files)
    again = corpora.load_dataset("toy:train", toy)
    assert calls == ["train"]  # read from the cache, not from the corpus files
    assert to_records(again) == to_records(first)
    (toy / "toy" / "train.tsv").write_text("Changed.\tfavor\n", encoding="utf-8")
    assert [r["text"] for r in corpora.load_records("toy:train", toy)] == ["Changed."]
    assert calls == ["train", "train"]  # a changed file is read again
    corpora.load_dataset("toy:train", toy, cache=False)
    assert calls == ["train", "train", "train"]


def test_a_cache_hit_logs_what_the_reader_logged(cache, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="stance.corpora"):
        corpora.load_dataset("dse:test-leakfree")
        first = caplog.text
        caplog.clear()
        corpora.load_dataset("dse:test-leakfree")
    assert "400 of 1623" in first and "400 of 1623" in caplog.text


def test_records_go_to_a_dataset_and_back_exactly():
    records = [
        {"doc_id": "a", "statement_id": "1", "text": "x", "stance": "neutral", "start": 0, "scores": {"neutral": 1.0}},
        {"statement_id": "2", "doc_id": "a", "text": "y", "fragments": [[0, 1], [2, 3]], "note": 7},
        {"doc_id": "b", "statement_id": "3", "text": "z", "note": "seven", "start": None, "scores": None},
    ]
    back = to_records(to_dataset(records))
    assert back == records
    assert [list(r) for r in back] == [list(r) for r in records]  # the same keys in the same order
    assert type(back[1]["note"]) is int and back[0]["scores"] == {"neutral": 1.0}


def test_class_labels_of_a_hub_style_dataset_are_read_by_name():
    from datasets import ClassLabel, Dataset, Features, Value

    features = Features({"text": Value("string"), "stance": ClassLabel(names=["negative", "positive"])})
    dataset = Dataset.from_dict({"text": ["bad", "good"], "stance": [0, 1]}, features=features)
    assert to_records(dataset) == [{"text": "bad", "stance": "negative"}, {"text": "good", "stance": "positive"}]


def test_corpus_records_match_the_readers_and_the_repository_stays_clean(cache, data_dir):
    status = _git_status()
    from stance.corpora.seesaw import load_seesaw

    assert corpora.load_records("seesaw:valid:opposed") == load_seesaw("valid", opposed=True)
    assert corpora.load_records("dse-directed:valid") == [corpora.to_directed(r) for r in corpora.load_dse("valid")]
    assert _git_status() == status
    assert any((cache / "corpora").iterdir())


# --------------------------------------------------------------------------- file adapters
def test_csv_and_parquet_files_are_statement_files(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"doc_id": ["d", "d"], "statement_id": ["1", "2"], "text": ["Ann hails Bob.", "Bob?"],
                          "source": ["Ann", None], "target": ["Bob", "Bob"], "source_start": [0, None],
                          "source_end": [3, None], "stance": ["positive", "neutral"]})
    frame.to_csv(tmp_path / "s.csv", index=False)
    frame.to_parquet(tmp_path / "s.parquet")
    for kind in ("csv", "parquet"):
        records = corpora.load_records(f"{kind}:{tmp_path / f's.{kind}'}")
        assert [r["stance"] for r in records] == ["positive", "neutral"]
        assert records[0]["source_start"] == 0 and type(records[0]["source_start"]) is int
        assert records[1]["source"] is None and records[1]["source_start"] is None
        assert corpora.dataset_labels(f"{kind}:{tmp_path / f's.{kind}'}") == ["negative", "neutral", "positive"]
    frame.assign(source_start=[5, None]).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match=r"bad\.csv:2: field 'source_start'"):
        corpora.load_records(f"csv:{tmp_path / 'bad.csv'}")


def test_jsonl_file_with_fields_of_mixed_types_round_trips(tmp_path):
    rows = [{"doc_id": "d", "statement_id": "1", "text": "a", "stance": "neutral", "extra": {"k": 1}},
            {"doc_id": "d", "statement_id": "2", "text": "b", "stance": "neutral", "extra": "plain"}]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [r["extra"] for r in corpora.load_records(f"jsonl:{path}")] == [{"k": 1}, "plain"]
