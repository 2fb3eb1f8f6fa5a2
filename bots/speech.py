"""Speech to text behind one interface: what a voice message said, whoever heard it.

Providers, in order: WeChat's Recognition field when it is filled (`wechat`), then the transcript our
own recogniser produced before the bot ran (app/speech: `tencent` or `local`, configured by
`speech.provider`). The bot never waits on a recogniser: by the time a message reaches it, the words are
either on the message or nowhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bots.message import Message


@dataclass(frozen=True)
class Transcript:
    """Words heard in a voice message; `confidence` None when the provider does not say."""

    text: str
    confidence: float | None = None
    source: str = ""


class SpeechToText(Protocol):
    """Turns a voice message into a transcript, or None when it cannot."""

    def transcribe(self, message: Message) -> Transcript | None: ...


class RecognitionField:
    """Use the text WeChat recognised, when it sent any."""

    def transcribe(self, message: Message) -> Transcript | None:
        text = (message.recognition or "").strip()
        return Transcript(text, None, "wechat") if text else None


class OwnRecogniser:
    """Use the transcript app/speech made from the audio."""

    def transcribe(self, message: Message) -> Transcript | None:
        text = (message.transcript or "").strip()
        return Transcript(text, message.transcript_confidence, message.transcript_source) if text else None


PROVIDERS: list[SpeechToText] = [RecognitionField(), OwnRecogniser()]


def heard(message: Message) -> Transcript | None:
    """Ask each provider in turn; None when none could."""
    for provider in PROVIDERS:
        found = provider.transcribe(message)
        if found is not None:
            return found
    return None


def transcribe(message: Message) -> str | None:
    """The words of a voice message, or None."""
    found = heard(message)
    return found.text if found else None
