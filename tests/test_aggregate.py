"""Shares by group: the estimators, their intervals' coverage in simulation, grouping, and the command."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stance.aggregate import Annotated, adjust, aggregate, estimate, gold_shares, misclassification_matrix, project_simplex
from stance.errors import StanceError

# --------------------------------------------------------------------------- a classifier of known, uneven error
# Three classes (negative, neutral, positive); one score x ~ N(MU[y], 1) per statement. The probabilities are
# the exact posterior under the calibration population's shares PI0 (calibrated there); the labels are the
# argmax under a prior that over-weights neutral, so the classifier errs unevenly: it calls many negative
# and positive statements neutral, and few neutral ones anything else.
MU = np.array([0.0, 1.5, 3.0])
PI0 = np.array([0.3, 0.45, 0.25])
LABEL_PRIOR = np.array([0.15, 0.7, 0.15])
K = 3


def posterior(x: np.ndarray, prior: np.ndarray) -> np.ndarray:
    lik = np.exp(-0.5 * (x[:, None] - MU[None, :]) ** 2) * prior
    return lik / lik.sum(axis=1, keepdims=True)


def draw(rng: np.random.Generator, n: int, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` statements of a group whose true shares are ``shares``: gold, predicted label, probabilities."""
    y = rng.choice(K, size=n, p=shares)
    x = rng.normal(MU[y], 1.0)
    return y, posterior(x, LABEL_PRIOR).argmax(axis=1), posterior(x, PI0)


def coverage(shift: bool, draws: int = 200, n: int = 400, n_annotated: int = 300, seed: int = 7) -> dict[str, float]:
    """The share of 95% intervals (over draws and classes) that hold the group's true share."""
    rng = np.random.default_rng(seed)
    hits = {"cc": 0, "pcc": 0, "acc": 0}
    for _ in range(draws):
        gold_a, pred_a, _ = draw(rng, n_annotated, PI0)  # the annotated sample: from the calibration population
        shares = rng.dirichlet(PI0 * 10) if shift else PI0
        y, pred, proba = draw(rng, n, shares)
        true = np.bincount(y, minlength=K) / n
        result = estimate(pred, proba, K, annotated=Annotated(gold_a, pred_a), n_bootstrap=200, rng=rng)
        for name in hits:
            hits[name] += int(((result[name]["low"] <= true) & (true <= result[name]["high"])).sum())
    return {name: value / (draws * K) for name, value in hits.items()}


def test_the_classifier_errs_unevenly():
    rng = np.random.default_rng(0)
    y, pred, _ = draw(rng, 20000, PI0)
    m = misclassification_matrix(y, pred, K)[0]
    recall = np.diag(m)
    assert recall[1] > 0.85 and recall[0] < 0.75 and recall[2] < 0.75  # neutral over-predicted
    assert abs(np.bincount(pred, minlength=K)[1] / len(pred) - PI0[1]) > 0.1  # so counting is biased


def test_coverage_groups_from_the_calibration_population():
    """Groups drawn from the population the probabilities are calibrated on: the adjusted and the
    probabilistic estimates hold the true share in about 95% of their 95% intervals, counting does not."""
    cov = coverage(shift=False)
    print("coverage, no shift:", cov)
    assert cov["acc"] >= 0.90 and cov["pcc"] >= 0.90
    assert cov["cc"] < 0.5


def test_coverage_groups_with_other_shares():
    """Groups whose shares differ from the calibration population (what comparisons between groups are
    about): the adjusted estimate still covers; the probabilistic one is pulled toward the calibration
    shares and, like counting, falls clearly below nominal."""
    cov = coverage(shift=True)
    print("coverage, shifted shares:", cov)
    assert cov["acc"] >= 0.90
    assert cov["pcc"] < 0.85 and cov["cc"] < 0.5


# --------------------------------------------------------------------------- the pieces
def test_project_simplex():
    v = np.array([[0.5, 0.5, 0.0], [1.2, -0.1, -0.1], [0.2, 0.2, 0.2], [-1.0, 2.0, 0.5]])
    p = project_simplex(v)
    assert np.allclose(p.sum(axis=1), 1) and (p >= 0).all()
    assert np.allclose(p[0], v[0]) and np.allclose(p[1], [1, 0, 0]) and np.allclose(p[2], [1 / 3] * 3)


