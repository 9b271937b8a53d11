"""Articles in, statements out, at scale: :func:`iter_articles` reads articles from text files,
JSONL, CSV / TSV / Parquet tables or an annotated corpus split (``polnear:dev``), checking each;
:func:`extract_many` streams the statements of many articles (in batches, or over worker
processes); :func:`extract_files` is the ``stance extract`` command."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..parties import PartyConfig
from .extract import extract_from_doc

log = logging.getLogger(__package__)  # "stance.extraction", the name users filter on


ARTICLE_FIELDS = ("doc_id", "text", "date", "outlet", "url", "title")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")


def iter_articles(paths: Iterable[str | Path]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(doc_id, text, metadata)`` per article: a ``.txt`` file is one article (doc_id = file
    stem); a ``.jsonl`` file holds one per line, and a ``.csv`` / ``.tsv`` / ``.parquet`` table one per
    row, with ``doc_id`` and ``text`` and optionally ``date`` (ISO 8601, e.g. ``2014-05-12``),
    ``outlet``, ``url``, ``title`` or any other field: the metadata every statement of the article
    keeps. A corpus spec such as ``polnear:dev`` (not a file) gives the articles of that split of an
    annotated corpus. Bad input is an InputError naming file, line (a table's first data row is line
    2) and field."""
    from ..corpora.polnear import iter_articles as polnear_articles, parse_spec
    from ..io import iter_jsonl, read_text

    seen: dict[str, str] = {}
    for path in map(Path, paths):
        suffix = path.suffix.lower()
        split = parse_spec(path) if not path.exists() else None
        if split is not None:
            rows = ((None, {"doc_id": doc_id, "text": text, **meta}) for doc_id, text, meta in polnear_articles(split))
        elif suffix in (".jsonl", ".json"):
            rows: Iterable[tuple[int | None, dict[str, Any]]] = iter_jsonl(path)
        elif suffix in TABLE_SUFFIXES:
            rows = _table_rows(path)
        else:
            rows = [(None, {"doc_id": path.stem, "text": read_text(path)})]
        for line, row in rows:
            doc_id, text = row.get("doc_id"), row.get("text")
            if doc_id is None or isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
                raise InputError(path, "missing or empty doc_id", line=line, field="doc_id")
            if not isinstance(text, str):
                raise InputError(path, f"expected the article text as a string, got {type(text).__name__}",
                                 line=line, field="text")
            doc_id = str(doc_id)
            if doc_id in seen:
                raise InputError(path, f"duplicated doc_id {doc_id!r} (first in {seen[doc_id]})", line=line, field="doc_id")
            seen[doc_id] = f"{path}:{line}" if line else str(path)
            metadata = {k: v for k, v in row.items() if k not in ("doc_id", "text")}
            _check_metadata(metadata, path, line)
            yield doc_id, text, metadata


