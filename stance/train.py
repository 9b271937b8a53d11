"""Training a stance classifier from a config, and writing its run folder.

A run folder holds everything needed to read the run back::

    runs/NAME/
      config.yaml          the resolved config
      provenance.json      toolkit version and commit, library versions, CPU/GPU, threads, precision,
                           encoder, the resolved config, every data spec with its rows (stance.provenance)
      model/               the model selected on dev macro-F1 (what ``--model`` takes), with the same
                           provenance.json and a model card (README.md)
      metrics.json         {"dev": ..., "test": {set: metrics}, "baselines": {name: {set: metrics}},
                            "comparisons": {set: paired tests of the model against each baseline; a set
                                            with repeats of training rows also as "SET (leak-free)"},
                            "leakage": {role: {set: rows repeating a training row}}}; a test set with
                           such rows also has its leak-free part's scores under "leak_free"
      predictions.jsonl    every test example: its input fields, eval_set, gold, predicted, scores
      baselines/NAME/predictions.jsonl
      results.md           the results table
      train.log            the log
      checkpoint/          the last resumable state (removed at the end)
      COMPLETE             written last: a folder without it is an unfinished run

Why its own training loop and not a ``transformers.Trainer`` subclass: what Trainer would bring
(parameter groups, warm-up, clipping, keeping the best model, checkpoints, length grouping) takes a few lines
each here, while what this toolkit needs beyond it would all be overrides: the class-weighted loss over the
classifier's own ``logits`` (marker pooling), model selection on the macro-F1 of the dev sets (their mean: each
set weighs the same), each process's share of a batch that keeps the one-process schedule under
``accelerate launch``, and checkpoints that load with ``weights_only``. A switch would also change the
published scores (other shuffling and schedule details), so it would first have to be shown to match this loop
within noise over three seeds on one config; and Trainer's arguments change between transformers releases,
which would narrow the transformers range.
Kept, the loop saves in each checkpoint what an exact continuation needs: weights, optimiser, scheduler,
position, and the random states of every process (Python's ``random``, NumPy, torch on the CPU and, on a
GPU, torch CUDA; :func:`rng_state`), each restored by ``--resume``.
"""
from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# imported here, not where they are used: a run lasting hours must not import a module that was
# edited on disk in the meantime (a half-old, half-new program)
from .baselines import BaselineClassifier
from .config import Config, save_config
from .distill import load_teacher, soft_targets
from .errors import ConfigError, InputError, StanceError, short
from .evaluate import any_label_name, results_table, score_any_label, score_labels
from .hardware import cpu_name, device_name, resolve_precision
from . import provenance
from .io import (
    COMPLETE,
    check_output_dir,
    claim_run_dir,
    load_yaml,
    mark_complete,
    remove_owned,
    remove_stale_temporaries,
    run_marker,
    write_json,
    write_jsonl,
    write_text,
)
from .leakage import LEAK_FREE, LeakReport, check as check_leaks, describe as describe_leaks
from .metrics import classification_metrics, paired_comparison

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- data
@dataclass
class RunData:
    labels: list[str]
    train: list[dict[str, Any]]
    dev: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    test: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # per role ("dev", "test") and set: the rows that repeat a training row as loaded (stance.leakage)
    leaks: dict[str, dict[str, LeakReport]] = field(default_factory=dict)
    soft: np.ndarray | None = None  # with data.teacher: the teacher's probabilities, a row per training example


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _subsample(records: list[dict[str, Any]], n: int | None, seed: int) -> list[dict[str, Any]]:
    if n is None or n >= len(records):
        return records
    rng = random.Random(seed)
    idx = sorted(rng.sample(range(len(records)), n))
    return [records[i] for i in idx]


def reverse_as_neutral(record: dict[str, Any], label_field: str, suffix: str = ":rev") -> dict[str, Any]:
    """The target -> source direction of a directed example, labelled neutral."""
    out = dict(record)
    for a, b in (("source", "target"), ("source_start", "target_start"), ("source_end", "target_end")):
        out[a], out[b] = record.get(b), record.get(a)
    out["statement_id"] = f"{record['statement_id']}{suffix}"
    out[label_field] = "neutral"
    return out


