"""The commands that run a model over files: ``stance run`` (articles -> attributed statements -> parties
-> stance -> tables and a report) and ``stance predict`` (labels and scores for a statements file).

This is the command layer: it reads the inputs, loads the model, calls the library (extraction, the
classifier, the report, which takes predictions and never a model) and writes the outputs.

``run_pipeline`` streams the articles in chunks. Each chunk's statements are written to their own part
file (atomically) under ``OUTPUT/parts/``; a run that is killed and restarted with the same command
skips the parts already written, so it resumes with no duplicate or missing statement. ``shard="i/n"``
processes every n-th chunk starting at i (for array jobs); the shards' folders are merged by running
again without ``--shard`` over the same output folder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, StanceError
from .io import (
    COMPLETE,
    atomic_write,
    check_output_dir,
    claim_run_dir,
    hash_file,
    make_dir,
    mark_complete,
    read_once,
    remove_stale_temporaries,
    run_marker,
    write_json,
    write_jsonl,
    write_text,
)
from .model import INT8_RECHECK_MARGIN

log = logging.getLogger(__name__)

CHUNK_ARTICLES = 100


# --------------------------------------------------------------------------- articles
def _chunks(articles: Iterator[tuple[str, str, dict[str, Any]]], size: int) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    chunk: list[tuple[str, str, dict[str, Any]]] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parse_shard(shard: str | None) -> tuple[int, int]:
    if not shard:
        return 0, 1
    try:
        i, n = (int(x) for x in shard.split("/"))
    except ValueError:
        raise StanceError(f"--shard expects i/n (e.g. 0/4), got {shard!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise StanceError(f"--shard {shard!r}: need 0 <= i < n")
    return i, n


class HeapGuard:
    """Keeps a long run's memory bounded: after a chunk, when the process has grown by more than
    ``slack_mb`` since the last check that trimmed, give the heap's free pages back to the operating
    system (glibc's ``malloc_trim``; a no-op where there is no glibc or no ``/proc``).

    Without it RSS creeps up chunk after chunk: the freed activations of varying-length batches stay
    in the heap as free but unreturned pages. Trimming after every chunk costs time (the next chunk
    faults the pages back in), so it is done only when the growth is worth it."""

    def __init__(self, slack_mb: float = 256.0) -> None:
        self.slack_mb = slack_mb
        self.trims = 0
        self._libc: Any = None
        try:
            import ctypes
            import ctypes.util

            self._libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            self._libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            self._libc = None
        self.floor_mb = rss_mb()

    def __call__(self) -> None:
        if self._libc is None or self.floor_mb is None:
            return
        now = rss_mb()
        if now is not None and now > self.floor_mb + self.slack_mb:
            self._libc.malloc_trim(0)
            self.trims += 1
            self.floor_mb = rss_mb()
            log.debug("heap trimmed: RSS %.0f MB -> %.0f MB", now, self.floor_mb)


def rss_mb() -> float | None:
    """This process's resident memory in MB (Linux ``/proc``; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# --------------------------------------------------------------------------- classification input
def classification_input(statement: dict[str, Any], parties: Any | None) -> dict[str, Any]:
    """What the stance model reads for an extracted statement: the content, the speaker as source,
    the target party's name (with its mention in the content marked when there is one) and the
    sentence of the attribution as context."""
    record = dict(statement)
    record["text"] = statement.get("text") or statement["content"]
    record["source"] = statement.get("source") or statement.get("speaker_canonical") or statement.get("speaker")
    target = statement.get("target")
    if target is None and parties is not None and statement.get("target_party"):
        party = parties.parties.get(statement["target_party"])
        target = party.name if party is not None else statement["target_party"]
    record["target"] = target
    return record


# --------------------------------------------------------------------------- the run
# the top-level entries a run writes: --overwrite removes these and nothing else
RUN_OUTPUTS = ("run.json", "parts", "statements.jsonl", "statements.csv", "statements.parquet", "metrics.json",
               "report.md", "report.html", "party_stance.png", "stance_over_time.png", "confusion_gold_spans.png",
               "shares_by_pair.png", "shares_over_time.png", "shares_by_outlet.png", COMPLETE)


def _run_key(articles: Sequence[str | Path], models: Sequence[str], parties: str | None, options: dict[str, Any]) -> str:
    """What the run's results depend on, by content: each article's bytes, the model folder's files
    (weights, config, tokenizer; each model of an average), the parties file, the options and the toolkit's version. Parts written
    under another key are never reused: an edited article or replaced weights make a new run."""
    from .version import __version__

    h = hashlib.sha256()
    h.update(f"stance {__version__}\0".encode())
    for article in articles:
        h.update(b"article\0")
        hash_file(article, h)
    for model in models:
        model_path = Path(model)
        if model_path.is_dir():
            for item in sorted(p for p in model_path.rglob("*") if p.is_file()):
                h.update(f"model/{item.relative_to(model_path).as_posix()}\0".encode())
                hash_file(item, h)
        else:
            h.update(f"model-id {model}\0".encode())
    if parties is not None:
        h.update(b"parties\0")
        hash_file(parties, h)
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def run_pipeline(
    articles: Sequence[str | Path],
    *,
    model: str | Sequence[str],
    parties: str | None,
    output_dir: str | Path,
    gold: str | None = None,
    overwrite: bool = False,
    shard: str | None = None,
    batch_size: int = 64,
    quantize: str | None = None,
    int8_recheck: float = INT8_RECHECK_MARGIN,
    chunk_articles: int = CHUNK_ARTICLES,
    label_field: str = "stance",
    attribution_model: str | None = None,
) -> dict[str, Any]:
    """``stance run``: extract, map parties, classify, and write statements, tables and a report.
    ``model``: a model folder or id, or several, whose probabilities are averaged
    (:class:`stance.model.AveragedClassifier`).
    ``attribution_model``: a learned attribution model folder, combined with the rules
    (:mod:`stance.attribution_combine`); without it, rules alone."""
    from .extraction import iter_articles
    from .model import load_classifier
    from .parties import load_parties
    from .schema import read_statements

    check_batch_size(batch_size)
    models = [str(model)] if isinstance(model, (str, Path)) else [str(m) for m in model]
    inputs = [*map(str, articles), *models, *([parties] if parties else []), *([gold] if gold else []),
              *([str(attribution_model)] if attribution_model else [])]
    out = check_output_dir(output_dir, inputs=[i for i in inputs if Path(i).exists()])
    shard_i, shard_n = parse_shard(shard)
    with read_once(articles) as article_files:
        # bad input fails here, before the output folder is touched: parties, model, gold, every article
        party_config = load_parties(parties)
        clf = load_classifier(models, quantize=quantize, int8_recheck=int8_recheck)
        finder = None
        if attribution_model is not None:
            from .attribution import AttributionModel

            finder = AttributionModel.from_pretrained(attribution_model)
        if gold is not None:
            read_statements(gold, label_field=label_field, require_label=True)
        n_total = sum(1 for _ in iter_articles(article_files))
        options = {"quantize": quantize, "int8_recheck": int8_recheck if quantize == "int8" else None,
                   "batch_size": batch_size, "chunk_articles": chunk_articles, "label_field": label_field,
                   "articles": [str(a) for a in articles]}
        if attribution_model is not None:  # a run with another attribution model is another run
            options["attribution_model"] = _folder_digest(attribution_model)
        key = _run_key(article_files, models, parties, options)
        _claim(out, key, overwrite=overwrite)
        write_json(out / "run.json", {"key": key, "articles": [str(a) for a in articles], "model": models[0] if len(models) == 1 else models,
                                      "parties": parties, "options": options})
        return _process(article_files, out, n_total=n_total, clf=clf, party_config=party_config, gold=gold,
                        shard=(shard_i, shard_n), batch_size=batch_size, chunk_articles=chunk_articles,
                        label_field=label_field, finder=finder)


def _folder_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    for item in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        h.update(f"{item.relative_to(path).as_posix()}\0".encode())
        hash_file(item, h)
    return h.hexdigest()[:16]


def check_batch_size(batch_size: Any) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise StanceError(f"batch_size must be a positive integer, got {batch_size!r}")


def _claim(out: Path, key: str, *, overwrite: bool) -> None:
    """Make ``out`` this run's folder: new, empty, or a run folder of ``stance run`` with the same key
    (a resumed or sharded run). A run folder with another key needs ``--overwrite``, which removes only
    the files a run writes; a folder that is not a run folder is never touched."""
    marker = run_marker(out)
    previous = None
    if marker is not None and (out / "run.json").exists():
        try:
            previous = json.loads((out / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
    # a run folder without run.json yet: another shard of this run has just claimed it
    same = previous.get("key") == key if isinstance(previous, dict) else marker is not None
    if marker is not None and marker.get("command") == "run" and not same and not overwrite:
        raise InputError(out, "--output holds another run (other articles, model, parties or options, compared "
                              "by content); pass --overwrite to replace it, or name another folder")
    claim_run_dir(out, "run", RUN_OUTPUTS, overwrite=overwrite, reuse=same and not overwrite)
    if same and not overwrite:
        log.info("resuming the run in %s", out)
    (out / COMPLETE).unlink(missing_ok=True)


def _process(
    article_files: Sequence[Path],
    out: Path,
    *,
    n_total: int,
    clf: Any,
    party_config: Any,
    gold: str | None,
    shard: tuple[int, int],
    batch_size: int,
    chunk_articles: int,
    label_field: str,
    finder: Any = None,
) -> dict[str, Any]:
    from tqdm.auto import tqdm

    from .extraction import extract_many, iter_articles
    from .nlp import load_nlp

    articles = article_files
    shard_i, shard_n = shard
    nlp = load_nlp()
    parts = make_dir(out / "parts")
    if shard_n == 1:  # no other shard is writing here: clear what a killed run left half-written
        marker = run_marker(out)
        remove_stale_temporaries(out, marker)
        for stale in parts.glob(".part-*.tmp"):
            stale.unlink(missing_ok=True)
    t0 = time.time()
    n_articles = n_statements = 0
    heap_guard = HeapGuard()
    bar = tqdm(total=n_total, desc="articles", unit="article", dynamic_ncols=True)
    for index, chunk in enumerate(_chunks(iter_articles(articles), chunk_articles)):
        bar.update(len(chunk))
        if index % shard_n != shard_i:
            continue
        part = parts / f"part-{index:06d}.jsonl"
        if part.exists():
            continue  # written by an earlier, interrupted run
        for stale in parts.glob(f".{part.name}.*.tmp"):  # left by a run killed while writing this part
            stale.unlink(missing_ok=True)
        if finder is not None:
            from .attribution_combine import extract_many_combined

            found = extract_many_combined(chunk, finder, nlp=nlp, parties=party_config)
        else:
            found = extract_many(chunk, nlp=nlp, parties=party_config)
        statements = [classification_input(s, party_config) for s in found]
        if statements:
            statements = clf.predict_records(statements, label_field=label_field, batch_size=batch_size)
        write_jsonl(part, statements)
        n_articles += len(chunk)
        n_statements += len(statements)
        del statements
        heap_guard()
    bar.close()
    log.info("processed %d articles, %d statements in %.0f s (heap trimmed %d times)", n_articles, n_statements,
             time.time() - t0, heap_guard.trims)
    if shard_n > 1:
        log.info("shard %d/%d done; run again without --shard to merge and report", shard_i, shard_n)
        return {"articles": n_articles, "statements": n_statements, "shard": f"{shard_i}/{shard_n}"}

    # merge the parts in order, then the tables and the report
    with atomic_write(out / "statements.jsonl") as handle:
        total = 0
        for part in sorted(parts.glob("part-*.jsonl")):
            with part.open(encoding="utf-8") as src:
                for line in src:
                    handle.write(line)
                    total += 1
    from .report import write_run_report

    gold_predictions = None
    if gold is not None:  # the gold statements as the model's input (given spans), labelled by the model
        from .corpora import load_gold

        gold_predictions = clf.predict_records(load_gold(gold), label_field=label_field, batch_size=batch_size)
    summary = write_run_report(out, labels=clf.labels, gold=gold, gold_predictions=gold_predictions,
                               label_alias=clf.label_alias, display_alias=clf.display_alias,
                               calibrated=clf.calibrated, label_field=label_field)
    summary["statements"] = total
    summary["wall_seconds"] = round(time.time() - t0, 1)
    mark_complete(out)
    return summary


# --------------------------------------------------------------------------- stance predict
def predict_file(
    model: str,
    input: str,
    output: str,
    *,
    label_field: str = "stance",
    batch_size: int = 64,
    quantize: str | None = None,
    int8_recheck: float = INT8_RECHECK_MARGIN,
    chunk_size: int = 20000,
) -> int:
    """``stance predict``: add the predicted label and ``scores`` to each record of a JSONL file.

    Reads and validates the whole input first (so that bad input fails before any work), predicts in
    chunks, and only then writes the output atomically: a run killed while predicting leaves no output and
    no temporary file. Returns the number of records written.
    """
    from .io import check_output_file
    from .model import StanceClassifier
    from .schema import iter_statements

    check_output_file(output, inputs=[input])
    check_batch_size(batch_size)
    clf = StanceClassifier.from_pretrained(model, quantize=quantize, int8_recheck=int8_recheck)
    records = list(iter_statements(input, require_ids=False))  # ids are passed through when present
    rows: list[dict[str, Any]] = []
    for start in range(0, len(records), chunk_size):
        chunk = records[start : start + chunk_size]
        rows.extend(clf.predict_records(chunk, label_field=label_field, batch_size=batch_size, show_progress_bar=True))
    n = write_jsonl(output, rows)
    log.info("wrote %d predictions to %s", n, output)
    return n
