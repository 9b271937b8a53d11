"""The stance classifier: a transformer encoder with a classification head, and its input encoding.

``StanceClassifier.from_pretrained(path_or_id, labels=[...])`` builds one (a new head when the folder is a
plain encoder), ``.predict(records)`` returns labels, ``.predict_proba(records)`` probabilities, and
``.save_pretrained(dir)`` writes a folder that loads back here and also with plain
``AutoModelForSequenceClassification``. How a record becomes model input (entity markers, the
``source -> target`` text pair) is saved with the model, so prediction always matches training.
"""
from __future__ import annotations

import json
import logging
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .config import resolve_model_path
from .errors import InputError, StanceError
from .parties import OPPOSED_SIDES

log = logging.getLogger(__name__)

STANCE_CONFIG = "stance_config.json"
CALIBRATION = "calibration.json"  # {"temperature": T, ...}: written when a temperature is set (stance.calibration)
REQUIRED_FILES = ("config.json", "model.safetensors")
# int8: statements whose top-two probability margin is under this are scored again in fp32
INT8_RECHECK_MARGIN = 0.25
# quantize="auto": the fastest precision whose argmax agrees with fp32 on this share of a calibration sample
AUTO_MIN_AGREEMENT = 0.99
AUTO_SAMPLE = 256  # statements of the calibration sample (the first ones predicted, unless given)
Quantize = Literal["int8", "bf16", "auto"]


@dataclass
class InputEncoding:
    """How a statement record is turned into the model's input text (and text pair).

    ``markers``: the source and target spans inside ``text`` (when the record has them) are wrapped in
    marker characters (``@ ... @`` for the source, ``# ... #`` for the target: punctuation the tokenizer
    already knows, as in Zhou & Chen 2022), and the pair ``"<source> -> <target>"`` is added as a second
    segment, so the direction is visible even when the spans are unknown. ``pair``: the second segment only.

    ``sides``: say in the text pair whether source and target are on opposite sides or the same side
    (:func:`sides_of`: two parties of a party config, or SEESAW's Liberal / Conservative ideologies),
    when the record tells; nothing when it does not.

    ``pooling``: what the classification head reads. ``cls``: the first token, as every
    ``...ForSequenceClassification`` does. ``markers`` (with ``kind="markers"``): the mean of the first
    token and the opening source and target markers, taken from the last layer before the head
    ("entity start" pooling, Baldini Soares et al. 2019; Zhou & Chen 2022); a marker the record has no
    span for, or that truncation cut off, counts as the first token. ``mean``: the mean of the last
    layer over the input's tokens (padding left out), the pooling sentence-transformers encoders such as
    all-MiniLM-L6-v2 and all-mpnet-base-v2 were trained with (Reimers & Gurevych 2019). The weights keep
    the shapes of the plain model, so the folder still loads with ``AutoModelForSequenceClassification``,
    but only :class:`StanceClassifier` pools so: plain loading then predicts from the first token alone.
    """

    kind: Literal["markers", "pair"] = "markers"
    use_context: bool = False
    max_length: int = 128
    source_marker: str = "@"
    target_marker: str = "#"
    pooling: Literal["cls", "markers", "mean"] = "cls"
    sides: bool = False

    def marked(self, record: dict[str, Any]) -> tuple[str, dict[str, int]]:
        """The first segment, and the character offset of each opening marker in it (by role)."""
        text = record["text"]
        if self.kind != "markers":
            return text, {}
        spans = []
        for role, marker in (("source", self.source_marker), ("target", self.target_marker)):
            start, end = record.get(f"{role}_start"), record.get(f"{role}_end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                spans.append((start, end, marker, role))
        if len(spans) == 2 and spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]:
            spans = spans[:1]  # overlapping mentions: mark the source only
        marked, offsets, pos = "", {}, 0
        for start, end, marker, role in sorted(spans):
            marked += text[pos:start]
            offsets[role] = len(marked)
            marked += f"{marker} {text[start:end]} {marker}"
            pos = end
        return marked + text[pos:], offsets

    def first_segment(self, record: dict[str, Any]) -> str:
        return self.marked(record)[0]

    def second_segment(self, record: dict[str, Any]) -> str | None:
        source, target = record.get("source"), record.get("target")
        if source is None and target is None and not (self.use_context and record.get("context")):
            return None
        pair = f"{source or 'unknown'} -> {target or 'unknown'}"
        side = sides_of(record) if self.sides else None
        if side is not None:
            pair += " (opposite sides)" if side == "opposed" else " (same side)"
        if self.use_context and record.get("context"):
            pair += f" | {record['context']}"
        return pair

    def encode_texts(self, records: Sequence[dict[str, Any]]) -> tuple[list[str], list[str] | None]:
        first = [self.first_segment(r) for r in records]
        second = [self.second_segment(r) for r in records]
        if all(s is None for s in second):
            return first, None
        return first, [s or "" for s in second]


