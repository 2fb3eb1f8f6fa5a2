"""Voice audio in, 16 kHz mono 16-bit PCM out, with FFmpeg's decoders through PyAV.

WeChat sends voice messages as AMR (narrow-band, 8 kHz) and, for the high-definition variant, Speex;
FFmpeg decodes both natively. Recognisers want 16 kHz mono: the dialect engines of Tencent Cloud and
Whisper are 16 kHz models, so narrow-band audio is resampled up rather than the engine chosen down.
"""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import av

RATE = 16000
# Longer than any WeChat voice message (60 s) and Tencent's one-sentence limit: the rest is not decoded.
MAX_SECONDS = 60.0
# Container hints for FFmpeg when it cannot guess from the bytes alone.
FORMATS = {"amr": "amr", "speex": "ogg"}


class DecodeError(Exception):
    """The bytes are not audio FFmpeg can read."""


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples at RATE."""

    samples: bytes

    @property
    def duration_ms(self) -> int:
        return len(self.samples) * 1000 // (2 * RATE)

    def wav(self) -> bytes:
        """The samples in a WAV file, for providers and players that want a container."""
        out = io.BytesIO()
        with wave.open(out, "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(RATE)
            file.writeframes(self.samples)
        return out.getvalue()

    def floats(self):
        """The samples as float32 in [-1, 1] (numpy), as Whisper takes them."""
        import numpy as np

        return np.frombuffer(self.samples, dtype="<i2").astype(np.float32) / 32768.0


def decode(data: bytes, audio_format: str = "", *, max_seconds: float = MAX_SECONDS) -> Pcm:
    """Decode a voice message to Pcm; DecodeError when it is not audio."""
    if not data:
        raise DecodeError("no bytes")
    hint = FORMATS.get(audio_format.lower())
    for container in ([hint, None] if hint else [None]):
        try:
            return _decode(data, container, max_seconds)
        except (av.FFmpegError, ValueError, IndexError, StopIteration) as exc:
            last = exc
    raise DecodeError(type(last).__name__)


def _decode(data: bytes, container: str | None, max_seconds: float) -> Pcm:
    limit = int(max_seconds * RATE) * 2
    out = bytearray()
    with av.open(io.BytesIO(data), format=container, mode="r") as source:
        stream = next(s for s in source.streams if s.type == "audio")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for frame in source.decode(stream):
            if not isinstance(frame, av.AudioFrame):
                continue
            for chunk in resampler.resample(frame):
                out += bytes(chunk.planes[0])[: chunk.samples * 2]
            if len(out) >= limit:
                break
        for chunk in resampler.resample(None):
            out += bytes(chunk.planes[0])[: chunk.samples * 2]
    if not out:
        raise ValueError("no samples")
    return Pcm(bytes(out[:limit]))