def load_run_data(config: Config, datasets: Mapping[str, Any] | None = None) -> RunData:
    """Load, alias, augment and check the training, dev and test sets of a config.

    ``datasets``: ``datasets.Dataset`` objects by name, read where a spec says ``dataset:NAME``
    (:func:`train`); every other spec is read by :func:`stance.corpora.load_records`."""
    from .augment import statement_views, swap_direction, swap_speakers
    from .corpora import DatasetSpec, dataset_labels, dedup_against, infer_labels, load_records, sample
    from .corpora.files import from_given

    lf = config.label_field
    data_dir = config.data.dir
    given = dict(datasets or {})

    def read(spec: str) -> list[dict[str, Any]]:
        parsed = DatasetSpec.parse(spec)
        if parsed.corpus != "dataset":
            return load_records(spec, data_dir)
        if parsed.split not in given:
            raise ConfigError(None, f"{spec}: no dataset named {parsed.split!r} was given (given: {sorted(given) or 'none'})",
                              field="data")
        records = from_given(parsed.split, given[parsed.split], lf)
        return sample(records, parsed.n) if parsed.n is not None else records

    first = config.data.train[0]
    if config.labels:
        labels = list(config.labels)
    elif DatasetSpec.parse(first).corpus == "dataset":
        labels = infer_labels(r.get(lf) for r in read(first))
    else:
        labels = dataset_labels(first, data_dir)
    alias = config.evaluation.label_alias

    def load(spec: str, role: str) -> list[dict[str, Any]]:
        records = read(spec)
        out = []
        for r in records:
            label = r.get(lf)
            if label is None:
                raise InputError(spec, f"{role} record {r.get('doc_id')}/{r.get('statement_id')} has no label", field=lf)
            label = alias.get(label, label)
            if label not in labels:
                raise InputError(spec, f"label {label!r} is not in the model's labels {labels} (add a label_alias?)", field=lf)
            out.append({**r, lf: label})
        return out

    train: list[dict[str, Any]] = []
    for spec in config.data.train:
        train.extend(load(spec, "training"))
    dev = {spec: _subsample(load(spec, "dev"), config.data.max_eval_samples, config.seed) for spec in config.data.dev}
    test = {spec: _subsample(load(spec, "test"), config.data.max_eval_samples, config.seed) for spec in config.data.test}
    if config.data.dedup:
        train = dedup_against(train, *dev.values(), *test.values())
    train = _subsample(train, config.data.max_train_samples, config.seed)
    leaks = {role: check_leaks(train, sets) for role, sets in (("dev", dev), ("test", test))}
    if config.data.swap_speakers:
        train = swap_speakers(train, config.data.swap_speakers, config.seed, same_side=config.data.swap_same_side)
    if config.data.augment_swap:
        train = train + [swap_direction(r) for r in train]
    originals = train
    if config.data.reverse_neutral:
        if "neutral" not in labels:
            raise ConfigError(None, "reverse_neutral needs a 'neutral' label", field="data.reverse_neutral")
        annotated = {(r["text"], r.get("source"), r.get("target")) for r in train}
        train = train + [
            reverse_as_neutral(r, lf)
            for r in train
            if r[lf] != "neutral" and r.get("source") and r.get("target")
            and (r["text"], r["target"], r["source"]) not in annotated  # the reverse has its own annotation
        ]
    if config.data.statement_view:  # of the examples as loaded, not of the reverse-direction neutrals
        train = train + statement_views(originals, show_progress_bar=True)
    if not train:
        raise ConfigError(None, "the training sets are empty", field="data.train")
    counts = Counter(r[lf] for r in train)
    log.info("training examples: %d %s", len(train), dict(sorted(counts.items())))
    for name, sets in (("dev", dev), ("test", test)):
        for spec, records in sets.items():
            log.info("%s %s: %d examples", name, spec, len(records))
            report = leaks[name][spec]
            (log.warning if report.near else log.info)("leak check, %s %s", name, describe_leaks(spec, report, scored=name == "test"))
    soft = None
    if config.data.teacher:
        teacher = Path(config.data.teacher)
        soft = soft_targets(train, load_teacher(teacher, labels), teacher)
        agree = float(np.mean([labels[i] == r[lf] for i, r in zip(soft.argmax(axis=1), train)]))
        log.info("teacher %s: scores for all %d training examples (its argmax is the gold label for %.1f%%); weight %.2f",
                 teacher, len(train), 100 * agree, config.train.teacher_weight)
    return RunData(labels=labels, train=train, dev=dev, test=test, leaks=leaks, soft=soft)


def tokenizer_key(tokenizer: Any) -> str:
    """sha256 of what decides a tokenizer's output: its class, vocabulary and rules, special tokens and padding
    side; not its call state (a fast tokenizer records the last call's truncation and padding in itself)."""
    import hashlib

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        state = json.loads(backend.to_str())
        state.pop("truncation", None)
        state.pop("padding", None)
        rules = json.dumps(state, sort_keys=True)
    else:
        rules = json.dumps(sorted(tokenizer.get_vocab().items()))
    extra = json.dumps([type(tokenizer).__name__, tokenizer.padding_side, tokenizer.special_tokens_map], default=str,
                       sort_keys=True)
    return hashlib.sha256((rules + extra).encode()).hexdigest()


def tokenization_fingerprint(clf: Any, records: Sequence[dict[str, Any]]) -> str:
    """The fingerprint of ``clf``'s tokens of ``records``: a hash of the records, the tokenizer, the input
    encoding and the code that encodes (the classifier's module): the same inputs, the same fingerprint."""
    import dataclasses
    import hashlib

    from .corpora.records import code_key

    h = hashlib.sha256()
    for record in records:
        h.update(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode())
        h.update(b"\n")
    h.update(tokenizer_key(clf.tokenizer).encode())
    h.update(json.dumps(dataclasses.asdict(clf.encoding), sort_keys=True, default=str).encode())
    h.update(code_key(type(clf).tokenize).encode())
    return h.hexdigest()[:32]


def _tokenize_batch(batch: dict[str, list[Any]], clf: Any, meta: dict[str, Any]) -> dict[str, list[Any]]:
    from .corpora.records import batch_records

    return {k: list(v) for k, v in clf.tokenize(batch_records(batch, meta)).items()}


def tokenized(clf: Any, records: Sequence[dict[str, Any]], *, cache: bool = True) -> dict[str, list[Any]]:
    """``clf.tokenize(records)`` through ``datasets.Dataset.map`` with a deterministic fingerprint
    (:func:`tokenization_fingerprint`), cached as ``<cache folder>/tokenized/<fingerprint>.arrow``
    ($STANCE_CACHE_DIR, else ~/.cache/stance): a second run on the same records, tokenizer and encoding
    reads the tokens back instead of tokenising again. The same tokens as ``clf.tokenize(records)``."""
    from datasets.utils import disable_progress_bars, enable_progress_bars, is_progress_bar_enabled

    from .corpora.records import record_meta, to_dataset
    from .paths import cache_dir

    dataset = to_dataset(records)
    fingerprint = tokenization_fingerprint(clf, records)
    folder = cache_dir() / "tokenized"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        log.warning("no cache for the tokens (%s): tokenising in memory", err)
        cache = False
    bars = is_progress_bar_enabled()
    disable_progress_bars()
    try:
        mapped = dataset.map(
            _tokenize_batch, fn_kwargs={"clf": clf, "meta": record_meta(dataset)}, batched=True, batch_size=1000,
            remove_columns=dataset.column_names, new_fingerprint=fingerprint, load_from_cache_file=cache,
            cache_file_name=str(folder / f"{fingerprint}.arrow") if cache else None, keep_in_memory=not cache,
        )
    finally:
        if bars:
            enable_progress_bars()
    return mapped.to_dict()


