"""The `local` recogniser for real: the Whisper base model a registry package ships, on AMR clips."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.speech.audio import decode
from app.speech.local import LocalWhisper
from app.speech.recognisers import SpeechError
from models.speech.clips import VoiceClip
from tests.fakes.dialogue import build_bot
from tests.speech_support import CLIPS, clip, voice_push, whisper_dir  # noqa: F401 - fixtures, injected by name
from tests.waiting import wait_for


def test_the_packaged_model_loads_and_transcribes_a_decoded_amr_clip(whisper_dir):
    recogniser = LocalWhisper(model_dir=str(whisper_dir))
    try:
        heard = recogniser.transcribe(decode(clip("safe"), "amr"))
    except SpeechError as exc:  # the model heard nothing in espeak-ng's voice: allowed, and said so
        assert exc.code == "EmptyResult"
        return
    assert heard.text and 0.0 <= heard.confidence <= 1.0


def test_a_missing_model_directory_is_a_clear_failure(tmp_path):
    with pytest.raises(SpeechError) as missing:
        LocalWhisper(model_dir=str(tmp_path)).transcribe(decode(clip("safe"), "amr"))
    assert missing.value.code == "NoModel"


def test_speech_check_says_the_model_loaded_and_how_long_five_seconds_took(make_app, whisper_dir):
    app = make_app(speech__provider="local", speech__local={"model_dir": str(whisper_dir), "language": "zh",
                                                            "threads": 2, "beam_size": 1})
    result = app.test_cli_runner().invoke(args=["speech", "check", "--audio", str(CLIPS / "fall.amr")])
    assert result.exit_code == 0, result.output
    assert "已加载" in result.output and "5.0 秒的音频用时" in result.output


def test_speech_check_fails_clearly_without_a_model(make_app, tmp_path):
    app = make_app(speech__provider="local", speech__local={"model_dir": str(tmp_path), "language": "zh",
                                                            "threads": 2, "beam_size": 1})
    result = app.test_cli_runner().invoke(args=["speech", "check"])
    assert result.exit_code != 0 and "NoModel" in result.output


def test_a_voice_push_is_heard_by_the_local_model_through_the_webhook(make_app, signer, clock, fake_wechat,
                                                                      whisper_dir):
    bot = build_bot(make_app, signer, clock, speech__provider="local",
                    speech__local={"model_dir": str(whisper_dir), "language": "zh", "threads": 2, "beam_size": 1})
    fake_wechat.add_media("voice-safe", clip("safe"))
    assert bot(voice_push("demo-elder-1", "voice-safe"))  # the answer, or "正在处理" on a slow machine

    def stored_clips():
        with Session(bot.rt.engine) as session:
            return session.exec(select(VoiceClip)).all()

    assert wait_for(stored_clips, timeout=60)
    [stored] = stored_clips()
    assert stored.provider == "local" and stored.model == whisper_dir.name and stored.duration_ms > 3000
