"""Voice clips in models/, with an explicit clock: what is kept of a voice message, for how long, and who sees it.

An operator lists clips (`flask speech clips`), keeps one a coordinator asked for (`flask speech keep`), and the
purge job deletes the rest once they expire."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.db import make_engine, session_scope
from models.people.users import User
from models.speech import clips

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HEARD = clips.Heard(b"#!AMR\n...", "amr", 2400, "tencent", "16k_zh", "我摔倒了", 0.93)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _record(session: Session, inbound_id: int, heard: clips.Heard = HEARD, *, openid: str = "e1",
            media_id: str = "m1", now: datetime = NOW, keep_days: float = 3) -> int:
    return clips.record(session, inbound_id=inbound_id, openid=openid, media_id=media_id, heard=heard, now=now,
                        keep_days=keep_days)


def test_a_voice_message_is_either_transcribed_unrecognised_or_without_audio():
    assert HEARD.status == clips.TRANSCRIBED
    assert clips.Heard(b"audio", "amr", error="no recogniser configured").status == clips.UNRECOGNISED
    assert clips.Heard(b"audio", "amr", transcript="").status == clips.UNRECOGNISED  # heard, but no words
    assert clips.Heard(None, "amr", error="media 40007").status == clips.NO_AUDIO
    assert clips.Heard(b"", "amr").status == clips.NO_AUDIO


def test_a_clip_keeps_what_was_heard_and_expires_after_keep_days(engine):
    with session_scope(engine) as session:
        clip_id = _record(session, 7, keep_days=2.5)
    with Session(engine) as session:
        clip = clips.of_inbound(session, 7)
        assert clip is not None and clip.id == clip_id
        assert (clip.openid, clip.media_id, clip.audio_format, clip.audio, clip.duration_ms) == (
            "e1", "m1", "amr", b"#!AMR\n...", 2400)
        assert (clip.provider, clip.model, clip.transcript, clip.confidence, clip.status, clip.error) == (
            "tencent", "16k_zh", "我摔倒了", 0.93, clips.TRANSCRIBED, "")
        assert not clip.kept and clip.kept_by_id is None and clip.kept_at is None
        assert clip.created_at == NOW
        assert clip.expires_at == NOW + timedelta(days=2, hours=12)
        assert clips.of_inbound(session, 8) is None


def test_a_failed_message_is_recorded_with_why_and_no_transcript(engine):
    with session_scope(engine) as session:
        _record(session, 7, clips.Heard(None, "speex", error="media 40007"))
        _record(session, 8, clips.Heard(b"audio", "amr", 900, "local", "whisper-small", "", error="empty"))
    with Session(engine) as session:
        lost, silent = clips.of_inbound(session, 7), clips.of_inbound(session, 8)
        assert (lost.status, lost.audio, lost.error, lost.transcript, lost.provider) == (
            clips.NO_AUDIO, None, "media 40007", None, "")
        assert (silent.status, silent.transcript, silent.error) == (clips.UNRECOGNISED, None, "empty")


def test_a_rerun_after_a_crash_finds_the_first_clip(engine):
    """One clip per push: recording the same inbound row again keeps the first and returns its id."""
    with session_scope(engine) as session:
        first = _record(session, 7)
    with session_scope(engine) as session:
        again = _record(session, 7, clips.Heard(None, "amr", error="media 40007"), now=NOW + timedelta(hours=1))
    assert again == first
    with Session(engine) as session:
        clip = clips.of_inbound(session, 7)
        assert (clip.status, clip.transcript, clip.created_at) == (clips.TRANSCRIBED, "我摔倒了", NOW)


def test_overlong_values_are_cut_to_their_columns(engine):
    """Whatever a provider or WeChat sends, the clip is stored (PostgreSQL would refuse a value too long)."""
    long = clips.Heard(b"audio", "a" * 20, 10, "p" * 20, "m" * 200, "字" * 2100, None, "e" * 300)
    with session_scope(engine) as session:
        _record(session, 7, long, media_id="x" * 200)
    with Session(engine) as session:
        clip = clips.of_inbound(session, 7)
        assert clip.media_id == "x" * 128 and clip.audio_format == "a" * 16 and clip.provider == "p" * 16
        assert clip.model == "m" * 128 and clip.transcript == "字" * 2000 and clip.error == "e" * 200


def test_a_kept_clip_outlives_its_expiry_and_says_who_kept_it(engine):
    with session_scope(engine) as session:
        coordinator = User(openid="c1", name="孙主任", roles=",admin,", created_at=NOW, updated_at=NOW)
        session.add(coordinator)
        session.flush()
        kept, lapsed = _record(session, 7, keep_days=1), _record(session, 8, keep_days=1)
        assert clips.mark_kept(session, kept, by_id=coordinator.id, now=NOW + timedelta(hours=5))
        coordinator_id = coordinator.id
    with session_scope(engine) as session:
        assert clips.purge_expired(session, now=NOW + timedelta(days=2)) == 1
    with Session(engine) as session:
        clip = session.get(clips.VoiceClip, kept)
        assert clip.kept and clip.kept_by_id == coordinator_id and clip.kept_at == NOW + timedelta(hours=5)
        assert session.get(clips.VoiceClip, lapsed) is None


def test_keeping_a_clip_already_purged_says_so(engine):
    with session_scope(engine) as session:
        clip_id = _record(session, 7)
        assert clips.purge_expired(session, now=NOW + timedelta(days=3)) == 1
        assert not clips.mark_kept(session, clip_id, by_id=None, now=NOW + timedelta(days=3))


def test_a_clip_is_purged_at_its_expiry_to_the_second_and_not_before(engine):
    with session_scope(engine) as session:
        _record(session, 7, keep_days=3)
        _record(session, 8, keep_days=3, now=NOW + timedelta(minutes=1))
        assert clips.purge_expired(session, now=NOW + timedelta(days=3, seconds=-1)) == 0
        assert clips.purge_expired(session, now=NOW + timedelta(days=3)) == 1
    with Session(engine) as session:
        assert clips.of_inbound(session, 7) is None and clips.of_inbound(session, 8) is not None


def test_recent_lists_the_newest_first_of_some_people_or_one_status(engine):
    with session_scope(engine) as session:
        _record(session, 1, openid="e1")
        _record(session, 2, clips.Heard(None, "amr"), openid="e2")
        _record(session, 3, openid="e2")
        _record(session, 4, clips.Heard(b"audio", "amr"), openid="e3")
    with Session(engine) as session:
        def inbound(rows):
            return [clip.inbound_id for clip in rows]
        assert inbound(clips.recent(session)) == [4, 3, 2, 1]
        assert inbound(clips.recent(session, limit=2)) == [4, 3]
        assert inbound(clips.recent(session, openids=["e2", "e3"])) == [4, 3, 2]
        assert inbound(clips.recent(session, openids=[])) == []
        assert inbound(clips.recent(session, status=clips.TRANSCRIBED)) == [3, 1]
        assert inbound(clips.recent(session, openids=["e2"], status=clips.NO_AUDIO)) == [2]