# --------------------------------------------------------------------------- run folder
# the top-level entries a training run writes: --overwrite removes these and nothing else
TRAIN_OUTPUTS = ("config.yaml", "model", "metrics.json", "predictions.jsonl", "baselines", "results.md", "train.log",
                 "provenance.json", "calibration.json", "reliability.png",
                 "checkpoint", "checkpoint.old", "checkpoint.tmp", COMPLETE)
# keys that may differ on --resume: where it runs, not what it computes
RESUME_FREE_KEYS = ("train.num_threads", "train.precision")


def prepare_run_dir(path: Path, *, overwrite: bool, resume: bool, config: Config | None = None) -> None:
    """Claim ``path`` for a training run (see :func:`stance.io.claim_run_dir`), or check it for ``resume``:
    a run folder of ``stance train`` whose saved config matches ``config`` and whose checkpoint loads."""
    if not resume:
        claim_run_dir(path, "train", TRAIN_OUTPUTS, overwrite=overwrite)
        return
    marker = run_marker(path)
    if marker is None or marker.get("command") != "train":
        raise InputError(path, "--resume needs a run folder of `stance train` (this one has no run marker); "
                               "nothing was changed")
    if config is not None:
        check_resume_config(path, config)
    checkpoint, previous = path / "checkpoint", path / "checkpoint.old"
    if not checkpoint.exists() and (previous / "state.pt").exists():
        previous.rename(checkpoint)  # killed while swapping in a new checkpoint: the previous one is whole
    if not (path / "checkpoint" / "state.pt").exists():
        if (path / COMPLETE).exists():
            raise StanceError(f"{path}: the run is already complete; nothing to resume")
        raise StanceError(f"{path}: no checkpoint to resume from")
    load_state(path / "checkpoint" / "state.pt")
    remove_stale_temporaries(path, marker)  # temporary files of the killed run, and only those


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict) and obj and not prefix.endswith(("label_alias", "display_alias")):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: obj}


def check_resume_config(path: Path, config: Config) -> None:
    """Refuse to resume with a config other than the one the checkpoint was trained with, listing the keys
    that differ (another label order would silently permute the labels)."""
    import yaml

    saved_path = path / "config.yaml"
    try:
        saved = _flat(load_yaml(saved_path.read_text(encoding="utf-8"), saved_path) or {})
    except (OSError, ValueError, yaml.YAMLError) as err:
        raise InputError(saved_path, f"cannot read the saved config of the run to resume: {err}") from None
    new = _flat(config.to_dict())
    differ = sorted(k for k in set(saved) | set(new) if saved.get(k) != new.get(k) and k not in RESUME_FREE_KEYS)
    if differ:
        shown = "; ".join(f"{k}: {short(saved.get(k), 60)} -> {short(new.get(k), 60)}" for k in differ[:8])
        raise InputError(saved_path, f"--resume with another config than the checkpoint's ({shown}); resume with "
                                     "the same config, or start a new run", field=differ[0])


def load_state(path: Path) -> dict[str, Any]:
    """A checkpoint's ``state.pt``, loaded with ``weights_only=True`` (tensors and plain data; no code)."""
    import torch

    try:
        return torch.load(path, weights_only=True)
    except Exception as err:  # noqa: BLE001 - a pickle with objects, a truncated file: the file is bad
        kind = "it holds Python objects other than tensors and plain data" if "pickle" in str(err).lower() \
            or "weights_only" in str(err) else "it is damaged or not a checkpoint"
        raise InputError(path, f"cannot load the checkpoint safely: {kind}; it was not loaded (start a new run "
                               "with --overwrite)") from None


def _add_log_file(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("stance").addHandler(handler)
    return handler


# --------------------------------------------------------------------------- training loop
def class_weight_vector(train: Sequence[dict[str, Any]], labels: Sequence[str], label_field: str, mode: str) -> list[float] | None:
    if mode == "none":
        return None
    counts = Counter(r[label_field] for r in train)
    n, k = len(train), len(labels)
    weights = [n / (k * counts[label]) if counts[label] else 0.0 for label in labels]
    if mode == "sqrt":
        weights = [math.sqrt(w) for w in weights]
    log.info("class weights: %s", dict(zip(labels, (round(w, 3) for w in weights))))
    return weights


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, group: int = 50) -> list[list[int]]:
    """The batches of one epoch: a seeded shuffle, cut into groups of ``group`` batches, each group sorted
    by length (so that a batch pads to similar lengths: less wasted compute), then the batches shuffled."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(lengths), generator=generator).tolist()
    batches: list[list[int]] = []
    chunk = batch_size * group
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: lengths[i])
        batches.extend(part[b : b + batch_size] for b in range(0, len(part), batch_size))
    shuffle = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffle]


def rng_state(device: Any = None) -> dict[str, Any]:
    """This process's random states: Python's ``random``, NumPy's global generator, torch's CPU generator
    and, for a CUDA ``device``, that GPU's generator; as plain data and tensors (a ``weights_only`` load)."""
    import torch

    version, internal, gauss = random.getstate()
    numpy = np.random.get_state(legacy=False)
    cuda = device is not None and torch.device(device).type == "cuda"
    return {
        "python": {"version": version, "state": list(internal), "gauss": gauss},
        "numpy": {"key": numpy["state"]["key"].tolist(), "pos": int(numpy["state"]["pos"]),
                  "has_gauss": int(numpy["has_gauss"]), "gauss": float(numpy["gauss"])},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state(device) if cuda else None,
    }


