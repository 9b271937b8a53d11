"""Kinds of attribution cue: speech ("said", "told") or an internal state ("believes", "wants",
"fears", "thinks", "hopes").

The internal-state words are a data file (``stance/data/internal_state_cues.txt``: one lemma a
line, irregular forms after it), read once. :func:`cue_type` sorts a cue as written ("is
confident", "had hoped") by its words, so that gold cues of an annotated corpus and the cues
the extractor finds are sorted by one list. Users who keep attitudes out of stance work drop
the statements whose ``cue_type`` is ``"internal"``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

SPEECH = "speech"
INTERNAL = "internal"
CUE_TYPES = (SPEECH, INTERNAL)
_WORD = re.compile(r"[a-z]+")


def inflections(lemma: str) -> set[str]:
    """A regular verb's forms: ``lemma``, third person, past and present participle."""
    forms = {lemma}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif re.search(r"(s|sh|ch|x|z)$", lemma):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    elif re.search(r"[^aeiou]y$", lemma):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return forms


def read_word_list(name: str) -> list[list[str]]:
    """The lines of a word list shipped in ``stance/data`` (``name`` relative to it, e.g.
    ``words/speech_verbs.txt``; comments and blank lines left out), each split into words."""
    text = resources.files("stance").joinpath("data", *name.split("/")).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=None)
def internal_state_forms() -> dict[str, str]:
    """Every form of an internal-state word -> its lemma."""
    forms: dict[str, str] = {}
    for lemma, *irregular in read_word_list("internal_state_cues.txt"):
        for form in inflections(lemma) | set(irregular):
            forms.setdefault(form, lemma)
    return forms


def internal_state_lemmas() -> frozenset[str]:
    return frozenset(internal_state_forms().values())


def cue_type(cue: str | None) -> str | None:
    """``"internal"`` when a word of the cue is an internal-state word, ``"speech"`` otherwise;
    ``None`` for no cue."""
    if not cue:
        return None
    forms = internal_state_forms()
    return INTERNAL if any(w in forms for w in _WORD.findall(cue.lower().replace("’", "'"))) else SPEECH
