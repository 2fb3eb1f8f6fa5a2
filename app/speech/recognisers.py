"""What every recogniser gives back, and how one fails."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.speech.audio import Pcm


class SpeechError(Exception):
    """A recogniser that did not give a transcript: its code (a provider error code, Timeout, …)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Heard:
    """A transcript; `confidence` in [0, 1] when the recogniser says how sure it is, else None."""

    text: str
    confidence: float | None = None


class Recogniser(Protocol):
    """Turns 16 kHz mono PCM into words."""

    name: str  # the provider's config name: tencent, local
    model: str  # which engine or model, stored with each clip

    def transcribe(self, pcm: Pcm) -> Heard:
        """The words in the audio; SpeechError when there are none to give."""