def set_rng_state(state: dict[str, Any], device: Any = None) -> None:
    """Restore what :func:`rng_state` saved; the CUDA generator only where both runs are on a GPU."""
    import torch

    python = state["python"]
    random.setstate((python["version"], tuple(python["state"]), python["gauss"]))
    numpy = state["numpy"]
    np.random.set_state(("MT19937", np.asarray(numpy["key"], dtype=np.uint32), numpy["pos"], numpy["has_gauss"], numpy["gauss"]))
    torch.set_rng_state(state["torch"])
    on_gpu = device is not None and torch.device(device).type == "cuda"
    if on_gpu and state.get("cuda") is not None:
        torch.cuda.set_rng_state(state["cuda"], device)
    elif on_gpu or state.get("cuda") is not None:
        log.warning("resumed on %s from a checkpoint written on %s: the CUDA random state is not restored (the "
                    "run goes on, but not exactly as an uninterrupted one)", "a GPU" if on_gpu else "the CPU",
                    "the CPU" if on_gpu else "a GPU")


def _restore_rng(state: dict[str, Any], rank: int, world: int, device: Any) -> None:
    """Restore this process's random states from a checkpoint (written by the main process for all)."""
    import torch

    states = state.get("rng")
    if states is None:  # a checkpoint written before every state was kept: torch's CPU generator only
        torch.set_rng_state(state["torch_rng"])
        log.warning("the checkpoint holds torch's CPU random state only: Python, NumPy and CUDA states start anew")
        return
    if len(states) != world:
        log.warning("the checkpoint holds the random states of %d process(es), this run has %d: the run goes on, "
                    "but not exactly as an uninterrupted one", len(states), world)
    if rank < len(states):
        set_rng_state(states[rank], device)


