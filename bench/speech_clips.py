"""Make the Mandarin test clips: espeak-ng speaks each sentence, PyAV encodes it as WeChat's AMR.

    .venv/bin/python bench/speech_clips.py            # writes tests/data/speech/*.amr and clips.tsv

espeak-ng (Debian package `espeak-ng`) is needed only here; the clips are committed, so the tests and CI
decode and transcribe them without it. espeak-ng's Mandarin is a robotic formant voice, far from an elder
on a farm phone: a recogniser's error rate on these clips is a floor to compare versions, not a forecast.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import av

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"
# (file stem, sentence): elders' sentences, the first of them the issue's own emergency.
SENTENCES = [
    ("fall", "救命啊，我跌了一跤，爬不起来了"),
    ("meal", "我想订明天的午饭"),
    ("doctor", "我要去医院看病，有没有人陪我去"),
    ("safe", "我今天很好，身体没事"),
    ("events", "最近有什么活动"),
    ("chest", "我胸口疼，喘不上气"),
    ("water", "家里水管坏了，请人来修一下"),
    ("thanks", "谢谢你们，辛苦了"),
]


def speak(text: str) -> bytes:
    """WAV bytes of espeak-ng reading `text` in Mandarin."""
    return subprocess.run(["espeak-ng", "-v", "cmn", "-s", "150", "--stdout", text], check=True,
                          capture_output=True).stdout


def to_amr(wav: bytes) -> bytes:
    """AMR-NB (8 kHz mono, 12.2 kbit/s): the format WeChat stores voice messages in."""
    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out, "w", format="amr") as sink:
        stream = sink.add_stream("libopencore_amrnb", rate=8000)
        stream.bit_rate = 12200
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                chunk.pts = None
                for packet in stream.encode(chunk):
                    sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)
    return out.getvalue()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = ["stem\ttext"]
    for stem, text in SENTENCES:
        (OUT / f"{stem}.amr").write_bytes(to_amr(speak(text)))
        lines.append(f"{stem}\t{text}")
    (OUT / "clips.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(SENTENCES)} clips to {OUT}")  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    sys.exit(main())
