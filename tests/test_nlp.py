"""The English spaCy pipeline as the extractor uses it: the components it never reads are left out, a
paragraph break always ends a sentence, named entities come from the proper-noun runs, and an article of
any length parses into one Doc with the article's own character offsets."""
from __future__ import annotations

import pytest

from stance.errors import StanceError
from stance.nlp import (
    BLOCK_CHARS,
    NAMES_COMPONENT,
    PARAGRAPH_COMPONENT,
    load_nlp,
    parse,
    parse_many,
    split_blocks,
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


# --------------------------------------------------------------------------- the pipeline
def test_the_default_pipeline_marks_paragraphs_before_parsing_and_tags_names_only(nlp):
    names = nlp.pipe_names
    assert "lemmatizer" not in names and "attribute_ruler" not in names and "ner" not in names
    assert names.index(PARAGRAPH_COMPONENT) < names.index("parser")
    assert names[-1] == NAMES_COMPONENT


def test_full_ner_keeps_the_model_s_ner_and_none_has_no_entities():
    assert "ner" in load_nlp(ner="full").pipe_names and NAMES_COMPONENT not in load_nlp(ner="full").pipe_names
    none = load_nlp(ner="none")
    assert "ner" not in none.pipe_names and NAMES_COMPONENT not in none.pipe_names
    assert list(none("Sergei Lavrov met John Kerry in Sochi.").ents) == []


def test_the_pipeline_is_loaded_once(nlp):
    assert load_nlp() is nlp


def test_an_unknown_ner_mode_is_refused():
    with pytest.raises(StanceError, match="ner must be"):
        load_nlp(ner="fast")


# --------------------------------------------------------------------------- sentences and names
@pytest.mark.parametrize("text, sentences", [
    pytest.param("Talks in Sochi\n\nThe minister said the talks were useful.",
                 ["Talks in Sochi", "The minister said the talks were useful."], id="blank-line-after-a-headline"),
    pytest.param("A headline without a stop\nThe minister said the talks were useful.",
                 ["A headline without a stop", "The minister said the talks were useful."], id="single-newlines-only"),
])
def test_a_paragraph_break_ends_a_sentence(nlp, text, sentences):
    assert [s.text.strip() for s in parse(text, nlp=nlp).sents] == sentences


def test_a_party_state_tag_ends_a_sentence(nlp):
    doc = parse("The bill passed, said Sen. Josh Hawley, R-Mo. Hawley added that he was pleased.", nlp=nlp)
    assert [s.text for s in doc.sents][-1] == "Hawley added that he was pleased."


def test_people_and_places_in_proper_noun_runs_are_named_entities(nlp):
    doc = parse("Foreign Minister Sergei Lavrov met Secretary of State John Kerry in Sochi on Tuesday.", nlp=nlp)
    entities = {(e.text, e.label_) for e in doc.ents}
    assert {("Sergei Lavrov", "PERSON"), ("John Kerry", "PERSON")} <= entities
    assert all(token.tag_ in ("NNP", "NNPS", "POS") for e in doc.ents for token in e)  # inside proper-noun runs only


# --------------------------------------------------------------------------- long articles
@pytest.mark.parametrize("text, max_chars, blocks", [
    pytest.param("short", 10, ["short"], id="fits"),
    pytest.param("aaaa\nbbbb\ncccc", 10, ["aaaa\nbbbb\n", "cccc"], id="after-a-newline"),
    pytest.param("One two. Three four five.", 12, ["One two. ", "Three four ", "five."], id="after-a-sentence-end"),
    pytest.param("abcdefghij", 4, ["abcd", "efgh", "ij"], id="anywhere"),
])
def test_blocks_are_cut_at_the_best_break_and_join_back_to_the_text(text, max_chars, blocks):
    assert split_blocks(text, max_chars) == blocks
    assert "".join(blocks) == text and all(len(b) <= max_chars for b in blocks)


def test_a_long_article_parses_into_one_doc_with_its_own_offsets(nlp):
    paragraph = "“We will not accept these terms,” Chancellor Olaf Scholz said on Monday.\n\n"
    long = paragraph * (BLOCK_CHARS // len(paragraph) + 2)
    texts = ["A short one.", long, "Another short one, said Kerry."]
    docs = list(parse_many(texts, nlp=nlp))
    assert [d.text for d in docs] == texts  # one Doc per article, in order
    doc = docs[1]
    assert len(split_blocks(long)) > 1
    last = [t for t in doc if t.text == "Scholz"][-1]
    assert long[last.idx : last.idx + len("Scholz")] == "Scholz" and last.idx > BLOCK_CHARS
    assert [s.text.strip() for s in doc.sents].count(paragraph.strip()) == long.count(paragraph)
