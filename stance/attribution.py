"""A learned attribution model: source / cue / content spans by token classification over an encoder.

Why BIO tags over an encoder. Attribution taggers in the literature are of two shapes. Span-based and
graph models (CofeNet, COLING 2022, about 73 content F1 on PolNeAR with a BERT-base encoder; span-pair
scorers) score candidate spans and their links jointly; sequence taggers (the CRF taggers of PARC 3.0
work, Citron's source / cue / content CRFs) give every token one role. PolNeAR is *univocal*: within one
annotation file a token has at most one role in at most one attribution, so one tag per token loses
nothing, and the roles never overlap. BIO tags with one tag set per role (``B-/I-SOURCE``,
``B-/I-CUE``, ``B-/I-CONTENT``) over a small encoder is therefore the simple strong baseline: one linear
layer, no span enumeration (contents run to 100+ tokens, where span enumeration is costly), and a
greedy decoder whose errors are easy to read. What the tags do not carry, which source and cue belong to
which content, is left to a short decoding pass (:func:`decode`), measured on the held-out part of train.

Tags. ``B`` marks the first token of an attribution's role, ``I`` every later token of the same role of
the same attribution, *including those of its later fragments*: in ``"X," he said, "Y."`` the content
tokens of ``Y`` are ``I-CONTENT`` after a gap, which is how a discontinuous content is told apart from two
contents. Tokens are labelled by the role of their first character.

Long articles. The article is tokenised once by the fast tokenizer (its offset mapping gives each token's
characters in the article); windows of ``max_length`` tokens (with the special tokens) start every
``stride`` tokens; at prediction each token's role probabilities are averaged over the windows holding it.
Character offsets of every span are those of its first and last token: exact in the article's text.

Decoding. Each token takes the role whose B and I probabilities sum highest, then B or I within it
(:meth:`AttributionModel.tags`). :func:`decode` groups the tags: contents are B/I-CONTENT runs (an I run
after a gap of at most ``max_gap_tokens`` tokens continues the previous run as a new fragment), and those
shorter than ``min_content_tokens`` are dropped; contents and cues are paired one to one by a
minimum-cost assignment (cost: characters between them plus half of ``max_link_chars`` per sentence boundary; none
beyond ``max_link_chars``; a cue between a content's fragments costs nothing); each cue takes its nearest
source (a source may serve several cues: "Obama said ... and added ..."); a content without a cue takes
its nearest source. The defaults were chosen on the held-out month of PolNeAR train (docs/results.md):
gap 4, 150 characters, 5 tokens (against 12, 250 and 2: model content F1 0.49 -> 0.58 and source
accuracy 0.67 -> 0.76 there).

Usage::

    model = AttributionModel.from_pretrained("runs/attribution/model")
    model.predict("Trump said the wall would be built.")
    # [{"content": "the wall would be built", "start": 11, "end": 34, "speaker": "Trump", ...}]
"""
from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, StanceError

log = logging.getLogger(__name__)

ROLES = ("SOURCE", "CUE", "CONTENT")
LABELS = ("O", *(f"{p}-{r}" for r in ROLES for p in ("B", "I")))
LABEL_ID = {label: i for i, label in enumerate(LABELS)}
CONFIG_FILE = "attribution_config.json"
# the role names of the records (speaker, cue, content) for the tag roles
_FIELD = {"SOURCE": "speaker", "CUE": "cue", "CONTENT": "content"}


@dataclass
class WindowSpec:
    """How an article is cut into encoder windows: ``max_length`` tokens with the special tokens, a new
    window every ``stride`` tokens."""

    max_length: int = 256
    stride: int = 128

    def __post_init__(self) -> None:
        if self.max_length < 8:
            raise StanceError(f"max_length must be >= 8, got {self.max_length}")
        if not 0 < self.stride <= self.max_length - 2:
            raise StanceError(f"stride must be in 1..max_length-2, got {self.stride}")


@dataclass
class DecodeSpec:
    """The decoding pass's knobs (see the module docstring)."""

    max_gap_tokens: int = 4
    max_link_chars: int = 150
    min_content_tokens: int = 5


