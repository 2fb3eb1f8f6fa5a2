"""Family binding: six-digit codes valid 24 hours and usable once; binding and unbinding from either side."""
from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from models import outbox
from models.audit import AuditEntry, audit
from models.base import as_utc, insert_ignore
from models.membership import BindingCode, elders_in_scope, is_bound, is_coordinator, is_elder, is_offline
from models.people import FamilyLink, User, grant_roles

CODE_TTL = timedelta(hours=24)
MAX_FAILURES = 5  # wrong codes per person per day: a million codes must not be guessable by trying
FAILURE_WINDOW = timedelta(hours=24)
OK, NOT_FOUND, EXPIRED, USED, SELF, ALREADY, TOO_MANY = (
    "ok", "not_found", "expired", "used", "self", "already", "too_many")
_FAIL = "binding.fail"


def issue_code(session: Session, elder: User, creator: User, *, now: datetime,
               rng: random.Random | None = None, ttl: timedelta = CODE_TTL) -> BindingCode:
    """A fresh code for binding family to the elder; retries when the digits are taken by a live code."""
    now, rng = as_utc(now), rng or secrets.SystemRandom()
    for _ in range(50):
        code = f"{rng.randrange(10**6):06d}"
        # Digits of an expired code may be issued again; the old row keeps them in `code` for its answer.
        session.execute(sa.update(BindingCode).where(BindingCode.live_code == code, BindingCode.expires_at <= now)
                        .values(live_code=None))
        values = {"code": code, "live_code": code, "elder_id": elder.id, "created_by": creator.id,
                  "created_at": now, "expires_at": now + ttl}
        if insert_ignore(session, BindingCode, values):
            audit(session, now=now, actor=creator.openid, action="binding.issue", target=str(elder.id))
            return session.exec(select(BindingCode).where(BindingCode.live_code == code)).one()
    raise RuntimeError("no free binding code after 50 tries")


def lookup(session: Session, code: str, *, now: datetime) -> tuple[str, BindingCode | None]:
    """The state of a code: ok, not_found, expired or used (the newest issue of these digits counts)."""
    row = session.exec(select(BindingCode).where(BindingCode.code == code).order_by(BindingCode.id.desc())).first()
    if row is None:
        return NOT_FOUND, None
    if row.used_at is not None:
        return USED, row
    if row.expires_at <= as_utc(now):
        return EXPIRED, row
    return OK, row


def check(session: Session, family: User, code: str, *, now: datetime) -> tuple[str, User | None]:
    """Whether `family` may bind with this code, and to whom; wrong codes count towards a daily limit."""
    if failures(session, family, now=now) >= MAX_FAILURES:
        return TOO_MANY, None
    status, row = lookup(session, code, now=now)
    elder = session.get(User, row.elder_id) if row else None
    if status == OK and elder.id == family.id:
        status = SELF
    elif status == OK and is_bound(session, elder, family):
        status = ALREADY
    if status in (NOT_FOUND, EXPIRED, USED):
        audit(session, now=now, actor=family.openid, action=_FAIL, target=code, status=status)
    return status, elder


def failures(session: Session, user: User, *, now: datetime) -> int:
    """Wrong codes this user sent in the last day."""
    since = as_utc(now) - FAILURE_WINDOW
    query = select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor == user.openid, AuditEntry.action == _FAIL, AuditEntry.at > since)
    return int(session.exec(query).one())


def redeem(session: Session, family: User, code: str, relationship: str, *, now: datetime,
           notice: str) -> tuple[str, User | None]:
    """Use a code: bind `family` to its elder and tell the elder (or whoever made the code)."""
    status, row = lookup(session, code, now=now)
    if status != OK:
        return status, None
    elder = session.get(User, row.elder_id)
    if elder.id == family.id:
        return SELF, elder
    if is_bound(session, elder, family):
        return ALREADY, elder
    # Conditional update: of two people racing with one code, exactly one wins.
    taken = session.execute(sa.update(BindingCode).where(BindingCode.id == row.id, BindingCode.used_at.is_(None))
                            .values(used_at=as_utc(now), used_by=family.id, live_code=None)
                            .returning(BindingCode.id)).first()
    if taken is None:
        return USED, elder
    link(session, elder, family, relationship, now=now)
    for person in _told_of_binding(session, row, elder, family):
        outbox.enqueue(session, key=f"family_bound:{row.id}:{person.openid}", openid=person.openid,
                       kind="family_bound", text=notice, now=now, template_data={"title": notice})
    audit(session, now=now, actor=family.openid, action="binding.redeem", target=str(elder.id))
    return OK, elder


def _told_of_binding(session: Session, row: BindingCode, elder: User, family: User) -> list[User]:
    people = [elder, session.get(User, row.created_by)]
    unique = {p.id: p for p in people if p is not None and p.id != family.id and not is_offline(p)}
    return list(unique.values())


def link(session: Session, elder: User, family: User, relationship: str, *, now: datetime) -> None:
    """Bind family to an elder (idempotent) and give them the family role."""
    insert_ignore(session, FamilyLink, {"elder_id": elder.id, "family_id": family.id,
                                        "relationship": relationship[:32], "created_at": as_utc(now)})
    grant_roles(family, ["family"], now=now)
    session.add(family)


def links_of(session: Session, user: User) -> list[tuple[FamilyLink, User, str]]:
    """The user's bindings as (link, the other person, side) where side is 'elder' (they are the user's
    elder) or 'family' (they are the user's family), in a stable order."""
    query = select(FamilyLink).where(sa.or_(FamilyLink.family_id == user.id, FamilyLink.elder_id == user.id))
    found = []
    for row in session.exec(query.order_by(FamilyLink.id)):
        if row.family_id == user.id:
            found.append((row, session.get(User, row.elder_id), "elder"))
        else:
            found.append((row, session.get(User, row.family_id), "family"))
    return found


def unbind(session: Session, user: User, link_id: int, *, now: datetime, notice: str) -> User | None:
    """Remove a binding the user is a side of and tell the other side; returns the other person."""
    row = session.get(FamilyLink, link_id)
    if row is None or user.id not in (row.elder_id, row.family_id):
        return None
    other = session.get(User, row.elder_id if row.family_id == user.id else row.family_id)
    session.delete(row)
    if not is_offline(other):
        outbox.enqueue(session, key=f"family_unbound:{row.id}:{other.openid}", openid=other.openid,
                       kind="family_unbound", text=notice, now=now, template_data={"title": notice})
    audit(session, now=now, actor=user.openid, action="binding.unbind", target=f"{row.elder_id}:{row.family_id}")
    return other


def acts_for(session: Session, user: User) -> list[User]:
    """Elders a user may act for: themself when an elder, then the elders they are bound to, in binding order."""
    found = [user] if is_elder(session, user) else []
    found += [other for _, other, side in links_of(session, user) if side == "elder"]
    return found


def may_act_for(session: Session, user: User, elder: User) -> bool:
    """True when the user is that elder or bound to them."""
    return any(candidate.id == elder.id for candidate in acts_for(session, user))


def managed_by(session: Session, user: User) -> list[User]:
    """Elders whose settings a user may change: those they act for, then a coordinator's villagers."""
    found = {e.id: e for e in acts_for(session, user)}
    if is_coordinator(user):
        for elder, _ in elders_in_scope(session, user):
            found.setdefault(elder.id, elder)
    return list(found.values())
