"""Progress of long console actions: start the work in a thread, let the browser poll a fragment.

`launch` writes a job row (models/console/jobs.py) and runs the work beside the request, in an app
context and as the same coordinator (no request: the work takes what it needs from it up front); the
work reports `(done, total)` as it goes. The progress fragment re-requests itself every second (htmx
`load delay`) until the job is done or failed; any web process can answer it, the state being in the
database. Not a task queue: a job lives and dies with the process that started it (a restart leaves
it "running"), which suits exports and planning a coordinator can simply start again. Finished jobs
(and their files) are dropped two hours later, when the next job starts.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import quote

from flask import Response, abort, current_app, g, make_response

from app.console.common import admin_in, blueprint, page, rt
from app.db import session_scope
from models.console import jobs

log = logging.getLogger(__name__)
bp = blueprint("console_progress", __name__)
Report = Callable[[int, int], None]
# The work returns the finished file (name, bytes) or None.
Work = Callable[[Report], tuple[str, bytes] | None]
# Threads started here, so tests can wait for them instead of sleeping.
STARTED: list[threading.Thread] = []


def launch(kind: str, subject: str, work: Work, *, total: int = 0) -> str:
    """Start `work` beside this request; return the job's token (its progress URL)."""
    runtime = rt()
    with session_scope(runtime.engine) as session:
        jobs.purge(session, now=runtime.clock())
        job = jobs.start(session, admin_in(session).id or 0, kind, subject=subject, total=total, now=runtime.clock())
        token = job.token

    def report(done: int, total: int) -> None:
        with session_scope(runtime.engine) as session:
            jobs.advance(session, token, done, total=total, now=runtime.clock())

    app, identity = current_app._get_current_object(), g.identity  # type: ignore[attr-defined]

    def run() -> None:
        try:
            with app.app_context():
                g.identity = identity  # the work acts as the coordinator who started it
                produced = work(report)
        except Exception:  # the coordinator sees "failed"; the trace goes to the log
            log.exception("console job %s (%s) failed", kind, subject)
            with session_scope(runtime.engine) as session:
                jobs.fail(session, token, "error", now=runtime.clock())
            return
        name, data = produced or ("", None)
        with session_scope(runtime.engine) as session:
            jobs.finish(session, token, filename=name, result=data, now=runtime.clock())

    thread = threading.Thread(target=run, name=f"console-{kind}", daemon=True)
    STARTED.append(thread)
    thread.start()
    return token


def _owned(token: str) -> jobs.ConsoleJob:
    with session_scope(rt().engine) as session:
        job = jobs.owned(session, token, g.identity.user_id)
        if job is None:
            abort(404)
        return job


@bp.get("/jobs/<token>")
def progress(token: str):
    """The job's progress fragment; it polls itself while the job runs."""
    job = _owned(token)
    return page("_job.html", job=job, percent=jobs.percent(job))


@bp.get("/jobs/<token>/file")
def download(token: str) -> Response:
    """The finished export, for its owner only."""
    job = _owned(token)
    if job.status != jobs.DONE or job.result is None:
        abort(404)
    mimetype = "text/csv; charset=utf-8" if job.filename.endswith(".csv") else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = make_response(job.result)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.filename)}"
    return response