# --------------------------------------------------------------------------- tags
def _role_pieces(statement: dict[str, Any]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    frags = statement.get("fragments") or [[statement["start"], statement["end"]]]
    out["CONTENT"] = [tuple(f) for f in frags]  # type: ignore[misc]
    for role, prefix in (("SOURCE", "speaker"), ("CUE", "cue")):
        s, e = statement.get(f"{prefix}_start"), statement.get(f"{prefix}_end")
        if isinstance(s, int) and isinstance(e, int) and e > s:
            out[role] = [tuple(f) for f in statement.get(f"{prefix}_fragments") or [[s, e]]]  # type: ignore[misc]
    return out


def char_roles(text: str, statements: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Per character: the role index (0: none, 1..3: ROLES) and the attribution's index (-1: none).
    Where annotations overlap (never within one PolNeAR file) the later one wins."""
    role = np.zeros(len(text), dtype=np.int8)
    owner = np.full(len(text), -1, dtype=np.int32)
    for k, st in enumerate(statements):
        for r, pieces in _role_pieces(st).items():
            for s, e in pieces:
                role[s:e] = ROLES.index(r) + 1
                owner[s:e] = k
    return role, owner


def token_labels(text: str, offsets: Sequence[tuple[int, int]], statements: Sequence[dict[str, Any]]) -> list[int]:
    """The BIO label id of each token (its first non-space character's role; see the module docstring)."""
    role, owner = char_roles(text, statements)
    labels = []
    seen: set[tuple[int, int]] = set()
    for s, e in offsets:
        c = s
        while c < e and text[c].isspace():
            c += 1
        if c >= e or role[c] == 0:
            labels.append(0)
            continue
        key = (int(owner[c]), int(role[c]))
        name = ROLES[role[c] - 1]
        labels.append(LABEL_ID[("I-" if key in seen else "B-") + name])
        seen.add(key)
    return labels


def windows(n_tokens: int, spec: WindowSpec) -> list[tuple[int, int]]:
    """``[start, end)`` token ranges covering ``n_tokens`` (every token in at least one)."""
    size = spec.max_length - 2
    if n_tokens <= size:
        return [(0, n_tokens)]
    out = []
    start = 0
    while True:
        end = min(start + size, n_tokens)
        out.append((start, end))
        if end == n_tokens:
            return out
        start += spec.stride


def tokenize_article(tokenizer: Any, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and their character offsets in ``text`` (no special tokens)."""
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False)
    return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]


def article_windows(tokenizer: Any, text: str, spec: WindowSpec,
                    statements: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The encoder inputs of one article: per window ``input_ids`` (with special tokens), ``token_range``
    and, given gold ``statements``, ``labels`` (-100 on the special tokens)."""
    ids, offsets = tokenize_article(tokenizer, text)
    labels = token_labels(text, offsets, statements) if statements is not None else None
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = []
    for s, e in windows(len(ids), spec):
        row: dict[str, Any] = {"input_ids": [cls, *ids[s:e], sep], "token_range": (s, e)}
        if labels is not None:
            row["labels"] = [-100, *labels[s:e], -100]
        out.append(row)
    return out


# --------------------------------------------------------------------------- decoding
@dataclass
class _Run:
    role: str
    tokens: list[int] = field(default_factory=list)  # token indices
    pieces: list[list[int]] = field(default_factory=list)  # contiguous token runs


def _runs(tags: Sequence[str], max_gap: int) -> list[_Run]:
    """Group BIO tags into per-role runs; an I run after a gap continues the role's last run when the gap
    is at most ``max_gap`` tokens and holds no B of the same role (a new fragment), else starts a run."""
    runs: list[_Run] = []
    last: dict[str, tuple[_Run, int]] = {}  # role -> (its open run, index of its last token)
    prev = "O"
    for i, tag in enumerate(tags):
        if tag == "O":
            prev = tag
            continue
        bio, role = tag.split("-", 1)
        open_run = last.get(role)
        if bio == "I" and prev.endswith(role) and open_run is not None and open_run[1] == i - 1:
            run = open_run[0]
            run.tokens.append(i)
            run.pieces[-1].append(i)
        elif bio == "I" and open_run is not None and i - open_run[1] - 1 <= max_gap:
            run = open_run[0]
            run.tokens.append(i)
            run.pieces.append([i])
        else:
            run = _Run(role, [i], [[i]])
            runs.append(run)
        last[role] = (run, i)
        prev = tag
    return runs


def _char_pieces(run: _Run, offsets: Sequence[tuple[int, int]]) -> list[list[int]]:
    return [[offsets[p[0]][0], offsets[p[-1]][1]] for p in run.pieces]


def _gap(a: list[list[int]], b: list[list[int]]) -> int:
    """Characters between two sets of pieces (0 when they touch or interleave)."""
    best = None
    for s1, e1 in a:
        for s2, e2 in b:
            d = max(0, s2 - e1, s1 - e2)
            best = d if best is None else min(best, d)
    return best if best is not None else 10**9


def _inside(inner: list[list[int]], outer: list[list[int]]) -> bool:
    return len(outer) > 1 and outer[0][1] <= inner[0][0] and inner[-1][1] <= outer[-1][0]


def _quoted(text: str, pieces: list[list[int]]) -> str:
    from .corpora.polnear import _quoted as quoted

    return quoted(text, [tuple(p) for p in pieces])


_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[\"“‘A-Z])|\n")


def _link_cost(text: str, a: list[list[int]], b: list[list[int]], max_chars: int) -> float | None:
    """How far apart two span sets are: characters between them, plus ``max_chars`` / 2 for each sentence
    boundary between them (a cue between a content's fragments costs nothing); None when too far."""
    if _inside(a, b) or _inside(b, a):
        return 0.0
    d = _gap(a, b)
    if d > max_chars:
        return None
    lo = min(a[-1][1], b[-1][1]) if a[0][0] > b[-1][1] or b[0][0] > a[-1][1] else 0
    hi = max(a[0][0], b[0][0])
    between = text[lo:hi] if hi > lo else ""
    return d + len(_SENTENCE_END.findall(between)) * max_chars / 2


def _assign(costs: list[list[float | None]]) -> dict[int, int]:
    """Rows to columns, one to one, minimising the summed cost over the allowed pairs."""
    if not costs or not costs[0]:
        return {}
    from scipy.optimize import linear_sum_assignment

    big = 1e9
    m = np.array([[big if c is None else c for c in row] for row in costs])
    rows, cols = linear_sum_assignment(m)
    return {int(r): int(c) for r, c in zip(rows, cols) if m[r, c] < big}


def decode(text: str, offsets: Sequence[tuple[int, int]], tags: Sequence[str], spec: DecodeSpec | None = None,
           *, doc_id: str = "text", name: str = "attribution-model") -> list[dict[str, Any]]:
    """Statement records from per-token BIO tags (see the module docstring)."""
    spec = spec or DecodeSpec()
    runs = _runs(tags, spec.max_gap_tokens)
    contents = [_char_pieces(r, offsets) for r in runs
                if r.role == "CONTENT" and len(r.tokens) >= spec.min_content_tokens]
    cues = [_char_pieces(r, offsets) for r in runs if r.role == "CUE"]
    sources = [_char_pieces(r, offsets) for r in runs if r.role == "SOURCE"]
    # each cue its nearest source (a source may serve several cues: "Obama said ... and added ...")
    cue_source: dict[int, int] = {}
    for k, cue in enumerate(cues):
        best = min(((c, j) for j, src in enumerate(sources)
                    if (c := _link_cost(text, cue, src, spec.max_link_chars)) is not None), default=None)
        if best is not None:
            cue_source[k] = best[1]
    # contents and cues one to one, nearest first overall
    content_cue = _assign([[_link_cost(text, c, cue, spec.max_link_chars) for cue in cues] for c in contents])
    records = []
    for n, pieces in enumerate(contents):
        start, end = pieces[0][0], pieces[-1][1]
        rec: dict[str, Any] = {"doc_id": doc_id, "statement_id": f"m{n + 1}", "content": text[start:end],
                               "start": start, "end": end}
        if len(pieces) > 1:
            rec["fragments"] = pieces
        cue = content_cue.get(n)
        src: int | None = cue_source.get(cue) if cue is not None else None
        if src is None:
            best = min(((c, j) for j, s in enumerate(sources)
                        if (c := _link_cost(text, pieces, s, spec.max_link_chars)) is not None), default=None)
            src = best[1] if best is not None else None
        for key, p in (("cue", cues[cue] if cue is not None else None),
                       ("speaker", sources[src] if src is not None else None)):
            if p is None:
                rec.update({key: None, f"{key}_start": None, f"{key}_end": None})
                continue
            rec.update({key: " ".join(text[s:e] for s, e in p), f"{key}_start": p[0][0], f"{key}_end": p[-1][1]})
            if len(p) > 1:
                rec[f"{key}_fragments"] = p
        quoted = _quoted(text, pieces)
        rec["quoted"] = quoted
        rec["kind"] = {"full": "direct", "partial": "mixed", "none": "indirect"}[quoted]  # the rule extractor's names
        rec["rule"] = name
        records.append(rec)
    return records


# --------------------------------------------------------------------------- the model
class AttributionModel:
    """A token classifier of source / cue / content with its tokenizer, windows and decoder."""

    def __init__(self, model: Any, tokenizer: Any, window: WindowSpec | None = None, decoding: DecodeSpec | None = None,
                 *, name: str = "attribution-model", encoder: str | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.window = window or WindowSpec()
        self.decoding = decoding or DecodeSpec()
        self.name = name
        self.encoder = encoder
        self.precision = "fp32"

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike[str], *, window: WindowSpec | None = None,
                        num_threads: int | None = None, precision: str = "auto") -> AttributionModel:
        """A saved attribution model (a run's ``model/``), or a fresh one on an encoder (``default``,
        ``mpnet-base``, a folder) with a new classification layer (for training)."""
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from .config import resolve_model_path
        from .hardware import resolve_precision

        if num_threads:
            torch.set_num_threads(num_threads)
        path = Path(str(name_or_path))
        saved = path / CONFIG_FILE
        if path.is_dir() and saved.is_file():
            try:
                conf = json.loads(saved.read_text(encoding="utf-8"))
                if list(conf["labels"]) != list(LABELS):
                    raise ValueError(f"labels {conf['labels']} are not {list(LABELS)}")
                win = window or WindowSpec(**conf["window"])
                dec = DecodeSpec(**conf.get("decoding", {}))
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise InputError(saved, f"not an attribution model's config: {err}") from None
            source, name, encoder = str(path), conf.get("name", "attribution-model"), conf.get("encoder")
        elif path.is_dir() and (path / "stance_config.json").is_file():
            raise InputError(path, "a stance classifier's folder, not an attribution model's")
        else:
            source, name, encoder, win, dec = resolve_model_path(str(name_or_path)), "attribution-model", \
                str(name_or_path), window or WindowSpec(), DecodeSpec()
        fresh = not saved.is_file()  # an encoder: its own head (if any) gives way to the tagger's
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
            model = AutoModelForTokenClassification.from_pretrained(
                source, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=LABEL_ID,
                ignore_mismatched_sizes=fresh)
        except OSError as err:
            raise InputError(source, f"cannot load an encoder or attribution model: {str(err).splitlines()[0]}") from None
        finally:
            hf_logging.set_verbosity(verbosity)
        if not getattr(tokenizer, "is_fast", False):
            raise InputError(source, "the attribution model needs a fast tokenizer (character offsets)")
        model.eval()
        out = cls(model, tokenizer, win, dec, name=name, encoder=encoder)
        out.precision = resolve_precision(precision, cuda=False) if precision else "fp32"
        return out

    def save_pretrained(self, path: str | os.PathLike[str], *, extra: dict[str, Any] | None = None) -> Path:
        from .io import make_dir, write_json

        path = make_dir(path)
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        write_json(path / CONFIG_FILE, {"labels": list(LABELS), "window": asdict(self.window),
                                        "decoding": asdict(self.decoding), "name": self.name,
                                        "encoder": self.encoder, **(extra or {})})
        return path

    # ------------------------------------------------------------------ prediction
    def token_proba(self, text: str, *, batch_size: int = 16) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each token's offsets and its label probabilities, averaged over the windows holding it."""
        import torch

        rows = article_windows(self.tokenizer, text, self.window)
        n = rows[-1]["token_range"][1] if rows else 0
        _, offsets = tokenize_article(self.tokenizer, text)
        total = np.zeros((n, len(LABELS)), dtype=np.float32)
        count = np.zeros((n, 1), dtype=np.float32)
        pad = self.tokenizer.pad_token_id or 0
        bf16 = self.precision == "bf16"
        for b in range(0, len(rows), batch_size):
            batch = rows[b : b + batch_size]
            width = max(len(r["input_ids"]) for r in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for k, r in enumerate(batch):
                ids[k, : len(r["input_ids"])] = torch.tensor(r["input_ids"])
                mask[k, : len(r["input_ids"])] = 1
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
            proba = torch.softmax(logits, dim=-1).numpy()
            for k, r in enumerate(batch):
                s, e = r["token_range"]
                total[s:e] += proba[k, 1 : 1 + e - s]
                count[s:e] += 1
        return offsets, total / np.maximum(count, 1)

    @staticmethod
    def tags(proba: np.ndarray) -> list[str]:
        """Each token's role by its summed B and I probabilities, then B or I within the role (the decoder
        reads an I without a run to continue as a B)."""
        if not len(proba):
            return []
        role = np.stack([proba[:, 0], proba[:, 1] + proba[:, 2], proba[:, 3] + proba[:, 4],
                         proba[:, 5] + proba[:, 6]], axis=1).argmax(axis=1)
        out = []
        for k, r in enumerate(role):
            out.append("O" if r == 0 else LABELS[2 * r - 1] if proba[k, 2 * r - 1] > proba[k, 2 * r] else LABELS[2 * r])
        return out

    def predict(self, text: str, *, doc_id: str = "text") -> list[dict[str, Any]]:
        """The attributions of one article as statement records (content, speaker, cue spans; ``rule``:
        this model's name)."""
        if not isinstance(text, str):
            raise StanceError(f"predict takes an article's text (a string), got {type(text).__name__}")
        if not text.strip():
            return []
        offsets, proba = self.token_proba(text)
        return decode(text, offsets, self.tags(proba), self.decoding, doc_id=doc_id, name=self.name)

    def predict_articles(self, articles: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """:meth:`predict` over articles (``doc_id``, ``text``)."""
        out = []
        for article in articles:
            out.extend(self.predict(article["text"], doc_id=str(article["doc_id"])))
        return out


def count_words(text: str) -> int:
    return len(re.findall(r"\S+", text))
