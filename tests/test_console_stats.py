"""The chart figures: plain functions over the tables with an explicit `now`."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.db import make_engine
from models.console import stats
from models.help import requests as hr
from models.people.users import User, Village

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # Thursday noon in Shanghai


def test_weeks_start_on_monday_in_local_time():
    assert stats.week_start(datetime(2026, 11, 29, 17, 0, tzinfo=UTC), TZ) == date(2026, 11, 30)  # Monday 01:00
    assert stats.weeks(NOW, TZ, 3) == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def test_request_figures_count_each_village_week_and_category(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there = Village(code="a", name="A", created_at=NOW), Village(code="b", name="B", created_at=NOW)
        session.add_all([here, there])
        session.flush()
        elder = User(openid="e", village_id=here.id, created_at=NOW, updated_at=NOW)
        session.add(elder)
        session.flush()

        def ask(n, village, created, claimed=None, minutes=None, category="errand"):
            session.add(hr.HelpRequest(source_key=f"k{n}", elder_id=elder.id, requested_by_id=elder.id,
                                       village_id=village.id, category=category, window_start=created,
                                       window_end=created, created_at=created, updated_at=created,
                                       claimed_at=claimed, done_at=claimed, minutes_spent=minutes,
                                       status=hr.DONE if claimed else hr.OPEN))
        ask(1, here, NOW - timedelta(hours=1), NOW - timedelta(minutes=50), 60)
        ask(2, here, NOW - timedelta(hours=2), NOW - timedelta(hours=2) + timedelta(minutes=30), 30, "meal")
        ask(3, here, NOW - timedelta(days=7))
        ask(4, there, NOW - timedelta(hours=1))
        session.flush()
        per_week = stats.requests_per_week(session, [here.id], now=NOW, tz=TZ, count=2)
        assert per_week == {date(2026, 11, 23): {"errand": 1}, date(2026, 11, 30): {"errand": 1, "meal": 1}}
        assert sum(stats.requests_per_week(session, None, now=NOW, tz=TZ, count=2)[date(2026, 11, 30)].values()) == 3
        claim = stats.median_claim_minutes(session, [here.id], now=NOW, tz=TZ, count=2)
        assert claim == {date(2026, 11, 23): None, date(2026, 11, 30): 20.0}
        assert stats.volunteer_hours_per_month(session, [here.id], now=NOW, tz=TZ, count=2) == {
            "2026-11": 0.0, "2026-12": 1.5}
    engine.dispose()
