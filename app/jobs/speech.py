"""Voice audio is kept three days (WeChat's own media lifetime) unless a coordinator marked it."""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from models.speech import clips


def purge(rt: Runtime, now: datetime) -> int:
    """Delete the voice clips past their keep time that nobody marked; return how many."""
    with session_scope(rt.engine) as session:
        return clips.purge_expired(session, now=now)


JOBS = [Job("speech.purge", purge, {"trigger": "interval", "hours": 1})]
