"""Party gazetteers: map a speaker or a mention to a party code, from a YAML file.

A config (see ``configs/parties/``) names each party with its display name, the names of the
party itself (``aliases``: "Russia", "Moscow", "the Kremlin"), roles and institutions
(``titles``: "State Department", "Foreign Ministry spokeswoman"), people (full names, optionally
with their own aliases), and regular expressions (``patterns``: "(D-N.Y.)"). People can also be
read at run time from SEESAW's ``ideologyKB.json`` (politician -> party)::

    name: us_russia
    bilateral: true          # the target of a statement is the other party
    exclude: [Washington Post]
    parties:
      US:
        name: United States
        aliases: [United States, U.S., Washington]
        titles: [State Department, White House]
        people: [John Kerry, {name: Antony Blinken, aliases: [Tony Blinken]}]
    ideology_kb:             # optional
      path: seesaw/ideologyKB.json   # relative to $STANCE_DATA_DIR
      parties: {Democratic: DEM, Republican: REP}

Matching works on words: a phrase matches when its words occur in a row in the mention, ignoring
case, except for acronyms (``US``, ``U.S.``) and people's names, which must match their case. A
person's surname alone matches when no other person in the config shares it. When a mention
names several parties, the earliest one wins ("the U.S. ambassador to Russia" -> US). A mention
that names no party maps to ``None``: nothing is guessed.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .paths import data_dir

log = logging.getLogger(__name__)

OPPOSED_SIDES = frozenset({"Liberal", "Conservative"})  # the sides that oppose each other (SEESAW's ideologies)

# words: dotted acronyms (U.S., U.N.), or runs of letters/digits joined by - or '
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[\w]+(?:[-'][\w]+)*")
_POSSESSIVE = re.compile(r"'s?$")
_TITLE_WORDS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "sen", "rep", "gov", "gen", "lt", "col", "prof"}
MAX_PHRASE_WORDS = 8
# the two political sides that oppose each other, as SEESAW names its speakers' and targets' ideologies
# (a Moderate or an unknown ideology is on neither side)
OPPOSED_SIDES = frozenset({"Liberal", "Conservative"})


def _normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")


def _words(text: str) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` for each word of ``text``; possessive 's is dropped."""
    out = []
    for match in _WORD.finditer(_normalise(text)):
        word = match.group()
        if "'" in word and not word.endswith("'t"):
            stripped = _POSSESSIVE.sub("", word)
            if stripped:
                out.append((stripped, match.start(), match.start() + len(stripped)))
                continue
        out.append((word, match.start(), match.end()))
    return out


def _name_key(name: str) -> tuple[str, ...]:
    """The words of a person's name without titles and middle initials: "Sen. Mitch McConnell" ->
    ("Mitch", "McConnell"), "Paul D. Ryan" -> ("Paul", "Ryan")."""
    words = [w for w, _, _ in _words(name) if w.lower().rstrip(".") not in _TITLE_WORDS]
    return tuple(w for k, w in enumerate(words) if not (0 < k < len(words) - 1 and _INITIALS.fullmatch(w)))


_INITIALS = re.compile(r"(?:[A-Z]\.?)+")


# words that may stand before a surname without making it someone else's ("President Putin")
_BEFORE_SURNAME = frozenset("""
mr mrs ms miss dr sir dame sen senator rep representative gov governor gen general lt col adm admiral
president vice secretary minister prime foreign defense defence deputy ambassador envoy spokesman
spokeswoman spokesperson leader chairman chairwoman chair chancellor premier speaker congressman
congresswoman mayor judge justice attorney director chief commander the a an and or but of by for
with to from on in at as said says told according
""".split())


def _lone_surname(words: list[tuple[str, int, int]], i: int) -> bool:
    """A surname stands alone unless a capitalised name-like word touches it ("Boris Johnson")."""
    if i > 0:
        prev = words[i - 1][0]
        if prev[:1].isupper() and prev.lower().rstrip(".") not in _BEFORE_SURNAME:
            return False
    if i + 1 < len(words):
        nxt = words[i + 1][0]
        if nxt[:1].isupper() and len(nxt) > 1 and not nxt.isupper():
            return False
    return True


