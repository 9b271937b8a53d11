"""Party gazetteers: mentions to party codes, targets, and config errors."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from stance.errors import ConfigError
from stance.parties import PartyConfig

CONFIGS = Path(__file__).resolve().parent.parent / "configs" / "parties"


@pytest.fixture(scope="module")
def us_russia() -> PartyConfig:
    return PartyConfig.from_yaml(CONFIGS / "us_russia.yaml")


@pytest.fixture(scope="module")
def us_parties() -> PartyConfig:
    return PartyConfig.from_yaml(CONFIGS / "us_parties.yaml")


@pytest.mark.parametrize("mention, party", [
    ("U.S. officials traveling with him", "US"),
    ("a Kremlin spokesman", "RU"),
    ("Russia’s Foreign Ministry", "RU"),
    ("the State Department", "US"),
    ("the unnamed state department official", "US"),
    ("Washington", "US"),
    ("Moscow", "RU"),
    ("Dmitry Peskov", "RU"),
    ("Peskov", "RU"),
    ("Foreign Minister Lavrov", "RU"),
    ("Sergey Lavrov", "RU"),
    ("Secretary of State Antony Blinken", "US"),
    ("President Obama", "US"),
    ("Russian diplomats", "RU"),
    ("the U.S. ambassador to Russia", "US"),      # the earliest party named wins
    ("Russia's ambassador to the U.S.", "RU"),
    ("Gates", "US"),
    # unknown stays None
    ("the official", None),
    ("Ukraine's foreign minister", None),
    ("pro-Russia separatists", None),
    ("The Washington Post", None),                # excluded phrase
    ("Bill Gates", None),                         # a surname next to another first name
    ("us", None),                                 # the pronoun is not the acronym
    ("", None),
    (None, None),
])
def test_us_russia_party_of(us_russia, mention, party):
    assert us_russia.party_of(mention) == party


@pytest.mark.parametrize("speaker_party, content, target", [
    ("US", "The talks were useful.", "RU"),
    ("RU", "Washington chose isolation.", "US"),
    (None, "Moscow must withdraw its troops.", "RU"),   # unknown speaker: the party the content names
    (None, "The weather was fine.", None),
])
def test_bilateral_target_is_the_other_party(us_russia, speaker_party, content, target):
    assert us_russia.target_party(speaker_party, content) == target
    assert us_russia.display_name(target) == {"US": "United States", "RU": "Russia", None: None}[target]


def test_us_parties_reads_the_ideology_kb(us_parties):
    # politicians only the knowledge base knows (not listed in the YAML)
    assert len(us_parties.parties["DEM"].kb_people) > 500 and len(us_parties.parties["REP"].kb_people) > 500
    assert us_parties.party_of("Sen. Joe Manchin") == "DEM"
    assert us_parties.party_of("Susan Collins") == "REP"
    assert us_parties.person_party("Joseph Biden") == "DEM"
    # middle initials as news writes them ('Paul D. Ryan', 'Adam B. Schiff')
    assert us_parties.person_party("Paul D. Ryan") == "REP" and us_parties.person_party("Adam B. Schiff") == "DEM"


@pytest.mark.parametrize("mention, party", [
    ("Sen. Elizabeth Warren (D-Mass.)", "DEM"),
    ("Rep. Kevin Brady (R-Texas)", "REP"),
    ("House Democrats", "DEM"),
    ("the GOP", "REP"),
    ("Republican lawmakers", "REP"),
    ("the White House", None),                       # changes hands: no party
    ("Democratic Republic of Congo", None),          # excluded phrase
    ("Bernie Sanders", None),                        # an independent
])
def test_us_parties_party_of(us_parties, mention, party):
    assert us_parties.party_of(mention) == party


@pytest.mark.parametrize("speaker_party, content, target", [
    ("DEM", "Republicans blocked the bill again.", "REP"),
    ("REP", "Republicans and Democrats must agree.", "DEM"),  # the speaker's own party is skipped
    ("DEM", "The bill passed.", None),
])
def test_non_bilateral_target_is_the_party_the_content_names(us_parties, speaker_party, content, target):
    assert us_parties.target_party(speaker_party, content) == target


def test_missing_knowledge_base_is_a_warning(tmp_path, caplog):
    path = tmp_path / "p.yaml"
    path.write_text("parties:\n  A: {name: Alpha, aliases: [Alphaland]}\n"
                    "ideology_kb: {path: nowhere/kb.json, parties: {Democratic: A}}\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="stance.parties"):
        config = PartyConfig.from_yaml(path)
    assert "ideology_kb not loaded" in caplog.text
    assert config.party_of("the Alphaland government") == "A"


@pytest.mark.parametrize("text, field, line", [
    ("parties: [a, b", None, 1),
    ("parties:\n  A: Alpha\nfriends: []\n", "friends", None),
    ("parties: {}\n", "parties", None),
    ("bilateral: true\nparties: {A: Alpha, B: Beta, C: Gamma}\n", "bilateral", None),
    ("parties:\n  A: {name: Alpha, pattern: x}\n", "parties.A", None),
    ("parties:\n  A: {name: Alpha, patterns: ['(']}\n", "parties.A.patterns", None),
    ("parties:\n  A: {name: Alpha, aliases: 3}\n", "parties.A.aliases", None),
])
def test_bad_config_is_a_config_error(tmp_path, text, field, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        PartyConfig.from_yaml(path)
    assert err.value.field == field and err.value.line == line and str(path) in str(err.value)
