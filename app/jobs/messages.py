"""Scheduled step of held messages: give up on those the person never came back for."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from models.core import outbox_hold


def expire_held(rt: Runtime, now: datetime) -> int:
    """Rows held longer than delivery.hold_days become undeliverable, visible as such to coordinators."""
    with session_scope(rt.engine) as session:
        return outbox_hold.expire(session, now=now, max_age=timedelta(days=float(rt.settings["delivery.hold_days"])))


JOBS = [Job("outbox.expire_held", expire_held, {"trigger": "cron", "hour": 4, "minute": 7})]
