"""The monthly statement: on the 1st at 9:00 (local time), last month's summary and link to those who opted in."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from bots.flows.funds.views import month_summary
from bots.texts import t
from models.core import outbox
from models.funds import subscribers
from models.funds.statement import previous_month
from models.people.users import Village


def monthly_statement(rt: Runtime, now: datetime) -> dict[str, int]:
    """Queue last month's statement to each village's opted-in followers, once each (outbox key)."""
    tz, config = rt.settings.tz, rt.settings.as_dict()
    month = previous_month(now, tz)
    sent: dict[str, int] = {}
    with session_scope(rt.engine) as session:
        for village in session.exec(select(Village).order_by(col(Village.id))):
            people = subscribers.followers(session, village.id)
            if not people:
                continue
            text = t("funds_monthly", summary=month_summary(session, village, month, tz, config))
            sent[village.code] = sum(
                outbox.enqueue(session, key=f"fund_statement:{village.id}:{month}:{person.openid}",
                               openid=person.openid, kind="fund_statement", text=text, now=now, priority=outbox.LOW,
                               template_data={"title": text.splitlines()[0]})
                for person in people)
    return sent


JOBS = [
    Job("funds.statement", monthly_statement, {"trigger": "cron", "day": 1, "hour": 9, "minute": 0}),
]
