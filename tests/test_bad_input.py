"""Bad input to every command that reads files: one clear line, exit code 2, nothing left behind.

Each case writes a few small invented files, runs ``stance.cli.main([...])`` in-process and checks
the contract of issue 7: exit code 2; stderr is one line starting with ``error:`` that names the
file (and the line and field where they apply); no traceback; and no output file, run folder or
temporary file left behind.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from stance.cli import main
from stance.errors import InputError

REPO = Path(__file__).resolve().parent.parent
PARTIES = REPO / "configs" / "parties" / "us_russia.yaml"
LABELS = ["negative", "neutral", "positive"]


# --------------------------------------------------------------------------- invented inputs
def rec(i: int, **fields: object) -> dict:
    return {"doc_id": "d1", "statement_id": str(i), "text": f"Officials said round {i} of the talks was useful.",
            **fields}


def jsonl(*rows: dict | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


GOOD = jsonl(rec(1), rec(2))
GOLD = jsonl(rec(1, stance="neutral"), rec(2, stance="negative"), rec(3, stance="positive"))
ARTICLE = "Vladimir Putin said on Tuesday that the talks had been useful."
ARTICLES = jsonl({"doc_id": "a1", "text": ARTICLE})
BINARY = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))  # a zip header: NUL bytes at once
PARTY_UNKNOWN_FIELD = "parties:\n  US:\n    name: United States\n    colour: blue\n  RU:\n    name: Russia\n"


@dataclass
class Case:
    """``argv`` with ``{tmp}``, ``{out}``, ``{model}`` and ``{parties}`` filled in; ``files`` written to
    ``{tmp}`` first; every string of ``expect`` must be in the error line; ``model`` breaks the model
    folder: ``drop:NAMES`` removes files, ``corrupt:NAME`` truncates one, ``bin-only`` swaps the
    safetensors for ``pytorch_model.bin``."""

    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    expect: tuple[str, ...] = ()
    model: str | None = None


def case(name: str, argv: list[str], files: dict[str, str | bytes], *expect: str, model: str | None = None) -> object:
    return pytest.param(Case(argv, files, expect, model), id=name)


PREDICT = ["predict", "--model", "{model}", "--input", "{tmp}/in.jsonl", "--output", "{out}/pred.jsonl"]
NO_MODEL = [*PREDICT[:2], "{tmp}/no-such-model", *PREDICT[3:]]
EVALUATE = ["evaluate", "--gold", "{tmp}/gold.jsonl", "--pred", "{tmp}/pred.jsonl", "--output", "{out}/eval",
            "--bootstrap", "20"]
EXTRACTION = ["evaluate", "--task", "extraction", "--gold", "{tmp}/gold.jsonl", "--pred", "{tmp}/pred.jsonl",
              "--output", "{out}/eval"]
COMPARE = ["compare", "--gold", "{tmp}/gold.jsonl", "--pred", "{tmp}/a.jsonl", "--pred", "{tmp}/b.jsonl",
           "--output", "{out}/compare", "--bootstrap", "20"]
TRAIN = ["train", "{tmp}/exp.yaml", "--output", "{out}/run", "--set", "model.name_or_path={model}"]
DEMO = ["demo", "--config", "{tmp}/exp.yaml", "--output", "{out}/demo"]
EXTRACT = ["extract", "{tmp}/articles.jsonl", "--output", "{out}/statements.jsonl"]
RUN = ["run", "{tmp}/articles.jsonl", "--model", "{model}", "--parties", "{parties}", "--output", "{out}/run"]
ANNOTATE = ["annotate", "export", "--input", "{tmp}/in.jsonl", "--output", "{out}/tasks.json"]

SPANS = jsonl({"doc_id": "a1", "statement_id": "s1", "content": "the talks had been useful", "start": 36, "end": 61},
              {"doc_id": "a1", "statement_id": "s2", "content": "useful", "start": 55, "end": 61})
TRAIN_DATA = "data:\n  train: ['jsonl:{tmp}/train.jsonl']\n  dev: []\n  test: []\ntrain:\n  epochs: 0\n"
TRAIN_SET = jsonl(rec(1, stance="neutral"), rec(2, stance="negative"))
TWICE = jsonl({"doc_id": "a1", "text": ARTICLE}, {"doc_id": "a1", "text": ARTICLE})

CASES = [
    # ---------------------------------------------------------------- predict: the statements file
    case("predict-malformed-json-line", PREDICT, {"in.jsonl": jsonl(rec(1), '{"doc_id": "d1", ')},
         "in.jsonl:2:", "malformed JSON"),
    case("predict-invalid-utf8", PREDICT, {"in.jsonl": GOOD.encode() + b'{"doc_id": "d1", "text": "caf\xe9"}\n'},
         "in.jsonl:3:", "invalid UTF-8"),
    case("predict-binary-file", PREDICT, {"in.jsonl": BINARY}, "in.jsonl:1:", "binary"),
    case("predict-empty-file", PREDICT, {"in.jsonl": ""}, "in.jsonl:", "empty"),
    case("predict-blank-lines-only", PREDICT, {"in.jsonl": "\n  \n\n"}, "in.jsonl:", "empty"),
    case("predict-line-not-an-object", PREDICT, {"in.jsonl": jsonl(rec(1), '["d1", "2", "text"]')},
         "in.jsonl:2:", "expected a JSON object, got list"),
    case("predict-missing-text", PREDICT, {"in.jsonl": jsonl({"doc_id": "d1", "statement_id": "1", "source": "Putin"})},
         "in.jsonl:1:", "field 'text'", "missing"),
    case("predict-missing-doc-id", PREDICT, {"in.jsonl": jsonl(rec(1), {"statement_id": "2", "text": "Talks."})},
         "in.jsonl:2:", "field 'doc_id'", "missing"),
    case("predict-doc-id-is-a-list", PREDICT, {"in.jsonl": jsonl({**rec(1), "doc_id": ["d1"]})},
         "in.jsonl:1:", "field 'doc_id'", "got list"),
    case("predict-text-is-a-number", PREDICT, {"in.jsonl": jsonl(rec(1, text=42))},
         "in.jsonl:1:", "field 'text'", "got int"),
    case("predict-span-not-an-int", PREDICT,
         {"in.jsonl": jsonl(rec(1, source="Officials", source_start="0", source_end=9))},
         "in.jsonl:1:", "field 'source_start'", "integer"),
    case("predict-span-outside-text", PREDICT, {"in.jsonl": jsonl(rec(1), rec(2, target_start=30, target_end=300))},
         "in.jsonl:2:", "field 'target_start'", "not inside text"),
    case("predict-scores-not-an-object", PREDICT, {"in.jsonl": jsonl(rec(1, scores="high"))},
         "in.jsonl:1:", "field 'scores'"),
    case("predict-duplicated-id", PREDICT, {"in.jsonl": jsonl(rec(1), rec(2), rec(1))},
         "in.jsonl:3:", "field 'statement_id'", "duplicated id", "first on line 1"),
    case("predict-missing-input-file", PREDICT, {}, "in.jsonl", "file not found"),
    case("predict-input-is-a-directory", PREDICT, {"in.jsonl/keep.txt": "x"}, "in.jsonl", "is a directory"),
    # ---------------------------------------------------------------- predict: the model folder
    case("model-folder-without-config", PREDICT, {"in.jsonl": GOOD}, "config.json", "missing config.json",
         model="drop:config.json"),
    case("model-folder-without-weights", PREDICT, {"in.jsonl": GOOD}, "model.safetensors", "missing",
         model="drop:model.safetensors"),
    case("model-folder-with-pytorch-bin-only", PREDICT, {"in.jsonl": GOOD}, "model.safetensors", "only safetensors",
         model="bin-only"),
    case("model-folder-without-tokenizer", PREDICT, {"in.jsonl": GOOD}, "tokenizer", "no tokenizer files",
         model="drop:tokenizer.json,tokenizer_config.json,vocab.txt"),
    case("model-folder-with-corrupt-stance-config", PREDICT, {"in.jsonl": GOOD}, "stance_config.json:1:",
         "malformed JSON", model="corrupt:stance_config.json"),
    case("model-folder-with-corrupt-config", PREDICT, {"in.jsonl": GOOD}, "cannot load model", "config.json",
         "not a valid JSON", model="corrupt:config.json"),
    case("model-folder-missing", NO_MODEL, {"in.jsonl": GOOD}, "no-such-model", "model folder not found"),
    case("model-is-a-file", [*PREDICT[:2], "{tmp}/in.jsonl", *PREDICT[3:]], {"in.jsonl": GOOD},
         "in.jsonl", "expected a model folder"),
    # ---------------------------------------------------------------- evaluate
    case("evaluate-unknown-label", EVALUATE, {"gold.jsonl": GOLD, "pred.jsonl": jsonl(
        rec(1, stance="neutral"), rec(2, stance="maybe"), rec(3, stance="positive"))},
        "pred.jsonl:2:", "field 'stance'", "unknown label 'maybe'"),
    case("evaluate-gold-id-missing-from-predictions", EVALUATE,
         {"gold.jsonl": GOLD, "pred.jsonl": jsonl(rec(1, stance="neutral"), rec(3, stance="positive"))},
         "pred.jsonl", "field 'statement_id'", "1 gold statement(s) have no prediction", "statement_id='2'",
         "gold.jsonl line 2"),
    case("evaluate-prediction-id-missing-from-gold", EVALUATE, {"gold.jsonl": GOLD, "pred.jsonl": GOLD + jsonl(
        rec(4, stance="neutral"))}, "pred.jsonl:4:", "field 'statement_id'", "statement_id='4' has no gold statement"),
    case("evaluate-gold-without-label", EVALUATE, {"gold.jsonl": jsonl(rec(1, stance="neutral"), rec(2)),
                                                   "pred.jsonl": GOLD},
         "gold.jsonl:2:", "field 'stance'", "missing label"),
    case("evaluate-label-not-a-string", EVALUATE, {"gold.jsonl": GOLD, "pred.jsonl": jsonl(rec(1, stance=1))},
         "pred.jsonl:1:", "field 'stance'", "expected a label string, got int"),
    case("evaluate-duplicated-prediction", EVALUATE,
         {"gold.jsonl": GOLD, "pred.jsonl": jsonl(rec(1, stance="neutral"), rec(1, stance="neutral"))},
         "pred.jsonl:2:", "field 'statement_id'", "duplicated id"),
    case("evaluate-malformed-gold", EVALUATE,
         {"gold.jsonl": GOLD + '{"doc_id": "d1" "statement_id": "4"}\n', "pred.jsonl": GOLD},
         "gold.jsonl:4:", "malformed JSON"),
    case("evaluate-gold-in-utf16", EVALUATE, {"gold.jsonl": b"\xff\xfe" + "{}".encode("utf-16-le"), "pred.jsonl": GOLD},
         "gold.jsonl:1:", "UTF-16 encoded", "save it as UTF-8"),
    case("evaluate-empty-predictions", EVALUATE, {"gold.jsonl": GOLD, "pred.jsonl": ""}, "pred.jsonl", "empty"),
    case("evaluate-binary-predictions", EVALUATE, {"gold.jsonl": GOLD, "pred.jsonl": BINARY},
         "pred.jsonl:1:", "binary"),
    case("evaluate-alias-without-equals", [*EVALUATE, "--alias", "confrontational"],
         {"gold.jsonl": GOLD, "pred.jsonl": GOLD}, "--alias expects FROM=TO"),
    case("evaluate-extraction-offset-not-an-int", EXTRACTION, {"gold.jsonl": SPANS, "pred.jsonl": jsonl(
        {"doc_id": "a1", "statement_id": "s1", "content": "the talks", "start": "36", "end": 45})},
        "pred.jsonl:1:", "field 'start'", "integer offset"),
    case("evaluate-extraction-span-length", EXTRACTION, {"gold.jsonl": SPANS, "pred.jsonl": jsonl(
        {"doc_id": "a1", "statement_id": "s1", "content": "the talks", "start": 36, "end": 61})},
        "pred.jsonl:1:", "field 'end'", "has length 25 but content has 9"),
    case("evaluate-extraction-duplicated-id", EXTRACTION, {"gold.jsonl": SPANS + SPANS, "pred.jsonl": SPANS},
         "gold.jsonl:3:", "field 'statement_id'", "duplicated id"),
    # ---------------------------------------------------------------- compare
    case("compare-one-pred", COMPARE[:5] + COMPARE[7:], {"gold.jsonl": GOLD, "a.jsonl": GOLD},
         "field 'pred'", "exactly two prediction files", "got 1"),
    case("compare-three-preds", [*COMPARE, "--pred", "{tmp}/a.jsonl"],
         {"gold.jsonl": GOLD, "a.jsonl": GOLD, "b.jsonl": GOLD}, "field 'pred'", "exactly two prediction files", "got 3"),
    case("compare-pred-missing-ids", COMPARE,
         {"gold.jsonl": GOLD, "a.jsonl": GOLD, "b.jsonl": jsonl(rec(1, stance="neutral"))},
         "b.jsonl", "2 gold statement(s) have no prediction"),
    # ---------------------------------------------------------------- train and demo: the config
    case("train-config-unknown-key", TRAIN, {"exp.yaml": "epochs: 3\n"}, "exp.yaml", "field 'epochs'",
         "unknown config key", "valid keys: name, seed, label_field, labels, baselines, data, model, train, evaluation"),
    case("train-config-unknown-nested-key", TRAIN, {"exp.yaml": "train:\n  epoch: 3\n"},
         "exp.yaml", "field 'train.epoch'", "valid keys under train: epochs, max_steps"),
    case("train-set-unknown-key", [*TRAIN, "--set", "model.dropout=0.2"], {"exp.yaml": "name: x\n"},
         "field 'model.dropout'", "valid keys under model: name_or_path"),
    case("train-config-invalid-yaml", TRAIN, {"exp.yaml": "train:\n  epochs: [1\nseed: 3\n"},
         "exp.yaml:3:", "invalid YAML"),
    case("train-config-wrong-type", TRAIN, {"exp.yaml": "train:\n  epochs: many\n"},
         "exp.yaml", "field 'train.epochs'", "expected a number, got 'many'"),
    case("train-config-float-for-int", TRAIN, {"exp.yaml": "train:\n  batch_size: 2.5\n"},
         "exp.yaml", "field 'train.batch_size'", "expected an integer"),
    case("train-config-value-not-allowed", TRAIN, {"exp.yaml": "model:\n  encoding: tags\n"},
         "exp.yaml", "field 'model.encoding'", "'tags' is not one of ['markers', 'pair']"),
    case("train-config-not-a-mapping", TRAIN, {"exp.yaml": "- dse:train\n- dse:test\n"}, "exp.yaml", "expected a mapping"),
    case("train-config-python-tag", TRAIN, {"exp.yaml": "name: !!python/object/apply:os.system ['echo owned']\n"},
         "exp.yaml:1:", "invalid YAML", "python/object/apply"),
    case("train-config-invalid-utf8", TRAIN, {"exp.yaml": b"name: caf\xe9\n"}, "exp.yaml:1:", "invalid UTF-8"),
    case("train-config-missing", TRAIN, {}, "exp.yaml", "file not found"),
    case("train-config-is-a-directory", TRAIN, {"exp.yaml/keep.txt": "x"}, "exp.yaml", "is a directory"),
    case("demo-config-unknown-key", DEMO, {"exp.yaml": "epochs: 3\n"}, "exp.yaml", "field 'epochs'",
         "unknown config key"),
    # ---------------------------------------------------------------- train: the data and model it names
    case("train-unknown-corpus", TRAIN, {"exp.yaml": "data:\n  train: [nosuch:train]\n"}, "unknown corpus 'nosuch'"),
    case("train-malformed-training-file", TRAIN, {"exp.yaml": TRAIN_DATA, "train.jsonl": jsonl(rec(1), "{oops")},
         "train.jsonl:2:", "malformed JSON"),
    case("train-training-record-without-label", TRAIN,
         {"exp.yaml": TRAIN_DATA, "train.jsonl": jsonl(rec(1, stance="neutral"), rec(2))},
         "train.jsonl", "field 'stance'", "record d1/2 has no label"),
    case("train-model-folder-missing", [*TRAIN, "--set", "model.name_or_path={tmp}/no-such-model"],
         {"exp.yaml": TRAIN_DATA, "train.jsonl": TRAIN_SET}, "no-such-model", "model folder not found"),
    case("train-model-folder-without-weights", TRAIN, {"exp.yaml": TRAIN_DATA, "train.jsonl": TRAIN_SET},
         "model.safetensors", "missing", model="drop:model.safetensors"),
    # ---------------------------------------------------------------- extract and run: articles, parties, gold
    case("extract-article-without-text", EXTRACT, {"articles.jsonl": jsonl({"doc_id": "a1", "title": "no text"})},
         "articles.jsonl:1:", "field 'text'"),
    case("extract-duplicated-doc-id", EXTRACT, {"articles.jsonl": TWICE},
         "articles.jsonl:2:", "field 'doc_id'", "duplicated doc_id 'a1'"),
    case("extract-txt-invalid-utf8", ["extract", "{tmp}/a1.txt", "--output", "{out}/statements.jsonl"],
         {"a1.txt": b"Putin said \xff."}, "a1.txt:1:", "invalid UTF-8"),
    case("extract-missing-articles", EXTRACT, {}, "articles.jsonl", "file not found"),
    case("extract-party-unknown-field", [*EXTRACT, "--parties", "{tmp}/parties.yaml"],
         {"articles.jsonl": ARTICLES, "parties.yaml": PARTY_UNKNOWN_FIELD}, "parties.yaml", "field 'parties.US'",
         "colour"),
    case("extract-party-invalid-yaml", [*EXTRACT, "--parties", "{tmp}/parties.yaml"],
         {"articles.jsonl": ARTICLES, "parties.yaml": "parties:\n  US: [\n"}, "parties.yaml", "YAML"),
    case("run-article-without-text", RUN, {"articles.jsonl": jsonl({"doc_id": "a1", "text": ARTICLE}, {"doc_id": "a2"})},
         "articles.jsonl:2:", "field 'text'"),
    case("run-duplicated-doc-id", RUN, {"articles.jsonl": TWICE},
         "articles.jsonl:2:", "field 'doc_id'", "duplicated doc_id 'a1'"),
    case("run-party-unknown-field", [*RUN[:5], "{tmp}/parties.yaml", *RUN[6:]],
         {"articles.jsonl": ARTICLES, "parties.yaml": PARTY_UNKNOWN_FIELD}, "parties.yaml", "field 'parties.US'",
         "colour"),
    case("run-model-folder-missing", [*RUN[:2], "--model", "{tmp}/no-such-model", *RUN[4:]],
         {"articles.jsonl": ARTICLES}, "no-such-model", "model folder not found"),
    case("run-gold-without-label", [*RUN, "--gold", "{tmp}/gold.jsonl"],
         {"articles.jsonl": ARTICLES, "gold.jsonl": jsonl(rec(1))}, "gold.jsonl:1:", "field 'stance'", "missing label"),
    # ---------------------------------------------------------------- annotate
    case("annotate-export-malformed-json", ANNOTATE, {"in.jsonl": jsonl(rec(1), "{oops")},
         "in.jsonl:2:", "malformed JSON"),
    case("annotate-import-labelstudio-not-a-list",
         ["annotate", "import", "--input", "{tmp}/export.json", "--output", "{out}/ann.jsonl"],
         {"export.json": '"tasks"'}, "export.json", "expected a JSON list"),
    case("annotate-import-csv-missing-columns",
         ["annotate", "import", "--format", "csv", "--input", "{tmp}/ann.csv", "--output", "{out}/ann.jsonl"],
         {"ann.csv": "doc_id,text\nd1,hello\n"}, "ann.csv:1:", "CSV needs the columns"),
    case("annotate-agree-binary-file",
         ["annotate", "agree", "--input", "{tmp}/a.jsonl", "{tmp}/b.jsonl", "--output", "{out}/agree"],
         {"a.jsonl": GOLD, "b.jsonl": BINARY}, "b.jsonl:1:", "binary"),
]


# --------------------------------------------------------------------------- machinery
@pytest.fixture(scope="session")
def tiny_model(tiny_encoder_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved three-label classifier on the tiny random encoder (what ``--model`` takes)."""
    from stance.model import StanceClassifier

    path = tmp_path_factory.mktemp("bad-input") / "model"
    StanceClassifier.from_pretrained(tiny_encoder_master, labels=LABELS, max_length=64).save_pretrained(path)
    return path


