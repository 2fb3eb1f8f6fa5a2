"""Help requests: asked, dispatched, claimed, done, confirmed and credited.

Lifecycle (status): open → claimed → en_route → done → confirmed; any of the first four may become
cancelled; open may become expired; done may become disputed. A request from someone who never
registered starts as held (models/help/held_requests.py): held → open once verified, or cancelled/expired.
Dispatch rounds and offers live in models/help/dispatch.py. Every function takes `now`; notifications are
returned as Notices.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, json_field, rowcount, table_of, utc_field
from models.people.membership import is_registered
from models.people.users import User

HELD, OPEN, CLAIMED, EN_ROUTE, DONE = "held", "open", "claimed", "en_route", "done"
CONFIRMED, DISPUTED, CANCELLED, EXPIRED = "confirmed", "disputed", "cancelled", "expired"
ACTIVE = (HELD, OPEN, CLAIMED, EN_ROUTE)
IN_PROGRESS = (CLAIMED, EN_ROUTE)  # a volunteer holds the task
CATEGORIES = ("errand", "meal", "medical", "daily_care", "repair", "farm_work", "companionship", "emergency", "other")
NORMAL, URGENT, EMERGENCY = "normal", "urgent", "emergency"
CONFIRM_WINDOW = timedelta(hours=48)
LOOKUP_CHUNK = 500  # keys per IN list: well under every driver's parameter limit


class HelpRequest(SQLModel, table=True):
    __tablename__ = "help_requests"
    __table_args__ = (sa.Index("ix_help_requests_due", "status", "next_step_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # The inbound message (or job run) that created it: a retried message cannot create a second request.
    source_key: str = Field(max_length=120, unique=True)
    elder_id: int = Field(foreign_key="users.id", index=True)
    requested_by_id: int = Field(foreign_key="users.id")
    village_id: int | None = Field(default=None, foreign_key="villages.id", index=True)
    category: str = Field(max_length=24)
    details: str = Field(default="", max_length=300)
    urgency: str = Field(default=NORMAL, max_length=16)
    place: str = Field(default="", max_length=120)  # "" means the elder's home
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    window_start: datetime = utc_field()
    window_end: datetime = utc_field()
    images: list[str] | None = json_field()
    status: str = Field(default=OPEN, max_length=16, index=True)
    volunteer_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    dispatch_round: int = Field(default=0)
    next_step_at: datetime | None = utc_field(nullable=True)
    escalated_at: datetime | None = utc_field(nullable=True)
    claimed_at: datetime | None = utc_field(nullable=True)
    started_at: datetime | None = utc_field(nullable=True)
    done_at: datetime | None = utc_field(nullable=True)
    minutes_spent: int | None = Field(default=None)
    confirm_by: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    rating: int | None = Field(default=None)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


@dataclass(frozen=True)
class NewRequest:
    """What the asking flow collected."""

    elder: User
    requested_by: User
    category: str
    details: str
    window_start: datetime
    window_end: datetime
    place: str = ""
    urgency: str = NORMAL
    latitude: float | None = None
    longitude: float | None = None
    images: tuple[str, ...] = ()


def create_request(session: Session, new: NewRequest, *, source_key: str, now: datetime,
                   flush: bool = True) -> tuple[HelpRequest, bool]:
    """Create a request once per source; return it and whether it is new.

    `flush=False` leaves a new request's INSERT to the session's next flush: `dispatch.dispatch_round` right
    after it inserts the request with its first round settled (one INSERT instead of an INSERT and an UPDATE).
    """
    return create_requests(session, [(new, source_key)], now=now, flush=flush)[0]


# Built once: the lookup runs for every request made.
_BY_SOURCE = sa.select(table_of(HelpRequest).c.id).where(
    table_of(HelpRequest).c.source_key.in_(sa.bindparam("keys", expanding=True)))


def create_requests(session: Session, items: list[tuple[NewRequest, str]], *,
                    now: datetime, flush: bool = True) -> list[tuple[HelpRequest, bool]]:
    """`create_request` for many sources at once: one lookup and one flush (a batch of silent mornings)."""
    keys = [key for _, key in items]
    found: dict[str, HelpRequest] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        part = keys[start:start + LOOKUP_CHUNK]
        # Requests made but not yet flushed are in the session only, and a repeated source is rare: ids first,
        # through the session (which flushes), rows only for those found.
        ids = list(session.scalars(_BY_SOURCE, {"keys": part}))
        if ids:
            found.update((r.source_key, r) for r in session.exec(select(HelpRequest).where(
                col(HelpRequest.id).in_(ids))))
    result: list[tuple[HelpRequest, bool]] = []
    for new, key in items:
        if key in found:
            result.append((found[key], False))
            continue
        request = _new_request(session, new, key, now)
        session.add(request)
        found[key] = request
        result.append((request, True))
    if flush and any(created for _, created in result):
        session.flush()
    return result


def _new_request(session: Session, new: NewRequest, source_key: str, now: datetime) -> HelpRequest:
    if new.category not in CATEGORIES:
        raise ValueError(f"unknown category {new.category!r}")
    held = must_hold(session, new)
    return HelpRequest(
        source_key=source_key, elder_id=id_of(new.elder), requested_by_id=id_of(new.requested_by),
        village_id=new.elder.village_id or new.requested_by.village_id, category=new.category,
        details=new.details[:300], urgency=new.urgency, place=new.place[:120], latitude=new.latitude,
        longitude=new.longitude, window_start=as_utc(new.window_start), window_end=as_utc(new.window_end),
        images=list(new.images) or None, created_at=now, updated_at=now, status=HELD if held else OPEN,
        next_step_at=as_utc(new.window_end) if held else None,  # a held request still expires with its window
    )


def must_hold(session: Session, new: NewRequest) -> bool:
    """A request waits for a coordinator when whoever asked never registered; an emergency never waits."""
    emergency = new.urgency == EMERGENCY or new.category == "emergency"
    return not emergency and not is_registered(session, new.requested_by)


def get_request(session: Session, request_id: int) -> HelpRequest | None:
    """A request by its number."""
    return session.get(HelpRequest, request_id)


def open_requests_of(session: Session, elder_ids: list[int]) -> list[HelpRequest]:
    """Requests still in progress for these elders, oldest first."""
    query = select(HelpRequest).where(col(HelpRequest.elder_id).in_(elder_ids), col(HelpRequest.status).in_(ACTIVE))
    return list(session.exec(query.order_by(col(HelpRequest.id))))


def awaiting_rating(session: Session, elder_ids: list[int]) -> HelpRequest | None:
    """The latest done request these elders have not yet confirmed."""
    query = select(HelpRequest).where(col(HelpRequest.elder_id).in_(elder_ids), HelpRequest.status == DONE)
    return session.exec(query.order_by(col(HelpRequest.done_at).desc())).first()


def tasks_of(session: Session, volunteer_id: int) -> list[HelpRequest]:
    """A volunteer's claimed tasks in progress, oldest first."""
    query = select(HelpRequest).where(HelpRequest.volunteer_id == volunteer_id,
                                      col(HelpRequest.status).in_(IN_PROGRESS))
    return list(session.exec(query.order_by(col(HelpRequest.id))))


