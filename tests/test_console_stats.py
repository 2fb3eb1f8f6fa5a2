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


def _world(session):
    here, there = Village(code="a", name="A", created_at=NOW), Village(code="b", name="B", created_at=NOW)
    session.add_all([here, there])
    session.flush()
    mine = User(openid="mine", village_id=here.id, created_at=NOW, updated_at=NOW)
    theirs = User(openid="theirs", village_id=there.id, created_at=NOW, updated_at=NOW)
    session.add_all([mine, theirs])
    session.flush()
    return here, there, mine, theirs


def test_the_check_in_rate_counts_answered_days_per_local_week_leaving_out_paused_and_unsubscribed(db_url):
    from models.checkin import rules as ck

    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there, mine, theirs = _world(session)

        def day(elder, village, on, status):
            session.add(ck.CheckinDay(elder_id=elder.id, village_id=village.id, day=on, status=status,
                                      deadline_at=NOW, created_at=NOW))
        # This week (from Monday 30 November): 2 on time of 3 counted.
        day(mine, here, date(2026, 11, 30), ck.ON_TIME)
        day(mine, here, date(2026, 12, 1), ck.LATE)
        day(mine, here, date(2026, 12, 2), ck.ON_TIME)
        for n, status in enumerate((ck.DAY_PAUSED, ck.UNSUBSCRIBED, ck.PENDING)):
            day(theirs, here, date(2026, 12, 1) + timedelta(days=n), status)  # not counted
        # Last week: one missed day, on Sunday 29 November.
        day(mine, here, date(2026, 11, 29), ck.MISSED)
        # Another village, and a week before the window.
        day(theirs, there, date(2026, 12, 5), ck.MISSED)
        day(mine, here, date(2026, 11, 22), ck.ON_TIME)
        session.flush()
        assert stats.checkin_on_time_rate(session, [here.id], now=NOW, tz=TZ, count=2) == {
            date(2026, 11, 23): 0.0, date(2026, 11, 30): 0.667}
        assert stats.checkin_on_time_rate(session, None, now=NOW, tz=TZ, count=2)[date(2026, 11, 30)] == 0.5
        assert stats.checkin_on_time_rate(session, [there.id], now=NOW, tz=TZ, count=3) == {
            date(2026, 11, 16): None, date(2026, 11, 23): None, date(2026, 11, 30): 0.0}
    engine.dispose()


def test_pushes_per_channel_over_the_last_days_sent_and_lost(db_url):
    from models.core import outbox

    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there, mine, theirs = _world(session)
        n = 0

        def push(openid, channel, status, age):
            nonlocal n
            n += 1
            session.add(outbox.OutboxMessage(key=f"k{n}", openid=openid, kind="k", text="t", status=status,
                                             channel=channel, not_before=NOW, created_at=NOW - age))
        day = timedelta(days=1)
        push("mine", "custom", outbox.SENT, timedelta(0))
        push("mine", "custom", outbox.SENT, 29 * day)
        push("mine", "custom", outbox.FAILED, day)
        push("mine", "template", outbox.UNDELIVERABLE, day)
        push("mine", "template", outbox.UNCERTAIN, day)
        push("mine", "sms", outbox.SENT, day)
        push("mine", "sms", outbox.PENDING, day)  # on its way: neither
        push("mine", "custom", outbox.SENT, 30 * day + timedelta(seconds=1))  # too old
        push("mine", None, outbox.FAILED, day)  # never tried on a channel
        push("theirs", "custom", outbox.FAILED, day)
        push("stranger", "template", outbox.SENT, day)  # nobody we know: every village's view only
        session.flush()
        assert stats.delivery_by_channel(session, [here.id], now=NOW) == {
            "custom": {"sent": 2, "lost": 1}, "template": {"sent": 0, "lost": 2}, "sms": {"sent": 1, "lost": 0}}
        assert stats.delivery_by_channel(session, None, now=NOW) == {
            "custom": {"sent": 2, "lost": 2}, "template": {"sent": 1, "lost": 2}, "sms": {"sent": 1, "lost": 0}}
        assert stats.delivery_by_channel(session, [here.id], now=NOW, days=2) == {
            "custom": {"sent": 1, "lost": 1}, "template": {"sent": 0, "lost": 2}, "sms": {"sent": 1, "lost": 0}}
    engine.dispose()


