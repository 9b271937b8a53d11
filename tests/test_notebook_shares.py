"""The shares notebook runs top to bottom on small run folders, with and without an annotated sample."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from test_notebooks import NOTEBOOKS, execute, images
from test_results import build_pipeline_run, build_training_run

NAME = "05_stance_shares"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("share_runs")
    return {"pipeline": build_pipeline_run(root / "pipeline"), "train": build_training_run(root / "train", accuracy=0.8, seed=1)}


@pytest.mark.parametrize("annotated", [False, True])
def test_shares_notebook_runs_and_draws(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, annotated: bool):
    monkeypatch.setenv("STANCE_RUN", str(runs["pipeline"]))
    if annotated:
        monkeypatch.setenv("STANCE_ANNOTATED", str(runs["train"]))
        monkeypatch.setenv("STANCE_ANNOTATED_SET", "dse:test")
    else:
        monkeypatch.delenv("STANCE_ANNOTATED", raising=False)
        monkeypatch.delenv("STANCE_ANNOTATED_SET", raising=False)
    notebook = execute(nbformat.read(NOTEBOOKS / f"{NAME}.ipynb", as_version=4), tmp_path)
    assert images(notebook) >= 3  # party pairs, months with bands, outlets
    text = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert "60 statements; labels: conciliatory, confrontational, neutral" in text
    html = "".join(str(out.get("data", {}).get("text/html", "")) for cell in notebook.cells for out in cell.get("outputs", []))
    assert ("acc" in html) == annotated and "pcc" in html
