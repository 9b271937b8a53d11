"""Speaker resolution: the entity a speaker mention means (``_Resolver``): pronouns and definite
nominals go to the most recent compatible mention before them, a surname to the full name used
earlier, a document to who issued it. The words that describe a speaker (``_party_phrase``) are
what :mod:`stance.parties` maps to a party."""
from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .document import _Article
from .words import (
    AFFILIATION_NOUNS, DOCUMENT_NOUNS, _EMPLOYERS, _FEMALE_NAMES, _FEMALE_WORDS, HUMAN_PLURALS, _MALE_NAMES,
    _MALE_WORDS, ORG_NOUNS, PERSON_NOUNS, PRONOUNS, _TITLE_PREFIX, _TITLE_WORDS, _singular,
)


@dataclass
class _Mention:
    start: int  # token index
    kind: str  # person, org, place, group, unknown
    canonical: str | None
    head: str  # lower-cased head word
    head_i: int | None = None  # where the description and roles are read from
    subject: bool = False
    plural: bool = False
    gender: str = ""  # m, f or unknown
    also: tuple[int, ...] = ()  # earlier heads of the same entity (their descriptions count too)


_ENT_KIND = {"PERSON": "person", "ORG": "org", "GPE": "place", "NORP": "group", "LOC": "place", "FAC": "place"}


