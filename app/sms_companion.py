"""Which pushes also go by SMS, to whom, and with which template parameters.

Emergencies and check-in alarms (models/push_kinds.SMS_KINDS) reach family members and coordinators
on their phones as well as in WeChat, and so does the alert that a critical push could not be
delivered. Only people with a mainland mobile number on their user row get one; elders and
volunteers never do (their numbers are not theirs to spend on alarms about others). The SMS is an
outbox row of its own (channel sms, key `sms:<row key>`), so it is sent once, retried on throttling
and never repeated after an unanswered request, exactly like a WeChat push.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, select

from app.sms import mobile_e164
from bots.texts import t
from models.core import outbox
from models.core.outbox import SMS, OutboxMessage
from models.core.push_kinds import SMS_KINDS
from models.people.users import FamilyLink, User

SMS_ROLES = ("admin", "county_admin", "family")


def eligible(session: Session, user: User) -> bool:
    """Family members and coordinators (a family link counts even without the role)."""
    if any(user.has_role(role) for role in SMS_ROLES):
        return True
    return session.exec(select(FamilyLink.id).where(FamilyLink.family_id == user.id)).first() is not None


def _user(session: Session, openid: str) -> User | None:
    return session.exec(select(User).where(User.openid == openid)).first()


def phone_of(session: Session, openid: str) -> str | None:
    """The person's mobile number as the provider wants it (read at send time: numbers change)."""
    user = _user(session, openid)
    return mobile_e164(user.phone) if user is not None else None


def queue(session: Session, row: OutboxMessage, *, now: datetime, contacts: Mapping) -> bool:
    """Add the SMS twin of a critical push; False when the kind, the person or the number does not qualify."""
    if row.kind not in SMS_KINDS or row.channel == SMS:
        return False
    user = _user(session, row.openid)
    if user is None or not eligible(session, user) or mobile_e164(user.phone) is None:
        return False
    data = row.template_data or {}
    what = t(f"sms_what_{row.kind}", name=data.get("name") or data.get("who") or "")
    contact = data.get("phone") or contacts.get("coordinator_phone") or t("sms_no_phone")
    return outbox.enqueue(session, key=f"sms:{row.key}"[:200], openid=row.openid, kind=row.kind, channel=SMS,
                          text=t("sms_preview", what=what, phone=contact), template_data={"params": [what, contact]},
                          priority=row.priority, now=now)


def params_of(row: OutboxMessage) -> list[str]:
    """The template parameters, in the order of the SMS template: what happened, whom to call."""
    return [str(p) for p in (row.template_data or {}).get("params", [])]
