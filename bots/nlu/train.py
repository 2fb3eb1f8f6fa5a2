"""Rebuild data/nb_model.json from the labelled training files: `python -m bots.nlu.train`.

The naive Bayes' training set is train.jsonl (the first hand-written set) and every file in train_extra/ (corpora
written for training by people who never saw a held-out batch); it is never trained on a held-out batch. The learnt
model (learn.py, data/learner.json) is fitted on those and on every intent batch already scored at first sight.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from pypinyin import lazy_pinyin

from .classifier import MODEL_PATH, features, train_counts
from .dialect import PINYIN_WORDS_PATH
from .learner import LEARNER_PATH
from .matcher import prepare

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "nlu"
DEFAULT_TRAIN = DATA / "train.jsonl"
EXTRA = DATA / "train_extra"
DANGER_CORPUS = DATA / "emergency_train"
_HAN_RUN = re.compile(r"[\u4e00-\u9fa5]+")


def training_files() -> list[Path]:
    """The files the shipped model is built from."""
    return [DEFAULT_TRAIN, *sorted(EXTRA.glob("*.jsonl"))]


def label_of(row: dict) -> str:
    """Joint label: the intent, or intent/category for help requests."""
    return f"{row['intent']}/{row['category']}" if row["intent"] == "help_request" else row["intent"]


def read_rows(path: Path) -> list[dict]:
    """JSON Lines rows, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build(paths: list[Path] | None = None) -> dict:
    """Count tables for every row of the training files."""
    samples = []
    for path in paths or training_files():
        for row in read_rows(path):
            message = prepare(row["text"])
            samples.append((features(message.chars, message.keys), label_of(row)))
    return train_counts(samples)


def pinyin_words(paths: list[Path] | None = None) -> dict[str, str]:
    """For each toneless reading, the word of two to four characters the training texts use most (seen twice at
    least): how a message typed in toneless pinyin is written back ("mei tian ti xing wo chi yao" → 每天 提醒 我 吃药),
    from the words this village's messages are made of rather than one common character per syllable."""
    counts: Counter[str] = Counter()
    for path in paths or [*training_files(), *sorted(DANGER_CORPUS.glob("*.jsonl"))]:
        for row in read_rows(path):
            for run in _HAN_RUN.findall(row["text"]):
                counts.update(run[i:i + size] for size in (2, 3, 4) for i in range(len(run) - size + 1))
    words: dict[str, str] = {}
    for word, seen in counts.most_common():
        if seen < 2:
            break
        words.setdefault(" ".join(lazy_pinyin(word)), word)
    return dict(sorted(words.items()))


def learner_files() -> list[Path]:
    """What the learnt models are fitted on: the training files and every batch already scored at first sight."""
    return [*training_files(), *sorted((DATA / "intent_heldout").glob("*.jsonl"))]


def write_compact(path: Path, data: dict | list) -> None:
    """A shipped model or table as compact UTF-8 JSON (the form every loader in bots/nlu reads)."""
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main(argv: list[str]) -> int:
    """Write the model files and the pinyin word table; arguments name other training files (naive Bayes only)."""
    from .learn import build_learner

    sources = [Path(arg) for arg in argv] or training_files()
    write_compact(MODEL_PATH, build(sources))
    write_compact(PINYIN_WORDS_PATH, pinyin_words())
    write_compact(LEARNER_PATH, build_learner(learner_files()))
    print(f"wrote {MODEL_PATH} from {len(sources)} files, {PINYIN_WORDS_PATH} and {LEARNER_PATH}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