def _is_acronym(phrase: str) -> bool:
    letters = [c for c in phrase if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@dataclass
class Party:
    """One party: its code, display name and the phrases that refer to it."""

    code: str
    name: str
    aliases: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    person_aliases: dict[str, str] = field(default_factory=dict)  # alias -> full name
    kb_people: list[str] = field(default_factory=list)  # from a knowledge base: full names only
    patterns: list[str] = field(default_factory=list)


@dataclass
class PartyConfig:
    """Parties and the phrases that map to them; ``party_of`` is the lookup."""

    parties: dict[str, Party]
    bilateral: bool = False
    exclude: list[str] = field(default_factory=list)
    name: str | None = None
    source: str | None = None
    _index_ci: dict[tuple[str, ...], str] = field(default_factory=dict, init=False, repr=False)
    _index_cs: dict[tuple[str, ...], str] = field(default_factory=dict, init=False, repr=False)
    _people: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list, init=False, repr=False)
    _exclude: list[tuple[str, ...]] = field(default_factory=list, init=False, repr=False)
    _surnames: set[tuple[str, ...]] = field(default_factory=set, init=False, repr=False)
    _starts_cs: set[str] = field(default_factory=set, init=False, repr=False)
    _starts_ci: set[str] = field(default_factory=set, init=False, repr=False)
    _longest: int = field(default=1, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.parties:
            raise ConfigError(self.source, "no parties defined", field="parties")
        if self.bilateral and len(self.parties) != 2:
            raise ConfigError(self.source, f"bilateral needs exactly 2 parties, got {len(self.parties)}",
                              field="bilateral")
        self._build_index()

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> PartyConfig:
        """Read a party config (a file, or a packaged one by name: ``us_russia``, ``configs/parties/us_russia.yaml``;
        :func:`stance.config.find_config`); a missing file or a malformed field is a ConfigError."""
        import yaml

        from .config import find_config
        from .io import load_yaml, read_text

        path = find_config(path, "parties")
        try:
            data = load_yaml(read_text(path), path)
        except yaml.YAMLError as err:
            line = getattr(getattr(err, "problem_mark", None), "line", None)
            raise ConfigError(path, f"malformed YAML: {getattr(err, 'problem', err)}",
                              line=line + 1 if line is not None else None) from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> PartyConfig:
        if not isinstance(data, Mapping):
            raise ConfigError(source, "expected a mapping at the top level")
        unknown = set(data) - {"name", "description", "bilateral", "exclude", "parties", "ideology_kb"}
        if unknown:
            raise ConfigError(source, f"unknown key(s) {sorted(unknown)}", field=sorted(unknown)[0])
        raw_parties = data.get("parties")
        if not isinstance(raw_parties, Mapping) or not raw_parties:
            raise ConfigError(source, "expected a mapping of party code -> party", field="parties")
        parties = {str(code): _party_from_dict(str(code), spec, source) for code, spec in raw_parties.items()}
        kb = data.get("ideology_kb")
        if kb is not None:
            _add_ideology_kb(parties, kb, source)
        return cls(
            parties=parties,
            bilateral=bool(data.get("bilateral", False)),
            exclude=_str_list(data.get("exclude"), "exclude", source),
            name=data.get("name"),
            source=source,
        )

    def _build_index(self) -> None:
        people_by_surname: dict[str, set[str]] = {}
        for code, party in self.parties.items():
            for phrase in [code, party.name, *party.aliases, *party.titles]:
                key = tuple(w for w, _, _ in _words(phrase))
                if not key:
                    continue
                if _is_acronym(phrase):
                    self._index_cs[key] = code
                else:
                    self._index_ci[tuple(w.lower() for w in key)] = code
            for person in [*party.people, *party.person_aliases, *party.kb_people]:
                key = _name_key(person)
                if key:
                    self._people[" ".join(key)] = code
                    self._index_cs[key] = code
            for person in party.people:
                key = _name_key(person)
                if len(key) >= 2 and len(key[-1]) > 2:
                    people_by_surname.setdefault(key[-1], set()).add(" ".join(key))
            for pattern in party.patterns:
                self._patterns.append((re.compile(pattern), code))
        # a curated person's surname alone maps only when no other person in the config has it
        for surname, people in people_by_surname.items():
            codes = {self._people[person] for person in people}
            if len(codes) == 1 and (surname,) not in self._index_cs and (surname.lower(),) not in self._index_ci:
                self._index_cs[(surname,)] = codes.pop()
                self._surnames.add((surname,))
        self._exclude = [tuple(w.lower() for w, _, _ in _words(p)) for p in self.exclude]
        self._starts_cs = {key[0] for key in self._index_cs}
        self._starts_ci = {key[0] for key in self._index_ci}
        self._longest = max(len(k) for k in [*self._index_cs, *self._index_ci, ("",)])

    # ------------------------------------------------------------------ lookup
    def matches(self, text: str | None) -> list[tuple[int, int, str]]:
        """Every party mention in ``text`` as ``(start, end, code)``, in order, longest first
        where they overlap; phrases under ``exclude`` never match."""
        if not text:
            return []
        words = _words(text)
        lower = [w.lower() for w, _, _ in words]
        blocked = [False] * len(words)
        for phrase in self._exclude:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if lower[i] == phrase[0] and tuple(lower[i : i + n]) == phrase:
                    blocked[i : i + n] = [True] * n
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            hit = None
            if words[i][0] not in self._starts_cs and lower[i] not in self._starts_ci:
                i += 1
                continue
            for n in range(min(self._longest, MAX_PHRASE_WORDS, len(words) - i), 0, -1):
                if any(blocked[i : i + n]):
                    continue
                exact = tuple(w for w, _, _ in words[i : i + n])
                code = self._index_cs.get(exact) or self._index_ci.get(tuple(lower[i : i + n]))
                if code and exact in self._surnames and not _lone_surname(words, i):
                    code = None
                if code:
                    hit = (n, code)
                    break
            if hit:
                n, code = hit
                found.append((words[i][1], words[i + n - 1][2], code))
                i += n
            else:
                i += 1
        for pattern, code in self._patterns:
            for match in pattern.finditer(_normalise(text)):
                if not any(s <= match.start() < e for s, e, _ in found):
                    found.append((match.start(), match.end(), code))
        return sorted(found)

    def party_of(self, mention: str | None) -> str | None:
        """The party a speaker mention belongs to: by name, alias, person or title; the earliest
        party named wins; ``None`` when it names none."""
        found = self.matches(mention)
        return found[0][2] if found else None

    def person_party(self, name: str | None) -> str | None:
        """The party of a person known by full name (title words ignored), else ``None``."""
        if not name:
            return None
        return self._people.get(" ".join(_name_key(name)))

    def speaker_party(self, name: str | None, description: str | None = None) -> str | None:
        """The party of a speaker: of the person ``name`` is (by full name), else the party its
        words name, else the party the words that ``description`` holds name ("a spokesman for the
        Kremlin"); ``None`` when none."""
        return self.person_party(name) or self.party_of(name) or self.party_of(description)

    def display_name(self, code: str | None) -> str | None:
        return self.parties[code].name if code in self.parties else None

    def other_party(self, code: str | None) -> str | None:
        """The other party of a bilateral config; ``None`` otherwise or when ``code`` is unknown."""
        if not self.bilateral or code not in self.parties:
            return None
        return next(c for c in self.parties if c != code)

    def target_party(self, speaker_party: str | None, content: str | None) -> str | None:
        """The other party of a bilateral config when the speaker's party is known; else the
        first party the content names other than the speaker's; else ``None``."""
        other = self.other_party(speaker_party)
        if other is not None:
            return other
        for _, _, code in self.matches(content):
            if code != speaker_party:
                return code
        return None


# ---------------------------------------------------------------------- helpers
def _str_list(value: Any, where: str, source: str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, "expected a list of strings", field=where)
    return list(value)


def _party_from_dict(code: str, spec: Any, source: str | None) -> Party:
    if isinstance(spec, str):
        return Party(code=code, name=spec)
    if not isinstance(spec, Mapping):
        raise ConfigError(source, "expected a mapping with name, aliases, titles, people", field=f"parties.{code}")
    unknown = set(spec) - {"name", "aliases", "titles", "people", "patterns"}
    if unknown:
        raise ConfigError(source, f"unknown key(s) {sorted(unknown)}", field=f"parties.{code}")
    people: list[str] = []
    person_aliases: dict[str, str] = {}
    for item in spec.get("people") or []:
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            people.append(item["name"])
            for alias in _str_list(item.get("aliases"), f"parties.{code}.people", source):
                person_aliases[alias] = item["name"]
        else:
            raise ConfigError(source, "a person is a name or {name:, aliases: [...]}", field=f"parties.{code}.people")
    patterns = _str_list(spec.get("patterns"), f"parties.{code}.patterns", source)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as err:
            raise ConfigError(source, f"bad regular expression {pattern!r}: {err}", field=f"parties.{code}.patterns")
    return Party(
        code=code,
        name=str(spec.get("name") or code),
        aliases=_str_list(spec.get("aliases"), f"parties.{code}.aliases", source),
        titles=_str_list(spec.get("titles"), f"parties.{code}.titles", source),
        people=people,
        person_aliases=person_aliases,
        patterns=patterns,
    )


def _add_ideology_kb(parties: dict[str, Party], spec: Any, source: str | None) -> None:
    """Add the politicians of SEESAW's ideologyKB.json (``{"Mitch McConnell": ["Republican", "Addison
    mitchell Mcconnell", 2022, ...]}``) to the parties named in ``spec["parties"]``. A name shared
    by people of different parties is left out. A missing file is a warning, not an error."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("path"), str):
        raise ConfigError(source, "expected {path: ..., parties: {KB party: code}}", field="ideology_kb")
    mapping = spec.get("parties")
    if not isinstance(mapping, Mapping) or not all(v in parties for v in mapping.values()):
        raise ConfigError(source, f"ideology_kb.parties must map KB parties to codes among {sorted(parties)}",
                          field="ideology_kb.parties")
    path = Path(spec["path"])
    if not path.is_absolute():
        try:
            path = data_dir() / path
        except Exception as err:  # no data folder at all
            log.warning("ideology_kb not loaded: %s", err)
            return
    if not path.is_file():
        log.warning("ideology_kb not loaded: %s not found (set STANCE_DATA_DIR)", path)
        return
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(path, f"cannot read the ideology KB: {err}") from None
    by_name: dict[str, set[str]] = {}
    for name, row in _kb_rows(table):
        code = mapping.get(row)
        if code is None:
            continue
        by_name.setdefault(name, set()).add(code)
    added = 0
    for name, codes in by_name.items():
        if len(codes) == 1:
            parties[next(iter(codes))].kb_people.append(name)
            added += 1
    log.debug("ideology_kb: %d people from %s", added, path)


def _kb_rows(table: Any) -> Iterable[tuple[str, str]]:
    if not isinstance(table, Mapping):
        return
    for name, row in table.items():
        if not isinstance(row, list) or not row or not isinstance(row[0], str):
            continue
        yield name, row[0]
        # the legal name ("Addison mitchell Mcconnell"): first and last name as another key
        if len(row) > 1 and isinstance(row[1], str):
            legal = [w for w in row[1].replace(",", " ").split() if w.lower().rstrip(".") not in {"jr", "sr", "ii", "iii", "iv"}]
            surname = name.split()[-1] if name.split() else ""
            if len(legal) >= 2 and legal[-1].lower() == surname.lower():
                yield f"{legal[0]} {surname}", row[0]


def load_parties(path: str | Path | None) -> PartyConfig | None:
    """``PartyConfig.from_yaml(path)``, or ``None`` when no path is given."""
    return PartyConfig.from_yaml(path) if path else None
