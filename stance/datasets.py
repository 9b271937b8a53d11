"""Corpus adapters: public stance and sentiment corpora as statement records.

Every adapter returns a list of plain statement dicts (see :mod:`stance.schema`) with a
``stance`` label and metadata (``corpus``, ``split``, ...). One string names a dataset:

=====================================  ===========================================================
spec                                   records
=====================================  ===========================================================
``dse:{train,valid,test}``             DSE, the official 5-class view (:data:`DSE_LABELS`)
``dse:test-leakfree``                  DSE test rows that repeat no training row
``dse-directed:{...,test-leakfree}``   DSE as source -> target with negative/neutral/positive
``newsmtsc-rw:{train,dev,test}``       NewsMTSC, one record per target (the ``mt`` variant alike)
``seesaw:{train,valid}[:opposed]``     SEESAW entity-to-entity triplets (``:opposed``: Liberal vs
                                       Conservative only)
``seed:PATH`` / ``gold:PATH``          a hand-annotated gold JSONL like the seed example
``jsonl:PATH``                         any statements file
=====================================  ===========================================================

A spec may end with ``@N``: the first N records after a seeded shuffle (``dse:train@2000``).
The corpora are read from :func:`data_dir`; docs/data.md says where to get them.
"""
from __future__ import annotations

import bisect
import json
import logging
import os
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, StanceError
from .io import iter_jsonl, iter_lines, read_text
from .leakage import near_key
from .schema import Statement, iter_statements, read_statements, validate_statement

log = logging.getLogger(__name__)

ENV_VAR = "STANCE_DATA_DIR"
DOCS_HINT = "see docs/data.md for where to get the corpora and how to set STANCE_DATA_DIR"
LABEL_FIELD = "stance"
SAMPLE_SEED = 0

DSE_LABELS = ("neutral", "pos_s2t", "pos_t2s", "neg_s2t", "neg_t2s")
DIRECTED_LABELS = ("negative", "neutral", "positive")
SEED_LABELS = ("confrontational", "neutral", "conciliatory")
SEESAW_LABELS = ("negative", "positive")  # SEESAW annotates no neutral pairs
DEFAULT_PARTY_NAMES: Mapping[str, str] = {"US": "the United States", "RU": "Russia"}

DSE_SPLITS = ("train", "valid", "test", "test-leakfree")
NEWSMTSC_SPLITS = ("train", "dev", "test")
SEESAW_SPLITS = ("train", "valid")

# official DSE label id -> (swap p and q?, directed label)
_DSE_DIRECTED = {0: (False, "neutral"), 1: (False, "positive"), 2: (True, "positive"),
                 3: (False, "negative"), 4: (True, "negative")}
_SWAPPED_DSE_LABEL = {"neutral": "neutral", "pos_s2t": "pos_t2s", "pos_t2s": "pos_s2t",
                      "neg_s2t": "neg_t2s", "neg_t2s": "neg_s2t"}
_NEWSMTSC_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}
_SEESAW_SENTIMENT = {"POS": "positive", "NEG": "negative"}
# SEESAW's subject/object when no entity is named (e.g. the author), or one outside the article's entity
# list, whose name the annotation does not give: both read as no name (the model input says "unknown")
_SEESAW_NO_ENTITY = ("None", "Not in the list")
from .parties import OPPOSED_SIDES  # SEESAW ideologies of opposite sides (party sides live in parties)


# --------------------------------------------------------------------------- where the data is
def _repo_root() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _candidates(path: str | Path | None) -> list[tuple[str, Path]]:
    if path is not None:
        return [("argument", Path(path))]
    env = os.environ.get(ENV_VAR)
    if env:
        return [(f"${ENV_VAR}", Path(env))]
    found = []
    root = _repo_root()
    if root is not None:
        found.append(("next to the repository", root.parent / "shared" / "data"))
    found.append(("working directory", Path("data")))
    return found


