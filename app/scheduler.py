"""APScheduler 3 with its job store in our database, fired by one process only (a lease)."""
from __future__ import annotations

import logging
import threading

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from app.db import session_scope
from app.jobs import registry as jobs
from app.runtime import Runtime
from models.core.leases import acquire_lease, release_lease

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"


def build_scheduler(rt: Runtime) -> BackgroundScheduler:
    """A scheduler whose jobs (stable ids, replace_existing) live in the shared database."""
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=rt.engine)},
                                    timezone=rt.settings.tz, job_defaults={"coalesce": True, "misfire_grace_time": 300})
    for job in jobs.JOBS.values():
        if job.trigger:
            scheduler.add_job(jobs.fire, args=[job.id], id=job.id, name=job.description,
                              replace_existing=True, **job.trigger)
    return scheduler


class LeasedScheduler:
    """Runs the scheduler only while this process holds the scheduler lease."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.ttl = float(rt.settings["scheduler.lease_seconds"])
        self.scheduler: BackgroundScheduler | None = None

    def tick(self) -> bool:
        """Renew or take the lease; start or stop the scheduler to match. True while leading."""
        with session_scope(self.rt.engine) as session:
            leading = acquire_lease(session, LEASE_NAME, self.rt.worker_id, now=self.rt.clock(), ttl=self.ttl)
        if leading and self.scheduler is None:
            log.info("scheduler lease taken by %s", self.rt.worker_id)
            self.scheduler = build_scheduler(self.rt)
            self.scheduler.start()
        elif not leading and self.scheduler is not None:
            log.warning("scheduler lease lost; stopping the scheduler here")
            self._stop_scheduler()
        return leading

    def run(self, stop: threading.Event) -> None:
        """Keep the lease until told to stop, then give it back."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler lease tick failed")
            stop.wait(self.ttl / 3)
        self._stop_scheduler()
        with session_scope(self.rt.engine) as session:
            release_lease(session, LEASE_NAME, self.rt.worker_id)

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
