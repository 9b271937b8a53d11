"""Read run folders back as pandas objects: the small API the notebooks use.

Two kinds of run folder are read::

    training run (stance train)            pipeline run (stance run ... --output DIR)
      config.yaml                            statements.jsonl   statements + stance + scores (+ metadata)
      metrics.json                           metrics.json       when gold was given
      predictions.jsonl                      report.md, *.png, statements.csv
      baselines/NAME/predictions.jsonl       COMPLETE
      COMPLETE

>>> run = load_run("runs/demo")                        # doctest: +SKIP
>>> metrics_table(run)                                  # one row per system and eval set, with CIs
>>> confusion_frame(run, "dse:test"); errors(run).head()
>>> seeds_table([load_run(f"runs/dse-s{s}") for s in (42, 43, 44)])   # doctest: +SKIP

Predictions carry ``eval_set``, ``gold``, ``predicted``, ``scores`` and the input fields; a pipeline
run's statements are its predictions (``predicted`` is their label; ``gold`` when the run has one).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from .errors import InputError, StanceError
from .evaluate import ANY_LABEL
from .io import COMPLETE, iter_jsonl, read_jsonl, read_text
from .leakage import LEAK_FREE

log = logging.getLogger(__name__)

MODEL = "model"
KEY_COLUMNS = ("doc_id", "statement_id")
GOLD_COLUMNS = ("gold", "gold_stance")
METRIC_COLUMNS = (
    "n", "macro_f1", "macro_f1_low", "macro_f1_high", "accuracy", "accuracy_low", "accuracy_high",
    "cohen_kappa", "krippendorff_alpha",
)


@dataclass
class Run:
    """A run folder read back. ``predictions`` (and ``baselines``) have one row per scored example."""

    path: Path
    kind: Literal["training", "pipeline"]
    config: dict[str, Any]
    metrics: dict[str, Any]
    predictions: pd.DataFrame
    statements: pd.DataFrame
    baselines: dict[str, pd.DataFrame] = field(default_factory=dict)
    complete: bool = True

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def eval_sets(self) -> list[str]:
        if "eval_set" in self.predictions:
            return list(dict.fromkeys(self.predictions["eval_set"]))
        return list(self.metrics.get("test", {})) or ["all"]

    @property
    def systems(self) -> list[str]:
        return [MODEL, *self.baselines]

    def system_predictions(self, system: str = MODEL) -> pd.DataFrame:
        if system == MODEL:
            return self.predictions
        if system not in self.baselines:
            raise StanceError(f"{self.path}: no system {system!r}; this run has {self.systems}")
        return self.baselines[system]


def load_run(path: str | Path) -> Run:
    """Read a training run or a pipeline run folder; a folder that is neither is a StanceError."""
    path = Path(path)
    if not path.exists():
        raise StanceError(f"{path}: no such run folder")
    if not path.is_dir():
        raise StanceError(f"{path}: is a file; expected a run folder (from `stance train` or `stance run`)")
    files = {name: (path / name).is_file() for name in ("metrics.json", "predictions.jsonl", "statements.jsonl")}
    if not any(files.values()):
        raise StanceError(
            f"{path}: not a run folder: expected metrics.json and predictions.jsonl (`stance train`) or "
            "statements.jsonl (`stance run`)"
        )
    complete = (path / COMPLETE).exists()
    if not complete:
        log.warning("%s has no %s marker: the run did not finish, its files may be partial", path, COMPLETE)
    config = _read_yaml(path / "config.yaml")
    metrics = _read_json(path / "metrics.json") if files["metrics.json"] else {}
    statements = _frame(path / "statements.jsonl") if files["statements.jsonl"] else pd.DataFrame()
    if files["predictions.jsonl"]:
        kind: Literal["training", "pipeline"] = "training"
        predictions = _predictions(_frame(path / "predictions.jsonl"))
    else:
        kind = "pipeline"
        predictions = _predictions(_statement_predictions(statements, config))
    baselines = {
        p.parent.name: _predictions(_frame(p)) for p in sorted((path / "baselines").glob("*/predictions.jsonl"))
    }
    return Run(path, kind, config, metrics, predictions, statements, baselines, complete)


def read_predictions(run: str | Path) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    """A training run's ``predictions.jsonl`` as eval set -> (doc_id, statement_id) -> row, in the file's
    order; each row checked for the fields by which scripts pair runs."""
    path = Path(run) / "predictions.jsonl"
    if not path.is_file():
        raise InputError(path, "not a finished run folder (no predictions.jsonl)")
    sets: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for lineno, row in iter_jsonl(path):
        for name in ("eval_set", "doc_id", "statement_id", "gold", "predicted"):
            if name not in row:
                raise InputError(path, f"missing {name}", line=lineno, field=name)
        rows = sets.setdefault(row["eval_set"], {})
        key = (str(row["doc_id"]), str(row["statement_id"]))
        if key in rows:
            raise InputError(path, f"statement {key} twice in {row['eval_set']}", line=lineno, field="statement_id")
        rows[key] = row
    return sets


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as err:
        raise StanceError(f"{path}: malformed YAML: {err}") from None
    return data if isinstance(data, dict) else {}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise StanceError(f"{path}:{err.lineno}: malformed JSON: {err.msg}") from None
    if not isinstance(data, dict):
        raise StanceError(f"{path}: expected a JSON object of metrics")
    return data


def _frame(path: Path) -> pd.DataFrame:
    frame = pd.DataFrame(read_jsonl(path, allow_empty=True))
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"], errors="coerce", utc=True).dt.tz_localize(None)
    return frame


def _statement_predictions(statements: pd.DataFrame, config: dict[str, Any]) -> pd.DataFrame:
    """A pipeline run's statements as predictions: ``predicted`` is the label, ``gold`` when present."""
    frame = statements.copy()
    label_field = config.get("label_field", "stance")
    if label_field in frame:
        frame["predicted"] = frame[label_field]
    for column in GOLD_COLUMNS:
        if column in frame and "gold" not in frame:
            frame["gold"] = frame[column]
    return frame


