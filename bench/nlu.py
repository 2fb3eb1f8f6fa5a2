"""Figures for the understanding layer: per-intent precision/recall, confusions, speed, load time.

Run from the project root: `.venv/bin/python bench/nlu.py` (the labelled sets), or
`.venv/bin/python bench/nlu.py FILE...` (held-out batches, each scored on its own with its misses).
Prints only; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.nlu import is_emergency, understand

DATA = ROOT / "tests" / "data" / "nlu"
HELD_OUT = ("test.jsonl", "emergency.jsonl")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LOAD_CODE = ("import time; t = time.perf_counter(); from bots.nlu import understand; "
             "from bots.nlu.intents import model; model(); print(time.perf_counter() - t)")


def read(name: str) -> list[dict]:
    """Rows of one labelled file."""
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def label(intent: str, category: str | None) -> str:
    """intent, or intent/category for help requests."""
    return f"{intent}/{category}" if intent == "help_request" else intent


def predictions(rows: list[dict]) -> list[tuple[str, str]]:
    """(expected, predicted) joint labels."""
    return [(label(r["intent"], r["category"]), label(*_guess(r["text"]))) for r in rows]


def _guess(text: str) -> tuple[str, str | None]:
    result = understand(text, NOW)
    return result.intent, result.category


def report_accuracy(pairs: list[tuple[str, str]]) -> None:
    """Overall accuracy, per-label precision/recall and the top confusions."""
    hits = sum(e == p for e, p in pairs)
    print(f"held-out utterances: {len(pairs)}   intent+category accuracy: {hits / len(pairs):.3f}")
    print(f"{'label':32} {'n':>4} {'precision':>9} {'recall':>7}")
    for name in sorted({e for e, _ in pairs} | {p for _, p in pairs}):
        tp = sum(e == p == name for e, p in pairs)
        n_pred = sum(p == name for _, p in pairs)
        n_true = sum(e == name for e, _ in pairs)
        precision = tp / n_pred if n_pred else float("nan")
        recall = tp / n_true if n_true else float("nan")
        print(f"{name:32} {n_true:>4} {precision:>9.3f} {recall:>7.3f}")
    confusions = Counter((e, p) for e, p in pairs if e != p).most_common(10)
    print("most frequent confusions (expected -> predicted):")
    for (e, p), n in confusions or [(("-", "-"), 0)]:
        print(f"  {n:>3}  {e} -> {p}")


def report_emergency_recall() -> None:
    """Recall of is_emergency on every labelled file."""
    for name in ("train.jsonl", *HELD_OUT):
        texts = [r["text"] for r in read(name) if r["category"] == "emergency"]
        caught = sum(is_emergency(t) for t in texts)
        print(f"emergency recall {name:16} {caught}/{len(texts)}")
    others = [r["text"] for n in HELD_OUT for r in read(n) if r["category"] != "emergency"]
    alarms = sum(is_emergency(t) for t in others)
    print(f"false alarms on held-out non-emergencies: {alarms}/{len(others)}")


def report_speed(texts: list[str], rounds: int = 5) -> None:
    """Median and p99 time of one understand() call."""
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            understand(text, NOW)
            times.append(time.perf_counter() - start)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"per utterance: median {statistics.median(times) * 1000:.3f} ms   p99 {p99 * 1000:.3f} ms"
          f"   ({len(times)} calls)")


def report_load_time() -> None:
    """Import plus model load, measured in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", LOAD_CODE], cwd=ROOT, capture_output=True, text=True, check=True)
    print(f"import + model load (fresh process): {float(done.stdout) * 1000:.0f} ms")


def report_batches(paths: list[str]) -> None:
    """First-sight figures for held-out batches: intent accuracy, help-category accuracy, misses."""
    for path in paths:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            row.setdefault("category", None)  # writers may leave it out where there is no help request
        guesses = [_guess(r["text"]) for r in rows]
        intent_hits = sum(g[0] == r["intent"] for g, r in zip(guesses, rows, strict=True))
        helps = [(g, r) for g, r in zip(guesses, rows, strict=True) if r["intent"] == "help_request"]
        category_hits = sum(g == (r["intent"], r["category"]) for g, r in helps)
        print(f"{Path(path).name}: intent {intent_hits}/{len(rows)} ({intent_hits / len(rows):.0%})   "
              f"help category {category_hits}/{len(helps)} ({category_hits / max(len(helps), 1):.0%})")
        asked = [r for r in rows if _asks(r["text"])]
        if asked:
            settled = [_settled(r) for r in rows]
            s_intent = sum(g[0] == r["intent"] for g, r in zip(settled, rows, strict=True))
            s_category = sum(g == (r["intent"], r["category"])
                             for g, r in zip(settled, rows, strict=True) if r["intent"] == "help_request")
            print(f"    after the safety question ({len(asked)} lines asked 是紧急情况吗, answered as the writer "
                  f"would): intent {s_intent}/{len(rows)} ({s_intent / len(rows):.0%})   "
                  f"help category {s_category}/{len(helps)} ({s_category / max(len(helps), 1):.0%})")
        for g, r in zip(guesses, rows, strict=True):
            if g != (r["intent"], r["category"]):
                print(f"    {r['text']}  expected {label(r['intent'], r['category'])}  got {label(*g)}")


def _asks(text: str) -> bool:
    danger = understand(text, NOW).danger
    return danger is not None and not danger.certain


def _settled(row: dict) -> tuple[str, str | None]:
    """Where the conversation goes once the safety question, if asked, is answered: 是 for an emergency,
    不是 otherwise, after which the message is read without the safety classifier (bots/engine.py)."""
    if not _asks(row["text"]) or row["category"] == "emergency":
        return _guess(row["text"])
    result = understand(row["text"], NOW, safety=False)
    return result.intent, result.category


def main() -> None:
    """Print every figure; with file arguments, score those held-out batches only."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="batches to score at first sight (JSON lines: text, intent, "
                                                 "category, persona); without them, every figure")
    files = parser.parse_args().files
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    if files:
        report_batches(files)
        return
    rows = [row for name in HELD_OUT for row in read(name)]
    report_accuracy(predictions(rows))
    report_emergency_recall()
    report_speed([row["text"] for row in rows])
    report_load_time()


if __name__ == "__main__":
    main()