def broken_model(model: Path, how: str, dest: Path) -> Path:
    shutil.copytree(model, dest)
    kind, _, names = how.partition(":")
    if kind == "drop":
        for name in names.split(","):
            (dest / name).unlink(missing_ok=True)
    elif kind == "corrupt":
        (dest / names).write_text('{"labels": [', encoding="utf-8")
    elif kind == "bin-only":
        import torch
        from safetensors.torch import load_file

        torch.save(load_file(dest / "model.safetensors"), dest / "pytorch_model.bin")
        (dest / "model.safetensors").unlink()
    return dest


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def fill(arg: str, **values: object) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", str(value))
    return arg


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_clear_line_and_leaves_nothing_behind(case: Case, tiny_model, tmp_path, capsys):
    tmp, out = tmp_path / "in", tmp_path / "out"
    tmp.mkdir()
    model = broken_model(tiny_model, case.model, tmp / "model") if case.model else tiny_model
    values = {"tmp": tmp, "out": out, "model": model, "parties": PARTIES}
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = fill(content, **values) if isinstance(content, str) else content
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    argv = [fill(a, **values) for a in case.argv]

    code = main(argv)

    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in case.expect:
        assert fragment in lines[0]
    output = Path(argv[argv.index("--output") + 1])
    assert not output.exists()
    assert files_under(out) == []  # no output, no run folder, no temporary file


