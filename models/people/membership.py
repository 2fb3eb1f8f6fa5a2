"""Elders' registration details, who may see them, and coordinators' reach over villages.

Addresses, phones and health notes are personal data: `contact_card` shows them only to the elder,
bound family and the coordinators of the elder's village (plus callers that established another right,
such as a volunteer who claimed the elder's task, by passing `granted=True`).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, json_field, rowcount, utc_field
from models.core import outbox
from models.core.audit import AuditEntry, audit
from models.help.alarms import family_of
from models.help.coordination import notify_coordinators
from models.people.users import FamilyLink, User, Village, get_or_create_user, grant_roles
from models.privacy import consent

OFFLINE_PREFIX = "offline-"  # openid of an elder without WeChat, registered by family
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-－—()（）]")


class ElderProfile(SQLModel, table=True):
    """What an elder (or family for them) told us at registration."""

    __tablename__ = "elder_profiles"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, index=True)
    age: int | None = Field(default=None)
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32)
    lives_alone: bool = Field(default=False)
    health_notes: str = Field(default="", max_length=500)
    # [{"name": "王建国", "phone": "13900000001"}, ...]
    emergency_contacts: list[dict[str, Any]] | None = json_field()
    consent_at: datetime = utc_field()
    consent_by_user_id: int = Field(foreign_key="users.id")
    consent_relationship: str = Field(default="", max_length=32)  # empty: the elder's own consent
    registered_by_user_id: int = Field(foreign_key="users.id", index=True)
    verified_at: datetime | None = utc_field(nullable=True)
    verified_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    @property
    def needs_verification(self) -> bool:
        """Registered by someone else and not yet checked by a coordinator."""
        return self.registered_by_user_id != self.user_id and self.verified_at is None


class BindingCode(SQLModel, table=True):
    """A six-digit code that binds one family member to an elder, once, within its validity."""

    __tablename__ = "binding_codes"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, index=True)
    # Equal to `code` while the code may still be used; NULL once used or replaced after expiry.
    # Its unique constraint is what keeps two live codes from colliding, across processes.
    live_code: str | None = Field(default=None, max_length=6, unique=True)
    elder_id: int = Field(foreign_key="users.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    used_by: int | None = Field(default=None, foreign_key="users.id")


@dataclass(frozen=True)
class ContactCard:
    """An elder's personal details, for someone allowed to see them."""

    name: str
    age: int | None
    address: str
    phone: str
    lives_alone: bool
    health_notes: str
    emergency_contacts: list[dict[str, Any]]


def normalize_mobile(text: str) -> str | None:
    """A mainland mobile number from messy input (spaces, dashes, full-width digits, +86), else None."""
    digits = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
    return digits if _MOBILE.match(digits) else None


def is_offline(user: User) -> bool:
    """An elder without their own WeChat account: never send them messages."""
    return user.openid.startswith(OFFLINE_PREFIX)


def is_coordinator(user: User) -> bool:
    """A village coordinator or a county admin."""
    return user.has_role("admin") or user.has_role("county_admin")


def reaches_village(admin: User, village_id: int | None) -> bool:
    """A county admin reaches every village; a village coordinator their own."""
    if admin.has_role("county_admin"):
        return True
    return admin.has_role("admin") and admin.village_id is not None and admin.village_id == village_id


def in_scope(admin: User, person: User) -> bool:
    """A county admin reaches everyone; a village coordinator the people of their village."""
    return reaches_village(admin, person.village_id)


def profile_of(session: Session, user: User) -> ElderProfile | None:
    """The elder profile of a user, if registered."""
    return session.exec(select(ElderProfile).where(ElderProfile.user_id == user.id)).first()


def is_elder(session: Session, user: User) -> bool:
    """Holds the elder role or has registered as one."""
    return user.has_role("elder") or profile_of(session, user) is not None


def is_registered(session: Session, user: User) -> bool:
    """Someone the service knows: any role (elder, family, volunteer, coordinator, partner) or an elder
    profile. A person who only followed the account is not."""
    return bool(user.role_set) or profile_of(session, user) is not None


