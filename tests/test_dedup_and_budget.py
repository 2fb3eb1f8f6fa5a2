"""Retries cause no second side effect; slow bots answer through the outbox; one message per user at a time."""
from __future__ import annotations

import threading
import time
from itertools import pairwise

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import READ_ONLY, session_scope
from models.core.inbound import InboundMessage
from models.core.outbox import OutboxMessage
from models.seed import seed_demo
from tests.conftest import reply_text
from tests.fakes import pushes
from tests.waiting import wait_for

ELDER = "demo-elder-1"


@pytest.fixture
def seeded(rt):
    with session_scope(rt.engine) as session:
        seed_demo(session, now=rt.clock())
    return rt


def outbox_rows(rt, kind=None):
    with Session(rt.engine) as session:
        query = select(OutboxMessage)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.exec(query.order_by(OutboxMessage.id)))


def inbound_rows(rt):
    with Session(rt.engine) as session:
        return list(session.exec(select(InboundMessage)))


def test_a_retry_gets_the_same_reply_and_no_second_side_effect(seeded, send):
    push = pushes.text(ELDER, "人工")
    first, second = send(push), send(push)
    assert reply_text(first) == reply_text(second)
    assert "管理员" in reply_text(first)
    alerts = outbox_rows(seeded, "human_handoff")
    assert [row.openid for row in alerts] == ["demo-admin"]
    assert len(inbound_rows(seeded)) == 1


def test_the_same_msgid_from_another_user_is_a_different_message(seeded, send):
    send(pushes.text(ELDER, "人工", msg_id=42))
    send(pushes.text("demo-elder-2", "人工", msg_id=42))
    assert len(outbox_rows(seeded, "human_handoff")) == 2


def test_event_retries_are_deduplicated_by_sender_time_and_event(seeded, send):
    click = pushes.event(ELDER, "CLICK", key="TALK_TO_HUMAN", create_time=1795770000)
    assert send(click, timestamp=None).status_code == 200
    send(click)
    assert len(outbox_rows(seeded, "human_handoff")) == 1
    other = pushes.event(ELDER, "CLICK", key="TALK_TO_HUMAN", create_time=1795770001)
    send(other)
    assert len(outbox_rows(seeded, "human_handoff")) == 2


def test_two_menu_taps_in_the_same_second_are_two_messages(seeded, send):
    """Events have no MsgId: sender and CreateTime alone would make the second tap a 'retry' of the first."""
    moment = 1795770000
    menu = send(pushes.event(ELDER, "CLICK", key="CANTEEN_MENU", create_time=moment))
    human = send(pushes.event(ELDER, "CLICK", key="TALK_TO_HUMAN", create_time=moment))
    assert "管理员" in reply_text(human) and reply_text(human) != reply_text(menu)
    assert [row.openid for row in outbox_rows(seeded, "human_handoff")] == ["demo-admin"]
    assert len(inbound_rows(seeded)) == 2


def test_concurrent_retries_produce_one_side_effect(seeded, app, signer):
    push = pushes.text(ELDER, "人工")
    qs, body = signer.sign(push)
    replies, barrier = [], threading.Barrier(6)

    def post():
        client = app.test_client()
        barrier.wait()
        replies.append(client.post(f"/wechat?{qs}", data=body))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in replies] == [200] * 6
    texts = {reply_text(r) for r in replies} - {None}
    assert len(texts) == 1 and "管理员" in texts.pop()
    assert len(outbox_rows(seeded, "human_handoff")) == 1
    assert len(inbound_rows(seeded)) == 1



@pytest.mark.slow
def test_over_budget_the_webhook_says_success_and_the_reply_follows_by_outbox(seeded, make_app, signer):
    app = make_app(webhook__time_budget=0.3)
    rt = app.extensions["linli"]
    qs, body = signer.sign(pushes.text(ELDER, "你好"))
    with rt.locks.hold(f"user:{ELDER}", ttl=30, wait=1):  # a previous message of this user is still running
        started = time.monotonic()
        response = app.test_client().post(f"/wechat?{qs}", data=body)
        elapsed = time.monotonic() - started
    assert response.get_data(as_text=True) == "success"
    assert elapsed < 2.0
    assert wait_for(lambda: outbox_rows(rt, "reply"))
    [row] = outbox_rows(rt, "reply")
    assert row.openid == ELDER and "您好" in row.text
    # WeChat's retry of that message must not produce a second reply.
    assert app.test_client().post(f"/wechat?{qs}", data=body).get_data(as_text=True) == "success"
    assert len(outbox_rows(rt, "reply")) == 1


def retry_polls(rt) -> threading.Event:
    """Set when a retry reads the first attempt's status: it found the push taken and waits for its reply.
    (That read is the only one through the read-only engine.)"""
    polled = threading.Event()

    def seen(conn, cursor, statement, parameters, context, executemany):
        if conn.get_execution_options().get(READ_ONLY):
            polled.set()

    sa.event.listen(rt.engine, "before_cursor_execute", seen)
    return polled


