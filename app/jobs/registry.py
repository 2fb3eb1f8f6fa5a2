"""Scheduled jobs: stable ids, plain bodies taking (runtime, now), one registry.

APScheduler persists jobs in the database, so it stores a reference to `fire`
with the job id; `fire` finds the worker's runtime through `activate`, the one
process-wide handle the scheduler needs (a stored job cannot carry objects).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.db import session_scope
from app.runtime import Runtime
from bots.engine import handle as bot_handle
from bots.message import Context, Message
from bots.texts import t
from models.base import id_of
from models.core import inbound as inbound_log
from models.core import outbox

log = logging.getLogger(__name__)
STALE_INBOUND_SECONDS = 120


@dataclass(frozen=True)
class Job:
    """A job's id, body and trigger (None: run by hand only); its description is the text `job_<id>`."""

    id: str
    body: Callable[[Runtime, datetime], Any]
    trigger: dict[str, Any] | None = field(default=None)

    @property
    def description(self) -> str:
        """What the job does, for operators (catalogue key `job_<id>`)."""
        return t(f"job_{self.id}")


def recover_outbox(rt: Runtime, now: datetime) -> dict:
    """Release outbox rows whose worker died."""
    with session_scope(rt.engine) as session:
        return outbox.recover_stale(session, now=now)


def recover_inbound(rt: Runtime, now: datetime) -> int:
    """Re-run messages whose worker died before answering, in the user's turn; replies go by outbox."""
    with session_scope(rt.engine) as session:
        # record_inbound always stores the payload; a row without one has nothing to re-run.
        stale = [(id_of(row), row.payload) for row in inbound_log.stale_inbound(
            session, now=now, older_than=STALE_INBOUND_SECONDS) if row.payload is not None]
    budget = float(rt.settings["webhook.time_budget"])
    for row_id, payload in stale:
        message = _heard(rt, Message.from_payload(payload), row_id)
        with rt.locks.user_turn(message.openid, wait=float(rt.settings["webhook.user_lock_wait"]),
                                ttl=max(30.0, budget * 5)) as session:
            if not inbound_log.hand_off(session, row_id):
                continue
            ctx = Context(session=session, now=now, tz=rt.settings.tz, config=rt.config, inbound_id=row_id)
            text = bot_handle(message, ctx).text
            if text:
                outbox.enqueue(session, key=f"reply:{row_id}", openid=message.openid, kind="reply", text=text,
                               now=now, priority=outbox.URGENT)
    return len(stale)


def _heard(rt: Runtime, message: Message, row_id: int) -> Message:
    # A voice message's transcript (found in its clip, or heard now) before the user's lock is taken.
    from app.web.inbound import _heard as heard

    return heard(rt, message, row_id)


def prune_inbound(rt: Runtime, now: datetime) -> int:
    """Forget old inbound records (dedup only needs minutes; audit keeps a fortnight)."""
    with session_scope(rt.engine) as session:
        return inbound_log.prune_inbound(session, now=now, keep_days=int(rt.settings["webhook.inbound_retention_days"]))


def drain_outbox(rt: Runtime, now: datetime) -> int:
    """Deliver every due outbox row once (the worker does this continuously)."""
    from app.delivery import Delivery

    delivery, total = Delivery(rt, clock=lambda: now), 0
    while (count := delivery.drain_once()) > 0:
        total += count
    return total


CORE_JOBS = (
    Job("outbox.recover", recover_outbox, {"trigger": "interval", "seconds": 60}),
    Job("inbound.recover", recover_inbound, {"trigger": "interval", "seconds": 60}),
    Job("inbound.prune", prune_inbound, {"trigger": "cron", "hour": 3, "minute": 17}),
    Job("outbox.drain", drain_outbox),
)
# Feature modules exposing `JOBS: list[Job]`; one line each.
JOB_MODULES: list[str] = [
    "app.jobs.help",
    "app.jobs.notices",
    "app.jobs.events",
    "app.jobs.checkin",
    "app.jobs.messages",
    "app.jobs.api",
    "app.jobs.funds",
    "app.jobs.privacy",
    "app.jobs.timebank",
    "app.jobs.speech",
]


def _collect() -> dict[str, Job]:
    import importlib

    found = list(CORE_JOBS)
    for name in JOB_MODULES:
        found.extend(importlib.import_module(name).JOBS)
    ids = [job.id for job in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"job ids registered twice: {sorted(duplicates)}")
    return {job.id: job for job in found}


JOBS: dict[str, Job] = _collect()

_active: dict[str, Runtime] = {}


def activate(rt: Runtime) -> None:
    """Make this runtime the one scheduled jobs run against in this process."""
    _active["rt"] = rt


def fire(job_id: str) -> Any:
    """Entry point APScheduler stores: run a registered job at the current time."""
    rt = _active["rt"]
    return run(rt, job_id, rt.clock())


def run(rt: Runtime, job_id: str, now: datetime) -> Any:
    """Run a job body for a given moment."""
    job = JOBS[job_id]
    log.debug("job %s at %s", job_id, now.isoformat())
    return job.body(rt, now)
