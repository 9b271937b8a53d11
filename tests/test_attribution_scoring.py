"""Scoring against attribution corpora (score_attributions), the polnear:SPLIT specs of `stance extract`
and `stance evaluate`, and the PolNeAR benchmark script, on invented articles laid out as PolNeAR is."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import load_script

from stance.cues import cue_type
from stance.extraction_eval import (
    compare_attributions, format_attribution_table, merge_same_cue, nested_predictions, score_attributions,
)

TEXT = 'Smith said the plan failed. "We lost," Jones said. "Badly." Voters fear a recession. It is over.'


def _rec(doc: str, sid: str, start: int, end: int, *, speaker: tuple[int, int] | None, cue: tuple[int, int],
         text: str = TEXT, **extra) -> dict:
    r = {"doc_id": doc, "statement_id": sid, "start": start, "end": end, "content": text[start:end],
         "speaker": text[speaker[0]:speaker[1]] if speaker else None,
         "speaker_start": speaker[0] if speaker else None, "speaker_end": speaker[1] if speaker else None,
         "cue": text[cue[0]:cue[1]], "cue_start": cue[0], "cue_end": cue[1]}
    r.update(extra)
    return r


def _at(word: str, after: int = 0) -> tuple[int, int]:
    i = TEXT.index(word, after)
    return i, i + len(word)


PLAN = _at("the plan failed")
WE_LOST, BADLY = _at('"We lost,"'), _at('"Badly."')
RECESSION = _at("a recession")
GOLD = [
    _rec("a", "g1", *PLAN, speaker=_at("Smith"), cue=_at("said"), quoted="none"),
    _rec("a", "g2", WE_LOST[0], BADLY[1], speaker=_at("Jones"), cue=_at("said", 30), quoted="full",
         fragments=[list(WE_LOST), list(BADLY)]),
    _rec("a", "g3", *RECESSION, speaker=_at("Voters"), cue=_at("fear"), quoted="none"),
    _rec("a", "g4", *_at("It is over"), speaker=None, cue=_at("is"), quoted="none"),
]


def test_counts_sources_cues_and_splits_on_a_hand_checked_article():
    pred = [
        _rec("a", "s1", *PLAN, speaker=_at("Smith"), cue=_at("said"), kind="indirect", rule="reported-clause"),
        # one quote each, the second carrying the first's cue: one attribution with two fragments
        _rec("a", "s2", *WE_LOST, speaker=_at("Jones"), cue=_at("said", 30), kind="direct", rule="quote-after"),
        _rec("a", "s3", *BADLY, speaker=_at("Jones"), cue=_at("said", 30), kind="direct", rule="quote-continued"),
        # found, but the speaker span is wrong
        _rec("a", "s4", *RECESSION, speaker=_at("It"), cue=_at("fear"), kind="indirect", cue_type="internal",
             rule="reported-clause"),
    ]
    m = score_attributions(GOLD, pred, n_bootstrap=50)
    o = m["overall"]
    assert m["n_pred_statements"] == 4 and o["n_pred"] == 3 and o["n_gold"] == 4 and o["found"] == 3
    assert o["overlap_precision"]["value"] == 1.0 and o["overlap_recall"]["value"] == 0.75
    assert o["exact_f1"]["value"] == pytest.approx(2 * 1.0 * 0.75 / 1.75, abs=1e-4)
    # g4 has no source: scored for content, left out of source accuracy
    assert o["source_n"] == 3 and o["source_accuracy"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert o["cue_accuracy"]["value"] == 1.0
    assert m["gold_without_source"] == {"n": 1, "found": 0, "handling": "scored for content; left out of source accuracy"}
    assert m["by_quoted"]["full"]["overlap_recall"]["value"] == 1.0
    assert m["by_quoted"]["none"]["n_gold"] == 3 and m["by_quoted"]["none"]["found"] == 2
    assert m["by_cue_type"]["internal"]["n_gold"] == 1 and m["by_cue_type"]["internal"]["found"] == 1
    assert m["by_cue_type"]["internal"]["source_accuracy"]["value"] == 0.0
    rules = m["per_rule"]
    assert set(rules) == {"reported-clause", "quote-after"}  # the merged attribution keeps its first rule
    assert sum(r["overlap_recall"]["value"] for r in rules.values()) == pytest.approx(o["overlap_recall"]["value"])
    assert all(len(o[k]["ci95"]) == 2 for k in ("overlap_f1", "source_accuracy"))
    assert m["resolved_entity"]["accuracy"] is None and m["nested"]["n"] == 0


def test_statements_apart_when_asked_and_nested_ones_reported_both_ways():
    pred = [
        _rec("a", "s2", *WE_LOST, speaker=_at("Jones"), cue=_at("said", 30), kind="direct", rule="quote-after"),
        _rec("a", "s3", *BADLY, speaker=_at("Jones"), cue=_at("said", 30), kind="direct", rule="quote-continued"),
    ]
    apart = score_attributions(GOLD, pred, n_bootstrap=0, one_per_cue=False)
    assert apart["overall"]["n_pred"] == 2 and apart["overall"]["found"] == 1  # '"We lost,"' covers half of g2
    merged = merge_same_cue(pred)
    assert len(merged) == 1 and merged[0]["fragments"] == [list(WE_LOST), list(BADLY)]
    assert merged[0]["content"].startswith('"We lost,"') and len(merged[0]["content"]) == BADLY[1] - WE_LOST[0]
    # a statement whose cue lies inside another's content is nested: scored, and also left out
    outer = _rec("a", "p1", 0, 58, speaker=_at("Smith"), cue=_at("said"), rule="reported-clause")
    inner = _rec("a", "p2", *WE_LOST, speaker=_at("Jones"), cue=_at("said", 30), rule="quote-after")
    assert nested_predictions([outer, inner]) == {1}
    m = score_attributions(GOLD, [outer, inner], n_bootstrap=0)
    assert m["nested"]["n"] == 1
    assert m["nested"]["excluded"]["overlap_precision"]["value"] != m["nested"]["scored"]["overlap_precision"]["value"]


def _two_articles(text: str = TEXT) -> list[dict]:
    """GOLD in article "a", and again in article "b"."""
    return GOLD + [dict(g, doc_id="b") for g in GOLD]


def test_a_paired_comparison_resamples_articles_for_both_systems():
    gold = _two_articles()
    good = [dict(g, statement_id=f"p{k}") for k, g in enumerate(gold)]  # every attribution, every span right
    half = [p for p in good if p["doc_id"] == "a"] + [dict(p, speaker_start=p["cue_start"], speaker_end=p["cue_end"])
                                                      for p in good if p["doc_id"] == "b"][:2]
    d = compare_attributions(gold, good, half, n_bootstrap=200)
    a, b = score_attributions(gold, good, n_bootstrap=0), score_attributions(gold, half, n_bootstrap=0)
    assert d["overlap_f1"]["delta"] == pytest.approx(a["overall"]["overlap_f1"]["value"]
                                                     - b["overall"]["overlap_f1"]["value"], abs=1e-4)
    assert d["overlap_f1"]["delta"] > 0 and d["source_accuracy"]["delta"] > 0
    low, high = d["overlap_f1"]["ci95"]
    assert 0 <= low <= d["overlap_f1"]["delta"] <= high
    same = compare_attributions(gold, good, good, n_bootstrap=200)
    assert same["overlap_f1"] == {"delta": 0.0, "ci95": [0.0, 0.0], "p": 1.0}
    with pytest.raises(ValueError):
        compare_attributions(gold, good, half, n_bootstrap=0)


def test_the_table_gives_one_row_per_system_with_quoted_and_unquoted_f1():
    pred = [_rec("a", "s2", WE_LOST[0], BADLY[1], speaker=_at("Jones"), cue=_at("said", 30), kind="direct")]
    table = format_attribution_table({"quotes only": score_attributions(GOLD, pred, n_bootstrap=20)}, title="toy")
    head, columns, row = table.splitlines()
    assert head == "toy" and columns.split()[:4] == ["system", "P", "R", "F1"]
    values = row.split()
    # P 1, R 1/4, F1 0.4; quoted F1 1 (the one quoted gold found), unquoted F1 0 (three gold, none predicted)
    assert values[:5] == ["quotes", "only", "1.000", "0.250", "0.400"]
    assert values[-4:] == ["1.000", "0.000", "4", "1"]


@pytest.mark.parametrize("cue,kind", [("believes", "internal"), ("wants", "internal"), ("fears", "internal"),
                                      ("thinks", "internal"), ("had hoped", "internal"), ("is confident", "internal"),
                                      ("said", "speech"), ("told reporters", "speech"), ("according to", "speech")])
def test_cue_types_come_from_the_word_list(cue, kind):
    assert cue_type(cue) == kind


# ---------------------------------------------------------------------- polnear:SPLIT end to end
ARTICLE = ('Senator Jane Ortiz said the bill would fail in the House.\n\n'
           '"We will keep fighting," Ortiz told reporters. "This is not over."\n\n'
           'Many voters believe the economy is getting worse.\n')


def _polnear(root: Path) -> Path:
    folder = root / "polnear"
    for sub in ("text", "attributions"):
        (folder / "dev" / sub).mkdir(parents=True)
    name = "outlet_2016-10-01_bill"
    (folder / "dev" / "text" / f"{name}.txt").write_text(ARTICLE, encoding="utf-8")

    def span(tid: str, role: str, piece: str, after: int = 0) -> str:
        i = ARTICLE.index(piece, after)
        return f"{tid}\t{role} {i} {i + len(piece)}\t{piece}\n"

    q1, q2 = ARTICLE.index('"We will'), ARTICLE.index('"This')
    ann = (span("T1", "Source", "Senator Jane Ortiz") + span("T2", "Cue", "said")
           + span("T3", "Content", "the bill would fail in the House")
           + "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n"
           + span("T4", "Source", "Ortiz", 60) + span("T5", "Cue", "told")
           + f"T6\tContent {q1} {q1 + 23};{q2} {q2 + 17}\tx\n"
           + "E2\tAttribution:T5 Content:T6 Cue:T5 Source:T4\n"
           + span("T7", "Source", "Many voters") + span("T8", "Cue", "believe")
           + span("T9", "Content", "the economy is getting worse")
           + "E3\tAttribution:T8 Content:T9 Cue:T8 Source:T7\n")
    (folder / "dev" / "attributions" / f"{name}_ab12.ann").write_text(ann, encoding="utf-8")
    (folder / "metadata.tsv").write_text(
        "compartment\tfilename\tannotators\tpublisher\tpublication_date\ttitle\n"
        f"dev\t{name}\tab12\toutlet\t2016-10-01\tThe bill\n", encoding="utf-8")
    return root


def test_extract_and_evaluate_read_polnear_specs(tmp_path, monkeypatch, capsys):
    from stance.cli import main

    monkeypatch.setenv("STANCE_DATA_DIR", str(_polnear(tmp_path / "data")))
    pred = tmp_path / "pred.jsonl"
    assert main(["extract", "polnear:dev", "--output", str(pred)]) == 0
    rows = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    assert {r["outlet"] for r in rows} == {"outlet"} and {r["date"] for r in rows} == {"2016-10-01"}
    assert {r["cue_type"] for r in rows if r["cue"] == "believe"} == {"internal"}
    assert main(["evaluate", "--task", "extraction", "--gold", "polnear:dev", "--pred", str(pred),
                 "--bootstrap", "20", "--output", str(tmp_path / "eval")]) == 0
    printed = capsys.readouterr().out
    assert "source accuracy" in printed and "quote-after" in printed
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["n_gold"] == 3 and metrics["overall"]["found"] == 3
    assert metrics["overall"]["source_accuracy"]["value"] == 1.0
    assert metrics["by_cue_type"]["internal"]["found"] == 1


def test_the_benchmark_script_writes_its_run_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STANCE_DATA_DIR", str(_polnear(tmp_path / "data")))
    module = load_script("benchmark_polnear")
    out = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["benchmark_polnear.py", "--split", "dev", "--output", str(out),
                                      "--bootstrap", "20", "--annotators", "all"])
    module.main()
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == set(module.OWNED)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["found"] == 3 and metrics["run"]["words"] > 0 and metrics["annotators"] == "all"
    assert "words/s" in capsys.readouterr().out
    with pytest.raises(Exception, match="earlier run"):
        module.main()  # an earlier run is replaced only with --overwrite