def _table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a CSV / TSV / Parquet table of articles as dicts (empty cells left out), with the
    line number of each in the file (header = line 1). Cells are read as text, except in Parquet,
    where dates become ISO strings."""
    import pandas as pd

    from ..io import read_text

    if not path.is_file():
        raise InputError(path, "no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            import io as _io

            frame = pd.read_csv(_io.StringIO(read_text(path)), sep="\t" if path.suffix.lower() == ".tsv" else ",",
                                dtype=str, keep_default_na=False)
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise InputError(path, f"cannot read the table: {str(err).strip().splitlines()[0]}") from None
    if frame.empty:
        raise InputError(path, "the table holds no articles")
    for column in ("doc_id", "text"):
        if column not in frame.columns:
            raise InputError(path, f"the table has no {column!r} column (columns: {list(map(str, frame.columns))})",
                             line=1, field=column)
    for i, row in enumerate(frame.to_dict("records")):
        out: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and value != value) or value == "":
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif hasattr(value, "item"):  # numpy scalars
                value = value.item()
            out[str(key)] = value
        yield i + 2, out


def _check_metadata(metadata: dict[str, Any], path: Path, line: int | None) -> None:
    """``date`` must be an ISO 8601 date (grouping by month reads it); ``outlet``, ``url`` and ``title``
    strings."""
    from datetime import datetime

    date = metadata.get("date")
    if date is not None:
        try:
            if not isinstance(date, str):
                raise ValueError
            datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(path, f"expected an ISO 8601 date such as 2014-05-12, got {date!r}", line=line,
                             field="date") from None
    for field in ("outlet", "url", "title"):
        value = metadata.get(field)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f"expected a string, got {type(value).__name__}", line=line, field=field)


def extract_many(
    articles: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    nlp: Any = None,
    parties: PartyConfig | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    show_progress_bar: bool = False,
) -> Iterator[dict[str, Any]]:
    """Statements of many ``(doc_id, text, metadata)`` articles, streamed in input order.

    Parsing goes through ``nlp.pipe`` in batches. With ``n_process`` > 1, worker processes each
    parse and extract a share of the articles (chunks of ``batch_size``), and the statements come
    back in order."""
    from tqdm.auto import tqdm

    from ..nlp import load_nlp

    nlp = nlp if nlp is not None else load_nlp()
    bar = tqdm(desc="extract", unit="article", disable=not show_progress_bar)
    if n_process <= 1:
        for records in extract_batches(articles, nlp, parties, batch_size):
            bar.update(1)
            yield from records
        bar.close()
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunks = _chunks(articles, batch_size)
    with context.Pool(n_process, initializer=_init_worker, initargs=(nlp if method == "fork" else None, parties)) as pool:
        for batch in pool.imap(_extract_chunk, chunks):
            for records in batch:
                bar.update(1)
                yield from records
    bar.close()


def extract_batches(articles: Iterable[tuple[str, str, dict[str, Any]]], nlp: Any, parties: PartyConfig | None,
                     batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """The statements of each article, one list per article, parsed with ``nlp.pipe``."""
    for _, statements in extract_parsed(articles, nlp, parties, batch_size):
        yield statements


def extract_parsed(articles: Iterable[tuple[str, str, dict[str, Any]]], nlp: Any, parties: PartyConfig | None,
                   batch_size: int) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Each article's parse (a spaCy ``Doc``) and its statements, parsed with ``nlp.pipe``: for callers
    that ask more of the parse (the learned attribution path asks it for the sources of its cues)."""
    from collections import deque

    from ..nlp import parse_many

    queue: deque[tuple[str, str, dict[str, Any]]] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            queue.append(article)
            yield article[1]

    for doc in parse_many(texts(), nlp, batch_size=batch_size):
        doc_id, text, meta = queue.popleft()
        yield doc, extract_from_doc(doc, doc_id, parties=parties, metadata=meta, text=text)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: dict[str, Any] = {}


def _init_worker(nlp: Any, parties: PartyConfig | None) -> None:
    from ..nlp import load_nlp

    _WORKER["nlp"] = nlp if nlp is not None else load_nlp()
    _WORKER["parties"] = parties


def _extract_chunk(chunk: list[tuple[str, str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return list(extract_batches(chunk, _WORKER["nlp"], _WORKER["parties"], len(chunk)))


def extract_files(articles: list[str], output: str, parties: str | None = None) -> int:
    """``stance extract``: the statements of the articles (.txt, or JSONL with doc_id and text)
    into ``output`` (JSONL, written atomically). Returns the number of statements written.

    Everything is checked before the first article is parsed: the output path, the party config
    and every article (a first streaming pass), so bad input fails at once with one clear error."""
    from ..io import check_output_file, read_once, write_jsonl
    from ..nlp import load_nlp

    check_output_file(output, inputs=[*articles, *([parties] if parties else [])])
    config = PartyConfig.from_yaml(parties) if parties else None
    with read_once(articles) as files:  # a pipe (`<(cat a.txt)`) gives its bytes to one read only
        n_articles = sum(1 for _ in iter_articles(files))
        rows = extract_many(iter_articles(files), nlp=load_nlp(), parties=config, show_progress_bar=True)
        n = write_jsonl(output, rows)
    log.info("wrote %d statements from %d articles to %s", n, n_articles, output)
    return n
