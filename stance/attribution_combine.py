"""Rules and the learned attribution model together: what ``stance extract --attribution-model DIR`` runs.

The rule extractor (:mod:`stance.extraction`) is precise and resolves speakers to people and parties; the
model (:mod:`stance.attribution`) finds far more of PolNeAR's attributions, reported speech and internal
states above all, where the rules stop. :func:`combine` merges the two lists of one article; the strategy
was chosen by measurement on the held-out part of PolNeAR train (docs/results.md, "A learned attribution
model"):

- ``union`` (the default): every rule statement, plus each model statement whose content shares no word
  with a rule statement's content. Rules keep what they find, with their speaker resolution and parties;
  the model adds what they miss.
- ``model``: the model's statements only, each one's speaker resolution and parties taken from the rule
  statement it overlaps (content Jaccard >= 0.5) when there is one.
- ``model_first``: the model's statements (as in ``model``), plus the rule statements no model statement
  overlaps.

Given the article's parse (``doc``), a model statement without a source in its cue's sentence takes the
subject of its cue as the parse gives it (:func:`stance.extraction.cue_subject`, the rules' own reading of
a cue), where there is one (chosen on the held-out month over always taking the parse's subject, and over
never: docs/results.md). A model
statement without a rule statement to take its resolution from gets its speaker's canonical name and
party from a rule statement whose speaker span overlaps its own (the same mention, resolved by the
rules), else its party from the speaker's words (:meth:`stance.parties.PartyConfig.party_of`). Every
record says which path found it: ``rule`` is the rule extractor's name (``rules`` when the extractor gives
none) or the model's name.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .errors import StanceError
from .extraction_eval import content_tokens, token_overlap

log = logging.getLogger(__name__)

STRATEGIES = ("union", "model", "model_first")
DEFAULT_STRATEGY = "union"
RULES = "rules"
# the model's kinds in the rule extractor's words
_KIND = {"direct": "direct", "mixed": "mixed", "reported": "indirect", "indirect": "indirect"}


def _context(text: str, start: int, end: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return text[lo : hi if hi >= 0 else len(text)].strip()


def _speaker_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    s1, e1, s2, e2 = a.get("speaker_start"), a.get("speaker_end"), b.get("speaker_start"), b.get("speaker_end")
    return all(isinstance(x, int) for x in (s1, e1, s2, e2)) and s1 < e2 and s2 < e1


_RESOLVED = ("speaker", "speaker_start", "speaker_end", "speaker_canonical", "speaker_party", "target_party",
             "source", "target")


def _sentence_start(doc: Any, start: int, end: int) -> int | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    return None if span is None or not len(span) else span[0].sent.start


def _parsed_speaker(rec: dict[str, Any], text: str, doc: Any) -> dict[str, Any]:
    """``rec`` with its source span taken from the parse of its cue when the model gives no source in
    the cue's sentence and the parse gives one."""
    cs, ce = rec.get("cue_start"), rec.get("cue_end")
    if doc is None or not isinstance(cs, int) or not isinstance(ce, int):
        return rec
    ss, se = rec.get("speaker_start"), rec.get("speaker_end")
    if isinstance(ss, int) and isinstance(se, int) and _sentence_start(doc, ss, se) == _sentence_start(doc, cs, ce):
        return rec
    from .extraction import cue_subject

    span = cue_subject(doc, cs, ce)
    if span is None:
        return rec
    out = {k: v for k, v in rec.items() if k != "speaker_fragments"}
    out.update(speaker=text[span[0]:span[1]], speaker_start=span[0], speaker_end=span[1])
    return out


def _complete(rec: dict[str, Any], text: str, rules: Sequence[dict[str, Any]], parties: Any,
              metadata: dict[str, Any], doc: Any = None) -> dict[str, Any]:
    """A model statement in the rule records' shape: canonical speaker, parties, context, metadata."""
    out = _parsed_speaker(dict(rec), text, doc)
    out["kind"] = _KIND.get(str(rec.get("kind")), rec.get("kind"))
    out["text"] = rec["content"]
    out["context"] = _context(text, rec["start"], rec["end"])
    same = next((r for r in rules if _speaker_overlap(r, rec)), None)
    canonical = same.get("speaker_canonical") if same is not None else None
    speaker_party = same.get("speaker_party") if same is not None else None
    target_party = None
    if parties is not None:
        if speaker_party is None and same is None:
            speaker_party = parties.party_of(rec.get("speaker"))
        target_party = parties.target_party(speaker_party, rec["content"])
        if target_party == speaker_party:
            target_party = None
    out.update({"speaker_canonical": canonical, "speaker_party": speaker_party, "target_party": target_party,
                "source": canonical or rec.get("speaker"),
                "target": parties.display_name(target_party) if parties is not None else None})
    for key, value in metadata.items():
        out.setdefault(key, value)
    return out