def sides_of(record: dict[str, Any]) -> str | None:
    """``"opposed"`` or ``"same"`` when the record tells whether its source and target are on opposite
    sides, else ``None``: its own ``sides`` field, else ``speaker_party`` vs ``target_party`` (a
    statement mapped by a party config), else SEESAW's ``source_ideology`` vs ``target_ideology``
    (Liberal / Conservative; Moderate and unknown tell nothing)."""
    value = record.get("sides")
    if value in ("opposed", "same"):
        return value
    for a, b, allowed in (("speaker_party", "target_party", None),
                          ("source_ideology", "target_ideology", OPPOSED_SIDES)):
        x, y = record.get(a), record.get(b)
        if isinstance(x, str) and isinstance(y, str) and x and y and (allowed is None or {x, y} <= allowed):
            return "opposed" if x != y else "same"
    return None


def _check_positive(name: str, value: Any, *, allow_zero: bool = False) -> None:
    """A count option (batch size, length, threads) is a positive integer, whoever passes it."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise StanceError(f"{name} must be an integer >= {low}, got {value!r}")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def _saved_labels(saved: dict[str, Any], path: Path) -> list[str]:
    """The labels of a saved model's stance_config.json: a list of distinct strings."""
    labels = saved.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(l, str) for l in labels):
        raise InputError(path, "expected a non-empty list of label strings", field="labels")
    duplicated = sorted({l for l in labels if labels.count(l) > 1})
    if duplicated:
        raise InputError(path, f"duplicated label(s) {duplicated} in {labels}", field="labels")
    return list(labels)


def _as_records(items: Iterable[dict[str, Any] | str]) -> list[dict[str, Any]]:
    records = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            records.append({"text": item})
        elif isinstance(item, dict):
            if not isinstance(item.get("text"), str):
                text = item.get("content")
                if not isinstance(text, str):
                    raise InputError(None, f"record {i} has no text", field="text")
                item = {**item, "text": text}
            records.append(item)
        else:
            raise StanceError(f"predict takes strings or statement dicts, got {type(item).__name__}")
    return records


def check_model_folder(path: Path) -> None:
    """A local model folder must hold its config, safetensors weights and a tokenizer."""
    for name in REQUIRED_FILES:
        if not (path / name).exists():
            if name == "model.safetensors" and any(path.glob("model-*.safetensors")):
                continue
            hint = " (only safetensors checkpoints are loaded)" if (path / "pytorch_model.bin").exists() else ""
            raise InputError(path / name, f"model folder is missing {name}{hint}")
    if not any((path / n).exists() for n in ("tokenizer.json", "vocab.txt", "tokenizer_config.json")):
        raise InputError(path / "tokenizer.json", "model folder has no tokenizer files")


