"""Hand-annotated gold files like the seed example: ``seed:PATH`` / ``gold:PATH``.

text = ``content``, source = ``speaker``, target = the display name of ``target_party``, context = the
sentence(s) around the content when the article ``.txt`` sits beside the file; labels as annotated
(:data:`stance.schema.SEED_LABELS`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from ..io import iter_jsonl, read_text
from ..schema import DEFAULT_LABEL_FIELD as LABEL_FIELD, SEED_LABELS, Statement, validate_statement
from .registry import Corpus

DEFAULT_PARTY_NAMES: Mapping[str, str] = {"US": "the United States", "RU": "Russia"}


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




def _load(path: str, root: str | Path | None = None, *, party_names: Mapping[str, str] | None = None) -> list[Statement]:
    return load_gold(path, party_names=party_names)


CORPORA = [
    Corpus(name, _load, labels=SEED_LABELS, file=True, cache=False,
           records="a hand-annotated gold JSONL like `examples/kerry_putin_sochi.gold.jsonl`",
           title="hand annotations", license="see the file's own terms")
    for name in ("seed", "gold")
]
