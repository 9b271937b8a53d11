"""Rules, the learned attribution model, and their combinations on PolNeAR: content F1, source accuracy, CIs.

    python scripts/benchmark_attribution.py runs/attribution/model --split heldout --output runs/attribution_bench

Scores on the held-out part of train (``--split heldout``: how the combination was chosen) or on dev
(``--split dev``: reported once), with the extraction benchmark's scorer
(:func:`stance.extraction_eval.score_attributions`: statements sharing a cue are one attribution). For each
system: content P/R/F1 at token Jaccard >= 0.5 (with a 95% bootstrap interval over articles), exact-span F1,
source and cue accuracy on the found attributions (span overlap), content F1 on quoted and unquoted gold;
each combination takes the source of a model statement from the parse of its cue where the parse has
one (``rules+model:union:model-sources`` keeps the model's source spans, for comparison); then paired
bootstrap differences (the same article resamples,
:func:`stance.extraction_eval.compare_attributions`) of each combination against rules alone and the model
alone; and the words per second of the rules and of the model on this machine. Predictions are written to
the output folder and reused with ``--reuse``.

``--compare-with DIR`` (an earlier output folder of this script on the same split, e.g. another encoder's)
adds that folder's model alone and its union with these rules as systems, and pairs this model against
it, alone and in the union:

    python scripts/benchmark_attribution.py runs/attribution-mpnet/model --split heldout \
        --output runs/attribution-mpnet-bench --compare-with runs/attribution-bench
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stance.attribution import AttributionModel
from stance.attribution_combine import STRATEGIES, combine
from stance.attribution_train import AttributionConfig, gold_records, load_polnear_splits
from stance.extraction import extract_parsed
from stance.extraction_eval import compare_attributions, format_attribution_table, score_attributions
from stance.hardware import cpu_name
from stance.io import make_dir, read_jsonl, write_json, write_jsonl
from stance.nlp import load_nlp, parse_many


def _predict(path: Path, reuse: bool, make) -> tuple[list[dict], float | None]:
    if reuse and path.exists():
        return read_jsonl(path, allow_empty=True), None
    t0 = time.time()
    rows = make()
    seconds = time.time() - t0
    write_jsonl(path, rows)
    return rows, seconds


def _by_doc(statements: list[dict], doc_ids: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {d: [] for d in doc_ids}
    for r in statements:
        grouped[str(r["doc_id"])].append(r)
    return grouped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="an attribution model folder (runs/attribution/model)")
    ap.add_argument("--split", choices=["heldout", "dev"], default="heldout")
    ap.add_argument("--output", required=True, help="folder for predictions and metrics.json")
    ap.add_argument("--data-dir", help="corpus folder (default: $STANCE_DATA_DIR)")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--reuse", action="store_true", help="reuse the predictions already in --output")
    ap.add_argument("--compare-with", metavar="DIR",
                    help="an earlier output folder of this script on the same split: pair this model against its model")
    args = ap.parse_args(argv)
    other_path = Path(args.compare_with) / f"model_{args.split}.jsonl" if args.compare_with else None
    if other_path is not None and not other_path.is_file():
        ap.error(f"{other_path}: no model predictions of split {args.split} there (--compare-with)")

    config = AttributionConfig()
    config.data.dir = args.data_dir
    articles = load_polnear_splits(config)[args.split]
    out = make_dir(args.output)
    doc_ids = [a.doc_id for a in articles]
    words = sum(len(a.text.split()) for a in articles)
    gold = gold_records(articles)

    nlp = load_nlp()
    docs: dict[str, object] = {}

    def rule_statements() -> list[dict]:  # one parse per article serves the rules and the combinations
        found = []
        for a, (doc, statements) in zip(articles, extract_parsed(((a.doc_id, a.text, {}) for a in articles),
                                                                 nlp, None, 16)):
            docs[a.doc_id] = doc
            found.extend(statements)
        return found

    rules, rule_s = _predict(out / f"rules_{args.split}.jsonl", args.reuse, rule_statements)
    model = AttributionModel.from_pretrained(args.model)
    found, model_s = _predict(out / f"model_{args.split}.jsonl", args.reuse,
                              lambda: model.predict_articles({"doc_id": a.doc_id, "text": a.text} for a in articles))
    if not docs:  # the rule statements were reused: parse for the combinations
        docs.update(zip(doc_ids, parse_many((a.text for a in articles), nlp)))
    rules_by_doc = _by_doc(rules, doc_ids)

    def combined(statements: list[dict], strategy: str = "union", parsed: bool = True) -> list[dict]:
        by_doc = _by_doc(statements, doc_ids)
        return [rec for a in articles for rec in combine(rules_by_doc[a.doc_id], by_doc[a.doc_id], a.text,
                                                         strategy=strategy, metadata={"doc_id": a.doc_id},
                                                         doc=docs[a.doc_id] if parsed else None)]

    systems = {"rules": rules, "model": found}
    for strategy in STRATEGIES:
        systems[f"rules+model:{strategy}"] = combined(found, strategy)
    # the default combination with the model's own source spans instead of the parsed subjects of its cues
    systems["rules+model:union:model-sources"] = combined(found, parsed=False)
    paired = [(f"rules+model:{s}", b) for s in STRATEGIES for b in ("rules", "model")]
    if other_path is not None:
        other = Path(args.compare_with).name
        known = set(doc_ids)
        systems[f"{other}:model"] = [r for r in read_jsonl(other_path, allow_empty=True) if str(r["doc_id"]) in known]
        systems[f"rules+{other}:union"] = combined(systems[f"{other}:model"])
        paired += [("model", f"{other}:model"), ("rules+model:union", f"rules+{other}:union")]
    metrics = {}
    for name, pred in systems.items():
        m = score_attributions(gold, pred, n_bootstrap=args.bootstrap)
        metrics[name] = {k: v for k, v in m.items() if k not in ("missed", "extra", "pairs")}
    comparisons = {f"{a} - {b}": compare_attributions(gold, systems[a], systems[b], n_bootstrap=args.bootstrap)
                   for a, b in paired}
    comparisons["rules+model:union - rules+model:union:model-sources"] = compare_attributions(
        gold, systems["rules+model:union"], systems["rules+model:union:model-sources"], n_bootstrap=args.bootstrap)
    comparisons["model - rules"] = compare_attributions(gold, found, rules, n_bootstrap=args.bootstrap)
    speed = {"words": words, "rules_words_per_second": round(words / rule_s, 1) if rule_s else None,
             "model_words_per_second": round(words / model_s, 1) if model_s else None, "cpu": cpu_name()}
    result = {"split": args.split, "n_articles": len(articles), "systems": metrics, "paired": comparisons,
              "speed": speed}
    write_json(out / f"metrics_{args.split}.json", result)

    print(format_attribution_table(metrics, title=f"PolNeAR {args.split} ({len(articles)} articles)"))
    print("\npaired bootstrap over articles (A - B: delta [95% CI] p)")
    width = max(len(name) for name in comparisons) + 2
    for name, d in comparisons.items():
        print(f"  {name:{width}s}" + "  ".join(
            f"{k} {v['delta']:+.3f} [{v['ci95'][0]:+.3f} {v['ci95'][1]:+.3f}] p={v['p']:.3f}"
            for k, v in d.items() if k in ("overlap_f1", "source_accuracy") and v))
    print("\nspeed:", json.dumps(speed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
