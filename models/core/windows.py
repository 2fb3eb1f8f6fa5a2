"""Customer-service message windows: when WeChat will accept a message to a user.

WeChat's rules (WECHAT.md §5): after a user message, at most 5 customer-service
messages within 48 hours (a new message opens a fresh window); after a menu
click, a follow or a QR scan, at most 3 within one minute. Tracking them lets the
outbox choose a channel that will be accepted instead of learning from 45015/45047.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from models.base import as_utc, table_of, utc_field

MESSAGE_WINDOW = timedelta(hours=48)
MESSAGE_QUOTA = 5
EVENT_WINDOW = timedelta(minutes=1)
EVENT_QUOTA = 3
MESSAGE, EVENT = "message", "event"


class ServiceWindow(SQLModel, table=True):
    __tablename__ = "service_windows"

    openid: str = Field(primary_key=True, max_length=64)
    message_at: datetime | None = utc_field(nullable=True)
    message_used: int = Field(default=0)
    event_at: datetime | None = utc_field(nullable=True)
    event_used: int = Field(default=0)


def record_interaction(session: Session, openid: str, kind: str, *, now: datetime) -> None:
    """Open a window: kind 'message' for a user message, 'event' for click/follow/scan.

    One upsert statement, so two first messages of a new user racing each other cannot collide.
    """
    if kind not in (MESSAGE, EVENT):
        raise ValueError(f"unknown interaction kind {kind!r}")
    conn = session.connection()
    conn.execute(upsert_statement(conn.dialect.name, kind), {"openid": openid, "at": as_utc(now)})
    window = session.identity_map.get(session.identity_key(ServiceWindow, openid))
    if window is not None:  # the statement bypassed the ORM: reload a copy this session already holds
        session.expire(window)


def columns(kind: str) -> tuple[str, str]:
    """The columns a kind of interaction opens: (when, how many messages used since)."""
    return ("message_at", "message_used") if kind == MESSAGE else ("event_at", "event_used")


@functools.cache
def upsert_statement(dialect: str, kind: str):
    """Insert-or-update of one kind of window (parameters `openid`, `at`), built once: it runs for every message."""
    table = table_of(ServiceWindow)
    at, used = (table.c[name] for name in columns(kind))
    values = {at.name: sa.bindparam("at", type_=at.type), used.name: 0}
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(openid=sa.bindparam("openid"),
                                                                                       **values)
    return insert.on_conflict_do_update(index_elements=["openid"], set_=values)


def open_quota(window: ServiceWindow | None, *, now: datetime, keep: int = 0) -> str | None:
    """Say which window a customer-service message would use now, or None if none is open.

    `keep` leaves that many of the 48-hour window's messages unused (the reserve for critical pushes).
    """
    if window is None:
        return None
    now = as_utc(now)
    if window.event_at and now < window.event_at + EVENT_WINDOW and window.event_used < EVENT_QUOTA:
        return EVENT
    if window.message_at and now < window.message_at + MESSAGE_WINDOW and window.message_used < MESSAGE_QUOTA - keep:
        return MESSAGE
    return None


def can_send_custom(session: Session, openid: str, *, now: datetime, keep: int = 0) -> bool:
    """Tell whether a customer-service message would be accepted now (leaving `keep` unused)."""
    return open_quota(session.get(ServiceWindow, openid), now=now, keep=keep) is not None


def consume(session: Session, openid: str, *, now: datetime, keep: int = 0) -> bool:
    """Count one customer-service message against the open window; False if none."""
    window = session.get(ServiceWindow, openid)
    which = open_quota(window, now=now, keep=keep)
    if window is None:  # no window, no quota (open_quota said None)
        return False
    if which == EVENT:
        window.event_used += 1
    elif which == MESSAGE:
        window.message_used += 1
    else:
        return False
    session.add(window)
    return True


def close_window(session: Session, openid: str) -> None:
    """Forget the windows after WeChat said they are closed (45015/45047)."""
    window = session.get(ServiceWindow, openid)
    if window is not None:
        window.message_used, window.event_used = MESSAGE_QUOTA, EVENT_QUOTA
        session.add(window)
