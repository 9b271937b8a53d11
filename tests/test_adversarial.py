"""Hostile and careless inputs to every command: the toolkit never destroys a user's file, never turns a
document into live code (HTML, spreadsheet formulas, paths), never shows stale or fabricated results,
and answers every crafted input with one line (exit 2 for bad input, exit 1 for an internal bug).

Each test runs ``stance.cli.main([...])`` in-process on small invented files in ``tmp_path`` and checks
concrete things: the exit code, the one error line naming the file / line / field or option, no
traceback, no partial output, and the user's files byte-identical afterwards. Special files (FIFOs,
device nodes) are made inside ``tmp_path``; the machine's own ``/dev/null`` is never touched.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import threading
import time
import zipfile
from pathlib import Path

import pytest

from stance.cli import main

REPO = Path(__file__).resolve().parent.parent
PARTIES = REPO / "configs" / "parties" / "us_russia.yaml"
LABELS = ["negative", "neutral", "positive"]
ARTICLE = ("Vladimir Putin said on Tuesday that the talks with the United States had been useful.\n"
           "\"The sanctions are a mistake,\" John Kerry said.\n")
XSS = "<script>alert(1)</script>"
NOTES = "my notes: do not lose these\n"


# --------------------------------------------------------------------------- helpers
def jsonl(*rows: dict | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def rec(i: int, **fields: object) -> dict:
    return {"doc_id": "d1", "statement_id": str(i), "text": f"Officials said round {i} of the talks was useful.",
            **fields}


GOLD = jsonl(rec(1, stance="neutral"), rec(2, stance="negative"), rec(3, stance="positive"))


def cli(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def one_line(err: str, *fragments: str) -> str:
    """The single ``error: ...`` line; fails on a traceback, several lines, or a missing fragment."""
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip() and "%|" not in line]  # not progress bars
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file under ``folder`` with its bytes (special files by their kind)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        key = str(path.relative_to(folder))
        if stat.S_ISREG(mode):
            out[key] = path.read_bytes()
        elif not stat.S_ISDIR(mode):
            out[key] = "fifo" if stat.S_ISFIFO(mode) else "chr" if stat.S_ISCHR(mode) else "other"
    return out


def refused(capsys, before_folder: Path, *argv: object, expect: tuple[str, ...], code: int = 2) -> str:
    """Run ``argv``; expect exit ``code``, one line holding ``expect``, and ``before_folder`` unchanged."""
    before = snapshot(before_folder)
    got, err = cli(capsys, *argv)
    assert got == code, err
    line = one_line(err, *expect)
    assert snapshot(before_folder) == before, "a file of the user's was changed, added or removed"
    return line


@pytest.fixture(scope="session")
def model_master(tiny_encoder_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stance.model import StanceClassifier

    path = tmp_path_factory.mktemp("adversarial") / "model"
    StanceClassifier.from_pretrained(tiny_encoder_master, labels=LABELS, max_length=64).save_pretrained(path)
    return path


@pytest.fixture
def model(model_master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "model"
    shutil.copytree(model_master, dest)
    return dest


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A researcher's folder: an article, a gold file and notes."""
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "a1.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "gold.jsonl").write_text(GOLD, encoding="utf-8")
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    return folder


TRAIN_YAML = ("data:\n  train: ['jsonl:{tmp}/train.jsonl']\n  dev: []\n  test: ['jsonl:{tmp}/test.jsonl']\n"
              "  dedup: false\ntrain:\n  epochs: 0\nbaselines: []\nevaluation:\n  n_bootstrap: 10\n")


@pytest.fixture
def train_config(tmp_path: Path, model_master: Path) -> Path:
    (tmp_path / "train.jsonl").write_text(GOLD, encoding="utf-8")
    (tmp_path / "test.jsonl").write_text(GOLD, encoding="utf-8")
    path = tmp_path / "exp.yaml"
    path.write_text(TRAIN_YAML.format(tmp=tmp_path) + f"model:\n  name_or_path: {model_master}\n", encoding="utf-8")
    return path


def run_argv(article: Path, model: Path, out: Path, *extra: object) -> list[object]:
    return ["run", article, "--model", model, "--parties", PARTIES, "--output", out, *extra]


