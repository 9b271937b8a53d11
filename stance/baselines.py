"""Baselines in the same machinery as the model: majority class and TF-IDF + logistic regression.

Both are scikit-learn pipelines over the same input text the transformer reads (entity markers and the
``source -> target`` pair included), so they see exactly the same information.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .model import InputEncoding

BASELINES = ("majority", "tfidf_lr")


def make_baseline(name: str, seed: int = 0) -> Pipeline:
    if name == "majority":
        return Pipeline([("tfidf", TfidfVectorizer(max_features=1)), ("clf", DummyClassifier(strategy="most_frequent"))])
    if name == "tfidf_lr":
        return Pipeline(
            [
                ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b|[@#]")),
                ("clf", LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=seed)),
            ]
        )
    raise ValueError(f"unknown baseline {name!r}; valid: {', '.join(BASELINES)}")


def baseline_texts(records: Sequence[dict[str, Any]], encoding: InputEncoding) -> list[str]:
    first, second = encoding.encode_texts(records)
    if second is None:
        return first
    return [f"{a} [SEP] {b}" for a, b in zip(first, second)]


class BaselineClassifier:
    """A fitted baseline with the classifier's ``predict`` / ``predict_proba`` over records."""

    def __init__(self, name: str, labels: Sequence[str], encoding: InputEncoding, seed: int = 0) -> None:
        self.name = name
        self.labels = list(labels)
        self.encoding = encoding
        self.seed = seed
        self.pipeline_: Pipeline | None = None

    def fit(self, records: Sequence[dict[str, Any]], label_field: str = "stance") -> BaselineClassifier:
        self.pipeline_ = make_baseline(self.name, self.seed)
        self.pipeline_.fit(baseline_texts(records, self.encoding), [r[label_field] for r in records])
        return self

    def predict_proba(self, records: Sequence[dict[str, Any]]) -> np.ndarray:
        assert self.pipeline_ is not None, "call fit first"
        proba = self.pipeline_.predict_proba(baseline_texts(records, self.encoding))
        out = np.zeros((len(records), len(self.labels)), dtype=np.float32)
        for j, label in enumerate(self.pipeline_.classes_):
            out[:, self.labels.index(label)] = proba[:, j]
        return out

    def predict(self, records: Sequence[dict[str, Any]]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(records).argmax(axis=1)]
