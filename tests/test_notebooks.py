"""The notebooks run top to bottom on a fresh kernel against small run folders, and draw their plots."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from test_results import build_annotations, build_pipeline_run, build_training_run

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01_explore_statements", "02_evaluate_model", "03_compare_models", "04_annotator_agreement"]


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "pipeline": build_pipeline_run(root / "pipeline"),
        "train_a": build_training_run(root / "model_a", accuracy=0.8, seed=1),
        "train_b": build_training_run(root / "model_b", accuracy=0.6, seed=2),
        "annotations": build_annotations(root / "annotations.jsonl"),
    }


def execute(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell on a fresh python3 kernel; a cell that raises fails the test (CellExecutionError)."""
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(cwd)}})
    return client.execute()


def images(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in notebook.cells for out in cell.get("outputs", []))


ENV = {
    "01_explore_statements": {"STANCE_RUN": "pipeline"},
    "02_evaluate_model": {"STANCE_RUN": "train_a"},
    "03_compare_models": {"STANCE_RUN": "train_a", "STANCE_RUN_B": "train_b"},
    "04_annotator_agreement": {"STANCE_RUN": "annotations"},
}
EXPECTED_TEXT = {
    "01_explore_statements": "pipeline: 60 statements, 12 documents",
    "02_evaluate_model": "model_a | eval sets: dse:test, newsmtsc:test | systems: model, majority",
    "03_compare_models": "A: model_a | B: model_b",
    "04_annotator_agreement": "24 statements, annotators: anna, ben, chen",
}
MIN_FIGURES = {"01_explore_statements": 3, "02_evaluate_model": 3, "03_compare_models": 1, "04_annotator_agreement": 2}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_draws(name: str, small_runs: dict[str, Path], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("STANCE_RUN_B", raising=False)
    for variable, run in ENV[name].items():
        monkeypatch.setenv(variable, str(small_runs[run]))  # the kernel inherits the environment
    notebook = execute(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4), tmp_path)
    assert images(notebook) >= MIN_FIGURES[name]
    text = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert EXPECTED_TEXT[name] in text  # it read the data it was pointed at


def test_compare_notebook_without_second_run_uses_the_baseline(small_runs: dict[str, Path], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STANCE_RUN", str(small_runs["train_a"]))
    monkeypatch.delenv("STANCE_RUN_B", raising=False)
    notebook = execute(nbformat.read(NOTEBOOKS / "03_compare_models.ipynb", as_version=4), tmp_path)
    text = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert "(majority)" in text and images(notebook) >= 1


@pytest.mark.parametrize("name", [*NAMES, "05_stance_shares"])  # 05 runs in test_notebook_shares.py
def test_notebook_is_committed_clean(name: str):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert 'os.environ.get("STANCE_RUN"' in code[0].source and "RUN = " in code[0].source
    assert "%matplotlib inline" in code[1].source
    assert notebook.metadata.kernelspec.name == "python3"


def test_kernel_is_this_python(tmp_path: Path):
    """`python3` resolves to the interpreter running the tests (the venv), nothing registered globally."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")])
    out = execute(notebook, tmp_path).cells[0].outputs[0]["text"].strip()
    assert out == sys.prefix
