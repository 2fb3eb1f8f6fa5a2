"""Figures for the console's charts: weekly and monthly series over a coordinator's villages.

Rows are bucketed here rather than in SQL so the same code runs on SQLite and PostgreSQL; the windows are
short (weeks, months) and the columns read are few.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from models.base import as_utc, utc_from_db
from models.checkin import rules as ck
from models.core import outbox
from models.core.outbox import OutboxMessage
from models.help import requests as hr
from models.people.users import User

NOT_COUNTED = (ck.DAY_PAUSED, ck.UNSUBSCRIBED, ck.PENDING)


def week_start(moment: datetime | date, tz: ZoneInfo) -> date:
    """The Monday of the local week a moment (or day) falls in."""
    day = moment.astimezone(tz).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weeks(now: datetime, tz: ZoneInfo, count: int) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first (this week included)."""
    this = week_start(now, tz)
    return [this - timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def _in(villages: list[int] | None, column):
    return sa.true() if villages is None else column.in_(villages)


def requests_per_week(session: Session, villages: list[int] | None, *, now: datetime, tz: ZoneInfo,
                      count: int = 12) -> dict[date, Counter]:
    """Requests made each week, by category."""
    first = weeks(now, tz, count)[0]
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    rows = session.execute(sa.select(col(hr.HelpRequest.created_at), col(hr.HelpRequest.category)).where(
        col(hr.HelpRequest.created_at) >= as_utc(start), _in(villages, col(hr.HelpRequest.village_id))))
    found: dict[date, Counter] = {week: Counter() for week in weeks(now, tz, count)}
    for created, category in rows:
        found.setdefault(week_start(utc_from_db(created), tz), Counter())[category] += 1
    return found


def median_claim_minutes(session: Session, villages: list[int] | None, *, now: datetime, tz: ZoneInfo,
                         count: int = 12) -> dict[date, float | None]:
    """The median time from asking to a volunteer's claim, per week the request was made."""
    first = weeks(now, tz, count)[0]
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    rows = session.execute(sa.select(col(hr.HelpRequest.created_at), col(hr.HelpRequest.claimed_at)).where(
        col(hr.HelpRequest.created_at) >= as_utc(start), col(hr.HelpRequest.claimed_at).is_not(None),
        _in(villages, col(hr.HelpRequest.village_id))))
    waits: dict[date, list[float]] = defaultdict(list)
    for created, claimed in rows:
        created, claimed = utc_from_db(created), utc_from_db(claimed)
        waits[week_start(created, tz)].append((claimed - created).total_seconds() / 60)
    return {week: round(median(waits[week]), 1) if waits.get(week) else None for week in weeks(now, tz, count)}


def checkin_on_time_rate(session: Session, villages: list[int] | None, *, now: datetime, tz: ZoneInfo,
                         count: int = 12) -> dict[date, float | None]:
    """Share of finished check-in days answered on time, per week (paused and unsubscribed days left out)."""
    first = weeks(now, tz, count)[0]
    rows = session.execute(sa.select(col(ck.CheckinDay.day), col(ck.CheckinDay.status)).where(
        col(ck.CheckinDay.day) >= first, _in(villages, col(ck.CheckinDay.village_id))))
    totals: Counter = Counter()
    on_time: Counter = Counter()
    for day, status in rows:
        if status in NOT_COUNTED:
            continue
        week = week_start(day, tz)
        totals[week] += 1
        on_time[week] += status == ck.ON_TIME
    return {week: round(on_time[week] / totals[week], 3) if totals[week] else None for week in weeks(now, tz, count)}


def volunteer_hours_per_month(session: Session, villages: list[int] | None, *, now: datetime, tz: ZoneInfo,
                              count: int = 6) -> dict[str, float]:
    """Hours volunteers spent on finished visits, per local month they finished."""
    local = now.astimezone(tz)
    months = []
    year, month = local.year, local.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    start = datetime(int(months[0][:4]), int(months[0][5:]), 1, tzinfo=tz)
    rows = session.execute(sa.select(col(hr.HelpRequest.done_at), col(hr.HelpRequest.minutes_spent)).where(
        col(hr.HelpRequest.done_at) >= as_utc(start), col(hr.HelpRequest.minutes_spent).is_not(None),
        _in(villages, col(hr.HelpRequest.village_id))))
    hours = {m: 0.0 for m in months}
    for done, minutes in rows:
        key = utc_from_db(done).astimezone(tz).strftime("%Y-%m")
        if key in hours:
            hours[key] += minutes / 60
    return {m: round(h, 1) for m, h in hours.items()}


def delivery_by_channel(session: Session, villages: list[int] | None, *, now: datetime,
                        days: int = 30) -> dict[str, dict[str, int]]:
    """Pushes of the last `days` per channel: delivered, and not (failed, undeliverable, uncertain)."""
    query = (sa.select(col(OutboxMessage.channel), col(OutboxMessage.status), sa.func.count())
             .select_from(OutboxMessage).join(User, col(User.openid) == OutboxMessage.openid, isouter=True)
             .where(col(OutboxMessage.created_at) >= as_utc(now) - timedelta(days=days),
                    col(OutboxMessage.channel).is_not(None), _in(villages, col(User.village_id)))
             .group_by(col(OutboxMessage.channel), col(OutboxMessage.status)))
    found: dict[str, dict[str, int]] = {}
    for channel, status, number in session.execute(query):
        bucket = found.setdefault(channel, {"sent": 0, "lost": 0})
        if status == outbox.SENT:
            bucket["sent"] += number
        elif status in (outbox.FAILED, outbox.UNDELIVERABLE, outbox.UNCERTAIN):
            bucket["lost"] += number
    return found