# =========================================================================== 1. --overwrite deletes only its own
def test_run_overwrite_refuses_a_folder_that_is_not_a_run_folder(capsys, desk, model):
    refused(capsys, desk, *run_argv(desk / "a1.txt", model, desk, "--overwrite"), expect=(str(desk),))


def test_run_output_dot_is_refused(capsys, desk, model, monkeypatch):
    monkeypatch.chdir(desk)
    refused(capsys, desk, *run_argv(Path("a1.txt"), model, Path("."), "--overwrite"), expect=("--output",))


def test_run_output_home_is_refused(capsys, desk, model, tmp_path, monkeypatch):
    article = tmp_path / "elsewhere" / "a1.txt"
    article.parent.mkdir()
    article.write_text(ARTICLE, encoding="utf-8")
    monkeypatch.setenv("HOME", str(desk))
    refused(capsys, desk, *run_argv(article, model, desk, "--overwrite"), expect=("a home folder",))


def test_run_output_root_is_refused_without_touching_it(capsys, desk, model):
    # never with --overwrite: a regression must not be able to delete anything
    refused(capsys, desk, *run_argv(desk / "a1.txt", model, Path("/")), expect=("/:", "home folder or /"))


def test_train_overwrite_refuses_a_folder_that_is_not_a_run_folder(capsys, desk, train_config):
    refused(capsys, desk, "train", train_config, "--output", desk, "--overwrite", expect=(str(desk), "run folder"))


def test_demo_refuses_a_folder_that_is_not_a_run_folder(capsys, desk, train_config):
    refused(capsys, desk, "demo", "--config", train_config, "--output", desk, expect=(str(desk), "run folder"))


def test_train_resume_does_not_delete_temporary_files_of_a_foreign_folder(capsys, desk, train_config):
    (desk / ".draft.tmp").write_text("unsaved draft", encoding="utf-8")
    refused(capsys, desk, "train", train_config, "--output", desk, "--resume", expect=(str(desk),))


def test_run_overwrite_of_a_run_folder_removes_only_its_own_files(capsys, desk, model, tmp_path):
    out = tmp_path / "run"
    assert cli(capsys, *run_argv(desk / "a1.txt", model, out))[0] == 0
    (out / "my_analysis.ipynb").write_text("{}", encoding="utf-8")
    code, err = cli(capsys, *run_argv(desk / "a1.txt", model, out, "--overwrite"))
    assert code == 0, err
    assert (out / "my_analysis.ipynb").read_text(encoding="utf-8") == "{}"
    assert (out / "COMPLETE").exists()


def test_train_overwrite_of_a_run_folder_keeps_a_users_file(capsys, train_config, tmp_path):
    out = tmp_path / "run"
    assert cli(capsys, "train", train_config, "--output", out)[0] == 0
    (out / "notes.md").write_text(NOTES, encoding="utf-8")
    code, err = cli(capsys, "train", train_config, "--output", out, "--overwrite")
    assert code == 0, err
    assert (out / "notes.md").read_text(encoding="utf-8") == NOTES


# =========================================================================== 2. output = input
def test_extract_output_equal_to_its_input_is_refused(capsys, desk):
    arts = desk / "arts.jsonl"
    arts.write_text(jsonl({"doc_id": "a1", "text": ARTICLE}), encoding="utf-8")
    refused(capsys, desk, "extract", arts, "--output", arts, expect=("arts.jsonl", "--output", "input"))


def test_predict_output_equal_to_the_gold_input_is_refused(capsys, desk, model):
    refused(capsys, desk, "predict", "--model", model, "--input", desk / "gold.jsonl", "--output",
            desk / "gold.jsonl", expect=("gold.jsonl", "--output", "input"))


def test_predict_output_through_another_spelling_of_the_input_is_refused(capsys, desk, model, monkeypatch):
    monkeypatch.chdir(desk)
    refused(capsys, desk, "predict", "--model", model, "--input", "gold.jsonl", "--output",
            f"../{desk.name}/./gold.jsonl", expect=("gold.jsonl", "input"))


def test_annotate_export_in_place_is_refused(capsys, desk):
    refused(capsys, desk, "annotate", "export", "--format", "doccano", "--input", desk / "gold.jsonl",
            "--output", desk / "gold.jsonl", expect=("gold.jsonl", "input"))