def open_task_counts(session: Session, volunteer_ids: list[int]) -> dict[int, int]:
    """Tasks in progress per volunteer (for fair spreading)."""
    if not volunteer_ids:
        return {}
    rows = session.execute(
        sa.select(col(HelpRequest.volunteer_id), sa.func.count()).where(
            col(HelpRequest.volunteer_id).in_(volunteer_ids), col(HelpRequest.status).in_(IN_PROGRESS)
        ).group_by(col(HelpRequest.volunteer_id)))
    return {vid: count for vid, count in rows}


def move(session: Session, request_id: int, *, allowed: tuple[str, ...], now: datetime,
         held_by: int | None = None, only_if: Any = None, **values: Any) -> bool:
    """Change a request only if it is in an allowed state (and held by volunteer `held_by`, when given;
    and `only_if`, a further SQL condition, holds — e.g. the claimer's offer is still live).

    One conditional UPDATE: of many concurrent callers exactly one sees rowcount 1 — the claim race.
    """
    table = table_of(HelpRequest)
    query = sa.update(table).where(table.c.id == request_id).where(table.c.status.in_(allowed))
    if held_by is not None:
        query = query.where(table.c.volunteer_id == held_by)
    if only_if is not None:
        query = query.where(only_if)
    result = session.execute(query.values(updated_at=as_utc(now), **values))
    session.expire_all()
    return rowcount(result) == 1
