"""Who saw a person's contact card or health notes: a processing record (PIPL art. 55) and what the
"who looked" chat command shows the person and their bound family.

Callers log where the data is revealed: the claim winner's notice, the coordinators' commands that show
addresses and contacts, the check-in alarm, and the console (which calls `log_access` itself). The log
holds user ids and roles, never the data shown. It is kept at least three years (`privacy.retention`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, rowcount, table_of, utc_field

CONTACT, HEALTH_NOTES = "contact", "health_notes"
WHAT = (CONTACT, HEALTH_NOTES)
CLAIM, COORDINATOR_VIEW, CONSOLE, CHECKIN_ALARM, EXPORT = (
    "claim", "coordinator_view", "console", "checkin_alarm", "export")
REASONS = (CLAIM, COORDINATOR_VIEW, CONSOLE, CHECKIN_ALARM, EXPORT)
MIN_KEEP_DAYS = 3 * 366  # the law asks for processing records of at least three years


class AccessEntry(SQLModel, table=True):
    __tablename__ = "privacy_access_log"

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="users.id", index=True)  # whose data was shown
    viewer_id: int | None = Field(default=None, foreign_key="users.id")  # None: a console operator
    viewer_name: str = Field(default="", max_length=64)  # the console's login when there is no user
    viewer_role: str = Field(max_length=32)
    what: str = Field(max_length=32)
    reason: str = Field(max_length=32)
    ref: str = Field(default="", max_length=64)  # e.g. the request number of a claim
    at: datetime = utc_field(index=True)


def log_access(session: Session, *, subject_id: int, viewer_id: int | None, viewer_role: str, what: str,
               reason: str, now: datetime, ref: str = "", viewer_name: str = "") -> AccessEntry:
    """Record that `viewer` was shown `what` (contact / health_notes) of `subject` for `reason`."""
    if what not in WHAT:
        raise ValueError(f"unknown kind of data {what!r}")
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    entry = AccessEntry(subject_id=subject_id, viewer_id=viewer_id, viewer_name=viewer_name[:64],
                        viewer_role=viewer_role, what=what, reason=reason, ref=str(ref)[:64], at=as_utc(now))
    session.add(entry)
    return entry


def accesses_of(session: Session, subject_id: int, *, limit: int | None = None) -> list[AccessEntry]:
    """Who saw this person's data, newest first."""
    query = select(AccessEntry).where(AccessEntry.subject_id == subject_id).order_by(col(AccessEntry.id).desc())
    return list(session.exec(query.limit(limit) if limit else query))


def prune(session: Session, *, now: datetime, keep_days: int) -> int:
    """Forget entries older than the retention period (never shorter than three years)."""
    table = table_of(AccessEntry)
    cutoff = as_utc(now) - timedelta(days=max(keep_days, MIN_KEEP_DAYS))
    return rowcount(session.execute(sa.delete(table).where(table.c.at < cutoff)))