def first_attempt_and_retry(make_app, signer, *, retry_gives_up: bool) -> tuple[dict, object]:
    """Send a push while the user's previous message holds the lock, then WeChat's retry of it. The lock
    is released once the retry is waiting for the first attempt's reply, or once it gave up waiting."""
    app = make_app(webhook__time_budget=3.0, webhook__retry_wait=0.3 if retry_gives_up else 3.0)
    rt = app.extensions["linli"]
    qs, body = signer.sign(pushes.text(ELDER, "你好"))
    results, polled = {}, retry_polls(rt)

    def post(name):
        results[name] = app.test_client().post(f"/wechat?{qs}", data=body)

    threads = {name: threading.Thread(target=post, args=(name,)) for name in ("first", "retry")}
    with rt.locks.hold(f"user:{ELDER}", ttl=30, wait=1):
        threads["first"].start()
        assert wait_for(lambda: inbound_rows(rt))  # recorded; now it waits for the user's turn
        threads["retry"].start()
        assert polled.wait(10)
        if retry_gives_up:
            threads["retry"].join(10)
            assert "retry" in results
    for thread in threads.values():
        thread.join(10)
    return results, rt


def test_a_retry_during_the_first_attempt_waits_for_its_reply(seeded, make_app, signer):
    results, rt = first_attempt_and_retry(make_app, signer, retry_gives_up=False)
    assert "您好" in reply_text(results["first"])
    assert reply_text(results["retry"]) == reply_text(results["first"])
    assert outbox_rows(rt, "reply") == []


@pytest.mark.slow
def test_a_retry_that_gives_up_waiting_hands_the_reply_to_the_outbox(seeded, make_app, signer):
    results, rt = first_attempt_and_retry(make_app, signer, retry_gives_up=True)
    assert reply_text(results["retry"]) is None
    assert reply_text(results["first"]) is None  # handed off: only the outbox delivers, exactly once
    assert len(outbox_rows(rt, "reply")) == 1


def test_unsubscribe_event_marks_the_user_and_says_nothing(seeded, send):
    response = send(pushes.event(ELDER, "unsubscribe"))
    assert response.get_data(as_text=True) == "success"
    from models.people.users import User

    with Session(seeded.engine) as session:
        assert session.exec(select(User).where(User.openid == ELDER)).one().subscribed is False


def test_two_first_messages_of_a_new_user_at_once_are_both_answered(rt, app, signer):
    """Both open the service window for the same new openid; neither may be lost."""
    bodies = [signer.sign(pushes.text("brand-new-user", text)) for text in ("你好", "在吗")]
    replies, barrier = [], threading.Barrier(2)

    def post(qs, body):
        client = app.test_client()
        barrier.wait()
        replies.append(client.post(f"/wechat?{qs}", data=body))

    threads = [threading.Thread(target=post, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r.status_code == 200 and reply_text(r) for r in replies)
    assert len(inbound_rows(rt)) == 2


def test_messages_of_one_user_never_interleave_in_the_bot(seeded, app, signer, monkeypatch):
    """Per-user serialisation of the real path: two bot runs of one user never overlap."""
    import app.web.inbound as inbound

    spans, real = [], inbound.bot_handle

    def slow_handle(message, ctx):
        start = time.monotonic()
        time.sleep(0.15)
        reply = real(message, ctx)
        spans.append((start, time.monotonic()))
        return reply

    monkeypatch.setattr(inbound, "bot_handle", slow_handle)
    bodies = [signer.sign(pushes.text(ELDER, text)) for text in ("你好", "在吗", "你好呀")]
    replies, barrier = [], threading.Barrier(len(bodies))

    def post(qs, body):
        client = app.test_client()
        barrier.wait()
        replies.append(client.post(f"/wechat?{qs}", data=body))

    threads = [threading.Thread(target=post, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r.status_code == 200 and reply_text(r) for r in replies)
    spans.sort()
    assert len(spans) == 3 and all(prev[1] <= nxt[0] for prev, nxt in pairwise(spans))


def test_a_message_costs_two_write_transactions(seeded, app, signer):
    """Record (visible to retries at once), then one turn: lock, bot, reply. Guards the request path's cost.

    On PostgreSQL the record is one statement, atomic by itself, run without BEGIN and COMMIT.
    """
    rt, client = app.extensions["linli"], app.test_client()
    qs, body = signer.sign(pushes.text(ELDER, "你好"))
    client.post(f"/wechat?{qs}", data=body)  # the user's first message: warm-up
    commits, autocommitted = [], []

    def count(conn):
        commits.append(conn)

    def count_autocommitted(conn, *_):
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            autocommitted.append(conn)

    sa.event.listen(rt.engine, "commit", count)
    sa.event.listen(rt.engine, "before_cursor_execute", count_autocommitted)
    try:
        qs, body = signer.sign(pushes.text(ELDER, "你好"))
        assert "您好" in reply_text(client.post(f"/wechat?{qs}", data=body))
    finally:
        sa.event.remove(rt.engine, "commit", count)
        sa.event.remove(rt.engine, "before_cursor_execute", count_autocommitted)
    if rt.engine.dialect.name == "postgresql":
        assert (len(commits), len(autocommitted)) == (1, 1)
    else:
        assert (len(commits), len(autocommitted)) == (2, 0)
