"""Character error rate of the `local` recogniser on the committed espeak-ng clips.

    .venv/bin/python bench/speech_cer.py [--model-dir DIR]     # default: the packaged Whisper base

CER = edit distance between the heard and the spoken sentence (punctuation and spaces removed) over the
spoken sentence's length, summed over clips. See bench/README.md for what the number means.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz.distance import Levenshtein

from app.speech.audio import decode
from app.speech.local import LocalWhisper
from app.speech.recognisers import SpeechError
from tests.speech_support import clip, sentences, whisper_model_dir

KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def chars(text: str) -> str:
    return "".join(KEEP.findall(text))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=None)
    args = parser.parse_args()
    model_dir = args.model_dir or str(whisper_model_dir(Path(tempfile.mkdtemp()) / "whisper-base"))
    recogniser = LocalWhisper(model_dir=model_dir)
    errors = total = 0
    for stem, spoken in sentences().items():
        started = time.monotonic()
        try:
            heard = recogniser.transcribe(decode(clip(stem), "amr")).text
        except SpeechError as exc:
            heard = f"({exc.code})"
        wrong = Levenshtein.distance(chars(heard) if not heard.startswith("(") else "", chars(spoken))
        errors, total = errors + wrong, total + len(chars(spoken))
        print(f"{stem:8} {time.monotonic() - started:5.2f}s  {wrong:3}/{len(chars(spoken)):<3} {spoken} → {heard}")  # noqa: T201
    print(f"CER {errors}/{total} = {errors / total:.1%}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