def data_dir(path: str | Path | None = None) -> Path:
    """The folder holding the corpora: ``path``, else $STANCE_DATA_DIR, else ``../shared/data``
    next to the repository root, else ``./data``. Raises StanceError listing where it looked."""
    candidates = _candidates(path)
    for _, folder in candidates:
        if folder.is_dir():
            return folder
    looked = "; ".join(f"{folder} ({why})" for why, folder in candidates)
    raise StanceError(f"no corpus data folder found; looked in: {looked}; {DOCS_HINT}")


def corpus_dir(name: str, root: str | Path | None = None) -> Path:
    """``data_dir(root) / name``; a clear StanceError when that corpus folder is missing."""
    base = data_dir(root)
    folder = base / name
    if not folder.is_dir():
        how = "; ".join(f"{why}: {where}" for why, where in _candidates(root))
        raise StanceError(f"corpus folder {folder} not found (data dir chosen from {how}); {DOCS_HINT}")
    return folder


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class DatasetSpec:
    """A parsed spec: ``corpus:split[:variant][@n]``, or ``kind:PATH[@n]`` for file adapters."""

    corpus: str
    split: str
    variant: str | None = None
    n: int | None = None

    @classmethod
    def parse(cls, spec: str) -> DatasetSpec:
        if not isinstance(spec, str) or ":" not in spec:
            raise StanceError(f"dataset spec {spec!r} is not CORPUS:SPLIT or KIND:PATH; {_SPEC_HELP}")
        corpus, rest = spec.split(":", 1)
        n = None
        match = re.fullmatch(r"(.*)@(\d+)", rest)
        if match:
            rest, n = match.group(1), int(match.group(2))
            if n < 1:
                raise StanceError(f"dataset spec {spec!r}: @N needs a positive number of records")
        elif "@" in rest and corpus not in _FILE_ADAPTERS:
            raise StanceError(f"dataset spec {spec!r}: @N needs a positive integer")
        if corpus in _FILE_ADAPTERS:
            if not rest:
                raise StanceError(f"dataset spec {spec!r}: missing the file path after '{corpus}:'")
            return cls(corpus, rest, None, n)
        split, _, variant = rest.partition(":")
        allowed = _SPLITS.get(corpus)
        if allowed is None:
            raise StanceError(f"unknown corpus {corpus!r} in dataset spec {spec!r}; {_SPEC_HELP}")
        if split not in allowed:
            raise StanceError(f"dataset spec {spec!r}: unknown split {split!r}; expected one of {list(allowed)}")
        if variant and not (corpus == "seesaw" and variant == "opposed"):
            raise StanceError(f"dataset spec {spec!r}: unknown variant {variant!r}")
        return cls(corpus, split, variant or None, n)


_SPLITS: dict[str, tuple[str, ...]] = {
    "dse": DSE_SPLITS,
    "dse-directed": DSE_SPLITS,
    "newsmtsc-rw": NEWSMTSC_SPLITS,
    "newsmtsc-mt": NEWSMTSC_SPLITS,
    "seesaw": SEESAW_SPLITS,
}
_FILE_ADAPTERS = ("seed", "gold", "jsonl")

