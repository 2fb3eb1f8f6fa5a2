"""Voice messages as audio we keep for a while: what was heard, by which recogniser, and for how long.

One row per voice message (its inbound row), written when the audio was fetched and transcribed, or
when either failed. The audio waits for the coordinators' console for `keep_days` (WeChat's own media
lifetime is three days, so after that nobody could fetch it again anyway) unless a coordinator marks
it to keep; `purge_expired` then deletes the row with its bytes. No clock reads: `now` is a parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, insert_ignore, rowcount, table_of, utc_field

# What became of a voice message: a transcript, audio we could not turn into words, or no audio at all.
TRANSCRIBED, UNRECOGNISED, NO_AUDIO = "transcribed", "unrecognised", "no_audio"
STATUSES = (TRANSCRIBED, UNRECOGNISED, NO_AUDIO)


class VoiceClip(SQLModel, table=True):
    __tablename__ = "voice_clips"
    __table_args__ = (sa.Index("ix_voice_clips_expiry", "kept", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # One clip per recorded push: a re-run after a crash finds the transcript instead of asking again.
    inbound_id: int = Field(unique=True)
    openid: str = Field(max_length=64, index=True)
    media_id: str = Field(default="", max_length=128)
    audio_format: str = Field(default="", max_length=16)  # as WeChat sent it: amr or speex
    audio: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary(), nullable=True))
    duration_ms: int | None = Field(default=None)
    provider: str = Field(default="", max_length=16)  # wechat, tencent, local, or "" when none was asked
    model: str = Field(default="", max_length=128)  # the engine type or model directory that listened
    transcript: str | None = Field(default=None, max_length=2000)
    confidence: float | None = Field(default=None)
    status: str = Field(default=UNRECOGNISED, max_length=16)
    error: str = Field(default="", max_length=200)  # why there is no transcript (an errcode, a provider code)
    kept: bool = Field(default=False)
    kept_by_id: int | None = Field(default=None, foreign_key="users.id")
    kept_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()


@dataclass(frozen=True)
class Heard:
    """What one voice message gave: audio (maybe), a transcript (maybe), and who listened."""

    audio: bytes | None
    audio_format: str = ""
    duration_ms: int | None = None
    provider: str = ""
    model: str = ""
    transcript: str | None = None
    confidence: float | None = None
    error: str = ""

    @property
    def status(self) -> str:
        if self.transcript:
            return TRANSCRIBED
        return UNRECOGNISED if self.audio else NO_AUDIO


def record(session: Session, *, inbound_id: int, openid: str, media_id: str, heard: Heard, now: datetime,
           keep_days: float) -> int:
    """Store what a voice message gave, once per inbound row; return the clip's id."""
    now = as_utc(now)
    insert_ignore(session, VoiceClip, {
        "inbound_id": inbound_id, "openid": openid, "media_id": media_id[:128], "audio_format": heard.audio_format[:16],
        "audio": heard.audio, "duration_ms": heard.duration_ms, "provider": heard.provider[:16],
        "model": heard.model[:128], "transcript": (heard.transcript or None) and heard.transcript[:2000],
        "confidence": heard.confidence, "status": heard.status, "error": heard.error[:200], "kept": False,
        "created_at": now, "expires_at": now + timedelta(days=keep_days),
    })
    clip = of_inbound(session, inbound_id)
    assert clip is not None and clip.id is not None
    return clip.id


def of_inbound(session: Session, inbound_id: int) -> VoiceClip | None:
    """The clip recorded for a push, if any."""
    return session.exec(select(VoiceClip).where(VoiceClip.inbound_id == inbound_id)).first()


def mark_kept(session: Session, clip_id: int, *, by_id: int | None, now: datetime) -> bool:
    """Keep a clip past its expiry (a coordinator wants it); False when it is gone already."""
    table = table_of(VoiceClip)
    result = session.execute(sa.update(table).where(table.c.id == clip_id)
                             .values(kept=True, kept_by_id=by_id, kept_at=as_utc(now)))
    return rowcount(result) == 1


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete every clip past its expiry that nobody marked; return how many."""
    table = table_of(VoiceClip)
    result = session.execute(sa.delete(table).where(table.c.kept.is_(False), table.c.expires_at <= as_utc(now)))
    return rowcount(result)


def recent(session: Session, *, openids: list[str] | None = None, status: str | None = None,
           limit: int = 50) -> list[VoiceClip]:
    """The newest clips first, optionally of some people or with one status."""
    query = select(VoiceClip).order_by(col(VoiceClip.id).desc()).limit(limit)
    if openids is not None:
        query = query.where(col(VoiceClip.openid).in_(openids))
    if status is not None:
        query = query.where(VoiceClip.status == status)
    return list(session.exec(query))
