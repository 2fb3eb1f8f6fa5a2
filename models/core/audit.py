"""Audit log: who changed what, for the coordinator and for disputes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, Session, SQLModel

from models.base import json_field, utc_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=128)
    detail: dict[str, Any] | None = json_field()


def audit(session: Session, *, now: datetime, actor: str, action: str, target: str = "", **detail: Any) -> None:
    """Append an audit entry in the caller's transaction."""
    session.add(AuditEntry(at=now, actor=actor, action=action, target=target, detail=detail or None))
