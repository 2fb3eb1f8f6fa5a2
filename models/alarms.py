"""Emergencies: everyone who can help is told at once, on the fastest channel."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from models import outbox
from models.audit import audit
from models.coordination import coordinators_for
from models.people import FamilyLink, User


def family_of(session: Session, elder: User) -> list[User]:
    """Family members bound to an elder."""
    query = select(User).join(FamilyLink, FamilyLink.family_id == User.id).where(FamilyLink.elder_id == elder.id)
    return list(session.exec(query.order_by(User.id)))


def elders_of(session: Session, family: User) -> list[User]:
    """Elders a family member is bound to."""
    query = select(User).join(FamilyLink, FamilyLink.elder_id == User.id).where(FamilyLink.family_id == family.id)
    return list(session.exec(query.order_by(User.id)))


def raise_alarm(session: Session, reporter: User, *, alert_text: str, key: str, now: datetime) -> list[str]:
    """Alert the reporter's family (or, for a family member, the elders' other family) and coordinators."""
    targets: dict[str, User] = {}
    for person in family_of(session, reporter):
        targets[person.openid] = person
    for person in coordinators_for(session, reporter):
        targets[person.openid] = person
    targets.pop(reporter.openid, None)
    # Whole values: a template form shows the name and the phone in typed fields, never cut.
    values = {"title": alert_text, "name": reporter.name, "phone": reporter.phone}
    for openid in targets:
        outbox.enqueue(session, key=f"alarm:{key}:{openid}", openid=openid, kind="emergency_alert",
                       text=alert_text, now=now, priority=outbox.URGENT, template_data=values)
    audit(session, now=now, actor=reporter.openid, action="alarm.raise", target=key, notified=sorted(targets))
    return sorted(targets)