class _Resolver:
    """Rule-based coreference for speakers: pronouns, nominals and surnames to earlier mentions."""

    def __init__(self, art: _Article) -> None:
        self.art = art
        self.full_names: dict[str, str] = {}  # surname -> full name
        self.genders: dict[str, str] = {}  # canonical -> m / f
        self.mentions: list[_Mention] = []
        self._roles: dict[int, frozenset[str]] = {}
        self._chain: dict[int, _Mention] = {}  # pronoun subjects resolved on the way
        # how often each full name occurs: the commonest names a surname ('Mike Huckabee', not the
        # 'Arkansas Mike Huckabee' of one photo caption), then the longest
        seen = Counter(_person_name(_clean_name(e.text)) for e in art.ents if e.label_ == "PERSON")
        for ent in art.ents:
            kind = _ENT_KIND.get(ent.label_)
            if kind is None or art.quote_of[ent.start] >= 0:
                continue
            if kind != "person" and _role_of_person(ent):
                kind = "person"  # 'presidential candidate Nikki Haley' read as an organisation
            root = ent.root
            while root.dep_ == "compound" and root.head.i != root.i and art.ent_of.get(root.head.i) is None:
                root = root.head  # 'Defense' -> 'Secretary' -> 'Austin'
            if kind != "person" and root.dep_ == "compound" and art.ent_of.get(root.head.i) is not None \
                    and art.ent_of[root.head.i].label_ == "PERSON":
                continue  # 'Defense' in 'Defense Secretary Lloyd Austin' is part of a title
            name = _clean_name(ent.text)
            if not name:
                continue
            head = ent.root
            if kind == "person":
                name = _person_name(name) or name  # 'Arkansas Governor Mike Huckabee' -> 'Mike Huckabee'
                words = name.split()
                known = self.full_names.get(words[-1], "")
                if (2 <= len(words) <= 4 and (seen[name], len(words)) > (seen[known], len(known.split()))
                        and not art.in_headline(ent.start)):  # 'Trump Attacks Harris' is no name
                    self.full_names[words[-1]] = name
                name = self.full_name(name)
                self._learn_gender(name, ent)
            elif kind == "org":
                name = self._org_name(ent) or name
            self.mentions.append(_Mention(ent.start, kind, name, head.lower_, head.i,
                                          subject=head.dep_ in ("nsubj", "nsubjpass"),
                                          plural=head.tag_ == "NNPS" or kind == "group"))
        # subjects that are no named entity ('Environmental groups', 'The company') can be antecedents too
        for i in art.subjects:
            if i in art.ent_of or art.quote_of[i] >= 0:
                continue
            head = art.doc[i]
            kind = _nominal_kind(head)
            if kind == "unknown" and head.tag_ not in ("NNS", "NNPS"):
                continue
            core = _strip_det(art.span_text((max(head.left_edge.i, art.sent_start[i]), i + 1)))
            self.mentions.append(_Mention(i, kind, core, head.lower_, i, subject=True,
                                          plural=head.tag_ in ("NNS", "NNPS")))
        self.mentions.sort(key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]

    def _org_name(self, ent: Any) -> str | None:
        """'India's Foreign Ministry' for the entity 'Foreign Ministry' with its possessor."""
        art = self.art
        lo = ent.root.left_edge.i
        if lo >= ent.start or ent.start - lo > 4 or any(art.quote_of[k] >= 0 for k in range(lo, ent.start)):
            return None
        if not any(t.dep_ in ("poss", "compound") for t in art.doc[lo : ent.start]):
            return None
        return _clean_name(art.span_text((lo, ent.end))) or None

    def _learn_gender(self, name: str, ent: Any) -> None:
        if name in self.genders:
            return
        doc = self.art.doc
        before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
        first = name.split()[0].lower() if name.split() else ""
        # the words of its own noun phrase only ('Sister Mary Cruz'; not 'his wife watched Cruz')
        roles = {t.lower_ for t in doc[max(0, ent.start - 3) : ent.start] if ent.start <= t.head.i < ent.end}
        if before.rstrip(".") in {"mr", "sir"} or roles & _MALE_WORDS or first in _MALE_NAMES:
            self.genders[name] = "m"
        elif before.rstrip(".") in {"mrs", "ms", "miss"} or roles & _FEMALE_WORDS or first in _FEMALE_NAMES:
            self.genders[name] = "f"

    def roles(self, m: _Mention) -> frozenset[str]:
        """Nouns around a named mention ("Foreign Minister Sergei Lavrov" -> minister, foreign)."""
        if m.head_i is None:
            return frozenset()
        if m.head_i not in self._roles:
            head = self.art.doc[m.head_i]
            ent = self.art.ent_of.get(m.head_i)
            inside = range(ent.start, ent.end) if ent is not None else range(m.head_i, m.head_i + 1)
            # a title held no longer counts only for a speaker described so ('the former president')
            self._roles[m.head_i] = frozenset(
                f"{_qualifier(t)} {t.lower_}".lstrip() for c in head.children
                if c.dep_ in ("compound", "appos", "amod", "nmod") and c.i not in inside
                for t in c.subtree if t.tag_.startswith("NN"))
        return self._roles[m.head_i]

    def description(self, m: _Mention) -> str:
        """The words of a mention that may name a party (see :func:`_party_phrase`)."""
        heads = [*m.also, m.head_i] if m.head_i is not None else list(m.also)
        parts = [_party_phrase(self.art, self.art.doc[h]) for h in heads]
        if m.head_i is not None and m.head_i not in self.art.ent_of:
            # 'A department spokesman' after 'The U.S. State Department called ...': the department
            # named last is the one he speaks for
            for c in self.art.doc[m.head_i].children:
                if c.dep_ == "compound" and c.tag_ == "NN" and c.lower_ in _EMPLOYERS:
                    org = next((o for o in self.before(c.i, max_back=400) if o.kind == "org" and o.canonical
                                and (o.head == c.lower_ or c.lower_ in self.roles(o))), None)
                    if org is not None:
                        parts.append(org.canonical or "")
        return " ; ".join(parts)

    def full_name(self, name: str) -> str:
        words = name.split()
        if len(words) == 1 and words[0] in self.full_names:
            return self.full_names[words[0]]
        return name

    def add(self, mention: _Mention) -> None:
        pos = bisect.bisect_right(self.starts, mention.start)
        self.starts.insert(pos, mention.start)
        self.mentions.insert(pos, mention)

    def before(self, i: int, max_back: int) -> Iterator[_Mention]:
        pos = bisect.bisect_left(self.starts, i)
        for m in reversed(self.mentions[:pos]):
            if i - m.start > max_back:
                return
            yield m

    def resolve(self, head: Any, span: tuple[int, int]) -> _Mention:
        """The mention the speaker at ``head`` refers to (a new one for a first mention)."""
        art = self.art
        doc = art.doc
        text = art.span_text(span)
        low = head.lower_
        if head.tag_ == "PRP" and low in PRONOUNS:
            return self._pronoun(head, text)
        if low in DOCUMENT_NOUNS:
            # 'A statement from the Russian Defense Ministry said': the ministry speaks
            author = _document_author(head)
            if author is not None:
                return self.resolve(author, _author_span(author))
        words = [t for t in doc[span[0] : span[1]] if not t.is_punct]
        definite = bool(words) and words[0].lower_ in ("the", "this", "that")
        ent = art.ent_of.get(head.i)
        if (head.tag_ == "NNP" and head.text in self.full_names and ent is not None and ent.label_ != "PERSON"
                and ent.start == head.i and ent.end == head.i + 1):
            # 'Jordan said' after 'Rep. Jim Jordan': the person, not the country the NER saw
            name = self.full_names[head.text]
            return _Mention(head.i, "person", name, low, head.i, True, gender=self.genders.get(name, ""))
        if ent is None:
            ent = next((art.ent_of[c.i] for c in head.children if c.dep_ == "appos" and c.i in art.ent_of
                        and art.ent_of[c.i].label_ == "PERSON"), None)
        if ent is None and head.tag_.startswith("NN"):
            appos = self._appositive_person(head)
            if appos is not None:
                return appos
        if ent is not None and definite and len(words) <= 3 and (ent.label_ == "NORP" or low in ORG_NOUNS or low in PERSON_NOUNS):
            ent = None  # 'the Ministry', 'the Florida Republican': a nominal
        if ent is not None and _ENT_KIND.get(ent.label_):
            return self._named(head, ent, text, span)
        if ent is None and head.tag_.startswith("NNP") and any(_is_title_word(t.text) for t in words[:-1]):
            kind = "person"  # 'European Commission President Ursula von der Leyen' with no entity found
        kind = _nominal_kind(head)
        if definite and head.tag_.startswith("NN"):
            # 'the official', 'the Ministry': the last mention with that head or role, and with the
            # proper-noun modifiers it has ('the Maryland Democrat' is not the California one)
            mods = {c.lower_ for c in head.children if c.dep_ in ("compound", "amod")
                    and (c.tag_.startswith("NNP") or c.ent_type_ in ("NORP", "GPE")
                         or c.is_title and c.i > art.sent_start[c.i])}  # 'the Chinese government'
            role = f"{_qualifier(head)} {low}".lstrip()  # 'the former president' is not 'the president'
            for m in self.before(head.i, max_back=1500):
                if (m.head == low and role == low or role in self.roles(m)) and m.canonical:
                    if mods and not mods <= set(re.findall(r"\w+", f"{self.description(m)} {m.canonical}".lower())):
                        continue
                    return m
            # 'the Florida Republican', 'the Hungarian leader': the last person described so
            cues = {low} if low in ("republican", "democrat", "conservative", "liberal") else set()
            if kind == "person":
                cues |= {c.lower_ for c in head.children if c.dep_ in ("amod", "compound") and c.i < head.i
                         and (c.is_title or c.tag_.startswith("NNP"))}
            if cues:
                for m in self.before(head.i, max_back=600):
                    if m.kind == "person" and m.canonical and not m.plural:
                        described = set(re.findall(r"\w+", self.description(m).lower()))
                        if cues <= described:
                            return m
            if kind == "org" and head.tag_ == "NN" and not mods:  # 'the company': the last organisation named
                here = art.sent_start[head.i]
                previous = art.sent_start[here - 1] if here > 0 else here
                for m in self.before(head.i, max_back=400):
                    if m.start < previous:
                        break
                    # 'Kataib Hezbollah vowed revenge. "...," the group said': a proper-noun subject just before
                    if (m.subject and not m.plural and m.canonical and m.kind in ("org", "unknown")
                            and m.head_i is not None and art.doc[m.head_i].tag_ == "NNP"):
                        return m
                for m in self.before(head.i, max_back=400):
                    if m.kind == "org" and not m.plural and m.canonical and m.head_i in art.ent_of:
                        return m
        canonical = _strip_det(_core(art, head, span))
        if (head.tag_ == "NNP" or head.is_title and len(words) == 1) and head.text in self.full_names:
            # 'Grant said' after 'Amelia Grant' (also 'Price said', 'Price' tagged as a common noun)
            name = self.full_names[head.text]
            return _Mention(head.i, "person", name, low, head.i, True, gender=self.genders.get(name, ""))
        if head.tag_.startswith("NNP") and kind == "unknown":
            kind = "person" if len(words) >= 2 and all(t.is_title for t in words[-2:]) else "unknown"
        kind = "person" if head.tag_.startswith("NNP") and any(_is_title_word(t.text) for t in words[:-1]) else kind
        if head.tag_.startswith("NNP"):
            canonical = (_person_name(canonical) if kind == "person" else _clean_name(canonical)) or canonical
        return _Mention(head.i, kind, canonical, low, head.i, True,
                        plural=head.tag_ in ("NNS", "NNPS"), gender=_gender_of_words(words))

    def _appositive_person(self, head: Any) -> _Mention | None:
        """'A spokesperson for the White House, Karine Jean-Pierre': the person in apposition
        when the NER covers only part of the name (hyphenated names)."""
        art = self.art
        # the apposition may hang on the one the person speaks for: 'A spokeswoman for Sen. Joe
        # Manchin, Sam Runyon' (a named person has no second name in apposition)
        named_objects = [g for c in head.children if c.dep_ == "prep" and c.lower_ in ("for", "to", "of")
                         for g in c.children if g.dep_ == "pobj" and g.i in art.ent_of]
        for c in [*head.children, *(a for g in named_objects for a in g.children)]:
            if c.dep_ != "appos" or c.tag_ != "NNP":
                continue
            lo, hi = c.left_edge.i, c.right_edge.i + 1
            if hi - lo > 5 or not any(art.ent_of.get(k) is not None and art.ent_of[k].label_ == "PERSON"
                                      for k in range(lo, hi)):
                continue
            name = _person_name(_clean_name(art.span_text((lo, hi))))
            if name:
                name = self.full_name(name)
                return _Mention(head.i, "person", name, head.lower_, head.i, True, gender=self.genders.get(name, ""),
                                also=(c.i,))
        return None

    def _named(self, head: Any, ent: Any, text: str, span: tuple[int, int]) -> _Mention:
        art = self.art
        name = _clean_name(ent.text)
        kind = _ENT_KIND[ent.label_]
        core = _core(art, head, span)
        if kind != "person" and ent.root.i == head.i and _titled_name(core):
            kind, name = "person", core  # '... President Ursula von der Leyen' taken for a place or organisation
        elif kind != "person" and _role_of_person(ent):
            kind = "person"
        if kind == "person":
            name = self.full_name(_person_name(name))
            self._learn_gender(name, ent)
            earlier = tuple(h for m in self.before(head.i, max_back=10**9)
                            if m.kind == "person" and m.canonical == name for h in (*m.also, m.head_i) if h is not None)
            return _Mention(head.i, kind, name, head.lower_, head.i, True, gender=self.genders.get(name, ""),
                            also=tuple(dict.fromkeys(earlier))[:4])
        if ent.root.i == head.i and len(text) > len(ent.text) + 4 and art.doc[span[0]].lower_ not in ("the", "a", "an"):
            name = _strip_det(_core(art, head, span))  # "Russia's Foreign Ministry"
        return _Mention(head.i, kind, name, head.lower_, head.i, True, plural=head.tag_ == "NNPS" or kind == "group")

    def _pronoun(self, head: Any, text: str) -> _Mention:
        want, gender = PRONOUNS[head.lower_]
        if want == "self":
            return _Mention(head.i, "unknown", None, head.lower_)
        ranked: list[tuple[tuple[int, ...], int, _Mention]] = []
        art = self.art
        here = art.sent_start[head.i]
        k = here - 1  # the sentence before, not counting the sentences of a quote ('“A. B. C,” he said')
        while k > 0 and (art.quote_of[k] >= 0 or art.doc[k].is_punct or art.doc[k].is_space):
            k -= 1
        previous = art.sent_start[k] if here > 0 else here
        # 'He described him as "an evil kid" ... He said police were called': the same pronoun as the
        # last main-clause subject before it, with no other subject between, means the same one
        last = next((t for t in reversed(art.doc[previous : head.i]) if _main_subject(t) and art.quote_of[t.i] < 0), None)
        if (last is not None and last.i != head.i and last.tag_ == "PRP" and PRONOUNS.get(last.lower_) == (want, gender)
                and not any(m.kind == "person" and m.head_i in art.ent_of and max(last.i, here) < m.start
                            for m in self.before(head.i, max_back=head.i - last.i))):
            # (unless a person is named in the pronoun's own sentence before it: 'As the official, Lois
            # Lerner, appeared ..., she told ...')
            if last.i not in self._chain:
                self._chain[last.i] = _Mention(last.i, "unknown", None, last.lower_)  # (no cycles)
                self._chain[last.i] = self._pronoun(last, last.text)
            if self._chain[last.i].canonical:
                return self._chain[last.i]
        for order, m in enumerate(self.before(head.i, max_back=400)):
            known = self.genders.get(m.canonical or "", m.gender)
            if want == "person":
                ok = m.kind == "person" and not m.plural and known in ("", gender)
            elif want == "plural":
                ok = m.kind in ("org", "group") or (m.plural and m.kind == "person")
            else:
                ok = m.kind in ("org", "place") and not m.plural
            if ok and m.canonical:
                named = (m.head_i is not None and (m.head_i in self.art.ent_of or self.art.doc[m.head_i].tag_.startswith("NNP"))
                         or (m.kind == "person" and len(m.canonical.split()) >= 2
                             and all(w[:1].isupper() for w in m.canonical.split())))  # "Trump's lawyer, Christopher Kise"
                # 'The Chinese ambassador struck a conciliatory tone. But he also warned ...': a definite
                # person described by role is as good as named when it is the subject just before
                # (described by whom it works for: 'The Chinese ambassador', not 'the president', who is
                # someone named before)
                described = (m.kind == "person" and not m.plural and m.head_i is not None and m.start >= previous
                             and self.art.doc[m.head_i].lower_ in PERSON_NOUNS and m.head_i not in self.art.ent_of
                             and any(c.dep_ in ("amod", "compound") and (c.ent_type_ in ("NORP", "GPE", "ORG")
                                                                       or c.tag_.startswith("NNP") or c.is_title
                                                                       and c.i > self.art.sent_start[c.i])
                                     or c.dep_ == "poss" and c.tag_.startswith("NN")  # "the victim's mother"
                                     for c in self.art.doc[m.head_i].children))
                # the named subject of this sentence, then of the previous one, first (news writing
                # refers back to it: '... Mayorkas said ... Asked whether ..., he replied'), then named
                # before nominal, known gender before unknown, subjects, the nearest
                main = m.head_i is not None and _main_subject(art.doc[m.head_i])  # not 'he said Cruz cornered ...'
                recent = (0 if m.start >= here else 1 if m.start >= previous else 2) if main and (named or described) else 2
                rank = (recent, 0 if named or want != "person" else 1, 0 if known or want != "person" else 1,
                        0 if m.subject else 1)
                ranked.append((rank, order, m))
        best = min(ranked, key=lambda x: (x[0], x[1]))[2] if ranked else None
        if best is None:
            return _Mention(head.i, "unknown", None, head.lower_)
        if want == "person" and best.canonical and best.canonical not in self.genders:
            self.genders[best.canonical] = gender
        return best


