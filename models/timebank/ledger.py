"""The time bank: minutes earned by helping, as balanced double entries with idempotency keys."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import insert_ignore, utc_field


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, primary_key=True)
    # Unique per cause and side, so a retried confirmation can never post twice.
    key: str = Field(max_length=120, unique=True)
    account: str = Field(max_length=64, index=True)
    minutes: int
    memo: str = Field(default="", max_length=120)
    request_id: int | None = Field(default=None, index=True)
    created_at: datetime = utc_field()


def user_account(user_id: int) -> str:
    """The account of a person."""
    return f"user:{user_id}"


def pool_account(village_id: int | None) -> str:
    """The community pool that pays volunteers (per village)."""
    return f"pool:{village_id or 0}"


def transfer(session: Session, *, key: str, source: str, target: str, minutes: int, memo: str,
             now: datetime, request_id: int | None = None) -> bool:
    """Post a balanced pair of entries once; False if this key was already posted."""
    if minutes <= 0:
        raise ValueError("a transfer moves a positive number of minutes")
    first = insert_ignore(session, LedgerEntry, {"key": f"{key}:to", "account": target, "minutes": minutes,
                                                 "memo": memo, "request_id": request_id, "created_at": now})
    if not first:
        return False
    insert_ignore(session, LedgerEntry, {"key": f"{key}:from", "account": source, "minutes": -minutes,
                                         "memo": memo, "request_id": request_id, "created_at": now})
    return True


def balance(session: Session, account: str) -> int:
    """Minutes in an account."""
    total = session.exec(select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0))
                         .where(LedgerEntry.account == account)).one()
    return int(total)


def recent(session: Session, account: str, limit: int = 3) -> list[LedgerEntry]:
    """The latest entries of an account, newest first."""
    query = select(LedgerEntry).where(LedgerEntry.account == account)
    return list(session.exec(query.order_by(col(LedgerEntry.id).desc()).limit(limit)))
