"""SEESAW (Zhang, Beauchamp & Wang, EMNLP 2022): entity-to-entity stance triplets in news articles.

``seesaw:{train,valid}``: every annotated triplet as a directed record (subject -> object, positive or
negative; SEESAW annotates no neutral pairs); ``:opposed`` keeps Liberal vs Conservative pairs only.
``seesaw:{fit,dev}`` divide SEESAW's train split by story, so that a recipe can be chosen on stories it
was not trained on while ``valid`` (the stories SEESAW's authors held out) stays a test: ``dev`` is every
train story whose id hashes into the lowest ``DEV_STORY_PERCENT`` of 100 buckets (sha256, so the division
is the same everywhere and needs no seed), ``fit`` is the rest.
Read from ``seesaw/{meta,articles,annotations}`` under the data folder (docs/data.md).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import read_text
from ..parties import OPPOSED_SIDES
from ..paths import corpus_dir
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, Statement
from .registry import Corpus

SEESAW_LABELS = ("negative", "positive")  # SEESAW annotates no neutral pairs
SEESAW_SPLITS = ("train", "valid", "fit", "dev")
DEV_STORY_PERCENT = 15  # the share of SEESAW's train stories held out as ``seesaw:dev`` (21 of 127)
_SEESAW_SENTIMENT = {"POS": "positive", "NEG": "negative"}
# SEESAW's subject/object when no entity is named (e.g. the author), or one outside the article's entity
# list, whose name the annotation does not give: both read as no name (the model input says "unknown")
_SEESAW_NO_ENTITY = ("None", "Not in the list")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(path, f"malformed JSON: {err.msg} at column {err.colno}", line=err.lineno) from None



def ideology_side(value: str | None) -> str | None:
    """``Slightly Liberal``/``Very Liberal`` -> ``Liberal``, likewise Conservative; ``Moderate`` stays;
    ``Not Applicable`` and unknown values -> None."""
    if not value:
        return None
    low = value.casefold()
    for side in ("Liberal", "Conservative", "Moderate"):
        if side.casefold() in low:
            return side
    return None


def _entity_ideology(votes: Any) -> tuple[str | None, list[str]]:
    """SEESAW's ``[[value, annotator], ...]`` -> (majority side or None on a tie, raw values)."""
    if not isinstance(votes, list):
        return None, []
    raw = [v[0] if isinstance(v, list) and v else v for v in votes]
    raw = [str(v) for v in raw if v is not None]
    counts = Counter(ideology_side(v) for v in raw).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None, raw
    return counts[0][0], raw


# last words that name an organisation's kind, not the organisation ("Republican Party", "Trump administration")
_GENERIC_NAME_WORDS = frozenset(
    "party administration house department committee court government office council senate congress "
    "campaign act bill lawmakers officials members agency ministry"
    .split()
)


def _name_head(name: str) -> str | None:
    """The word a news sentence names an entity by after its first mention: the surname of a person
    ("Donald Trump" -> "Trump"), the distinctive word of an organisation ("Republican Party" ->
    "Republican"). Capitalised words of 3+ letters only; single-word names have none."""
    words = name.split()
    if len(words) < 2:
        return None
    head = words[0] if words[-1].casefold() in _GENERIC_NAME_WORDS else words[-1]
    return head if head[:1].isupper() and len(head) > 2 and head.casefold() not in _GENERIC_NAME_WORDS else None


def _find_mention(text: str, name: str | None) -> tuple[int, int] | None:
    """Where ``text`` mentions ``name``: its first case-insensitive occurrence (whole words preferred),
    else the name's head word as written, plural or possessive allowed ("Trump's", "Republicans")."""
    if not name or not name.strip():
        return None
    name = name.strip()
    for pattern in (rf"(?<!\w){re.escape(name)}(?!\w)", re.escape(name)):
        match = re.search(pattern, text, flags=re.IGNORECASE)
        if match:
            return match.start(), match.end()
    head = _name_head(name)
    match = head and re.search(rf"(?<!\w){re.escape(head)}(?=(?:s|es|'s|\u2019s)?(?!\w))", text)
    return (match.start(), match.end()) if match else None


def _names(value: Any, path: Path, field: str) -> list[str | None]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise InputError(path, f"expected an entity name or a list of names, got {value!r}", field=field)
    return [None if v.strip() in ("", *_SEESAW_NO_ENTITY) else v for v in values]


