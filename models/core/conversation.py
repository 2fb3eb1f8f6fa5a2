"""Per-user conversation state, kept in the database so it survives restarts and is shared by workers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from models.base import as_utc, json_field, table_of, utc_field
from models.core import preload


class ConversationState(SQLModel, table=True):
    __tablename__ = "conversation_states"

    openid: str = Field(primary_key=True, max_length=64)
    flow: str = Field(max_length=48)
    step: str = Field(default="", max_length=48)
    data: dict[str, Any] | None = json_field()
    updated_at: datetime = utc_field()


def load_state(session: Session, openid: str) -> ConversationState | None:
    """Return the stored conversation of a user, expired or not."""
    known, row = preload.recall(session, ConversationState, openid)
    return row if known else session.get(ConversationState, openid)


def save_state(session: Session, openid: str, *, flow: str, step: str, data: dict[str, Any], now: datetime) -> None:
    """Create or replace a user's conversation."""
    row = load_state(session, openid) or ConversationState(openid=openid, flow=flow)
    row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), as_utc(now)
    session.add(row)
    preload.forget(session, ConversationState, openid)


def clear_state(session: Session, openid: str) -> None:
    """Forget a user's conversation: one DELETE, none when the turn's preload found nothing to forget."""
    known, row = preload.recall(session, ConversationState, openid)
    if known and row is None:
        return
    table = table_of(ConversationState)
    session.execute(sa.delete(table).where(table.c.openid == openid))
    preload.remember(session, ConversationState, openid, None)
    row = session.identity_map.get(session.identity_key(ConversationState, openid))
    if row is not None:
        session.expunge(row)  # so a later load in the same transaction sees it gone