def _save_checkpoint(clf: Any, path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    clf.model.save_pretrained(tmp / "model", safe_serialization=True)
    torch.save(state, tmp / "state.pt")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def _cpu_only() -> bool:
    """Train on the CPU (Accelerate's ``cpu``): asked for with ``accelerate launch --cpu``, or no GPU.
    Under torchrun-style launchers this makes CPU processes one distributed (gloo) job."""
    import torch
    from accelerate.utils import parse_flag_from_env

    return parse_flag_from_env("ACCELERATE_USE_CPU") or not torch.cuda.is_available()


def _forget_other_precision(mixed: str) -> None:
    """Accelerate keeps one mixed precision per process: a second run in another precision in the same
    process (a notebook, the test suite) would be refused. Forget the first run's (the processes and
    devices, Accelerate's PartialState, stay as they are)."""
    from accelerate.state import AcceleratorState

    if AcceleratorState._shared_state and str(AcceleratorState._shared_state.get("_mixed_precision", mixed)) != mixed:
        AcceleratorState._reset_state(reset_partial_state=False)


def soft_cross_entropy(logits: Any, target: Any) -> Any:
    """Per example: the cross-entropy of the predicted distribution with a target distribution,
    ``-sum_k target_k * log softmax(logits)_k`` (the gold label's cross-entropy when ``target`` is one-hot)."""
    import torch

    return -(target * torch.nn.functional.log_softmax(logits, dim=-1)).sum(dim=-1)


def fit(clf: Any, data: RunData, config: Config, out: Path, *, resume: bool = False) -> dict[str, Any]:
    """Fine-tune ``clf`` on ``data.train``; keep the best dev macro-F1 model in ``out/model``.

    Deterministic on CPU for a given seed, and resumable: a checkpoint (weights, optimiser, scheduler, every
    process's random states, position in the epoch) is written every ``checkpoint_every`` steps, and
    ``resume=True`` continues from it to the same result as an uninterrupted run.

    Under ``accelerate launch`` with several processes (GPUs, nodes, or CPU processes), each process takes
    its share ``idx[rank::world_size]`` of every batch and the loss is scaled so that the averaged gradient
    is the one-process gradient of the whole batch: the batch size, schedule and results stay those of one
    process (within float noise and dropout randomness). Evaluation, the best model and checkpoints are
    written by the main process only.
    """
    import torch
    from accelerate import Accelerator
    from accelerate.utils import gather_object
    from safetensors.torch import load_file
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup


    tc, lf = config.train, config.label_field
    if tc.num_threads:
        torch.set_num_threads(tc.num_threads)
    ckpt_dir = out / "checkpoint"
    state = load_state(ckpt_dir / "state.pt") if resume else None
    # a resumed run goes on in the precision it started in, whatever this machine's `auto` would pick
    precision = state.get("precision", "fp32") if state is not None else resolve_precision(tc.precision, cuda=not _cpu_only())
    mixed = "bf16" if precision == "bf16" else "no"
    _forget_other_precision(mixed)
    accelerator = Accelerator(cpu=_cpu_only(), mixed_precision=mixed)
    log.info("training precision: %s (train.precision: %s; %s)", precision, tc.precision,
             "from the checkpoint" if state is not None else device_name() if not _cpu_only() else cpu_name())
    rank, world, main = accelerator.process_index, accelerator.num_processes, accelerator.is_main_process
    clf.precision = precision  # saved with the model (stance_config.json, provenance)
    clf.device = str(accelerator.device)
    model = clf.model
    device = accelerator.device
    encoded = tokenized(clf, data.train)
    y = torch.tensor([clf.label2id[r[lf]] for r in data.train])
    n = len(data.train)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    steps_per_epoch = math.ceil(n / tc.batch_size)
    total_steps = tc.max_steps or max(1, math.ceil(tc.epochs * steps_per_epoch))
    weights = class_weight_vector(data.train, clf.labels, lf, tc.class_weights)
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32, device=device) if weights else None)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
    groups = [
        {"params": [p for n_, p in model.named_parameters() if not any(k in n_ for k in no_decay)], "weight_decay": tc.weight_decay},
        {"params": [p for n_, p in model.named_parameters() if any(k in n_ for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=tc.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total_steps), total_steps)
    # the model is wrapped for gradient sync (one process: unchanged); the scheduler is not prepared,
    # since it steps once per global batch whatever the number of processes
    model, optimizer = accelerator.prepare(model, optimizer)
    class_weight = loss_fn.weight

    step, best, history, running, seconds_before = 0, -1.0, [], 0.0, 0.0
    if state is not None:
        clf.model.load_state_dict(load_file(ckpt_dir / "model" / "model.safetensors"), strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        _restore_rng(state, rank, world, device)
        step, best, history = state["step"], state["best"], json.loads(state["history"])
        running = state["running_loss"]
        seconds_before = state.get("train_seconds", 0.0)
        log.info("resumed from step %d of %d (best dev macro-F1 so far %.4f)", step, total_steps, best)

    dev_records = [r for records in data.dev.values() for r in records]

    allowed = {spec: eval_labels(spec, clf.labels, config) for spec in data.dev}

    def evaluate_dev() -> tuple[float, dict[str, float], dict[str, float]]:
        """The selection score, the mean of the dev sets' macro-F1 (each set weighs the same, whatever its
        size; with one set, its macro-F1), each set's macro-F1, and the any-label macro-F1 of each set
        annotated with fewer classes than the model has. Such a set is scored as the test sets are
        (:func:`eval_labels`), and also with the model free to answer any label, a neutral answer a miss
        (:func:`stance.evaluate.score_any_label`); ``train.selection`` says which of the two counts."""
        if not dev_records:
            return float("nan"), {}, {}
        proba = iter(clf.predict_proba(dev_records, batch_size=tc.eval_batch_size))
        per_set, any_label = {}, {}
        for spec, records in data.dev.items():
            scores, gold = np.stack([next(proba) for _ in records]), [r[lf] for r in records]
            pred = restricted_argmax(scores, clf.labels, allowed[spec])
            per_set[spec] = float(classification_metrics(gold, pred, labels=allowed[spec])["macro_f1"])
            if len(allowed[spec]) < len(clf.labels):
                free = [clf.labels[i] for i in scores.argmax(axis=1)]
                any_label[spec] = float(score_any_label(gold, free, clf.labels, allowed[spec], n_bootstrap=0)["macro_f1"])
        counted = {**per_set, **any_label} if tc.selection == "any_label" else per_set
        model.train()
        return sum(counted.values()) / len(counted), per_set, any_label

    soft = torch.tensor(data.soft, dtype=torch.float32) if data.soft is not None else None
    teacher_weight = tc.teacher_weight if soft is not None else 0.0

    def batch_loss(idx: list[int]) -> tuple[Any, float]:
        """This process's loss on its share of the batch ``idx``, and the batch's mean loss (for the log):
        the class-weighted cross-entropy with the gold labels, and with a teacher, ``teacher_weight`` times
        the cross-entropy with its probabilities added to ``1 - teacher_weight`` times that."""
        if world == 1:
            batch = {k: v.to(device) for k, v in clf.collate(encoded, idx).items()}
            with accelerator.autocast():
                logits = clf.logits(model, batch)
            loss = loss_fn(logits.float(), y[idx].to(device))
            if teacher_weight:
                loss = (1 - teacher_weight) * loss + teacher_weight * soft_cross_entropy(logits.float(), soft[idx].to(device)).mean()
            return loss, loss.item()
        mine, scale = idx[rank::world], 1.0
        if not mine:  # fewer examples than processes: every process must still take part in the step
            mine, scale = idx[:1], 0.0
        batch = {k: v.to(device) for k, v in clf.collate(encoded, mine).items()}
        total = class_weight.cpu()[y[idx]].sum().item() if class_weight is not None else len(idx)
        with accelerator.autocast():
            logits = clf.logits(model, batch)
        summed = torch.nn.functional.cross_entropy(logits.float(), y[mine].to(device), weight=class_weight, reduction="sum")
        loss = summed * (scale * world / total)  # gradients are averaged over processes: sum / total overall
        if teacher_weight:
            soft_summed = soft_cross_entropy(logits.float(), soft[mine].to(device)).sum()
            loss = (1 - teacher_weight) * loss + teacher_weight * soft_summed * (scale * world / len(idx))
        return loss, accelerator.reduce(loss.detach(), reduction="mean").item()

    eval_every = tc.eval_every or steps_per_epoch
    bar = tqdm(total=total_steps, initial=step, desc="train", unit="step", dynamic_ncols=True, disable=not main)
    model.train()
    t0 = time.time()
    while step < total_steps:
        epoch, offset = divmod(step, steps_per_epoch)
        batches = epoch_batches(lengths, tc.batch_size, config.seed + epoch)
        for b in range(offset, steps_per_epoch):
            if step >= total_steps:
                break
            loss, loss_value = batch_loss(batches[b])
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), tc.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running = 0.9 * running + 0.1 * loss_value if step > 1 else loss_value
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}", epoch=f"{step / steps_per_epoch:.2f}")
            # evaluation, the best model and checkpoints: the main process's job
            if main and (step % eval_every == 0 or step == total_steps):
                score, per_set, any_label = evaluate_dev()
                history.append({"step": step, "epoch": round(step / steps_per_epoch, 3), "dev_macro_f1": score,
                                "dev_sets": per_set, **({"dev_sets_any_label": any_label} if any_label else {}),
                                "loss": running})
                parts = [f"{k} {v:.4f}" for k, v in per_set.items()] + [f"{k} any label {v:.4f}" for k, v in any_label.items()]
                log.info("step %d: dev macro-F1 %.4f%s (loss %.4f)", step, score,
                         f" ({', '.join(parts)})" if len(parts) > 1 else "", running)
                if not dev_records or score > best:
                    best = score if dev_records else best
                    clf.save_pretrained(out / "model")
                    log.info("saved new best model (dev macro-F1 %.4f)", score)
            checkpoint_now = step % tc.checkpoint_every == 0 or step == total_steps
            if checkpoint_now:  # every process's random states, gathered (a collective: all processes take part)
                rng = gather_object([rng_state(device)]) if world > 1 else [rng_state(device)]
            if main and checkpoint_now:
                _save_checkpoint(
                    clf,
                    ckpt_dir,
                    {
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(),
                        "rng": rng,
                        "step": step,
                        "best": best,
                        "history": json.dumps(history),
                        "running_loss": running,
                        "train_seconds": seconds_before + time.time() - t0,
                        "precision": precision,
                    },
                )
            if world > 1 and (step % eval_every == 0 or step % tc.checkpoint_every == 0 or step == total_steps):
                accelerator.wait_for_everyone()
    bar.close()
    model.eval()
    elapsed = seconds_before + time.time() - t0
    log.info("training done: %d steps in %.0f s (counting interrupted parts)", step, elapsed)
    return {"steps": step, "best_dev_macro_f1": best, "history": history, "train_seconds": round(elapsed, 1), "precision": precision}


# --------------------------------------------------------------------------- scoring
def score_predictions(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str], config: Config
) -> dict[str, Any]:
    return score_labels(list(gold), list(pred), list(labels), n_bootstrap=config.evaluation.n_bootstrap, seed=config.seed)