def test_annotate_import_in_place_is_refused(capsys, desk):
    tasks = desk / "tasks.jsonl"
    tasks.write_text(jsonl({"text": "Talks.", "cats": ["neutral"], "doc_id": "d1", "statement_id": "1"}),
                     encoding="utf-8")
    refused(capsys, desk, "annotate", "import", "--format", "doccano", "--input", tasks, "--output", tasks,
            expect=("tasks.jsonl", "input"))


def test_run_output_folder_holding_the_input_article_is_refused(capsys, desk, model):
    refused(capsys, desk, *run_argv(desk / "a1.txt", model, desk), expect=("a1.txt", "input"))


def test_evaluate_output_into_a_training_run_folder_is_refused(capsys, train_config, tmp_path, desk):
    out = tmp_path / "run"
    assert cli(capsys, "train", train_config, "--output", out)[0] == 0
    refused(capsys, out, "evaluate", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
            "--output", out, "--bootstrap", "10", expect=(str(out),))


# =========================================================================== 3. HTML injection
def test_report_html_escapes_statement_text_and_doc_ids(capsys, model, tmp_path):
    arts = tmp_path / "arts.jsonl"
    text = f'"{XSS} The sanctions are a mistake," the minister said.\n' + ARTICLE
    arts.write_text(jsonl({"doc_id": "<img src=x onerror=alert(2)>", "text": text}), encoding="utf-8")
    out = tmp_path / "run"
    code, err = cli(capsys, *run_argv(arts, model, out))
    assert code == 0, err
    statements = (out / "statements.jsonl").read_text(encoding="utf-8")
    assert "<script>" in statements  # the statement was extracted: the report shows it
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_markdown_renderer_keeps_raw_html_as_text():
    from stance.report import render_html

    page = render_html([("Statements", f"| text |\n|---|\n| {XSS} |\n\n<iframe src=x></iframe>\n", [])])
    assert "<script>" not in page and "<iframe" not in page


# =========================================================================== 4. numeric options
@pytest.mark.parametrize("value", ["-1", "0"])
def test_predict_batch_size_not_positive_is_refused(capsys, desk, model, value, tmp_path):
    out = tmp_path / "pred.jsonl"
    refused(capsys, desk, "predict", "--model", model, "--input", desk / "gold.jsonl", "--output", out,
            "--batch-size", value, expect=("--batch-size", value))
    assert not out.exists()


def test_run_batch_size_negative_is_refused_and_no_run_is_marked_complete(capsys, desk, model, tmp_path):
    out = tmp_path / "run"
    refused(capsys, desk, *run_argv(desk / "a1.txt", model, out, "--batch-size", "-1"), expect=("--batch-size",))
    assert not out.exists()


@pytest.mark.parametrize("option, value", [("--seed", "-1"), ("--bootstrap", "-5")])
def test_evaluate_negative_seed_or_bootstrap_is_refused(capsys, desk, tmp_path, option, value):
    refused(capsys, desk, "evaluate", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
            "--output", tmp_path / "eval", option, value, expect=(option,))
    assert not (tmp_path / "eval").exists()


@pytest.mark.parametrize("override, field", [
    ("train.batch_size=0", "train.batch_size"),
    ("seed=-1", "seed"),
    ("train.warmup_ratio=1.5", "train.warmup_ratio"),
    ("train.learning_rate=-0.1", "train.learning_rate"),
])
def test_train_numeric_config_values_are_checked(capsys, train_config, tmp_path, override, field):
    out = tmp_path / "run"
    refused(capsys, train_config.parent, "train", train_config, "--output", out, "--set", override,
            expect=(f"field '{field}'",))


def test_python_api_checks_batch_size_and_max_length(model):
    from stance.errors import StanceError
    from stance.model import StanceClassifier

    clf = StanceClassifier.from_pretrained(model)
    with pytest.raises(StanceError, match="batch_size"):
        clf.predict([{"text": "The talks were useful."}], batch_size=-1)
    with pytest.raises(StanceError, match="max_length"):
        StanceClassifier.from_pretrained(model, max_length=0)


