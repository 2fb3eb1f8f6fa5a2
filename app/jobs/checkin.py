"""Scheduled steps of the daily check-in: the morning round, the escalation chain, family's good news, the week.

Each is a plain function of `now`, idempotent (one day row per elder and day, one outbox key per
notice), so `flask --app app jobs run checkin.round --now 2026-12-01T08:30+08:00` replays any moment.
"""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from bots.flows.checkin.send import offer_checkin_choice, send_bulk
from bots.texts import t
from models.checkin import reports
from models.checkin import round as ckr
from models.checkin import rules as ck
from models.help import dispatch


def _rules(rt: Runtime) -> ck.CheckinRules:
    return ck.checkin_rules(rt.settings.as_dict())


def round_(rt: Runtime, now: datetime) -> dict:
    """Greet every enrolled elder whose time has come today (once per elder and day)."""
    with session_scope(rt.engine) as session:
        planned = ckr.plan_round(session, now=now, tz=rt.settings.tz, rules=_rules(rt))
        sent = send_bulk(session, planned.prompts, now=now, tz=rt.settings.tz)
        offer_checkin_choice(session, [n.openid for n in planned.prompts], now=now)
        send_bulk(session, planned.notices, now=now, tz=rt.settings.tz)
        return {"prompted": sent, "paused": planned.paused, "unsubscribed": planned.unsubscribed,
                "resumed": planned.resumed, "missed_yesterday": planned.missed}


def advance_silent_days(rt: Runtime, now: datetime) -> dict:
    """Silent days whose time came: second prompt, family and a volunteer task, then the coordinators."""
    with session_scope(rt.engine) as session:
        drules = dispatch.dispatch_rules(rt.settings.as_dict(), rt.settings.tz)
        notices = ckr.advance_silent_days(session, now=now, rules=_rules(rt), drules=drules,
                               task_details=t("checkin_task_details"))
        reminders = [n.openid for n in notices if n.text_key == "checkin_second_prompt"]
        offer_checkin_choice(session, reminders, now=now)
        return {"notices": send_bulk(session, notices, now=now, tz=rt.settings.tz), "reminded": len(reminders)}


def family_daily(rt: Runtime, now: datetime) -> int:
    """Family who opted in hear that today's 平安 came (once a day)."""
    with session_scope(rt.engine) as session:
        return send_bulk(session, reports.family_daily(session, now=now, tz=rt.settings.tz), now=now,
                         tz=rt.settings.tz)


def weekly(rt: Runtime, now: datetime) -> int:
    """Monday: each family member gets last week's check-ins of their elder."""
    with session_scope(rt.engine) as session:
        return send_bulk(session, reports.weekly(session, now=now, tz=rt.settings.tz), now=now, tz=rt.settings.tz)


JOBS = [
    Job("checkin.round", round_, {"trigger": "interval", "minutes": 5}),
    Job("checkin.escalate", advance_silent_days, {"trigger": "interval", "seconds": 60}),
    Job("checkin.family_daily", family_daily, {"trigger": "interval", "minutes": 5}),
    Job("checkin.weekly", weekly, {"trigger": "cron", "day_of_week": "mon", "hour": 9, "minute": 5}),
]
