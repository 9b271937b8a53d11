"""The report of a ``stance run``: tables, plots and a readable summary (markdown and self-contained HTML).

Reads the run's ``statements.jsonl`` and writes beside it ``statements.csv``, ``statements.parquet``,
``report.md``, ``report.html`` (plots embedded) and the plots as PNG files; with a gold file, also the
extraction and stance metrics against it (``metrics.json``) and a confusion matrix.
"""
from __future__ import annotations

import base64
import html
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .io import atomic_write, csv_cell, write_json, write_text

log = logging.getLogger(__name__)

N_EXAMPLES = 5


def statements_frame(path: str | Path, chunk_rows: int = 5000) -> pd.DataFrame:
    """The statements of a run as a DataFrame; ``scores`` become ``score_<label>`` columns and ``confidence``.

    Read a few thousand lines at a time: a large run's file parsed whole (``pd.read_json``) takes many
    times its size in memory, while the frame itself is small."""
    frames, rows = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
            if len(rows) == chunk_rows:
                frames.append(_frame(rows))
                rows = []
    if rows:
        frames.append(_frame(rows))
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    score_columns = [c for c in frame.columns if c.startswith("score_")]
    if score_columns:
        frame["confidence"] = frame[score_columns].max(axis=1)
    return frame


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One chunk of statements as a frame, with ``scores`` spread into ``score_<label>`` columns."""
    frame = pd.DataFrame(rows)
    if "scores" in frame:
        scores = pd.DataFrame(list(frame["scores"].map(lambda s: s if isinstance(s, dict) else {})), index=frame.index)
        for label in scores.columns:
            frame[f"score_{label}"] = scores[label]
        frame = frame.drop(columns=["scores"])
    if "fragments" in frame:
        frame["fragments"] = frame["fragments"].map(lambda f: None if f is None or f != f else str(f))
    return frame


def _heatmap(table: pd.DataFrame, path: Path, title: str) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = table.to_numpy(dtype=float)
    fig = Figure(figsize=(1.8 + 1.1 * max(1, table.shape[1]), 1.4 + 0.5 * max(1, table.shape[0])))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=max(values.max(), 1))
    ax.set_xticks(range(table.shape[1]), labels=[str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(table.shape[0]), labels=[str(i) for i in table.index])
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            ax.text(j, i, f"{int(values[i, j])}", ha="center", va="center",
                    color="white" if values[i, j] > values.max() / 2 else "black")
    ax.set_title(title)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def _timeline(frame: pd.DataFrame, label_field: str, path: Path) -> Path | None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dates = pd.to_datetime(frame["date"], errors="coerce", utc=True)
    if dates.notna().sum() == 0:
        return None
    counts = frame.assign(month=dates.dt.strftime("%Y-%m")).dropna(subset=["month"]).groupby(["month", label_field]).size().unstack(fill_value=0)
    fig = Figure(figsize=(7, 3.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for column in counts.columns:
        ax.plot(counts.index, counts[column], marker="o", label=str(column))
    ax.set_xlabel("month")
    ax.set_ylabel("statements")
    ax.legend()
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_title("stance over time")
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def _md(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    frame = frame.copy()
    header = [str(frame.index.name or "")] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in frame.iterrows():
        cells = [str(idx)] + [(f"{v:.3f}" if isinstance(v, float) else str(v)).replace("|", "\\|").replace("\n", " ") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _examples(frame: pd.DataFrame, label_field: str, most: bool) -> pd.DataFrame:
    if frame.empty or "confidence" not in frame:
        return pd.DataFrame()
    chosen = frame.sort_values("confidence", ascending=not most).head(N_EXAMPLES)
    columns = [c for c in ("doc_id", "speaker", "speaker_party", "target_party", label_field, "confidence", "content") if c in chosen]
    out = chosen[columns].copy()
    if "content" in out:
        out["content"] = out["content"].map(lambda t: t if len(t) <= 240 else t[:237] + "...")
    return out.set_index("doc_id") if "doc_id" in out else out


def _gold_metrics(gold: str, out: Path, model: Any, label_field: str) -> dict[str, Any]:
    """Extraction metrics, stance on matched extracted statements (end to end), stance on the gold spans."""
    from .corpora import load_gold
    from .evaluate import score_labels
    from .extraction_eval import OVERLAP_THRESHOLD, evaluate_extraction_files, match_statements
    from .plots import plot_confusion
    from .schema import read_statements

    extraction = evaluate_extraction_files(gold, str(out / "statements.jsonl"))
    alias = getattr(model, "label_alias", {}) or {}
    gold_records = read_statements(gold, label_field=label_field, require_label=True)
    predicted = read_statements(out / "statements.jsonl", allow_empty=True)
    labels = list(model.labels)

    # the gold statements as the model's input: content, speaker, target party (given spans)
    given = load_gold(gold)
    given_pred = model.predict(given)
    given_gold = [alias.get(r[label_field], r[label_field]) for r in given]
    given_metrics = score_labels(given_gold, given_pred, labels, n_bootstrap=1000)
    given_metrics["agree"] = int(sum(g == p for g, p in zip(given_gold, given_pred)))

    # end to end: each gold statement against the extracted statement matched to it (missed: wrong)
    pairs = {m.gold: m.pred for m in match_statements(gold_records, predicted) if m.overlap >= OVERLAP_THRESHOLD}
    e2e_gold, e2e_pred = [], []
    for i, record in enumerate(gold_records):
        e2e_gold.append(alias.get(record[label_field], record[label_field]))
        j = pairs.get(i)
        e2e_pred.append(predicted[j][label_field] if j is not None else "(not found)")
    agree = int(sum(g == p for g, p in zip(e2e_gold, e2e_pred)))
    matched = [(g, p) for g, p in zip(e2e_gold, e2e_pred) if p != "(not found)"]
    e2e = {"n_gold": len(gold_records), "found": len(matched), "agree": agree}
    if matched:
        e2e["on_found"] = score_labels([g for g, _ in matched], [p for _, p in matched], labels, n_bootstrap=1000)
    plot_confusion(given_metrics["confusion"]["matrix"], given_metrics["confusion"]["labels"], out / "confusion_gold_spans.png",
                   title="stance on the gold statements")
    return {"extraction": extraction, "stance_given_gold_spans": given_metrics, "stance_end_to_end": e2e}


def write_run_report(out: Path, *, model: Any, parties: Any | None, gold: str | None, label_field: str = "stance") -> dict[str, Any]:
    """Write the tables, plots and report of a run folder whose ``statements.jsonl`` is complete."""
    frame = statements_frame(out / "statements.jsonl")
    with atomic_write(out / "statements.csv") as handle:  # text cells never start a spreadsheet formula
        frame.map(csv_cell).rename(columns=csv_cell).to_csv(handle, index=False)
    with atomic_write(out / "statements.parquet", "wb") as handle:
        frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_parquet(handle, index=False)

    display = getattr(model, "display_alias", {}) or {}
    labels = [display.get(l, l) for l in model.labels]
    sections: list[tuple[str, str, list[Path]]] = []
    summary: dict[str, Any] = {"articles": int(frame["doc_id"].nunique()) if not frame.empty else 0}
    if frame.empty:
        sections.append(("Statements", "No attributed statements were found.\n", []))
    else:
        shown = frame.assign(**{label_field: frame[label_field].map(lambda l: display.get(l, l))})
        for col in ("speaker_party", "target_party", "kind"):
            if col not in shown:
                shown[col] = None
        shown = shown.fillna({"speaker_party": "unknown", "target_party": "unknown"})
        by_kind = shown.groupby("kind").size().rename("statements").to_frame()
        by_party = pd.crosstab(shown["speaker_party"], shown["kind"])
        sections.append(("Counts by kind and party", _md(by_kind) + "\n" + _md(by_party), []))
        matrix = pd.crosstab([shown["speaker_party"], shown["target_party"]], shown[label_field]).reindex(columns=labels, fill_value=0)
        matrix.index = [f"{a} -> {b}" for a, b in matrix.index]
        matrix.index.name = "speaker -> target"
        plots = [_heatmap(matrix, out / "party_stance.png", "stance by speaker party -> target party")]
        sections.append(("Party x party stance", _md(matrix), plots))
        sections += _findings(frame, out, model=model, gold=gold, label_field=label_field)
        speaker_col = "speaker_canonical" if "speaker_canonical" in shown else "speaker"
        by_speaker = pd.crosstab(shown[speaker_col].fillna("(unresolved)"), shown[label_field]).reindex(columns=labels, fill_value=0)
        by_speaker = by_speaker.loc[by_speaker.sum(axis=1).sort_values(ascending=False).index[:20]]
        by_speaker.index.name = "speaker"
        sections.append(("Stance by speaker (top 20)", _md(by_speaker), []))
        if "date" in shown:
            path = _timeline(shown, label_field, out / "stance_over_time.png")
            if path:
                sections.append(("Stance over time", "Statements per month and stance.\n", [path]))
        sections.append(("Most confident statements", _md(_examples(shown, label_field, True)), []))
        sections.append(("Least confident statements", _md(_examples(shown, label_field, False)), []))
        summary["by_kind"] = by_kind["statements"].to_dict()
        summary["stance"] = shown[label_field].value_counts().to_dict()
    if gold:
        metrics = _gold_metrics(gold, out, model, label_field)
        write_json(out / "metrics.json", metrics)
        ex, given, e2e = metrics["extraction"], metrics["stance_given_gold_spans"], metrics["stance_end_to_end"]
        overall = ex.get("overall", ex)
        text = (
            f"Gold: `{gold}`\n\n"
            f"- Extraction: {_fmt_extraction(overall)}\n"
            f"- Stance on the gold statements (gold spans as input): {given['agree']} of {given['n']} agree; "
            f"macro-F1 {given['macro_f1']:.3f}, accuracy {given['accuracy']:.3f}\n"
            f"- Stance end to end (extracted spans): {e2e['agree']} of {e2e['n_gold']} gold statements found and "
            f"labelled the same ({e2e['found']} found)\n"
        )
        sections.append(("Against the hand annotations", text, [out / "confusion_gold_spans.png"]))
        summary["gold"] = {"stance_given_gold_spans_agree": given["agree"], "end_to_end_agree": e2e["agree"], "n_gold": e2e["n_gold"]}
    _write_documents(out, sections, summary)
    return summary


def _findings(frame: pd.DataFrame, out: Path, *, model: Any, gold: str | None, label_field: str) -> list[tuple[str, str, list[Path]]]:
    """Shares by party pair, month and outlet with intervals (:mod:`stance.findings`); with gold, the gold
    statements and the model's labels for them are the annotated sample of the adjusted estimate."""
    from .findings import findings_sections

    annotated = None
    if gold:
        from .aggregate import Annotated
        from .corpora import load_gold

        alias = getattr(model, "label_alias", {}) or {}
        given = load_gold(gold)
        pairs = [(alias.get(r[label_field], r[label_field]), p) for r, p in zip(given, model.predict(given))]
        pairs = [(g, p) for g, p in pairs if g in model.labels]
        if pairs:
            annotated = Annotated.from_labels([g for g, _ in pairs], [p for _, p in pairs], model.labels)
    return findings_sections(frame, model.labels, out, label_field=label_field, display=getattr(model, "display_alias", {}) or {},
                             annotated=annotated, calibrated=getattr(model, "temperature", 1.0) != 1.0)


