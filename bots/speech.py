"""Speech to text behind an interface: WeChat's Recognition field is the first provider.

WeChat is withdrawing voice recognition (recent pushes carry an empty Recognition), so a provider
that downloads the media and transcribes it can be added to PROVIDERS without touching the bot.
"""
from __future__ import annotations

from typing import Protocol

from bots.message import Message


class SpeechToText(Protocol):
    """Turns a voice message into text, or None when it cannot."""

    def transcribe(self, message: Message) -> str | None: ...


class RecognitionField:
    """Use the text WeChat recognised, when it sent any."""

    def transcribe(self, message: Message) -> str | None:
        text = (message.recognition or "").strip()
        return text or None


PROVIDERS: list[SpeechToText] = [RecognitionField()]


def transcribe(message: Message) -> str | None:
    """Ask each provider in turn; None when none could."""
    for provider in PROVIDERS:
        text = provider.transcribe(message)
        if text:
            return text
    return None
