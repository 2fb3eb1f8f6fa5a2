"""Long console actions (exports of big lists, broadcast planning) and how far along they are.

A job row is written when the action starts and updated as it goes, so any web process can answer
the browser's progress polls, not only the one doing the work. Finished exports keep their file in
the row for a short while (the download link), then `purge` drops it.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, rowcount, table_of, utc_field

RUNNING, DONE, FAILED = "running", "done", "failed"
KEEP = timedelta(hours=2)


class ConsoleJob(SQLModel, table=True):
    """One long action a coordinator started from the console."""

    __tablename__ = "console_jobs"

    id: int | None = Field(default=None, primary_key=True)
    # Unguessable: the progress URL carries it (and it is checked against the owner too).
    token: str = Field(max_length=43, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=32)
    # What the job is about, e.g. the list name or "broadcast:12".
    subject: str = Field(default="", max_length=64)
    status: str = Field(default=RUNNING, max_length=16)
    done: int = Field(default=0)
    total: int = Field(default=0)
    error: str = Field(default="", max_length=200)
    filename: str = Field(default="", max_length=120)
    result: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


def start(session: Session, user_id: int, kind: str, *, subject: str = "", total: int = 0,
          now: datetime) -> ConsoleJob:
    """A new running job owned by one coordinator."""
    job = ConsoleJob(token=secrets.token_urlsafe(32), user_id=user_id, kind=kind, subject=subject[:64],
                     total=max(0, total), created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    return job


def advance(session: Session, token: str, done: int, *, total: int | None = None, now: datetime) -> bool:
    """Record progress of a running job; False when it is no longer running."""
    table = table_of(ConsoleJob)
    values: dict = {"done": max(0, done), "updated_at": as_utc(now)}
    if total is not None:
        values["total"] = max(0, total)
    return rowcount(session.execute(sa.update(table).where(table.c.token == token, table.c.status == RUNNING)
                                    .values(**values))) == 1


def finish(session: Session, token: str, *, now: datetime, filename: str = "", result: bytes | None = None) -> bool:
    """Mark a running job done (with its file, for an export); False when it was not running."""
    table = table_of(ConsoleJob)
    return rowcount(session.execute(sa.update(table).where(table.c.token == token, table.c.status == RUNNING).values(
        status=DONE, filename=filename[:120], result=result, updated_at=as_utc(now),
        done=sa.case((table.c.total > table.c.done, table.c.total), else_=table.c.done)))) == 1


def fail(session: Session, token: str, error: str, *, now: datetime) -> bool:
    """Mark a running job failed with a short reason code; False when it was not running."""
    table = table_of(ConsoleJob)
    return rowcount(session.execute(sa.update(table).where(table.c.token == token, table.c.status == RUNNING)
                                    .values(status=FAILED, error=error[:200], updated_at=as_utc(now)))) == 1


def owned(session: Session, token: str, user_id: int) -> ConsoleJob | None:
    """The job behind a progress URL, only for the coordinator who started it."""
    return session.exec(select(ConsoleJob).where(ConsoleJob.token == token, ConsoleJob.user_id == user_id)).first()


def percent(job: ConsoleJob) -> int:
    """0-100 for a progress bar (a job of unknown size shows 0 until it is done)."""
    if job.status == DONE:
        return 100
    return min(99, job.done * 100 // job.total) if job.total else 0


def purge(session: Session, *, now: datetime) -> int:
    """Drop finished jobs older than KEEP (their files with them); running ones stay."""
    table = table_of(ConsoleJob)
    return rowcount(session.execute(sa.delete(table).where(col(ConsoleJob.status) != RUNNING,
                                                           table.c.updated_at < as_utc(now) - KEEP)))
