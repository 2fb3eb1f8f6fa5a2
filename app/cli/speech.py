"""`flask --app app speech check|clips|keep|export`: the recogniser, and the voice audio we keep.

`check` says whether the configured recogniser answers and how long a five-second clip takes (for the
local model: whether it loads). `clips` lists recent voice messages with what was heard; `export`
writes one clip's audio (as received, AMR or Speex, or decoded to WAV) for someone to listen to;
`keep` marks a clip to survive the three-day purge.
"""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from app.db import session_scope
from app.speech import recogniser_from_settings
from app.speech.audio import RATE, DecodeError, Pcm, decode
from app.speech.recognisers import SpeechError
from bots.texts import t
from models.speech import clips

speech_group = AppGroup("speech", help="Speech-to-text: check the recogniser; list, keep and export voice clips.")
CHECK_SECONDS = 5


def _rt():
    return current_app.extensions["linli"]


def _clip(path: str | None) -> Pcm:
    """Five seconds of audio: the given file decoded, or a tone (enough to time a model, not to test it)."""
    if path:
        return decode(Path(path).read_bytes(), Path(path).suffix.lstrip("."), max_seconds=CHECK_SECONDS)
    import math

    samples = bytearray()
    for i in range(RATE * CHECK_SECONDS):
        samples += int(3000 * math.sin(2 * math.pi * 220 * i / RATE)).to_bytes(2, "little", signed=True)
    return Pcm(bytes(samples))


@speech_group.command("check")
@click.option("--audio", "audio_path", default=None, help="an AMR/Speex/WAV file to transcribe instead of a tone")
def check(audio_path: str | None):
    """Does the configured recogniser load and answer, and how long does a 5-second clip take?"""
    rt = _rt()
    speech = rt.settings.get("speech") or {}
    recogniser = recogniser_from_settings(speech)
    if recogniser is None:
        raise click.ClickException(t("console_speech_off"))
    try:
        pcm = _clip(audio_path)
    except (OSError, DecodeError) as exc:
        raise click.ClickException(t("console_speech_bad_audio", error=str(exc))) from None
    load = getattr(recogniser, "load", None)
    started = time.monotonic()
    try:
        if load is not None:
            load()
            click.echo(t("console_speech_loaded", model=recogniser.model, seconds=f"{time.monotonic() - started:.1f}"))
        started = time.monotonic()
        heard = recogniser.transcribe(pcm)
        text, confidence = heard.text, heard.confidence
    except SpeechError as exc:
        if exc.code in ("NoModel", "ModelLoadFailed") or exc.code.startswith("AuthFailure"):
            raise click.ClickException(t("console_speech_failed", provider=recogniser.name, code=exc.code,
                                         message=exc.message)) from None
        text, confidence = f"({exc.code})", None  # answered, with nothing to hear in a tone
    click.echo(t("console_speech_checked", provider=recogniser.name, model=recogniser.model,
                 audio=f"{pcm.duration_ms / 1000:.1f}", seconds=f"{time.monotonic() - started:.2f}",
                 text=text, confidence="-" if confidence is None else f"{confidence:.2f}"))


@speech_group.command("clips")
@click.option("--openid", default=None)
@click.option("--status", type=click.Choice(clips.STATUSES), default=None)
@click.option("--limit", default=20, show_default=True)
def list_clips(openid: str | None, status: str | None, limit: int):
    """Recent voice messages: who, when, what was heard, kept or until when."""
    with Session(_rt().engine) as session:
        rows = clips.recent(session, openids=[openid] if openid else None, status=status, limit=limit)
    if not rows:
        click.echo(t("console_speech_no_clips"))
    tz = _rt().tz
    for clip in rows:
        until = t("console_speech_kept") if clip.kept else f"{clip.expires_at.astimezone(tz):%m-%d %H:%M}"
        click.echo(t("console_speech_clip", id=clip.id, openid=clip.openid, status=clip.status,
                     at=f"{clip.created_at.astimezone(tz):%m-%d %H:%M}", provider=clip.provider or "-",
                     text=clip.transcript or clip.error or "-", until=until))


@speech_group.command("keep")
@click.argument("clip_id", type=int)
def keep(clip_id: int):
    """Keep a clip past its three days."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        found = clips.mark_kept(session, clip_id, by_id=None, now=rt.clock())
    if not found:
        raise click.ClickException(t("voice_keep_missing", clip=clip_id))
    click.echo(t("voice_kept", clip=clip_id))


@speech_group.command("export")
@click.argument("clip_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--wav", is_flag=True, help="decode to 16 kHz WAV (browsers and most players cannot play AMR)")
def export(clip_id: int, path: str, wav: bool):
    """Write a clip's audio to PATH to listen to it."""
    with Session(_rt().engine) as session:
        clip = session.get(clips.VoiceClip, clip_id)
        audio, fmt = (clip.audio, clip.audio_format) if clip else (None, "")
    if not audio:
        raise click.ClickException(t("voice_keep_missing", clip=clip_id))
    Path(path).write_bytes(decode(audio, fmt).wav() if wav else audio)
    click.echo(t("console_speech_exported", clip=clip_id, path=path))


COMMANDS = [speech_group]