def test_adjust_inverts_a_known_matrix():
    m = np.array([[0.8, 0.3], [0.2, 0.7]])  # columns: true class; rows: predicted
    true = np.array([0.25, 0.75])
    assert np.allclose(adjust(m @ true, m), true)


def test_misclassification_matrix_columns_and_empty_class():
    m = misclassification_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)[0]
    assert np.allclose(m[:, 0], [0.5, 0.5, 0]) and np.allclose(m[:, 1], [0, 1, 0]) and np.allclose(m[:, 2], [0, 0, 1])


def test_estimate_is_seeded_and_intervals_hold_the_point():
    rng = np.random.default_rng(1)
    y, pred, proba = draw(rng, 300, PI0)
    ann = Annotated(*draw(rng, 200, PI0)[:2])
    a = estimate(pred, proba, K, annotated=ann, n_bootstrap=300, rng=np.random.default_rng(5))
    b = estimate(pred, proba, K, annotated=ann, n_bootstrap=300, rng=np.random.default_rng(5))
    for name in ("cc", "pcc", "acc"):
        assert np.allclose(a[name]["low"], b[name]["low"])
        assert np.isclose(a[name]["share"].sum(), 1)
        assert (a[name]["low"] <= a[name]["share"] + 1e-9).all() and (a[name]["share"] <= a[name]["high"] + 1e-9).all()


