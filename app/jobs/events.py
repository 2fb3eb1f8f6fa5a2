"""Scheduler jobs of events: the day-before and hour-before reminders."""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from bots.flows.events import notices as event_notices


def remind(rt: Runtime, now: datetime) -> dict[str, int]:
    """Queue every reminder that is due; each goes out once (outbox key per sign-up and kind)."""
    with session_scope(rt.engine) as session:
        return event_notices.send_reminders(session, now=now, tz=rt.settings.tz)


JOBS = [
    Job("events.remind", remind, {"trigger": "interval", "minutes": 5}),
]
