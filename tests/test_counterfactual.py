"""The speaker-swap check: same content, another person of the same party."""
from __future__ import annotations

from stance.counterfactual import speaker_swap_check, swap_speaker
from stance.parties import PartyConfig

PARTIES = PartyConfig.from_dict({
    "bilateral": True,
    "parties": {
        "US": {"name": "United States", "aliases": ["U.S."], "people": ["John Kerry", "Antony Blinken", "Jen Psaki"]},
        "RU": {"name": "Russia", "aliases": ["Kremlin"], "titles": ["Foreign Ministry"],
               "people": ["Dmitry Peskov", "Sergei Lavrov", "Maria Zakharova"]},
    },
})


def test_swap_replaces_the_marked_speaker_and_moves_the_spans_after_it():
    record = {"statement_id": "s1", "text": "Spokesman Dmitry Peskov blamed Washington.", "source": "Dmitry Peskov",
              "source_start": 10, "source_end": 23, "target": "Washington", "target_start": 31, "target_end": 41}
    out = swap_speaker(record, "Maria Zakharova")
    assert out["text"] == "Spokesman Maria Zakharova blamed Washington."
    assert out["text"][out["source_start"]:out["source_end"]] == "Maria Zakharova"
    assert out["text"][out["target_start"]:out["target_end"]] == "Washington"
    assert out["source"] == "Maria Zakharova" and record["source"] == "Dmitry Peskov"  # the input is not changed


def test_swap_without_spans_replaces_the_mention_in_text_and_context_as_whole_words():
    record = {"statement_id": "s2", "text": "We are open to dialogue.", "source": "Peskov", "speaker": "Peskov",
              "context": "\u201cWe are open to dialogue,\u201d Peskov said; Peskovism is no word."}
    out = swap_speaker(record, "Sergei Lavrov")
    assert out["context"] == "\u201cWe are open to dialogue,\u201d Sergei Lavrov said; Peskovism is no word."
    assert out["speaker"] == "Sergei Lavrov" and out["text"] == record["text"]


def _records():
    return [
        {"statement_id": "a", "text": "We are open to dialogue.", "source": "Dmitry Peskov", "target": "U.S.", "speaker_party": "RU"},
        {"statement_id": "b", "text": "The sanctions must end.", "source": "the Foreign Ministry", "target": "U.S."},
        {"statement_id": "c", "text": "Talks went well.", "source": "John Kerry", "target": "Russia"},
        {"statement_id": "d", "text": "Nothing here.", "source": "a passer-by", "target": "Russia"},  # no party: not swapped
    ]


def test_a_classifier_that_reads_only_the_content_never_flips():
    check = speaker_swap_check(_records(), lambda rs: ["positive" if "open" in r["text"] else "neutral" for r in rs],
                               PARTIES, n_swaps=2)
    assert check["n_swapped_records"] == 3 and check["n_swaps"] == 6
    assert check["flip_share"] == 0.0 and check["records_flipped"] == 0.0
    assert all(r["swapped_to"] != r["source"] for r in check["rows"])


def test_a_classifier_that_reads_the_speaker_is_caught():
    def by_name(rs):
        return ["negative" if r["source"] == "John Kerry" else "neutral" for r in rs]

    check = speaker_swap_check(_records(), by_name, PARTIES, n_swaps=2)
    # c flips on both of its swaps (Kerry is swapped out), a and b never (Kerry is no Russian swap)
    assert check["n_flipped"] == 2 and check["flip_share"] == 2 / 6
    assert check["records_flipped"] == 1 / 3
    assert {r["statement_id"] for r in check["rows"] if r["flipped"]} == {"c"}


def test_swaps_are_drawn_from_the_same_party_and_are_reproducible():
    one = speaker_swap_check(_records(), lambda rs: ["neutral"] * len(rs), PARTIES, n_swaps=2, seed=7)
    two = speaker_swap_check(_records(), lambda rs: ["neutral"] * len(rs), PARTIES, n_swaps=2, seed=7)
    assert one["rows"] == two["rows"]
    us_people = set(PARTIES.parties["US"].people)
    assert {r["swapped_to"] for r in one["rows"] if r["statement_id"] == "c"} <= us_people - {"John Kerry"}
