"""The PolNeAR reader: brat standoff attributions as statement records."""
from __future__ import annotations

import pytest

from stance.corpora.polnear import load_polnear, parse_annotation
from stance.errors import InputError

ARTICLE = 'Trump said the wall "will be beautiful." "We win," he told reporters, "big." Voters fear it.'


def _write(tmp_path, ann: str, name: str = "outlet_2016-01-01_story", annotator: str = "ab12", split: str = "dev"):
    root = tmp_path / "polnear"
    (root / split / "text").mkdir(parents=True, exist_ok=True)
    (root / split / "attributions").mkdir(parents=True, exist_ok=True)
    (root / split / "text" / f"{name}.txt").write_text(ARTICLE, encoding="utf-8")
    (root / split / "attributions" / f"{name}_{annotator}.ann").write_text(ann, encoding="utf-8")
    return root


def _span(tid: str, role: str, start: int, end: int) -> str:
    return f"{tid}\t{role} {start} {end}\t{ARTICLE[start:end]}\n"


def test_an_attribution_becomes_a_statement_with_exact_offsets(tmp_path):
    ann = (_span("T1", "Source", 0, 5) + _span("T2", "Cue", 6, 10) + _span("T3", "Content", 11, 40)
           + "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n")
    root = _write(tmp_path, ann)
    [article] = load_polnear("dev", root)
    [s] = article.statements
    assert (s["speaker"], s["cue"], s["content"]) == ("Trump", "said", 'the wall "will be beautiful."')
    assert ARTICLE[s["start"]:s["end"]] == s["content"]
    assert ARTICLE[s["speaker_start"]:s["speaker_end"]] == "Trump"
    assert (s["quoted"], s["kind"]) == ("partial", "mixed")


def test_a_discontinuous_quote_keeps_its_fragments_and_counts_as_fully_quoted(tmp_path):
    first, second = ARTICLE.index('"We win,"'), ARTICLE.index('"big."')
    ann = (f"T1\tContent {first} {first + 9};{second} {second + 6}\tx\n" + _span("T2", "Source", 51, 53)
           + _span("T3", "Cue", 54, 58) + "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2\n")
    [s] = load_polnear("dev", _write(tmp_path, ann))[0].statements
    assert s["fragments"] == [[first, first + 9], [second, second + 6]]
    assert (s["speaker"], s["cue"], s["quoted"], s["kind"]) == ("he", "told", "full", "direct")


def test_an_attribution_without_source_has_no_speaker_and_unquoted_content_is_reported(tmp_path):
    start = ARTICLE.index("it.")
    ann = _span("T1", "Cue", start - 5, start - 1) + _span("T2", "Content", start, start + 2) + \
        "E1\tAttribution-no-source:T1 Content:T2 Cue:T1\n"
    [s] = load_polnear("dev", _write(tmp_path, ann))[0].statements
    assert s["speaker"] is None and s["speaker_start"] is None
    assert (s["content"], s["quoted"], s["kind"]) == ("it", "none", "reported")


def test_a_span_outside_the_article_names_file_line_and_span(tmp_path):
    root = _write(tmp_path, "T1\tContent 5 500\tx\nE1\tAttribution:T1 Content:T1\n")
    with pytest.raises(InputError) as err:
        load_polnear("dev", root)
    assert str(err.value).endswith("_ab12.ann:1: field 'T1': span 5-500 outside the article (92 characters)")


def test_each_annotators_file_is_a_gold_set_and_the_first_is_the_default(tmp_path):
    root = _write(tmp_path, _span("T1", "Content", 11, 40) + "E1\tAttribution:T1 Content:T1\n", annotator="aa")
    _write(tmp_path, "", annotator="bb")
    assert [a.annotator for a in load_polnear("dev", root)] == ["aa"]
    assert [(a.annotator, len(a.statements)) for a in load_polnear("dev", root, annotators="all")] == [("aa", 1), ("bb", 0)]


def test_the_real_dev_split_reads_with_offsets_that_match_the_text(data_dir):
    articles = load_polnear("dev", data_dir / "polnear")
    assert len(articles) == 84
    statements = [s for a in articles for s in a.statements]
    assert len(statements) > 2000
    texts = {a.doc_id: a.text for a in articles}
    for s in statements:
        assert texts[s["doc_id"]][s["start"]:s["end"]] == s["content"]
    assert {s["kind"] for s in statements} == {"direct", "mixed", "reported"}
