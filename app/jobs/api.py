"""The mini-program API's jobs: unionids of new followers, old replayable answers dropped."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.api import unionids
from app.db import session_scope
from app.jobs.registry import Job
from models.api import identity as ids

IDEMPOTENCY_DAYS = 2


def forget_answers(rt, now: datetime) -> int:
    with session_scope(rt.engine) as session:
        return ids.forget_answers(session, before=now - timedelta(days=IDEMPOTENCY_DAYS))


JOBS = [
    Job("api.unionids", unionids.recent, {"trigger": "interval", "minutes": 5}),
    Job("api.forget_answers", forget_answers, {"trigger": "cron", "hour": 3, "minute": 41}),
]
