"""The weekly digest's facts, read from other features' tables when they are installed.

Help requests (models/help_requests.py) and events (models/events.py) are other features;
each is read only if importable, so the digest works (with fewer lines) without them.
Volunteer hours come from the minutes recorded on completed requests.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from models.notice_digest import WeekFacts


def week_facts(session: Session, village_id: int, start: datetime, end: datetime) -> WeekFacts:
    """Requests served and volunteer hours in [start, end), and upcoming events."""
    served, hours = _requests(session, village_id, start, end)
    return WeekFacts(requests_served=served, volunteer_hours=hours, upcoming_events=_events(session, village_id, end))


def _requests(session: Session, village_id: int, start: datetime, end: datetime) -> tuple[int | None, float | None]:
    try:
        from models import help_requests as hr
    except ImportError:
        return None, None
    row = hr.HelpRequest
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(row.minutes_spent), 0)).where(
        row.village_id == village_id, row.status.in_([hr.DONE, hr.CONFIRMED]),
        row.done_at >= start, row.done_at < end)
    count, minutes = session.execute(query).one()
    return int(count), round(int(minutes) / 60, 1)


def _events(session: Session, village_id: int, now: datetime) -> list[str]:
    try:
        from models import events
    except ImportError:
        return []
    return [e.title for e in events.upcoming(session, village_id, now=now, limit=3)]
