"""What the feature blueprints of the token door share: notices into the outbox, the config, whom I act for.

Each feature module (events, canteen, check-in, coordinators, subscriptions) has its own blueprint so
that features are added without touching one another; they all answer through the same spec, problem
documents and rate limits (app/api/spec.py, problems.py, wiring.py).
"""
from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.api import context
from app.api.problems import Problem
from bots import acting, notify
from models.base import id_of
from models.core.notify import Notice
from models.people.users import User

ID_MAX = 2**31 - 1


def send(session: Session, notices: Iterable[Notice]) -> None:
    """Queue the notices a domain function returned, in the view's transaction."""
    notify.send(session, list(notices), now=context.now(), tz=context.runtime().tz)


def config() -> dict:
    return dict(context.runtime().config)


def acting_ids(session: Session, user: User) -> list[int]:
    """Everyone whose sign-ups and orders I see and change: myself and the elders I act for (the chat's rule)."""
    return sorted({id_of(u) for u in acting.choices(session, user)} | {id_of(user)})


def whom(session: Session, user: User, elder_id: int | None) -> User:
    """Whom a sign-up or order is for: as the chat asks it (bots/acting.choices).

    Omitted: myself when I may act for myself, else my only elder; several elders need `elder_id` (422).
    An elder I do not act for answers 404, as if they did not exist.
    """
    choices = acting.choices(session, user)
    if elder_id is None:
        if any(c.id == user.id for c in choices):
            return user
        if len(choices) == 1:
            return choices[0]
        raise Problem(422, "elder_id_needed")
    found = next((c for c in choices if c.id == elder_id), None)
    if found is None:
        raise Problem(404)
    return found


def village_of(session: Session, user: User) -> int | None:
    """My village, or for family far away the village of their first elder (the chat's rule)."""
    if user.village_id is not None:
        return user.village_id
    return next((e.village_id for e in acting.elders_for(session, user) if e.village_id is not None), None)


class Page(BaseModel):
    """Offset paging for short lists the domain orders itself (the cursor is opaque to clients)."""

    cursor: str | None = Field(default=None, pattern=r"^[0-9]{1,6}$", description="opaque: from next_cursor")
    limit: int = Field(default=20, ge=1, le=50)


def offset_page(rows: list, query: Page) -> tuple[list, str | None]:
    """`rows` fetched with `offset + limit + 1` → this page and the next cursor."""
    offset = int(query.cursor or 0)
    part = rows[offset:offset + query.limit + 1]
    more = len(part) > query.limit
    return part[:query.limit], (str(offset + query.limit) if more else None)
