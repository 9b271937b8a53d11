"""Rules, the learned attribution model, and their combinations on PolNeAR: content F1, source accuracy, CIs.

    python scripts/benchmark_attribution.py runs/attribution/model --split heldout --output runs/attribution_bench

Scores on the held-out part of train (``--split heldout``: how the combination was chosen) or on dev
(``--split dev``: reported once). For each system: content P/R/F1 at token Jaccard >= 0.5 (with a 95%
bootstrap interval over articles), exact-span F1, source and cue accuracy on the found statements (span
overlap), split by quoted / unquoted content; then paired bootstrap differences (same article resamples)
of each combination against rules alone and the model alone; and the words per second of the rules and of
the model on this machine. Predictions are written to the output folder and reused with ``--reuse``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stance.attribution import AttributionModel
from stance.attribution_combine import STRATEGIES, combine
from stance.attribution_eval import article_counts, format_table, paired, score_articles
from stance.attribution_train import AttributionConfig, gold_records, load_polnear_splits
from stance.extraction import extract_many
from stance.hardware import cpu_name
from stance.io import make_dir, read_jsonl, write_json, write_jsonl


def _predict(path: Path, reuse: bool, make) -> tuple[list[dict], float | None]:
    if reuse and path.exists():
        return read_jsonl(path, allow_empty=True), None
    t0 = time.time()
    rows = make()
    seconds = time.time() - t0
    write_jsonl(path, rows)
    return rows, seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="an attribution model folder (runs/attribution/model)")
    ap.add_argument("--split", choices=["heldout", "dev"], default="heldout")
    ap.add_argument("--output", required=True, help="folder for predictions and metrics.json")
    ap.add_argument("--data-dir", help="corpus folder (default: $STANCE_DATA_DIR)")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--reuse", action="store_true", help="reuse the predictions already in --output")
    args = ap.parse_args(argv)

    config = AttributionConfig()
    config.data.dir = args.data_dir
    articles = load_polnear_splits(config)[args.split]
    out = make_dir(args.output)
    doc_ids = [a.doc_id for a in articles]
    words = sum(len(a.text.split()) for a in articles)
    gold = gold_records(articles)

    rules, rule_s = _predict(out / f"rules_{args.split}.jsonl", args.reuse,
                             lambda: list(extract_many((a.doc_id, a.text, {}) for a in articles)))
    model = AttributionModel.from_pretrained(args.model)
    found, model_s = _predict(out / f"model_{args.split}.jsonl", args.reuse,
                              lambda: model.predict_articles({"doc_id": a.doc_id, "text": a.text} for a in articles))
    by_doc: dict[str, dict[str, list[dict]]] = {d: {"rules": [], "model": []} for d in doc_ids}
    for r in rules:
        by_doc[str(r["doc_id"])]["rules"].append(r)
    for r in found:
        by_doc[str(r["doc_id"])]["model"].append(r)
    systems = {"rules": rules, "model": found}
    for strategy in STRATEGIES:
        systems[f"rules+model:{strategy}"] = [
            rec for a in articles for rec in combine(by_doc[a.doc_id]["rules"], by_doc[a.doc_id]["model"], a.text,
                                                     strategy=strategy, metadata={"doc_id": a.doc_id})]
    metrics = {name: score_articles(gold, pred, doc_ids, n_bootstrap=args.bootstrap) for name, pred in systems.items()}
    counts = {name: article_counts(gold, pred, doc_ids) for name, pred in systems.items()}
    comparisons = {f"{a} - {b}": paired(counts[a], counts[b], n_bootstrap=args.bootstrap)
                   for a in systems if a.startswith("rules+model") for b in ("rules", "model")}
    comparisons["model - rules"] = paired(counts["model"], counts["rules"], n_bootstrap=args.bootstrap)
    speed = {"words": words, "rules_words_per_second": round(words / rule_s, 1) if rule_s else None,
             "model_words_per_second": round(words / model_s, 1) if model_s else None, "cpu": cpu_name()}
    result = {"split": args.split, "n_articles": len(articles), "systems": metrics, "paired": comparisons,
              "speed": speed}
    write_json(out / f"metrics_{args.split}.json", result)

    print(format_table({k: v for k, v in metrics.items()}, title=f"PolNeAR {args.split} ({len(articles)} articles)"))
    print("\nby quote (content F1 / source accuracy)")
    for name, m in metrics.items():
        print(f"  {name:28s}" + "  ".join(
            f"{q}: {v['content_overlap']['f1']:.3f} / {v['source']['accuracy'] or 0:.3f} (n={v['counts']['n_gold']})"
            for q, v in m["by_quote"].items()))
    print("\npaired bootstrap over articles (A - B: delta [95% CI] p)")
    for name, d in comparisons.items():
        print(f"  {name:40s}" + "  ".join(f"{k} {v['delta']:+.3f} [{v['low']:+.3f} {v['high']:+.3f}] p={v['p']:.3f}"
                                            for k, v in d.items() if k in ("f1", "source_accuracy")))
    print("\nspeed:", json.dumps(speed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
