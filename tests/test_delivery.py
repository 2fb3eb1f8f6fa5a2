"""Outbox delivery against the fake WeChat API: channels, quotas, errcode fallbacks, backoff."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.delivery import Delivery
from models.core import outbox, windows
from models.core.outbox import OutboxMessage
from models.people.users import User, get_or_create_user

USER = "o-elder-1"
TEMPLATES = {"notice": {"template_id": "TPL_NOTICE", "fields": {"thing1": "title", "time2": "when"}}}


def enqueue(rt, text, *, kind="notice", key=None, template_data=None, openid=USER):
    with session_scope(rt.engine) as session:
        outbox.enqueue(session, key=key or f"k:{text}", openid=openid, kind=kind, text=text, now=rt.clock(),
                       template_data=template_data)


def user_wrote(rt, fake, openid=USER):
    """The user sent a message: WeChat and our window table both know it."""
    fake.record_interaction(openid, "message")
    with session_scope(rt.engine) as session:
        windows.record_interaction(session, openid, windows.MESSAGE, now=rt.clock())


def rows(rt):
    with Session(rt.engine) as session:
        return {row.key: row for row in session.exec(select(OutboxMessage))}


def drain(rt):
    delivery = Delivery(rt)
    while delivery.drain_once():
        pass


def test_inside_the_window_a_customer_service_message_is_sent(rt, fake_wechat):
    user_wrote(rt, fake_wechat)
    enqueue(rt, "明天上午村里有健康讲座")
    drain(rt)
    [sent] = fake_wechat.sent(USER)
    assert sent["channel"] == "custom" and sent["payload"]["text"]["content"] == "明天上午村里有健康讲座"
    assert rows(rt)["k:明天上午村里有健康讲座"].status == outbox.SENT


def test_the_sixth_message_in_a_window_is_not_sent_as_customer_service(rt, fake_wechat):
    user_wrote(rt, fake_wechat)
    for i in range(6):
        enqueue(rt, f"紧急{i}", kind="emergency_alert")
    drain(rt)
    assert len(fake_wechat.sent(USER, "custom")) == 5
    assert not [c for c in fake_wechat.calls("/cgi-bin/message/custom/send") if c["errcode"] == 45047]
    assert rows(rt)["k:紧急5"].status == outbox.UNDELIVERABLE


def test_with_a_template_configured_the_closed_window_falls_back_to_it(make_app, fake_wechat):
    rt = make_app(templates=TEMPLATES).extensions["linli"]
    fake_wechat.follow(USER)
    enqueue(rt, "讲座通知", template_data={"title": "明天上午九点在村委会大院举办老年健康讲座", "when": "12月2日"})
    drain(rt)
    [sent] = fake_wechat.sent(USER)
    assert sent["channel"] == "template"
    assert sent["payload"]["template_id"] == "TPL_NOTICE"
    [call] = fake_wechat.calls("/cgi-bin/message/template/send")
    assert call["body"]["client_msg_id"] == "k:讲座通知"
    assert len(sent["payload"]["data"]["thing1"]["value"]) <= 20
    assert rows(rt)["k:讲座通知"].channel == outbox.TEMPLATE


def test_a_45015_from_wechat_switches_to_the_template(make_app, fake_wechat):
    rt = make_app(templates=TEMPLATES).extensions["linli"]
    fake_wechat.follow(USER)
    with session_scope(rt.engine) as session:  # we believe the window is open; WeChat disagrees
        windows.record_interaction(session, USER, windows.MESSAGE, now=rt.clock())
    enqueue(rt, "食堂今天加菜", template_data={"title": "食堂今天加菜"})
    drain(rt)
    calls = fake_wechat.calls("/cgi-bin/message/custom/send")
    assert [c["errcode"] for c in calls] == [45015]
    assert [s["channel"] for s in fake_wechat.sent(USER)] == ["template"]
    assert rows(rt)["k:食堂今天加菜"].status == outbox.SENT
    with Session(rt.engine) as session:
        assert not windows.can_send_custom(session, USER, now=rt.clock())


def test_a_45047_without_a_template_is_undeliverable_for_the_coordinator(rt, fake_wechat):
    user_wrote(rt, fake_wechat)
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", errcode=45047)
    enqueue(rt, "求人工", kind="human_handoff")
    drain(rt)
    row = rows(rt)["k:求人工"]
    assert row.status == outbox.UNDELIVERABLE and row.last_errcode == 45047


def test_a_45047_without_a_template_makes_a_routine_push_wait_for_the_next_message(rt, fake_wechat):
    user_wrote(rt, fake_wechat)
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", errcode=45047)
    enqueue(rt, "提醒")
    drain(rt)
    row = rows(rt)["k:提醒"]
    assert row.status == outbox.HELD and row.last_errcode == 45047


def test_43004_marks_the_user_unsubscribed_and_stops(rt, fake_wechat):
    with session_scope(rt.engine) as session:
        get_or_create_user(session, USER, now=rt.clock())
        windows.record_interaction(session, USER, windows.MESSAGE, now=rt.clock())
    enqueue(rt, "提醒")
    drain(rt)
    assert rows(rt)["k:提醒"].status == outbox.UNDELIVERABLE
    with Session(rt.engine) as session:
        assert session.exec(select(User).where(User.openid == USER)).one().subscribed is False
    assert len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 1


@pytest.mark.parametrize("fault", [{"errcode": -1}, {"http_status": 502}, {"errcode": 45009}])
def test_transient_failures_back_off_and_retry(make_app, fake_wechat, fault):
    rt = make_app(delivery__backoff_base=30).extensions["linli"]
    user_wrote(rt, fake_wechat)
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", **fault)
    enqueue(rt, "提醒")
    drain(rt)
    row = rows(rt)["k:提醒"]
    assert row.status == outbox.PENDING and row.attempts == 1
    assert row.not_before >= rt.clock() + timedelta(seconds=25)
    with session_scope(rt.engine) as session:  # time passes
        session.get(OutboxMessage, row.id).not_before = rt.clock()
    drain(rt)
    assert rows(rt)["k:提醒"].status == outbox.SENT
    assert len(fake_wechat.sent(USER)) == 1


def test_retries_stop_at_the_limit(make_app, fake_wechat):
    rt = make_app(delivery__max_attempts=3).extensions["linli"]
    user_wrote(rt, fake_wechat)
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", errcode=-1, times=10)
    enqueue(rt, "提醒")
    for _ in range(5):
        drain(rt)
    row = rows(rt)["k:提醒"]
    assert row.status == outbox.FAILED and row.attempts == 3


def test_the_same_key_is_enqueued_once(rt):
    enqueue(rt, "一次", key="same")
    enqueue(rt, "两次", key="same")
    assert [r.text for r in rows(rt).values()] == ["一次"]


def test_one_batch_of_notices_queues_each_key_once_in_order(rt, fake_wechat):
    """Notices rendered and queued together (one INSERT): a key repeated in the batch or queued before is added
    once, with its first text, and the rest go out in the order given."""
    from bots import notify
    from bots.texts import t
    from models.core.notify import Notice

    user_wrote(rt, fake_wechat)
    enqueue(rt, "早先", key="old")
    notices = [Notice(USER, "notice", key, "help_verified", {"number": number})
               for key, number in (("a", 1), ("old", 2), ("b", 3), ("a", 4))]
    with session_scope(rt.engine) as session:
        added = notify.send(session, notices, now=rt.clock(), tz=rt.settings.tz)
    assert added == 2
    drain(rt)
    sent = [s["payload"]["text"]["content"] for s in fake_wechat.sent(USER)]
    assert sent == ["早先", t("help_verified", number=1), t("help_verified", number=3)]


def test_urgent_rows_go_first(rt, fake_wechat):
    user_wrote(rt, fake_wechat)
    with session_scope(rt.engine) as session:
        outbox.enqueue(session, key="a", openid=USER, kind="notice", text="普通", now=rt.clock())
        outbox.enqueue(session, key="b", openid=USER, kind="alert", text="紧急", now=rt.clock(),
                       priority=outbox.URGENT)
    drain(rt)
    assert [s["payload"]["text"]["content"] for s in fake_wechat.sent(USER)] == ["紧急", "普通"]


def wait_until(predicate, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.slow
def test_a_customer_service_send_without_an_answer_is_not_repeated(make_app, fake_wechat):
    """WeChat received it but the answer never came: repeating could send it twice (no idempotency key)."""
    rt = make_app(wechat__api_timeout=0.3).extensions["linli"]
    user_wrote(rt, fake_wechat)
    rt.wechat.tokens.get()
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", delay=0.8)
    enqueue(rt, "提醒")
    drain(rt)
    assert rows(rt)["k:提醒"].status == outbox.UNCERTAIN
    assert wait_until(lambda: len(fake_wechat.sent(USER)) == 1)  # WeChat did deliver it, after our timeout
    drain(rt)
    assert len(fake_wechat.sent(USER)) == 1


def test_a_send_that_never_connected_is_retried(make_app, fake_wechat):
    rt = make_app(wechat__api_base_url="http://127.0.0.1:9", delivery__backoff_base=30).extensions["linli"]
    with session_scope(rt.engine) as session:
        windows.record_interaction(session, USER, windows.MESSAGE, now=rt.clock())
    from models.core.tokens import AccessToken

    with session_scope(rt.engine) as session:  # a token is at hand, so the send itself is what fails
        session.add(AccessToken(appid=rt.wechat.appid, token="t", expires_at=rt.clock() + timedelta(hours=1),
                                fetched_at=rt.clock()))
    enqueue(rt, "提醒")
    drain(rt)
    row = rows(rt)["k:提醒"]
    assert row.status == outbox.PENDING and row.attempts == 1
