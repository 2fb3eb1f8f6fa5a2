"""The weekly digest's facts: visits finished and the hours the time bank credited for them, upcoming events."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from models.events import events
from models.help import visits
from models.notices.digest import WeekFacts


def week_facts(session: Session, village_id: int, start: datetime, end: datetime) -> WeekFacts:
    """Requests served and volunteer hours in [start, end), and upcoming events."""
    served, hours = _requests(session, village_id, start, end)
    return WeekFacts(requests_served=served, volunteer_hours=hours, upcoming_events=_events(session, village_id, end))


def _requests(session: Session, village_id: int, start: datetime, end: datetime) -> tuple[int, float]:
    served, minutes = visits.served_between(session, village_id, start, end)
    return served, round(minutes / 60, 1)


def _events(session: Session, village_id: int, now: datetime) -> list[str]:
    return [e.title for e in events.upcoming(session, village_id, now=now, limit=3)]