def _adopt(model_rec: dict[str, Any], rule_rec: dict[str, Any]) -> dict[str, Any]:
    """The model's spans with the rule statement's speaker, resolution and parties."""
    out = dict(model_rec)
    for key in _RESOLVED:
        if key in rule_rec:
            out[key] = rule_rec[key]
    return out


def combine(rules: Sequence[dict[str, Any]], model: Sequence[dict[str, Any]], text: str, *,
            strategy: str = DEFAULT_STRATEGY, parties: Any = None,
            metadata: dict[str, Any] | None = None, doc: Any = None) -> list[dict[str, Any]]:
    """The statements of one article from its rule and model statements (see the module docstring),
    in text order, numbered ``s001``... like the rule extractor's. ``doc``: the article's spaCy parse,
    for the sources of the model's cues (without it, the model's source spans)."""
    if strategy not in STRATEGIES:
        raise StanceError(f"unknown combination {strategy!r}; valid: {', '.join(STRATEGIES)}")
    metadata = metadata or {}
    rules = [dict(r, rule=r.get("rule") or RULES) for r in rules]
    model = [_complete(m, text, rules, parties, metadata, doc) for m in model]
    r_tok = [content_tokens(r) for r in rules]
    m_tok = [content_tokens(m) for m in model]
    if strategy == "union":
        out = list(rules) + [m for m, mt in zip(model, m_tok) if not any(mt & rt for rt in r_tok)]
    else:
        out = []
        used: set[int] = set()
        for m, mt in zip(model, m_tok):
            best = max(((token_overlap(mt, rt), k) for k, rt in enumerate(r_tok)), default=(0.0, -1))
            if best[0] >= 0.5:
                used.add(best[1])
                out.append(_adopt(m, rules[best[1]]))
            else:
                out.append(m)
        if strategy == "model_first":
            out += [r for k, (r, rt) in enumerate(zip(rules, r_tok))
                    if k not in used and not any(rt & mt for mt in m_tok)]
    out.sort(key=lambda r: (r["start"], r["end"]))
    doc_id = str(metadata.get("doc_id") or (out[0]["doc_id"] if out else "doc"))
    for n, r in enumerate(out, start=1):
        r["doc_id"] = r.get("doc_id", doc_id)
        r["statement_id"] = f"s{n:03d}"
    return out


def extract_many_combined(articles: Iterable[tuple[str, str, dict[str, Any]]], model: Any, *, nlp: Any = None,
                          parties: Any = None, strategy: str = DEFAULT_STRATEGY,
                          batch_size: int = 16) -> Iterator[dict[str, Any]]:
    """:func:`stance.extraction.extract_many` with the model's statements combined in, article by article."""
    from .extraction import extract_parsed
    from .nlp import load_nlp

    nlp = nlp if nlp is not None else load_nlp()
    queue: list[tuple[str, str, dict[str, Any]]] = []

    def tracked() -> Iterator[tuple[str, str, dict[str, Any]]]:
        for article in articles:
            queue.append(article)
            yield article

    for doc, rules in extract_parsed(tracked(), nlp, parties, batch_size):
        doc_id, text, meta = queue.pop(0)
        found = model.predict(text, doc_id=doc_id) if text.strip() else []
        yield from combine(rules, found, text, strategy=strategy, parties=parties, metadata=meta, doc=doc)


def extract_files_combined(articles: list[str], output: str, model_dir: str, parties: str | None = None,
                           strategy: str = DEFAULT_STRATEGY) -> int:
    """``stance extract --attribution-model DIR``: rules and model combined (module docstring)."""
    from .attribution import AttributionModel
    from .extraction import iter_articles
    from .io import check_output_file, read_once, write_jsonl
    from .parties import PartyConfig

    check_output_file(output, inputs=[*articles, model_dir, *([parties] if parties else [])])
    config = PartyConfig.from_yaml(parties) if parties else None
    model = AttributionModel.from_pretrained(model_dir)
    t0 = time.time()
    with read_once(articles) as files:
        n_articles = sum(1 for _ in iter_articles(files))
        n = write_jsonl(output, extract_many_combined(iter_articles(files), model, parties=config, strategy=strategy))
    log.info("wrote %d statements from %d articles to %s (rules + %s, %s) in %.0f s", n, n_articles, output,
             model.name, strategy, time.time() - t0)
    return n


def by_path(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many statements each path found (the ``rule`` field)."""
    counts: dict[str, int] = {}
    for r in records:
        counts[str(r.get("rule"))] = counts.get(str(r.get("rule")), 0) + 1
    return counts

