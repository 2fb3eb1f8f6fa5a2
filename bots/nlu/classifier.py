"""A small multinomial naive Bayes over character and pinyin n-grams, pure Python.

It only decides messages that no cue word covers; its weights are plain counts in
data/nb_model.json, built from tests/data/nlu/train.jsonl and train_extra/ by `python -m bots.nlu.train`.
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("data") / "nb_model.json"
ALPHA = 0.5


def features(chars: str, keys: tuple[str, ...]) -> list[str]:
    """Character uni/bigrams plus fuzzy-pinyin uni/bigrams, so homophones share evidence."""
    padded = "^" + chars + "$"
    grams = ["c" + c for c in chars] + ["b" + padded[i:i + 2] for i in range(len(padded) - 1)]
    sounds = ["^", *keys, "$"]
    grams += ["s" + k for k in keys]
    grams += ["t" + sounds[i] + "_" + sounds[i + 1] for i in range(len(sounds) - 1)]
    return grams


def train_counts(samples: Iterable[tuple[list[str], str]]) -> dict:
    """Count tables (the whole model) from (features, label) pairs."""
    docs: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for feats, label in samples:
        docs[label] += 1
        counts[label].update(feats)
    return {"alpha": ALPHA, "docs": dict(sorted(docs.items())),
            "counts": {label: dict(sorted(c.items())) for label, c in sorted(counts.items())}}


class NaiveBayes:
    """Log-space scorer built once from the count tables."""

    def __init__(self, model: dict) -> None:
        alpha = model["alpha"]
        vocab = {f for c in model["counts"].values() for f in c}
        total_docs = sum(model["docs"].values())
        self.labels = sorted(model["docs"])
        self._prior = {lb: math.log(model["docs"][lb] / total_docs) for lb in self.labels}
        self._log: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for label in self.labels:
            counts = model["counts"][label]
            denominator = sum(counts.values()) + alpha * len(vocab)
            self._log[label] = {f: math.log((n + alpha) / denominator) for f, n in counts.items()}
            self._unseen[label] = math.log(alpha / denominator)
        self._vocab = vocab

    def posteriors(self, feats: list[str]) -> dict[str, float]:
        """Label -> probability; features never seen in training are ignored."""
        known = [f for f in feats if f in self._vocab]
        scores = {lb: self._prior[lb] + sum(self._log[lb].get(f, self._unseen[lb]) for f in known)
                  for lb in self.labels}
        top = max(scores.values())
        exp = {lb: math.exp(s - top) for lb, s in scores.items()}
        total = sum(exp.values())
        return {lb: v / total for lb, v in exp.items()}


def load(path: Path = MODEL_PATH) -> NaiveBayes:
    """Read the shipped count tables."""
    return NaiveBayes(json.loads(path.read_text(encoding="utf-8")))
