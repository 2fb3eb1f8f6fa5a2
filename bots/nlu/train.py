"""Rebuild data/nb_model.json from the labelled training file: `python -m bots.nlu.train`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .classifier import MODEL_PATH, features, train_counts
from .matcher import prepare

DEFAULT_TRAIN = Path(__file__).resolve().parents[2] / "tests" / "data" / "nlu" / "train.jsonl"


def label_of(row: dict) -> str:
    """Joint label: the intent, or intent/category for help requests."""
    return f"{row['intent']}/{row['category']}" if row["intent"] == "help_request" else row["intent"]


def read_rows(path: Path) -> list[dict]:
    """JSON Lines rows, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build(path: Path = DEFAULT_TRAIN) -> dict:
    """Count tables for every row in a training file."""
    samples = []
    for row in read_rows(path):
        message = prepare(row["text"])
        samples.append((features(message.chars, message.keys), label_of(row)))
    return train_counts(samples)


def main(argv: list[str]) -> int:
    """Write the model file; an optional argument names another training file."""
    source = Path(argv[0]) if argv else DEFAULT_TRAIN
    MODEL_PATH.write_text(json.dumps(build(source), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {MODEL_PATH} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
