"""Statement records: each candidate's speaker resolved, its party looked up
(:class:`~stance.parties.PartyConfig`), its token ranges turned into character offsets. The rule
registry (:data:`RULES`, read from ``stance/data/extraction_rules.tsv``) names every pattern; a
candidate of an unregistered rule is an error."""
from __future__ import annotations

from typing import Any

from ..cues import cue_type
from ..parties import PartyConfig
from .document import _Article, _Candidate
from .speakers import _Mention, _Resolver, _party_phrase
from .words import CONTINUING, _FORMS, PRONOUNS


def _read_rules() -> dict[str, str]:
    from importlib import resources

    text = resources.files("stance").joinpath("data", "extraction_rules.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {name.strip(): what.strip() for name, what in rows}


# The registry of patterns (stance/data/extraction_rules.tsv): name -> what it finds. Every record's
# ``rule`` is one of these names.
RULES: dict[str, str] = _read_rules()


def _records(art: _Article, cands: list[_Candidate], parties: PartyConfig | None,
             metadata: dict[str, Any]) -> list[dict[str, Any]]:
    resolver = _Resolver(art)
    doc = art.doc
    resolved: dict[int, _Mention] = {}
    last: tuple[_Candidate, _Mention] | None = None  # the statement before, and whom it was given to
    for c in sorted(cands, key=lambda c: c.speaker_head if c.speaker_head is not None else -1):
        if c.speaker_head is None or c.speaker is None or c.speaker_head in resolved:
            continue
        head = doc[c.speaker_head]
        if not c.speaker[0] <= head.i < c.speaker[1]:
            # the parser's subject lies outside the trimmed speaker ('MOSCOW — Russian President Vladimir
            # Putin, ..., said' with the dateline as subject): the speaker's own head
            head = doc[c.speaker[0] : c.speaker[1]].root
        mention = resolver.resolve(head, c.speaker)
        if last is not None and head.tag_ == "PRP" and _FORMS.get(doc[c.cue[0]].lower_) in CONTINUING:
            # '"...," he sarcastically continued' / 'he added': the one who spoke just before goes on
            before, who = last
            want, gender = PRONOUNS.get(head.lower_, ("", ""))
            if (want == "person" and who.kind == "person" and who.canonical and not who.plural
                    and resolver.genders.get(who.canonical, who.gender) in ("", gender)
                    and art.sent_start[c.start] <= art.sent_end[before.end - 1] + 60):
                mention = who
        resolved[c.speaker_head] = mention
        last = (c, mention)
        if mention.start != c.speaker_head:  # a later pronoun or nominal may refer to this one
            mention = _Mention(c.speaker_head, mention.kind, mention.canonical, doc[c.speaker_head].lower_,
                               mention.head_i, True, mention.plural, mention.gender, mention.also)
        resolver.add(mention)
    memo: dict[tuple[Any, ...], str | None] = {}
    records = []
    for n, c in enumerate(cands, start=1):
        if c.rule not in RULES:
            raise AssertionError(f"statement made by an unregistered rule {c.rule!r}")
        start, end = art.char_span((c.start, c.end))
        content = art.text[start:end]
        cue_s, cue_e = art.char_span(c.cue)
        speaker = art.span_text(c.speaker) if c.speaker else None
        sp_s, sp_e = art.char_span(c.speaker) if c.speaker else (None, None)
        mention = resolved.get(c.speaker_head) if c.speaker_head is not None else None
        canonical = mention.canonical if mention is not None else None
        speaker_party = target_party = None
        if parties is not None:
            speaker_party = _party(parties, memo, resolver, mention, speaker)
            if c.target_head is not None and not parties.bilateral:
                target_party = parties.party_of(_party_phrase(art, doc[c.target_head]))
                if target_party == speaker_party:
                    target_party = None
            if target_party is None:
                target_party = parties.target_party(speaker_party, content)
        if c.how == "orphan":
            lo, hi = art.sent_start[c.start], art.sent_end[c.end - 1]
        else:
            lo = min(art.sent_start[c.start], art.sent_start[c.cue[0]])
            hi = max(art.sent_end[c.end - 1], art.sent_end[c.cue[0]])
        ctx_start, ctx_end = art.char_span((lo, hi))
        record: dict[str, Any] = {
            "doc_id": art.doc_id,
            "statement_id": f"s{n:03d}",
            "text": content,
            "source": canonical or speaker,
            "target": parties.display_name(target_party) if parties is not None else None,
            "context": art.text[ctx_start:ctx_end].strip(),
            "kind": c.kind,
            "cue_type": cue_type(art.text[cue_s:cue_e]),
            "rule": c.rule,
            "content": content,
            "start": start,
            "end": end,
        }
        if len(c.fragments) > 1:
            record["fragments"] = [list(art.char_span(f)) for f in c.fragments]
        record.update({
            "speaker": speaker,
            "speaker_start": sp_s,
            "speaker_end": sp_e,
            "cue": art.text[cue_s:cue_e],
            "cue_start": cue_s,
            "cue_end": cue_e,
            "speaker_canonical": canonical,
            "speaker_party": speaker_party,
            "target_party": target_party,
        })
        for key, value in metadata.items():
            record.setdefault(key, value)
        records.append(record)
    return records


def _party(parties: PartyConfig, memo: dict[tuple[Any, ...], str | None], resolver: _Resolver,
           mention: _Mention | None, speaker: str | None) -> str | None:
    """The speaker's party (:meth:`PartyConfig.speaker_party` of the entity meant and of the words
    that describe it)."""
    if mention is None:
        return parties.speaker_party(speaker)
    key = (mention.canonical, mention.head_i, mention.also)
    if key not in memo:
        memo[key] = parties.speaker_party(mention.canonical, resolver.description(mention))
    return memo[key]
