"""Complaints: what went wrong, for the coordinator to follow up."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import id_of, utc_field
from models.core.audit import audit
from models.help import requests as hr
from models.help.alarms import elders_of
from models.people.users import User

OPEN, CLOSED = "open", "closed"


class Complaint(SQLModel, table=True):
    __tablename__ = "complaints"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    about: str = Field(max_length=500)
    request_id: int | None = Field(default=None, index=True)
    status: str = Field(default=OPEN, max_length=16, index=True)
    created_at: datetime = utc_field()


def latest_visit(session: Session, user: User) -> hr.HelpRequest | None:
    """The most recent request someone took on for this user or the elders they are bound to: what a
    complaint is most likely about."""
    elder_ids = [user.id] + [e.id for e in elders_of(session, user)]
    query = select(hr.HelpRequest).where(col(hr.HelpRequest.elder_id).in_(elder_ids),
                                         col(hr.HelpRequest.volunteer_id).is_not(None))
    return session.exec(query.order_by(col(hr.HelpRequest.updated_at).desc())).first()


def record_complaint(session: Session, user: User, about: str, *, now: datetime,
                     request_id: int | None = None) -> Complaint:
    """Record a complaint (the caller tells the coordinators)."""
    complaint = Complaint(user_id=id_of(user), about=about[:500], request_id=request_id, created_at=now)
    session.add(complaint)
    session.flush()
    audit(session, now=now, actor=user.openid, action="complaint.open", target=f"complaint:{complaint.id}")
    return complaint
