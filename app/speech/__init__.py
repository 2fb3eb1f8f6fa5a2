"""Listening to voice messages off the bot's transaction: fetch, decode, transcribe, keep the audio.

WeChat no longer fills a voice push's Recognition reliably. For a voice push without it, `hear` (run in
the webhook's worker thread after the push is recorded and before the bot's transaction, so no lock or
database connection is held while a recogniser works) downloads the audio with `/cgi-bin/media/get`,
decodes it to 16 kHz mono PCM (app/speech/audio.py), asks the configured recogniser (`speech.provider`:
`tencent` or `local`; empty = none) and records a voice clip (models/speech/clips.py) with the audio,
the transcript and which model heard it. The bot then reads the transcript from the message
(bots/speech.py); a voice nobody could turn into words reaches the bot without one, and the bot tells
the person and the coordinators. A push re-run after a crash finds its clip and is not heard twice.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
import weakref
from collections.abc import Mapping

from app.db import session_scope
from app.speech.audio import DecodeError, Pcm, decode
from app.speech.recognisers import Recogniser, SpeechError
from app.wechat_api import WeChatAPIError
from bots.message import VOICE, Message
from models.speech import clips

log = logging.getLogger(__name__)
_recognisers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def needs_hearing(message: Message) -> bool:
    """A voice push whose words WeChat did not send: the audio must be fetched and transcribed."""
    return message.kind == VOICE and not (message.recognition or "").strip() and bool(message.media_id)


def recogniser_from_settings(speech: Mapping) -> Recogniser | None:
    """The configured recogniser, or None when `speech.provider` is empty."""
    name = (speech or {}).get("provider") or ""
    if not name or name == "wechat":
        return None
    if name == "tencent":
        from app.speech.tencent import TencentAsr

        return TencentAsr.from_settings(speech["tencent"])
    if name == "local":
        from app.speech.local import LocalWhisper

        return LocalWhisper.from_settings(speech["local"])
    raise ValueError(f"speech.provider: unknown provider {name!r}")


def recogniser_of(rt) -> Recogniser | None:
    """The runtime's recogniser, built once (a local model loads once per process)."""
    with _lock:
        if rt not in _recognisers:
            _recognisers[rt] = recogniser_from_settings(rt.settings.get("speech") or {})
        return _recognisers[rt]


def hear(rt, message: Message, inbound_id: int) -> Message:
    """The message with its transcript and clip filled in (unchanged when it needs no hearing)."""
    if not needs_hearing(message):
        return message
    with session_scope(rt.engine) as session:
        clip = clips.of_inbound(session, inbound_id)
        if clip is not None:
            return _with(message, clip.transcript, clip.confidence, clip.provider, clip.id)
    heard = listen(rt, message)
    with session_scope(rt.engine) as session:
        clip_id = clips.record(session, inbound_id=inbound_id, openid=message.openid, media_id=message.media_id,
                               heard=heard, now=rt.clock(), keep_days=float(rt.settings["speech.keep_days"]))
    return _with(message, heard.transcript, heard.confidence, heard.provider, clip_id)


def _with(message: Message, text: str | None, confidence: float | None, provider: str, clip_id) -> Message:
    return dataclasses.replace(message, transcript=text or None, transcript_confidence=confidence,
                               transcript_source=provider if text else "", voice_clip_id=clip_id)


def listen(rt, message: Message) -> clips.Heard:
    """Fetch, decode and transcribe one voice message; what could not be done is said in `error`."""
    fmt = (message.extra or {}).get("Format", "") or "amr"
    try:
        audio, _ = rt.wechat.get_media(message.media_id)
    except WeChatAPIError as exc:
        log.warning("voice media of …%s not fetched: %s", message.openid[-6:], exc.errcode or exc.errmsg)
        return clips.Heard(None, fmt, error=f"media {exc.errcode or exc.errmsg}")
    try:
        pcm = decode(audio, fmt, max_seconds=float(rt.settings["speech.max_seconds"]))
    except DecodeError as exc:
        log.warning("voice media of …%s does not decode (%s)", message.openid[-6:], exc)
        return clips.Heard(audio, fmt, error=f"decode {exc}")
    recogniser = recogniser_of(rt)
    if recogniser is None:
        return clips.Heard(audio, fmt, pcm.duration_ms, error="no recogniser configured")
    return _transcribe(recogniser, audio, fmt, pcm)


def _transcribe(recogniser: Recogniser, audio: bytes, fmt: str, pcm: Pcm) -> clips.Heard:
    started = time.monotonic()
    try:
        heard = recogniser.transcribe(pcm)
    except SpeechError as exc:
        log.warning("%s did not transcribe a voice (%s)", recogniser.name, exc.code)
        return clips.Heard(audio, fmt, pcm.duration_ms, recogniser.name, recogniser.model, error=exc.code)
    log.info("%s transcribed %.1fs of voice in %.2fs", recogniser.name, pcm.duration_ms / 1000,
             time.monotonic() - started)
    return clips.Heard(audio, fmt, pcm.duration_ms, recogniser.name, recogniser.model, heard.text, heard.confidence)
