"""The main job's chain (train, score, run the seed article, report) with a tiny encoder on corpus slices."""
import re
from pathlib import Path

from stance.demo import run_demo


def test_the_demo_report_names_each_dev_set_with_its_score_and_the_seed_article_result(tiny_encoder, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # the config's seed path is relative to the checkout
    out = tmp_path / "demo"
    result = run_demo(out, overrides=[
        f"model.name_or_path={tiny_encoder}", "data.train=[dse-directed:train@64, seesaw:fit@32]",
        "data.dev=[dse-directed:valid@24, seesaw:dev@24]", "data.max_train_samples=null",
        "data.test=[seed:../shared/examples/kerry_putin_sochi.gold.jsonl]", "model.max_length=64",
        "train.batch_size=16", "evaluation.n_bootstrap=20", "train.checkpoint_every=100",
    ])
    report = (out / "report.md").read_text()
    assert report == result["report"]
    sets, free = result["metrics"]["dev"]["sets"], result["metrics"]["dev"]["sets_any_label"]
    assert f"`dse-directed:valid@24` (macro-F1 {sets['dse-directed:valid@24']:.3f})" in report
    # SEESAW annotates two classes: scored over them, and as `stance run` labels news
    assert f"`seesaw:dev@24` (macro-F1 {sets['seesaw:dev@24']:.3f}; any label {free['seesaw:dev@24']:.3f})" in report
    assert "no reverse-direction neutrals" in report  # what the recipe trades, from its config
    assert "1 epoch(s) at learning rate 5e-05 on" in report
    found = re.search(r"end to end \(extracted spans\): (\d+) of 14 found", report)
    assert found and 0 <= int(found.group(1)) <= 14
    assert (out / "seed_run" / "report.md").is_file() and (out / "model").is_dir()
