"""Training augmentations: more examples made from the examples of a corpus.

- :func:`swap_direction`: an official-view DSE record with source and target swapped and its label mirrored;
- :func:`statement_views`: a sentence-level directed example as ``stance run`` presents a statement to the
  model (it runs the extractor, which is why it lives here and not among the corpora);
- :func:`swap_speakers`: counterfactual speakers, a share of the examples with their source replaced by
  another person named in the training set, the label kept.
"""
from __future__ import annotations

import logging
import random
import re
from collections import Counter
from typing import Any

from .corpora.dse import DSE_LABELS, SWAPPED_DSE_LABEL, swap_entities
from .errors import InputError
from .schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, Statement

log = logging.getLogger(__name__)


def statement_views(records: list[Statement], *, nlp: Any = None, suffix: str = ":stmt",
                    show_progress_bar: bool = False) -> list[Statement]:
    """Sentence-level directed examples as ``stance run`` presents a statement to the model.

    For each record whose sentence (``text``) holds an attributed statement (found by
    :func:`stance.extraction.extract_many`) spoken by the record's source (the speaker span overlaps
    the source span), a copy with the same label whose ``text`` is the statement's content, whose
    ``context`` is the sentence, with the target's span when the content names it and no source span
    (the speaker stands outside the content, as in an extracted statement). Records without a
    source span, or whose source speaks no statement, give nothing. Ids get ``suffix``."""
    from collections import defaultdict

    from .extraction import extract_many
    from .nlp import load_nlp

    candidates = [r for r in records if isinstance(r.get("source_start"), int) and isinstance(r.get("source_end"), int)]
    sentence_ids: dict[str, int] = {}
    for r in candidates:
        sentence_ids.setdefault(r["text"], len(sentence_ids))
    found: dict[int, list[Statement]] = defaultdict(list)
    articles = ((str(i), text, {}) for text, i in sentence_ids.items())
    extraction_log = logging.getLogger("stance.extraction")
    level = extraction_log.level
    extraction_log.setLevel(logging.ERROR)  # corpus sentences: unbalanced quotes are common, warnings are noise
    try:
        for statement in extract_many(articles, nlp=nlp or load_nlp(), show_progress_bar=show_progress_bar):
            found[int(statement["doc_id"])].append(statement)
    finally:
        extraction_log.setLevel(level)
    views = []
    for r in candidates:
        s_start, s_end = r["source_start"], r["source_end"]
        for st in found.get(sentence_ids[r["text"]], []):
            if st["speaker_start"] is None or not (st["speaker_start"] < s_end and s_start < st["speaker_end"]):
                continue
            view = dict(r, text=st["content"], context=r["text"], statement_id=f"{r['statement_id']}{suffix}",
                        source_start=None, source_end=None, target_start=None, target_end=None)
            t_start, t_end = r.get("target_start"), r.get("target_end")
            if isinstance(t_start, int) and isinstance(t_end, int) and st["start"] <= t_start and t_end <= st["end"]:
                view["target_start"], view["target_end"] = t_start - st["start"], t_end - st["start"]
            views.append(view)
            break
    log.info("statement views: %d of %d examples have a statement spoken by their source", len(views), len(records))
    return views


def swap_direction(record: Statement, label_field: str = LABEL_FIELD) -> Statement:
    """Swap source/target (and their spans) of an official-view DSE record and mirror its label.

    neutral stays neutral, pos_s2t <-> pos_t2s, neg_s2t <-> neg_t2s; an involution, used as
    training augmentation. A record without a label is swapped and left unlabelled.
    """
    out = swap_entities(record)
    label = record.get(label_field)
    if label is not None:
        if label not in SWAPPED_DSE_LABEL:
            raise InputError(None, f"cannot swap label {label!r}; expected one of {list(DSE_LABELS)}",
                             field=label_field)
        out[label_field] = SWAPPED_DSE_LABEL[label]
        if "dse_label" in record:
            out["dse_label"] = DSE_LABELS.index(out[label_field])
    return out



