"""Annotation tools round trip (Label Studio, doccano, CSV) and agreement between annotators."""
from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from stance import annotate
from stance.cli import main
from stance.errors import InputError
from stance.io import read_jsonl, write_jsonl

SEED_DIR = Path(os.environ["STANCE_DATA_DIR"]).parent / "examples"

# An invented article: curly quotes, a non-breaking space, a quote split by its attribution.
ARTICLE = (
    "Ministers meet in Geneva\n"
    "\n"
    "The foreign ministers of Freedonia and Sylvania met on Monday for the first time in a year.\n"
    "\n"
    "“We are ready to talk,” Freedonia’s foreign minister Ana Ruiz told reporters, “but not under threats.”\n"
    "\n"
    "Sylvania’s spokesman said that the talks were constructive.\n"
    "\n"
    "Analysts\u00a0expect a second round in June.\n"
)
SPAN_FIELDS = ("text", "content", "start", "end", "fragments", "speaker", "speaker_start", "speaker_end",
               "cue", "cue_start", "cue_end")


def at(sub: str, text: str = ARTICLE) -> tuple[int, int]:
    start = text.index(sub)
    return start, start + len(sub)


def statements() -> list[dict]:
    """Records as `stance run` writes them: extraction fields, a predicted stance and its scores."""
    q1, q2 = at("“We are ready to talk,”"), at("“but not under threats.”")
    speaker, cue = at("Ana Ruiz"), at("told")
    content2 = at("that the talks were constructive")
    return [
        {
            "doc_id": "geneva", "statement_id": "s001", "kind": "direct",
            "content": ARTICLE[q1[0]:q2[1]], "text": ARTICLE[q1[0]:q2[1]], "start": q1[0], "end": q2[1],
            "fragments": [list(q1), list(q2)],
            "speaker": "Ana Ruiz", "speaker_start": speaker[0], "speaker_end": speaker[1],
            "cue": "told", "cue_start": cue[0], "cue_end": cue[1],
            "speaker_canonical": "Ana Ruiz", "speaker_party": "FR", "target_party": "SY",
            "source": "Ana Ruiz", "target": "Sylvania", "date": "2024-03-04", "outlet": "Example News",
            "stance": "confrontational", "scores": {"confrontational": 0.7, "neutral": 0.2, "conciliatory": 0.1},
        },
        {
            "doc_id": "geneva", "statement_id": "s002", "kind": "indirect",
            "content": "that the talks were constructive", "text": "that the talks were constructive",
            "start": content2[0], "end": content2[1],
            "speaker": "Sylvania’s spokesman", "speaker_start": at("Sylvania’s spokesman")[0],
            "speaker_end": at("Sylvania’s spokesman")[1], "cue": "said", "cue_start": at("said")[0],
            "cue_end": at("said")[1], "source": "Sylvania", "target": "Freedonia",
            "stance": "conciliatory", "scores": {"confrontational": 0.1, "neutral": 0.3, "conciliatory": 0.6},
        },
        {   # no article for this document: the passage is the context
            "doc_id": "elsewhere", "statement_id": "s001", "kind": "mixed",
            "context": "The envoy said the plan was “dead on arrival” before leaving.",
            "content": "the plan was “dead on arrival”", "text": "the plan was “dead on arrival”",
            "start": 240, "end": 270, "speaker": "The envoy", "source": "The envoy", "target": "Freedonia",
            "stance": "confrontational", "scores": {"confrontational": 0.9, "neutral": 0.05, "conciliatory": 0.05},
        },
        {   # a sentence-level record (as in the corpora): no content, no offsets
            "doc_id": "sent-7", "statement_id": "0", "text": "Sylvania rejects the accusations.",
            "source": "Sylvania", "target": "Freedonia", "stance": "neutral",
            "scores": {"confrontational": 0.3, "neutral": 0.5, "conciliatory": 0.2},
        },
    ]


