"""Execute the notebooks, render them to HTML (nbconvert) and screenshot them (headless Chromium).

    .venv/bin/python scripts/render_notebooks.py                  # small invented run folders
    .venv/bin/python scripts/render_notebooks.py --run runs/demo --statements runs/demo_pipeline \\
        --run-b runs/other --annotations annotations/imported.jsonl

Without run folders, the small folders the tests build are used (tests/test_results.py). HTML goes to
``build/notebooks/`` (ignored by git), screenshots to ``docs/notebooks/NAME.png``. The executed
notebooks are never written back: the committed ones stay without outputs.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger("render_notebooks")

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars", "--window-size=1200,3000",
]


def example_runs(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(REPO / "tests"))
    from test_results import build_annotations, build_pipeline_run, build_training_run

    return {
        "statements": build_pipeline_run(folder / "pipeline"),
        "run": build_training_run(folder / "model_a", accuracy=0.8, seed=1),
        "run_b": build_training_run(folder / "model_b", accuracy=0.6, seed=2),
        "annotations": build_annotations(folder / "annotations.jsonl"),
    }


def render(name: str, env: dict[str, str], html_dir: Path, png_dir: Path, chromium: str | None) -> Path:
    notebook = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    os.environ.update(env)
    NotebookClient(notebook, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(REPO)}}).execute()
    for variable in env:
        os.environ.pop(variable, None)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    html = html_dir / f"{name}.html"
    html.write_text(body, encoding="utf-8")
    if chromium:
        png = png_dir / f"{name}.png"
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--screenshot={png}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        log.info("%s -> %s", name, png)
    return html


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a `stance train` run folder (notebooks 02 and 03)")
    parser.add_argument("--run-b", help="a second run folder (notebook 03)")
    parser.add_argument("--statements", help="a `stance run` output folder (notebooks 01 and 05)")
    parser.add_argument("--annotations", help="imported annotations, a file or folder (notebook 04)")
    parser.add_argument("--html-dir", default=str(REPO / "build" / "notebooks"))
    parser.add_argument("--png-dir", default=str(REPO / "docs" / "notebooks"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)),
                    None)
    if chromium is None:
        log.warning("no Chromium found (apt-get install chromium): writing HTML only")
    html_dir, png_dir = Path(args.html_dir), Path(args.png_dir)
    html_dir.mkdir(parents=True, exist_ok=True)
    png_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs = {k: Path(v) for k, v in vars(args).items() if k in ("run", "run_b", "statements", "annotations") and v}
        if len(runs) < 4:
            runs = {**example_runs(Path(tmp)), **runs}
        jobs = {
            "01_explore_statements": {"STANCE_RUN": runs["statements"]},
            "02_evaluate_model": {"STANCE_RUN": runs["run"]},
            "03_compare_models": {"STANCE_RUN": runs["run"], "STANCE_RUN_B": runs["run_b"]},
            "04_annotator_agreement": {"STANCE_RUN": runs["annotations"]},
            "05_stance_shares": {"STANCE_RUN": runs["statements"]},
        }
        for name, env in jobs.items():
            render(name, {k: str(Path(v).resolve()) for k, v in env.items()}, html_dir, png_dir, chromium)
    return 0


if __name__ == "__main__":
    sys.exit(main())