def paired_tests(gold: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str], config: Config) -> dict[str, Any]:
    paired = paired_comparison(list(gold), list(pred_a), list(pred_b), metrics=("macro_f1",),
                               n_resamples=config.evaluation.n_bootstrap, seed=config.seed)
    return {"mcnemar": paired["mcnemar"], "paired_bootstrap_macro_f1": paired["paired_bootstrap"]["macro_f1"]}


def _prediction_rows(records: Sequence[dict[str, Any]], spec: str, pred: Sequence[str], proba: np.ndarray, labels: Sequence[str], lf: str) -> list[dict[str, Any]]:
    rows = []
    for r, p, s in zip(records, pred, proba):
        row = {k: v for k, v in r.items() if k != lf}
        row.update(eval_set=spec, gold=r[lf], predicted=p, scores={l: round(float(v), 6) for l, v in zip(labels, s)})
        rows.append(row)
    return rows


def eval_labels(spec: str, model_labels: Sequence[str], config: Config) -> list[str]:
    """The labels a test set can hold (after the label alias), in the model's order.

    A test set annotated with fewer classes than the model has (SEESAW: positive / negative only) is
    scored as that task: predictions are the argmax over its labels, and macro-F1 averages over them.
    """
    from .corpora import dataset_labels

    try:
        labels = {config.evaluation.label_alias.get(l, l) for l in dataset_labels(spec, config.data.dir)}
    except (StanceError, ValueError):  # label set unknown in advance: score on all labels
        return list(model_labels)
    subset = [l for l in model_labels if l in labels]
    return subset if len(subset) >= 2 and set(subset) == labels else list(model_labels)


def restricted_argmax(proba: np.ndarray, labels: Sequence[str], allowed: Sequence[str]) -> list[str]:
    columns = [labels.index(l) for l in allowed]
    best = proba[:, columns].argmax(axis=1)
    return [allowed[i] for i in best]