# What model cards and run provenance say of each corpus (docs/data.md has the details and sources)
CORPORA: dict[str, dict[str, str]] = {
    "dse": {
        "title": "DSE: entity-to-entity directed sentiment in news sentences",
        "source": "https://github.com/bywords/directed_sentiment_analysis (commit 6a1275f)",
        "license": "no license file; the authors allow use when the paper is cited",
        "citation": "Kunwoo Park, Zhufeng Pan and Jungseock Joo. 2021. Who Blames or Endorses Whom? Entity-to-Entity "
                    "Directed Sentiment Extraction in News Text. Findings of ACL 2021. arXiv:2106.01033",
    },
    "newsmtsc": {
        "title": "NewsMTSC: target-dependent sentiment in political news",
        "source": "https://github.com/fhamborg/NewsMTSC (commit b9d9b79)",
        "license": "MIT (annotations and compilation; the sentences are excerpts of third-party outlets)",
        "citation": "Felix Hamborg and Karsten Donnay. 2021. NewsMTSC: A Dataset for (Multi-)Target-dependent "
                    "Sentiment Classification in Political News Articles. EACL 2021. https://aclanthology.org/2021.eacl-main.142/",
    },
    "seesaw": {
        "title": "SEESAW: entity-to-entity stance triplets in news articles",
        "source": "https://github.com/launchnlp/SEESAW (commit aeb7bac)",
        "license": "CC BY-NC-SA 4.0 (non-commercial; derived data share the license)",
        "citation": "Xinliang Frederick Zhang, Nick Beauchamp and Lu Wang. 2022. Generative Entity-to-Entity Stance "
                    "Detection with Knowledge Graph Augmentation. EMNLP 2022",
    },
}


def corpus_of(spec: str) -> str:
    """The corpus a dataset spec reads (``dse-directed:test`` -> ``dse``); a file adapter's spec as it is."""
    parsed = DatasetSpec.parse(spec)
    if parsed.corpus in _FILE_ADAPTERS:
        return f"{parsed.corpus}:{parsed.split}"
    return parsed.corpus.split("-")[0]
_SPEC_HELP = (
    "known: dse:{train,valid,test,test-leakfree}, dse-directed:{...}, newsmtsc-rw:{train,dev,test}, "
    "newsmtsc-mt:{train,dev,test}, seesaw:{train,valid}[:opposed], seed:PATH, gold:PATH, jsonl:PATH, "
    "each optionally followed by @N"
)


def load_dataset(
    spec: str,
    data_dir: str | Path | None = None,
    *,
    party_names: Mapping[str, str] | None = None,
) -> list[Statement]:
    """Statement records of a dataset spec (see the module docstring); ``@N`` samples N records."""
    parsed = DatasetSpec.parse(spec)
    root = data_dir  # the argument shadows data_dir(); corpus_dir() resolves it
    if parsed.corpus == "dse":
        records = load_dse(parsed.split, root)
    elif parsed.corpus == "dse-directed":
        records = [to_directed(r) for r in load_dse(parsed.split, root)]
    elif parsed.corpus in ("newsmtsc-rw", "newsmtsc-mt"):
        records = load_newsmtsc(parsed.corpus.split("-")[1], parsed.split, root)
    elif parsed.corpus == "seesaw":
        records = load_seesaw(parsed.split, root, opposed=parsed.variant == "opposed")
    elif parsed.corpus in ("seed", "gold"):
        records = load_gold(parsed.split, party_names=party_names)
    else:
        records = read_statements(parsed.split, label_field=LABEL_FIELD)
    if parsed.n is not None:
        records = sample(records, parsed.n)
    return records


