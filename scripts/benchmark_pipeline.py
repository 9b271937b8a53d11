"""Streaming at scale: ``stance run`` over many articles with its memory sampled, then ``kill -9`` midway
and a restart with the same command, whose statements must be exactly those of an uninterrupted run.

    python scripts/make_articles.py --n 20000 --output /tmp/scale/articles.jsonl
    python scripts/benchmark_pipeline.py --articles /tmp/scale/articles.jsonl --workdir /tmp/scale \\
        --model runs/newsmtsc/model --int8 --check-articles 2000 --output /tmp/scale/pipeline.json

1. The full run: ``python -m stance.cli run ARTICLES ...`` in a subprocess; the RSS of the process tree
   is sampled (psutil) twice a second, with the number of part files written at that moment, so that the
   memory can be read against the progress (it must not grow with the number of articles) and in the
   final phase (merge of the parts, tables and report).
2. The interruption check, on the first ``--check-articles`` articles (default: all, and then the full
   run is the reference): the same command is started, killed with SIGKILL once half of its parts are
   written, and started again; its ``statements.jsonl`` is compared with the uninterrupted run's, byte
   for byte and by ``(doc_id, statement_id)``.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger("benchmark_pipeline")

REPO = Path(__file__).resolve().parent.parent


def tree_rss_mb(proc: psutil.Process) -> float:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def n_parts(out: Path) -> int:
    parts = out / "parts"
    return sum(1 for _ in parts.glob("part-*.jsonl")) if parts.is_dir() else 0


def command(articles: Path, out: Path, args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "stance.cli", "run", str(articles), "--model", args.model, "--parties", args.parties,
           "--output", str(out), "--batch-size", str(args.batch_size)]
    return cmd + (["--int8"] if args.int8 else [])


def run_sampled(cmd: list[str], log_path: Path, out: Path, *, interval: float, kill_at_parts: int | None = None) -> dict[str, Any]:
    """Run ``cmd``, sampling the RSS of its process tree; SIGKILL it once ``kill_at_parts`` parts exist."""
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    t0 = time.time()
    samples: list[tuple[float, float, int]] = []
    with log_path.open("ab") as handle:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
        ps = psutil.Process(proc.pid)
        killed = False
        while proc.poll() is None:
            parts = n_parts(out)
            samples.append((round(time.time() - t0, 1), round(tree_rss_mb(ps), 1), parts))
            if kill_at_parts is not None and parts >= kill_at_parts:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(interval)
        rc = proc.wait()
    if not killed and rc != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {rc}); see {log_path}")
    return {"exit": rc, "killed": killed, "wall_seconds": round(time.time() - t0, 1), "samples": samples,
            "peak_rss_mb": max((s[1] for s in samples), default=0.0), "parts_at_end": n_parts(out)}


def rss_by_progress(samples: list[tuple[float, float, int]], total_parts: int) -> dict[str, float]:
    """The largest RSS seen in each quarter of the articles (by parts written): flat if memory is bounded."""
    out: dict[str, float] = {}
    for q in range(4):
        lo, hi = q * total_parts / 4, (q + 1) * total_parts / 4
        seen = [rss for _, rss, parts in samples if lo <= parts < hi]
        out[f"quarter_{q + 1}"] = max(seen, default=0.0)
    return out


def final_phase_rss(samples: list[tuple[float, float, int]], total_parts: int) -> float:
    """The largest RSS once every part was written: merging the parts, the tables and the report."""
    return max((rss for _, rss, parts in samples if parts >= total_parts), default=0.0)


def compare(a: Path, b: Path) -> dict[str, Any]:
    """Statements of two runs: byte-identical files, and the same records by (doc_id, statement_id)."""
    def keyed(path: Path) -> tuple[dict[tuple[str, str], str], int]:
        rows, n = {}, 0
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows[(row["doc_id"], row["statement_id"])] = line
                n += 1
        return rows, n

    ra, na = keyed(a)
    rb, nb = keyed(b)
    return {
        "byte_identical": a.read_bytes() == b.read_bytes(),
        "statements": [na, nb],
        "duplicates": [na - len(ra), nb - len(rb)],
        "missing": len(set(ra) - set(rb)),
        "extra": len(set(rb) - set(ra)),
        "different_content": sum(1 for k in set(ra) & set(rb) if ra[k] != rb[k]),
    }


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    articles = Path(args.articles).resolve()
    n_articles = count_lines(articles)
    result: dict[str, Any] = {"articles_file": str(articles), "articles": n_articles, "model": args.model,
                              "int8": args.int8, "batch_size": args.batch_size, "cpus": os.cpu_count(),
                              "load_avg_start": [round(x, 2) for x in os.getloadavg()],
                              "command": " ".join([Path(sys.executable).name, *sys.argv])}
    reference = None
    if not args.skip_full:
        out = work / "full"
        shutil.rmtree(out, ignore_errors=True)
        cmd = command(articles, out, args)
        log.info("full run: %s", " ".join(cmd))
        full = run_sampled(cmd, work / "full.log", out, interval=args.interval)
        total_parts = math.ceil(n_articles / 100)
        statements = count_lines(out / "statements.jsonl")
        result["full"] = {
            "run_command": " ".join(cmd),
            "wall_seconds": full["wall_seconds"],
            "articles_per_s": round(n_articles / full["wall_seconds"], 2),
            "statements": statements,
            "statements_per_s": round(statements / full["wall_seconds"], 2),
            "peak_rss_mb": full["peak_rss_mb"],
            "rss_by_progress_mb": rss_by_progress(full["samples"], total_parts),
            "final_phase_peak_rss_mb": final_phase_rss(full["samples"], total_parts),
            "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        }
        write_samples(work / "full.rss.tsv", full["samples"])
        log.info("full run: %d articles, %d statements in %.0f s; peak RSS %.0f MB", n_articles, statements,
                 full["wall_seconds"], full["peak_rss_mb"])
        reference = out / "statements.jsonl"

    check = articles
    if args.check_articles and args.check_articles < n_articles:
        check = work / f"articles-{args.check_articles}.jsonl"  # generated data: the first N articles
        with articles.open("rb") as src, check.open("wb") as dst:
            for i, line in enumerate(src):
                if i >= args.check_articles:
                    break
                dst.write(line)
        reference = None
    n_check = count_lines(check)
    parts_total = math.ceil(n_check / 100)
    equivalence: dict[str, Any] = {"articles": n_check, "parts": parts_total}
    if reference is None:
        out = work / "reference"
        shutil.rmtree(out, ignore_errors=True)
        ref = run_sampled(command(check, out, args), work / "reference.log", out, interval=args.interval)
        equivalence["reference_wall_seconds"] = ref["wall_seconds"]
        equivalence["reference_peak_rss_mb"] = ref["peak_rss_mb"]
        reference = out / "statements.jsonl"
    out = work / "killed"
    shutil.rmtree(out, ignore_errors=True)
    cmd = command(check, out, args)
    kill_at = max(1, parts_total // 2)
    first = run_sampled(cmd, work / "killed.log", out, interval=0.05, kill_at_parts=kill_at)
    if not first["killed"]:
        raise SystemExit(f"the run ended before {kill_at} parts were written; nothing was interrupted")
    equivalence["killed_after_parts"] = first["parts_at_end"]
    equivalence["killed_after_seconds"] = first["wall_seconds"]
    second = run_sampled(cmd, work / "killed.log", out, interval=args.interval)
    equivalence["restart_wall_seconds"] = second["wall_seconds"]
    equivalence["restart_command"] = " ".join(cmd)
    equivalence.update(compare(reference, out / "statements.jsonl"))
    equivalence["identical"] = equivalence["byte_identical"] and not (
        equivalence["missing"] or equivalence["extra"] or equivalence["different_content"] or any(equivalence["duplicates"]))
    result["kill_restart"] = equivalence
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def write_samples(path: Path, samples: list[tuple[float, float, int]]) -> None:
    from stance.io import write_text

    write_text(path, "seconds\trss_mb\tparts\n" + "".join(f"{t}\t{r}\t{p}\n" for t, r, p in samples))


def format_summary(result: dict[str, Any]) -> str:
    lines = [f"{result['articles']} articles, model {result['model']}{' (int8)' if result['int8'] else ''}, "
             f"{result['cpus']} CPUs, load {result['load_avg_start'][0]} -> {result['load_avg_end'][0]}"]
    if "full" in result:
        f = result["full"]
        lines.append(f"full run: {f['wall_seconds']:.0f} s ({f['articles_per_s']:.1f} articles/s, {f['statements']} statements, "
                     f"{f['statements_per_s']:.1f}/s); peak RSS {f['peak_rss_mb']:.0f} MB; by quarter of the articles "
                     + ", ".join(f"{k}: {v:.0f}" for k, v in f["rss_by_progress_mb"].items())
                     + f"; merge and report: {f['final_phase_peak_rss_mb']:.0f} MB")
    e = result["kill_restart"]
    lines.append(f"kill -9 after {e['killed_after_parts']} of {e['parts']} parts ({e['articles']} articles), restarted: "
                 f"statements {e['statements'][1]} vs {e['statements'][0]} uninterrupted; byte-identical: {e['byte_identical']}; "
                 f"missing {e['missing']}, extra {e['extra']}, duplicates {e['duplicates'][1]}, changed {e['different_content']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", required=True, help="articles JSONL (scripts/make_articles.py)")
    parser.add_argument("--workdir", required=True, help="folder for the runs (under /tmp or runs/)")
    parser.add_argument("--model", default="runs/newsmtsc/model")
    parser.add_argument("--parties", default=str(REPO / "configs" / "parties" / "us_russia.yaml"))
    parser.add_argument("--int8", action="store_true", help="pass --int8 to stance run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--check-articles", type=int, default=None,
                        help="run the kill -9 / restart check on the first N articles only (default: all)")
    parser.add_argument("--skip-full", action="store_true", help="only the kill -9 / restart check")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between RSS samples")
    parser.add_argument("--output", help="JSON file for the results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    result = benchmark(args)
    print(format_summary(result))
    if args.output:
        from stance.io import write_json

        write_json(args.output, result)
    return 0 if result["kill_restart"]["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