@pytest.fixture
def statements_file(tmp_path: Path) -> Path:
    (tmp_path / "geneva.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "statements.jsonl"
    write_jsonl(path, statements())
    return path


# --------------------------------------------------------------------------- what annotators do
def complete_labelstudio(export: Path, out: Path, annotators: dict[str, dict[str, str]]) -> Path:
    """Each annotator (user id) accepts the pre-annotation, changing the labels given by statement_id."""
    tasks = json.loads(export.read_text(encoding="utf-8"))
    for n, task in enumerate(tasks, start=1):
        task["id"] = n
        # the pre-annotation: the model's suggestions, and a hand label exported as an annotation
        shown = [*(task["predictions"][0]["result"] if task.get("predictions") else []),
                 *(r for a in task.get("annotations", []) for r in a["result"])]
        task["annotations"] = []
        for i, (user, changes) in enumerate(annotators.items(), start=1):
            result = json.loads(json.dumps(shown))
            for item in result:
                item["origin"] = "prediction"
                if item["type"] == "choices" and task["data"]["statement_id"] in changes:
                    item["value"]["choices"] = [changes[task["data"]["statement_id"]]]
            task["annotations"].append({"id": n * 10 + i, "completed_by": int(user), "result": result,
                                        "was_cancelled": False, "ground_truth": False, "task": n})
    out.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return out


def complete_doccano(export: Path, folder: Path, annotators: dict[str, dict[str, str]]) -> list[Path]:
    """doccano's per-user JSONL export: its own id, the metadata back at top level, entities, cats."""
    paths = []
    for user, changes in annotators.items():
        rows = []
        for n, row in enumerate(read_jsonl(export), start=1):
            row = {"id": n, **row, "Comments": []}
            if row["statement_id"] in changes:
                row["cats"] = [changes[row["statement_id"]]]
            rows.append(row)
        paths.append(folder / f"{user}.jsonl")
        write_jsonl(paths[-1], rows)
    return paths


def complete_csv(export: Path, folder: Path, annotators: dict[str, dict[str, str]]) -> list[Path]:
    """Each annotator fills the stance column (agreeing with the model unless changed) in a copy."""
    paths = []
    for user, changes in annotators.items():
        with export.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            row["stance"] = changes.get(row["statement_id"], row["predicted"])
            row["annotator"] = user
        paths.append(folder / f"filled_{user}.csv")
        with paths[-1].open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return paths


def complete(fmt: str, export: Path, folder: Path, annotators: dict[str, dict[str, str]]) -> list[Path]:
    if fmt == "labelstudio":
        return [complete_labelstudio(export, folder / "project-export.json", annotators)]
    if fmt == "doccano":
        return complete_doccano(export, folder, annotators)
    return complete_csv(export, folder, annotators)


EXPORT_NAMES = {"labelstudio": "tasks.json", "doccano": "tasks.jsonl", "csv": "tasks.csv"}


def spans_and_label(record: dict) -> dict:
    return {field: record.get(field) for field in (*SPAN_FIELDS, "stance")}


# --------------------------------------------------------------------------- export
def test_labelstudio_export_shows_each_statement_in_its_article(statements_file: Path, tmp_path: Path):
    out = tmp_path / "tasks.json"
    assert annotate.export_file(str(statements_file), str(out), "labelstudio") == 4
    tasks = json.loads(out.read_text(encoding="utf-8"))
    first = tasks[0]
    passage, offset = first["data"]["text"], first["data"]["offset"]
    # the passage is the article's lines around the quote, with one line of context on each side
    assert passage == ARTICLE[offset:offset + len(passage)]
    assert passage.startswith("The foreign ministers") and passage.endswith("constructive.")
    prediction = first["predictions"][0]
    assert prediction["score"] == 0.7
    spans = sorted((r["value"]["labels"][0], r["value"]["text"]) for r in prediction["result"] if r["type"] == "labels")
    assert spans == [("CONTENT", "“We are ready to talk,”"), ("CONTENT", "“but not under threats.”"),
                     ("CUE", "told"), ("SPEAKER", "Ana Ruiz")]
    choice = next(r for r in prediction["result"] if r["type"] == "choices")
    assert (choice["from_name"], choice["value"]["choices"]) == ("stance", ["confrontational"])
    assert first["data"]["record"]["doc_id"] == "geneva" and "scores" not in first["data"]["record"]
    # without the article, the context is shown; a sentence-level record shows its text, unmarked
    assert tasks[2]["data"]["text"].startswith("The envoy said") and tasks[2]["data"]["offset"] == 240 - 15
    assert tasks[3]["data"]["text"] == "Sylvania rejects the accusations." and tasks[3]["data"]["offset"] is None


def test_labelstudio_config_matches_the_tasks(statements_file: Path, tmp_path: Path):
    annotate.export_file(str(statements_file), str(tmp_path / "tasks.json"), "labelstudio")
    root = ET.fromstring((tmp_path / "tasks.xml").read_text(encoding="utf-8"))
    assert [c.get("value") for c in root.iter("Choice")] == ["conciliatory", "confrontational", "neutral"]
    assert [label.get("value") for label in root.iter("Label")] == ["CONTENT", "SPEAKER", "CUE"]
    assert root.find("Choices").get("name") == "stance" and root.find("Text").get("value") == "$text"


def test_doccano_export_is_intent_detection_jsonl(statements_file: Path, tmp_path: Path):
    out = tmp_path / "tasks.jsonl"
    annotate.export_file(str(statements_file), str(out), "doccano")
    row = read_jsonl(out)[1]
    assert row["cats"] == ["conciliatory"]
    assert sorted(label for _, _, label in row["entities"]) == ["CONTENT", "CUE", "SPEAKER"]
    start, end, _ = next(e for e in row["entities"] if e[2] == "CONTENT")
    assert row["text"][start:end] == "that the talks were constructive"
    assert (row["doc_id"], row["statement_id"]) == ("geneva", "s002")


def test_export_without_predictions_offers_default_labels(tmp_path: Path):
    path = tmp_path / "extracted.jsonl"
    write_jsonl(path, [{k: v for k, v in r.items() if k not in ("stance", "scores")} for r in statements()])
    annotate.export_file(str(path), str(tmp_path / "t.json"), "labelstudio")
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert all(r["type"] == "labels" for t in tasks for p in t.get("predictions", []) for r in p["result"])
    assert "confrontational" in (tmp_path / "t.xml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("fmt", ["labelstudio", "doccano", "csv"])
def test_round_trip_gives_back_identical_spans_and_labels(fmt: str, statements_file: Path, tmp_path: Path):
    export = tmp_path / EXPORT_NAMES[fmt]
    annotate.export_file(str(statements_file), str(export), fmt)
    filled = complete(fmt, export, tmp_path, {"1": {}})
    gold = tmp_path / "gold.jsonl"
    assert annotate.import_files([str(p) for p in filled], str(gold), fmt) == 4
    imported = read_jsonl(gold)
    assert [spans_and_label(r) for r in imported] == [spans_and_label(r) for r in statements()]
    assert all("scores" not in r for r in imported)
    assert {r["annotator"] for r in imported} == {"1"}
    # metadata rides along
    assert imported[0]["date"] == "2024-03-04" and imported[0]["speaker_party"] == "FR"


@pytest.mark.parametrize("fmt", ["labelstudio", "doccano", "csv"])
def test_several_annotators_give_one_record_each(fmt: str, statements_file: Path, tmp_path: Path):
    export = tmp_path / EXPORT_NAMES[fmt]
    annotate.export_file(str(statements_file), str(export), fmt)
    filled = complete(fmt, export, tmp_path, {"1": {}, "2": {"s002": "neutral"}})
    gold = tmp_path / "gold.jsonl"
    assert annotate.import_files([str(p) for p in filled], str(gold), fmt) == 8
    labels = {(r["doc_id"], r["statement_id"], r["annotator"]): r["stance"] for r in read_jsonl(gold)}
    assert labels[("geneva", "s002", "1")] == "conciliatory"
    assert labels[("geneva", "s002", "2")] == "neutral"


def correct_span(fmt: str, export: Path, tmp_path: Path) -> list[Path]:
    """The annotator drops "that" from s002's content span and labels it neutral."""
    new = "the talks were constructive"
    if fmt == "labelstudio":
        tasks = json.loads(export.read_text(encoding="utf-8"))
        task = tasks[1]
        s = task["data"]["text"].index(new)
        task["annotations"] = [{"id": 1, "completed_by": 7, "result": [
            {"id": "a", "from_name": "spans", "to_name": "text", "type": "labels", "origin": "manual",
             "value": {"start": s, "end": s + len(new), "text": new, "labels": ["CONTENT"]}},
            {"id": "b", "from_name": "stance", "to_name": "text", "type": "choices", "origin": "manual",
             "value": {"choices": ["neutral"]}}]}]
        path = tmp_path / "export.json"
        path.write_text(json.dumps([task]), encoding="utf-8")
        return [path]
    if fmt == "doccano":
        row = read_jsonl(export)[1]
        s = row["text"].index(new)
        row["entities"] = [e for e in row["entities"] if e[2] != "CONTENT"] + [[s, s + len(new), "CONTENT"]]
        row["cats"] = ["neutral"]
        write_jsonl(tmp_path / "7.jsonl", [row])
        return [tmp_path / "7.jsonl"]
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1].update(content=new, stance="neutral", annotator="7")  # start/end left as they were
    path = tmp_path / "filled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(rows[1])
    return [path]


@pytest.mark.parametrize("fmt", ["labelstudio", "doccano", "csv"])
def test_corrected_span_goes_back_to_article_offsets(fmt: str, statements_file: Path, tmp_path: Path):
    export = tmp_path / EXPORT_NAMES[fmt]
    annotate.export_file(str(statements_file), str(export), fmt)
    gold = tmp_path / "gold.jsonl"
    annotate.import_files([str(p) for p in correct_span(fmt, export, tmp_path)], str(gold), fmt)
    (record,) = read_jsonl(gold)
    start, end = at("the talks were constructive")
    assert (record["start"], record["end"], record["stance"], record["annotator"]) == (start, end, "neutral", "7")
    assert record["content"] == record["text"] == ARTICLE[start:end]
    assert (record["speaker"], record["speaker_start"]) == ("Sylvania’s spokesman", at("Sylvania’s spokesman")[0])


def test_seed_example_round_trips_through_labelstudio(tmp_path: Path):
    """The real seed gold file: the article beside it is found, and every span comes back exact."""
    seed = SEED_DIR / "kerry_putin_sochi.gold.jsonl"
    article = (SEED_DIR / "kerry_putin_sochi.txt").read_text(encoding="utf-8")
    export = tmp_path / "tasks.json"
    assert annotate.export_file(str(seed), str(export), "labelstudio") == 14
    for task in json.loads(export.read_text(encoding="utf-8")):
        offset, passage = task["data"]["offset"], task["data"]["text"]
        assert article[offset:offset + len(passage)] == passage  # the article, not just the quote
    gold = tmp_path / "gold.jsonl"
    annotate.import_files([str(complete_labelstudio(export, tmp_path / "done.json", {"3": {}}))], str(gold),
                          "labelstudio")
    original = read_jsonl(seed)
    imported = read_jsonl(gold)
    assert [(r["start"], r["end"], r["content"], r["stance"]) for r in imported] == [
        (r["start"], r["end"], r["content"], r["stance"]) for r in original]
    assert all(article[r["start"]:r["end"]] == r["content"] for r in imported)


# --------------------------------------------------------------------------- the tools' own export files
# A Label Studio JSON export as the tool writes it (Label Studio docs, "Label Studio JSON format of
# annotated tasks"): task id, data, annotations with completed_by / result / was_cancelled, predictions.
LABEL_STUDIO_EXPORT = [
    {
        "id": 41,
        "data": {
            "text": "Talks resumed.\n“We will never accept these sanctions,” the minister said on Friday.",
            "offset": 880, "doc_id": "wire-17", "statement_id": "s003", "speaker": "the minister",
            "target": "Sylvania", "kind": "direct",
        },
        "annotations": [
            {
                "id": 301, "completed_by": 1,
                "result": [
                    {"value": {"start": 15, "end": 54, "text": "“We will never accept these sanctions,”",
                               "labels": ["CONTENT"]},
                     "id": "Ab3kP1", "from_name": "spans", "to_name": "text", "type": "labels", "origin": "manual"},
                    {"value": {"start": 55, "end": 67, "text": "the minister", "labels": ["SPEAKER"]},
                     "id": "Ab3kP2", "from_name": "spans", "to_name": "text", "type": "labels", "origin": "manual"},
                    {"value": {"choices": ["confrontational"]}, "id": "Ab3kP3", "from_name": "stance",
                     "to_name": "text", "type": "choices", "origin": "manual"},
                ],
                "was_cancelled": False, "ground_truth": False,
                "created_at": "2024-05-02T10:12:31.510716Z", "updated_at": "2024-05-02T10:12:31.510740Z",
                "lead_time": 21.4, "prediction": {}, "result_count": 0, "task": 41, "project": 3,
                "parent_prediction": None, "parent_annotation": None, "last_action": None,
            },
            {
                "id": 302, "completed_by": 2, "created_username": "Bo Lind bo@example.org, 2",
                "result": [
                    {"value": {"choices": ["neutral"]}, "id": "Zq81", "from_name": "stance", "to_name": "text",
                     "type": "choices", "origin": "manual"},
                ],
                "was_cancelled": False, "ground_truth": False, "lead_time": 9.0, "task": 41,
            },
            {"id": 303, "completed_by": 5, "result": [], "was_cancelled": True, "task": 41},
        ],
        "drafts": [],
        "predictions": [],
        "meta": {}, "created_at": "2024-05-01T08:00:00.000000Z", "updated_at": "2024-05-02T10:12:31.600000Z",
        "inner_id": 1, "total_annotations": 2, "cancelled_annotations": 1, "total_predictions": 0,
        "project": 3, "updated_by": 2, "file_upload": "tasks.json",
    }
]


def test_labelstudio_export_written_by_the_tool_imports(tmp_path: Path):
    path = tmp_path / "project-3-at-2024-05-02.json"
    path.write_text(json.dumps(LABEL_STUDIO_EXPORT, ensure_ascii=False), encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    assert annotate.import_files([str(path)], str(gold), "labelstudio") == 2  # the cancelled one is skipped
    first, second = read_jsonl(gold)
    assert (first["annotator"], first["stance"]) == ("1", "confrontational")
    assert (first["start"], first["end"]) == (880 + 15, 880 + 54)
    assert first["content"] == first["text"] == "“We will never accept these sanctions,”"
    assert (first["speaker"], first["speaker_start"], first["speaker_end"]) == ("the minister", 935, 947)
    assert (second["annotator"], second["stance"]) == ("bo@example.org", "neutral")
    assert second["text"] == LABEL_STUDIO_EXPORT[0]["data"]["text"]  # no span marked: the passage


def test_doccano_zip_export_names_annotators_by_file(statements_file: Path, tmp_path: Path):
    export = tmp_path / "tasks.jsonl"
    annotate.export_file(str(statements_file), str(export), "doccano")
    files = complete_doccano(export, tmp_path, {"alice": {}, "bob": {"s001": "neutral"}})
    archive = tmp_path / "doccano-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in files:
            zf.write(f, arcname=f.name)
    gold = tmp_path / "gold.jsonl"
    assert annotate.import_files([str(archive)], str(gold), "doccano") == 8
    by = {(r["annotator"], r["doc_id"], r["statement_id"]): r["stance"] for r in read_jsonl(gold)}
    assert by[("alice", "geneva", "s001")] == "confrontational"
    assert by[("bob", "geneva", "s001")] == "neutral"
    assert by[("bob", "elsewhere", "s001")] == "neutral"


# --------------------------------------------------------------------------- bad input
def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "fmt, name, content, message",
    [
        ("labelstudio", "e.json", '{"tasks": 3', "e.json:1: malformed JSON"),
        ("labelstudio", "e.json", "[3]", "task 1: expected an object with 'data'"),
        ("labelstudio", "e.json", '[{"data": {"text": "x"}, "annotations": []}]', "field 'doc_id'"),
        ("labelstudio", "e.json",
         '[{"data": {"text": "abc", "doc_id": "d", "statement_id": "s"}, "annotations": [{"completed_by": 1, '
         '"result": [{"type": "labels", "value": {"start": 0, "end": "2", "labels": ["CONTENT"]}}]}]}]',
         "integer start/end"),
        ("labelstudio", "e.json",
         '[{"data": {"text": "abc", "doc_id": "d", "statement_id": "s"}, "annotations": [{"completed_by": 1, '
         '"result": [{"type": "labels", "value": {"start": 0, "end": 2, "labels": ["TARGET"]}}, '
         '{"type": "choices", "from_name": "stance", "value": {"choices": ["neutral"]}}]}]}]',
         "unknown span label 'TARGET'"),
        ("doccano", "ann.jsonl", '{"text": "abc", "doc_id": "d", "statement_id": "s", "cats": ["a"]}\n{oops\n',
         "ann.jsonl:2: malformed JSON"),
        ("doccano", "ann.jsonl", '{"text": "abc", "doc_id": "d", "statement_id": "s", "cats": ["a"], '
         '"entities": [[0, 9, "CONTENT"]]}\n', "not inside the passage"),
        ("csv", "ann.csv", "doc_id,statement_id,passage\nd,s,abc\n", "CSV needs the columns"),
        ("csv", "ann.csv", "doc_id,statement_id,passage,passage_offset,stance\nd,s,abc,0,neutral\n"
         "d,t,abc,zero,neutral\n", "ann.csv:3: field 'passage_offset': expected an integer"),
        ("csv", "ann.csv", "doc_id,statement_id,passage,content,stance\nd,s,abc,xyz,neutral\n",
         "ann.csv:2: field 'content': 'xyz' is not in the passage"),
    ],
)
def test_bad_exports_name_file_line_and_field(fmt: str, name: str, content: str, message: str, tmp_path: Path):
    path = write(tmp_path / name, content)
    out = tmp_path / "gold.jsonl"
    with pytest.raises(InputError) as err:
        annotate.import_files([path], str(out), fmt)
    assert message in str(err.value)
    assert str(tmp_path / name) in str(err.value)
    assert not out.exists()


def test_same_annotator_twice_is_an_error(statements_file: Path, tmp_path: Path):
    export = tmp_path / "tasks.json"
    annotate.export_file(str(statements_file), str(export), "labelstudio")
    a = complete_labelstudio(export, tmp_path / "a.json", {"1": {}})
    b = complete_labelstudio(export, tmp_path / "b.json", {"1": {}})
    with pytest.raises(InputError, match="annotator '1' labelled statement"):
        annotate.import_files([str(a), str(b)], str(tmp_path / "gold.jsonl"), "labelstudio")


def test_unknown_format_and_bad_statements_are_input_errors(statements_file: Path, tmp_path: Path):
    with pytest.raises(InputError, match="unknown annotation format 'brat'"):
        annotate.export_file(str(statements_file), str(tmp_path / "x"), "brat")
    bad = write(tmp_path / "bad.jsonl", '{"doc_id": "d", "statement_id": "s", "text": "ok"}\n{"doc_id": "d"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'statement_id': missing required field"):
        annotate.export_file(bad, str(tmp_path / "x.json"), "labelstudio")
    assert not (tmp_path / "x.json").exists()


# --------------------------------------------------------------------------- agreement
C, N, K = "confrontational", "neutral", "conciliatory"


def gold_files(folder: Path, labels: dict[str, list[str | None]]) -> list[str]:
    """One gold file per annotator (named by its stem), statements s1..sN; None: not annotated."""
    paths = []
    for annotator, row in labels.items():
        records = [{"doc_id": "d", "statement_id": f"s{i}", "text": f"statement {i}", "stance": label}
                   for i, label in enumerate(row, start=1) if label is not None]
        write_jsonl(folder / f"{annotator}.jsonl", records)
        paths.append(str(folder / f"{annotator}.jsonl"))
    return paths


def test_two_annotators_agreement_matches_hand_computation(tmp_path: Path):
    # A: c c c c n n n k k k     B: c c c n n n k k k c      7 of 10 agree: p_o = 0.7
    # marginals: both c 4, n 3, k 3: p_e = (16 + 9 + 9) / 100 = 0.34
    # Cohen's kappa = (0.7 - 0.34) / 0.66 = 0.5454...; Fleiss' kappa (pooled marginals, the same) = 0.5454...
    # Krippendorff: n = 20 values, 6 disagreeing coincidences, n_c = 8, 6, 6:
    # alpha = 1 - (n - 1) * 6 / (20^2 - (64 + 36 + 36)) = 1 - 19 * 6 / 264 = 0.568181...
    inputs = gold_files(tmp_path, {"ann": [C, C, C, C, N, N, N, K, K, K], "bob": [C, C, C, N, N, N, K, K, K, C]})
    result = annotate.agreement_files(inputs, str(tmp_path / "agree"))
    assert result["pairwise_cohen_kappa"]["pairs"][0]["kappa"] == pytest.approx(0.36 / 0.66)
    assert result["fleiss_kappa"] == pytest.approx(0.36 / 0.66)
    assert result["krippendorff_alpha"] == pytest.approx(1 - 19 * 6 / 264)
    assert result["percent_agreement"] == pytest.approx(0.7)
    # per label, specific agreement = 2a / (2a + b + c): c: 2*3 / (2*3 + 1 + 1) = 0.75
    assert result["per_label"][C]["specific_agreement"] == pytest.approx(0.75)
    assert result["status_counts"] == {"unanimous": 7, "majority": 0, "tie": 3, "single": 0, "unlabelled": 0}
    assert json.loads((tmp_path / "agree" / "agreement.json").read_text())["n_statements"] == 10


THREE = {  # s4: carl did not annotate it
    "ann": [C, N, K, C, N],
    "bob": [C, N, K, N, C],
    "carl": [C, K, K, None, K],
}


def test_three_annotators_with_a_missing_rating(tmp_path: Path):
    result = annotate.agreement_files(gold_files(tmp_path, THREE), str(tmp_path / "agree"))
    # Fleiss over s1, s2, s3, s5 (rated by all three): P_i = 1, 1/3, 1, 0 -> P_bar = 7/12;
    # pooled p = c 4/12, n 3/12, k 5/12 -> P_e = 50/144; kappa = (84 - 50) / (144 - 50) = 34/94
    assert result["fleiss_kappa"] == pytest.approx(34 / 94)
    assert result["fleiss_n_statements"] == 4
    # Krippendorff, coincidences: o_cc 3, o_nn 1, o_kk 3, o_cn 1.5, o_nk 1.5, o_ck 0.5 (each both ways);
    # n_c 5, n_n 4, n_k 5, n = 14; alpha = 1 - 13 * 7 / (196 - 66) = 0.3
    assert result["krippendorff_alpha"] == pytest.approx(0.3)
    # Cohen: ann-bob 3/5 agree, p_e 9/25 -> 0.375; ann-carl 2/4, p_e 4/16 -> 1/3; bob-carl 2/4, p_e 5/16 -> 0.2727
    kappas = {(p["a"], p["b"]): p["kappa"] for p in result["pairwise_cohen_kappa"]["pairs"]}
    assert kappas == pytest.approx({("ann", "bob"): 0.375, ("ann", "carl"): 1 / 3, ("bob", "carl"): 0.1875 / 0.6875})
    assert result["mean_cohen_kappa"] == pytest.approx((0.375 + 1 / 3 + 0.1875 / 0.6875) / 3)
    assert result["label_counts"]["carl"] == {C: 1, K: 3, N: 0}


def test_krippendorff_published_example_through_files(tmp_path: Path):
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders x 12 units with
    missing values, nominal alpha = 0.743."""
    rows = {
        "A": "1 2 3 3 2 1 4 1 2 . . .", "B": "1 2 3 3 2 2 4 1 2 5 . 3",
        "C": ". 3 3 3 2 3 4 2 2 5 1 .", "D": "1 2 3 3 2 4 4 1 2 5 1 .",
    }
    labels = {name: [None if v == "." else v for v in row.split()] for name, row in rows.items()}
    result = annotate.agreement_files(gold_files(tmp_path, labels), str(tmp_path / "agree"))
    assert round(result["krippendorff_alpha"], 3) == 0.743
    assert result["n_statements"] == 12


def test_adjudication_flags_ties_and_a_person_settles_them(tmp_path: Path):
    inputs = gold_files(tmp_path, THREE)
    out = tmp_path / "agree"
    annotate.agreement_files(inputs, str(out))
    rows = {r["statement_id"]: r for r in read_jsonl(out / "adjudication.jsonl")}
    assert {k: (r["status"], r["majority"]) for k, r in rows.items()} == {
        "s1": ("unanimous", C), "s2": ("majority", N), "s3": ("unanimous", K), "s4": ("tie", None),
        "s5": ("tie", None)}
    assert rows["s4"]["labels"] == {"ann": C, "bob": N} and rows["s4"]["text"] == "statement 4"
    gold = {r["statement_id"]: r["stance"] for r in read_jsonl(out / "gold.jsonl")}
    assert gold == {"s1": C, "s2": N, "s3": K}  # ties wait for a person

    # a person settles s4 and overrides s2, then runs the same command again
    settled = [dict(r, adjudicated={"s4": N, "s2": K}.get(r["statement_id"])) for r in rows.values()]
    write_jsonl(out / "adjudication.jsonl", settled)
    result = annotate.agreement_files(inputs, str(out))
    gold_rows = {r["statement_id"]: r for r in read_jsonl(out / "gold.jsonl")}
    assert {k: r["stance"] for k, r in gold_rows.items()} == {"s1": C, "s2": K, "s3": K, "s4": N}
    assert gold_rows["s4"]["gold_status"] == "adjudicated" and gold_rows["s1"]["gold_status"] == "unanimous"
    assert gold_rows["s2"]["annotator_labels"] == {"ann": N, "bob": N, "carl": K}
    assert "annotator" not in gold_rows["s1"]
    assert result["n_adjudicated"] == 2 and result["n_gold"] == 4
    kept = {r["statement_id"]: r["adjudicated"] for r in read_jsonl(out / "adjudication.jsonl")}
    assert kept == {"s1": None, "s2": K, "s3": None, "s4": N, "s5": None}


def test_one_imported_file_with_annotator_field(statements_file: Path, tmp_path: Path):
    export = tmp_path / "tasks.json"
    annotate.export_file(str(statements_file), str(export), "labelstudio")
    done = complete_labelstudio(export, tmp_path / "done.json", {"1": {}, "2": {"s002": N}, "3": {"s002": N}})
    imported = tmp_path / "imported.jsonl"
    annotate.import_files([str(done)], str(imported), "labelstudio")
    result = annotate.agreement_files([str(imported)], str(tmp_path / "agree"))
    assert result["annotators"] == ["1", "2", "3"] and result["n_statements"] == 4
    gold = {(r["doc_id"], r["statement_id"]): r for r in read_jsonl(tmp_path / "agree" / "gold.jsonl")}
    assert gold[("geneva", "s002")]["stance"] == N
    assert gold[("geneva", "s001")]["fragments"] == statements()[0]["fragments"]


def test_agreement_needs_two_annotators(tmp_path: Path):
    with pytest.raises(InputError, match="at least two annotators; found 1"):
        annotate.agreement_files(gold_files(tmp_path, {"solo": [C, N]}), str(tmp_path / "agree"))
    assert not (tmp_path / "agree").exists()


# --------------------------------------------------------------------------- command line
def test_cli_export_import_agree(statements_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    export = tmp_path / "tasks.csv"
    assert main(["annotate", "export", "--format", "csv", "--input", str(statements_file),
                 "--output", str(export)]) == 0
    filled = complete_csv(export, tmp_path, {"ann": {}, "bob": {"s001": N}})
    gold = tmp_path / "gold.jsonl"
    assert main(["annotate", "import", "--format", "csv", "--input", *map(str, filled),
                 "--output", str(gold)]) == 0
    assert main(["annotate", "agree", "--input", str(gold), "--output", str(tmp_path / "agree")]) == 0
    assert json.loads((tmp_path / "agree" / "agreement.json").read_text())["n_annotators"] == 2

    assert main(["annotate", "import", "--format", "csv", "--input", str(tmp_path / "missing.csv"),
                 "--output", str(gold)]) == 2
    err = capsys.readouterr().err
    assert "missing.csv: file not found" in err and "Traceback" not in err


def test_article_without_line_breaks_is_cut_around_the_statement():
    filler = "Officials met again and again in the capital. " * 200  # ~9,400 characters, one line
    article = filler + "The minister said that “the door stays open.” " + filler
    content = "“the door stays open.”"
    start = article.index(content)
    record = {"doc_id": "d", "statement_id": "s", "content": content, "start": start, "end": start + len(content)}
    passage = annotate.build_passage(record, article)
    assert len(passage.text) <= annotate.MAX_PASSAGE_CHARS
    assert article[passage.offset:passage.offset + len(passage.text)] == passage.text
    assert article[passage.offset - 1] == " " and article[passage.offset + len(passage.text)] == " "  # cut at spaces
    assert annotate.passage_spans(record, passage) == [(start - passage.offset, start - passage.offset + len(content),
                                                        "CONTENT")]


def test_labelstudio_json_min_export_imports(tmp_path: Path):
    """Label Studio's JSON-MIN export: one flat row per annotation, control tags as keys."""
    rows = [{
        "text": "Talks resumed.\n“We will never accept these sanctions,” the minister said on Friday.",
        "offset": 880, "doc_id": "wire-17", "statement_id": "s003", "speaker": "the minister", "id": 41,
        "spans": [{"start": 15, "end": 54, "text": "“We will never accept these sanctions,”", "labels": ["CONTENT"]}],
        "stance": "confrontational", "annotator": 4, "annotation_id": 301, "created_at": "2024-05-02T10:12:31Z",
        "updated_at": "2024-05-02T10:12:31Z", "lead_time": 21.4,
    }]
    path = write(tmp_path / "min.json", json.dumps(rows))
    annotate.import_files([path], str(tmp_path / "gold.jsonl"), "labelstudio")
    (record,) = read_jsonl(tmp_path / "gold.jsonl")
    assert (record["annotator"], record["stance"], record["start"], record["end"]) == ("4", "confrontational", 895, 934)
    assert "lead_time" not in record and "spans" not in record
