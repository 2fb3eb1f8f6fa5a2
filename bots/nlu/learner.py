"""A logistic regression over character and sound n-grams, learnt from every labelled batch; scored in pure Python.

scikit-learn fits it (`python -m bots.nlu.train`, see learn.py); what ships is its vocabulary, the inverse document
frequencies and the weights (small ones pruned) in data/learner.json, so answering a message needs neither numpy nor
scikit-learn. Two models: the intent, and the help category of a help request.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .matcher import Prepared

LEARNER_PATH = Path(__file__).with_name("data") / "learner.json"


def grams(message: Prepared) -> list[str]:
    """Character 1-3-grams and fuzzy-pinyin 1-2-grams: what was typed and how it sounds."""
    chars, keys = message.chars, message.keys
    found = [chars[i:i + n] for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
    found += ["s:" + k for k in keys]
    found += ["t:" + a + "_" + b for a, b in zip(keys, keys[1:], strict=False)]
    return found


@dataclass(frozen=True)
class Guess:
    """The most likely label and its probability."""

    label: str
    probability: float


class Linear:
    """One multinomial model: TF-IDF (sublinear, l2) features, a weight per (feature, label), softmax."""

    def __init__(self, table: dict) -> None:
        self.labels: list[str] = table["labels"]
        self.idf: dict[str, float] = table["idf"]
        # Tuples of numbers only: the garbage collector stops tracking them, so a worker holding the model does not
        # pay for walking a hundred thousand small containers at every full collection.
        self.weights: dict[str, tuple[tuple[int, float], ...]] = {
            gram: tuple((int(i), float(w)) for i, w in pairs) for gram, pairs in table["weights"].items()}
        self.intercepts: list[float] = table["intercepts"]

    def guess(self, found: list[str]) -> Guess:
        counts = Counter(g for g in found if g in self.idf)
        values = {g: (1.0 + math.log(n)) * self.idf[g] for g, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        scores = list(self.intercepts)
        for gram, value in values.items():
            for index, weight in self.weights.get(gram, ()):
                scores[index] += weight * value / norm
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        best = max(range(len(scores)), key=scores.__getitem__)
        return Guess(self.labels[best], exps[best] / sum(exps))


@lru_cache(maxsize=1)
def models() -> tuple[Linear, Linear]:
    """The intent model and the help-category model, loaded once."""
    table = json.loads(LEARNER_PATH.read_text(encoding="utf-8"))
    return Linear(table["intent"]), Linear(table["category"])


class Reading:
    """One message as the learnt models read it; the category is only worked out when asked for."""

    def __init__(self, message: Prepared) -> None:
        self._found = grams(message)
        self.intent = models()[0].guess(self._found)
        self._category: Guess | None = None

    @property
    def category(self) -> Guess:
        """The learnt help category (meaningful when the message asks for help)."""
        if self._category is None:
            self._category = models()[1].guess(self._found)
        return self._category


def read(message: Prepared, turn: object = None) -> Reading:
    """The learnt reading of a message; once per turn when `turn` names it (the turn's clock reading). A turn reads
    the same words several times (the engine, the second reading after the safety question, the help flow's
    category guess); the next turn reads them afresh, so a message repeated across turns costs what it costs."""
    return Reading(message) if turn is None else _read_in_turn(message, turn)


@lru_cache(maxsize=64)
def _read_in_turn(message: Prepared, turn: object) -> Reading:
    return Reading(message)


def guess(message: Prepared) -> tuple[Guess, Guess]:
    """The learnt intent and help category of a message."""
    reading = Reading(message)
    return reading.intent, reading.category
