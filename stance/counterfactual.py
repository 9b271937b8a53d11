"""The speaker-swap check: does the stance follow what was said, or who said it?

Each statement whose speaker belongs to a party of a party config is shown to the classifier again with
the speaker replaced by other people of the same party (from the config's ``people``): the same content,
another name. A classifier that reads the content keeps its label; the share of swaps that change the
label is the **flip share** (lower is better).

The swap is a pure function of the record: the ``source`` field becomes the new name, and every
occurrence of the old speaker mention in ``text`` and ``context`` is replaced, with the marked spans
(``source_start``/``source_end``, ``target_start``/``target_end``) moved to match. A record whose speaker
maps to no party, or whose party lists fewer than two people, is not swapped.

    check = speaker_swap_check(records, clf.predict, parties, n_swaps=3, seed=0)
    check["flip_share"], check["n_swaps"]

This module knows no model: it takes the ``predict`` function (records in, labels out).
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from .parties import PartyConfig

Predict = Callable[[list[dict[str, Any]]], Sequence[str]]


def speaker_party(record: dict[str, Any], parties: PartyConfig) -> str | None:
    """The speaker's party: the record's own ``speaker_party`` when the config knows it, else the
    gazetteer's reading of the ``source`` mention."""
    code = record.get("speaker_party")
    if code in parties.parties:
        return str(code)
    return parties.person_party(record.get("source")) or parties.party_of(record.get("source"))


def _replace_all(text: str, old: str, new: str, offsets: dict[str, int]) -> tuple[str, dict[str, int]]:
    """``text`` with each whole-word ``old`` replaced by ``new``, and ``offsets`` moved to match (an
    offset moves by the length change of every replacement that ends at or before it)."""
    matches = list(re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", text))
    delta = len(new) - len(old)
    moved = {k: v + delta * sum(m.end() <= v for m in matches) for k, v in offsets.items()}
    pieces, last = [], 0
    for m in matches:
        pieces += [text[last : m.start()], new]
        last = m.end()
    return "".join(pieces) + text[last:], moved


def swap_speaker(record: dict[str, Any], new_name: str) -> dict[str, Any]:
    """``record`` with its speaker replaced by ``new_name`` in ``source``, ``speaker``, ``text`` and ``context``.

    With marked spans, the source span of ``text`` is what is replaced (and every other occurrence of the
    same words); without them, every whole-word occurrence of the ``source`` mention."""
    out = dict(record)
    old = str(record.get("source") or "")
    text = str(record.get("text") or "")
    s, e = record.get("source_start"), record.get("source_end")
    if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text):
        old = text[s:e]
    if old:
        keys = ("source_start", "source_end", "target_start", "target_end")
        offsets = {k: record[k] for k in keys if isinstance(record.get(k), int)}
        out["text"], moved = _replace_all(text, old, new_name, offsets)
        out.update(moved)
        if isinstance(record.get("context"), str):
            out["context"], _ = _replace_all(record["context"], old, new_name, {})
    out["source"] = new_name
    if "speaker" in record:
        out["speaker"] = new_name
    out["statement_id"] = f"{record.get('statement_id')}:as:{new_name}"
    return out


def replacements(record: dict[str, Any], parties: PartyConfig, n: int, rng: random.Random) -> list[str]:
    """Up to ``n`` other people of the speaker's party, drawn with ``rng`` (none when the party is unknown)."""
    code = speaker_party(record, parties)
    if code is None:
        return []
    source = str(record.get("source") or "")
    pool = [p for p in parties.parties[code].people if p.split()[-1] not in source]  # someone else
    return rng.sample(pool, min(n, len(pool)))


def speaker_swap_check(
    records: Sequence[dict[str, Any]],
    predict: Predict,
    parties: PartyConfig,
    *,
    n_swaps: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Predict every record and its speaker swaps; report how often a swap changes the label.

    Returns ``flip_share`` (changed swaps / swaps), ``records_flipped`` (records with at least one
    changed swap / swapped records), the counts, and ``rows``: one per swap with the original and the
    swapped label."""
    if n_swaps < 1:
        raise ValueError("n_swaps must be >= 1")
    rng = random.Random(seed)
    originals, swaps, owner = [], [], []
    for record in records:
        names = replacements(record, parties, n_swaps, rng)
        if not names:
            continue
        originals.append(record)
        for name in names:
            swaps.append(swap_speaker(record, name))
            owner.append(len(originals) - 1)
    if not originals:
        return {"n_records": len(records), "n_swapped_records": 0, "n_swaps": 0, "flip_share": None,
                "records_flipped": None, "rows": []}
    before = list(predict(originals))
    after = list(predict(swaps))
    rows = []
    for i, (swap, label) in enumerate(zip(swaps, after)):
        rec = originals[owner[i]]
        rows.append({"statement_id": rec.get("statement_id"), "doc_id": rec.get("doc_id"), "source": rec.get("source"),
                     "swapped_to": swap["source"], "label": before[owner[i]], "swapped_label": label,
                     "flipped": label != before[owner[i]]})
    flipped_records = {owner[i] for i, row in enumerate(rows) if row["flipped"]}
    return {
        "n_records": len(records),
        "n_swapped_records": len(originals),
        "n_swaps": len(swaps),
        "n_flipped": sum(r["flipped"] for r in rows),
        "flip_share": sum(r["flipped"] for r in rows) / len(rows),
        "records_flipped": len(flipped_records) / len(originals),
        "rows": rows,
    }