# =========================================================================== 5. stale reruns
def test_rerun_after_editing_the_article_never_returns_the_old_statements(capsys, desk, model, tmp_path):
    out = tmp_path / "run"
    assert cli(capsys, *run_argv(desk / "a1.txt", model, out))[0] == 0
    before = snapshot(out)
    (desk / "a1.txt").write_text('"Dialogue is the only way," Sergei Lavrov said.\n', encoding="utf-8")
    code, err = cli(capsys, *run_argv(desk / "a1.txt", model, out))
    assert code == 2, err
    one_line(err, str(out), "--overwrite")
    assert snapshot(out) == before


def test_rerun_after_replacing_the_model_weights_is_refused(capsys, desk, model, tmp_path, tiny_encoder_master):
    from stance.model import StanceClassifier

    out = tmp_path / "run"
    assert cli(capsys, *run_argv(desk / "a1.txt", model, out))[0] == 0
    import torch

    torch.manual_seed(1)
    StanceClassifier.from_pretrained(tiny_encoder_master, labels=LABELS, max_length=64).save_pretrained(model)
    code, err = cli(capsys, *run_argv(desk / "a1.txt", model, out))
    assert code == 2, err
    one_line(err, str(out))


# =========================================================================== 6. special files as --output
@pytest.mark.parametrize("command", ["predict", "extract", "annotate"])
def test_a_fifo_as_output_is_refused_and_stays_a_fifo(capsys, desk, model, tmp_path, command):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    argv = {
        "predict": ["predict", "--model", model, "--input", desk / "gold.jsonl", "--output", fifo],
        "extract": ["extract", desk / "a1.txt", "--output", fifo],
        "annotate": ["annotate", "export", "--format", "doccano", "--input", desk / "gold.jsonl", "--output", fifo],
    }[command]
    refused(capsys, desk, *argv, expect=("out.fifo", "not a regular file"))
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_as_output_is_refused_and_stays_a_device(capsys, desk, tmp_path):
    node = tmp_path / "null-device"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device of our own, in tmp_path
    refused(capsys, desk, "extract", desk / "a1.txt", "--output", node, expect=("null-device", "not a regular file"))
    assert stat.S_ISCHR(node.lstat().st_mode)


# =========================================================================== 7. CSV formula injection
FORMULAS = ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "'=quoted already"]


def test_annotate_csv_export_neutralises_formulas_and_import_restores_the_text(capsys, tmp_path):
    statements = tmp_path / "in.jsonl"
    statements.write_text(jsonl(*(rec(i, text=t, source=t if i == 0 else None, stance="neutral")
                                  for i, t in enumerate(FORMULAS))), encoding="utf-8")
    tasks = tmp_path / "tasks.csv"
    assert cli(capsys, "annotate", "export", "--format", "csv", "--input", statements, "--output", tasks)[0] == 0
    rows = list(csv.reader(io.StringIO(tasks.read_text(encoding="utf-8"))))
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", f"live formula cell {cell!r}"
    back = tmp_path / "back.jsonl"
    code, err = cli(capsys, "annotate", "import", "--format", "csv", "--input", tasks, "--output", back)
    assert code == 0, err
    texts = [json.loads(line)["text"] for line in back.read_text(encoding="utf-8").splitlines()]
    assert texts == FORMULAS


def test_run_statements_csv_has_no_live_formula(capsys, model, tmp_path):
    arts = tmp_path / "arts.jsonl"
    arts.write_text(jsonl({"doc_id": "=cmd|' /C calc'!A0", "text": ARTICLE}), encoding="utf-8")
    out = tmp_path / "run"
    assert cli(capsys, *run_argv(arts, model, out))[0] == 0
    rows = list(csv.reader(io.StringIO((out / "statements.csv").read_text(encoding="utf-8"))))
    assert len(rows) > 1
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", f"live formula cell {cell!r}"


