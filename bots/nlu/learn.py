"""Fit the learnt intent and category models with scikit-learn and export them for learner.py.

Run through `python -m bots.nlu.train`. Trained on the training files and on every intent batch already scored at
first sight (intent_heldout/): a batch is scored before anything is tuned or trained on it (docs/nlu.md), and the
batches still waiting to be scored (intent_untuned/) are never read here.
"""
from __future__ import annotations

from pathlib import Path

from .english import read_in_chinese
from .learner import grams
from .matcher import prepare
from .train import read_rows

MIN_DOCS = 3  # a gram seen in fewer lines is noise from one writer
C = 10.0  # weak regularisation: thousands of short lines, most grams rare
PRUNE = 0.3  # weights smaller than this change no decision on the labelled lines and triple the file
DIGITS = 5


def fit_table(rows: list[tuple[list[str], str]], balanced: bool = False) -> dict:
    """One model's vocabulary, idf, pruned weights and intercepts, as plain JSON data."""
    # Training only, never imported to answer a message; scikit-learn ships no type information.
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vectoriser = TfidfVectorizer(analyzer=lambda found: found, sublinear_tf=True, min_df=MIN_DOCS)
    matrix = vectoriser.fit_transform([found for found, _ in rows])
    class_weight = "balanced" if balanced else None
    model = LogisticRegression(C=C, max_iter=5000, class_weight=class_weight).fit(matrix, [label for _, label in rows])
    labels = [str(label) for label in model.classes_]
    coef, intercept = model.coef_, model.intercept_
    if len(labels) == 2:
        # scikit-learn keeps one weight row for two labels; half of it for each keeps the softmax's answer.
        coef, intercept = numpy.vstack([-coef / 2, coef / 2]), numpy.array([-intercept[0] / 2, intercept[0] / 2])
    vocabulary = vectoriser.vocabulary_
    weights: dict[str, list[list[float]]] = {}
    for gram, column in sorted(vocabulary.items()):
        pairs = [[index, round(float(coef[index, column]), DIGITS)] for index in range(len(labels))
                 if abs(coef[index, column]) >= PRUNE]
        if pairs:
            weights[gram] = pairs
    idf = {gram: round(float(vectoriser.idf_[vocabulary[gram]]), DIGITS) for gram in sorted(vocabulary)}
    return {"labels": labels, "idf": idf, "weights": weights,
            "intercepts": [round(float(b), DIGITS) for b in intercept]}


def build_learner(paths: list[Path]) -> dict:
    """Both models from labelled JSON Lines files (rows with an intent)."""
    intents: list[tuple[list[str], str]] = []
    categories: list[tuple[list[str], str]] = []
    for path in paths:
        for row in read_rows(path):
            if "intent" not in row:
                continue
            found = grams(read_in_chinese(prepare(row["text"])))  # as intents.py reads it
            intents.append((found, row["intent"]))
            if row["intent"] == "help_request" and row.get("category") not in (None, "emergency"):
                categories.append((found, row["category"]))
    return {"intent": fit_table(intents), "category": fit_table(categories)}