def _main_subject(token: Any) -> bool:
    """The subject of a sentence's main verb (or of a verb joined to it), not of a clause inside."""
    if token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = token.head
    return verb.dep_ == "ROOT" or (verb.dep_ == "conj" and verb.head.dep_ == "ROOT")


def _role_of_person(ent: Any) -> bool:
    """A name of two or three capitalised words after a role noun ('presidential candidate Nikki
    Haley', 'spokesman Steven Cheung'): a person, whatever label the NER gave it."""
    words = ent.text.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return False
    return any(c.dep_ in ("compound", "amod") and not ent.start <= c.i < ent.end and c.lower_ in PERSON_NOUNS
               for c in ent.root.children)


def _qualifier(noun: Any) -> str:
    """'former' for 'former president' (a title held no longer), '' for a title held now."""
    return next((a.lower_ for a in noun.children if a.dep_ == "amod" and a.lower_ in ("former", "ex", "late", "then")), "")


def _document_author(head: Any) -> Any | None:
    """Who issued a statement, letter or report: 'from / by X', 'signed by X', 'X's statement',
    'a White House readout' (a proper-noun modifier); ``None`` when the document names nobody."""
    for c in head.children:
        preps = [c] if c.dep_ == "prep" and c.lower_ in ("from", "by") else \
            [g for g in c.children if g.dep_ == "agent"] if c.dep_ == "acl" else []
        for prep in preps:
            pobj = next((g for g in prep.children if g.dep_ == "pobj" and g.tag_.startswith(("NN", "PRP"))), None)
            if pobj is not None:
                return pobj
    for c in head.children:
        if c.dep_ == "poss" and c.tag_.startswith("NN"):
            return c
    modifiers = [c for c in head.children if c.dep_ == "compound" and c.tag_.startswith("NNP")]
    return modifiers[-1] if modifiers else None


