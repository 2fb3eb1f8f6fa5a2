"""Which villages and requests a coordinator reaches, as the console lists them (the rules are in models/)."""
from __future__ import annotations

from sqlmodel import Session, col, select

from models.help import held_requests as held
from models.help import requests as hr
from models.people.users import User, Village


def villages_of(session: Session, admin: User) -> list[Village]:
    """A county admin's every village; a village coordinator's own."""
    query = select(Village).order_by(col(Village.id))
    if not admin.has_role("county_admin"):
        query = query.where(Village.id == admin.village_id)
    return list(session.exec(query))


def active_requests(session: Session, admin: User) -> list[hr.HelpRequest]:
    """Requests in progress this coordinator may handle, oldest first."""
    query = select(hr.HelpRequest).where(col(hr.HelpRequest.status).in_(hr.ACTIVE)).order_by(col(hr.HelpRequest.id))
    return [r for r in session.exec(query) if held.may_handle(session, admin, r)]
