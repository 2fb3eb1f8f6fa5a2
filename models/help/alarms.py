"""Emergencies: everyone who can help is told at once, on the fastest channel."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.base import id_of
from models.core import outbox
from models.core.audit import audit
from models.people.users import FamilyLink, User


def family_of(session: Session, elder: User) -> list[User]:
    """Family members bound to an elder."""
    query = select(User).join(FamilyLink, col(FamilyLink.family_id) == User.id).where(FamilyLink.elder_id == elder.id)
    return list(session.exec(query.order_by(col(User.id))))


def families_of(session: Session, elder_ids: list[int]) -> dict[int, list[User]]:
    """`family_of` for many elders in one statement: elder id → family members, by id."""
    found: dict[int, list[User]] = {elder_id: [] for elder_id in elder_ids}
    if not elder_ids:
        return found
    query = (select(FamilyLink.elder_id, User).join(FamilyLink, col(FamilyLink.family_id) == User.id)
             .where(col(FamilyLink.elder_id).in_(elder_ids)).order_by(col(User.id)))
    for elder_id, member in session.exec(query):
        found[elder_id].append(member)
    return found


def elders_of(session: Session, family: User) -> list[User]:
    """Elders a family member is bound to."""
    query = select(User).join(FamilyLink, col(FamilyLink.elder_id) == User.id).where(FamilyLink.family_id == family.id)
    return list(session.exec(query.order_by(col(User.id))))


def acting_for(session: Session, person: User) -> list[int]:
    """Whose requests a person may see and manage: their own and those of the elders they are bound to."""
    # The ids of elders_of's users, without loading them (asked on every bare 1-5: a visit to rate?).
    query = (select(User.id).join(FamilyLink, col(FamilyLink.elder_id) == User.id)
             .where(FamilyLink.family_id == person.id).order_by(col(User.id)))
    return [id_of(person)] + [elder for elder in session.exec(query) if elder is not None]


def raise_alarm(session: Session, targets: list[User], *, actor: User, alert_text: str, key: str,
                now: datetime, kind: str = "emergency_alert", name: str = "", phone: str = "") -> list[str]:
    """Queue the alert to each target at once (urgent priority); return the openids told."""
    told = sorted({person.openid for person in targets if person.openid != actor.openid})
    # Whole values: a template form shows the name and the phone in typed fields, never cut.
    values = {"title": alert_text, "name": name, "phone": phone}
    for openid in told:
        outbox.enqueue(session, key=f"alarm:{key}:{openid}", openid=openid, kind=kind,
                       text=alert_text, now=now, priority=outbox.URGENT, template_data=values)
    audit(session, now=now, actor=actor.openid, action="alarm.raise", target=key, notified=told)
    return told