_PERSON = re.compile(r"[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|[A-Z]\.))*[ -][A-Z][a-z]+")
# capitalised words that make a mention an institution, a group or a place rather than a person
_NOT_PERSON = frozenset("""the a an of and for ministry department house party committee office council
administration government court senate congress agency bureau kremlin commission news times post union
association republicans democrats republican democratic states nations army police campaign foundation
university institute group company corporation bank press media""".split())


def person_names(records: list[Statement]) -> list[str]:
    """The distinct ``source`` mentions of ``records`` written as a person's name: two or more
    capitalised words ("Sergei Lavrov", "John F. Kerry") none of which names an institution or a group
    ("The Kremlin", "State Department", "House Republicans"), sorted. Pronouns and titles alone are not
    names."""
    names = set()
    for r in records:
        source = r.get("source")
        if isinstance(source, str) and _PERSON.fullmatch(source.strip()) \
                and not _NOT_PERSON & set(re.split(r"[ -]", source.strip().lower())):
            names.add(source.strip())
    return sorted(names)


def _sides(records: list[Statement], names: list[str], field: str) -> dict[str, str]:
    """Each name's side: the value of ``field`` most often given with it as source (names without one
    are left out)."""
    counts: dict[str, Counter[str]] = {}
    wanted = set(names)
    for r in records:
        source, side = str(r.get("source") or "").strip(), r.get(field)
        if source in wanted and isinstance(side, str) and side:
            counts.setdefault(source, Counter())[side] += 1
    return {name: c.most_common(1)[0][0] for name, c in counts.items()}


def swap_speakers(records: list[Statement], share: float, seed: int, *,
                  same_side: str | None = None) -> list[Statement]:
    """Counterfactual speakers: ``records`` with a seeded ``share`` of those that have a source
    replaced, in place, by another person named as a source in ``records`` (:func:`person_names`),
    the label kept (:func:`stance.counterfactual.swap_speaker` rewrites the mention in the text,
    the context and the ``source`` field, and moves the marked spans). A record whose text does not name
    its source (an entity named otherwise in the sentence) keeps it.

    A stance label says what the source says or does toward the target in this text: with the name
    replaced everywhere the text still says it, so the label holds for any name. Trained on such
    examples the model has less to gain from who speaks (the speaker-swap check,
    :mod:`stance.counterfactual`, measures how much it still does). A record keeps its speaker when
    the drawn name already occurs in its text or context. The same records and seed give the same
    output; the number of examples does not change.

    ``same_side``: a record field (SEESAW's ``source_ideology``) whose value the new speaker shares
    with the old: a record with a value draws from the names seen as sources with the same value, so
    the swap keeps the speaker's side and takes only the person away; a record without one draws from
    every name."""
    from .counterfactual import swap_speaker

    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share!r}")
    names = person_names(records)
    if share == 0.0 or len(names) < 2:
        return list(records)
    sides = _sides(records, names, same_side) if same_side else {}
    pools: dict[str, list[str]] = {}
    for name, side in sides.items():
        pools.setdefault(side, []).append(name)
    rng = random.Random(seed)
    out, swapped = [], 0
    for r in records:
        side = r.get(same_side) if same_side else None
        pool = pools.get(side, []) if isinstance(side, str) and side else names
        draw, name = rng.random(), rng.choice(pool) if len(pool) >= 2 else ""
        if not name:
            out.append(r)
            continue
        source = r.get("source")
        if draw >= share or not isinstance(source, str) or not source.strip() or name == source.strip() \
                or name in str(r.get("text") or "") or name in str(r.get("context") or ""):
            out.append(r)
            continue
        new = swap_speaker(r, name)
        if new["text"] == r.get("text"):  # the source is not named in the text: nothing to swap consistently
            out.append(r)
            continue
        new["statement_id"] = r.get("statement_id")  # the same example, another speaker
        out.append(new)
        swapped += 1
    log.info("counterfactual speakers: %d of %d examples have another person as their source (%d names)",
             swapped, len(records), len(names))
    return out