def _author_span(author: Any) -> tuple[int, int]:
    """The words naming a document's author: its subtree, or the run of proper-noun modifiers
    before the document noun ('a Justice Department filing' -> Justice Department)."""
    lo, hi = author.left_edge.i, author.right_edge.i + 1
    if author.dep_ == "compound":
        k = author.i
        while k - 1 >= 0 and author.doc[k - 1].dep_ == "compound" and author.doc[k - 1].head.i == author.head.i \
                and author.doc[k - 1].tag_.startswith("NNP"):
            k -= 1
        lo = min(lo, k)
    return lo, hi


def _nominal_kind(head: Any) -> str:
    """person, org, group (people or organisations), or thing/unknown for other nouns."""
    low = head.lower_
    if head.tag_ in ("NNS", "NNPS"):
        one = _singular(low)
        if head.tag_ == "NNPS" or low in HUMAN_PLURALS or one in PERSON_NOUNS or one in ORG_NOUNS:
            return "group"
        return "thing"
    if low in PERSON_NOUNS:
        return "person"
    if low in ORG_NOUNS:
        return "org"
    return "unknown"


def _gender_of_words(words: Sequence[Any]) -> str:
    lows = {t.lower_ for t in words}
    if lows & _MALE_WORDS:
        return "m"
    if lows & _FEMALE_WORDS:
        return "f"
    return ""


