"""Training the attribution model (:mod:`stance.attribution`) on PolNeAR: ``stance train configs/attribution.yaml``.

A config with ``task: attribution`` (every default in :class:`AttributionConfig`; the YAML holds
overrides). The run folder is claimed like the stance model's (:func:`stance.io.claim_run_dir`): it holds
``config.yaml`` (resolved), ``train.log``, ``checkpoint/`` (weights, optimiser, scheduler, RNG and position,
every ``train.checkpoint_every`` steps; ``--resume`` continues from it), ``model/`` (the best model on the
held-out part of train), ``heldout_predictions.jsonl`` / ``dev_predictions.jsonl``, ``metrics.json`` and
``provenance.json``.

Data: PolNeAR train, minus its last month (articles published within ``data.heldout_days`` days of the last
training article), is the training set; that last month is held out for model selection (content F1 at
token Jaccard >= 0.5 after decoding, at the end of every epoch); PolNeAR dev is scored once at the end. Both
are scored by :func:`stance.extraction_eval.score_attributions`, the extraction benchmark's scorer.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, StanceError
from .io import (
    COMPLETE,
    check_output_dir,
    claim_run_dir,
    load_yaml,
    mark_complete,
    run_marker,
    write_json,
    write_jsonl,
    write_text,
)

log = logging.getLogger(__name__)

COMMAND = "train"
OUTPUTS = ("config.yaml", "model", "metrics.json", "heldout_predictions.jsonl", "dev_predictions.jsonl",
           "train.log", "provenance.json", "checkpoint", "checkpoint.old", "checkpoint.tmp", "results.md", COMPLETE)


@dataclass
class DataSection:
    dir: str | None = None  # null: $STANCE_DATA_DIR, else ../shared/data
    annotators: str = "first"  # first | all: the annotation files of an article used for training
    heldout_days: int = 31  # the held-out part of train: articles this many days before the last one or later
    max_train_articles: int | None = None  # quick runs: the first N training articles (seeded order)
    max_eval_articles: int | None = None


@dataclass
class ModelSection:
    name_or_path: str = "default"  # the packaged all-MiniLM-L6-v2; mpnet-base; any folder
    max_length: int = 256
    stride: int = 128  # at prediction: each token is seen in up to max_length / stride windows
    train_stride: int | None = None  # training windows (null: stride); max_length - 2: no overlap, least compute


@dataclass
class TrainSection:
    epochs: int = 2
    max_steps: int | None = None
    batch_size: int = 16
    learning_rate: float = 5.0e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    checkpoint_every: int = 50
    num_threads: int | None = None
    precision: str = "auto"  # auto | fp32 | bf16


@dataclass
class DecodingSection:  # stance.attribution.DecodeSpec: chosen on the held-out month
    max_gap_tokens: int = 4
    max_link_chars: int = 150
    min_content_tokens: int = 5


@dataclass
class AttributionConfig:
    task: str = "attribution"
    name: str = "attribution"
    seed: int = 42
    data: DataSection = field(default_factory=DataSection)
    model: ModelSection = field(default_factory=ModelSection)
    train: TrainSection = field(default_factory=TrainSection)
    decoding: DecodingSection = field(default_factory=DecodingSection)
    n_bootstrap: int = 1000

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def is_attribution_config(path: str | Path) -> bool:
    """Whether a YAML config asks for ``task: attribution`` (a top-level line; the file is not parsed here,
    so that a bad file gets the stance config loader's own error)."""
    try:
        text = Path(path).read_bytes()[:1_000_000].decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^task:[ \t]*[\"']?attribution[\"']?[ \t]*(#.*)?$", text, re.MULTILINE) is not None


def _set(obj: Any, key: str, value: Any, where: str) -> None:
    head, _, rest = key.partition(".")
    names = {f.name: f for f in dataclasses.fields(obj)}
    if head not in names:
        raise InputError(where, f"unknown key {head!r}; valid: {', '.join(names)}", field=key)
    if rest:
        _set(getattr(obj, head), rest, value, where)
    elif dataclasses.is_dataclass(getattr(obj, head)):
        if not isinstance(value, dict):
            raise InputError(where, "expected a mapping", field=key)
        for k, v in value.items():
            _set(getattr(obj, head), k, v, where)
    else:
        setattr(obj, head, value)


def load_attribution_config(path: str | Path, overrides: list[str] | None = None) -> AttributionConfig:
    """The config at ``path`` over the defaults, then ``key=value`` overrides (YAML values)."""
    config = AttributionConfig()
    data = load_yaml(Path(path).read_text(encoding="utf-8"), path) or {}
    for key, value in data.items():
        _set(config, key, value, str(path))
    for item in overrides or []:
        key, eq, value = item.partition("=")
        if not eq:
            raise StanceError(f"--set expects key=value, got {item!r}")
        _set(config, key.strip(), yaml.safe_load(value), "--set")
    if config.task != "attribution":
        raise InputError(str(path), f"task must be 'attribution', got {config.task!r}", field="task")
    if config.data.annotators not in ("first", "all"):
        raise InputError(str(path), "data.annotators must be first or all", field="data.annotators")
    return config


# --------------------------------------------------------------------------- data
def split_heldout(articles: list[Any], days: int) -> tuple[list[Any], list[Any]]:
    """(train, held out): the held-out articles are those published ``days`` days before the last
    training article or later (``metadata['publication_date']``, ISO dates)."""
    def date(a: Any) -> dt.date:
        return dt.date.fromisoformat(a.metadata.get("publication_date") or "1900-01-01")

    if not articles:
        return [], []
    cut = max(date(a) for a in articles) - dt.timedelta(days=days)
    return [a for a in articles if date(a) <= cut], [a for a in articles if date(a) > cut]


def load_polnear_splits(config: AttributionConfig) -> dict[str, list[Any]]:
    from .corpora.polnear import load_polnear
    from .paths import data_dir

    root = data_dir(config.data.dir) / "polnear"
    train_all = load_polnear("train", root, annotators=config.data.annotators)  # type: ignore[arg-type]
    train, heldout = split_heldout(train_all, config.data.heldout_days)
    if config.data.annotators == "all":  # score on one gold set per article
        heldout = [a for a in heldout if a.annotator == _first_annotator(a, heldout)]
    dev = load_polnear("dev", root, annotators="first")
    if config.data.max_train_articles:
        rng = random.Random(config.seed)
        train = rng.sample(train, min(len(train), config.data.max_train_articles))
    if config.data.max_eval_articles:
        heldout, dev = heldout[: config.data.max_eval_articles], dev[: config.data.max_eval_articles]
    return {"train": train, "heldout": heldout, "dev": dev}


def _first_annotator(article: Any, pool: list[Any]) -> str:
    return min(a.annotator for a in pool if a.doc_id == article.doc_id)


def gold_records(articles: list[Any]) -> list[dict[str, Any]]:
    return [st for a in articles for st in a.statements]


# --------------------------------------------------------------------------- run folder
def _prepare(out: Path, config: AttributionConfig, *, overwrite: bool, resume: bool) -> None:
    if not resume:
        claim_run_dir(out, COMMAND, OUTPUTS, overwrite=overwrite)
        return
    marker = run_marker(out)
    if marker is None or marker.get("command") != COMMAND:
        raise InputError(out, "--resume needs a run folder of `stance train`; nothing was changed")
    saved = load_yaml((out / "config.yaml").read_text(encoding="utf-8"), out / "config.yaml") or {}
    mine = config.to_dict()
    for section in ("model", "data", "seed"):
        if saved.get(section) != mine.get(section):
            raise InputError(out / "config.yaml", f"--resume with another {section} than the checkpoint's", field=section)
    if not (out / "checkpoint" / "state.pt").exists() and (out / "checkpoint.old" / "state.pt").exists():
        (out / "checkpoint.old").rename(out / "checkpoint")
    if not (out / "checkpoint" / "state.pt").exists():
        raise StanceError(f"{out}: no checkpoint to resume from")


def _save_checkpoint(model: Any, out: Path, state: dict[str, Any]) -> None:
    import torch

    path, tmp, old = out / "checkpoint", out / "checkpoint.tmp", out / "checkpoint.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp / "model", safe_serialization=True)
    torch.save(state, tmp / "state.pt")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def _epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    order = list(range(n))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return order


def _batch(rows: list[dict[str, Any]], pad: int) -> dict[str, Any]:
    import torch

    width = max(len(r["input_ids"]) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for k, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[k, :n] = torch.tensor(r["input_ids"])
        mask[k, :n] = 1
        labels[k, :n] = torch.tensor(r["labels"])
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def score(model: Any, articles: list[Any], n_bootstrap: int = 0, seed: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Predict ``articles`` with ``model`` and score against their gold statements."""
    from .extraction_eval import score_attributions

    t0 = time.time()
    pred = model.predict_articles([{"doc_id": a.doc_id, "text": a.text} for a in articles])
    seconds = time.time() - t0
    metrics = score_attributions(gold_records(articles), pred, n_bootstrap=n_bootstrap, seed=seed)
    for key in ("missed", "extra", "pairs"):  # per statement: the predictions file has them
        metrics.pop(key, None)
    words = sum(len(a.text.split()) for a in articles)
    metrics["speed"] = {"seconds": round(seconds, 1), "words": words, "words_per_second": round(words / max(seconds, 1e-9), 1)}
    return metrics, pred


def run_attribution_training(config: AttributionConfig, output_dir: str | Path | None = None, *,
                             overwrite: bool = False, resume: bool = False) -> dict[str, Any]:
    """Train, select on the held-out part of train, score dev once, write the run folder (module docstring)."""
    import numpy as np
    import torch
    from accelerate import Accelerator
    from transformers import get_linear_schedule_with_warmup

    from . import provenance
    from .attribution import AttributionModel, DecodeSpec, WindowSpec, article_windows
    from .hardware import cpu_name, resolve_precision
    from .train import _add_log_file, _forget_other_precision, load_state

    out = check_output_dir(output_dir or Path("runs") / config.name)
    _prepare(out, config, overwrite=overwrite, resume=resume)
    (out / COMPLETE).unlink(missing_ok=True)
    handler = _add_log_file(out / "train.log")
    t0 = time.time()
    try:
        tc = config.train
        random.seed(config.seed)
        np.random.seed(config.seed)
        torch.manual_seed(config.seed)
        if tc.num_threads:
            torch.set_num_threads(tc.num_threads)
        write_text(out / "config.yaml", yaml.safe_dump(config.to_dict(), sort_keys=False))
        splits = load_polnear_splits(config)
        log.info("PolNeAR: %d training articles, %d held out (last %d days of train), %d dev",
                 len(splits["train"]), len(splits["heldout"]), config.data.heldout_days, len(splits["dev"]))
        window = WindowSpec(config.model.max_length, config.model.stride)
        clf = AttributionModel.from_pretrained(config.model.name_or_path, window=window, precision="fp32")
        clf.decoding = DecodeSpec(**dataclasses.asdict(config.decoding))
        clf.name = "attribution-model"  # what each statement's `rule` says; the encoder is in the model's config
        train_window = WindowSpec(window.max_length, config.model.train_stride or window.stride)
        rows = [w for a in splits["train"] for w in article_windows(clf.tokenizer, a.text, train_window, a.statements)]
        log.info("%d training windows of <= %d tokens (stride %d)", len(rows), window.max_length, train_window.stride)

        state = load_state(out / "checkpoint" / "state.pt") if resume else None
        precision = state["precision"] if state else resolve_precision(tc.precision, cuda=False)
        mixed = "bf16" if precision == "bf16" else "no"
        _forget_other_precision(mixed)
        accelerator = Accelerator(cpu=True, mixed_precision=mixed)
        log.info("training precision: %s (%s)", precision, cpu_name())
        model = clf.model
        if state:
            from safetensors.torch import load_file

            model.load_state_dict(load_file(str(out / "checkpoint" / "model" / "model.safetensors")), strict=False)
        decay = [p for n, p in model.named_parameters() if not any(k in n for k in ("bias", "LayerNorm"))]
        no_decay = [p for n, p in model.named_parameters() if any(k in n for k in ("bias", "LayerNorm"))]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": tc.weight_decay},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=tc.learning_rate)
        steps_per_epoch = math.ceil(len(rows) / tc.batch_size)
        total = tc.max_steps or steps_per_epoch * tc.epochs
        scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total), total)
        model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
        step, history, best = 0, [], None
        if state:
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            step, history, best = state["step"], state["history"], state["best"]
            torch.set_rng_state(state["torch_rng"])
            log.info("resumed at step %d of %d", step, total)
        pad = clf.tokenizer.pad_token_id or 0
        clf.precision = precision
        t_train = time.time()
        step0 = step
        while step < total:
            epoch, pos = divmod(step, steps_per_epoch)
            order = _epoch_order(len(rows), config.seed, epoch)
            model.train()
            for b in range(pos, steps_per_epoch):
                idx = order[b * tc.batch_size : (b + 1) * tc.batch_size]
                batch = _batch([rows[i] for i in idx], pad)
                with accelerator.autocast():
                    loss = model(**batch).loss
                accelerator.backward(loss)
                accelerator.clip_grad_norm_(model.parameters(), tc.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                if step % 10 == 0 or step == step0 + 1:
                    rate = (step - step0) / (time.time() - t_train)
                    log.info("step %d/%d epoch %d loss %.4f (%.3f steps/s)", step, total, epoch + 1, loss.item(), rate)
                end_of_epoch = b == steps_per_epoch - 1 or step == total
                if end_of_epoch:
                    model.eval()
                    metrics, _ = score(clf, splits["heldout"])
                    f1 = metrics["overall"]["overlap_f1"]["value"]
                    history.append({"step": step, "epoch": epoch + 1, "heldout_content_f1": f1,
                                    "heldout_source_accuracy": metrics["overall"]["source_accuracy"]["value"]})
                    log.info("held out after epoch %d: content F1 %.4f, source accuracy %s", epoch + 1, f1,
                             metrics["overall"]["source_accuracy"]["value"])
                    if best is None or f1 > best["heldout_content_f1"]:
                        best = history[-1]
                        clf.model = accelerator.unwrap_model(model)
                        clf.save_pretrained(out / "model", extra={"precision": precision})
                    model.train()
                if step % tc.checkpoint_every == 0 or end_of_epoch:
                    _save_checkpoint(accelerator.unwrap_model(model), out, {
                        "step": step, "history": history, "best": best, "precision": precision,
                        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "torch_rng": torch.get_rng_state()})
                if step >= total:
                    break
        final = AttributionModel.from_pretrained(out / "model", num_threads=tc.num_threads, precision=precision)
        results: dict[str, Any] = {"task": "attribution", "best": best, "history": history, "steps": step,
                                   "precision": precision, "n_train_articles": len(splits["train"]),
                                   "n_train_windows": len(rows)}
        for split in ("heldout", "dev"):
            metrics, pred = score(final, splits[split], n_bootstrap=config.n_bootstrap, seed=config.seed)
            write_jsonl(out / f"{split}_predictions.jsonl", pred)
            results[split] = metrics
            log.info("%s: content F1 %.4f, source accuracy %s, %s words/s", split, metrics["overall"]["overlap_f1"]["value"],
                     metrics["overall"]["source_accuracy"]["value"], metrics["speed"]["words_per_second"])
        results["wall_seconds"] = round(time.time() - t0, 1)
        from .extraction_eval import format_attribution_table

        results["table"] = format_attribution_table({"model": results["dev"]}, title="PolNeAR dev")
        record = provenance.collect(encoder=str(config.model.name_or_path), precision=precision,
                                    extra={"training": {k: results[k] for k in ("best", "steps")}, "run_folder": str(out)})
        provenance.write(out, record)
        provenance.write(out / "model", record)
        write_json(out / "metrics.json", results)
        write_text(out / "results.md", f"# {config.name}\n\n{results['table']}\n")
        shutil.rmtree(out / "checkpoint", ignore_errors=True)
        mark_complete(out)
        return results
    finally:
        logging.getLogger("stance").removeHandler(handler)
        handler.close()
