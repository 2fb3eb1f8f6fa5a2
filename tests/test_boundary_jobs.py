"""Time-driven jobs (issue 10, item 13): `flask --app app jobs run JOB --now T` acts as of T, not as of the clock.

Catch-up after downtime and outside clients drive a whole morning this way, so a job must not read the
wall clock where it was given a moment. Deliveries go to the fake WeChat API over HTTP.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.db import session_scope
from models.core import outbox, windows
from models.core.outbox import OutboxMessage
from models.notices.broadcasts import MassBatch
from models.people.users import get_or_create_user
from tests.conftest import ManualClock
from tests.notices_support import batches, broadcast, person, village

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Years away from the wall clock, so a job that reads it instead of --now does something else.
T = datetime(2031, 3, 4, 8, 0, tzinfo=SHANGHAI)
USER = "o-elder-now"


def run_job(app, job: str, moment: datetime) -> dict:
    result = app.test_cli_runner().invoke(args=["jobs", "run", job, "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def outbox_row(rt, key: str) -> OutboxMessage:
    with Session(rt.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def test_outbox_drain_delivers_exactly_the_rows_due_at_the_given_moment(make_app, fake_wechat):
    app = make_app()  # the real clock
    rt = app.extensions["linli"]
    fake_wechat.record_interaction(USER, "message")
    with session_scope(rt.engine) as session:
        get_or_create_user(session, USER, now=T)
        windows.record_interaction(session, USER, windows.MESSAGE, now=T - timedelta(minutes=1))
        outbox.enqueue(session, key="reminder", openid=USER, kind="notice", text="十分钟后村委会开会",
                       now=T, not_before=T + timedelta(minutes=10))

    assert run_job(app, "outbox.drain", T)["result"] == 0
    assert fake_wechat.sent(USER) == [] and outbox_row(rt, "reminder").status == outbox.PENDING

    later = T + timedelta(minutes=11)
    assert run_job(app, "outbox.drain", later)["result"] == 1
    [sent] = fake_wechat.sent(USER)
    assert sent["channel"] == "custom" and sent["payload"]["text"]["content"] == "十分钟后村委会开会"
    row = outbox_row(rt, "reminder")
    assert row.status == outbox.SENT and row.sent_at == later.astimezone(row.sent_at.tzinfo)


def test_outbox_drain_judges_the_reply_window_as_of_the_given_moment(make_app, fake_wechat):
    """49 hours after the user last wrote, the 48-hour window is closed: no customer-service attempt."""
    app = make_app()
    rt = app.extensions["linli"]
    fake_wechat.record_interaction(USER, "message")
    with session_scope(rt.engine) as session:
        get_or_create_user(session, USER, now=T)
        windows.record_interaction(session, USER, windows.MESSAGE, now=T)
        outbox.enqueue(session, key="late", openid=USER, kind="notice", text="通知", now=T)
    run_job(app, "outbox.drain", T + timedelta(hours=49))
    assert fake_wechat.sent(USER) == []
    # A routine notice with no template waits for the user's next message (the window is closed as of T+49h).
    assert outbox_row(rt, "late").status == outbox.HELD


def test_mass_sends_happen_as_of_the_given_moment(make_app, fake_wechat):
    clock = ManualClock(T + timedelta(days=3))  # the process clock says something else entirely
    app = make_app(clock=clock)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        home = village(session, "east", "东村")
        person(session, "admin-east", home, ("admin",), now=T)
        for openid in ("elder-a", "elder-b", "elder-c"):
            person(session, openid, home, now=T)
            fake_wechat.follow(openid)
    number = broadcast(rt, "admin-east", "周五上午村委会健康讲座", now=T)
    run_job(app, "notices.dispatch", T)
    run_job(app, "notices.send", T)
    [batch] = batches(rt, number)
    assert batch.status == "sent"
    at = T.astimezone(batch.started_at.tzinfo)
    assert batch.started_at == at and batch.finished_at == at
    with Session(rt.engine) as session:
        assert session.exec(select(MassBatch)).one().attempts == 1
