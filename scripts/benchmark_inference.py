"""Inference throughput and memory: ``transformers.pipeline`` against ``StanceClassifier`` (fp32, int8, bf16, auto).

``int8`` is the path ``--int8`` takes: dynamic int8, with the statements whose int8 top-two margin is
under the re-check margin scored again in fp32; ``int8_pure`` is dynamic int8 alone (``--int8-recheck 0``).
``auto`` is ``quantize="auto"`` (``--fast``): calibrated on ``--calibration`` (other statements than the
timed ones), it runs the fastest precision whose argmax agrees with fp32 on >= 99% of them; the result
names the precision it chose (``auto_chosen``) and its calibration.

``--model`` takes a trained model folder, or with ``--labels`` an encoder (a name such as ``default`` or
``mpnet-base``, or a folder) with a new, seeded classification head: the same head in every variant,
enough for speed and for agreement with fp32.

All variants classify the same statements (default: the DSE test sentences, encoded as the classifier
encodes them: entity markers and the ``source -> target`` pair) with the same trained model. Each variant
runs in its own process, so that its peak RSS is its own; with ``--rounds 2`` or more the variants run
interleaved (pipeline, fp32, int8, bf16, pipeline, ...) and the median throughput is reported, which
evens out a changing machine load. The label set of the model does not matter for speed.

    python scripts/benchmark_inference.py --model runs/newsmtsc/model --output runs/bench/inference.json

Prints a table and writes JSON with ``pipeline_per_s``, ``fp32_per_s``, ``int8_per_s``, ``int8_pure_per_s``,
``bf16_per_s``, ``int8_agreement``, ``int8_pure_agreement``, ``bf16_agreement`` (argmax agreement with fp32), ``peak_rss_mb`` (the largest of the
variants) and the details of every run, machine and load included.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmark_inference")

VARIANTS = ("pipeline", "fp32", "int8", "int8_pure", "bf16", "auto")
WARMUP = 16


# --------------------------------------------------------------------------- one variant, in its own process
def run_variant(variant: str, model: str, dataset: str, limit: int | None, threads: int, batch_size: int,
                int8_recheck: float, labels: list[str] | None = None, calibration: str | None = None) -> dict[str, Any]:
    """Load the model the variant's way, classify every statement once (after a short warm-up), time it."""
    import torch

    from stance.corpora import load_records
    from stance.model import StanceClassifier

    torch.set_num_threads(threads)
    records = load_records(dataset)[:limit]
    t0 = time.perf_counter()
    quantize = "int8" if variant.startswith("int8") else variant if variant in ("bf16", "auto") else None
    recheck = {"int8_pure": 0.0}.get(variant, int8_recheck)  # int8: close calls re-scored in fp32
    # the pipeline runs the plain model, which reads the first token even where stance pools at the markers
    pooling = "cls" if variant == "pipeline" else None
    sample = load_records(calibration) if variant == "auto" and calibration else None
    torch.manual_seed(0)  # a new head (--labels) is the same in every variant
    clf = StanceClassifier.from_pretrained(model, labels=labels, quantize=quantize, num_threads=threads,
                                           int8_recheck=recheck, pooling=pooling, calibration=sample)
    if variant == "pipeline":
        from transformers import pipeline

        pipe = pipeline("text-classification", model=clf.model, tokenizer=clf.tokenizer, device=clf.device)

        def predict(batch: list[dict[str, Any]]) -> list[int]:
            first, second = clf.encoding.encode_texts(batch)  # the same input text the classifier reads
            inputs = first if second is None else [{"text": a, "text_pair": b} for a, b in zip(first, second)]
            return [clf.model.config.label2id[out["label"]] for out in pipe(inputs)]
    else:

        def predict(batch: list[dict[str, Any]]) -> list[int]:
            return clf.predict_proba(batch, batch_size=batch_size).argmax(axis=1).tolist()

    load_seconds = time.perf_counter() - t0
    predict(records[:WARMUP])
    t0, c0 = time.perf_counter(), time.process_time()
    clf.n_rechecked = 0
    pred = predict(records)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    return {
        "variant": variant,
        "n": len(records),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "per_s": round(len(records) / seconds, 2),
        "per_cpu_s": round(len(records) / cpu_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),  # KiB on Linux
        "threads": torch.get_num_threads(),
        "quantized_engine": torch.backends.quantized.engine if clf.quantized == "int8" else None,
        "int8_recheck_margin": recheck if clf.quantized == "int8" else None,
        "rechecked_in_fp32": clf.n_rechecked if clf.quantized == "int8" else None,
        "calibration": clf.calibration,
        "pred": pred,
    }


