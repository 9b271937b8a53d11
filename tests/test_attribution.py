"""The learned attribution model: BIO tags from annotations and back, windows, a tiny model's save / load /
predict, its training run (run folder, resume), and the combination with the rules (scoring:
test_attribution_scoring.py)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stance.attribution import (
    LABELS, AttributionModel, DecodeSpec, WindowSpec, article_windows, decode, token_labels, windows,
)
from stance.attribution_combine import combine
from stance.errors import StanceError

TEXT = ('"We will win," Trump said, "and we will win big." '
        "Clinton believes the polls are wrong. The weather was fine.")


def _span(text: str, piece: str, after: int = 0) -> tuple[int, int]:
    s = text.index(piece, after)
    return s, s + len(piece)


def _gold(text: str = TEXT) -> list[dict]:
    c1, c2 = _span(text, "We will win,"), _span(text, "and we will win big.")
    src, cue = _span(text, "Trump"), _span(text, "said")
    c3, src3, cue3 = _span(text, "the polls are wrong"), _span(text, "Clinton"), _span(text, "believes")
    return [
        {"doc_id": "d", "statement_id": "E1", "content": text[c1[0]:c2[1]], "start": c1[0], "end": c2[1],
         "fragments": [list(c1), list(c2)], "speaker": "Trump", "speaker_start": src[0], "speaker_end": src[1],
         "cue": "said", "cue_start": cue[0], "cue_end": cue[1], "kind": "direct"},
        {"doc_id": "d", "statement_id": "E2", "content": text[c3[0]:c3[1]], "start": c3[0], "end": c3[1],
         "speaker": "Clinton", "speaker_start": src3[0], "speaker_end": src3[1],
         "cue": "believes", "cue_start": cue3[0], "cue_end": cue3[1]},
    ]


def _word_offsets(text: str) -> list[tuple[int, int]]:
    import re

    return [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]


# ---------------------------------------------------------------------- tags and decoding
def test_tags_mark_a_later_fragment_as_inside_and_decode_back_to_the_same_spans():
    offsets = _word_offsets(TEXT)
    tags = [LABELS[k] for k in token_labels(TEXT, offsets, _gold())]
    words = {TEXT[s:e]: t for (s, e), t in zip(offsets, tags)}
    assert words["Trump"] == "B-SOURCE" and words["said"] == "B-CUE" and words["big"] == "I-CONTENT"
    assert tags[offsets.index(_span(TEXT, "and"))] == "I-CONTENT"  # the second fragment continues E1
    assert words["weather"] == "O"
    # the fragments are 5 tokens apart ('" Trump said , "'): a gap the default (4) leaves as two contents
    records = decode(TEXT, offsets, tags, DecodeSpec(max_gap_tokens=6, min_content_tokens=1), doc_id="d", name="m")
    assert [(r["start"], r["end"]) for r in records] == [(g["start"], g["end"]) for g in _gold()]
    first, second = records
    assert first["fragments"] == _gold()[0]["fragments"]
    assert (first["speaker"], first["cue"], second["speaker"], second["cue"]) == ("Trump", "said", "Clinton", "believes")
    assert first["kind"] == "direct" and second["kind"] == "indirect" and first["rule"] == "m"
    for r in records:
        assert TEXT[r["start"]:r["end"]] == r["content"]
        assert TEXT[r["speaker_start"]:r["speaker_end"]] == r["speaker"]


def test_a_source_serves_two_cues_and_each_content_takes_its_own_cue():
    text = "Obama said the vote was safe, and added that fraud was rare."
    offsets = _word_offsets(text)
    gold = [
        {"doc_id": "d", "content": "the vote was safe", "start": 11, "end": 28, "speaker_start": 0, "speaker_end": 5,
         "cue_start": 6, "cue_end": 10},
        {"doc_id": "d", "content": "fraud was rare", "start": 45, "end": 59, "speaker_start": 0, "speaker_end": 5,
         "cue_start": 34, "cue_end": 44},
    ]
    for g in gold:
        assert text[g["start"]:g["end"]] == g["content"]
    tags = [LABELS[k] for k in token_labels(text, offsets, gold)]
    records = decode(text, offsets, tags, DecodeSpec(min_content_tokens=1))
    assert [(r["speaker"], r["cue"]) for r in records] == [("Obama", "said"), ("Obama", "added that")]


def test_role_tags_sum_b_and_i_and_short_contents_are_dropped():
    proba = np.zeros((3, len(LABELS)))
    proba[0, [0, 5, 6]] = [0.4, 0.35, 0.25]  # content, by B + I
    proba[1, [0, 6]] = [0.2, 0.8]
    proba[2, 0] = 1.0
    assert AttributionModel.tags(proba) == ["B-CONTENT", "I-CONTENT", "O"]
    offsets = _word_offsets(TEXT)
    tags = [LABELS[k] for k in token_labels(TEXT, offsets, _gold())]
    assert len(decode(TEXT, offsets, tags, DecodeSpec(min_content_tokens=5))) == 1  # "the polls are wrong": 4


def test_windows_cover_every_token_and_overlap_by_the_stride():
    spec = WindowSpec(max_length=10, stride=4)
    got = windows(20, spec)
    assert got[0] == (0, 8) and got[-1][1] == 20
    assert all(b[0] - a[0] == 4 for a, b in zip(got, got[1:]))
    assert windows(5, spec) == [(0, 5)]
    with pytest.raises(StanceError):
        WindowSpec(max_length=10, stride=9)


# ---------------------------------------------------------------------- a tiny model
@pytest.fixture
def tiny_attribution(tiny_encoder: Path, tmp_path: Path) -> Path:
    model = AttributionModel.from_pretrained(tiny_encoder, window=WindowSpec(max_length=32, stride=16))
    return model.save_pretrained(tmp_path / "attribution")


def test_a_saved_model_loads_and_predicts_spans_with_exact_offsets(tiny_attribution: Path):
    model = AttributionModel.from_pretrained(tiny_attribution)
    assert model.window == WindowSpec(max_length=32, stride=16)
    rows = article_windows(model.tokenizer, TEXT * 3, model.window, _gold(TEXT * 3)[:0])
    assert len(rows) > 1 and all(len(r["input_ids"]) <= 32 for r in rows)
    # a random model predicts anything: force tags through the decoder with the model's own offsets
    offsets, proba = model.token_proba(TEXT * 3)
    assert proba.shape == (len(offsets), len(LABELS)) and np.allclose(proba.sum(1), 1, atol=1e-4)
    for r in model.predict(TEXT * 3, doc_id="x"):
        assert (TEXT * 3)[r["start"]:r["end"]] == r["content"] and r["doc_id"] == "x"
    assert model.predict("   ") == []


def test_a_stance_classifier_folder_is_not_an_attribution_model(tmp_path: Path):
    from stance.errors import InputError

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "attribution_config.json").write_text('{"labels": ["O"]}', encoding="utf-8")
    with pytest.raises(InputError, match="attribution model"):
        AttributionModel.from_pretrained(tmp_path / "m")


# ---------------------------------------------------------------------- training
def _polnear_folder(root: Path) -> Path:
    """A PolNeAR-shaped folder: three training articles over two months, one dev article."""
    base = root / "polnear"
    rows = ["compartment\tfilename\tlevel\tannotators\tpublisher\tpublication_date"]
    dates = {"train": ["2016-01-05", "2016-02-10", "2016-08-20"], "dev": ["2016-09-20"]}
    for split, days in dates.items():
        (base / split / "text").mkdir(parents=True)
        (base / split / "attributions").mkdir(parents=True)
        for k, day in enumerate(days):
            name = f"pub_{day}_a{k}"
            text = TEXT + " " + TEXT
            (base / split / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
            lines, t = [], 0
            for e, g in enumerate(_gold(text), start=1):
                refs = []
                for role, s, end in (("Source", g["speaker_start"], g["speaker_end"]), ("Cue", g["cue_start"], g["cue_end"])):
                    t += 1
                    lines.append(f"T{t}\t{role} {s} {end}\t{text[s:end]}")
                    refs.append(f"{role}:T{t}")
                t += 1
                spec = ";".join(f"{s} {end}" for s, end in (g.get("fragments") or [[g["start"], g["end"]]]))
                lines.append(f"T{t}\tContent {spec}\t{g['content']}")
                refs.append(f"Content:T{t}")
                lines.append(f"E{e}\t" + " ".join(refs))
            (base / split / "attributions" / f"{name}_ann1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
            rows.append(f"{split}\t{name}\t1\tann1\tpub\t{day}")
    (base / "metadata.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _config(tmp_path: Path, tiny_encoder: Path, **train: object) -> Path:
    import yaml

    data = {"task": "attribution", "name": "tiny", "data": {"dir": str(_polnear_folder(tmp_path / "data"))},
            "model": {"name_or_path": str(tiny_encoder), "max_length": 32, "stride": 16},
            "train": {"epochs": 1, "batch_size": 4, "precision": "fp32", **train}, "n_bootstrap": 20}
    path = tmp_path / "attribution.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_stance_train_with_task_attribution_writes_the_run_folder(tmp_path: Path, tiny_encoder: Path, capsys):
    from stance.cli import main

    config = _config(tmp_path, tiny_encoder, max_steps=2)
    assert main(["train", str(config), "--output", str(tmp_path / "run")]) == 0
    run = tmp_path / "run"
    for name in ("config.yaml", "metrics.json", "model", "dev_predictions.jsonl", "heldout_predictions.jsonl",
                 "provenance.json", "COMPLETE"):
        assert (run / name).exists(), name
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["steps"] == 2 and metrics["n_train_articles"] == 2  # the August article is held out
    assert set(metrics["dev"]) >= {"overall", "by_quoted", "by_cue_type", "speed"}
    assert "PolNeAR dev" in capsys.readouterr().out
    assert AttributionModel.from_pretrained(run / "model").predict(TEXT) is not None
    # the same folder again: refused without --overwrite
    assert main(["train", str(config), "--output", str(run)]) == 2


def test_an_interrupted_training_resumes_from_its_checkpoint(tmp_path: Path, tiny_encoder: Path, monkeypatch):
    from stance import attribution_train
    from stance.attribution_train import load_attribution_config, run_attribution_training

    config = load_attribution_config(_config(tmp_path, tiny_encoder, max_steps=3, checkpoint_every=1))
    real, calls = attribution_train._batch, []

    def flaky(rows, pad):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(rows, pad)

    monkeypatch.setattr(attribution_train, "_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_attribution_training(config, tmp_path / "run")
    assert (tmp_path / "run" / "checkpoint" / "state.pt").exists()
    monkeypatch.setattr(attribution_train, "_batch", real)
    result = run_attribution_training(config, tmp_path / "run", resume=True)
    assert result["steps"] == 3 and (tmp_path / "run" / "COMPLETE").exists()


def test_the_benchmark_pairs_a_model_against_an_earlier_benchmark_folder(tiny_attribution: Path, tmp_path: Path,
                                                                         capsys):
    """scripts/benchmark_attribution.py --compare-with: the earlier folder's model alone and in the union
    become systems, paired with this model; the same model against itself differs by nothing."""
    from conftest import load_script

    bench = load_script("benchmark_attribution")
    data = _polnear_folder(tmp_path / "data")
    common = [str(tiny_attribution), "--split", "dev", "--data-dir", str(data), "--bootstrap", "20"]
    assert bench.main([*common, "--output", str(tmp_path / "first")]) == 0
    assert bench.main([*common, "--output", str(tmp_path / "second"), "--compare-with", str(tmp_path / "first")]) == 0
    metrics = json.loads((tmp_path / "second" / "metrics_dev.json").read_text(encoding="utf-8"))
    assert {"first:model", "rules+first:union"} <= set(metrics["systems"])
    for pair in ("model - first:model", "rules+model:union - rules+first:union"):
        assert metrics["paired"][pair]["overlap_f1"]["delta"] == 0.0
    assert "rules+first:union" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:  # a folder without this split's predictions
        bench.main([*common, "--output", str(tmp_path / "third"), "--compare-with", str(tmp_path / "data")])
    assert stop.value.code == 2 and not (tmp_path / "third").exists()


# ---------------------------------------------------------------------- combination
def _rule(start: int, end: int, text: str = TEXT, **extra: object) -> dict:
    return {"doc_id": "d", "statement_id": "s", "content": text[start:end], "start": start, "end": end,
            "speaker": "Trump", "speaker_start": 15, "speaker_end": 20, "speaker_canonical": "Donald Trump",
            "speaker_party": "REP", "kind": "direct", **extra}


def test_union_keeps_every_rule_statement_and_adds_the_models_elsewhere():
    gold = _gold()
    rules = [_rule(gold[0]["start"], gold[0]["end"])]
    model = [dict(g, rule="attribution-model", kind="indirect") for g in gold]
    out = combine(rules, model, TEXT)
    assert [r["rule"] for r in out] == ["rules", "attribution-model"]
    assert out[0]["speaker_canonical"] == "Donald Trump"
    assert [r["statement_id"] for r in out] == ["s001", "s002"]


def test_model_strategy_takes_speaker_resolution_from_the_overlapping_rule_statement():
    gold = _gold()
    rules = [_rule(gold[0]["start"], gold[0]["end"] - 5)]
    model = [dict(g, rule="attribution-model") for g in gold]
    out = combine(rules, model, TEXT, strategy="model")
    assert len(out) == 2 and out[0]["speaker_party"] == "REP" and out[0]["end"] == gold[0]["end"]
    assert all(r["rule"] == "attribution-model" for r in out)
    with pytest.raises(StanceError):
        combine(rules, model, TEXT, strategy="vote")


def test_a_model_statement_gets_its_party_from_the_speakers_words(us_russia_parties):
    model = [dict(_gold()[1], rule="attribution-model")]
    out = combine([], model, TEXT, parties=us_russia_parties)
    assert out[0]["context"] and out[0]["text"] == out[0]["content"]
    assert "speaker_party" in out[0] and "target_party" in out[0]


@pytest.fixture(scope="module")
def nlp():
    from stance.nlp import load_nlp

    return load_nlp()


@pytest.mark.parametrize("sentence,cue,source", [
    ("The senator, who once praised the deal, now believes it failed.", "believes", "The senator"),
    ("Officials were told by the Republican from Alabama that the plan would pass.", "were told", "the Republican"),
    ("His criticism of the plan surprised nobody.", "criticism", "His"),
    ("Clinton is confident that the polls are wrong.", "confident", "Clinton"),
    ("Voters fear a recession and expect higher prices.", "expect", "Voters"),
])
def test_the_source_of_a_cue_is_the_subject_the_parse_gives(nlp, sentence, cue, source):
    from stance.extraction import cue_subject

    doc = nlp(sentence)
    start = sentence.index(cue)
    span = cue_subject(doc, start, start + len(cue))
    assert span is not None and sentence[span[0]:span[1]] == source


def test_a_cue_without_a_subject_in_the_parse_has_no_source(nlp):
    from stance.extraction import cue_subject

    sentence = "It was said that the talks had failed."
    assert cue_subject(nlp(sentence), 0, 0) is None  # an empty span
    start = sentence.index("said")
    assert cue_subject(nlp(sentence), start, start + 4) is None  # a passive without its agent


def test_with_the_parse_a_model_statement_without_a_source_in_its_sentence_takes_its_cues_subject(nlp):
    gold = _gold()
    far = _span(TEXT, "Trump")  # another sentence than the cue 'believes'
    elsewhere = dict(gold[1], rule="attribution-model", speaker="Trump", speaker_start=far[0], speaker_end=far[1],
                     speaker_fragments=[list(far)])
    none = {k: v for k, v in gold[1].items() if not k.startswith("speaker")}
    for rec in (elsewhere, dict(none, rule="attribution-model")):
        out = combine([], [rec], TEXT, doc=nlp(TEXT))
        assert out[0]["speaker"] == "Clinton" and (out[0]["speaker_start"], out[0]["speaker_end"]) == _span(TEXT, "Clinton")
        assert "speaker_fragments" not in out[0]
    assert combine([], [elsewhere], TEXT)[0]["speaker"] == "Trump"  # without the parse: the model's span
    polls = _span(TEXT, "polls")  # the model's source in the cue's sentence is kept
    same_sentence = dict(gold[1], rule="attribution-model", speaker="polls", speaker_start=polls[0], speaker_end=polls[1])
    assert combine([], [same_sentence], TEXT, doc=nlp(TEXT))[0]["speaker"] == "polls"


def test_the_seed_stays_14_of_14_with_every_party_right_with_a_model_beside_the_rules(tiny_attribution, tmp_path):
    from conftest import SEED_ARTICLE, SEED_GOLD

    from stance.attribution_combine import extract_files_combined
    from stance.extraction_eval import evaluate_extraction_files

    pred = tmp_path / "seed.jsonl"
    parties = Path(__file__).resolve().parent.parent / "configs" / "parties" / "us_russia.yaml"
    extract_files_combined([str(SEED_ARTICLE)], str(pred), str(tiny_attribution), parties=str(parties))
    metrics = evaluate_extraction_files(str(SEED_GOLD), str(pred))
    assert metrics["found"] == 14 and metrics["speaker_party"]["accuracy"] == 1.0
    assert metrics["target_party"]["accuracy"] == 1.0
    rows = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    from stance.extraction.records import RULES

    assert {r["rule"] for r in rows} <= set(RULES) | {"attribution-model"}  # a registered rule, or the model


def test_stance_run_with_an_attribution_model_classifies_the_combined_statements(tiny_attribution, tiny_encoder,
                                                                                 tmp_path):
    from conftest import SEED_ARTICLE

    from stance.model import StanceClassifier
    from stance.pipeline import run_pipeline

    model = StanceClassifier.from_pretrained(tiny_encoder, labels=["negative", "neutral", "positive"], max_length=64)
    model.save_pretrained(tmp_path / "stance-model")
    parties = Path(__file__).resolve().parent.parent / "configs" / "parties" / "us_russia.yaml"
    out = tmp_path / "run"
    run_pipeline([SEED_ARTICLE], model=str(tmp_path / "stance-model"), parties=str(parties), output_dir=out,
                 attribution_model=str(tiny_attribution))
    rows = [json.loads(line) for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    from stance.extraction.records import RULES

    assert sum(r["rule"] in RULES for r in rows) == 14 and all("stance" in r for r in rows)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["options"]["attribution_model"]


@pytest.fixture
def us_russia_parties():
    from stance.parties import PartyConfig

    return PartyConfig.from_yaml(Path(__file__).resolve().parent.parent / "configs" / "parties" / "us_russia.yaml")