def _fmt_extraction(overall: dict[str, Any]) -> str:
    parts = []
    for key in ("precision", "recall", "f1"):
        for variant in ("overlap", "exact"):
            value = overall.get(variant, {}).get(key) if isinstance(overall.get(variant), dict) else None
            if value is not None:
                parts.append(f"{key} ({variant}) {value:.3f}")
    return ", ".join(parts) or str(overall)


def render_html(sections: list[tuple[str, str, list[Path]]]) -> str:
    """The self-contained HTML report. Markdown is rendered with raw HTML off: a statement, speaker or doc
    id holding ``<script>`` (news text is untrusted) is shown as text, never run; so are link targets
    other than http(s)/mailto (markdown-it's own check)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>stance report</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}img{max-width:100%}</style></head><body>",
             "<h1>Statements and stance</h1>"]
    for title, body, images in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(renderer.render(body))
        for image in images:
            data = base64.b64encode(Path(image).read_bytes()).decode()
            parts.append(f"<img alt='{html.escape(title, quote=True)}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _write_documents(out: Path, sections: list[tuple[str, str, list[Path]]], summary: dict[str, Any]) -> None:
    md_lines = ["# Statements and stance", ""]
    for title, body, images in sections:
        md_lines += [f"## {title}", "", body]
        md_lines += [line for image in images for line in (f"![{title}]({image.name})", "")]
    write_text(out / "report.md", "\n".join(md_lines) + "\n")
    write_text(out / "report.html", render_html(sections))
