"""Voice messages with an empty Recognition: fetched, decoded, transcribed and acted on through the webhook."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.speech.audio import RATE, DecodeError, decode
from app.speech.recognisers import SpeechError
from app.speech.tencent import TencentAsr
from app.wechat_api import WeChatAPIError
from models.core.outbox import OutboxMessage
from models.speech.clips import VoiceClip
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot
from tests.speech_support import asr_server, clip, fake_asr, tencent_settings, voice_push  # noqa: F401 - fixtures, injected by name
from tests.waiting import wait_for

ELDER, CHECKIN_ELDER, ADMIN = "demo-elder-1", "demo-elder-3", "demo-admin"
FALL = "救命啊，我跌了一跤，爬不起来了"


@pytest.fixture
def bot(make_app, signer, clock, fake_wechat, fake_asr):
    return build_bot(make_app, signer, clock, **tencent_settings(fake_asr))


def rows(bot, **where) -> list[OutboxMessage]:
    with Session(bot.rt.engine) as session:
        query = select(OutboxMessage)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.exec(query))


def voice_clips(bot) -> list[VoiceClip]:
    with Session(bot.rt.engine) as session:
        return list(session.exec(select(VoiceClip)))


# --- the issue's own failure: a spoken emergency with an empty Recognition --------------------------

def test_a_spoken_emergency_with_empty_recognition_is_fetched_heard_and_acted_on(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-fall", clip("fall"))
    fake_asr.hear_next(FALL)
    reply = bot(voice_push(CHECKIN_ELDER, "voice-fall"))
    assert reply and "谢谢您报平安" not in reply and "没听清" not in reply
    assert "120" in reply  # the emergency steps, as for typed words
    assert rows(bot, kind="emergency_alert"), "nobody was alerted"
    assert [c["path"] for c in fake_wechat.calls("/cgi-bin/media/get")] == ["/cgi-bin/media/get"]
    assert fake_asr.recognised[0]["engine"] == "16k_zh_dialect" and fake_asr.recognised[0]["format"] == "wav"
    assert 5000 < fake_asr.recognised[0]["duration_ms"] < 8000  # the real clip, decoded to 16 kHz WAV
    [stored] = voice_clips(bot)
    assert stored.transcript == FALL and stored.provider == "tencent" and stored.model == "16k_zh_dialect"
    assert stored.audio == clip("fall") and stored.audio_format == "amr"


def test_a_plain_request_is_answered_without_a_read_back(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-events", clip("events"))
    fake_asr.hear_next("最近有什么活动")
    reply = bot(voice_push(ELDER, "voice-events"))
    assert reply and "我听到的是" not in reply and "活动" in reply


# --- read-back of transcripts that would cost something ---------------------------------------------

def test_an_order_heard_is_read_back_and_2_asks_again_without_ordering(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-meal", clip("meal"))
    fake_asr.hear_next("我想订明天的午饭")
    reply = bot(voice_push(ELDER, "voice-meal"))
    assert reply == "我听到的是：我想订明天的午饭\n对吗？回复1对，2不对"
    wrong = bot(pushes.text(ELDER, "2"))
    assert "没听对" in wrong and "请再说一遍" in wrong
    assert "我听到的是" not in (bot(pushes.text(ELDER, "1")) or "")  # the read-back is over


def test_after_1_the_order_flow_runs_on_the_heard_words(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-meal", clip("meal"))
    fake_asr.hear_next("我想订明天的午饭")
    bot(voice_push(ELDER, "voice-meal"))
    confirmed = bot(pushes.text(ELDER, "1"))
    typed = build_typed_reply(bot, "我想订明天的午饭")
    assert confirmed and "我听到的是" not in confirmed
    assert confirmed.splitlines()[0] == typed.splitlines()[0]


def build_typed_reply(bot, text: str) -> str:
    """What the same words typed by another elder get (the flow's first answer)."""
    return bot(pushes.text("demo-elder-2", text)) or ""


def test_a_help_request_heard_is_read_back(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-doctor", clip("doctor"))
    fake_asr.hear_next("我要去医院看病，有没有人陪我去")
    assert bot(voice_push(ELDER, "voice-doctor")).startswith("我听到的是：我要去医院看病")
    assert not rows(bot, kind="task_offer")  # nobody is sent out before the 1
    assert "我听到的是" not in bot(pushes.text(ELDER, "1"))


def test_a_new_message_instead_of_1_or_2_is_answered_as_itself(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-meal", clip("meal"))
    fake_asr.hear_next("我想订明天的午饭")
    bot(voice_push(ELDER, "voice-meal"))
    reply = bot(pushes.text(ELDER, "救命 我摔倒了起不来"))
    assert "120" in reply and rows(bot, kind="emergency_alert")


# --- a voice nobody could understand is never dropped --------------------------------------------------

@pytest.mark.parametrize("failure", ["FailedOperation.ErrorRecognize", "AuthFailure.SignatureFailure"])
def test_a_voice_that_cannot_be_transcribed_tells_the_person_and_the_coordinators(bot, fake_wechat, fake_asr,
                                                                                   failure):
    fake_wechat.add_media("voice-x", clip("doctor"))
    fake_asr.fail_next(failure)
    reply = bot(voice_push(CHECKIN_ELDER, "voice-x"))
    assert "没听清" in reply and "管理员" in reply and "谢谢您报平安" not in reply
    [stored] = voice_clips(bot)
    assert stored.status == "unrecognised" and stored.error == failure and stored.audio == clip("doctor")
    [alert] = rows(bot, openid=ADMIN, kind="human_handoff")
    assert "发来一条语音，没能听懂，请回电或在后台收听" in alert.text and f"语音编号{stored.id}" in alert.text


def test_media_wechat_no_longer_has_is_still_passed_to_the_coordinators(bot, fake_wechat):
    reply = bot(voice_push(ELDER, "never-uploaded"))
    assert "没听清" in reply
    [stored] = voice_clips(bot)
    assert stored.status == "no_audio" and stored.error == "media 40007"
    [alert] = rows(bot, openid=ADMIN, kind="human_handoff")
    assert "没能听懂" in alert.text and "请回电" in alert.text


def test_a_wrong_secret_key_is_refused_by_the_signature_check(make_app, signer, clock, fake_wechat, fake_asr):
    bot = build_bot(make_app, signer, clock, **tencent_settings(fake_asr, secret_key="not-the-key-0123456789"))
    fake_wechat.add_media("voice-x", clip("events"))
    fake_asr.hear_next("最近有什么活动")
    assert "没听清" in bot(voice_push(ELDER, "voice-x"))
    assert voice_clips(bot)[0].error == "AuthFailure.SignatureFailure"
    assert fake_asr.recognised == []


# --- off the request path: the 4 s budget ------------------------------------------------------------

@pytest.mark.slow
def test_a_slow_transcription_answers_heard_now_and_the_real_answer_by_customer_service(
        make_app, signer, clock, fake_wechat, fake_asr):
    bot = build_bot(make_app, signer, clock, webhook__time_budget=0.6, **tencent_settings(fake_asr))
    fake_wechat.add_media("voice-events", clip("events"))
    fake_asr.hear_next("最近有什么活动")
    fake_asr.delay_next(1.5)
    assert bot(voice_push(ELDER, "voice-events")) == "听到了，正在处理，请稍等。"
    assert wait_for(lambda: rows(bot, openid=ELDER, kind="reply"), timeout=15)
    [later] = rows(bot, openid=ELDER, kind="reply")
    assert "活动" in later.text and "正在处理" not in later.text


def test_a_fast_voice_gets_its_answer_directly_without_the_processing_note(bot, fake_wechat, fake_asr):
    fake_wechat.add_media("voice-events", clip("events"))
    fake_asr.hear_next("最近有什么活动")
    assert "正在处理" not in bot(voice_push(ELDER, "voice-events"))
    assert rows(bot, openid=ELDER, kind="reply") == []


@pytest.mark.slow
def test_the_recogniser_timing_out_is_a_voice_not_understood(make_app, signer, clock, fake_wechat, fake_asr):
    bot = build_bot(make_app, signer, clock, **tencent_settings(fake_asr, timeout=0.5))
    fake_wechat.add_media("voice-x", clip("events"))
    fake_asr.delay_next(1.5)
    assert "没听清" in bot(voice_push(ELDER, "voice-x"))
    assert voice_clips(bot)[0].error == "Timeout"


# --- the Tencent client against the fake, directly --------------------------------------------------------

def test_tencent_client_signs_requests_the_fake_verifies(fake_asr):
    client = TencentAsr(secret_id=fake_asr.secret_id, secret_key=fake_asr.secret_key, endpoint=fake_asr.base_url,
                        engine="16k_zh")
    fake_asr.hear_next("最近有什么活动")
    assert client.transcribe(decode(clip("events"), "amr")).text == "最近有什么活动"
    late = TencentAsr(secret_id=fake_asr.secret_id, secret_key=fake_asr.secret_key, endpoint=fake_asr.base_url,
                      clock=lambda: 1_000_000_000)
    with pytest.raises(SpeechError) as expired:
        late.transcribe(decode(clip("events"), "amr"))
    assert expired.value.code == "AuthFailure.SignatureExpire"
    unknown = TencentAsr(secret_id="AKIDother", secret_key=fake_asr.secret_key, endpoint=fake_asr.base_url)
    with pytest.raises(SpeechError) as missing:
        unknown.transcribe(decode(clip("events"), "amr"))
    assert missing.value.code == "AuthFailure.SecretIdNotFound"
    fake_asr.fail_next("FailedOperation.UserHasNoFreeAmount")
    with pytest.raises(SpeechError) as arrears:
        client.transcribe(decode(clip("events"), "amr"))
    assert arrears.value.code == "FailedOperation.UserHasNoFreeAmount"


# --- media download: the fake's rules and the client ------------------------------------------------------

def test_media_get_serves_three_days_then_40007_and_survives_an_expired_token(rt, fake_wechat):
    fake_wechat.add_media("voice-1", clip("meal"))
    assert rt.wechat.get_media("voice-1") == (clip("meal"), "audio/amr")
    fake_wechat.expire_tokens()
    assert rt.wechat.get_media("voice-1")[0] == clip("meal")  # 42001, one refresh, then the file
    assert [c["errcode"] for c in fake_wechat.calls("/cgi-bin/media/get")] == [0, 42001, 0]
    with pytest.raises(WeChatAPIError) as unknown:
        rt.wechat.get_media("no-such-media")
    assert unknown.value.errcode == 40007
    fake_wechat.advance(3 * 86400 + 1)
    with pytest.raises(WeChatAPIError) as expired:
        rt.wechat.get_media("voice-1")
    assert expired.value.errcode == 40007


# --- decoding for real ----------------------------------------------------------------------------------

def test_amr_clips_decode_to_16k_mono_pcm_of_their_length():
    pcm = decode(clip("fall"), "amr")
    assert 6000 < pcm.duration_ms < 7000
    assert len(pcm.samples) == pcm.duration_ms * RATE * 2 // 1000 or abs(len(pcm.samples) / 32 - pcm.duration_ms) < 1
    assert max(abs(int.from_bytes(pcm.samples[i:i + 2], "little", signed=True))
               for i in range(0, len(pcm.samples), 2)) > 1000  # speech, not silence
    assert decode(clip("fall"), "amr", max_seconds=2.0).duration_ms == 2000


def test_bytes_that_are_not_audio_do_not_decode():
    with pytest.raises(DecodeError):
        decode(b"#!AMR\n" + bytes(range(64)) * 3, "amr")
    with pytest.raises(DecodeError):
        decode(b"", "amr")


# --- keeping and deleting audio --------------------------------------------------------------------------

def test_audio_is_deleted_after_three_days_unless_a_coordinator_keeps_it(bot, fake_wechat, fake_asr, clock):
    from app.jobs import registry as jobs

    for media in ("a", "b"):
        fake_wechat.add_media(media, clip("doctor"))
        fake_asr.fail_next("FailedOperation.ErrorRecognize")
        bot(voice_push(ELDER, media))
    first, second = sorted(c.id for c in voice_clips(bot))
    assert bot(pushes.text(ADMIN, f"保留语音 {first}")) == f"好的，语音{first}会一直保存，不会自动删除。"
    assert "找不到" not in (bot(pushes.text(ELDER, f"保留语音 {second}")) or "")  # not a coordinator's command
    assert jobs.run(bot.rt, "speech.purge", clock() + timedelta(days=2, hours=23)) == 0
    assert jobs.run(bot.rt, "speech.purge", clock() + timedelta(days=3, minutes=1)) == 1
    assert [c.id for c in voice_clips(bot)] == [first]
    assert "没有找到语音" in bot(pushes.text(ADMIN, f"保留语音 {second}"))


# --- the check-in's thanks ---------------------------------------------------------------------------------

def test_the_checkin_thanks_is_not_put_in_front_of_a_complaint(bot):
    reply = bot(pushes.text(CHECKIN_ELDER, "我要投诉"))
    assert "谢谢您报平安" not in reply


def test_the_checkin_thanks_still_goes_before_an_ordinary_question(bot):
    reply = bot(pushes.text(CHECKIN_ELDER, "最近有什么活动"))
    assert reply.startswith("谢谢您报平安")