def sample(records: list[Statement], n: int, seed: int = SAMPLE_SEED) -> list[Statement]:
    """The first ``n`` records after a shuffle seeded with ``seed`` (deterministic)."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:n]


def dataset_labels(spec: str) -> list[str]:
    """The label set of a spec, in its fixed order (for ``jsonl:`` read from the file)."""
    parsed = DatasetSpec.parse(spec)
    if parsed.corpus == "dse":
        return list(DSE_LABELS)
    if parsed.corpus in ("seed", "gold"):
        return list(SEED_LABELS)
    if parsed.corpus == "seesaw":
        return list(SEESAW_LABELS)
    if parsed.corpus == "jsonl":
        found = {r[LABEL_FIELD] for r in iter_statements(parsed.split, label_field=LABEL_FIELD)
                 if r.get(LABEL_FIELD) is not None}
        for fixed in (DIRECTED_LABELS, SEED_LABELS, DSE_LABELS):
            if found <= set(fixed):
                return list(fixed)
        return sorted(found)
    return list(DIRECTED_LABELS)


# --------------------------------------------------------------------------- line reading
def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line_number, line)`` without its newline, for each non-blank line of a UTF-8 text file."""
    if path.exists() and not path.is_file():
        raise InputError(path, "expected a file")
    return iter_lines(path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(path, f"malformed JSON: {err.msg} at column {err.colno}", line=err.lineno) from None


# --------------------------------------------------------------------------- DSE
def _csv_unquote(field: str) -> str:
    """Undo CSV quoting (``"a ""b"" c"`` -> ``a "b" c``) where a field carries it whole."""
    if len(field) >= 2 and field[0] == field[-1] == '"' and '"' not in field[1:-1].replace('""', ""):
        return field[1:-1].replace('""', '"')
    return field


_BRACKET = re.compile(r"[\[\]]")


def _bracket_pairs(sentence: str) -> list[tuple[int, int]]:
    """Matching ``[``/``]`` index pairs, in order of the opening bracket; unmatched ones are left out."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for match in _BRACKET.finditer(sentence):
        if match.group() == "[":
            stack.append(match.start())
        elif stack:
            pairs.append((stack.pop(), match.start()))
    return sorted(pairs)


def _norm_mention(text: str) -> str:
    return " ".join(text.replace("[", "").replace("]", "").split()).casefold()


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def align_brackets(sentence: str, p: str, q: str) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
    """Remove the brackets that mark ``p`` and ``q``; return the clean text and their spans in it.

    The bracketed mention is kept as bracketed (``[Breitbart New]s`` -> span over "Breitbart New"),
    blanks inside the brackets (and around the text) trimmed. The pair whose content matches ``p``
    is p's, preferring pairs apart from the other mention's; pairs left over are assigned in order
    when the sentence has exactly two outer pairs. Brackets nested inside a chosen pair are removed
    too; other pairs (``[sic]``) stay as text. A mention without a pair is searched for in the clean
    text; a span that cannot be found is None.
    """
    pairs = _bracket_pairs(sentence)
    content = {pair: _norm_mention(sentence[pair[0] + 1 : pair[1]]) for pair in pairs}
    chosen: dict[str, tuple[int, int] | None] = {"p": None, "q": None}
    for role, mention in (("p", p), ("q", q)):
        wanted = _norm_mention(mention)
        candidates = [pair for pair in pairs if content[pair] == wanted and pair not in chosen.values()]
        apart = [pair for pair in candidates if not any(_overlap(pair, c) for c in chosen.values() if c)]
        chosen[role] = (apart or candidates or [None])[0]
    outer = [pair for pair in pairs if not any(_overlap(pair, other) and other[0] < pair[0] for other in pairs)]
    if len(outer) == 2:  # the usual case: assign the pair(s) left in order
        free = [pair for pair in outer if pair not in chosen.values()]
        for role in ("p", "q"):
            if chosen[role] is None and free:
                chosen[role] = free.pop(0)
    # remove the brackets of the chosen pairs and of pairs inside them (all if none was chosen)
    used = [pair for pair in chosen.values() if pair is not None]
    if used:
        inside = [pair for pair in pairs if any(c[0] <= pair[0] and pair[1] <= c[1] for c in used)]
        removed = sorted({i for pair in inside for i in pair})
    else:
        removed = [m.start() for m in _BRACKET.finditer(sentence)]
    bounds = [-1, *removed, len(sentence)]
    clean = "".join(sentence[a + 1 : b] for a, b in zip(bounds, bounds[1:]))

    def to_clean(i: int) -> int:  # raw index -> clean index
        return i - bisect.bisect_left(removed, i)

    spans: dict[str, tuple[int, int] | None] = {}
    for role, mention in (("p", p), ("q", q)):
        pair = chosen[role]
        span = None
        if pair is not None:
            start, end = to_clean(pair[0] + 1), to_clean(pair[1])
            inner = clean[start:end]
            start += len(inner) - len(inner.lstrip())
            end -= len(inner) - len(inner.rstrip())
            span = (start, end) if start < end else None
        elif mention.strip():
            found = clean.find(mention.strip())
            span = (found, found + len(mention.strip())) if found >= 0 else None
        spans[role] = span
    lead = len(clean) - len(clean.lstrip())
    shifted = {role: (span[0] - lead, span[1] - lead) if span else None for role, span in spans.items()}
    return clean.strip(), shifted["p"], shifted["q"]


def _dse_path(split: str, root: str | Path | None) -> Path:
    return corpus_dir("dse", root) / f"{split}.txt"


def read_dse_file(path: str | Path, split: str | None = None) -> list[Statement]:
    """Read one DSE file (``sentence<TAB>p<TAB>q<TAB>label``) into official 5-class records."""
    path = Path(path)
    split = split or path.stem
    records: list[Statement] = []
    unaligned = 0
    for lineno, line in _iter_lines(path):
        fields = line.rsplit("\t", 3)
        if len(fields) != 4:
            raise InputError(path, f"expected 4 tab-separated fields (sentence, p, q, label), got {len(fields)}",
                             line=lineno)
        sentence, p, q, label = (_csv_unquote(f) for f in fields)
        try:
            label_id = int(label.strip())
        except ValueError:
            raise InputError(path, f"label {label!r} is not an integer id 0-4", line=lineno, field="label") from None
        if not 0 <= label_id < len(DSE_LABELS):
            raise InputError(path, f"unknown label id {label_id}; expected 0-4", line=lineno, field="label")
        for field, value in (("sentence", sentence), ("p", p), ("q", q)):
            if not value.strip():
                raise InputError(path, "empty value", line=lineno, field=field)
        text, p_span, q_span = align_brackets(sentence, p, q)
        if p_span is None or q_span is None:
            unaligned += 1
            log.debug("%s:%d: could not align the entity brackets", path, lineno)
        records.append({
            "doc_id": f"dse-{split}",
            "statement_id": str(lineno),
            "text": text,
            "source": p,
            "target": q,
            "source_start": p_span[0] if p_span else None,
            "source_end": p_span[1] if p_span else None,
            "target_start": q_span[0] if q_span else None,
            "target_end": q_span[1] if q_span else None,
            LABEL_FIELD: DSE_LABELS[label_id],
            "dse_label": label_id,
            "corpus": "dse",
            "split": split,
        })
    if unaligned:
        log.warning("%s: %d of %d rows could not be aligned to their brackets (spans left null)",
                    path, unaligned, len(records))
    return records


def _dse_key(record: Statement) -> tuple[str, str, str, str]:
    return (record["text"], record["source"], record["target"], record[LABEL_FIELD])


def load_dse(split: str, root: str | Path | None = None) -> list[Statement]:
    """The official 5-class DSE view of a split; ``test-leakfree`` drops test rows found in train."""
    if split != "test-leakfree":
        return read_dse_file(_dse_path(split, root), split)
    train = {_dse_key(r) for r in read_dse_file(_dse_path("train", root), "train")}
    test = read_dse_file(_dse_path("test", root), "test")
    kept = [dict(r, split="test-leakfree") for r in test if _dse_key(r) not in train]
    log.info("dse:test-leakfree: %d of %d test rows repeat a training row; %d kept",
             len(test) - len(kept), len(test), len(kept))
    return kept


def _swap_entities(record: Statement) -> Statement:
    out = dict(record)
    out["source"], out["target"] = record.get("target"), record.get("source")
    out["source_start"], out["target_start"] = record.get("target_start"), record.get("source_start")
    out["source_end"], out["target_end"] = record.get("target_end"), record.get("source_end")
    return out


def to_directed(record: Statement) -> Statement:
    """An official DSE record as source -> target with negative/neutral/positive (same ids)."""
    label_id = record["dse_label"]
    swap, label = _DSE_DIRECTED[label_id]
    out = _swap_entities(record) if swap else dict(record)
    out[LABEL_FIELD] = label
    out["swapped"] = swap
    return out


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
    out = _swap_entities(record)
    label = record.get(label_field)
    if label is not None:
        if label not in _SWAPPED_DSE_LABEL:
            raise InputError(None, f"cannot swap label {label!r}; expected one of {list(DSE_LABELS)}",
                             field=label_field)
        out[label_field] = _SWAPPED_DSE_LABEL[label]
        if "dse_label" in record:
            out["dse_label"] = DSE_LABELS.index(out[label_field])
    return out


# --------------------------------------------------------------------------- NewsMTSC
def _newsmtsc_path(variant: str, split: str, root: str | Path | None) -> Path:
    base = corpus_dir("newsmtsc", root)
    if split == "train":
        return base / "NewsMTSC-dataset" / "train.jsonl"
    return base / f"newsmtsc-{variant}" / f"{split}.jsonl"


def read_newsmtsc_file(path: str | Path, variant: str, split: str) -> list[Statement]:
    """One record per target: (sentence, target span) -> negative/neutral/positive; no source."""
    path = Path(path)
    records: list[Statement] = []
    for lineno, obj in iter_jsonl(path):
        sentence = obj.get("sentence_normalized")
        if not isinstance(sentence, str) or not sentence.strip():
            raise InputError(path, "missing or empty sentence", line=lineno, field="sentence_normalized")
        doc_id = obj.get("primary_gid")
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError(path, "missing id", line=lineno, field="primary_gid")
        targets = obj.get("targets")
        if not isinstance(targets, list) or not targets:
            raise InputError(path, "expected a non-empty list of targets", line=lineno, field="targets")
        for i, target in enumerate(targets):
            where = f"targets[{i}]"
            if not isinstance(target, dict):
                raise InputError(path, "expected an object", line=lineno, field=where)
            start, end, mention = target.get("from"), target.get("to"), target.get("mention")
            if (not isinstance(start, int) or not isinstance(end, int) or not isinstance(mention, str)
                    or not 0 <= start < end <= len(sentence) or sentence[start:end] != mention):
                raise InputError(path, f"span from={start!r} to={end!r} does not hold mention {mention!r}",
                                 line=lineno, field=f"{where}.from")
            polarity = target.get("polarity")
            if isinstance(polarity, bool) or polarity not in _NEWSMTSC_POLARITY:
                raise InputError(path, f"unknown polarity {polarity!r}; expected 2.0, 4.0 or 6.0",
                                 line=lineno, field=f"{where}.polarity")
            gid = target.get("Input.gid")
            if not isinstance(gid, str) or not gid:
                raise InputError(path, "missing target id", line=lineno, field=f"{where}.Input.gid")
            records.append({
                "doc_id": doc_id,
                "statement_id": gid,
                "text": sentence,
                "source": None,
                "target": mention,
                "source_start": None,
                "source_end": None,
                "target_start": start,
                "target_end": end,
                LABEL_FIELD: _NEWSMTSC_POLARITY[polarity],
                "corpus": "newsmtsc",
                "variant": variant,
                "split": split,
            })
    return records


def load_newsmtsc(variant: str, split: str, root: str | Path | None = None) -> list[Statement]:
    """NewsMTSC ``rw`` or ``mt`` dev/test, or the shared train set."""
    return read_newsmtsc_file(_newsmtsc_path(variant, split, root), variant, split)


# --------------------------------------------------------------------------- SEESAW
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


def seesaw_stories(split: str, root: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Story id (``TRIPLET_NNN``) -> meta of every SEESAW story whose ``Split`` is ``split``."""
    base = corpus_dir("seesaw", root) / "meta"
    stories = {}
    for path in sorted(base.glob("TRIPLET_*.json")):
        meta = _read_json(path)
        if not isinstance(meta, dict) or not isinstance(meta.get("Split"), str):
            raise InputError(path, "missing the story's Split", field="Split")
        if meta["Split"] == split:
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


# --------------------------------------------------------------------------- gold / seed files
_SENTENCE_END = re.compile(r"[.!?]+[”’\"')\]]*(?=\s)")
_NOT_A_BOUNDARY = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|St|Jr|Sr|No|vs|etc))\.$")


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    if match.group().startswith(".") and _NOT_A_BOUNDARY.search(text[: match.start() + 1]):
        return False
    return True


