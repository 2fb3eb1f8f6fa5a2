"""Requests from people nobody knows yet: held until a coordinator verifies them (or the asker registers).

Anyone can follow the account and ask for help; a request from someone who never registered (no role,
no elder profile) would otherwise send volunteers to an unknown door. `help_requests.create_request`
stores such a request as `held` (emergencies excepted: they always go out at once); dispatch skips it
and tells the coordinators instead. A coordinator verifies it (it is then dispatched) or turns it down
(chat commands in docs/chat-commands.md); registering as an elder releases the asker's held requests too.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.base import id_of
from models.core.audit import audit
from models.core.notify import Notice
from models.help import requests as hr
from models.help.coordination import coordinators_for
from models.people.users import User, users_with_role

VERIFIED, REJECTED, NOT_FOUND, NOT_HELD = "verified", "rejected", "not_found", "not_held"


def may_handle(session: Session, admin: User, request: hr.HelpRequest) -> bool:
    """A coordinator's reach over a request: their village's, any for a county admin; a request with no
    village (from someone who never said where they live) to whoever `coordinators_for` would alert."""
    if admin.has_role("county_admin"):
        return True
    if not admin.has_role("admin"):
        return False
    if request.village_id is None:
        return not users_with_role(session, "county_admin")
    return request.village_id == admin.village_id


def coordinator_notices(session: Session, request: hr.HelpRequest, params: dict) -> list[Notice]:
    """Coordinators are asked, once per request (the key), to verify a held request."""
    asker = session.get(User, request.requested_by_id)
    assert asker is not None
    values = {**params, "details": request.details, "who": asker.name, "tail": asker.openid[-4:]}
    return [Notice(admin.openid, "help_held", f"held:{request.id}:{admin.id}", "help_held", values)
            for admin in coordinators_for(session, asker)]


def verify(session: Session, request_id: int, admin: User, *, now: datetime) -> tuple[str, hr.HelpRequest | None]:
    """A coordinator vouches for a held request: it becomes open (the caller dispatches it)."""
    request = hr.get_request(session, request_id)
    if request is None or not may_handle(session, admin, request):
        return NOT_FOUND, None
    if not hr.move(session, request_id, allowed=(hr.HELD,), now=now, status=hr.OPEN, next_step_at=None):
        return NOT_HELD, request
    audit(session, now=now, actor=admin.openid, action="help.verify", target=str(request_id))
    return VERIFIED, hr.get_request(session, request_id)


def reject(session: Session, request_id: int, admin: User, *, now: datetime) -> tuple[str, list[Notice]]:
    """A coordinator turns a held request down: it is closed and the asker is told how to get help."""
    request = hr.get_request(session, request_id)
    if request is None or not may_handle(session, admin, request):
        return NOT_FOUND, []
    if not hr.move(session, request_id, allowed=(hr.HELD,), now=now, status=hr.CANCELLED, closed_at=now,
                   next_step_at=None):
        return NOT_HELD, []
    audit(session, now=now, actor=admin.openid, action="help.reject", target=str(request_id))
    asker = session.get(User, request.requested_by_id)
    assert asker is not None
    return REJECTED, [Notice(asker.openid, "help_not_verified", f"not_verified:{request_id}", "help_not_verified",
                             {"number": request_id})]


def waiting_for(session: Session, admin: User) -> list[hr.HelpRequest]:
    """Held requests this coordinator may verify or turn down, oldest first."""
    query = select(hr.HelpRequest).where(hr.HelpRequest.status == hr.HELD).order_by(col(hr.HelpRequest.id))
    return [r for r in session.exec(query) if may_handle(session, admin, r)]


def held_of(session: Session, asker: User) -> list[hr.HelpRequest]:
    """Requests this person asked for that are still waiting to be verified."""
    query = select(hr.HelpRequest).where(hr.HelpRequest.requested_by_id == asker.id,
                                         hr.HelpRequest.status == hr.HELD)
    return list(session.exec(query.order_by(col(hr.HelpRequest.id))))


def release(session: Session, request: hr.HelpRequest, *, now: datetime) -> bool:
    """The asker has registered: their held request becomes open (the caller dispatches it)."""
    return hr.move(session, id_of(request), allowed=(hr.HELD,), now=now, status=hr.OPEN, next_step_at=None)
