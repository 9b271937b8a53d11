"""Print the benchmark table of docs/results.md from finished run folders.

    python scripts/results_table.py runs/dse runs/newsmtsc
    python scripts/results_table.py --seeds runs/newsmtsc-mpnet-s42 runs/newsmtsc-mpnet-s43 runs/newsmtsc-mpnet-s44

For each run: every test set with the fine-tuned model and the baselines (macro-F1 and accuracy with
95% bootstrap CIs), and the paired tests of the model against TF-IDF + LR (exact McNemar, paired
bootstrap of the macro-F1 difference). With ``--seeds``, the runs are one recipe trained with several
seeds: one table of the model's macro-F1 per seed with the mean and standard deviation
(stance.results.seeds_table), and each seed's paired test against TF-IDF + LR. Reads only what the runs
wrote.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from stance.results import load_run, seeds_table


def _ci(m: dict, key: str) -> str:
    ci = m.get("ci", {}).get(key)
    value = m.get(key)
    if value is None:
        return "n/a"
    return f"{value:.3f} [{ci['low']:.3f}, {ci['high']:.3f}]" if ci else f"{value:.3f}"


def run_section(path: Path) -> str:
    run = load_run(path)
    metrics, config = run.metrics, run.config
    lines = [
        f"### `{path.name}`: {', '.join(config['data']['train'])}",
        "",
        f"{metrics.get('n_train')} training examples; {metrics['training'].get('steps')} steps; "
        f"best dev macro-F1 {metrics['dev'].get('best_macro_f1'):.3f}; training {metrics['training'].get('train_seconds', 0) / 60:.0f} min "
        f"(all parts of an interrupted run); wall time of the last command {metrics.get('wall_seconds', 0) / 60:.0f} min.",
        "",
        "| test set | system | n | macro-F1 [95% CI] | accuracy [95% CI] |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for spec, m in metrics["test"].items():
        lines.append(f"| `{spec}` | fine-tuned encoder | {m['n']} | {_ci(m, 'macro_f1')} | {_ci(m, 'accuracy')} |")
        if "any_label" in m:  # a two-class set scored with the model free to answer any label (neutral a miss)
            free = m["any_label"]
            lines.append(f"| `{spec}`, any label: {_ci(free, 'outside_share')} called {' or '.join(free['outside'])} | "
                         f"fine-tuned encoder | {free['n']} | {_ci(free, 'macro_f1')} | {_ci(free, 'accuracy')} |")
        for name, per_set in metrics.get("baselines", {}).items():
            b = per_set[spec]
            lines.append(f"| | {name} | {b['n']} | {_ci(b, 'macro_f1')} | {_ci(b, 'accuracy')} |")
        if "leak_free" in m:  # the rows that repeat no training row (stance.leakage)
            lf = m["leak_free"]
            lines.append(f"| `{spec}` leak-free | fine-tuned encoder | {lf['n']} | {_ci(lf, 'macro_f1')} | {_ci(lf, 'accuracy')} |")
            for name, per_set in metrics.get("baselines", {}).items():
                b = per_set[spec].get("leak_free")
                if b:
                    lines.append(f"| | {name} | {b['n']} | {_ci(b, 'macro_f1')} | {_ci(b, 'accuracy')} |")
    lines += ["", "| test set | encoder vs TF-IDF + LR: macro-F1 difference [95% CI] | paired bootstrap p | McNemar exact p (b, c) |",
              "| --- | ---: | ---: | ---: |"]
    for spec, comparisons in metrics.get("comparisons", {}).items():
        c = comparisons.get("model_vs_tfidf_lr")
        if not c:
            continue
        pb, mc = c["paired_bootstrap_macro_f1"], c["mcnemar"]
        lines.append(
            f"| `{spec}` | {pb['delta']:+.3f} [{pb['low']:+.3f}, {pb['high']:+.3f}] | {pb['p_value']:.4f} | "
            f"{mc['p_value']:.2g} ({mc['b']}, {mc['c']}) |"
        )
    return "\n".join(lines) + "\n"


def seeds_section(paths: list[Path]) -> str:
    runs = [load_run(p) for p in paths]
    table = seeds_table(runs)
    names = [c for c in table.columns if c not in ("eval_set", "n", "mean", "sd")]
    lines = [
        f"| eval set | n | {' | '.join(names)} | mean ± sd ({len(runs)} runs) |",
        f"| --- | ---: | {' | '.join('---:' for _ in names)} | ---: |",
    ]
    for r in table.to_dict("records"):
        cells = " | ".join(f"{r[name]:.3f}" for name in names)
        n = "" if pd.isna(r["n"]) else r["n"]
        sd = "" if pd.isna(r["sd"]) else f" ± {r['sd']:.3f}"
        lines.append(f"| `{r['eval_set']}` | {n} | {cells} | {r['mean']:.3f}{sd} |")
    lines += ["", f"| test set | encoder vs TF-IDF + LR, {', '.join(names)}: difference [95% CI], paired bootstrap p; McNemar p |",
              "| --- | --- |"]
    specs = dict.fromkeys(s for run in runs for s in run.metrics.get("comparisons", {}))
    for spec in specs:
        cells = []
        for run in runs:
            c = run.metrics.get("comparisons", {}).get(spec, {}).get("model_vs_tfidf_lr")
            if not c:
                cells.append("n/a")
                continue
            pb, mc = c["paired_bootstrap_macro_f1"], c["mcnemar"]
            cells.append(f"{pb['delta']:+.3f} [{pb['low']:+.3f}, {pb['high']:+.3f}], {pb['p_value']:.4f}; {mc['p_value']:.2g}")
        lines.append(f"| `{spec}` | {' / '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--seeds", action="store_true", help="the runs are one recipe with several seeds: one table")
    args = parser.parse_args(argv)
    sys.stdout.write(seeds_section(args.runs) if args.seeds else "\n".join(run_section(p) for p in args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
