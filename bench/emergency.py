"""Emergency detection figures: recall per held-out batch and class, false alarms on everyday chat.

Run from the project root: `.venv/bin/python bench/emergency.py [FILE.jsonl ...]`. Prints only.

Held-out batches live in tests/data/nlu/emergency_heldout/ (rows: text, label emergency|not_emergency,
class, persona); they are scored the day they arrive, before any change, and that first-sight score is
recorded in docs/nlu.md. The everyday set (tests/data/nlu/everyday.jsonl) is a thousand ordinary messages
a village sends: no line should raise an alarm, and few should even cost the "是紧急情况吗？" question.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.nlu import assess_danger

DATA = ROOT / "tests" / "data" / "nlu"
BATCHES = DATA / "emergency_heldout"
EVERYDAY = DATA / "everyday.jsonl"


def read(path: Path) -> list[dict]:
    """Rows of one JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def level(text: str) -> str:
    """certain / strong / weak, or '-' for no sign of danger."""
    danger = assess_danger(text)
    return danger.level if danger else "-"


def score_batch(path: Path, show_misses: bool) -> None:
    """Recall on the emergencies, alarms and questions on the lures, per class."""
    rows = read(path)
    by_class: dict[str, Counter] = defaultdict(Counter)
    misses, alarms = [], []
    for row in rows:
        got = level(row["text"])
        counts = by_class[row.get("class", "?")]
        counts["n"] += 1
        if row["label"] == "emergency":
            counts["hit"] += got != "-"
            counts["certain"] += got == "certain"
            if got == "-":
                misses.append(row["text"])
        else:
            counts["alarm"] += got == "certain"
            counts["asked"] += got in ("strong", "weak")
            if got == "certain":
                alarms.append(row["text"])
    emergencies = [r for r in rows if r["label"] == "emergency"]
    hits = sum(c["hit"] for name, c in by_class.items() if name != "lure")
    lures = by_class.get("lure", Counter())
    print(f"\n{path.name}: emergencies recognised {hits}/{len(emergencies)}"
          f" ({hits / max(len(emergencies), 1):.0%}); lures alarmed {lures['alarm']}/{lures['n']},"
          f" asked {lures['asked']}/{lures['n']}")
    for name, c in sorted(by_class.items()):
        if name == "lure":
            continue
        print(f"  {name:18} {c['hit']:>3}/{c['n']:<3} recognised, {c['certain']:>3} acted on at once")
    if show_misses:
        for text in misses:
            print(f"  MISSED  {text}")
        for text in alarms:
            print(f"  ALARMED {text}")


def score_everyday(path: Path, show: bool) -> None:
    """Share of ordinary messages that raise an alarm or cost a question."""
    rows = read(path)
    got = [(row["text"], level(row["text"])) for row in rows]
    alarms = [text for text, lv in got if lv == "certain"]
    asked = [text for text, lv in got if lv in ("strong", "weak")]
    print(f"\neveryday messages: {len(rows)}; alarms {len(alarms)} ({len(alarms) / len(rows):.1%});"
          f" questions {len(asked)} ({len(asked) / len(rows):.1%})")
    if show:
        for text in alarms:
            print(f"  ALARMED {text}")
        for text in asked:
            print(f"  ASKED   {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="batches to score (default: every held-out batch)")
    parser.add_argument("--show", action="store_true", help="print the misses, alarms and questions")
    args = parser.parse_args()
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    files = args.files or sorted(BATCHES.glob("*.jsonl"))
    for path in files:
        score_batch(path, args.show)
    if not args.files and EVERYDAY.exists():
        score_everyday(EVERYDAY, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
