"""The plain message a bot sees, and what it answers: no WeChat types cross this line."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

TEXT, VOICE, IMAGE, LOCATION, LINK, VIDEO, EVENT, UNKNOWN = (
    "text", "voice", "image", "location", "link", "video", "event", "unknown")


@dataclass(frozen=True)
class Message:
    """One inbound message or event from a user."""

    openid: str
    kind: str
    text: str = ""
    event: str = ""
    event_key: str = ""
    recognition: str | None = None
    # Filled by app/speech when the audio was fetched and transcribed here (Recognition was empty).
    transcript: str | None = None
    transcript_confidence: float | None = None
    transcript_source: str = ""
    voice_clip_id: int | None = None
    media_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""
    msg_id: int | None = None
    create_time: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_user_message(self) -> bool:
        """True for something the user sent (opens the 48-hour window), False for events."""
        return self.kind != EVENT

    def to_payload(self) -> dict[str, Any]:
        """Serialise for the inbound log (and for re-running after a crash)."""
        return {k: v for k, v in self.__dict__.items() if k != "extra"} | {"extra": dict(self.extra)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Message:
        """Rebuild a message from the inbound log."""
        return cls(**dict(payload))


@dataclass(frozen=True)
class Reply:
    """A passive reply: text, or None for 'success' (nothing to show)."""

    text: str | None = None


@dataclass
class Context:
    """What a bot needs from the outside world for one message."""

    session: Session
    now: datetime
    tz: ZoneInfo
    config: Mapping[str, Any]
    inbound_id: int | None = None

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)
