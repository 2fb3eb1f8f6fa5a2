"""Shared helpers of the check-in tests: a bot on the real webhook, job runs through the CLI, outbox reads."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.checkin import rules as ck
from models.core.outbox import OutboxMessage
from models.help.requests import HelpRequest
from models.people.users import User
from tests.conftest import ManualClock
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot as shared_build_bot
from tests.fakes.dialogue import converse as shared_converse

SH = ZoneInfo("Asia/Shanghai")
ELDER, FAMILY, ADMIN = "demo-elder-1", "demo-family-1", "demo-admin"
TUESDAY = date(2026, 12, 1)


def at(day: date, hhmm: str) -> datetime:
    """A Shanghai wall-clock moment."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SH)


def build_bot(make_app, signer, clock: ManualClock, **settings):
    """The shared bot, with the demo's own check-in enrolment closed: tests enrol whom they need."""
    say = shared_build_bot(make_app, signer, clock, **settings)
    with session_scope(say.rt.engine) as session:
        seeded = session.exec(select(User).where(User.openid == "demo-elder-3")).one()
        ck.close(session, ck.enrolment_of(session, seeded), now=clock())
    return say


def converse(bot, openid, turns):
    """Play a transcript; return the last reply."""
    return shared_converse(bot, openid, turns)[-1]


def say_at(bot, moment: datetime, openid: str, text: str) -> str | None:
    """Move the clock and send one text."""
    bot.clock.now = moment.astimezone(UTC)
    return bot(pushes.text(openid, text))


def run_job(bot, job: str, moment: datetime) -> dict:
    """`flask --app app jobs run <job> --now <moment>`, as the independent client does."""
    bot.clock.now = moment.astimezone(UTC)
    result = bot.app.test_cli_runner().invoke(args=["jobs", "run", job, "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])["result"]


def rows(rt, kind: str | None = None, openid: str | None = None) -> list[OutboxMessage]:
    """Outbox rows, oldest first."""
    with Session(rt.engine) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        if openid:
            query = query.where(OutboxMessage.openid == openid)
        return list(session.exec(query))


def user_id(rt, openid: str) -> int:
    with Session(rt.engine) as session:
        return session.exec(select(User.id).where(User.openid == openid)).one()


def day_status(rt, openid: str, day: date) -> str | None:
    """The recorded outcome of one elder's day."""
    with Session(rt.engine) as session:
        found = ck.day_of(session, user_id(rt, openid), day)
        return found.status if found else None


def requests(rt, category: str | None = None) -> list[HelpRequest]:
    with Session(rt.engine) as session:
        query = select(HelpRequest).order_by(HelpRequest.id)
        if category:
            query = query.where(HelpRequest.category == category)
        return list(session.exec(query))


def enrol(bot, openid: str = FAMILY, command: str = "开启签到") -> None:
    """Enrol through the chat: the command, the read-back, 1."""
    converse(bot, openid, [(command, "回复1确认"), ("1", "已开启")])


@pytest.fixture
def clock():
    return ManualClock(at(TUESDAY, "08:00").astimezone(UTC))
