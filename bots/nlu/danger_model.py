"""A statistical second opinion for the safety classifier: naive Bayes over character and sound n-grams.

The signs in `danger_words` are written per class of situation; a phrasing none of them anticipated
("老汉肚子胀得像鼓 一按就叫唤") can still look like the emergencies people write. This model is trained on
its own corpus (tests/data/nlu/emergency_train/, written for training by people who never saw the held-out
batches, plus the ordinary messages of tests/data/nlu/train.jsonl) and never on the held-out batches or the
everyday set, which stay for evaluation. It can only make the classifier ask "是紧急情况吗？": a message
it flags is a weak sign, and the harmless readings (a lesson, a story, "没事了") still apply.

Rebuild after editing the corpus: `.venv/bin/python -m bots.nlu.danger_model`.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

from .classifier import NaiveBayes, features, train_counts
from .dialect import fold
from .matcher import Prepared, prepare

MODEL_PATH = Path(__file__).with_name("data") / "danger_nb.json"
DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "nlu"
CORPUS = DATA / "emergency_train"
ORDINARY = DATA / "train.jsonl"
EMERGENCY, ORDINARY_LABEL = "emergency", "ordinary"
# Above this posterior the message earns the question. Chosen on the training corpus by leave-one-file-out
# estimates (docs/nlu.md), not on the held-out batches.
THRESHOLD = 0.98


def refolded(message: Prepared) -> Prepared:
    """The message with dialect words and variant characters folded, as the signs read it."""
    folded = fold(message.chars)
    return message if folded == message.chars else prepare(folded)


def _features(message: Prepared) -> list[str]:
    again = refolded(message)
    return features(again.chars, again.keys)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus() -> list[tuple[str, str]]:
    """(text, label) for every training line: the safety corpus and the intent set's ordinary messages."""
    pairs = [(row["text"], EMERGENCY if row["label"] == "emergency" else ORDINARY_LABEL)
             for path in sorted(CORPUS.glob("*.jsonl")) for row in _rows(path)]
    pairs += [(row["text"], ORDINARY_LABEL) for row in _rows(ORDINARY) if row.get("category") != "emergency"]
    # What the classifier is judged by stays out, even a short line two sets happen to share ("好着呢").
    judged = {row["text"] for path in [*sorted((DATA / "emergency_heldout").glob("*.jsonl")),
                                       DATA / "everyday.jsonl"] for row in _rows(path)}
    return [(text, label) for text, label in pairs if text not in judged]


def build(pairs: list[tuple[str, str]]) -> dict:
    """Count tables for (text, label) pairs; an n-gram seen once says nothing general and is left out."""
    samples = [(_features(prepare(text)), label) for text, label in pairs]
    seen: dict[str, int] = {}
    for feats, _ in samples:
        for feat in feats:
            seen[feat] = seen.get(feat, 0) + 1
    return train_counts(([f for f in feats if seen[f] > 1], label) for feats, label in samples)


@lru_cache(maxsize=1)
def _model() -> NaiveBayes | None:
    if not MODEL_PATH.is_file():
        return None
    return NaiveBayes(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def emergency_probability(message: Prepared) -> float:
    """How much the message reads like the emergencies people write (0 when no model ships)."""
    model = _model()
    return model.posteriors(_features(message)).get(EMERGENCY, 0.0) if model is not None else 0.0


def main() -> int:
    """Write the model file from the corpus."""
    pairs = corpus()
    from .train import write_compact

    write_compact(MODEL_PATH, build(pairs))
    print(f"wrote {MODEL_PATH} from {len(pairs)} lines")  # noqa: T201  (a command-line tool's report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
