"""The SMS channel: Tencent Cloud SMS through its HTTP API, against a fake that checks the TC3 signature."""
from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.delivery import Delivery
from app.sms import SmsError, mobile_e164
from app.sms.tencent import TencentSms
from models.core import outbox, windows
from models.core.outbox import OutboxMessage
from models.seed import seed_demo
from tests.fakes.dialogue import build_town
from tests.fakes.fake_sms import FakeTencentSms

ELDER, FAMILY, ADMIN = "demo-elder-1", "demo-family-1", "demo-admin"


@pytest.fixture(scope="module")
def sms_server():
    server = FakeTencentSms()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_sms(sms_server):
    sms_server.reset()
    return sms_server


def sms_settings(fake: FakeTencentSms, **changes) -> dict:
    return {"provider": "tencent", "secret_id": fake.secret_id, "secret_key": fake.secret_key,
            "sdk_app_id": fake.sdk_app_id, "sign_name": "邻里互助", "template_id": "2000001",
            "endpoint": fake.base_url, "timeout": 2.0, **changes}


@pytest.fixture
def village(make_app, signer, clock, fake_wechat, fake_sms):
    """The demo village with SMS on: village(sms={changes}, **settings) -> (rt, say)."""

    def build(sms=None, **settings):
        say = build_town(make_app, signer, clock, fake_wechat, sms=sms_settings(fake_sms, **(sms or {})), **settings)
        return say.rt, say

    return build


def drain(rt):
    delivery = Delivery(rt)
    while delivery.drain_once():
        pass


def sms_rows(rt, openid=None):
    with Session(rt.engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == outbox.SMS)
        if openid:
            query = query.where(OutboxMessage.openid == openid)
        return list(session.exec(query.order_by(OutboxMessage.id)))


def wrote(rt, fake, *openids):
    """These people wrote lately: their WeChat windows are open, so only the SMS channel is under test."""
    with session_scope(rt.engine) as session:
        for openid in openids:
            fake.record_interaction(openid, "message")
            windows.record_interaction(session, openid, windows.MESSAGE, now=rt.clock())


def enqueue(rt, key, kind, openid, text, data):
    with session_scope(rt.engine) as session:
        outbox.enqueue(session, key=key, openid=openid, kind=kind, text=text, now=rt.clock(), template_data=data,
                       priority=outbox.URGENT)


def test_an_emergency_reaches_family_and_coordinators_by_sms(village, fake_sms, fake_wechat):
    rt, say = village()
    wrote(rt, fake_wechat, FAMILY, ADMIN)
    say(ELDER, "救命 心口痛得很喘不上气")
    drain(rt)
    by_phone = {s["phone"]: s for s in fake_sms.sent}
    assert set(by_phone) == {"+8613900000001", "+8613600000001"}  # the son and the coordinator, no volunteer
    assert by_phone["+8613900000001"]["params"] == ["王秀英紧急求助", "13800000001"]
    assert by_phone["+8613900000001"]["template_id"] == "2000001"
    assert all(row.status == outbox.SENT for row in sms_rows(rt))


def test_sms_is_off_unless_configured(make_app, signer, clock, fake_wechat, fake_sms):
    app = make_app(clock=clock)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        seed_demo(session, now=clock())
    enqueue(rt, "alarm", "emergency_alert", FAMILY, "【紧急】", {"name": "王秀英"})
    drain(rt)
    assert sms_rows(rt) == [] and fake_sms.requests == []


def test_a_check_in_alarm_goes_by_sms_and_the_undeliverable_alert_too(village, fake_sms):
    rt, _ = village()
    # The son's WeChat window is closed and no template is configured: the alarm is undeliverable in WeChat.
    enqueue(rt, "checkin:family:1", "checkin_alert", FAMILY, "【报平安提醒】王秀英今天没有报平安", {"name": "王秀英"})
    drain(rt)
    phones = [(s["phone"], s["params"][0]) for s in fake_sms.sent]
    assert ("+8613900000001", "王秀英未报平安") in phones
    assert ("+8613600000001", "紧急提醒未送达王建国") in phones  # the coordinator hears it did not arrive


def test_a_wrong_secret_is_refused_by_the_signature_check(village, fake_sms):
    rt, _ = village(sms={"secret_key": "not-the-secret"})
    enqueue(rt, "alarm", "emergency_alert", FAMILY, "【紧急】", {"name": "王秀英", "phone": "13800000001"})
    drain(rt)
    [row] = sms_rows(rt, FAMILY)
    assert row.status == outbox.FAILED and "AuthFailure.SignatureFailure" in row.last_error
    assert fake_sms.sent == []


