"""The speaker-swap check on a finished run: the same statements with the speaker replaced by other
people of the same party; how often does the run's model change its label? (stance.counterfactual)

    python scripts/counterfactual_check.py runs/demo --parties configs/parties/us_russia.yaml \
        --eval-set seed:../shared/examples/kerry_putin_sochi.gold.jsonl
    python scripts/counterfactual_check.py runs/demo --parties configs/parties/us_parties.yaml \
        --eval-set seesaw:valid:opposed --output runs/demo/counterfactual_seesaw.json

Reads the run's ``predictions.jsonl`` (the test rows with their input fields) and ``model/``; prints the
flip share (swaps that change the label / swaps) and the share of statements with any flip; ``--output``
writes the counts and every swap as JSON.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from stance.counterfactual import speaker_swap_check
from stance.errors import InputError, StanceError
from stance.io import iter_jsonl, write_json
from stance.model import StanceClassifier
from stance.parties import load_parties

log = logging.getLogger("counterfactual_check")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a finished run folder (predictions.jsonl and model/)")
    parser.add_argument("--parties", required=True, help="party config whose people are swapped in")
    parser.add_argument("--eval-set", action="append", required=True, help="eval_set of predictions.jsonl to check (repeatable)")
    parser.add_argument("--swaps", type=int, default=3, help="other people per statement (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help="write the result as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.swaps < 1:
            raise InputError(None, "must be >= 1", field="--swaps")
        parties = load_parties(args.parties)
        rows = [row for _, row in iter_jsonl(args.run / "predictions.jsonl")]
        clf = StanceClassifier.from_pretrained(args.run / "model")
        fields = ("eval_set", "gold", "predicted", "scores")
        results = {}
        for spec in args.eval_set:
            records = [{k: v for k, v in r.items() if k not in fields} for r in rows if r.get("eval_set") == spec]
            if not records:
                raise InputError(args.run / "predictions.jsonl", f"no rows of eval set {spec!r}", field="eval_set")
            check = speaker_swap_check(records, clf.predict, parties, n_swaps=args.swaps, seed=args.seed)
            results[spec] = check
            share = "n/a" if check["flip_share"] is None else f"{check['flip_share']:.3f}"
            anyf = "n/a" if check["records_flipped"] is None else f"{check['records_flipped']:.3f}"
            print(f"{spec}: {check['n_swapped_records']} of {check['n_records']} statements swapped, "
                  f"{check['n_swaps']} swaps; flip share {share} ({check.get('n_flipped', 0)} flips); "
                  f"statements with any flip {anyf}")
        if args.output:
            write_json(args.output, {"run": str(args.run), "parties": args.parties, "swaps": args.swaps, "seed": args.seed,
                                     "results": results})
    except StanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