def is_bound(session: Session, elder: User, family: User) -> bool:
    """True when the family member is bound to the elder."""
    query = select(FamilyLink.id).where(FamilyLink.elder_id == elder.id, FamilyLink.family_id == family.id)
    return session.exec(query).first() is not None


def may_see(session: Session, elder: User, viewer: User) -> bool:
    """The elder, bound family, and coordinators of the elder's village."""
    return viewer.id == elder.id or is_bound(session, elder, viewer) or in_scope(viewer, elder)


def contact_card(session: Session, elder: User, viewer: User, *, granted: bool = False) -> ContactCard:
    """The elder's personal details; PermissionError for anyone not entitled (see the module docstring)."""
    if not (granted or may_see(session, elder, viewer)):
        raise PermissionError("not entitled to this elder's personal data")
    profile = profile_of(session, elder)
    if profile is None:
        return ContactCard(elder.name, None, "", elder.phone, False, "", [])
    return ContactCard(elder.name, profile.age, profile.address, profile.phone or elder.phone,
                       profile.lives_alone, health_notes_of(session, elder, profile),
                       list(profile.emergency_contacts or []))


def health_notes_of(session: Session, elder: User, profile: ElderProfile | None = None) -> str:
    """The elder's health notes, only while their separate health consent stands (PIPL art. 29)."""
    if not consent.health_notes_allowed(session, id_of(elder)):
        return ""
    profile = profile or profile_of(session, elder)
    return profile.health_notes if profile is not None else ""


def forget_health_notes(session: Session, elder: User, *, now: datetime) -> None:
    """Delete the stored notes (the health consent was withdrawn or never given)."""
    profile = profile_of(session, elder)
    if profile is not None and profile.health_notes:
        profile.health_notes, profile.updated_at = "", now
        session.add(profile)
    if elder.profile and elder.profile.get("health_notes"):
        elder.profile = {k: v for k, v in elder.profile.items() if k != "health_notes"}
        session.add(elder)


@dataclass(frozen=True)
class Registration:
    """The answers of the elder registration form."""

    name: str
    age: int
    village_id: int
    address: str
    phone: str
    lives_alone: bool
    health_notes: str
    emergency_contacts: list[dict[str, Any]]
    relationship: str = ""  # empty: the registrant is the elder


def register_elder(session: Session, registrant: User, reg: Registration, *, now: datetime) -> ElderProfile:
    """Register the registrant as an elder, or (with a relationship) an elder they act for."""
    elder = registrant if not reg.relationship else _proxy_elder(session, registrant, reg, now)
    elder.name, elder.village_id = reg.name, reg.village_id
    elder.phone = reg.phone or elder.phone
    grant_roles(elder, ["elder"], now=now)
    session.add(elder)
    registrant_id = id_of(registrant)
    profile = profile_of(session, elder) or ElderProfile(user_id=id_of(elder), created_at=now, consent_at=now,
                                                         consent_by_user_id=registrant_id,
                                                         registered_by_user_id=registrant_id)
    for name in ("age", "address", "phone", "lives_alone", "health_notes", "emergency_contacts"):
        setattr(profile, name, getattr(reg, name))
    profile.consent_at, profile.consent_by_user_id = now, registrant_id
    profile.consent_relationship, profile.updated_at = reg.relationship, now
    if profile.needs_verification and in_scope(registrant, elder):
        profile.verified_at, profile.verified_by_user_id = now, registrant.id
    session.add(profile)
    session.flush()
    audit(session, now=now, actor=registrant.openid, action="elder.register", target=str(elder.id),
          relationship=reg.relationship)
    return profile


def _proxy_elder(session: Session, registrant: User, reg: Registration, now: datetime) -> User:
    """The elder a family member registers: a WeChat-less user, bound to the registrant."""
    count = session.exec(select(sa.func.count()).select_from(ElderProfile)
                         .where(ElderProfile.registered_by_user_id == registrant.id)).one()
    elder = get_or_create_user(session, f"{OFFLINE_PREFIX}{registrant.id}-{count + 1}", now=now)
    elder.subscribed = False
    session.add(FamilyLink(elder_id=id_of(elder), family_id=id_of(registrant), relationship=reg.relationship,
                           created_at=now))
    grant_roles(registrant, ["family"], now=now)
    session.add(registrant)
    return elder


