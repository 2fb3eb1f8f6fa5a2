"""Scheduled steps of help requests: next dispatch rounds, coordinator alerts, expiry, auto-confirmation."""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from bots import notify
from models.help import dispatch, visits


def advance_unclaimed(rt: Runtime, now: datetime) -> int:
    """Unclaimed requests whose time came: next round, coordinators after T2, expiry past the window."""
    with session_scope(rt.engine) as session:
        rules = dispatch.dispatch_rules(rt.settings.as_dict(), rt.settings.tz)
        notices = dispatch.advance_unclaimed(session, rules, now=now)
        return notify.send(session, notices, now=now, tz=rt.settings.tz)


def auto_confirm(rt: Runtime, now: datetime) -> int:
    """Visits nobody rated within the confirmation period are confirmed and credited."""
    with session_scope(rt.engine) as session:
        credit = visits.credit_rules_from_config(rt.settings.as_dict())
        notices = visits.auto_confirm(session, now=now, credit=credit)
        return notify.send(session, notices, now=now, tz=rt.settings.tz)


def unanswered_emergencies(rt: Runtime, now: datetime) -> int:
    """Act on '您是遇到紧急情况了吗？' questions nobody answered."""
    from bots.emergency import act_on_unanswered

    with session_scope(rt.engine) as session:
        return act_on_unanswered(session, now=now, tz=rt.settings.tz, config=rt.settings.as_dict())


JOBS = [
    Job("help.escalate", advance_unclaimed, {"trigger": "interval", "seconds": 60}),
    Job("emergency.unanswered", unanswered_emergencies, {"trigger": "interval", "seconds": 15}),
    Job("help.auto_confirm", auto_confirm, {"trigger": "interval", "minutes": 15}),
]