def evaluate_systems(clf: Any, data: RunData, config: Config, out: Path) -> dict[str, Any]:
    """Score the model and the baselines on every test set; paired tests of the model vs each baseline."""
    lf = config.label_field
    metrics: dict[str, Any] = {"test": {}, "baselines": {}, "comparisons": {}}
    preds: dict[str, dict[str, list[str]]] = {"model": {}}
    rows: list[dict[str, Any]] = []
    allowed = {spec: eval_labels(spec, clf.labels, config) for spec in data.test}
    for spec, records in data.test.items():
        proba = clf.predict_proba(records, batch_size=config.train.eval_batch_size, show_progress_bar=True)
        pred = restricted_argmax(proba, clf.labels, allowed[spec])
        preds["model"][spec] = pred
        metrics["test"][spec] = score_predictions([r[lf] for r in records], pred, allowed[spec], config)
        if allowed[spec] != clf.labels:  # scored as its task, and also as `stance run` would label it
            metrics["test"][spec]["restricted_to"] = allowed[spec]
            metrics["test"][spec]["any_label"] = score_any_label(
                [r[lf] for r in records], restricted_argmax(proba, clf.labels, clf.labels), clf.labels, allowed[spec],
                n_bootstrap=config.evaluation.n_bootstrap, seed=config.seed)
        rows.extend(_prediction_rows(records, spec, pred, proba, clf.labels, lf))
    write_jsonl(out / "predictions.jsonl", rows)

    for name in config.baselines:
        base = BaselineClassifier(name, clf.labels, clf.encoding, seed=config.seed).fit(data.train, lf)
        metrics["baselines"][name] = {}
        preds[name] = {}
        base_rows: list[dict[str, Any]] = []
        for spec, records in data.test.items():
            proba = base.predict_proba(records)
            pred = restricted_argmax(proba, clf.labels, allowed[spec])
            preds[name][spec] = pred
            metrics["baselines"][name][spec] = score_predictions([r[lf] for r in records], pred, allowed[spec], config)
            base_rows.extend(_prediction_rows(records, spec, pred, proba, clf.labels, lf))
        write_jsonl(out / "baselines" / name / "predictions.jsonl", base_rows)
    leaky = {spec: report for spec, report in data.leaks.get("test", {}).items() if report.near and report.leak_free}
    metrics["leakage"] = {role: {spec: report.to_dict() for spec, report in sets.items()} for role, sets in data.leaks.items()}
    for spec, report in leaky.items():
        gold = [data.test[spec][i][lf] for i in report.leak_free]
        for system, scores in (("model", metrics["test"]), *((name, metrics["baselines"][name]) for name in config.baselines)):
            pred = [preds[system][spec][i] for i in report.leak_free]
            scores[spec]["leak_free"] = score_predictions(gold, pred, allowed[spec], config)
    for spec, records in data.test.items():
        gold = [r[lf] for r in records]
        metrics["comparisons"][spec] = {
            f"model_vs_{name}": paired_tests(gold, preds["model"][spec], preds[name][spec], config) for name in config.baselines
        }
        if spec in leaky:  # the same tests on the rows that repeat no training row
            keep = leaky[spec].leak_free
            metrics["comparisons"][f"{spec}{LEAK_FREE}"] = {
                f"model_vs_{name}": paired_tests([gold[i] for i in keep], [preds["model"][spec][i] for i in keep],
                                                 [preds[name][spec][i] for i in keep], config)
                for name in config.baselines
            }
    table_rows = []
    for spec in data.test:
        table_rows.append({"system": "model", "test_set": spec, **metrics["test"][spec]})
        if "any_label" in metrics["test"][spec]:
            free = metrics["test"][spec]["any_label"]
            table_rows.append({"system": "model", "test_set": any_label_name(spec, free), **free})
        for name in config.baselines:
            table_rows.append({"system": name, "test_set": spec, **metrics["baselines"][name][spec]})
        if spec in leaky:  # the same set without the rows that repeat a training row, right beneath it
            label = f"{spec} leak-free ({len(leaky[spec].near)} repeats of training rows left out)"
            table_rows.append({"system": "model", "test_set": label, **metrics["test"][spec]["leak_free"]})
            for name in config.baselines:
                table_rows.append({"system": name, "test_set": label, **metrics["baselines"][name][spec]["leak_free"]})
    metrics["table"] = results_table(table_rows)
    return metrics


# --------------------------------------------------------------------------- the run
def _config_inputs(config: Config) -> list[str]:
    """The local files a config reads (data files given as ``jsonl:PATH``, a local model folder): the run
    folder must not hold them."""
    from .corpora import DatasetSpec

    out = []
    for spec in (*config.data.train, *config.data.dev, *config.data.test):
        parsed = DatasetSpec.parse(spec)
        if parsed.entry.file and parsed.corpus != "dataset":
            out.append(parsed.split)
    if Path(config.model.name_or_path).exists():
        out.append(config.model.name_or_path)
    if config.data.teacher:
        out.append(config.data.teacher)
    return out


