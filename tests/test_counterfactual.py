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


# ---------------------------------------------------------------------- counterfactual speakers in training
def _training_records() -> list[dict]:
    sentences = [("Sergei Lavrov blamed Washington.", "Sergei Lavrov", "Washington", "negative"),
                 ("John F. Kerry praised Moscow.", "John F. Kerry", "Moscow", "positive"),
                 ("The Kremlin rejected the plan.", "The Kremlin", "the plan", "negative"),
                 ("Nancy Pelosi met Mitch McConnell.", "Nancy Pelosi", "Mitch McConnell", "neutral")]
    out = []
    for k in range(40):
        text, source, target, label = sentences[k % 4]
        s, t = text.index(source), text.index(target)
        out.append({"statement_id": f"r{k}", "text": text, "source": source, "source_start": s,
                    "source_end": s + len(source), "target": target, "target_start": t, "target_end": t + len(target),
                    "stance": label})
    return out


def test_person_names_are_sources_written_as_names_not_institutions():
    from stance.augment import person_names

    assert person_names(_training_records()) == ["John F. Kerry", "Nancy Pelosi", "Sergei Lavrov"]


def test_swapped_speakers_keep_label_target_and_count_and_are_reproducible():
    from stance.augment import swap_speakers

    records = _training_records()
    out = swap_speakers(records, 0.5, seed=3)
    assert len(out) == len(records) and out == swap_speakers(records, 0.5, seed=3)
    changed = [(a, b) for a, b in zip(records, out) if a["source"] != b["source"]]
    assert 10 <= len(changed) <= 30  # about half, seeded
    for before, after in changed:
        assert after["stance"] == before["stance"] and after["statement_id"] == before["statement_id"]
        assert after["text"][after["source_start"]:after["source_end"]] == after["source"]
        assert after["text"][after["target_start"]:after["target_end"]] == before["target"]
        assert before["source"] not in after["text"] and after["source"] in ("John F. Kerry", "Nancy Pelosi",
                                                                              "Sergei Lavrov")
    assert {b["source"] for _, b in changed} >= {"John F. Kerry", "Sergei Lavrov"}
    assert records == _training_records()  # the input is not changed
    assert swap_speakers(records, 0.0, seed=3) == records


def test_a_drawn_name_already_in_the_text_leaves_the_speaker_alone():
    from stance.augment import swap_speakers

    records = [r for r in _training_records() if r["source"] == "Nancy Pelosi"][:3]
    records.append(dict(records[0], source="Mitch McConnell", source_start=records[0]["text"].index("Mitch"),
                        source_end=len(records[0]["text"]) - 1, statement_id="m"))
    out = swap_speakers(records, 1.0, seed=0)  # names: Mitch McConnell, Nancy Pelosi: both in every text
    assert out == records


def test_a_share_outside_zero_to_one_is_refused():
    import pytest

    from stance.augment import swap_speakers

    with pytest.raises(ValueError, match="share"):
        swap_speakers(_training_records(), 1.5, seed=0)


def test_a_source_the_text_does_not_name_is_left_alone():
    from stance.augment import swap_speakers

    records = _training_records()
    unnamed = {"statement_id": "u", "text": "The president blamed Moscow.", "source": "Barack Obama", "stance": "negative"}
    out = swap_speakers(records + [unnamed] * 10, 1.0, seed=0)
    assert out[-10:] == [unnamed] * 10 and out[:-10] != records


def test_with_same_side_the_new_speaker_comes_from_the_old_speakers_side():
    from stance.augment import swap_speakers

    records = _training_records()
    side = {"Sergei Lavrov": "east", "John F. Kerry": "west", "Nancy Pelosi": "west", "The Kremlin": "east"}
    records = [dict(r, source_ideology=side[r["source"]]) for r in records]
    records += [dict(r, statement_id=f"{r['statement_id']}b", source="Maria Zakharova",
                     text=r["text"].replace("Sergei Lavrov", "Maria Zakharova"))
                for r in records if r["source"] == "Sergei Lavrov"]
    out = swap_speakers(records, 1.0, seed=0, same_side="source_ideology")
    changed = [(a, b) for a, b in zip(records, out) if a["source"] != b["source"]]
    assert changed
    names_side = {"Sergei Lavrov": "east", "Maria Zakharova": "east", "John F. Kerry": "west", "Nancy Pelosi": "west"}
    assert all(names_side[b["source"]] == a["source_ideology"] for a, b in changed)
    # without it, some swaps cross sides
    anyone = swap_speakers(records, 1.0, seed=0)
    assert any(names_side[b["source"]] != a["source_ideology"] for a, b in zip(records, anyone) if a["source"] != b["source"])
