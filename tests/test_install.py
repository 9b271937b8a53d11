"""``pip install .`` (not editable) gives a working ``stance train``: the configs ship inside the package.

The wheel is built from a copy of the sources (the checkout stays clean) and installed without dependencies
into a fresh virtual environment that sees the packages already installed beside this interpreter, so
nothing is downloaded. That environment trains from a packaged config named without a path, in a folder
that has no ``configs/`` of its own.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "stance", "configs")
# the environment of the commands: no PYTHONPATH (a checkout on it would hide the installed package)
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")} | {
    "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
TIMEOUT = 300

pytestmark = pytest.mark.install


def sh(*args: object, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel of this checkout; its python finds the other packages through a .pth
    file naming this interpreter's site-packages (whose own .pth files, the editable install's finder among
    them, are not run from there)."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, src / name)
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist", src,
       cwd=tmp)
    (wheel,) = (tmp / "dist").glob("stance-*.whl")

    venv = tmp / "venv"
    sh(getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    purelib = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).strip())
    (purelib / "installed-packages.pth").write_text("".join(f"{p}\n" for p in site.getsitepackages()), encoding="utf-8")
    sh(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--ignore-installed", wheel,
       cwd=tmp)
    return venv


def test_the_wheel_holds_every_config_and_imports_from_the_venv(installed):
    where = json.loads(sh(installed / "bin" / "python", "-c",
                          "import json, stance, stance.config as c; "
                          "print(json.dumps([stance.__file__, str(c.CONFIG_DIR), c.packaged_configs()]))",
                          cwd=installed))
    package, config_dir, names = Path(where[0]), Path(where[1]), where[2]
    assert package.is_relative_to(installed), package  # not the checkout, not an editable install
    assert config_dir == package.parent / "configs"
    repo_configs = sorted((REPO / "configs").rglob("*.yaml"))
    assert names == sorted(p.relative_to(REPO / "configs").with_suffix("").as_posix() for p in repo_configs)
    for path in repo_configs:  # one copy: the wheel's are the repository's
        assert (config_dir / path.relative_to(REPO / "configs")).read_bytes() == path.read_bytes(), path


def test_stance_train_runs_a_packaged_config_by_name(installed, tiny_encoder, tmp_path):
    work = tmp_path / "elsewhere"  # no configs/ here
    work.mkdir()
    sh(installed / "bin" / "stance", "train", "benchmarks/dse", "--output", "run",
       "--set", f"model.name_or_path={tiny_encoder}", "--set", "model.max_length=48",
       "--set", "data.train=[dse:train@64]", "--set", "data.dev=[dse:valid@16]", "--set", "data.test=[dse:test@24]",
       "--set", "baselines=[majority]", "--set", "train.epochs=1", "--set", "train.batch_size=16",
       "--set", "train.eval_every=null", "--set", "evaluation.n_bootstrap=20", "--set", "evaluation.calibration=none",
       cwd=work)
    run = work / "run"
    assert (run / "COMPLETE").exists() and (run / "model").is_dir()
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["training"]["steps"] == 8  # 64 sentences, each also swapped and metrics["test"]["dse:test@24"]["n"] == 24
    saved = (run / "config.yaml").read_text(encoding="utf-8")
    assert "name: dse" in saved and "augment_swap: true" in saved  # the packaged benchmarks/dse.yaml, merged
