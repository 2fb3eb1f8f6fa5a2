"""The time bank's scheduled step: unspent minutes past `timebank.expiry_days` go back to the pool."""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from models.timebank import gifts
from models.timebank.policy import timebank_policy


def expire(rt: Runtime, now: datetime) -> int:
    """Minutes expired this run (none while `expiry_days` is 0, the default)."""
    with session_scope(rt.engine) as session:
        return gifts.expire(session, policy=timebank_policy(rt.settings.as_dict()), now=now)


JOBS = [Job("timebank.expire", expire, {"trigger": "cron", "hour": 3, "minute": 41})]
