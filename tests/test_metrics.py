"""Metric values against hand arithmetic and published worked examples."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from stance.errors import InputError
from stance.metrics import (
    agreement,
    bootstrap_ci,
    classification_metrics,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    mcnemar_exact,
    paired_bootstrap,
    paired_bootstrap_seeds,
    paired_comparison,
    pairwise_cohen_kappa,
    per_label_agreement,
)

N = None

# gold and pred of the hand example below
GOLD = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


# --------------------------------------------------------------------------- classification
def test_classification_metrics_by_hand():
    # confusion (rows gold, cols pred): a: [2, 1, 0]  b: [0, 1, 1]  c: [0, 0, 1]
    # accuracy = 4/6
    # a: P = 2/2, R = 2/3, F1 = 2 * 1 * 2/3 / (1 + 2/3) = 0.8
    # b: P = 1/2, R = 1/2, F1 = 0.5
    # c: P = 1/2, R = 1/1, F1 = 2 * 0.5 / 1.5 = 2/3
    # macro-F1 = (0.8 + 0.5 + 2/3) / 3 = 0.655556
    # kappa: p_o = 4/6; gold marginals 3, 2, 1; pred marginals 2, 2, 2
    #        p_e = (3*2 + 2*2 + 1*2) / 36 = 1/3; kappa = (2/3 - 1/3) / (2/3) = 0.5
    # alpha (2 coders, 12 values): coincidence marginals n_a = 5, n_b = 4, n_c = 3;
    #        off-diagonal coincidences = 2 per disagreeing item = 4;
    #        sum_{c != k} n_c n_k = 12^2 - (25 + 16 + 9) = 94; alpha = 1 - 11 * 4 / 94 = 0.531915
    m = classification_metrics(GOLD, PRED)
    assert m["n"] == 6
    assert m["labels"] == ["a", "b", "c"]
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class"]["a"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3})
    assert m["per_class"]["b"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert m["per_class"]["c"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert m["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert m["confusion"] == {"labels": ["a", "b", "c"], "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 1]]}
    assert m["cohen_kappa"] == pytest.approx(0.5)
    assert m["krippendorff_alpha"] == pytest.approx(1 - 11 * 4 / 94)


def test_given_labels_fix_order_and_unused_labels_stay_out_of_the_average():
    # "d" is used by neither side: listed with F1 0, but macro-F1 still averages a, b, c
    m = classification_metrics(GOLD, PRED, labels=["c", "b", "a", "d"])
    assert m["labels"] == ["c", "b", "a", "d"]
    assert m["confusion"]["matrix"][0] == [1, 0, 0, 0]
    assert m["per_class"]["d"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert m["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_a_predicted_label_without_gold_support_counts_in_the_average():
    # gold never says "c" but pred does once: c has F1 0 and is averaged in
    # a: P = 1, R = 1/2, F1 = 2/3; b: P = 1, R = 1, F1 = 1; c: F1 = 0 -> macro = (2/3 + 1 + 0) / 3
    m = classification_metrics(["a", "a", "b"], ["a", "c", "b"])
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert bootstrap_ci(["a", "a", "b"], ["a", "c", "b"], ["macro_f1"], n_resamples=20)["macro_f1"][
        "point"
    ] == pytest.approx(m["macro_f1"])


@pytest.mark.parametrize(
    ("gold", "pred", "labels", "message"),
    [
        (["a", "b"], ["a"], None, "differ in length"),
        ([], [], None, "no items"),
        (["a", None], ["a", "b"], None, "missing label"),
        (["a", "b"], ["a", "x"], ["a", "b"], "not in the given label set"),
    ],
)
def test_classification_metrics_rejects_bad_input(gold, pred, labels, message):
    with pytest.raises(InputError, match=message):
        classification_metrics(gold, pred, labels)


# --------------------------------------------------------------------------- bootstrap
def _noisy(n: int, accuracy: float, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    gold = rng.choice(["neg", "neu", "pos"], n, p=[0.5, 0.3, 0.2])
    pred = np.where(rng.random(n) < accuracy, gold, rng.choice(["neg", "neu", "pos"], n))
    return gold.tolist(), pred.tolist()


def _noisy_pred(gold: list[str], accuracy: float, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(len(gold)) < accuracy, gold, rng.choice(["neg", "neu", "pos"], len(gold))).tolist()


def test_bootstrap_point_matches_classification_metrics():
    gold, pred = _noisy(300, 0.7, seed=1)
    ci = bootstrap_ci(gold, pred, ["accuracy", "macro_f1", "cohen_kappa", "krippendorff_alpha"], n_resamples=200)
    m = classification_metrics(gold, pred)
    for name in ("accuracy", "macro_f1", "cohen_kappa", "krippendorff_alpha"):
        assert ci[name]["point"] == pytest.approx(m[name])
        assert ci[name]["low"] < ci[name]["point"] < ci[name]["high"]


def test_bootstrap_is_seeded():
    gold, pred = _noisy(200, 0.6, seed=2)
    first = bootstrap_ci(gold, pred, ["macro_f1"], n_resamples=300, seed=7)
    again = bootstrap_ci(gold, pred, ["macro_f1"], n_resamples=300, seed=7)
    other = bootstrap_ci(gold, pred, ["macro_f1"], n_resamples=300, seed=8)
    assert first == again
    assert first["macro_f1"]["low"] != other["macro_f1"]["low"]


def test_bootstrap_callable_uses_the_same_resamples_as_builtin():
    gold, pred = _noisy(100, 0.6, seed=3)
    builtin = bootstrap_ci(gold, pred, ["accuracy"], n_resamples=200, seed=4)["accuracy"]
    custom = bootstrap_ci(gold, pred, {"acc": lambda g, p: float(np.mean(g == p))}, n_resamples=200, seed=4)["acc"]
    assert custom == pytest.approx(builtin)


def test_bootstrap_of_perfect_predictions_is_a_point():
    assert bootstrap_ci(GOLD, GOLD, ["accuracy", "macro_f1"], n_resamples=50) == {
        "accuracy": {"low": 1.0, "high": 1.0, "point": 1.0},
        "macro_f1": {"low": 1.0, "high": 1.0, "point": 1.0},
    }


def test_bootstrap_interval_narrows_with_confidence():
    gold, pred = _noisy(200, 0.6, seed=5)
    wide = bootstrap_ci(gold, pred, ["accuracy"], confidence=0.99, n_resamples=500)["accuracy"]
    narrow = bootstrap_ci(gold, pred, ["accuracy"], confidence=0.5, n_resamples=500)["accuracy"]
    assert wide["low"] < narrow["low"] < narrow["high"] < wide["high"]


@pytest.mark.timing  # a wall-clock bound: run alone on a quiet machine (pytest -m timing)
def test_bootstrap_is_fast_on_2000_items():
    gold, pred = _noisy(2000, 0.7, seed=6)
    start = time.perf_counter()
    bootstrap_ci(gold, pred, ["accuracy", "macro_f1"], n_resamples=1000)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric_fns": ["auc"]}, "unknown metric 'auc'"),
        ({"n_resamples": 0}, "n_resamples must be >= 1"),
        ({"confidence": 1.5}, "confidence must be in"),
    ],
)
def test_bootstrap_rejects_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        bootstrap_ci(GOLD, PRED, **kwargs)


# --------------------------------------------------------------------------- paired tests
def test_mcnemar_exact_by_hand():
    # A right & B wrong on 1 item (b = 1), A wrong & B right on 5 (c = 5), both right on 3, both wrong on 1.
    # Exact two-sided binomial, n = 6, p = 1/2: 2 * P(X <= 1) = 2 * (1 + 6) / 64 = 0.21875
    gold = ["x"] * 10
    pred_a = ["x"] + ["y"] * 5 + ["x"] * 3 + ["y"]
    pred_b = ["y"] + ["x"] * 5 + ["x"] * 3 + ["y"]
    result = mcnemar_exact(gold, pred_a, pred_b)
    assert result == {"n": 10, "b": 1, "c": 5, "both_correct": 3, "both_wrong": 1, "p_value": pytest.approx(14 / 64)}


def test_mcnemar_without_discordant_pairs_is_one():
    assert mcnemar_exact(GOLD, PRED, PRED)["p_value"] == 1.0


def test_paired_bootstrap_of_identical_systems():
    result = paired_bootstrap(GOLD, PRED, PRED, n_resamples=200)
    assert (result["delta"], result["low"], result["high"], result["p_value"]) == (0.0, 0.0, 0.0, 1.0)


def test_paired_bootstrap_finds_a_clear_difference():
    gold, weak = _noisy(400, 0.4, seed=9)
    result = paired_bootstrap(gold, gold, weak, metric="macro_f1", n_resamples=500, seed=0)
    assert result["a"] == 1.0
    assert result["delta"] == pytest.approx(1.0 - classification_metrics(gold, weak)["macro_f1"])
    assert 0 < result["low"] < result["delta"] < result["high"]
    # no shifted resample reaches the observed delta: p = 1 / (500 + 1)
    assert result["p_value"] == pytest.approx(1 / 501)


def test_paired_bootstrap_is_seeded_and_symmetric():
    gold, a = _noisy(150, 0.6, seed=10)
    _, b = _noisy(150, 0.55, seed=11)
    ab = paired_bootstrap(gold, a, b, metric="accuracy", n_resamples=300, seed=3)
    assert ab == paired_bootstrap(gold, a, b, metric="accuracy", n_resamples=300, seed=3)
    ba = paired_bootstrap(gold, b, a, metric="accuracy", n_resamples=300, seed=3)
    assert ba["delta"] == pytest.approx(-ab["delta"])
    assert ba["p_value"] == pytest.approx(ab["p_value"])
    assert 0 < ab["p_value"] <= 1


def test_paired_bootstrap_of_seeds_compares_the_seed_means():
    gold, a1 = _noisy(300, 0.7, seed=12)
    a2, b1, b2 = (_noisy_pred(gold, acc, seed) for acc, seed in ((0.8, 13), (0.5, 14), (0.6, 15)))
    result = paired_bootstrap_seeds(gold, [a1, a2], [b1, b2], metric="accuracy", n_resamples=400, seed=1)
    acc = [classification_metrics(gold, p)["accuracy"] for p in (a1, a2, b1, b2)]
    assert result["a_runs"] == pytest.approx(acc[:2]) and result["b_runs"] == pytest.approx(acc[2:])
    assert result["delta"] == pytest.approx((acc[0] + acc[1]) / 2 - (acc[2] + acc[3]) / 2)
    assert result["low"] < result["delta"] < result["high"] and result["p_value"] < 0.01


def test_paired_bootstrap_of_one_seed_each_is_the_plain_paired_bootstrap():
    gold, a = _noisy(120, 0.6, seed=16)
    b = _noisy_pred(gold, 0.6, seed=17)
    assert paired_bootstrap_seeds(gold, [a], [b], n_resamples=200, seed=2) == paired_bootstrap(gold, a, b, n_resamples=200, seed=2)


def test_paired_bootstrap_of_seeds_needs_runs_of_the_same_items():
    with pytest.raises(InputError):
        paired_bootstrap_seeds(GOLD, [PRED], [])
    with pytest.raises(InputError):
        paired_bootstrap_seeds(GOLD, [PRED], [PRED[:-1]])



def test_the_paired_comparison_is_mcnemar_and_a_paired_bootstrap_per_metric():
    gold, a = _noisy(150, 0.75, seed=18)
    b = _noisy_pred(gold, 0.55, seed=19)
    result = paired_comparison(gold, a, b, metrics=("macro_f1", "accuracy"), n_resamples=300, seed=4)
    assert result["n"] == 150 and result["mcnemar"] == mcnemar_exact(gold, a, b)
    assert result["paired_bootstrap"] == {
        metric: paired_bootstrap(gold, a, b, metric=metric, n_resamples=300, seed=4) for metric in ("macro_f1", "accuracy")}
    assert result["paired_bootstrap"]["accuracy"]["delta"] == pytest.approx(
        np.mean(np.array(gold) == np.array(a)) - np.mean(np.array(gold) == np.array(b)))
    assert result["mcnemar"]["b"] > result["mcnemar"]["c"]  # A, the better system, is more often the one right


def test_the_paired_comparison_without_metrics_runs_no_bootstrap():
    result = paired_comparison(GOLD, PRED, GOLD, metrics=(), n_resamples=0)
    assert result["paired_bootstrap"] == {} and result["mcnemar"] == mcnemar_exact(GOLD, PRED, GOLD)
    with pytest.raises(InputError, match="n_resamples"):
        paired_comparison(GOLD, PRED, GOLD, n_resamples=0)


# --------------------------------------------------------------------------- agreement
def test_cohen_kappa_2x2_by_hand():
    # both yes 20, A yes & B no 5, A no & B yes 10, both no 15 (n = 50)
    # p_o = 35/50 = 0.7; A says yes 25/50, B says yes 30/50
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    # missing ratings leave the item out
    assert cohen_kappa(a + [None, "yes"], b + ["no", None]) == pytest.approx(0.4)


def test_cohen_kappa_undefined_when_one_label_throughout():
    assert math.isnan(cohen_kappa(["x", "x"], ["x", "x"]))


def test_pairwise_cohen_kappa_and_light_mean():
    # A-B agree everywhere: 1.0 (n = 4). A-C on items 1-3: A = x x y, C = x y y
    # p_o = 2/3; p_e = (2/3)(1/3) + (1/3)(2/3) = 4/9; kappa = (6/9 - 4/9) / (5/9) = 0.4; B-C the same
    result = pairwise_cohen_kappa({"A": ["x", "x", "y", "y"], "B": ["x", "x", "y", "y"], "C": ["x", "y", "y", None]})
    assert [(p["a"], p["b"], p["n"]) for p in result["pairs"]] == [("A", "B", 4), ("A", "C", 3), ("B", "C", 3)]
    assert [p["kappa"] for p in result["pairs"]] == pytest.approx([1.0, 0.4, 0.4])
    assert result["mean"] == pytest.approx(0.6)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 coders x 12 units,
# values 1-5, missing data. Unit 12 has a single value and is not pairable.
KRIPPENDORFF_4X12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_published_example_with_missing_data(level, expected):
    assert krippendorff_alpha(KRIPPENDORFF_4X12, level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_published_binary_example():
    # Krippendorff (2011), section A: 2 coders x 10 units, binary.
    #   A: 0 1 0 0 0 0 0 0 1 0
    #   B: 1 1 1 0 0 1 0 0 0 0
    # coincidences: o_00 = 10 (5 units 0-0, each counted twice), o_11 = 2, o_01 = o_10 = 4;
    # n_0 = 14, n_1 = 6, n = 20; alpha = 1 - (n - 1) o_01 / (n_0 n_1) = 1 - 19 * 4 / 84 = 0.0952
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(data) == pytest.approx(1 - 19 * 4 / 84)
    assert round(krippendorff_alpha(data), 3) == 0.095


def test_krippendorff_alpha_accepts_string_labels_by_annotator():
    as_labels = {
        coder: [None if v is None else f"label{v}" for v in row]
        for coder, row in zip("ABCD", KRIPPENDORFF_4X12)
    }
    assert krippendorff_alpha(as_labels) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_4X12))


def test_krippendorff_alpha_ordinal_follows_value_order():
    # reversing the order of the values does not change ordinal distances
    reverse = [[N if v is None else 6 - v for v in row] for row in KRIPPENDORFF_4X12]
    assert krippendorff_alpha(reverse, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(KRIPPENDORFF_4X12, "ordinal", value_order=[5, 4, 3, 2, 1]) == pytest.approx(
        0.815, abs=5e-4
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([["x", "y", "z"], ["x", "y", "z"]], 1.0),  # perfect agreement
        ([["x", "x", None], ["x", "x", "y"]], float("nan")),  # pairable values do not vary
    ],
)
def test_krippendorff_alpha_edge_cases(data, expected):
    assert krippendorff_alpha(data) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([["x", None], [None, "y"]], "no unit was rated by two"),
        ([["x", "y"]], "at least two annotators"),
        ([["x", "y"], ["x"]], "different numbers of items"),
    ],
)
def test_krippendorff_alpha_rejects_unusable_data(data, message):
    with pytest.raises(InputError, match=message):
        krippendorff_alpha(data)


# Fleiss (1971) / Wikipedia "Fleiss' kappa" worked example: 10 items, 14 raters, 5 categories.
# P_bar = 0.378, P_e = 0.213, kappa = (0.378 - 0.213) / (1 - 0.213) = 0.210
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_published_example():
    assert fleiss_kappa_from_counts(FLEISS_COUNTS) == pytest.approx(0.210, abs=5e-4)
    # the same data as an items x raters matrix of labels
    items = [[f"cat{j + 1}" for j, n in enumerate(row) for _ in range(n)] for row in FLEISS_COUNTS]
    assert fleiss_kappa(items) == pytest.approx(fleiss_kappa_from_counts(FLEISS_COUNTS))


def test_fleiss_kappa_allows_different_raters_with_equal_counts():
    # three ratings per item, by different raters: a None is fine while every item has three ratings
    by_item = [["x", "x", "x", None], [None, "y", "y", "x"], ["y", None, "y", "y"]]
    # counts: [3, 0], [1, 2], [0, 3]; P_i = 1, 1/3, 1; P_bar = 7/9; p = (4/9, 5/9); P_e = 41/81
    # kappa = (7/9 - 41/81) / (1 - 41/81) = (22/81) / (40/81) = 0.55
    assert fleiss_kappa(by_item) == pytest.approx(0.55)


def test_fleiss_kappa_rejects_unequal_numbers_of_ratings():
    with pytest.raises(InputError, match="same number of ratings for every item: item 1 has 3, item 2 has 2"):
        fleiss_kappa({"A": ["x", "y"], "B": ["x", None], "C": ["x", "y"]})


def test_per_label_agreement_by_hand():
    # A = x x x y y, B = x x y y x
    # x: both-x units 1, 2 -> sum n_uj (n_uj - 1) = 2 + 2 = 4; x ratings in pairable units = 6
    #    specific agreement = 4 / 6 (= 2a / (2a + b + c) = 4 / (4 + 2))
    # y: unit 4 -> 2; y ratings = 4; specific agreement = 2 / 4
    # with two labels, "x vs rest" is the data itself: coincidences o_xx = 4, o_yy = 2, o_xy = o_yx = 2,
    #    n_x = 6, n_y = 4, n = 10: alpha = 1 - 9 * 4 / (2 * 6 * 4) = 0.25 for both labels
    result = per_label_agreement({"A": ["x", "x", "x", "y", "y"], "B": ["x", "x", "y", "y", "x"]})
    assert result == {
        "x": {"specific_agreement": pytest.approx(4 / 6), "alpha": pytest.approx(0.25), "n_ratings": 6},
        "y": {"specific_agreement": pytest.approx(0.5), "alpha": pytest.approx(0.25), "n_ratings": 4},
    }


def test_agreement_summary():
    ratings = {"A": ["x", "x", "y", "y"], "B": ["x", "x", "y", "y"], "C": ["x", "y", "y", None]}
    result = agreement(ratings)
    assert result["n_items"] == 4 and result["n_annotators"] == 3
    assert result["fleiss_kappa"] is None  # item 4 has two ratings, the others three
    assert result["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(ratings))
    assert result["pairwise_cohen_kappa"]["mean"] == pytest.approx(0.6)
    # agreeing pairs: units 1, 3: 3 pairs each (x2 ordered = 6); unit 2: 1 (x2 = 2); unit 4: 1 (x2 = 2)
    # all ordered pairs: 6 + 6 + 6 + 2 = 20 -> 16 / 20
    assert result["percent_agreement"] == pytest.approx(16 / 20)
    assert set(result["per_label"]) == {"x", "y"}