# =========================================================================== 8. YAML alias bombs
def bomb(indent: str, levels: int = 7) -> str:
    """A list of nested aliases: a few hundred bytes that expand to 9**levels strings."""
    lol = ", ".join(['"lol"'] * 9)
    lines = [f"{indent}- &a0 [{lol}]"]
    lines += [f"{indent}- &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def bomb_config(tmp_path: Path) -> Path:
    config = tmp_path / "bomb.yaml"
    config.write_text("model:\n  encoding:\n" + bomb("    "), encoding="utf-8")
    assert config.stat().st_size < 600
    return config


def test_a_config_alias_bomb_under_a_string_field_is_refused_with_a_short_line(capsys, tmp_path):
    line = refused(capsys, tmp_path, "train", bomb_config(tmp_path), "--output", tmp_path / "run",
                   expect=("bomb.yaml", "anchors"))
    assert len(line) < 400


@pytest.mark.timing  # a wall-clock bound: run on a quiet machine (pytest -m timing)
def test_a_config_alias_bomb_is_refused_quickly(capsys, tmp_path):
    t0 = time.time()
    refused(capsys, tmp_path, "train", bomb_config(tmp_path), "--output", tmp_path / "run", expect=("anchors",))
    assert time.time() - t0 < 10


def test_a_parties_alias_bomb_is_refused(capsys, desk, tmp_path):
    parties = tmp_path / "parties.yaml"
    parties.write_text("parties:\n  US:\n    name: United States\n    aliases:\n" + bomb("      ") +
                       "  RU:\n    name: Russia\n", encoding="utf-8")
    line = refused(capsys, tmp_path, "extract", desk / "a1.txt", "--parties", parties, "--output",
                   tmp_path / "s.jsonl", expect=("parties.yaml", "anchors"))
    assert len(line) < 400


def test_an_error_never_prints_an_unbounded_value(capsys, tmp_path):
    config = tmp_path / "long.yaml"
    config.write_text("model:\n  encoding: " + "x" * 100_000 + "\n", encoding="utf-8")
    line = refused(capsys, tmp_path, "train", config, "--output", tmp_path / "run",
                   expect=("long.yaml", "field 'model.encoding'"))
    assert len(line) < 500


# =========================================================================== 9. articles from a pipe
def test_an_article_from_a_pipe_is_read_once(capsys, tmp_path):
    fifo = tmp_path / "a1.txt"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer() -> None:  # like `<(cat a1.txt)`: the text once; any later open reads nothing
        first = True
        while not stop.is_set():
            fd = os.open(fifo, os.O_WRONLY)
            if first:
                os.write(fd, ARTICLE.encode())
                first = False
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    out = tmp_path / "s.jsonl"
    try:
        code, err = cli(capsys, "extract", fifo, "--output", out)
    finally:
        stop.set()
        with __import__("contextlib").suppress(OSError):  # release a writer blocked in open()
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert code == 0, err
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) >= 1 and all(json.loads(r)["doc_id"] == "a1" for r in rows)


# =========================================================================== 10. resume checks the config
@pytest.fixture
def interrupted_run(capsys, train_config, tmp_path, monkeypatch) -> Path:
    """A training run stopped right after its first checkpoint."""
    import stance.train as train

    config = train_config.read_text(encoding="utf-8").replace("epochs: 0", "epochs: 1\n  batch_size: 1\n"
                                                                             "  checkpoint_every: 1")
    train_config.write_text(config + "labels: [negative, neutral, positive]\n", encoding="utf-8")
    real = train._save_checkpoint

    def stop_after(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "_save_checkpoint", stop_after)
    out = tmp_path / "run"
    assert cli(capsys, "train", train_config, "--output", out)[0] == 130
    monkeypatch.setattr(train, "_save_checkpoint", real)
    assert (out / "checkpoint" / "state.pt").exists()
    return out


@pytest.mark.parametrize("override, key", [
    ("labels=[positive,neutral,negative]", "labels"),
    ("seed=7", "seed"),
    ("train.learning_rate=0.5", "train.learning_rate"),
    ("model.encoding=pair", "model.encoding"),
])
def test_resume_with_another_config_is_refused_naming_the_keys(capsys, interrupted_run, train_config, override, key):
    refused(capsys, interrupted_run, "train", train_config, "--output", interrupted_run, "--resume",
            "--set", override, expect=(key, "--resume"))


def test_resume_of_a_state_pt_holding_a_pickle_never_suggests_unsafe_loading(capsys, interrupted_run, train_config):
    import pickle

    (interrupted_run / "checkpoint" / "state.pt").write_bytes(pickle.dumps(Path("x")))
    line = refused(capsys, interrupted_run, "train", train_config, "--output", interrupted_run, "--resume",
                   expect=("state.pt",))
    assert "weights_only" not in line


