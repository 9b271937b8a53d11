"""Scoring extracted statements: matching and metrics on small hand-made cases, values by hand."""
from __future__ import annotations

import json

import pytest

from stance.errors import InputError
from stance.extraction_eval import (
    content_tokens,
    evaluate_extraction,
    evaluate_extraction_files,
    format_extraction_summary,
    match_statements,
    token_overlap,
)

ARTICLE = "The minister said the plan would fail. Critics called it a mistake."


def stmt(doc_id: str, sid: str, content: str, kind: str = "indirect", **fields) -> dict:
    start = ARTICLE.index(content)
    return {"doc_id": doc_id, "statement_id": sid, "content": content, "start": start,
            "end": start + len(content), "kind": kind, **fields}


GOLD = [
    stmt("d1", "g1", "the plan would fail", "indirect", speaker="The minister", speaker_party="A", target_party="B"),
    stmt("d1", "g2", "it a mistake", "mixed", speaker="Critics", speaker_party="B", target_party="A"),
]
PRED = [
    # 4 of the 5 words of "said the plan would fail" are gold's: overlap 4/5 = 0.8
    stmt("d1", "p1", "said the plan would fail", "indirect", speaker="the minister", speaker_party="A", target_party="B"),
    # "a mistake" vs "it a mistake": 2/3; the target party is wrong, the kind too
    stmt("d1", "p2", "a mistake", "indirect", speaker="Critics", speaker_party="B", target_party=None),
    # overlaps nothing: an extra statement
    stmt("d1", "p3", "Critics", "direct", speaker="someone"),
]


def test_token_overlap_is_shared_over_union():
    gold, pred = content_tokens(GOLD[0]), content_tokens(PRED[0])
    assert len(gold) == 4 and len(pred) == 5
    assert token_overlap(gold, pred) == pytest.approx(4 / 5)
    assert token_overlap(content_tokens(GOLD[1]), content_tokens(PRED[1])) == pytest.approx(2 / 3)
    assert token_overlap(frozenset(), frozenset()) == 0.0


def test_fragments_count_only_their_own_words():
    text = "the plan would fail"
    record = stmt("d1", "f", text, fragments=[[ARTICLE.index(text), ARTICLE.index(text) + 8],
                                              [ARTICLE.index("fail"), ARTICLE.index("fail") + 4]])
    assert {ARTICLE[s:e] for s, e in content_tokens(record)} == {"the", "plan", "fail"}


def test_metrics_by_hand():
    m = evaluate_extraction(GOLD, PRED)
    assert m["task"] == "extraction"
    assert (m["n_gold"], m["n_pred"], m["n_matched"], m["found"]) == (2, 3, 2, 2)
    # overlap >= 0.5: 2 of 3 predictions, 2 of 2 gold; F1 = 2 * (2/3) * 1 / (2/3 + 1) = 0.8
    assert m["overlap"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})
    assert m["exact"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert m["speaker"] == {"accuracy": 1.0, "n": 2}
    assert m["speaker_party"] == {"accuracy": 1.0, "n": 2}
    assert m["target_party"] == {"accuracy": 0.5, "n": 2}
    assert m["party"] == {"accuracy": 0.5, "n": 2}
    assert m["kind"] == {"accuracy": 0.5, "n": 2}
    assert m["missed"] == [] and m["extra"] == [["d1", "p3"]]
    per_kind = m["per_kind"]
    # recall over gold of the kind, precision over predictions of the kind
    assert per_kind["indirect"]["overlap"] == pytest.approx({"precision": 1.0, "recall": 1.0, "f1": 1.0})
    assert per_kind["mixed"]["overlap"] == {"precision": None, "recall": 1.0, "f1": None}
    assert per_kind["direct"]["overlap"] == {"precision": 0.0, "recall": None, "f1": None}
    json.dumps(m)  # JSON-serialisable


def test_matching_is_one_to_one_and_keeps_the_best_pair():
    gold = [stmt("d1", "g", "the plan would fail")]
    short = stmt("d1", "short", "the plan")             # 2/4 = 0.5
    longer = stmt("d1", "longer", "the plan would")      # 3/4 = 0.75
    matches = match_statements(gold, [short, longer])
    assert [(m.gold, m.pred, m.overlap) for m in matches] == [(0, 1, 0.75)]
    m = evaluate_extraction(gold, [short, longer])
    assert m["found"] == 1 and m["extra"] == [["d1", "short"]]
    assert m["overlap"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3})


def test_exact_spans_and_below_threshold():
    gold = [stmt("d1", "g1", "the plan would fail"), stmt("d1", "g2", "it a mistake")]
    pred = [stmt("d1", "p1", "the plan would fail"), stmt("d1", "p2", "mistake")]  # 1/3 < 0.5
    m = evaluate_extraction(gold, pred)
    assert m["exact"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert m["overlap"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert m["n_matched"] == 2 and m["found"] == 1 and m["missed"] == [["d1", "g2"]]


def test_statements_of_other_documents_never_match():
    m = evaluate_extraction([stmt("d1", "g", "the plan would fail")], [stmt("d2", "p", "the plan would fail")])
    assert (m["n_matched"], m["found"]) == (0, 0)
    assert m["overlap"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


@pytest.mark.parametrize("gold_speaker, pred, correct", [
    ("The minister", {"speaker": "the minister"}, True),
    ("the official", {"speaker": "he", "speaker_canonical": "the official"}, True),
    ("Dmitry Peskov", {"speaker": "Peskov"}, True),               # half the words
    ("an unnamed senior State Department official", {"speaker": "he"}, False),
    ("Critics", {"speaker": None}, False),
])
def test_speaker_match(gold_speaker, pred, correct):
    from stance.extraction_eval import speaker_matches

    assert speaker_matches({"speaker": gold_speaker}, pred) is correct


def test_files_write_metrics_and_print_a_summary(tmp_path):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in GOLD), encoding="utf-8")
    pred.write_text("".join(json.dumps(r) + "\n" for r in PRED), encoding="utf-8")
    metrics = evaluate_extraction_files(str(gold), str(pred), output_dir=str(tmp_path / "eval"))
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["task"] == "extraction" and saved["overlap"]["f1"] == pytest.approx(0.8)
    assert metrics["overlap"] == saved["overlap"]
    summary = format_extraction_summary(metrics)
    assert "2 gold, 3 predicted statements; 2 found" in summary
    assert "overlap >= 0.5" in summary and "target_party" in summary and "indirect" in summary


@pytest.mark.parametrize("row, field", [
    ({"doc_id": "d1", "statement_id": "x", "content": "abc", "start": "0", "end": 3}, "start"),
    ({"doc_id": "d1", "statement_id": "x", "content": "abc", "start": 0, "end": 5}, "end"),
    ({"doc_id": "d1", "statement_id": "x", "start": 0, "end": 3}, "content"),
    ({"doc_id": "d1", "statement_id": "x", "content": "abc", "start": 0, "end": 3, "fragments": [[0, 9]]}, "fragments"),
    ({"statement_id": "x", "content": "abc", "start": 0, "end": 3}, "doc_id"),
])
def test_bad_records_name_file_line_and_field(tmp_path, row, field):
    path = tmp_path / "bad.jsonl"
    ok = {"doc_id": "d1", "statement_id": "ok", "content": "abc", "start": 0, "end": 3}
    path.write_text(json.dumps(ok) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        evaluate_extraction_files(str(path), str(path))
    assert err.value.line == 2 and err.value.field == field