def run_training(config: Config, output_dir: str | Path | None = None, *, overwrite: bool = False, resume: bool = False,
                 datasets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``stance train``: train, select on dev, score model and baselines on the test sets, write the run folder.

    ``datasets``: ``datasets.Dataset`` objects that specs ``dataset:NAME`` of the config name (see :func:`train`).

    Under ``accelerate launch`` every process trains (see :func:`fit`); the main process alone writes the
    run folder and returns the metrics, the others return ``{"process_index": i, "table": <a note>}``.
    """
    from accelerate import PartialState

    from .model import StanceClassifier

    state = PartialState(cpu=_cpu_only())  # one process, unless started by `accelerate launch` or torchrun
    main = state.is_main_process
    out = check_output_dir(output_dir or Path("runs") / config.name, inputs=_config_inputs(config))
    existed = out.exists()
    if main:
        prepare_run_dir(out, overwrite=overwrite, resume=resume, config=config)
        (out / COMPLETE).unlink(missing_ok=True)
    state.wait_for_everyone()
    handler = _add_log_file(out / "train.log") if main else None
    t0 = time.time()
    discard = False
    try:
        set_seed(config.seed)
        data = load_run_data(config, datasets)
        if main:
            save_config(config, out / "config.yaml")
        clf = StanceClassifier.from_pretrained(
            config.model.name_or_path,
            labels=data.labels,
            encoding=config.model.encoding,
            use_context=config.model.use_context,
            max_length=config.model.max_length,
            pooling=config.model.pooling,
            sides=config.model.sides,
            num_threads=config.train.num_threads,
        )
        clf.label_alias = dict(config.evaluation.label_alias)
        clf.display_alias = dict(config.evaluation.display_alias)
        # the precision the saved fp32 model is run in for the calibration and the test sets
        scoring = resolve_precision(config.evaluation.precision, cuda=not _cpu_only())
        bf16 = "bf16" if scoring == "bf16" else None
        if config.train.epochs > 0 or config.train.max_steps:
            training = fit(clf, data, config, out, resume=resume)
            if not main:
                return {"process_index": state.process_index, "table": f"process {state.process_index}: trained; results in {out}"}
            clf = StanceClassifier.from_pretrained(out / "model", quantize=bf16)
        elif not main:
            return {"process_index": state.process_index, "table": f"process {state.process_index}: nothing to train"}
        else:
            training = {"steps": 0}
            clf.save_pretrained(out / "model")
            if bf16:
                clf = StanceClassifier.from_pretrained(out / "model", quantize=bf16)
        log.info("scoring precision: %s (evaluation.precision: %s)", scoring, config.evaluation.precision)
        calibration = None
        if config.evaluation.calibration == "temperature":  # before scoring: predictions carry calibrated scores
            from .calibration import calibrate_run

            calibration = calibrate_run(clf, data.dev, config.label_field, out, batch_size=config.train.eval_batch_size)
        metrics = evaluate_systems(clf, data, config, out)
        if calibration is not None:
            from .calibration import add_test_calibration

            metrics["calibration"] = add_test_calibration(out, clf.labels, clf.temperature)
        history = training.get("history", [])
        chosen = next((h for h in history if h["dev_macro_f1"] == training.get("best_dev_macro_f1")), {})
        metrics["dev"] = {"best_macro_f1": training.get("best_dev_macro_f1"), "selection": config.train.selection,
                          "sets": chosen.get("dev_sets", {}), "sets_any_label": chosen.get("dev_sets_any_label", {}),
                          "history": history}
        metrics["training"] = {k: v for k, v in training.items() if k != "history"}
        metrics["scoring_precision"] = scoring
        metrics["labels"] = data.labels
        metrics["n_train"] = len(data.train)
        metrics["wall_seconds"] = round(time.time() - t0, 1)
        record = provenance.collect(config, data, precision=training.get("precision"),
                                    extra={"training": metrics["training"], "run_folder": str(out)})
        provenance.write(out, record)
        provenance.write(out / "model", record)
        write_text(out / "model" / provenance.MODEL_CARD, provenance.model_card(record, data.labels, metrics, name=config.name))
        write_json(out / "metrics.json", metrics)
        write_text(out / "results.md", f"# {config.name}\n\n{metrics['table']}\n")
        shutil.rmtree(out / "checkpoint", ignore_errors=True)
        mark_complete(out)
        log.info("run complete in %.0f s: %s", time.time() - t0, out)
        return metrics
    except StanceError:
        # bad input (data, model folder) found before any checkpoint: leave no half-made run folder behind
        discard = main and not resume and not (out / "checkpoint").exists()
        raise
    finally:
        if handler is not None:
            logging.getLogger("stance").removeHandler(handler)
            handler.close()
        if discard:  # only what this run wrote: a file of the user's in the folder stays
            marker = run_marker(out)
            if marker is not None:
                remove_owned(out, marker)
                (out / ".stance-run.json").unlink(missing_ok=True)
            if not existed and out.is_dir() and not any(out.iterdir()):
                out.rmdir()


def _named(value: Any, default: str) -> dict[str, Any]:
    """A Dataset as ``{default: it}``; a mapping (a DatasetDict, a dict of test sets) as it is."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return {default: value}


def train(config: Config | str | Path | None = None, output_dir: str | Path | None = None, *,
          train_dataset: Any, dev_dataset: Any = None, test_dataset: Any = None,
          overrides: Sequence[str] = (), overwrite: bool = False) -> dict[str, Any]:
    """Train on ``datasets.Dataset`` objects: the Python entry point of ``stance train``.

    ``train_dataset``: a ``Dataset`` of statement records (``text`` and the label field; ``source``,
    ``target``, their spans and ``context`` when the task has them; ``ClassLabel`` labels are read by name),
    or a ``DatasetDict`` whose ``train`` split is trained on and whose ``validation`` (or ``dev``/``valid``)
    and ``test`` splits are the dev and test sets unless ``dev_dataset`` / ``test_dataset`` are given.
    ``dev_dataset`` / ``test_dataset``: a ``Dataset`` or a mapping of name -> ``Dataset`` (each test set is
    scored on its own). A role without a dataset keeps the config's specs (train on your data, test on
    ``dse-directed:test``). ``config``: a :class:`Config`, a YAML file (with ``overrides``), or None for the
    base config. Each dataset appears in the run folder as the spec ``dataset:NAME``. Returns the metrics,
    as :func:`run_training` does::

        from datasets import load_dataset
        from stance.train import train
        metrics = train("configs/base.yaml", "runs/mine", overrides=["labels=[negative, neutral, positive]"],
                        train_dataset=load_dataset("json", data_files="train.jsonl")["train"])
    """
    import dataclasses

    from .config import load_config

    if not isinstance(config, Config):
        config = load_config(config, overrides=list(overrides))
    elif overrides:
        raise ConfigError(None, "overrides apply to a config file; change the Config object instead", field="overrides")
    splits = _named(train_dataset, "train")
    if len(splits) == 1 and not isinstance(train_dataset, Mapping):
        roles = {"train": splits, "dev": {}, "test": {}}
    else:
        if "train" not in splits:
            raise ConfigError(None, f"the DatasetDict has no 'train' split (it has {sorted(splits)})", field="train_dataset")
        dev_name = next((n for n in ("validation", "dev", "valid") if n in splits), None)
        roles = {"train": {"train": splits["train"]}, "dev": {dev_name: splits[dev_name]} if dev_name else {},
                 "test": {"test": splits["test"]} if "test" in splits else {}}
    if dev_dataset is not None:
        roles["dev"] = _named(dev_dataset, "dev")
    if test_dataset is not None:
        roles["test"] = _named(test_dataset, "test")
    given: dict[str, Any] = {}
    specs: dict[str, list[str]] = {}
    for role, named in roles.items():
        for name, dataset in named.items():
            if name in given and given[name] is not dataset:
                name = f"{role}-{name}"
            given[name] = dataset
            specs.setdefault(role, []).append(f"dataset:{name}")
    data = dataclasses.replace(config.data, **specs)
    return run_training(dataclasses.replace(config, data=data), output_dir, overwrite=overwrite, datasets=given)