def spawn(variant: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--worker", variant, "--worker-output", str(result), "--model", args.model,
               "--dataset", args.dataset, "--threads", str(args.threads), "--batch-size", str(args.batch_size),
               "--int8-recheck", str(args.int8_recheck), "--calibration", args.calibration]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        if args.labels:
            cmd += ["--labels", args.labels]
        load_before = os.getloadavg()[0]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{variant} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        out = json.loads(result.read_text(encoding="utf-8"))
    out["load_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    log.info("%-8s %7.1f statements/s (%.1f per CPU-second), peak RSS %.0f MB, load %s",
             variant, out["per_s"], out["per_cpu_s"], out["peak_rss_mb"], out["load_1min"])
    return out


# --------------------------------------------------------------------------- the whole benchmark
def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}
    from stance.hardware import cpu_flags, cpu_has_fast_bf16, cpu_name

    info["cpu"] = cpu_name()
    info["bf16_native"] = cpu_has_fast_bf16()
    info["int8_vnni"] = bool(cpu_flags() & {"avx512_vnni", "avx_vnni", "amx_int8"})
    import torch
    import transformers

    info["torch"], info["transformers"] = torch.__version__, transformers.__version__
    return info


def agreement(a: list[int], b: list[int]) -> float:
    return round(sum(x == y for x, y in zip(a, b)) / max(len(a), 1), 4)


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in args.variants}
    load_start = os.getloadavg()
    t0 = time.time()
    for _ in range(args.rounds):
        for variant in args.variants:
            runs[variant].append(spawn(variant, args))
    reference = runs["fp32"][0]["pred"] if "fp32" in runs else None
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "model": args.model,
        "new_head_labels": args.labels,
        "dataset": args.dataset,
        "calibration": args.calibration,
        "n": runs[args.variants[0]][0]["n"],
        "threads": args.threads,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "machine": machine(),
        "load_avg_start": [round(x, 2) for x in load_start],
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        "wall_seconds": round(time.time() - t0, 1),
    }
    for variant, rs in runs.items():
        result[f"{variant}_per_s"] = round(statistics.median(r["per_s"] for r in rs), 2)
        result[f"{variant}_per_cpu_s"] = round(statistics.median(r["per_cpu_s"] for r in rs), 2)
        if reference is not None and variant != "fp32":
            result[f"{variant}_agreement"] = agreement(rs[0]["pred"], reference)
    if "auto" in runs:
        result["auto_chosen"] = runs["auto"][0]["calibration"]["chosen"]
        result["auto_calibration"] = runs["auto"][0]["calibration"]
    if "int8" in runs:
        result["int8_rechecked_share"] = round(runs["int8"][0]["rechecked_in_fp32"] / max(result["n"], 1), 4)
    result["peak_rss_mb"] = max(r["peak_rss_mb"] for rs in runs.values() for r in rs)
    result["peak_rss_mb_by_variant"] = {v: max(r["peak_rss_mb"] for r in rs) for v, rs in runs.items()}
    if "pipeline" in runs:
        base = result["pipeline_per_s"]
        result["speedup_vs_pipeline"] = {v: round(result[f"{v}_per_s"] / base, 2) for v in runs if v != "pipeline"}
    result["runs"] = {v: [{k: x for k, x in r.items() if k != "pred"} for r in rs] for v, rs in runs.items()}
    return result


