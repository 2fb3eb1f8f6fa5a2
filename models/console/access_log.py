"""Who looked at an elder's personal details, when, and which ones.

A minimal log of the console's own: the privacy work (issue on personal data) may bring a shared access
log; `record` is the one place the console writes, so switching over is a change here only.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utc_field
from models.people.users import User

CONTACT, HEALTH, CONTACT_AND_HEALTH = "contact", "health", "contact+health"


class ConsoleAccess(SQLModel, table=True):
    """One view of an elder's contact or health details through the console."""

    __tablename__ = "console_access_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    viewer_id: int = Field(foreign_key="users.id", index=True)
    elder_id: int = Field(foreign_key="users.id", index=True)
    what: str = Field(max_length=32)
    # The page or export it happened through (e.g. "elder", "elders.xlsx").
    surface: str = Field(default="", max_length=64)


def record(session: Session, viewer: User, elder: User, what: str, *, surface: str, now: datetime) -> None:
    """Log a view, in the caller's transaction."""
    session.add(ConsoleAccess(at=now, viewer_id=viewer.id, elder_id=elder.id, what=what, surface=surface))


def views_of(session: Session, elder: User, *, limit: int = 50) -> list[ConsoleAccess]:
    """The latest views of one elder's details, newest first."""
    query = select(ConsoleAccess).where(ConsoleAccess.elder_id == elder.id)
    return list(session.exec(query.order_by(col(ConsoleAccess.id).desc()).limit(limit)))