def statements_frame(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.array(["negative", "neutral", "positive"])
    y, pred, proba = draw(rng, n, PI0)
    return pd.DataFrame({
        "doc_id": [f"d{i // 4}" for i in range(n)],
        "statement_id": [str(i % 4) for i in range(n)],
        "speaker_party": rng.choice(["russia", "us"], size=n),
        "target_party": rng.choice(["russia", "us"], size=n),
        "outlet": rng.choice(["A", "B", None], size=n),
        "date": rng.choice(["2014-03-02", "2014-04-11", "2014-05-20T10:00:00Z"], size=n),
        "gold": labels[y],
        "predicted": labels[pred],
        **{f"score_{l}": proba[:, j] for j, l in enumerate(labels)},
    })


def test_aggregate_by_pair_month_and_outlet():
    frame = statements_frame()
    labels = ["negative", "neutral", "positive"]
    ann = Annotated.from_labels(frame["gold"], frame["predicted"], labels)
    table = aggregate(frame, ["pair", "month"], labels, annotated=ann, n_bootstrap=100)
    assert set(table["estimator"]) == {"cc", "pcc", "acc"}
    assert set(table["month"]) == {"2014-03", "2014-04", "2014-05"}
    assert set(table["pair"]) == {"russia -> us", "us -> russia", "russia -> russia", "us -> us"}
    sums = table.groupby(["pair", "month", "estimator"])["share"].sum()
    assert np.allclose(sums, 1)
    assert table.groupby(["pair", "month"])["n"].first().sum() == len(frame)
    by_outlet = aggregate(frame, ["outlet"], labels, n_bootstrap=50)
    assert set(by_outlet["estimator"]) == {"cc", "pcc"}  # no annotated sample: no acc
    assert by_outlet["outlet"].isna().any()  # statements without an outlet are a group of their own
    gold = gold_shares(frame, ["outlet"], labels)
    assert np.allclose(gold.groupby("outlet", dropna=False)["share"].sum(), 1)


def test_aggregate_reads_a_scores_column_and_refuses_unknown_fields():
    frame = statements_frame(60)
    labels = ["negative", "neutral", "positive"]
    frame["scores"] = [dict(zip(labels, row)) for row in frame[[f"score_{l}" for l in labels]].to_numpy()]
    frame = frame.drop(columns=[f"score_{l}" for l in labels])
    assert "pcc" in set(aggregate(frame, [], labels, n_bootstrap=20)["estimator"])
    with pytest.raises(StanceError, match="no such field"):
        aggregate(frame, ["newspaper"], labels)
    with pytest.raises(StanceError, match="not among the labels"):
        aggregate(frame, [], ["negative", "positive"])


def test_wide_table_one_label():
    from stance.aggregate import wide

    frame = statements_frame()
    labels = ["negative", "neutral", "positive"]
    table = pd.concat([gold_shares(frame, ["outlet"], labels), aggregate(frame, ["outlet"], labels, n_bootstrap=50)])
    out = wide(table, "negative", ["outlet"])
    assert list(out.columns) == ["n", "gold", "cc", "pcc"]
    assert "(none)" in out.index and out["cc"].str.match(r"0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]").all()


def write_predictions(path: Path, frame: pd.DataFrame, eval_set: str) -> Path:
    labels = ["negative", "neutral", "positive"]
    with path.open("a", encoding="utf-8") as handle:
        for row in frame.to_dict("records"):
            record = {k: v for k, v in row.items() if not k.startswith("score_")}
            record["scores"] = {l: row[f"score_{l}"] for l in labels}
            record["eval_set"] = eval_set
            handle.write(json.dumps(record) + "\n")
    return path


def test_shares_and_the_aggregate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from stance.cli import main
    from stance.results import shares

    population = write_predictions(tmp_path / "population.jsonl", statements_frame(200, seed=4), "news")
    annotated = write_predictions(tmp_path / "annotated.jsonl", statements_frame(150, seed=5), "hand")
    table = shares(population, ["outlet"], annotated=annotated, n_bootstrap=50)
    assert set(table["estimator"]) == {"gold", "cc", "pcc", "acc"}
    assert list(dict.fromkeys(table["label"])) == ["negative", "neutral", "positive"]
    out = tmp_path / "shares.csv"
    rc = main(["aggregate", str(population), "--by", "pair", "--annotated", str(annotated), "--bootstrap", "50", "--cluster", "doc_id",
               "--output", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert rc == 0 and "share negative" in printed and "| russia -> us |" in printed
    written = pd.read_csv(out)
    assert {"pair", "estimator", "label", "share", "low", "high", "n"} <= set(written.columns)
    # the output file is never overwritten; an unknown field is one line, exit 2
    assert main(["aggregate", str(population), "--output", str(out), "--quiet"]) == 2
    assert main(["aggregate", str(population), "--by", "newspaper", "--quiet"]) == 2
    assert "no such field" in capsys.readouterr().err


def test_shares_on_a_two_label_annotated_set_of_a_three_label_model(tmp_path: Path):
    """SEESAW is annotated negative / positive; a three-label model's predictions there keep to them."""
    from stance.results import shares

    frame = statements_frame(120, seed=6)
    frame = frame[frame["gold"] != "neutral"].copy()
    frame["predicted"] = np.where(frame["score_negative"] > frame["score_positive"], "negative", "positive")
    path = write_predictions(tmp_path / "p.jsonl", frame, "seesaw:valid")
    table = shares(path, [], eval_set="seesaw:valid", annotated=path, n_bootstrap=50)
    assert set(table["label"]) == {"negative", "positive"}
    assert np.allclose(table.groupby("estimator")["share"].sum(), 1)


def test_cluster_bootstrap_widens_intervals_of_clustered_statements():
    """Articles whose statements all share one label: resampling articles, not statements, gives the
    wider interval that the dependence calls for."""
    rng = np.random.default_rng(2)
    article_label = rng.choice(K, size=30, p=PI0)
    y = np.repeat(article_label, 10)
    pred = y.copy()
    proba = np.eye(K)[y] * 0.9 + 0.1 / K
    clusters = np.repeat(np.arange(30), 10)
    iid = estimate(pred, proba, K, n_bootstrap=400, rng=np.random.default_rng(0))
    by_article = estimate(pred, proba, K, n_bootstrap=400, rng=np.random.default_rng(0), clusters=clusters)
    for name in ("cc", "pcc"):
        width_iid = (iid[name]["high"] - iid[name]["low"]).mean()
        width_cluster = (by_article[name]["high"] - by_article[name]["low"]).mean()
        assert width_cluster > 2 * width_iid
    frame = statements_frame(120)
    table = aggregate(frame, ["outlet"], ["negative", "neutral", "positive"], n_bootstrap=50, cluster="doc_id")
    assert set(table["estimator"]) == {"cc", "pcc"}
    with pytest.raises(StanceError, match="no such field"):
        aggregate(frame, [], ["negative", "neutral", "positive"], cluster="article")


def test_a_group_from_one_article_falls_back_to_resampling_statements(caplog: pytest.LogCaptureFixture):
    rng = np.random.default_rng(3)
    y, pred, proba = draw(rng, 50, PI0)
    result = estimate(pred, proba, K, n_bootstrap=200, clusters=np.zeros(50, dtype=int))
    assert (result["cc"]["high"] - result["cc"]["low"]).max() > 0.05
    assert "only 1 cluster" in caplog.text