def format_table(result: dict[str, Any]) -> str:
    variants = list(result["runs"])
    base = result.get("pipeline_per_s")
    lines = [
        f"{result['n']} statements ({result['dataset']}), model {result['model']}, {result['threads']} thread(s), "
        f"batch size {result['batch_size']}, {result['rounds']} round(s); {result['machine'].get('cpu')}; "
        f"load {result['load_avg_start'][0]} -> {result['load_avg_end'][0]}",
        f"{'variant':<10}{'statements/s':>14}{'per CPU-s':>11}{'x pipeline':>12}{'agreement':>11}{'peak RSS MB':>13}",
    ]
    for v in variants:
        speed = f"{result[f'{v}_per_s'] / base:.2f}" if base else "-"
        agree = "(ref)" if v == "fp32" else f"{result.get(f'{v}_agreement', float('nan')):.4f}"
        name = f"auto:{result['auto_chosen']}" if v == "auto" else v
        lines.append(f"{name:<10}{result[f'{v}_per_s']:>14.1f}{result[f'{v}_per_cpu_s']:>11.1f}{speed:>12}{agree:>11}"
                     f"{result['peak_rss_mb_by_variant'][v]:>13.0f}")
    if "auto_calibration" in result:
        cal = result["auto_calibration"]
        lines.append(f"auto: calibrated on {cal['n']} statements ({result['calibration']}): " + ", ".join(
            f"{n} {m['per_s']}/s agreement {m['agreement']:.4f}" for n, m in cal["candidates"].items())
            + f" -> {cal['chosen']}")
    if "int8_rechecked_share" in result:
        run = result["runs"]["int8"][0]
        lines.append(f"int8: {result['int8_rechecked_share']:.1%} of the statements re-scored in fp32 "
                     f"(int8 top-two margin < {run['int8_recheck_margin']}), quantized engine {run['quantized_engine']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from stance.model import INT8_RECHECK_MARGIN, cpu_threads

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="runs/newsmtsc/model", help="a trained model folder")
    parser.add_argument("--dataset", default="dse:test", help="dataset spec of the statements to classify")
    parser.add_argument("--limit", type=int, default=None, help="only the first N statements")
    parser.add_argument("--labels", default=None,
                        help="comma-separated labels: --model is an encoder, given a new seeded head with these labels")
    parser.add_argument("--calibration", default="dse:valid@256",
                        help="dataset spec the auto variant calibrates on (default %(default)s)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--threads", type=int, default=cpu_threads(), help="torch threads for every variant (default: the CPUs)")
    parser.add_argument("--batch-size", type=int, default=64, help="StanceClassifier batch size (the CLI default)")
    parser.add_argument("--int8-recheck", type=float, default=INT8_RECHECK_MARGIN, metavar="MARGIN",
                        help="the int8 variant re-scores in fp32 the statements whose int8 top-two margin is under "
                             f"MARGIN (default {INT8_RECHECK_MARGIN}, as --int8 does)")
    parser.add_argument("--rounds", type=int, default=1, help="run the variants interleaved this many times; report the median")
    parser.add_argument("--output", help="JSON file for the results")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--worker-output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("stance").setLevel(logging.ERROR)  # truncation notes, once per variant
    if args.worker:
        from stance.io import write_json

        labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
        write_json(args.worker_output, run_variant(args.worker, args.model, args.dataset, args.limit, args.threads,
                                                   args.batch_size, args.int8_recheck, labels, args.calibration))
        return 0
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {VARIANTS}")
    result = benchmark(args)
    print(format_table(result))
    if args.output:
        from stance.io import write_json

        write_json(args.output, result)
        log.info("wrote %s", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