class StanceClassifier:
    """A sequence classifier over statement records. Use :meth:`from_pretrained` to build one."""

    def __init__(self, model: Any, tokenizer: Any, labels: Sequence[str], encoding: InputEncoding, device: str = "cpu") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.encoding = encoding
        self.device = device
        self.fp32_model: Any = None  # kept beside an int8 model to re-score its close calls
        self.recheck_margin = 0.0
        self.n_rechecked = 0  # statements re-scored in fp32 so far
        self.quantized: str = "fp32"  # the precision the model runs in: fp32, int8, bf16
        self.calibration: dict[str, Any] | None = None  # quantize="auto": what was measured and chosen
        self._calibrate_first: tuple[float, float] | None = None  # auto, no sample given: (min agreement, margin)
        self.label2id = {label: i for i, label in enumerate(self.labels)}
        self.label_alias: dict[str, str] = {}  # gold label name -> model label (e.g. confrontational -> negative)
        self.display_alias: dict[str, str] = {}  # model label -> name shown in reports
        self.encoder: str | None = None  # the base encoder's name or path (provenance, model card)
        self.precision: str | None = None  # what the weights were trained in, when known
        self.temperature = 1.0  # logits are divided by it before the softmax (fitted: stance.calibration)
        self.calibration: dict[str, Any] = {}  # how the temperature was fitted, saved beside it
        # marker or mean pooling: what the batch being run pools over (marker positions, attention mask),
        # read by a hook on the encoder
        self._pool_over: list[Any] = [None]
        if encoding.pooling != "cls":
            _install_pooling(model, self._pool_over, encoding.pooling)

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        labels: Sequence[str] | None = None,
        *,
        encoding: str | None = None,
        use_context: bool | None = None,
        max_length: int | None = None,
        pooling: str | None = None,
        sides: bool | None = None,
        device: str | None = None,
        quantize: Quantize | None = None,
        num_threads: int | None = None,
        int8_recheck: float = INT8_RECHECK_MARGIN,
        calibration: Sequence[dict[str, Any] | str] | None = None,
        min_agreement: float = AUTO_MIN_AGREEMENT,
    ) -> StanceClassifier:
        """Load a saved classifier, or put a new head on an encoder (then ``labels`` is required).

        ``name_or_path``: a folder (a run's ``model/``), a Hugging Face id, ``"default"`` for the
        packaged all-MiniLM-L6-v2, or ``"mpnet-base"`` for all-mpnet-base-v2 once installed
        (``stance encoders install mpnet-base``; :mod:`stance.encoders`). ``quantize="int8"`` applies torch dynamic quantization (CPU), and
        re-scores in fp32 the statements whose int8 top-two margin is under ``int8_recheck`` (0: never);
        ``quantize="bf16"`` runs the model in bfloat16 (fast on GPUs and on CPUs with AMX or AVX512-BF16,
        slow on others). ``quantize="auto"``: :meth:`calibrate` on ``calibration`` (default: the first
        :data:`AUTO_SAMPLE` statements of the first prediction call) picks the fastest of fp32, bf16 and
        int8 whose argmax agrees with fp32 on at least ``min_agreement`` of them, and logs which. ``num_threads``: torch's CPU threads; by default the CPUs this process may use.
        """
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # per-file loading bars; our own bars show long work
        if num_threads:
            torch.set_num_threads(num_threads)
        elif torch.get_num_threads() > cpu_threads():
            torch.set_num_threads(cpu_threads())  # a job given fewer CPUs than the machine has
        resolved = resolve_model_path(str(name_or_path))
        local = Path(resolved)
        saved: dict[str, Any] = {}
        if local.exists():
            if not local.is_dir():
                raise InputError(local, "expected a model folder, got a file")
            check_model_folder(local)
            if (local / STANCE_CONFIG).exists():
                try:
                    saved = json.loads((local / STANCE_CONFIG).read_text(encoding="utf-8"))
                except json.JSONDecodeError as err:
                    raise InputError(local / STANCE_CONFIG, f"malformed JSON: {err.msg}", line=err.lineno) from None
                except (ValueError, RecursionError) as err:
                    raise InputError(local / STANCE_CONFIG, f"malformed JSON: {str(err)[:120]}") from None
                if not isinstance(saved, dict):
                    raise InputError(local / STANCE_CONFIG, "expected a JSON object")
        elif _looks_like_path(str(name_or_path)):
            raise InputError(local, "model folder not found")
        else:
            _check_hub_reachable(str(name_or_path))

        if saved:
            saved_labels = _saved_labels(saved, local / STANCE_CONFIG)
            if labels is not None and list(labels) != saved_labels:
                raise StanceError(f"{local}: model was trained with labels {saved_labels}, not {list(labels)}")
            labels = saved_labels
            try:
                enc = InputEncoding(**saved["encoding"])
            except (KeyError, TypeError) as err:
                raise InputError(local / STANCE_CONFIG, f"not an input encoding: {str(err)[:120]}",
                                 field="encoding") from None
        else:
            if not labels:
                raise StanceError(f"{name_or_path}: a new classification head needs labels=[...]")
            enc = InputEncoding()
        if encoding is not None:
            enc.kind = encoding  # type: ignore[assignment]
        if use_context is not None:
            enc.use_context = use_context
        if max_length is not None:
            enc.max_length = max_length
        if pooling is not None:
            enc.pooling = pooling  # type: ignore[assignment]
        if sides is not None:
            enc.sides = sides
        _check_positive("max_length", enc.max_length)
        if num_threads is not None:
            _check_positive("num_threads", num_threads, allow_zero=True)
        if not 0.0 <= float(int8_recheck) <= 1.0:
            raise StanceError(f"int8_recheck must be between 0 and 1, got {int8_recheck!r}")
        if labels is not None and len(set(labels)) != len(list(labels)):
            raise StanceError(f"labels must be distinct, got {list(labels)}")
        if enc.pooling not in ("cls", "markers", "mean"):
            raise StanceError(f"unknown pooling {enc.pooling!r}; valid: cls, markers, mean")
        if enc.pooling == "markers" and enc.kind != "markers":
            raise StanceError("pooling 'markers' needs the 'markers' encoding (the pair encoding marks no spans)")

        labels = list(labels)
        kwargs: dict[str, Any] = dict(
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
            use_safetensors=True,
            trust_remote_code=False,
        )
        if not saved:
            kwargs["ignore_mismatched_sizes"] = True
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # the "newly initialised head" report is expected here
        try:
            tokenizer = AutoTokenizer.from_pretrained(resolved, trust_remote_code=False)
            model = AutoModelForSequenceClassification.from_pretrained(resolved, **kwargs)
        except (OSError, ValueError) as err:  # missing files; unknown model type, custom code (never run)
            raise StanceError(f"cannot load model {name_or_path!s}: {_first_line(err)}") from None
        except Exception as err:  # noqa: BLE001 - truncated safetensors, a head of another shape: a bad folder
            raise InputError(local if local.exists() else None, f"cannot load the model: {type(err).__name__}: "
                             f"{_first_line(err)}", field="model.safetensors" if "safetensor" in str(err).lower()
                             or "header" in str(err).lower() else None) from None
        finally:
            hf_logging.set_verbosity(verbosity)
        limit = _max_tokens(model, tokenizer)
        if enc.pooling == "markers" and not getattr(tokenizer, "is_fast", False):
            raise StanceError(f"{name_or_path}: pooling 'markers' needs a fast tokenizer (character offsets)")
        if limit is not None and enc.max_length > limit:
            log.warning("max_length %d is more than %s takes; using its limit of %d tokens", enc.max_length, name_or_path, limit)
            enc.max_length = limit
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        model.to(device)
        model.eval()
        clf = cls(model, tokenizer, labels, enc, device)
        clf.label_alias = dict(saved.get("label_alias", {}))
        clf.display_alias = dict(saved.get("display_alias", {}))
        clf.encoder = saved.get("encoder") if saved else str(name_or_path)
        clf.precision = saved.get("precision")
        if local.is_dir():
            clf.load_calibration(local)
        if quantize == "int8":
            clf.quantize_int8(int8_recheck)
        elif quantize == "bf16":
            clf.model.to(torch.bfloat16)
            clf.quantized = "bf16"
        elif quantize == "auto":
            if calibration is not None:
                clf.calibrate(calibration, min_agreement=min_agreement, int8_recheck=int8_recheck)
            else:
                clf._calibrate_first = (min_agreement, int8_recheck)
        elif quantize is not None:
            raise StanceError(f"unknown quantization {quantize!r}; valid: int8, bf16, auto")
        return clf

    def calibrate(self, records: Iterable[dict[str, Any] | str], *, min_agreement: float = AUTO_MIN_AGREEMENT,
                  int8_recheck: float = INT8_RECHECK_MARGIN, batch_size: int = 64) -> dict[str, Any]:
        """Run the fastest precision whose argmax agrees with fp32 on at least ``min_agreement`` of
        ``records`` (at most :data:`AUTO_SAMPLE` of them); fp32 when none does. Returns (and keeps in
        :attr:`calibration`) each candidate's agreement and speed on the sample and the choice.

        Candidates: bf16 on GPUs that support it and on CPUs with AVX512-BF16 or AMX (emulated bf16 is
        slower than fp32), int8 (with its fp32 re-check of close calls, ``int8_recheck``) on the CPU.
        """
        import copy
        import time

        import torch

        from .hardware import cpu_has_fast_bf16

        if self.quantized != "fp32":
            raise StanceError(f"calibrate needs the fp32 model; this one runs in {self.quantized}")
        if not 0 < min_agreement <= 1:
            raise StanceError(f"minimum agreement must be in (0, 1], got {min_agreement}")
        sample = _as_records(records)[:AUTO_SAMPLE]
        if not sample:
            raise StanceError("quantize='auto' needs at least one statement to calibrate on")
        cuda = self.device.startswith("cuda")
        candidates: dict[str, StanceClassifier] = {"fp32": self}
        if (cuda and torch.cuda.is_bf16_supported()) or (not cuda and cpu_has_fast_bf16()):
            bf16 = copy.copy(self)
            bf16.model = copy.deepcopy(self.model).to(torch.bfloat16)
            candidates["bf16"] = bf16
        if not cuda:
            int8 = copy.copy(self)
            int8.model = copy.deepcopy(self.model)
            int8.quantize_int8(0.0)
            int8.fp32_model, int8.recheck_margin = (self.model if int8_recheck > 0 else None), int8_recheck
            candidates["int8"] = int8
        measured: dict[str, dict[str, Any]] = {}
        reference = None
        for name, clf in candidates.items():
            clf.predict_proba(sample[:8], batch_size=batch_size)  # warm-up: first-call allocations
            t0 = time.perf_counter()
            pred = clf.predict_proba(sample, batch_size=batch_size).argmax(axis=1)
            seconds = time.perf_counter() - t0
            reference = pred if reference is None else reference
            measured[name] = {"agreement": round(float((pred == reference).mean()), 4),
                              "per_s": round(len(sample) / seconds, 1)}
        ok = [n for n, m in measured.items() if m["agreement"] >= min_agreement]
        choice = max(ok, key=lambda n: measured[n]["per_s"])
        for name, m in measured.items():
            if name != choice and m["agreement"] < min_agreement and m["per_s"] > measured[choice]["per_s"]:
                log.info("quantize=auto: %s would be faster (%.1f statements/s) but agrees with fp32 on only %.1f%% "
                         "of the sample (< %.0f%%): not used", name, m["per_s"], 100 * m["agreement"], 100 * min_agreement)
        chosen = candidates[choice]
        self.model, self.fp32_model, self.recheck_margin = chosen.model, chosen.fp32_model, chosen.recheck_margin
        self.quantized = choice
        self.n_rechecked = 0
        self.calibration = {"chosen": choice, "n": len(sample), "min_agreement": min_agreement, "candidates": measured}
        log.info("quantize=auto: %s (argmax agreement with fp32 %.1f%% on %d statements; statements/s: %s)",
                 choice, 100 * measured[choice]["agreement"], len(sample),
                 ", ".join(f"{n} {m['per_s']}" for n, m in measured.items()))
        return self.calibration

    def save_pretrained(self, path: str | os.PathLike[str], *, provenance: dict[str, Any] | None = None,
                        card: str | None = None) -> None:
        """Write model (safetensors), tokenizer, the input encoding, ``provenance.json`` and a model card
        (``README.md``); atomically (temp folder, rename). ``provenance``/``card``: those of a training run
        (default: this process's versions and device, the encoder and the labels)."""
        import shutil
        import tempfile

        from . import provenance as prov

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            self.model.save_pretrained(tmp, safe_serialization=True)
            self.tokenizer.save_pretrained(tmp)
            meta = {
                "labels": self.labels,
                "encoding": asdict(self.encoding),
                "label_alias": self.label_alias,
                "display_alias": self.display_alias,
                "encoder": self.encoder,
                "precision": self.precision,
                "format": 1,
            }
            (tmp / STANCE_CONFIG).write_text(json.dumps(meta, indent=2), encoding="utf-8")
            record = provenance or prov.collect(encoder=self.encoder, precision=self.precision)
            (tmp / prov.PROVENANCE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            (tmp / prov.MODEL_CARD).write_text(card or prov.model_card(record, self.labels), encoding="utf-8")
            self.save_calibration(tmp)
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # ------------------------------------------------------------------ calibration
    def save_calibration(self, path: str | os.PathLike[str]) -> None:
        """Write ``calibration.json`` into the model folder ``path`` when a temperature is set."""
        if self.temperature == 1.0 and not self.calibration:
            return
        from .io import write_json

        write_json(Path(path) / CALIBRATION, {**self.calibration, "temperature": self.temperature})

    def load_calibration(self, path: str | os.PathLike[str]) -> None:
        """Read the temperature of a model folder's ``calibration.json`` (none: 1, uncalibrated)."""
        file = Path(path) / CALIBRATION
        if not file.exists():
            return
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(file, f"malformed JSON: {err.msg}", line=err.lineno) from None
        t = data.get("temperature") if isinstance(data, dict) else None
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < float("inf"):
            raise InputError(file, f"expected a positive number, got {t!r}", field="temperature")
        self.temperature = float(t)
        self.calibration = {k: v for k, v in data.items() if k != "temperature"}

    def quantize_int8(self, recheck_margin: float = INT8_RECHECK_MARGIN) -> None:
        """Dynamic int8 quantization of the linear layers (CPU inference): weights per output channel
        (closer to fp32 than one scale per matrix, at the same speed), activations per batch.

        Dynamic quantization rounds a whole batch's activations with one scale, which moves some of a
        small model's decisions: statements whose int8 top-two probability margin is under
        ``recheck_margin`` are scored again by the fp32 model, kept beside the int8 one (0 turns the
        re-check off: pure int8). It recovers the close calls only; docs/scale.md measures how many of
        the disagreements those are. On CPUs with int8 matrix instructions (AVX512-VNNI, AMX) the
        quantized kernels use oneDNN, which is faster there than torch's default engine."""
        import copy

        import torch
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        if self.device != "cpu":
            raise StanceError("int8 dynamic quantization runs on the CPU only")
        if not 0 <= recheck_margin <= 1:
            raise StanceError(f"int8 recheck margin must be between 0 and 1, got {recheck_margin}")
        engine = int8_engine()
        if engine:
            torch.backends.quantized.engine = engine
        self.fp32_model = copy.deepcopy(self.model) if recheck_margin > 0 else None
        self.recheck_margin = recheck_margin
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao's notice that eager quantization moves to torchao
            self.model = quantize_dynamic(self.model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
        self.model.eval()
        self.quantized = "int8"

    # ------------------------------------------------------------------ encoding
    def tokenize(self, records: Sequence[dict[str, Any]]) -> dict[str, list[list[int]]]:
        """Tokenize records without padding (batched); warn when inputs are truncated."""
        first, second = self.encoding.encode_texts(records)
        enc = self.tokenizer(
            first,
            second,
            truncation=True,
            max_length=self.encoding.max_length,
            return_overflowing_tokens=False,
            return_length=False,
        )
        if enc.encodings is not None:  # a fast tokenizer keeps what truncation cut off: no second pass
            n_long = sum(bool(e.overflowing) for e in enc.encodings)
        else:
            full = self.tokenizer(first, second, truncation=False, return_attention_mask=False, verbose=False)
            n_long = sum(len(ids) > self.encoding.max_length for ids in full["input_ids"])
        if n_long:
            log.warning("%d of %d inputs are longer than %d tokens and were truncated", n_long, len(records), self.encoding.max_length)
        out = dict(enc)
        if self.encoding.pooling == "markers":
            out["marker_index"] = [self._marker_tokens(enc, b, r) for b, r in enumerate(records)]
        return out

    def _marker_tokens(self, enc: Any, b: int, record: dict[str, Any]) -> list[int]:
        """Token positions of the opening source and target markers of input ``b`` (0: none, or cut off)."""
        offsets = self.encoding.marked(record)[1]
        positions = []
        for role in ("source", "target"):
            char = offsets.get(role)
            token = enc.char_to_token(b, char, sequence_index=0) if char is not None else None
            positions.append(token or 0)
        return positions

    def collate(self, encoded: dict[str, list[Any]], idx: Sequence[int]) -> dict[str, Any]:
        """The padded tensors of the encoded examples ``idx`` (and their marker positions, if pooled there)."""
        import torch

        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
        batch = dict(self.tokenizer.pad([{k: encoded[k][i] for k in keys} for i in idx], return_tensors="pt"))
        if "marker_index" in encoded:
            width = batch["input_ids"].shape[1]
            shift = [width - len(encoded["input_ids"][i]) if self.tokenizer.padding_side == "left" else 0 for i in idx]
            batch["marker_index"] = torch.tensor([[p + s for p in encoded["marker_index"][i]] for i, s in zip(idx, shift)])
        return batch

    def logits(self, model: Any, batch: dict[str, Any]) -> Any:
        """``model``'s logits for a collated batch (this model or its fp32 twin; pooled as the encoding says)."""
        index = batch.pop("marker_index", None)
        if self.encoding.pooling == "cls":
            return model(**batch).logits
        if self.encoding.pooling == "markers" and index is None:
            raise StanceError("marker pooling needs the batch's marker positions (use StanceClassifier.collate)")
        self._pool_over[0] = index if self.encoding.pooling == "markers" else batch["attention_mask"]
        try:
            return model(**batch).logits
        finally:
            self._pool_over[0] = None

    def _batches(self, encoded: dict[str, list[list[int]]], batch_size: int) -> Iterable[tuple[list[int], dict[str, Any]]]:
        # longest first: each later, smaller batch fits in the memory the first ones freed (shortest first
        # asks the allocator for ever larger blocks and grows the heap of a long-running process)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            yield idx, self.collate(encoded, idx)

    # ------------------------------------------------------------------ prediction
    def predict_proba(
        self,
        records: Iterable[dict[str, Any] | str],
        batch_size: int = 64,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Probabilities, shape (n, len(labels)), in the order of ``records``."""
        _check_positive("batch_size", batch_size)
        records = _as_records(records)
        out = np.zeros((len(records), len(self.labels)), dtype=np.float32)
        if not records:
            return out
        if self._calibrate_first is not None:  # quantize="auto" without a sample: calibrate on these
            (min_agreement, margin), self._calibrate_first = self._calibrate_first, None
            self.calibrate(records, min_agreement=min_agreement, int8_recheck=margin, batch_size=batch_size)
        encoded = self.tokenize(records)
        self._forward(self.model, encoded, list(range(len(records))), out, batch_size, show_progress_bar)
        if self.fp32_model is not None and out.shape[1] > 1:
            top2 = np.sort(out, axis=1)[:, -2:]
            close = np.flatnonzero(top2[:, 1] - top2[:, 0] < self.recheck_margin).tolist()
            self.n_rechecked += len(close)
            if close:
                log.debug("re-scoring %d of %d statements in fp32 (int8 margin < %.2f)", len(close), len(out), self.recheck_margin)
                self._forward(self.fp32_model, encoded, close, out, batch_size, False)
        return out

    def _forward(self, model: Any, encoded: dict[str, list[list[int]]], rows: list[int], out: np.ndarray,
                 batch_size: int, show_progress_bar: bool) -> None:
        """Probabilities of the encoded ``rows`` into ``out``, by ``model``."""
        import torch
        from tqdm.auto import tqdm

        subset = {k: [v[i] for i in rows] for k, v in encoded.items()} if len(rows) < len(encoded["input_ids"]) else encoded
        model.eval()
        total = (len(rows) + batch_size - 1) // batch_size
        with torch.inference_mode():
            for idx, batch in tqdm(self._batches(subset, batch_size), total=total, disable=not show_progress_bar,
                                   desc="predict", unit="batch"):
                batch = {k: v.to(self.device) for k, v in batch.items()}
                logits = self.logits(model, batch)
                out[[rows[i] for i in idx]] = torch.softmax(logits.float() / self.temperature, dim=-1).cpu().numpy()

    def predict(self, records: Iterable[dict[str, Any] | str] | str, batch_size: int = 64, show_progress_bar: bool = False) -> list[str] | str:
        """Labels for records (or one label for one string)."""
        if isinstance(records, str):
            return self.predict([records], batch_size=batch_size)[0]  # type: ignore[return-value]
        proba = self.predict_proba(records, batch_size=batch_size, show_progress_bar=show_progress_bar)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def predict_records(
        self,
        records: Sequence[dict[str, Any]],
        *,
        label_field: str = "stance",
        batch_size: int = 64,
        show_progress_bar: bool = False,
    ) -> list[dict[str, Any]]:
        """Copies of ``records`` with the predicted label in ``label_field`` and ``scores``."""
        proba = self.predict_proba(records, batch_size=batch_size, show_progress_bar=show_progress_bar)
        return labelled_rows(records, proba, self.labels, label_field)

    @property
    def calibrated(self) -> bool:
        """Whether the probabilities are temperature-scaled (:mod:`stance.calibration`)."""
        return self.temperature != 1.0


def labelled_rows(records: Sequence[dict[str, Any]], proba: np.ndarray, labels: Sequence[str], label_field: str) -> list[dict[str, Any]]:
    """Copies of ``records`` with the argmax label of ``proba`` in ``label_field`` and the ``scores``."""
    out = []
    # one scored row per input row, each a probability distribution: never a row left unscored
    if len(proba) != len(records) or (len(proba) and not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3)):
        raise RuntimeError(f"scored {len(proba)} rows for {len(records)} records, or a row is no distribution")
    for record, p in zip(records, proba):
        row = dict(record)
        row[label_field] = labels[int(p.argmax())]
        row["scores"] = {label: round(float(v), 6) for label, v in zip(labels, p)}
        row["label_source"] = "model"
        out.append(row)
    return out


class AveragedClassifier:
    """Several stance models as one: their class probabilities averaged statement by statement, as the
    average of a recipe's seeds (scored on test sets by scripts/ensemble_runs.py). Build it with
    :meth:`from_pretrained` on the model folders; it predicts like a :class:`StanceClassifier`, with the
    first model's label order and aliases."""

    def __init__(self, members: Sequence[StanceClassifier]) -> None:
        if len(members) < 2:
            raise StanceError("an average needs at least two models")
        first = members[0]
        for member in members[1:]:
            if set(member.labels) != set(first.labels):
                raise StanceError(f"the models' labels differ: {first.labels} and {member.labels}")
        self.members = list(members)
        self.labels = list(first.labels)
        self.label_alias = dict(first.label_alias)
        self.display_alias = dict(first.display_alias)

    @classmethod
    def from_pretrained(cls, paths: Sequence[str | os.PathLike[str]], **kwargs: Any) -> AveragedClassifier:
        """Each folder loaded with :meth:`StanceClassifier.from_pretrained` (``kwargs`` go to each)."""
        return cls([StanceClassifier.from_pretrained(path, **kwargs) for path in paths])

    @property
    def calibrated(self) -> bool:
        return all(member.calibrated for member in self.members)

    def predict_proba(self, records: Iterable[dict[str, Any] | str], batch_size: int = 64,
                      show_progress_bar: bool = False) -> np.ndarray:
        """The members' probabilities, shape (n, len(labels)), averaged."""
        records = _as_records(records)
        total = np.zeros((len(records), len(self.labels)), dtype=np.float64)
        for member in self.members:
            proba = member.predict_proba(records, batch_size=batch_size, show_progress_bar=show_progress_bar)
            total += proba[:, [member.labels.index(label) for label in self.labels]]
        return (total / len(self.members)).astype(np.float32)

    def predict(self, records: Iterable[dict[str, Any] | str], batch_size: int = 64) -> list[str]:
        proba = self.predict_proba(records, batch_size=batch_size)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def predict_records(self, records: Sequence[dict[str, Any]], *, label_field: str = "stance", batch_size: int = 64,
                        show_progress_bar: bool = False) -> list[dict[str, Any]]:
        proba = self.predict_proba(records, batch_size=batch_size, show_progress_bar=show_progress_bar)
        return labelled_rows(records, proba, self.labels, label_field)


def load_classifier(models: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], **kwargs: Any) -> StanceClassifier | AveragedClassifier:
    """One model folder (or id) as a :class:`StanceClassifier`; several as their :class:`AveragedClassifier`."""
    if isinstance(models, (str, os.PathLike)):
        models = [models]
    models = list(models)
    if not models:
        raise StanceError("no stance model given")
    if len(models) == 1:
        return StanceClassifier.from_pretrained(models[0], **kwargs)
    return AveragedClassifier.from_pretrained(models, **kwargs)


def _install_pooling(model: Any, holder: list[Any], kind: str) -> None:
    """Replace the first token's last-layer state before the classification head reads it: by its mean with
    the opening markers' states (``kind="markers"``: positions in ``holder[0]``), or by the mean over the
    tokens the attention mask keeps (``kind="mean"``: the mask in ``holder[0]``); ``holder[0]`` is set per
    batch by :meth:`StanceClassifier.logits`. A forward hook on the encoder stack, so any head that reads
    the first token (BERT's pooler, RoBERTa's, MPNet's and DeBERTa's heads) reads the pooled state, in
    fp32, int8 or bf16 alike."""
    import torch

    base = getattr(model, "base_model", model)
    stack = getattr(base, "encoder", None) or getattr(base, "transformer", None)
    if stack is None:
        raise StanceError(f"pooling {kind!r} is not supported for {type(model).__name__} (no encoder stack found)")

    def pool(module: Any, args: Any, output: Any) -> Any:
        over = holder[0]
        if over is None:
            raise StanceError(f"this model pools ({kind}): run it through StanceClassifier (logits)")
        hidden = output[0]
        over = over.to(hidden.device)
        if kind == "markers":
            rows = torch.arange(hidden.shape[0], device=hidden.device)
            pooled = (hidden[:, 0] + hidden[rows, over[:, 0]] + hidden[rows, over[:, 1]]) / 3
        else:
            mask = over.to(hidden.dtype).unsqueeze(-1)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        hidden = torch.cat([pooled.unsqueeze(1), hidden[:, 1:]], dim=1)
        if isinstance(output, tuple):
            return (hidden, *output[1:])
        output.last_hidden_state = hidden
        return output

    stack.register_forward_hook(pool)


def int8_engine() -> str | None:
    """oneDNN for torch's quantized kernels on CPUs with int8 matrix instructions (AVX512-VNNI or AMX),
    where it is faster than the default engine; None (torch's default) elsewhere."""
    import torch

    from .hardware import cpu_flags

    if "onednn" not in torch.backends.quantized.supported_engines:
        return None
    return "onednn" if {"amx_int8", "avx512_vnni"} & cpu_flags() else None


def cpu_threads() -> int:
    """The CPUs this process may use: its affinity mask (a cluster job's allocation) and its cgroup
    CPU quota (a container's ``--cpus``); ``OMP_NUM_THREADS`` when set. More threads than CPUs makes
    PyTorch's thread pool spin against itself, which costs far more than the threads gain."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        return int(os.environ["OMP_NUM_THREADS"])
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def _max_tokens(model: Any, tokenizer: Any) -> int | None:
    """The most tokens the encoder takes: its tokenizer's limit, else its position embeddings."""
    limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    sane = [n for n in limits if isinstance(n, int) and 0 < n < 1_000_000]  # tokenizers without a limit say 1e30
    return min(sane) if sane else None


def _looks_like_path(name: str) -> bool:
    """Hub ids look like ``name`` or ``org/name``; anything else is meant as a local folder."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or name.endswith("/") or "\\" in name


def _check_hub_reachable(model_id: str) -> None:
    """Fail fast and clearly when a hub id is asked for offline and is not in the local cache."""
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(model_id, "config.json"), str):
        return  # cached: transformers loads it without the network
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise StanceError(f"model {model_id!r} is not a local folder, not in the Hugging Face cache, and HF_HUB_OFFLINE=1")
    import socket

    try:
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
    except OSError:
        raise StanceError(
            f"model {model_id!r} is not a local folder and the Hugging Face hub is unreachable (no network); "
            "pass a local model folder, or 'default' for the packaged all-MiniLM-L6-v2"
        ) from None

