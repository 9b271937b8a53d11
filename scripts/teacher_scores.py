"""A teacher file: a trained model's probabilities on every training example of a config, by key and
digest, never the text (stance.distill). A student run learns from it with ``--set data.teacher=FILE``.

    python scripts/teacher_scores.py runs/teacher/model --config configs/demo.yaml --output teacher.jsonl.gz

The pool is the config's training sets whole (``data.max_train_samples`` is not applied, so that the file
serves every seed's sub-sample) and, with ``data.reverse_neutral``, the reverse direction of every polar
example; ``--as-sampled`` scores only the training examples of the config's own seed (a smaller file for
one run). The model scores it in the precision ``--precision`` names (bf16: about 4 times faster on CPUs with
AVX512-BF16 or AMX) with its saved temperature. Write the file outside any corpus folder: it holds ids and
probabilities only, which is what may be shared with a repository.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from stance.config import load_config
from stance.distill import teacher_rows, write_teacher
from stance.errors import StanceError
from stance.hardware import resolve_precision
from stance.io import check_output_file
from stance.model import StanceClassifier
from stance.train import load_run_data, reverse_as_neutral

log = logging.getLogger("teacher_scores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="the teacher: a run's model/ folder")
    parser.add_argument("--config", required=True, help="the student's config: its training sets are the pool")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument("--output", required=True, type=Path, help="the teacher file (.jsonl, or .jsonl.gz)")
    parser.add_argument("--as-sampled", action="store_true", help="only the training examples of the config's seed")
    parser.add_argument("--precision", choices=["fp32", "bf16", "auto"], default="auto")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        check_output_file(args.output)
        config = load_config(args.config, overrides=args.overrides)
        if config.data.swap_speakers:
            raise StanceError("data.swap_speakers makes new examples at each seed: a teacher file cannot hold them")
        chosen = dataclasses.replace(config.data, teacher=None, dev=[], test=[])
        if not args.as_sampled:
            chosen = dataclasses.replace(chosen, max_train_samples=None, reverse_neutral=False)
        data = load_run_data(dataclasses.replace(config, data=chosen))
        pool, lf = list(data.train), config.label_field
        if config.data.reverse_neutral and not args.as_sampled:
            pool += [reverse_as_neutral(r, lf) for r in data.train if r[lf] != "neutral" and r.get("source") and r.get("target")]
        bf16 = resolve_precision(args.precision) == "bf16"
        clf = StanceClassifier.from_pretrained(args.model, quantize="bf16" if bf16 else None)
        if sorted(clf.labels) != sorted(data.labels):
            raise StanceError(f"the teacher's labels {clf.labels} are not the config's {data.labels}")
        log.info("scoring %d training examples with %s (%s)", len(pool), args.model, "bf16" if bf16 else "fp32")
        proba = clf.predict_proba(pool, batch_size=args.batch_size, show_progress_bar=True)
        rows = teacher_rows(pool, proba, clf.labels)
        write_teacher(args.output, rows)
        agree = sum(clf.labels[i] == r[lf] for i, r in zip(proba.argmax(axis=1), pool)) / len(pool)
        print(f"{args.output}: {len(rows)} training examples scored; the teacher's argmax is the gold label for {100 * agree:.1f}%")
    except StanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
