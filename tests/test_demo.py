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
    sets = result["metrics"]["dev"]["sets"]
    for spec in ("dse-directed:valid@24", "seesaw:dev@24"):
        assert f"`{spec}` (macro-F1 {sets[spec]:.3f})" in report
    found = re.search(r"end to end \(extracted spans\): (\d+) of 14 found", report)
    assert found and 0 <= int(found.group(1)) <= 14
    assert (out / "seed_run" / "report.md").is_file() and (out / "model").is_dir()
