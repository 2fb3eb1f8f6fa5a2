"""Operator commands of events and the canteen, and the reminder job driven with `jobs run --now`."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from app.db import session_scope
from models.canteen import canteen as cn
from models.core.outbox import OutboxMessage
from models.events import events as ev
from models.people.users import User
from tests.conftest import ManualClock

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _app(make_app):
    app = make_app(clock=ManualClock(NOW))
    return app, app.test_cli_runner()


def test_seed_demo_adds_events_a_training_and_a_week_of_menus(make_app):
    app, cli = _app(make_app)
    for _ in range(2):  # idempotent
        assert cli.invoke(args=["seed-demo"]).exit_code == 0
    with Session(app.extensions["linli"].engine) as session:
        events = session.exec(select(ev.Event).order_by(ev.Event.starts_at)).all()
        assert [e.kind for e in events] == ["lecture", "training", "clinic", "activity"]
        assert events[1].qualification == "meal" and events[1].valid_days == 365
        assert len(session.exec(select(cn.CanteenMenu)).all()) == 7


def test_create_list_signups_and_attend_from_the_command_line(make_app):
    app, cli = _app(make_app)
    cli.invoke(args=["seed-demo"])
    result = cli.invoke(args=["events", "create", "--village", "demo", "--kind", "training", "--title", "急救培训",
                              "--place", "卫生室", "--starts", "2026-12-01T10:00", "--capacity", "2",
                              "--deadline", "2026-12-01T09:30", "--qualification", "medical", "--valid-days", "30"])
    assert result.exit_code == 0 and "已创建活动 5" in result.output
    with session_scope(app.extensions["linli"].engine) as session:
        elder = session.exec(select(User).where(User.openid == "demo-elder-1")).one()
        ev.sign_up(session, 5, elder, booked_by=elder, now=NOW)
    listing = cli.invoke(args=["events", "list", "--village", "demo"]).output
    assert "急救培训  已报1/2  候补0" in listing
    assert "王秀英" in cli.invoke(args=["events", "signups", "5"]).output
    assert "已签到 1 人" in cli.invoke(args=["events", "attend", "5", "demo-elder-1"]).output
    bad = cli.invoke(args=["events", "create", "--kind", "lecture", "--title", "x", "--starts", "2020-01-01T10:00",
                           "--capacity", "3"])
    assert bad.exit_code != 0 and "不能创建" in bad.output


def test_canteen_menu_and_orders_from_the_command_line(make_app):
    app, cli = _app(make_app)
    cli.invoke(args=["seed-demo"])
    assert cli.invoke(args=["canteen", "menu", "--village", "demo", "--day", "2026-12-02", "鱼", "饭"]).exit_code == 0
    rules = cn.CanteenRules()
    with session_scope(app.extensions["linli"].engine) as session:
        elder = session.exec(select(User).where(User.openid == "demo-elder-2")).one()
        from zoneinfo import ZoneInfo
        cn.place_order(session, elder, booked_by=elder, day=date(2026, 12, 2), meal=cn.LUNCH, portions=2,
                       delivery=True, rules=rules, now=NOW, tz=ZoneInfo("Asia/Shanghai"))
    output = cli.invoke(args=["canteen", "orders", "--village", "demo", "--day", "2026-12-02"]).output
    assert "共 2 份" in output and "应收 8.00 元" in output and "李德福" in output and "送餐" in output


def test_the_reminder_job_runs_for_a_given_moment_once(make_app):
    app, cli = _app(make_app)
    cli.invoke(args=["seed-demo"])
    with session_scope(app.extensions["linli"].engine) as session:
        elder = session.exec(select(User).where(User.openid == "demo-elder-1")).one()
        ev.sign_up(session, 1, elder, booked_by=elder, now=NOW)  # the lecture, 12月3日 09:00
    runs = [cli.invoke(args=["jobs", "run", "events.remind", "--now", "2026-12-02T10:00+08:00"]) for _ in range(2)]
    assert [json.loads(r.output)["result"] for r in runs] == [{"day": 1, "hour": 0}, {"day": 0, "hour": 0}]
    assert "events.remind" in cli.invoke(args=["jobs", "list"]).output
    with Session(app.extensions["linli"].engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "event_reminder")).all()
        assert [r.openid for r in rows] == ["demo-elder-1"]