def _predictions(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "eval_set" not in frame:
        frame["eval_set"] = "all"
    if "scores" in frame and "predicted" in frame:
        frame["confidence"] = [
            s.get(p) if isinstance(s, dict) else None for s, p in zip(frame["scores"], frame["predicted"])
        ]
    return frame


# --------------------------------------------------------------------------- metrics tables
def _metric_row(metrics: dict[str, Any]) -> dict[str, Any]:
    ci = metrics.get("ci") or {}
    row = {name: metrics.get(name) for name in ("n", "macro_f1", "accuracy", "cohen_kappa", "krippendorff_alpha")}
    for name in ("macro_f1", "accuracy"):
        row[f"{name}_low"] = (ci.get(name) or {}).get("low")
        row[f"{name}_high"] = (ci.get(name) or {}).get("high")
    return row


def _scored_sets(run: Run) -> list[tuple[str, str, str, dict[str, Any]]]:
    """``(system, split, eval_set, metrics)`` for every scored set of the run's metrics.json."""
    m = run.metrics
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    if "macro_f1" in m:  # a flat metrics file (evaluate_files, pipeline runs)
        return [(MODEL, "test", "all", m)]
    for system, sets in ((MODEL, m.get("test")), *(m.get("baselines") or {}).items()):
        for spec, metrics in (sets or {}).items():
            out.append((system, "test", spec, metrics))
            if isinstance(metrics, dict) and metrics.get("leak_free"):  # the rows repeating no training row
                out.append((system, "test", f"{spec}{LEAK_FREE}", metrics["leak_free"]))
            if isinstance(metrics, dict) and metrics.get("any_label"):  # a two-class set, any label allowed
                out.append((system, "test", f"{spec}{ANY_LABEL}", metrics["any_label"]))
    dev = m.get("dev") or {}
    if "macro_f1" in dev:
        out.append((MODEL, "dev", "dev", dev))
    elif dev.get("best_macro_f1") is not None:
        out.append((MODEL, "dev", "dev", {"macro_f1": dev["best_macro_f1"]}))
    return out


def metrics_table(run: Run) -> pd.DataFrame:
    """One row per (system, split, eval set): n, macro-F1 and accuracy with their 95% CIs, kappa, alpha.

    Read from metrics.json; a run without one (a pipeline run with gold labels in its statements) is
    scored here from its predictions with :mod:`stance.metrics`.
    """
    scored = _scored_sets(run) or _score_predictions(run)
    if not scored:
        raise StanceError(f"{run.path}: no metrics: the run has no metrics.json and no gold labels")
    rows = [{"system": s, "split": split, "eval_set": spec, **_metric_row(m)} for s, split, spec, m in scored]
    table = pd.DataFrame(rows, columns=["system", "split", "eval_set", *METRIC_COLUMNS])
    return table.astype({"n": "Int64"})


def seeds_table(runs: Sequence[Run], system: str = MODEL) -> pd.DataFrame:
    """One recipe trained with several seeds: the macro-F1 of ``system`` on each eval set (and the best dev
    score), a column per run, then the mean and the sample standard deviation over the runs.

    Columns are named ``seed N`` from each run's config (the run's folder name where two runs share a
    seed); an eval set that not every run scored is left out, with a warning.
    """
    if not runs:
        raise StanceError("seeds_table needs at least one run")
    seeds = [run.config.get("seed") for run in runs]
    names = [f"seed {s}" for s in seeds] if None not in seeds and len(set(seeds)) == len(seeds) else [r.name for r in runs]
    columns, sizes = [], {}
    for run, name in zip(runs, names):
        table = metrics_table(run)
        table = table[table["system"] == system]
        columns.append(table.set_index("eval_set")["macro_f1"].astype(float).rename(name))
        for spec, n in zip(table["eval_set"], table["n"]):
            sizes.setdefault(spec, n)
    frame = pd.concat(columns, axis=1)
    partial = frame.index[frame.isna().any(axis=1)].tolist()
    if partial:
        log.warning("left out, not scored by every run: %s", ", ".join(partial))
    frame = frame.dropna()
    frame.insert(0, "n", [sizes.get(k) for k in frame.index])
    frame["mean"] = frame[names].mean(axis=1)
    frame["sd"] = frame[names].std(axis=1, ddof=1) if len(names) > 1 else float("nan")
    return frame.astype({"n": "Int64"}).rename_axis("eval_set").reset_index()


def _score_predictions(run: Run) -> list[tuple[str, str, str, dict[str, Any]]]:
    from .metrics import bootstrap_ci, classification_metrics

    out = []
    for system in run.systems:
        frame = run.system_predictions(system)
        if "gold" not in frame or "predicted" not in frame:
            continue
        for spec, group in frame.dropna(subset=["gold", "predicted"]).groupby("eval_set", sort=False):
            gold, pred = list(group["gold"]), list(group["predicted"])
            metrics = classification_metrics(gold, pred)
            metrics["ci"] = bootstrap_ci(gold, pred, ["accuracy", "macro_f1"])
            out.append((system, "test", str(spec), metrics))
    return out


def _pick(run: Run, eval_set: str | None, system: str) -> tuple[str, dict[str, Any] | None]:
    """The eval set asked for (the only one when None) and its metrics (None when not in metrics.json)."""
    found = {spec: m for s, split, spec, m in _scored_sets(run) if s == system and split == "test"}
    sets = list(found) or run.eval_sets
    if eval_set is None:
        whole = [s for s in sets if not s.endswith(LEAK_FREE)]  # a set's leak-free part is asked for by name
        if len(whole) != 1:
            raise StanceError(f"{run.path}: several eval sets {whole}: name one (eval_set=...)")
        eval_set = whole[0]
    if eval_set not in sets:
        raise StanceError(f"{run.path}: no eval set {eval_set!r}; this run has {sets}")
    return eval_set, found.get(eval_set)


def per_class_table(run: Run, eval_set: str | None = None, system: str = MODEL) -> pd.DataFrame:
    """Precision, recall, F1 and support per label; every eval set (column ``eval_set``) when None."""
    specs = [eval_set] if eval_set else [spec for s, split, spec, _ in _scored_sets(run) if s == system
                                         and split == "test"] or run.eval_sets
    rows = []
    for spec in specs:
        spec, metrics = _pick(run, spec, system)
        per_class = (metrics or {}).get("per_class") or _from_predictions(run, spec, system)["per_class"]
        for label, scores in per_class.items():
            rows.append({"eval_set": spec, "label": label, **scores})
    return pd.DataFrame(rows, columns=["eval_set", "label", "precision", "recall", "f1", "support"])


def confusion_frame(
    run: Run, eval_set: str | None = None, system: str = MODEL, normalize: bool = False
) -> pd.DataFrame:
    """The confusion matrix: gold labels as rows (``gold``), predicted labels as columns (``predicted``).

    ``normalize=True`` divides each row by its total (the recall of each gold label on the diagonal).
    """
    spec, metrics = _pick(run, eval_set, system)
    confusion = (metrics or {}).get("confusion") or _from_predictions(run, spec, system)["confusion"]
    labels = confusion["labels"]
    frame = pd.DataFrame(confusion["matrix"], index=pd.Index(labels, name="gold"),
                         columns=pd.Index(labels, name="predicted"))
    if normalize:
        frame = frame.div(frame.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    return frame


def _from_predictions(run: Run, eval_set: str, system: str) -> dict[str, Any]:
    from .metrics import classification_metrics

    frame = _labelled(run, system)
    group = frame[frame["eval_set"] == eval_set]
    if group.empty:
        raise StanceError(f"{run.path}: no predictions for eval set {eval_set!r}")
    return classification_metrics(list(group["gold"]), list(group["predicted"]))


def _labelled(run: Run, system: str = MODEL) -> pd.DataFrame:
    frame = run.system_predictions(system)
    missing = [c for c in ("gold", "predicted") if c not in frame]
    if missing:
        raise StanceError(f"{run.path}: predictions have no {' or '.join(missing)} column: nothing to score")
    return frame.dropna(subset=["gold", "predicted"])


def errors(run: Run, eval_set: str | None = None, system: str = MODEL) -> pd.DataFrame:
    """The wrong predictions with their text, most confident first (every eval set when None)."""
    frame = _labelled(run, system)
    if eval_set is not None:
        if eval_set not in set(frame["eval_set"]):
            raise StanceError(f"{run.path}: no eval set {eval_set!r}; this run has {run.eval_sets}")
        frame = frame[frame["eval_set"] == eval_set]
    wrong = frame[frame["gold"] != frame["predicted"]]
    if "confidence" in wrong:
        wrong = wrong.sort_values("confidence", ascending=False, kind="stable")
    first = ["eval_set", *KEY_COLUMNS, "source", "target", "gold", "predicted", "confidence", "text", "context"]
    columns = [c for c in first if c in wrong] + [c for c in wrong if c not in first and c != "scores"]
    return wrong[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- plotting helpers
# stance labels by polarity, so that every plot orders and colours them alike
_POLARITY = {"confrontational": 0, "negative": 0, "against": 0, "neutral": 1, "none": 1,
             "conciliatory": 2, "positive": 2, "favor": 2}
_POLARITY_COLOURS = ("#c44e52", "#9e9e9e", "#4c72b0")
_OTHER_COLOURS = ("#55a868", "#8172b3", "#ccb974", "#64b5cd", "#937860", "#da8bc3")


def label_order(labels: Sequence[str]) -> list[str]:
    """Labels from the negative (confrontational) to the positive (conciliatory) pole, others after."""
    return sorted(labels, key=lambda label: (_POLARITY.get(str(label).lower(), 3), str(label)))


def label_colours(labels: Sequence[str]) -> list[str]:
    """A colour per label: red for the negative pole, grey for neutral, blue for the positive pole."""
    others = iter(_OTHER_COLOURS * (1 + len(labels) // len(_OTHER_COLOURS)))
    return [_POLARITY_COLOURS[_POLARITY[str(label).lower()]] if str(label).lower() in _POLARITY else next(others)
            for label in labels]


# --------------------------------------------------------------------------- comparing systems
def compare_runs(
    run_a: Run,
    run_b: Run,
    *,
    system_a: str = MODEL,
    system_b: str = MODEL,
    eval_sets: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired tests of two systems on the same examples, one row per eval set.

    Rows are paired on ``(eval_set, doc_id, statement_id)`` (on position within the eval set when the
    ids are missing); both systems must have scored the same examples with the same gold labels.
    Columns: n, each system's macro-F1, the difference (A - B) with its paired-bootstrap 95% CI and
    p-value, and the exact McNemar test (b: A right and B wrong, c: the reverse) with its p-value.
    Use ``run_b = run_a`` with ``system_b="majority"`` to compare a model with its baseline.
    """
    from .metrics import paired_comparison

    a, b = _labelled(run_a, system_a), _labelled(run_b, system_b)
    sets = list(eval_sets) if eval_sets else [s for s in dict.fromkeys(a["eval_set"]) if s in set(b["eval_set"])]
    if not sets:
        raise StanceError(f"{run_a.path} and {run_b.path} share no eval set")
    rows = []
    for spec in sets:
        gold, pred_a, pred_b = _paired(a[a["eval_set"] == spec], b[b["eval_set"] == spec], spec)
        paired = paired_comparison(gold, pred_a, pred_b, metrics=("macro_f1",), n_resamples=n_bootstrap, seed=seed)
        boot, mc = paired["paired_bootstrap"]["macro_f1"], paired["mcnemar"]
        rows.append({
            "eval_set": spec, "n": len(gold), "macro_f1_a": boot["a"], "macro_f1_b": boot["b"],
            "delta": boot["delta"], "delta_low": boot["low"], "delta_high": boot["high"],
            "p_bootstrap": boot["p_value"], "mcnemar_b": mc["b"], "mcnemar_c": mc["c"], "p_mcnemar": mc["p_value"],
        })
    return pd.DataFrame(rows)


def _paired(a: pd.DataFrame, b: pd.DataFrame, spec: str) -> tuple[list[str], list[str], list[str]]:
    if len(a) != len(b):
        raise StanceError(f"eval set {spec!r}: the systems scored different numbers of examples ({len(a)} vs {len(b)})")
    if all(c in a and c in b for c in KEY_COLUMNS):
        keys = list(KEY_COLUMNS)
        try:
            merged = a[[*keys, "gold", "predicted"]].astype({k: str for k in keys}).merge(
                b[[*keys, "gold", "predicted"]].astype({k: str for k in keys}), on=keys, suffixes=("_a", "_b"),
                validate="one_to_one",
            )
        except pd.errors.MergeError:
            raise StanceError(f"eval set {spec!r}: duplicated (doc_id, statement_id) in the predictions") from None
        if len(merged) != len(a):
            raise StanceError(f"eval set {spec!r}: the systems scored different examples (ids differ)")
    else:
        merged = pd.DataFrame({"gold_a": list(a["gold"]), "gold_b": list(b["gold"]),
                               "predicted_a": list(a["predicted"]), "predicted_b": list(b["predicted"])})
    if (merged["gold_a"] != merged["gold_b"]).any():
        raise StanceError(f"eval set {spec!r}: the gold labels differ between the two systems' predictions")
    return list(merged["gold_a"]), list(merged["predicted_a"]), list(merged["predicted_b"])


# --------------------------------------------------------------------------- shares by group
def statements_of(source: Run | pd.DataFrame | str | Path, eval_set: str | None = None) -> pd.DataFrame:
    """The classified statements of a run folder (training: its predictions; pipeline: its statements),
    of a statements / predictions JSONL file, or a frame as given: one row per statement with
    ``predicted`` (and ``gold`` where annotated). ``eval_set`` keeps one eval set of a training run."""
    if isinstance(source, pd.DataFrame):
        frame = source
    elif isinstance(source, Run):
        frame = source.predictions
    else:
        path = Path(source)
        if path.is_dir():
            frame = load_run(path).predictions
        elif path.is_file():
            frame = _predictions(_statement_predictions(_frame(path), {}))
        else:
            raise StanceError(f"{path}: no such run folder or statements file")
    if eval_set is not None:
        if "eval_set" not in frame or eval_set not in set(frame["eval_set"]):
            sets = list(dict.fromkeys(frame["eval_set"])) if "eval_set" in frame else []
            raise StanceError(f"no eval set {eval_set!r} among {sets}")
        frame = frame[frame["eval_set"] == eval_set]
    if "predicted" not in frame:
        raise StanceError("the statements carry no predicted label ('predicted' or 'stance')")
    return frame.reset_index(drop=True)


def share_labels(frame: pd.DataFrame) -> list[str]:
    """The labels to estimate shares of: the model's (the keys of ``scores``), or only those a
    hand-annotated set uses when it uses fewer and the predictions keep to them (SEESAW: negative /
    positive of a three-label model)."""
    model_labels: list[str] = []
    if "scores" in frame:
        first = next((s for s in frame["scores"] if isinstance(s, dict)), None)
        model_labels = list(first) if first else []
    seen = set(frame["predicted"].dropna().astype(str))
    if "gold" in frame:
        gold = set(frame["gold"].dropna().astype(str))
        if gold and seen <= gold and len(gold) >= 2 and (not model_labels or gold < set(model_labels)):
            return [l for l in model_labels if l in gold] or sorted(gold)
    return model_labels or sorted(seen)


def annotated_sample(source: Run | pd.DataFrame | str | Path, labels: Sequence[str], eval_set: str | None = None) -> Any:
    """The hand-annotated sample (gold and predicted labels of the same classifier) that corrects the
    adjusted estimate: a run folder, predictions / statements file or frame with ``gold`` and ``predicted``."""
    from .aggregate import Annotated

    frame = statements_of(source, eval_set)
    if "gold" not in frame:
        raise StanceError("the annotated sample has no gold labels ('gold' or 'gold_stance')")
    frame = frame.dropna(subset=["gold", "predicted"])
    frame = frame[frame["gold"].isin(labels)]
    if frame.empty:
        raise StanceError(f"the annotated sample has no statements with the labels {list(labels)}")
    return Annotated.from_labels(list(frame["gold"]), list(frame["predicted"]), labels)


def shares(
    source: Run | pd.DataFrame | str | Path,
    by: Sequence[str] = ("pair",),
    *,
    annotated: Run | pd.DataFrame | str | Path | None = None,
    eval_set: str | None = None,
    annotated_set: str | None = None,
    labels: Sequence[str] | None = None,
    estimators: Sequence[str] = ("cc", "pcc", "acc"),
    with_gold: bool = True,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    min_statements: int = 1,
    cluster: str | None = None,
) -> pd.DataFrame:
    """The share of each stance per group (``by``: record fields, or ``pair`` and ``month``), by each
    estimator of :mod:`stance.aggregate` with bootstrap intervals; rows ``estimator == "gold"`` hold the
    hand-annotated shares where the statements have gold labels (``with_gold``). ``cluster="doc_id"``
resamples whole articles in the bootstrap (their statements are not independent).

    >>> shares("runs/news", by=["pair", "month"], annotated="runs/demo", annotated_set="seed:...")  # doctest: +SKIP
    """
    from .aggregate import aggregate, gold_shares

    frame = statements_of(source, eval_set)
    labels = list(labels) if labels is not None else share_labels(frame)
    ann = annotated_sample(annotated, labels, annotated_set) if annotated is not None else None
    table = aggregate(frame, list(by), labels, annotated=ann, estimators=estimators, n_bootstrap=n_bootstrap,
                      level=level, seed=seed, min_statements=min_statements, cluster=cluster)
    if with_gold and "gold" in frame and frame["gold"].notna().any():
        annotated_rows = frame[frame["gold"].isin(labels)]
        gold = gold_shares(annotated_rows, list(by), labels)
        if min_statements > 1:
            gold = gold[gold["n"] >= min_statements]
        table = pd.concat([gold, table], ignore_index=True)
    return table