def test_the_thirty_second_limit_is_retried_later(village, fake_sms, fake_wechat, clock):
    rt, _ = village(delivery__backoff_base=30)
    wrote(rt, fake_wechat, FAMILY)
    enqueue(rt, "a1", "emergency_alert", FAMILY, "【紧急】一", {"name": "王秀英"})
    enqueue(rt, "a2", "emergency_alert", FAMILY, "【紧急】二", {"name": "王秀英"})
    drain(rt)
    first, second = sms_rows(rt, FAMILY)
    assert first.status == outbox.SENT
    assert second.status == outbox.PENDING and "LimitExceeded.PhoneNumberThirtySecondLimit" in second.last_error
    fake_sms.last_sent_at.clear()  # thirty seconds later
    with session_scope(rt.engine) as session:
        session.get(OutboxMessage, second.id).not_before = clock()
    drain(rt)
    assert [row.status for row in sms_rows(rt, FAMILY)] == [outbox.SENT, outbox.SENT] and len(fake_sms.sent) == 2


def test_a_refused_template_parameter_is_not_retried(village, fake_sms, fake_wechat):
    rt, _ = village()
    wrote(rt, fake_wechat, FAMILY)
    fake_sms.fail_next("InvalidParameterValue.TemplateParameterFormatError", "bad parameter")
    enqueue(rt, "alarm", "emergency_alert", FAMILY, "【紧急】", {"name": "王秀英"})
    drain(rt)
    [row] = sms_rows(rt, FAMILY)
    assert row.status == outbox.FAILED and row.attempts == 1


@pytest.mark.slow
def test_an_unanswered_sms_is_not_sent_again(village, fake_sms, fake_wechat):
    rt, _ = village(sms={"timeout": 0.3})
    wrote(rt, fake_wechat, FAMILY)
    fake_sms.delay_next(0.8)
    enqueue(rt, "alarm", "emergency_alert", FAMILY, "【紧急】", {"name": "王秀英"})
    drain(rt)
    [row] = sms_rows(rt, FAMILY)
    assert row.status == outbox.UNCERTAIN
    time.sleep(0.7)  # the fake answers the request it had received
    drain(rt)
    assert len(fake_sms.sent) == 1


def test_the_client_signs_what_the_fake_verifies_and_reads_per_number_codes(fake_sms):
    client = TencentSms(secret_id=fake_sms.secret_id, secret_key=fake_sms.secret_key,
                        sdk_app_id=fake_sms.sdk_app_id, sign_name="邻里互助", template_id="2000001",
                        endpoint=fake_sms.base_url)
    assert client.send("+8613900000009", ["a", "b"], context="k").serial
    with pytest.raises(SmsError) as info:
        client.send("+86123", ["a", "b"], context="k")
    assert info.value.code == "InvalidParameterValue.IncorrectPhoneNumber" and not info.value.transient
    stale = TencentSms(secret_id=fake_sms.secret_id, secret_key=fake_sms.secret_key,
                       sdk_app_id=fake_sms.sdk_app_id, sign_name="邻里互助", template_id="2000001",
                       endpoint=fake_sms.base_url, clock=lambda: time.time() - 900)
    with pytest.raises(SmsError) as info:
        stale.send("+8613900000008", ["a", "b"], context="k")
    assert info.value.code == "AuthFailure.SignatureExpire"


def test_only_mainland_mobiles_get_sms():
    assert mobile_e164("139 0000 0001") == "+8613900000001" == mobile_e164("+86-139-0000-0001")
    assert mobile_e164("0755-12345678") is None and mobile_e164("") is None


def test_sms_switched_on_without_credentials_refuses_to_start():
    from app.config import ConfigError, load_settings

    env = {"LINLI_ENV": "development", "LINLI__SMS__PROVIDER": "tencent", "LINLI__SMS__SDK_APP_ID": "1400000001",
           "LINLI__SMS__SIGN_NAME": "邻里互助", "LINLI__SMS__TEMPLATE_ID": "2000001"}
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert "TENCENTCLOUD_SECRET_ID" in str(info.value)
    settings = load_settings(environ={**env, "TENCENTCLOUD_SECRET_ID": "AKID1", "TENCENTCLOUD_SECRET_KEY": "k"})
    assert settings["sms.secret_id"] == "AKID1"
