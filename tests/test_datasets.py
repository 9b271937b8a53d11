"""Corpus adapters against the real corpora (STANCE_DATA_DIR, default ../shared/data) and tmp files.

The records as lists of dicts (``load_records``); the registry, the Arrow cache and ``datasets.Dataset``
are tests/test_corpora.py's."""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path

import pytest

from stance.augment import swap_direction
from stance.corpora import (
    DIRECTED_LABELS,
    DSE_LABELS,
    SEED_LABELS,
    align_brackets,
    corpus_dir,
    data_dir,
    dataset_labels,
    dedup_against,
    ideology_side,
    load_records,
    read_dse_file,
    seesaw_stories,
    sentence_context,
)
from stance.corpora import seesaw as seesaw_mod
from stance.errors import InputError, StanceError
from stance.schema import validate_statement

SEED_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "kerry_putin_sochi.gold.jsonl"


@pytest.fixture(scope="module")
def dse() -> dict[str, list[dict]]:
    return {split: load_records(f"dse:{split}") for split in ("train", "valid", "test")}


def _span(record: dict, role: str) -> str | None:
    start, end = record[f"{role}_start"], record[f"{role}_end"]
    return None if start is None else record["text"][start:end]


# --------------------------------------------------------------------------- data_dir
def test_data_dir_prefers_the_argument_then_the_environment(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.setenv("STANCE_DATA_DIR", str(tmp_path / "b"))
    assert data_dir(tmp_path / "a") == tmp_path / "a"
    assert data_dir() == tmp_path / "b"


def test_data_dir_default_is_shared_data_next_to_the_repository(monkeypatch):
    monkeypatch.delenv("STANCE_DATA_DIR", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert data_dir().resolve() == (repo.parent / "shared" / "data").resolve()


def test_missing_data_dir_lists_where_it_looked(tmp_path):
    with pytest.raises(StanceError) as err:
        data_dir(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(err.value)
    assert "docs/data.md" in str(err.value)


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StanceError, match=r"corpus folder .*dse not found.*docs/data.md"):
        load_records("dse:train", data_dir=tmp_path)


# --------------------------------------------------------------------------- DSE (real)
@pytest.mark.parametrize("split, n", [("train", 13_144), ("valid", 1_461), ("test", 1_623)])
def test_dse_split_sizes(dse, split, n):
    records = dse[split]
    assert len(records) == n
    assert {r["doc_id"] for r in records} == {f"dse-{split}"}
    assert records[0]["statement_id"] == "1"
    assert len({r["statement_id"] for r in records}) == n


def test_dse_label_counts_over_all_splits(dse):
    counts = Counter(r["dse_label"] for split in dse.values() for r in split)
    assert counts == {0: 10_604, 1: 1_656, 2: 327, 3: 3_163, 4: 478}
    assert all(r["stance"] == DSE_LABELS[r["dse_label"]] for split in dse.values() for r in split)


def test_dse_spans_point_at_the_entities_in_the_clean_text(dse):
    records = [r for split in dse.values() for r in split]
    aligned = sum(_span(r, "source") == r["source"] and _span(r, "target") == r["target"] for r in records)
    fraction = aligned / len(records)
    print(f"DSE rows whose spans hold p and q exactly: {aligned}/{len(records)} = {fraction:.4f}")
    assert fraction >= 0.98
    assert not any("[" in r["source"] + r["target"] for r in records)
    assert sum(("[" in r["text"]) or ("]" in r["text"]) for r in records) == 0


def test_dse_records_are_valid_statements(dse):
    for record in dse["valid"]:
        validate_statement(record, label_field="stance", labels=DSE_LABELS, require_label=True)


@pytest.mark.slow  # a wall-clock bound: flaky on a shared machine, so out of the default suite (-m slow runs it)
def test_dse_loads_fast():
    load_records("dse:train")  # the first load may read the corpus and fill the cache
    start = time.perf_counter()
    load_records("dse:train")
    assert time.perf_counter() - start < 2.0


def test_dse_test_leakfree_drops_the_400_rows_repeated_from_train(dse, caplog):
    with caplog.at_level(logging.INFO, logger="stance.corpora"):
        leakfree = load_records("dse:test-leakfree")
    assert len(leakfree) == 1_223
    assert len(dse["test"]) - len(leakfree) == 400
    assert "400 of 1623" in caplog.text
    train_keys = {(r["text"], r["source"], r["target"], r["stance"]) for r in dse["train"]}
    assert not any((r["text"], r["source"], r["target"], r["stance"]) in train_keys for r in leakfree)
    assert {r["doc_id"] for r in leakfree} == {"dse-test"}  # joins with dse:test
    assert {r["split"] for r in leakfree} == {"test-leakfree"}


def test_dse_directed_swaps_rows_where_q_holds_the_opinion(dse):
    official = {r["statement_id"]: r for r in dse["test"]}
    directed = load_records("dse-directed:test")
    assert len(directed) == len(official)
    expected = {0: ("neutral", False), 1: ("positive", False), 2: ("positive", True),
                3: ("negative", False), 4: ("negative", True)}
    for record in directed:
        row = official[record["statement_id"]]
        label, swapped = expected[row["dse_label"]]
        assert (record["stance"], record["swapped"]) == (label, swapped)
        first, second = ("target", "source") if swapped else ("source", "target")
        assert (record["source"], record["target"]) == (row[first], row[second])
        assert _span(record, "source") == _span(row, first)
        assert _span(record, "target") == _span(row, second)
        assert record["text"] == row["text"]
    assert Counter(r["stance"] for r in directed).keys() == set(DIRECTED_LABELS)


def test_swap_direction_is_an_involution(dse):
    for record in dse["valid"]:
        assert swap_direction(swap_direction(record)) == record


# --------------------------------------------------------------------------- DSE (fixtures)
def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_directed_view_on_a_concrete_row(tmp_path):
    dse_dir = tmp_path / "dse"
    dse_dir.mkdir()
    _write(dse_dir / "valid.txt",
           "[Acme Corp] was fined after [Mayor Jones] accused it of fraud.\tAcme Corp\tMayor Jones\t4\n"
           "[Mayor Jones] praised [Acme Corp].\tMayor Jones\tAcme Corp\t1\n")
    official = load_records("dse:valid", data_dir=tmp_path)
    directed = load_records("dse-directed:valid", data_dir=tmp_path)
    text = "Acme Corp was fined after Mayor Jones accused it of fraud."
    assert official[0]["text"] == text
    assert (official[0]["source"], official[0]["source_start"], official[0]["source_end"]) == ("Acme Corp", 0, 9)
    assert (official[0]["target"], official[0]["target_start"], official[0]["target_end"]) == ("Mayor Jones", 26, 37)
    assert official[0]["stance"] == "neg_t2s"
    assert {k: directed[0][k] for k in ("statement_id", "source", "source_start", "source_end", "target",
                                          "target_start", "target_end", "stance", "swapped")} == {
        "statement_id": "1", "source": "Mayor Jones", "source_start": 26, "source_end": 37,
        "target": "Acme Corp", "target_start": 0, "target_end": 9, "stance": "negative", "swapped": True}
    assert (directed[1]["source"], directed[1]["target"], directed[1]["stance"]) == ("Mayor Jones", "Acme Corp",
                                                                                    "positive")


@pytest.mark.parametrize(
    "sentence, p, q, clean, p_text, q_text",
    [
        ("[Anna] met [Ben].", "Anna", "Ben", "Anna met Ben.", "Anna", "Ben"),
        # brackets off by a character: keep the span as bracketed
        ("A [Breitbart New]s reporter asked [Obama].", "Breitbart New", "Obama",
         "A Breitbart News reporter asked Obama.", "Breitbart New", "Obama"),
        # blanks inside the brackets are trimmed from the span
        ("[ Juror]s doubted [Colorado ] police.", "Juror", "Colorado", "Jurors doubted Colorado  police.",
         "Juror", "Colorado"),
        # q bracketed before p
        ("[Ben] was praised by [Anna].", "Anna", "Ben", "Ben was praised by Anna.", "Anna", "Ben"),
        # a literal bracket pair in the sentence stays
        ("[Anna] [sic] met [Ben].", "Anna", "Ben", "Anna [sic] met Ben.", "Anna", "Ben"),
        # nested brackets: the inner pair is removed, q is the pair apart from p
        ("[[Obama] administration] irked [Obama].", "Obama administration", "Obama",
         "Obama administration irked Obama.", "Obama administration", "Obama"),
        ("[Obama] irked [the [Obama] administration].", "Obama", "the Obama administration",
         "Obama irked the Obama administration.", "Obama", "the Obama administration"),
        # unbalanced brackets: the unmatched one stays as text
        ("[Anna] met [Ben]] today.", "Anna", "Ben", "Anna met Ben] today.", "Anna", "Ben"),
        # contents matching neither mention, two pairs: assigned in order
        ("[Anna K.] met [Ben].", "Anna", "Benjamin", "Anna K. met Ben.", "Anna K.", "Ben"),
        # only one pair: the other mention is searched for
        ("[Anna] met Ben.", "Anna", "Ben", "Anna met Ben.", "Anna", "Ben"),
        # a mention that cannot be found: its span is null
        ("[Anna] met someone.", "Anna", "Ben", "Anna met someone.", "Anna", None),
    ],
)
def test_align_brackets(sentence, p, q, clean, p_text, q_text):
    text, p_span, q_span = align_brackets(sentence, p, q)
    assert text == clean
    assert (text[slice(*p_span)] if p_span else None) == p_text
    assert (text[slice(*q_span)] if q_span else None) == q_text


def test_dse_undoes_csv_quoting_and_counts_unaligned_rows(tmp_path, caplog):
    path = _write(tmp_path / "train.txt",
                  '"[Smith] said ""no"" to [Jones]."\tSmith\tJones\t3\n'
                  "[Smith] met someone.\tSmith\tJones\t0\n")
    with caplog.at_level(logging.WARNING, logger="stance.corpora"):
        records = read_dse_file(path)
    assert records[0]["text"] == 'Smith said "no" to Jones.'
    assert _span(records[0], "target") == "Jones"
    assert (records[1]["target_start"], records[1]["target_end"]) == (None, None)
    assert len(records) == 2  # an unaligned row is kept, never dropped
    assert "1 of 2 rows could not be aligned" in caplog.text


@pytest.mark.parametrize(
    "line, match",
    [
        ("[A] met [B].\tA\tB", r"train\.txt:2: expected 4 tab-separated fields"),
        ("[A] met [B].\tA\tB\t7", r"train\.txt:2: field 'label': unknown label id 7"),
        ("[A] met [B].\tA\tB\tpositive", r"train\.txt:2: field 'label': label 'positive' is not an integer"),
        ("[A] met [B].\t\tB\t0", r"train\.txt:2: field 'p': empty value"),
    ],
)
def test_dse_bad_rows_name_file_line_and_field(tmp_path, line, match):
    path = _write(tmp_path / "train.txt", f"[A] met [B].\tA\tB\t0\n{line}\n")
    with pytest.raises(InputError, match=match):
        read_dse_file(path)


def test_dse_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(b"[A] met [B].\tA\tB\t0\n[A] \xff [B].\tA\tB\t0\n")
    with pytest.raises(InputError, match=r"train\.txt:2: invalid UTF-8"):
        read_dse_file(path)


@pytest.mark.parametrize(
    "label, swapped",
    [("neutral", "neutral"), ("pos_s2t", "pos_t2s"), ("pos_t2s", "pos_s2t"),
     ("neg_s2t", "neg_t2s"), ("neg_t2s", "neg_s2t")],
)
def test_swap_direction_mirrors_the_label_and_spans(label, swapped):
    record = {"doc_id": "d", "statement_id": "1", "text": "Anna met Ben.", "source": "Anna", "target": "Ben",
              "source_start": 0, "source_end": 4, "target_start": 9, "target_end": 12, "stance": label}
    out = swap_direction(record)
    assert out == record | {"source": "Ben", "target": "Anna", "source_start": 9, "source_end": 12,
                            "target_start": 0, "target_end": 4, "stance": swapped}


def test_swap_direction_rejects_a_label_outside_the_official_view():
    with pytest.raises(InputError, match="field 'stance': cannot swap label 'positive'"):
        swap_direction({"source": "A", "target": "B", "stance": "positive"})


# --------------------------------------------------------------------------- sampling, specs, labels
def test_at_n_is_a_deterministic_seeded_sample(dse):
    first = load_records("dse:train@200")
    assert first == load_records("dse:train@200")
    assert len(first) == 200
    assert load_records("dse:train@50") == first[:50]
    assert [r["statement_id"] for r in first[:20]] != [str(i) for i in range(1, 21)]  # shuffled
    train_ids = {r["statement_id"] for r in dse["train"]}
    assert {r["statement_id"] for r in first} <= train_ids
    assert len(load_records("dse:valid@100000")) == 1_461


@pytest.mark.parametrize(
    "spec, labels",
    [
        ("dse:train", list(DSE_LABELS)),
        ("dse-directed:test-leakfree", ["negative", "neutral", "positive"]),
        ("newsmtsc-rw:test", ["negative", "neutral", "positive"]),
        ("newsmtsc-mt:dev@10", ["negative", "neutral", "positive"]),
        ("seesaw:train:opposed", ["negative", "positive"]),
        ("seed:whatever.jsonl", ["confrontational", "neutral", "conciliatory"]),
        ("gold:whatever.jsonl", ["confrontational", "neutral", "conciliatory"]),
    ],
)
def test_dataset_labels(spec, labels):
    assert dataset_labels(spec) == labels


@pytest.mark.parametrize(
    "spec, match",
    [
        ("dse", "is not CORPUS:SPLIT"),
        ("imdb:train", "unknown corpus 'imdb'"),
        ("dse:dev", "unknown split 'dev'"),
        ("newsmtsc-rw:valid", "unknown split 'valid'"),
        ("seesaw:test", "unknown split 'test'"),
        ("seesaw:train:agreed", "unknown variant 'agreed'"),
        ("dse:train@0", "positive number"),
        ("dse:train@many", "positive integer"),
        ("jsonl:", "missing the file path"),
    ],
)
def test_bad_specs_are_clear_errors(spec, match):
    with pytest.raises(StanceError, match=match):
        load_records(spec)


# --------------------------------------------------------------------------- NewsMTSC
@pytest.mark.parametrize(
    "spec, sentences, targets, negative, neutral, positive",
    [
        ("newsmtsc-rw:train", 7_758, 8_739, 3_316, 3_028, 2_395),
        ("newsmtsc-mt:train", 7_758, 8_739, 3_316, 3_028, 2_395),
        ("newsmtsc-rw:dev", 320, 343, 134, 136, 73),
        ("newsmtsc-rw:test", 747, 803, 295, 319, 189),
        ("newsmtsc-mt:dev", 216, 442, 136, 217, 89),
        ("newsmtsc-mt:test", 505, 1_034, 346, 531, 157),
    ],
)
def test_newsmtsc_counts_match_its_readme(spec, sentences, targets, negative, neutral, positive):
    records = load_records(spec)
    assert len({r["doc_id"] for r in records}) == sentences
    assert len(records) == targets
    assert Counter(r["stance"] for r in records) == {"negative": negative, "neutral": neutral,
                                                     "positive": positive}
    assert len({r["statement_id"] for r in records}) == targets
    assert all(_span(r, "target") == r["target"] and r["source"] is None for r in records)


@pytest.mark.parametrize(
    "target, match",
    [
        ({"Input.gid": "g1", "from": 0, "to": 4, "mention": "Bill", "polarity": 4.0}, r"field 'targets\[0\]\.from'"),
        ({"Input.gid": "g1", "from": 0, "to": 3, "mention": "Ann", "polarity": 3.0},
         r"field 'targets\[0\]\.polarity': unknown polarity 3\.0"),
        ({"from": 0, "to": 3, "mention": "Ann", "polarity": 2.0}, r"field 'targets\[0\]\.Input\.gid'"),
    ],
)
def test_newsmtsc_bad_targets_name_file_line_and_field(tmp_path, target, match):
    base = tmp_path / "newsmtsc" / "newsmtsc-rw"
    base.mkdir(parents=True)
    good = {"primary_gid": "s1", "sentence_normalized": "Ann won.", "targets": [
        {"Input.gid": "s1", "from": 0, "to": 3, "mention": "Ann", "polarity": 6.0}]}
    bad = {"primary_gid": "s2", "sentence_normalized": "Ann lost.", "targets": [target]}
    _write(base / "dev.jsonl", json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InputError, match=r"dev\.jsonl:2: " + match):
        load_records("newsmtsc-rw:dev", data_dir=tmp_path)


# --------------------------------------------------------------------------- SEESAW
@pytest.mark.parametrize("split, n_stories", [("train", 127), ("valid", 35)])
def test_seesaw_stories_per_split(split, n_stories):
    assert len(seesaw_stories(split)) == n_stories
    records = load_records(f"seesaw:{split}")
    assert len({r["story_id"] for r in records}) == n_stories
    assert {r["split"] for r in records} == {split}
    assert set(Counter(r["stance"] for r in records)) == {"negative", "positive"}
    assert len({(r["doc_id"], r["statement_id"]) for r in records}) == len(records)
    assert all(r["doc_id"].startswith(r["story_id"] + "_DOCUMENT_") for r in records)
    found = [r for r in records if r["source_start"] is not None]
    # the full name, or its head word as the sentence writes it ("Obama" for "Barack Obama")
    assert all(_span(r, "source").casefold() == r["source"].casefold() or _span(r, "source") in r["source"].split()
               for r in found)
    assert len(found) > 0.4 * len(records)  # most sentences name the source by its surname only


def test_seesaw_fit_and_dev_divide_the_train_split_by_story():
    train, fit, dev = (load_records(f"seesaw:{split}") for split in ("train", "fit", "dev"))
    stories = {name: {r["story_id"] for r in records} for name, records in (("train", train), ("fit", fit), ("dev", dev))}
    assert len(stories["dev"]) == 21 and len(stories["fit"]) == 127 - 21
    assert not stories["fit"] & stories["dev"] and stories["fit"] | stories["dev"] == stories["train"]
    assert len(fit) + len(dev) == len(train)
    assert {r["split"] for r in dev} == {"dev"}
    assert all(seesaw_mod.is_dev_story(s) for s in stories["dev"])
    assert not any(seesaw_mod.is_dev_story(s) for s in stories["fit"])
    assert not stories["dev"] & set(seesaw_stories("valid"))
    opposed = load_records("seesaw:dev:opposed")
    assert 0 < len(opposed) < len(dev) and {r["story_id"] for r in opposed} <= stories["dev"]


def test_seesaw_opposed_keeps_liberal_versus_conservative_only():
    everything = load_records("seesaw:valid")
    opposed = load_records("seesaw:valid:opposed")
    assert 0 < len(opposed) < len(everything)
    assert {(r["source_ideology"], r["target_ideology"]) for r in opposed} == {
        ("Liberal", "Conservative"), ("Conservative", "Liberal")}
    assert len(opposed) == sum({r["source_ideology"], r["target_ideology"]} == {"Liberal", "Conservative"}
                               for r in everything)


@pytest.mark.parametrize(
    "raw, side",
    [("Liberal", "Liberal"), ("Slightly Liberal", "Liberal"), ("Very Liberal", "Liberal"),
     ("Very Conservative", "Conservative"), ("Slightly Conservative", "Conservative"),
     ("Moderate", "Moderate"), ("Not Applicable", None), (None, None)],
)
def test_ideology_side(raw, side):
    assert ideology_side(raw) == side


def _seesaw_fixture(root: Path, stances: dict, ideologies: dict | None = None) -> None:
    for sub in ("meta", "articles", "annotations"):
        (root / "seesaw" / sub).mkdir(parents=True, exist_ok=True)
    _write(root / "seesaw" / "meta" / "TRIPLET_007.json", json.dumps({"Split": "train", "Meta info for article 0": {
        "source": "Daily Example", "bias_label": 2}}))
    _write(root / "seesaw" / "articles" / "TRIPLET_007_DOCUMENT_0.json", json.dumps({"title": "t", "text": [
        {"id": 0, "text": "Senator Smith attacked Governor Lee over the budget."},
        {"id": 1, "text": "Voters cheered."}]}))
    _write(root / "seesaw" / "annotations" / "TRIPLET_007_DOCUMENT_0.json", json.dumps({
        "entity lists": [["Smith", ["People"], ["Main"], ["A"]], ["Governor Lee", ["People"], ["Main"], ["A"]]],
        "sentence-level stances": stances,
        "entity ideologies": ideologies or {},
    }))


def test_seesaw_triplets_with_lists_and_missing_entities(tmp_path):
    _seesaw_fixture(tmp_path, {
        "0": [{"id": 0, "subject": "smith", "sentiment": "NEG", "object": ["Governor Lee", "Not in the list"],
               "annotators": ["A", "B"]}],
        "1": [{"id": 0, "subject": "None", "sentiment": "POS", "object": "Smith", "annotators": ["A"]}],
    }, {"smith": [["Slightly Liberal", "A"], ["Liberal", "B"]], "Governor Lee": [["Conservative", "A"]]})
    records = load_records("seesaw:train", data_dir=tmp_path)
    assert [(r["statement_id"], r["source"], r["target"], r["stance"]) for r in records] == [
        ("0-0-0", "smith", "Governor Lee", "negative"),
        ("0-0-1", "smith", None, "negative"),  # an entity outside the list: its name is not given
        ("1-0", None, "Smith", "positive"),
    ]
    first = records[0]
    assert (first["source_start"], first["source_end"], first["target_start"], first["target_end"]) == (8, 13, 23, 35)
    assert (first["source_ideology"], first["source_ideology_raw"]) == ("Liberal", ["Slightly Liberal", "Liberal"])
    assert first["target_ideology"] == "Conservative"
    assert (first["doc_id"], first["story_id"], first["sentence_id"], first["outlet"]) == (
        "TRIPLET_007_DOCUMENT_0", "TRIPLET_007", 0, "Daily Example")
    assert records[1]["target_start"] is None
    assert [r["statement_id"] for r in load_records("seesaw:train:opposed", data_dir=tmp_path)] == ["0-0-0"]


@pytest.mark.parametrize(
    "stances, match",
    [
        ({"0": [{"subject": "Smith", "sentiment": "MEH", "object": "Lee"}]},
         r"field 'sentence-level stances\.0\[0\]\.sentiment': unknown sentiment 'MEH'"),
        ({"5": [{"subject": "Smith", "sentiment": "POS", "object": "Lee"}]},
         r"field 'sentence-level stances\.5': sentence 5 is not in TRIPLET_007_DOCUMENT_0\.json"),
        ({"0": [{"subject": 3, "sentiment": "POS", "object": "Lee"}]},
         r"field 'sentence-level stances\.0\[0\]\.subject': expected an entity name"),
    ],
)
def test_seesaw_bad_annotations_name_file_and_field(tmp_path, stances, match):
    _seesaw_fixture(tmp_path, stances)
    with pytest.raises(InputError, match=r"annotations/TRIPLET_007_DOCUMENT_0\.json: " + match):
        load_records("seesaw:train", data_dir=tmp_path)


@pytest.mark.parametrize(
    "text, name, mention",
    [
        ("Trump called the hearing a joke.", "Donald Trump", "Trump"),
        ("Donald Trump called the hearing a joke.", "donald trump", "Donald Trump"),
        ("It was Pelosi's decision.", "Nancy Pelosi", "Pelosi"),
        ("Republicans have said Klobuchar was respectful.", "Republican Party", "Republican"),
        ("Klobuchar was respectful.", "Amy Klobuchar", "Klobuchar"),
        ("The Trump administration cut Medicaid.", "Trump administration", "Trump administration"),
        ("Officials in the United States said so.", "United Nations", None),  # no head word to go by
        ("He spoke with trumpeters.", "Donald Trump", None),
    ],
)
def test_seesaw_entities_are_found_by_full_name_or_head_word(text, name, mention):
    span = seesaw_mod._find_mention(text, name)
    assert (text[span[0]:span[1]] if span else None) == mention


# --------------------------------------------------------------------------- seed / gold
def test_seed_adapter_on_the_real_gold_file():
    records = load_records(f"seed:{SEED_GOLD}")
    assert len(records) == 14
    assert Counter(r["stance"] for r in records).keys() <= set(SEED_LABELS)
    assert {r["target"] for r in records} == {"the United States", "Russia"}
    for record in records:
        validate_statement(record, label_field="stance", labels=SEED_LABELS, require_label=True)
        assert record["text"] == record["content"] and record["source"] == record["speaker"]
        assert record["target"] == {"US": "the United States", "RU": "Russia"}[record["target_party"]]
        assert record["text"] in record["context"]  # the article sits beside the gold file
        assert "\n" not in record["context"]
    first = records[0]
    assert first["context"].endswith("not seeing eye-to-eye.")
    assert load_records(f"gold:{SEED_GOLD}") == records


def test_seed_adapter_takes_party_names_and_works_without_the_article(tmp_path):
    path = _write(tmp_path / "story.gold.jsonl", json.dumps({
        "doc_id": "story", "statement_id": "s1", "speaker": "Lavrov", "target_party": "US",
        "content": "Washington is to blame.", "stance": "confrontational"}) + "\n")
    [record] = load_records(f"gold:{path}", party_names={"US": "America"})
    assert (record["source"], record["target"], record["context"]) == ("Lavrov", "America", None)


def test_seed_adapter_finds_the_sentence_in_the_article_beside_it(tmp_path):
    _write(tmp_path / "story.txt", "Talks. Headline\n\nMr. Lavrov said “Washington is to blame.” He left. Next one.\n")
    path = _write(tmp_path / "story.gold.jsonl", json.dumps({
        "doc_id": "story", "statement_id": "s1", "speaker": "Lavrov", "target_party": "US",
        "content": "“Washington is to blame.”", "stance": "confrontational"}) + "\n")
    [record] = load_records(f"gold:{path}")
    assert record["context"] == "Mr. Lavrov said “Washington is to blame.”"


@pytest.mark.parametrize(
    "row, match",
    [
        ({"stance": "maybe"}, r"field 'stance': unknown label 'maybe'"),
        ({"stance": None}, r"field 'stance': missing label"),
        ({"start": 3, "end": 9}, r"field 'start': start=3 end=9 do not hold the content"),
        ({"target_party": 7}, r"field 'target_party'"),
    ],
)
def test_seed_bad_rows_name_file_line_and_field(tmp_path, row, match):
    _write(tmp_path / "story.txt", "Lavrov said Washington is to blame.\n")
    good = {"doc_id": "story", "statement_id": "s1", "speaker": "Lavrov", "target_party": "US",
            "content": "Washington is to blame", "start": 12, "end": 34, "stance": "confrontational"}
    path = _write(tmp_path / "story.gold.jsonl",
                  json.dumps(good) + "\n" + json.dumps(good | {"statement_id": "s2"} | row) + "\n")
    with pytest.raises(InputError, match=r"story\.gold\.jsonl:2: " + match):
        load_records(f"gold:{path}")


@pytest.mark.parametrize(
    "text, start, end, context",
    [
        ("One. Two says “hi.” Three.", 14, 19, "Two says “hi.”"),
        ("The U.S. envoy said no. Then he left.", 20, 22, "The U.S. envoy said no."),
        ("Gen. Smith spoke. Next.", 5, 10, "Gen. Smith spoke."),
        ("A said b. C said d.", 2, 13, "A said b. C said d."),
    ],
)
def test_sentence_context(text, start, end, context):
    assert sentence_context(text, start, end) == context


# --------------------------------------------------------------------------- jsonl, dedup
def test_jsonl_spec_reads_a_statements_file(tmp_path):
    rows = [{"doc_id": "d", "statement_id": str(i), "text": f"text {i}", "stance": label}
            for i, label in enumerate(["positive", "negative", "neutral"])]
    path = _write(tmp_path / "s.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert [r["stance"] for r in load_records(f"jsonl:{path}")] == ["positive", "negative", "neutral"]
    assert dataset_labels(f"jsonl:{path}") == ["negative", "neutral", "positive"]
    _write(tmp_path / "bad.jsonl", json.dumps(rows[0]) + "\n{not json\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: malformed JSON"):
        load_records(f"jsonl:{tmp_path / 'bad.jsonl'}")
    with pytest.raises(InputError, match=r"missing\.jsonl: file not found"):
        load_records(f"jsonl:{tmp_path / 'missing.jsonl'}")


def test_dedup_against_drops_training_records_seen_in_evaluation_sets(caplog):
    def rec(i: int, text: str, source: str | None, target: str | None) -> dict:
        return {"doc_id": "d", "statement_id": str(i), "text": text, "source": source, "target": target}

    train = [rec(1, "Anna  praised Ben.", "Anna", "Ben"), rec(2, "Anna praised Ben.", "Ben", "Anna"),
             rec(3, "Carl left.", "Carl", None), rec(4, "Dora won.", None, "Dora")]
    dev = [rec(9, "anna praised ben.", "ANNA", "Ben")]
    test = [rec(9, "Dora won.", None, "Dora")]
    with caplog.at_level(logging.INFO, logger="stance.corpora"):
        kept = dedup_against(train, dev, test)
    assert [r["statement_id"] for r in kept] == ["2", "3"]
    assert "dropped 2 of 4" in caplog.text


def test_dedup_against_on_real_dse_removes_the_test_overlap(dse):
    kept = dedup_against(dse["train"], dse["test"])
    assert len(dse["train"]) - len(kept) >= 400
    assert dedup_against(kept, dse["test"]) == kept


# ---------------------------------------------------------------------- statement views
def _directed(sid, text, source, target, stance):
    s, t = text.index(source), text.index(target)
    return {"doc_id": "d", "statement_id": sid, "text": text, "source": source, "target": target,
            "source_start": s, "source_end": s + len(source), "target_start": t, "target_end": t + len(target),
            "stance": stance}


def test_statement_view_is_the_sources_statement_as_stance_run_presents_it():
    from stance.augment import statement_views

    text = "Peskov said the Kremlin was open to talks with Washington."
    spoken = _directed("1", text, "Peskov", "Washington", "positive")
    co_mention = _directed("2", "Moscow and Washington met in Geneva.", "Moscow", "Washington", "neutral")
    other_speaker = _directed("3", text, "Kremlin", "Washington", "positive")  # the Kremlin does not speak here
    (view,) = statement_views([spoken, co_mention, other_speaker])
    assert view["statement_id"] == "1:stmt" and view["stance"] == "positive"
    assert view["text"] == "the Kremlin was open to talks with Washington"
    assert view["context"] == text
    assert view["text"][view["target_start"] : view["target_end"]] == "Washington"
    assert view["source_start"] is None and view["source"] == "Peskov"


def test_statement_view_has_no_target_span_when_the_content_does_not_name_it():
    from stance.augment import statement_views

    record = _directed("1", "Asked about Washington, Peskov said Russia was always open to dialogue.",
                       "Peskov", "Washington", "positive")
    (view,) = statement_views([record])
    assert view["text"] == "Russia was always open to dialogue"
    assert view["target_start"] is None and view["target_end"] is None