def sentence_context(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` that hold ``text[start:end]``, within its paragraph."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    left, right = para_start, para_end
    for match in _SENTENCE_END.finditer(text, para_start, para_end):
        if not _is_boundary(text, match):
            continue
        if match.end() <= start:
            left = match.end()
        elif match.end() >= end:
            right = match.end()
            break
    return text[left:right].strip()


def _article_beside(path: Path, doc_id: str | None) -> Path | None:
    names = [f"{path.name.split('.')[0]}.txt"]
    if doc_id:
        names.insert(0, f"{doc_id}.txt")
    for name in names:
        candidate = path.with_name(name)
        if candidate.is_file():
            return candidate
    return None


def load_gold(path: str | Path, *, party_names: Mapping[str, str] | None = None) -> list[Statement]:
    """A gold JSONL like the seed example as statement records.

    text = ``content``, source = ``speaker``, target = the display name of ``target_party``
    (``party_names``; an unknown code is kept as is), context = the sentence(s) around the content
    when the article ``.txt`` sits beside the file. Labels are kept as in the file.
    """
    path = Path(path)
    names = dict(DEFAULT_PARTY_NAMES if party_names is None else party_names)
    articles: dict[Path, str] = {}
    seen: dict[tuple[str, str], int] = {}
    records: list[Statement] = []
    for lineno, obj in iter_jsonl(path):
        record = dict(obj)
        content = record.get("content", record.get("text"))
        if not isinstance(content, str):
            raise InputError(path, "missing the statement's content", line=lineno, field="content")
        record["text"] = content
        record["source"] = record.get("speaker") if "source" not in obj else obj["source"]
        party = record.get("target_party")
        if party is not None and not isinstance(party, str):
            raise InputError(path, f"expected a party code, got {party!r}", line=lineno, field="target_party")
        record["target"] = names.get(party, party) if party else record.get("target")
        record["context"] = record.get("context")
        article_path = _article_beside(path, record.get("doc_id") if isinstance(record.get("doc_id"), str) else None)
        if article_path is not None and record["context"] is None:
            if article_path not in articles:
                articles[article_path] = read_text(article_path)
            record["context"] = _gold_context(articles[article_path], record, path, lineno)
        record = validate_statement(record, path=path, line=lineno, label_field=LABEL_FIELD,
                                    labels=SEED_LABELS, require_label=True)
        key = (record["doc_id"], record["statement_id"])
        if key in seen:
            raise InputError(path, f"duplicated id {key}, first on line {seen[key]}", line=lineno,
                             field="statement_id")
        seen[key] = lineno
        records.append(record)
    return records


def _gold_context(article: str, record: Statement, path: Path, lineno: int) -> str | None:
    content, start, end = record["text"], record.get("start"), record.get("end")
    if start is None and end is None:
        start = article.find(content)
        if start < 0:
            return None
        end = start + len(content)
    if (isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int)
            or not isinstance(end, int) or article[start:end] != content):
        raise InputError(path, f"start={start!r} end={end!r} do not hold the content in the article",
                         line=lineno, field="start")
    return sentence_context(article, start, end)


# --------------------------------------------------------------------------- leakage
def dedup_against(train: list[Statement], *others: list[Statement]) -> list[Statement]:
    """Drop training records that repeat a record of any other set: same text, source and target after
    :func:`stance.leakage.fold` (the near repeats that :func:`stance.leakage.check` reports)."""
    held_out = {near_key(r) for records in others for r in records}
    kept = [r for r in train if near_key(r) not in held_out]
    log.info("dedup: dropped %d of %d training records that also occur in the evaluation data",
             len(train) - len(kept), len(train))
    return kept