UNWRITABLE = [
    pytest.param([*PREDICT[:6], "{tmp}/folder"], "folder: is a directory, expected the path of a file", id="predict"),
    pytest.param([*PREDICT[:6], "{tmp}/gold.jsonl/pred.jsonl"], "gold.jsonl is a file, not a folder",
                 id="predict-under-a-file"),
    pytest.param([*EVALUATE[:6], "{tmp}/gold.jsonl"], "gold.jsonl: is a file, expected an output folder", id="evaluate"),
    pytest.param([*TRAIN[:2], "--output", "{tmp}/gold.jsonl", *TRAIN[4:]],
                 "gold.jsonl: is a file, expected an output folder", id="train"),
    pytest.param([*EXTRACT[:2], "--output", "{tmp}/folder"], "folder: is a directory", id="extract"),
    pytest.param([*RUN[:-1], "{tmp}/gold.jsonl"], "gold.jsonl: is a file, expected an output folder", id="run"),
    pytest.param([*ANNOTATE[:-1], "{tmp}/folder"], "folder: is a directory", id="annotate"),
]


@pytest.mark.parametrize("argv, expect", UNWRITABLE)
def test_an_output_path_that_cannot_be_written_is_one_clear_line(argv, expect, tiny_model, tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("kept", encoding="utf-8")
    for name, content in {"in.jsonl": GOOD, "gold.jsonl": GOLD, "pred.jsonl": GOLD, "articles.jsonl": ARTICLES,
                          "exp.yaml": TRAIN_DATA, "train.jsonl": GOLD}.items():
        (tmp_path / name).write_text(fill(content, tmp=tmp_path), encoding="utf-8")
    before = files_under(tmp_path)
    argv = [fill(a, tmp=tmp_path, out=tmp_path / "out", model=tiny_model, parties=PARTIES) for a in argv]

    code = main(argv)

    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert expect in err and "Traceback" not in err
    assert files_under(tmp_path) == before  # nothing written, no temporary file
    assert (tmp_path / "gold.jsonl").read_text(encoding="utf-8") == GOLD


@pytest.mark.parametrize("argv", [PREDICT, [*TRAIN[:1], "{tmp}/in.jsonl", *TRAIN[2:]]], ids=["jsonl", "text"])
def test_a_file_that_cannot_be_read_is_one_clear_line(argv, tiny_model, tmp_path, capsys):
    import socket

    unreadable = tmp_path / "in.jsonl"  # a unix socket: it exists, but open() fails
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(unreadable))
        code = main([fill(a, tmp=tmp_path, out=tmp_path / "out", model=tiny_model) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "in.jsonl: cannot read the file: No such device or address" in err
    assert not (tmp_path / "out").exists()


def test_there_are_at_least_thirty_cases_over_every_command_that_reads_files():
    commands = {c.values[0].argv[0] for c in CASES}
    assert len(CASES) >= 30
    assert commands == {"predict", "evaluate", "compare", "train", "demo", "extract", "run", "annotate"}


def test_debug_shows_the_traceback_instead(tiny_model, tmp_path):
    bad = tmp_path / "in.jsonl"
    bad.write_text(jsonl(rec(1), "{oops"), encoding="utf-8")
    out = tmp_path / "out" / "pred.jsonl"
    with pytest.raises(InputError, match=r"in\.jsonl:2: malformed JSON"):
        main(["predict", "--model", str(tiny_model), "--input", str(bad), "--output", str(out), "--debug"])
    assert not out.exists()


def test_unknown_annotation_format_is_refused_by_argparse(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["annotate", "export", "--format", "brat", "--input", str(tmp_path / "in.jsonl"),
              "--output", str(tmp_path / "tasks.json")])
    assert exit_info.value.code == 2
    assert "invalid choice: 'brat'" in capsys.readouterr().err
    assert not (tmp_path / "tasks.json").exists()


def test_a_text_far_over_the_model_length_is_truncated_with_a_warning(tiny_model, tmp_path, caplog):
    long_text = " ".join(["Putin said the talks with the United States were constructive."] * 300)
    records = tmp_path / "in.jsonl"
    records.write_text(jsonl(rec(1, text=long_text, source="Putin", target="the United States"), rec(2)),
                       encoding="utf-8")
    out = tmp_path / "pred.jsonl"

    code = main(["predict", "--model", str(tiny_model), "--input", str(records), "--output", str(out)])

    assert code == 0
    assert "1 of 2 inputs are longer than 64 tokens and were truncated" in caplog.text
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["statement_id"] for r in rows] == ["1", "2"]
    assert rows[0]["text"] == long_text and rows[0]["stance"] in LABELS


def test_a_max_length_over_the_encoder_limit_is_lowered_with_a_warning(tiny_model, tmp_path, caplog):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    meta = json.loads((model / "stance_config.json").read_text(encoding="utf-8"))
    meta["encoding"]["max_length"] = 4096  # the tiny encoder has 256 positions
    (model / "stance_config.json").write_text(json.dumps(meta), encoding="utf-8")
    records = tmp_path / "in.jsonl"
    records.write_text(jsonl(rec(1, text=" ".join(["The talks were useful."] * 400))), encoding="utf-8")

    code = main(["predict", "--model", str(model), "--input", str(records), "--output", str(tmp_path / "p.jsonl")])

    assert code == 0
    assert "max_length 4096 is more than" in caplog.text and "limit of 256 tokens" in caplog.text
    assert "1 of 1 inputs are longer than 256 tokens and were truncated" in caplog.text