def find_registered(session: Session, reg: Registration) -> User | None:
    """An elder already registered who looks like this one: same name and village, phones and ages not
    contradicting (a common name alone must not block a different person)."""
    query = (select(User, ElderProfile).join(ElderProfile, col(ElderProfile.user_id) == User.id)
             .where(User.name == reg.name, User.village_id == reg.village_id))
    for user, profile in session.exec(query):
        phones_agree = not reg.phone or not profile.phone or profile.phone == reg.phone
        ages_agree = profile.age is None or abs(profile.age - reg.age) <= 1
        if phones_agree and ages_agree:
            return user
    return None


def pending_elders(session: Session, admin: User) -> list[tuple[User, ElderProfile]]:
    """Elders registered by someone else, awaiting this coordinator's check."""
    query = (select(User, ElderProfile).join(ElderProfile, col(ElderProfile.user_id) == User.id)
             .where(col(ElderProfile.verified_at).is_(None), ElderProfile.registered_by_user_id != User.id)
             .order_by(col(User.id)))
    return [(u, p) for u, p in session.exec(query) if in_scope(admin, u)]


def verify_elder(session: Session, admin: User, elder_id: int, *, now: datetime, text: str) -> User | None:
    """Mark an elder's registration as checked and tell the registrant; None if not pending or out of reach."""
    elder = session.get(User, elder_id)
    profile = profile_of(session, elder) if elder else None
    if elder is None or profile is None or not profile.needs_verification or not in_scope(admin, elder):
        return None
    # Conditional update: a coordinator who read the registration before another verified it (chat, console
    # and API at once) must not verify it again and tell the registrant twice.
    moved = rowcount(session.execute(sa.update(ElderProfile).where(
        col(ElderProfile.id) == profile.id, col(ElderProfile.verified_at).is_(None))
        .values(verified_at=as_utc(now), verified_by_user_id=admin.id, updated_at=as_utc(now))))
    session.refresh(profile)
    if moved != 1:
        return None
    registrant = session.get(User, profile.registered_by_user_id)
    assert registrant is not None
    outbox.enqueue(session, key=f"elder_verified:{elder.id}", openid=registrant.openid, kind="elder_verified",
                   text=text, now=now, template_data={"title": text})
    audit(session, now=now, actor=admin.openid, action="elder.verify", target=str(elder.id))
    return elder


def tell_coordinators_of_elder(session: Session, elder: User, *, text: str, now: datetime) -> int:
    """Queue the new-elder notice for the coordinators of the elder's village."""
    query = select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "elder.register", AuditEntry.target == str(elder.id))
    registrations = int(session.exec(query).one())  # numbers each registration (or update) of this elder
    return notify_coordinators(session, elder, kind="elder_registered", text=text,
                               key=f"elder_registered:{elder.id}:{registrations}", now=now)


def elders_in_scope(session: Session, admin: User) -> list[tuple[User, ElderProfile | None]]:
    """Elders this coordinator looks after, with their profiles."""
    query = (select(User, ElderProfile).join(ElderProfile, col(ElderProfile.user_id) == User.id, isouter=True)
             .where(col(User.roles).contains(",elder,")).order_by(col(User.id)))
    return [(u, p) for u, p in session.exec(query) if in_scope(admin, u)]


def seed_people(session: Session, village: Village, *, now: datetime) -> None:
    """Give the demo elders registration details (self-registered, consented) so features can show them."""
    elders = session.exec(select(User).where(User.village_id == village.id, col(User.roles).contains(",elder,")))
    for elder in list(elders):
        if profile_of(session, elder) is not None:
            continue
        details = elder.profile or {}
        contacts = [{"name": f.name, "phone": f.phone} for f in family_of(session, elder)]
        elder_id = id_of(elder)
        session.add(ElderProfile(user_id=elder_id, age=details.get("age"), address=details.get("address", ""),
                                 phone=elder.phone, lives_alone=bool(details.get("lives_alone")),
                                 emergency_contacts=contacts, consent_at=now, consent_by_user_id=elder_id,
                                 registered_by_user_id=elder_id, created_at=now, updated_at=now))
    session.flush()

