"""Keeping personal data no longer than needed (PIPL art. 19): conversation state left behind, voice
messages (recognised text and media ids in the inbound log), and the access log after its three years.
The inbound log itself is pruned by `models.core.inbound.prune_inbound` (webhook.inbound_retention_days).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.base import as_utc, rowcount, table_of
from models.core.conversation import ConversationState
from models.core.inbound import PROCESSING, InboundMessage
from models.privacy import access

VOICE = "voice"


def prune_conversations(session: Session, *, now: datetime, keep_days: float) -> int:
    """Forget conversation state untouched for `keep_days` (a flow in progress expires long before)."""
    table = table_of(ConversationState)
    cutoff = as_utc(now) - timedelta(days=keep_days)
    return rowcount(session.execute(sa.delete(table).where(table.c.updated_at < cutoff)))


def forget_audio(session: Session, *, now: datetime, keep_days: float) -> int:
    """Voice messages older than `keep_days` lose what they said: the payload (media id, recognised text)
    is emptied, the row stays for deduplication until the inbound log is pruned."""
    table = table_of(InboundMessage)
    cutoff = as_utc(now) - timedelta(days=keep_days)
    query = sa.update(table).where(table.c.msg_type == VOICE, table.c.received_at < cutoff,
                                   table.c.status != PROCESSING,
                                   table.c.payload.isnot(None)).values(payload=sa.null(), reply=sa.null())
    return rowcount(session.execute(query))


def prune_access_log(session: Session, *, now: datetime, keep_days: int) -> int:
    """The access log after its retention (never under three years)."""
    return access.prune(session, now=now, keep_days=keep_days)