def _clean_name(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
    text = re.sub(r"['’]s?$", "", text)
    text = _TITLE_PREFIX.sub("", text)
    text = re.sub(r"^(?:the|The)\s+", "", text)
    return text.strip(" ,()")


def _titled_name(text: str) -> bool:
    """A title followed by a capitalised name: 'Commission President Ursula von der Leyen'."""
    words = text.split()
    last = max((k for k, w in enumerate(words) if _is_title_word(w)), default=-1)
    rest = words[last + 1 :]
    if rest and rest[-1].lower() in ORG_NOUNS:
        return False  # 'Justice Department' is no Justice named Department
    return last >= 0 and bool(rest) and rest[0][:1].isupper() and rest[-1][:1].isupper()


def _is_title_word(word: str) -> bool:
    return word[:1].isupper() and word.rstrip(".").lower() in _TITLE_WORDS


def _person_name(text: str) -> str:
    """The name after the last title in a chain: 'European Commission President Ursula von der
    Leyen' -> 'Ursula von der Leyen'."""
    words = _clean_name(text).split()
    last = max((k for k, w in enumerate(words) if w.rstrip(".").lower() in _TITLE_WORDS), default=-1)
    name = words[last + 1 :]
    return " ".join(name) if name and name[0][:1].isupper() else " ".join(words)


def _strip_det(text: str) -> str:
    return re.sub(r"^(?:the|a|an|The|A|An|this|This)\s+", "", text.strip())


def _core(art: _Article, head: Any, span: tuple[int, int]) -> str:
    """A noun phrase up to its head ("U.S. officials traveling with him" -> "U.S. officials")."""
    i = span[0]
    j = max(i + 1, min(span[1], head.i + 1))
    return art.span_text((i, j))


def _party_phrase(art: _Article, head: Any, depth: int = 0) -> str:
    """The words of a mention that may name a party: the noun phrase up to its head, its
    apposition, and for heads like "spokesman" or "official" the of/for/at/in/with/from phrase
    ("a spokesman for the Kremlin"); not "a critic of Obama"."""
    lo = head.left_edge.i
    while lo < head.i and art.quote_of[lo] != art.quote_of[head.i]:
        lo += 1
    parts = [art.span_text((lo, head.i + 1))]
    if depth < 2:
        for child in head.children:
            if child.i < head.i:
                continue
            if child.dep_ == "appos":
                parts.append(_party_phrase(art, child, depth + 1))
            elif child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "in", "with", "from") \
                    and head.lower_ in AFFILIATION_NOUNS:
                obj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if obj is not None:
                    parts.append(_party_phrase(art, obj, depth + 1))
    return " ; ".join(parts)