# =========================================================================== 11. doc_id is a name, not a path
@pytest.mark.parametrize("doc_id", ["../secret/api_keys", "/etc/hostname", "a\x00b"])
def test_annotate_export_never_reads_a_file_a_doc_id_points_to(capsys, tmp_path, doc_id):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "api_keys.txt").write_text("KEY=hunter2\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "in.jsonl").write_text(jsonl(rec(1, doc_id=doc_id, start=0, end=10)), encoding="utf-8")
    out = tmp_path / "tasks.json"
    refused(capsys, tmp_path, "annotate", "export", "--input", work / "in.jsonl", "--output", out,
            expect=("in.jsonl:1:", "field 'doc_id'"))


# =========================================================================== 12. crafted input: one line
@pytest.mark.parametrize("line, fragment", [
    ('{"doc_id": "d1", "statement_id": "1", "text": "x", "n": ' + "9" * 5000 + "}", "in.jsonl:1:"),
    ('{"doc_id": "d1", "statement_id": "1", "text": ' + "[" * 100_000 + "]" * 100_000 + "}", "in.jsonl:1:"),
    ('{"doc_id": "d1", "statement_id": "1", "text": "caf\\ud800"}', "field 'text'"),
])
def test_predict_crafted_json_lines_are_one_line(capsys, tmp_path, model, line, fragment):
    (tmp_path / "in.jsonl").write_text(line + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    refused(capsys, tmp_path, "predict", "--model", model, "--input", tmp_path / "in.jsonl", "--output", out,
            expect=("in.jsonl", fragment))


def test_labelstudio_value_not_an_object_is_one_line(capsys, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": 1, "data": {"text": "Talks.", "doc_id": "d1", "statement_id": "1"},
                                   "annotations": [{"completed_by": 1, "result": [
                                       {"from_name": "stance", "type": "choices", "value": "oops"}]}]}]),
                      encoding="utf-8")
    refused(capsys, tmp_path, "annotate", "import", "--input", export, "--output", tmp_path / "g.jsonl",
            expect=("export.json", "value"))


def test_doccano_cats_not_a_list_is_one_line(capsys, tmp_path):
    export = tmp_path / "ann.jsonl"
    export.write_text(jsonl({"text": "Talks.", "cats": 5, "doc_id": "d1", "statement_id": "1"}), encoding="utf-8")
    refused(capsys, tmp_path, "annotate", "import", "--format", "doccano", "--input", export,
            "--output", tmp_path / "g.jsonl", expect=("ann.jsonl:1:", "field 'cats'"))


@pytest.mark.parametrize("damage", ["utf8", "crc"])
def test_a_damaged_doccano_zip_is_one_line(capsys, tmp_path, damage):
    archive = tmp_path / "export.zip"
    payload = jsonl({"text": "Talks were useful.", "cats": ["neutral"], "doc_id": "d1", "statement_id": "1"}).encode()
    if damage == "utf8":
        payload = payload.replace(b"useful", b"usef\xff\xfel")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("alice.jsonl", payload)
    if damage == "crc":
        data = bytearray(archive.read_bytes())
        at = data.find(b"useful")
        data[at] = ord("U")
        archive.write_bytes(bytes(data))
    refused(capsys, tmp_path, "annotate", "import", "--format", "doccano", "--input", archive,
            "--output", tmp_path / "g.jsonl", expect=("export.zip",))


def test_a_model_head_with_five_labels_for_three_is_one_line(capsys, tmp_path, model, desk, tiny_encoder_master):
    from transformers import AutoModelForSequenceClassification

    AutoModelForSequenceClassification.from_pretrained(
        tiny_encoder_master, num_labels=5, ignore_mismatched_sizes=True).save_pretrained(model)
    refused(capsys, desk, "predict", "--model", model, "--input", desk / "gold.jsonl",
            "--output", tmp_path / "p.jsonl", expect=(str(model),))


def test_a_truncated_safetensors_file_is_one_line(capsys, tmp_path, model, desk):
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    refused(capsys, desk, "predict", "--model", model, "--input", desk / "gold.jsonl",
            "--output", tmp_path / "p.jsonl", expect=("model.safetensors",))