def test_volunteer_hours_fall_in_the_local_month_they_finished_across_a_new_year(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there, mine, theirs = _world(session)
        january = datetime(2027, 1, 10, 4, 0, tzinfo=UTC)

        def visit(n, done, minutes, village=here):
            session.add(hr.HelpRequest(source_key=f"k{n}", elder_id=mine.id, requested_by_id=mine.id,
                                       village_id=village.id, category="errand", window_start=done, window_end=done,
                                       created_at=done, updated_at=done, claimed_at=done, done_at=done,
                                       minutes_spent=minutes, status=hr.DONE))
        visit(1, datetime(2026, 12, 31, 16, 30, tzinfo=UTC), 90)  # 00:30 on 1 January in Shanghai
        visit(2, datetime(2026, 12, 31, 15, 30, tzinfo=UTC), 30)  # 23:30 on 31 December there
        visit(3, datetime(2026, 11, 30, 15, 59, tzinfo=UTC), 60)  # 23:59 on 30 November: a month earlier
        visit(4, datetime(2026, 12, 5, 4, 0, tzinfo=UTC), 20, there)
        session.add(hr.HelpRequest(source_key="k5", elder_id=mine.id, requested_by_id=mine.id, village_id=here.id,
                                   category="errand", window_start=january, window_end=january, created_at=january,
                                   updated_at=january, done_at=january, minutes_spent=None, status=hr.DONE))
        session.flush()
        assert stats.volunteer_hours_per_month(session, [here.id], now=january, tz=TZ, count=2) == {
            "2026-12": 0.5, "2027-01": 1.5}
        assert stats.volunteer_hours_per_month(session, None, now=january, tz=TZ, count=3) == {
            "2026-11": 1.0, "2026-12": 0.8, "2027-01": 1.5}
    engine.dispose()


def test_the_claim_time_is_the_median_of_the_week_the_request_was_made(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there, mine, theirs = _world(session)
        monday = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 00:00 Monday 30 November in Shanghai

        def ask(n, created, wait, village=here):
            session.add(hr.HelpRequest(source_key=f"k{n}", elder_id=mine.id, requested_by_id=mine.id,
                                       village_id=village.id, category="meal", window_start=created,
                                       window_end=created, created_at=created, updated_at=created,
                                       claimed_at=None if wait is None else created + wait, status=hr.OPEN))
        ask(1, monday, timedelta(minutes=10))
        ask(2, monday + timedelta(hours=1), timedelta(minutes=15))
        ask(3, monday + timedelta(hours=2), timedelta(minutes=50))
        ask(4, monday + timedelta(hours=3), None)  # nobody claimed it yet
        ask(5, monday - timedelta(seconds=1), timedelta(minutes=100))  # Sunday: last week
        ask(6, monday, timedelta(minutes=1), there)
        session.flush()
        assert stats.median_claim_minutes(session, [here.id], now=NOW, tz=TZ, count=2) == {
            date(2026, 11, 23): 100.0, date(2026, 11, 30): 15.0}
        assert stats.requests_per_week(session, [here.id], now=NOW, tz=TZ, count=2) == {
            date(2026, 11, 23): {"meal": 1}, date(2026, 11, 30): {"meal": 4}}
        assert stats.requests_per_week(session, [here.id], now=NOW, tz=TZ, count=1) == {
            date(2026, 11, 30): {"meal": 4}}
    engine.dispose()


def test_a_day_is_in_the_week_of_its_monday():
    assert stats.week_start(date(2026, 12, 6), TZ) == date(2026, 11, 30)  # a Sunday
    assert stats.week_start(date(2026, 11, 30), TZ) == date(2026, 11, 30)
    assert stats.weeks(NOW, TZ, 1) == [date(2026, 11, 30)]


def test_the_charts_show_twelve_weeks_and_six_months_by_default(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        twelve = stats.weeks(NOW, TZ, 12)
        assert list(stats.requests_per_week(session, None, now=NOW, tz=TZ)) == twelve
        assert list(stats.median_claim_minutes(session, None, now=NOW, tz=TZ)) == twelve
        assert list(stats.checkin_on_time_rate(session, None, now=NOW, tz=TZ)) == twelve
        assert list(stats.volunteer_hours_per_month(session, None, now=NOW, tz=TZ)) == [
            "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    engine.dispose()


def test_early_monday_in_shanghai_is_already_the_new_week_though_not_in_utc(db_url):
    from models.checkin import rules as ck

    monday = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 01:00 Monday 30 November in Shanghai, Sunday in UTC
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, there, mine, theirs = _world(session)
        for elder, on, status in ((mine, date(2026, 11, 23), ck.ON_TIME), (theirs, date(2026, 11, 23), ck.MISSED),
                                  (mine, date(2026, 11, 30), ck.ON_TIME)):
            session.add(ck.CheckinDay(elder_id=elder.id, village_id=here.id, day=on, status=status,
                                      deadline_at=NOW, created_at=NOW))
        session.flush()
        # The first Monday of the window counts, and the weeks are Shanghai's.
        assert stats.checkin_on_time_rate(session, None, now=monday, tz=TZ, count=2) == {
            date(2026, 11, 23): 0.5, date(2026, 11, 30): 1.0}
    engine.dispose()


def test_a_push_exactly_thirty_days_old_still_counts(db_url):
    from models.core import outbox

    engine = make_engine(db_url)
    with Session(engine) as session:
        _world(session)
        session.add(outbox.OutboxMessage(key="k", openid="mine", kind="k", text="t", status=outbox.SENT,
                                         channel="custom", not_before=NOW, created_at=NOW - timedelta(days=30)))
        session.flush()
        assert stats.delivery_by_channel(session, None, now=NOW) == {"custom": {"sent": 1, "lost": 0}}
    engine.dispose()


def _ask(session, n, elder, village, created, wait=None, minutes=None):
    session.add(hr.HelpRequest(source_key=f"k{n}", elder_id=elder.id, requested_by_id=elder.id, village_id=village.id,
                               category="errand", window_start=created, window_end=created, created_at=created,
                               updated_at=created, claimed_at=None if wait is None else created + wait,
                               done_at=None if minutes is None else created, minutes_spent=minutes,
                               status=hr.DONE if minutes else hr.OPEN))


def test_requests_and_claim_times_fall_in_shanghai_weeks_from_the_windows_first_moment(db_url):
    monday = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 01:00 Monday 30 November in Shanghai, Sunday in UTC
    first = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 00:00 Monday 23 November in Shanghai: the window opens
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, _, mine, _ = _world(session)
        _ask(session, 1, mine, here, first, timedelta(minutes=12, seconds=15))
        _ask(session, 2, mine, here, monday - timedelta(minutes=30), timedelta(minutes=10))  # Monday 00:30
        _ask(session, 3, mine, here, monday - timedelta(minutes=20), timedelta(minutes=15))
        session.flush()
        weeks = [date(2026, 11, 23), date(2026, 11, 30)]
        assert stats.requests_per_week(session, None, now=monday, tz=TZ, count=2) == dict(
            zip(weeks, [{"errand": 1}, {"errand": 2}], strict=True))
        assert stats.median_claim_minutes(session, None, now=monday, tz=TZ, count=2) == dict(
            zip(weeks, [12.2, 12.5], strict=True))  # to a tenth of a minute
    engine.dispose()


def test_volunteer_hours_by_shanghai_month_from_the_first_moment_of_the_window(db_url):
    december = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Shanghai, still November in UTC
    engine = make_engine(db_url)
    with Session(engine) as session:
        here, _, mine, _ = _world(session)
        _ask(session, 1, mine, here, datetime(2026, 10, 31, 16, 0, tzinfo=UTC), minutes=600)  # 00:00 1 November
        _ask(session, 2, mine, here, december - timedelta(minutes=30), minutes=30)  # 00:30 1 December
        session.flush()
        assert stats.volunteer_hours_per_month(session, None, now=december, tz=TZ, count=2) == {
            "2026-11": 10.0, "2026-12": 0.5}
        march = datetime(2027, 3, 10, 4, 0, tzinfo=UTC)
        assert list(stats.volunteer_hours_per_month(session, None, now=march, tz=TZ, count=3)) == [
            "2027-01", "2027-02", "2027-03"]
    engine.dispose()
