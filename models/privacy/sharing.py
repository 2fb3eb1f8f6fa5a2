"""Sharing an elder's details with a partner organisation (PIPL art. 23): a clinic or legal-aid volunteer is
another handler, so the elder's contact card and health notes reach them only with the separate
`partner_sharing` consent. Without it the partner volunteer still gets the task (the place, what to do)
and the coordinator passes the details on, knowing the elder.
"""
from __future__ import annotations

from sqlmodel import Session

from models.base import id_of
from models.people.users import User
from models.people.volunteers import volunteer_of
from models.privacy import consent


def partner_of(session: Session, volunteer: User) -> str:
    """The partner organisation a volunteer acts for ('' for a village volunteer)."""
    record = volunteer_of(session, volunteer)
    if record is not None and record.partner_org:
        return record.partner_org
    return "partner" if volunteer.has_role("partner") else ""


def may_share_with(session: Session, elder: User, volunteer: User) -> bool:
    """The elder's contact card and health notes may go to this volunteer: a village volunteer always
    (the service consent covers matching help), a partner organisation's only with partner_sharing."""
    return not partner_of(session, volunteer) or consent.allows(session, id_of(elder), consent.PARTNER_SHARING)