def read_seesaw_document(
    annotation_path: Path, article_path: Path, *, split: str, meta: Mapping[str, Any] | None = None
) -> list[Statement]:
    """Every triplet of one SEESAW article as a directed record (subject -> object)."""
    doc = _read_json(annotation_path)
    article = _read_json(article_path)
    document_id = annotation_path.stem
    story_id, _, k = document_id.partition("_DOCUMENT_")
    if not isinstance(article, dict) or not isinstance(article.get("text"), list):
        raise InputError(article_path, "expected an object with a 'text' list of sentences", field="text")
    sentences: dict[str, str] = {}
    for i, item in enumerate(article["text"]):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or "id" not in item:
            raise InputError(article_path, "expected {'id': ..., 'text': ...}", field=f"text[{i}]")
        sentences[str(item["id"])] = item["text"]
    if not isinstance(doc, dict) or not isinstance(doc.get("sentence-level stances"), dict):
        raise InputError(annotation_path, "expected an object of sentence id -> triplets",
                         field="sentence-level stances")
    ideologies = doc.get("entity ideologies") or {}
    listed = {e[0] for e in doc.get("entity lists") or [] if isinstance(e, list) and e}
    article_meta = (meta or {}).get(f"Meta info for article {k}") or {}

    records: list[Statement] = []
    for sentence_id, triplets in doc["sentence-level stances"].items():
        field = f"sentence-level stances.{sentence_id}"
        if sentence_id not in sentences:
            raise InputError(annotation_path, f"sentence {sentence_id} is not in {article_path.name}", field=field)
        if not isinstance(triplets, list):
            raise InputError(annotation_path, "expected a list of triplets", field=field)
        text = sentences[sentence_id]
        for t, triplet in enumerate(triplets):
            where = f"{field}[{t}]"
            if not isinstance(triplet, dict):
                raise InputError(annotation_path, "expected an object", field=where)
            sentiment = triplet.get("sentiment")
            if sentiment not in _SEESAW_SENTIMENT:
                raise InputError(annotation_path, f"unknown sentiment {sentiment!r}; expected POS or NEG",
                                 field=f"{where}.sentiment")
            subjects = _names(triplet.get("subject"), annotation_path, f"{where}.subject")
            objects = _names(triplet.get("object"), annotation_path, f"{where}.object")
            pairs = [(s, o) for s in subjects for o in objects]
            for n, (source, target) in enumerate(pairs):
                source_side, source_raw = _entity_ideology(ideologies.get(source))
                target_side, target_raw = _entity_ideology(ideologies.get(target))
                source_span = _find_mention(text, source)
                target_span = _find_mention(text, target)
                records.append({
                    "doc_id": document_id,
                    "statement_id": f"{sentence_id}-{t}" + (f"-{n}" if len(pairs) > 1 else ""),
                    "text": text,
                    "source": source,
                    "target": target,
                    "source_start": source_span[0] if source_span else None,
                    "source_end": source_span[1] if source_span else None,
                    "target_start": target_span[0] if target_span else None,
                    "target_end": target_span[1] if target_span else None,
                    LABEL_FIELD: _SEESAW_SENTIMENT[sentiment],
                    "source_ideology": source_side,
                    "target_ideology": target_side,
                    "source_ideology_raw": source_raw,
                    "target_ideology_raw": target_raw,
                    "source_listed": source in listed,
                    "target_listed": target in listed,
                    "annotators": triplet.get("annotators"),
                    "story_id": story_id,
                    "document_id": document_id,
                    "sentence_id": int(sentence_id) if sentence_id.isdigit() else sentence_id,
                    "outlet": article_meta.get("source"),
                    "outlet_bias": article_meta.get("bias_label"),
                    "corpus": "seesaw",
                    "split": split,
                })
    return records


def is_dev_story(story_id: str) -> bool:
    """Whether a SEESAW train story belongs to ``seesaw:dev`` (a fixed hash of its id; see the module doc)."""
    return int(hashlib.sha256(story_id.encode("utf-8")).hexdigest(), 16) % 100 < DEV_STORY_PERCENT


def seesaw_stories(split: str, root: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Story id (``TRIPLET_NNN``) -> meta of every SEESAW story whose ``Split`` is ``split``; ``fit`` and
    ``dev`` are the two story-level parts of ``train``."""
    base = corpus_dir("seesaw", root) / "meta"
    wanted = "train" if split in ("fit", "dev") else split
    stories = {}
    for path in sorted(base.glob("TRIPLET_*.json")):
        meta = _read_json(path)
        if not isinstance(meta, dict) or not isinstance(meta.get("Split"), str):
            raise InputError(path, "missing the story's Split", field="Split")
        if meta["Split"] == wanted and (split == wanted or is_dev_story(path.stem) == (split == "dev")):
            stories[path.stem] = meta
    return stories


def load_seesaw(split: str, root: str | Path | None = None, *, opposed: bool = False) -> list[Statement]:
    """SEESAW triplets of a split; ``opposed`` keeps Liberal -> Conservative and the reverse only."""
    base = corpus_dir("seesaw", root)
    records: list[Statement] = []
    for story_id, meta in seesaw_stories(split, root).items():
        for annotation in sorted((base / "annotations").glob(f"{story_id}_DOCUMENT_*.json")):
            article = base / "articles" / annotation.name
            records.extend(read_seesaw_document(annotation, article, split=split, meta=meta))
    if opposed:
        records = [r for r in records if {r["source_ideology"], r["target_ideology"]} == OPPOSED_SIDES]
    return records




def _load(split: str, root: str | Path | None = None, *, variant: str | None = None) -> list[Statement]:
    return load_seesaw(split, root, opposed=variant == "opposed")


CORPORA = [
    Corpus("seesaw", _load, SEESAW_SPLITS, SEESAW_LABELS,
           records="one per annotated triplet; `fit` and `dev` divide `train` by story (`dev`: 21 of its 127 "
                   "stories, by a fixed hash of the story id)",
           variants={"opposed": "triplets between a Liberal and a Conservative entity"},
           title="SEESAW: entity-to-entity stance triplets in news articles",
           source="https://github.com/launchnlp/SEESAW (commit aeb7bac)",
           license="CC BY-NC-SA 4.0 (non-commercial; derived data share the license)",
           citation="Xinliang Frederick Zhang, Nick Beauchamp and Lu Wang. 2022. Generative Entity-to-Entity Stance "
                    "Detection with Knowledge Graph Augmentation. EMNLP 2022"),
]