def test_disk_full_is_one_line_and_leaves_no_partial_file(capsys, tmp_path, desk, model, monkeypatch):
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "out"
    out.mkdir()
    refused(capsys, out, "predict", "--model", model, "--input", desk / "gold.jsonl", "--output", out / "p.jsonl",
            expect=("p.jsonl", "No space left"))


def test_a_run_folder_that_cannot_be_created_is_one_line(capsys, tmp_path, desk, model, monkeypatch):
    real = Path.mkdir

    def read_only(self: Path, *args, **kwargs) -> None:
        if "locked" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    refused(capsys, desk, *run_argv(desk / "a1.txt", model, tmp_path / "locked" / "run"),
            expect=("locked", "Permission denied"))


def test_an_internal_bug_is_exit_1_with_one_line_pointing_to_debug(capsys, desk, tmp_path, monkeypatch):
    import stance.evaluate

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(stance.evaluate, "evaluate_files", broken)
    refused(capsys, desk, "evaluate", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
            expect=("internal error", "--debug"), code=1)


# =========================================================================== 13. smaller
def test_metrics_json_is_strict_json_without_nan(capsys, train_config, tmp_path):
    # no dev set: the dev macro-F1 of each evaluation is undefined (NaN), and is written as null
    train_config.write_text(train_config.read_text(encoding="utf-8").replace("epochs: 0", "epochs: 1"),
                            encoding="utf-8")
    out = tmp_path / "run"
    code, err = cli(capsys, "train", train_config, "--output", out)
    assert code == 0, err

    def refuse(name: str) -> None:
        raise ValueError(f"{name} in metrics.json")

    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert metrics["dev"]["history"][-1]["dev_macro_f1"] is None


@pytest.mark.parametrize("start", ["-5", "1" + "0" * 30])
def test_annotate_import_refuses_bad_offsets(capsys, tmp_path, start):
    ann = tmp_path / "ann.csv"
    ann.write_text("doc_id,statement_id,passage,content,start,end,stance,annotator\n"
                   f"d1,1,Talks were useful.,Talks,{start},5,neutral,alice\n", encoding="utf-8")
    refused(capsys, tmp_path, "annotate", "import", "--format", "csv", "--input", ann, "--output",
            tmp_path / "g.jsonl", expect=("ann.csv:2:", "field 'start'"))


def test_a_model_config_with_duplicate_labels_is_refused(capsys, tmp_path, model, desk):
    meta_path = model / "stance_config.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["labels"] = ["negative", "negative", "positive"]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    refused(capsys, desk, "predict", "--model", model, "--input", desk / "gold.jsonl",
            "--output", tmp_path / "p.jsonl", expect=("stance_config.json", "labels", "negative"))


def test_a_failed_write_leaves_no_earlier_file_of_the_same_command(capsys, desk, tmp_path, monkeypatch):
    import stance.evaluate

    real = stance.evaluate.write_text if hasattr(stance.evaluate, "write_text") else None

    def fail(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stance.evaluate, "write_text", fail, raising=False)
    if real is None:
        pytest.fail("evaluate writes its report through stance.io.write_text")
    out = tmp_path / "eval"
    code, err = cli(capsys, "evaluate", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
                    "--output", out, "--bootstrap", "10")
    assert code == 2, err
    one_line(err, "No space left")
    assert not out.exists() or snapshot(out) == {}


# =========================================================================== 14. hand labels round trip
@pytest.mark.parametrize("fmt, name", [("labelstudio", "tasks.json"), ("csv", "tasks.csv"), ("doccano", "t.jsonl")])
def test_hand_labels_survive_an_export_import_round_trip(capsys, tmp_path, fmt, name):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(jsonl(rec(1, stance="neutral", label_source="human", annotator="alice"),
                          rec(2, stance="negative", label_source="human", annotator="alice")), encoding="utf-8")
    tasks, back = tmp_path / name, tmp_path / "back.jsonl"
    assert cli(capsys, "annotate", "export", "--format", fmt, "--input", gold, "--output", tasks)[0] == 0
    code, err = cli(capsys, "annotate", "import", "--format", fmt, "--input", tasks, "--output", back)
    assert code == 0, err
    rows = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    assert [(r["statement_id"], r["stance"], r["label_source"]) for r in rows] == [
        ("1", "neutral", "human"), ("2", "negative", "human")]


