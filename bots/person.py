"""Who is writing, in one round trip: the user, their conversation and the features' per-person rows.

Every turn needs the sender's user row and conversation, and some features look at a row of their
own per person on every message (the daily check-in's enrolment). One statement with outer joins
reads them all; what it found sits in the session's identity map, and what it did not find is
remembered for the rest of the transaction (models/core/preload.py), so the later lookups cost
no statement.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlmodel import Session, col

from bots import registry
from models.core import preload
from models.core.conversation import ConversationState
from models.people.users import User, get_or_create_user


def load(session: Session, openid: str, *, now: datetime) -> User:
    """The sender's user (created on first contact), with their per-person rows preloaded."""
    rows = registry.person_rows()
    found = session.execute(_statement(), {"openid": openid}).first()
    if found is None:  # first contact: nothing else can be stored for a user who was not there
        return get_or_create_user(session, openid, now=now)
    user, conversation, *extra = found
    preload.remember(session, ConversationState, openid, conversation)
    for row, loaded in zip(rows, extra, strict=True):
        preload.remember(session, row.model, user.id, loaded)
    return user


@cache
def _statement() -> sa.Select:
    query: sa.Select = sa.select(User, ConversationState).outerjoin(
        ConversationState, col(ConversationState.openid) == col(User.openid))
    for row in registry.person_rows():
        query = query.add_columns(row.model).outerjoin(row.model, getattr(row.model, row.user_column) == col(User.id))
    return query.where(col(User.openid) == sa.bindparam("openid"))