def test_predict_marks_its_labels_as_model_labels_and_export_offers_them_as_predictions(capsys, tmp_path, desk, model):
    pred, tasks = tmp_path / "pred.jsonl", tmp_path / "tasks.json"
    assert cli(capsys, "predict", "--model", model, "--input", desk / "gold.jsonl", "--output", pred)[0] == 0
    rows = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    assert {r["label_source"] for r in rows} == {"model"}
    assert cli(capsys, "annotate", "export", "--input", pred, "--output", tasks)[0] == 0
    exported = json.loads(tasks.read_text(encoding="utf-8"))
    assert all("predictions" in t and "annotations" not in t for t in exported)


def test_the_cases_cover_every_command():
    source = Path(__file__).read_text(encoding="utf-8")
    for command in ("train", "predict", "evaluate", "compare", "extract", "run", "annotate", "demo"):
        assert f'"{command}"' in source or f"'{command}'" in source or f"{command}_argv" in source


def test_compare_refuses_output_over_its_input_and_negative_bootstrap(capsys, desk, tmp_path):
    refused(capsys, desk, "compare", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
            "--pred", desk / "gold.jsonl", "--output", desk, expect=("gold.jsonl", "input"))
    refused(capsys, desk, "compare", "--gold", desk / "gold.jsonl", "--pred", desk / "gold.jsonl",
            "--pred", desk / "gold.jsonl", "--output", tmp_path / "c", "--bootstrap", "-1", expect=("--bootstrap",))


def test_annotate_agree_refuses_a_folder_of_the_users(capsys, tmp_path, desk):
    a, b = tmp_path / "alice.jsonl", tmp_path / "bob.jsonl"
    a.write_text(jsonl(rec(1, stance="neutral", annotator="alice")), encoding="utf-8")
    b.write_text(jsonl(rec(1, stance="negative", annotator="bob")), encoding="utf-8")
    refused(capsys, desk, "annotate", "agree", "--input", a, b, "--output", desk, expect=(str(desk), "not empty"))


def test_labelstudio_export_with_a_huge_integer_is_one_line(capsys, tmp_path):
    export = tmp_path / "export.json"
    export.write_text('[{"data": {"text": "Talks.", "doc_id": "d1", "statement_id": "1", "n": ' + "7" * 5000 + "}}]",
                      encoding="utf-8")
    refused(capsys, tmp_path, "annotate", "import", "--input", export, "--output", tmp_path / "g.jsonl",
            expect=("export.json", "malformed JSON"))


def test_run_overwrite_with_the_same_inputs_starts_again(capsys, desk, model, tmp_path):
    out = tmp_path / "run"
    assert cli(capsys, *run_argv(desk / "a1.txt", model, out))[0] == 0
    part = out / "parts" / "part-000000.jsonl"
    part.write_text("", encoding="utf-8")  # as if damaged: --overwrite must not reuse it
    assert cli(capsys, *run_argv(desk / "a1.txt", model, out, "--overwrite"))[0] == 0
    assert part.read_text(encoding="utf-8").strip()


def test_resume_config_check_names_each_changed_key_in_turn(tmp_path, train_config):
    import yaml

    from stance.config import load_config, save_config
    from stance.errors import InputError
    from stance.train import RESUME_FREE_KEYS, _flat, check_resume_config

    config = load_config(train_config)
    save_config(config, tmp_path / "config.yaml")
    check_resume_config(tmp_path, config)  # the same config resumes
    keys = [k for k in _flat(config.to_dict()) if k not in RESUME_FREE_KEYS]
    assert len(keys) > 30
    for key in keys:
        saved = config.to_dict()
        node = saved
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = f"changed {node[leaf]!r}"
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(saved), encoding="utf-8")
        with pytest.raises(InputError) as info:
            check_resume_config(tmp_path, config)
        assert info.value.field == key and "--resume" in str(info.value), key


def test_a_config_nested_100k_deep_is_one_line(capsys, tmp_path):
    config = tmp_path / "deep.yaml"
    config.write_text("labels: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    refused(capsys, tmp_path, "train", config, "--output", tmp_path / "run", expect=("deep.yaml", "YAML"))
