"""Family binding: six-digit codes valid 24 hours and usable once; a code starts a binding that the elder
(or, for an elder without WeChat, whoever made the code; or a coordinator) confirms; unbinding from either side.

A correct code alone binds nobody: with a million codes and many accounts, someone will eventually guess
one. Wrong guesses are limited per person and across all accounts (past the hourly limit binding stops
for a while and the coordinators are alerted), and each binding waits for a yes from the elder's side,
which lapses after `Limits.confirm_within`.
"""
from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, insert_ignore, row_of, rowcount, table_of, utc_field
from models.core import outbox
from models.core.audit import AuditEntry, audit
from models.core.notify import Notice
from models.help.coordination import coordinators_for
from models.people.membership import (
    BindingCode,
    ElderProfile,
    elders_in_scope,
    in_scope,
    is_bound,
    is_coordinator,
    is_elder,
    is_offline,
)
from models.people.users import FamilyLink, User, Village, grant_roles, users_with_role

CODE_TTL = timedelta(hours=24)
MAX_FAILURES = 5  # wrong codes per person per day: a million codes must not be guessable by trying
FAILURE_WINDOW = timedelta(hours=24)
OK, NOT_FOUND, EXPIRED, USED, SELF, ALREADY, TOO_MANY = (
    "ok", "not_found", "expired", "used", "self", "already", "too_many")
LOCKED, WAITING, ASKED = "locked", "waiting", "asked"  # binding paused everywhere; a request already waits; sent
ACCEPTED, REFUSED, LAPSED, DECIDED = "accepted", "refused", "lapsed", "decided"
PENDING = "pending"
_FAIL, _LOCKDOWN = "binding.fail", "binding.lockdown"


@dataclass(frozen=True)
class Limits:
    """Guessing limits and the confirmation time (config `binding`)."""

    per_person: int = MAX_FAILURES
    per_hour: int = 30  # wrong codes from all accounts together in an hour before binding stops
    lockout: timedelta = timedelta(hours=1)
    confirm_within: timedelta = timedelta(hours=24)


def limits_from_config(config: dict) -> Limits:
    """Build the limits from the `binding` section of the configuration."""
    section = config.get("binding", {}) or {}
    return Limits(per_person=int(section.get("max_failures_per_person", MAX_FAILURES)),
                  per_hour=int(section.get("max_failures_per_hour", 30)),
                  lockout=timedelta(minutes=float(section.get("lockout_minutes", 60))),
                  confirm_within=timedelta(hours=float(section.get("confirm_hours", 24))))


class PendingBinding(SQLModel, table=True):
    """A binding asked for with a valid code, waiting for the elder's side to say yes."""

    __tablename__ = "pending_bindings"

    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key="binding_codes.id", unique=True)  # one code, one request
    elder_id: int = Field(foreign_key="users.id", index=True)
    family_id: int = Field(foreign_key="users.id", index=True)
    relationship: str = Field(default="", max_length=32)
    # Who was asked to answer 1/2: the elder, or whoever made the code for an elder without WeChat;
    # NULL when the elder's coordinators were asked (they answer by number).
    asked_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    status: str = Field(default=PENDING, max_length=16)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    decided_at: datetime | None = utc_field(nullable=True)
    decided_by: int | None = Field(default=None, foreign_key="users.id")


@dataclass
class Attempt:
    """What a binding step came to, for whom, and who must be told."""

    status: str
    elder: User | None = None
    notices: list[Notice] = field(default_factory=list)
    pending: PendingBinding | None = None


def issue_code(session: Session, elder: User, creator: User, *, now: datetime,
               rng: random.Random | None = None, ttl: timedelta = CODE_TTL) -> BindingCode:
    """A fresh code for binding family to the elder; retries when the digits are taken by a live code."""
    now, rng = as_utc(now), rng or secrets.SystemRandom()
    for _ in range(50):
        code = f"{rng.randrange(10**6):06d}"
        # Digits of an expired code may be issued again; the old row keeps them in `code` for its answer.
        session.execute(sa.update(BindingCode).where(col(BindingCode.live_code) == code,
                                                     col(BindingCode.expires_at) <= now)
                        .values(live_code=None))
        values = {"code": code, "live_code": code, "elder_id": elder.id, "created_by": creator.id,
                  "created_at": now, "expires_at": now + ttl}
        if insert_ignore(session, BindingCode, values):
            audit(session, now=now, actor=creator.openid, action="binding.issue", target=str(elder.id))
            return session.exec(select(BindingCode).where(BindingCode.live_code == code)).one()
    raise RuntimeError("no free binding code after 50 tries")


def lookup(session: Session, code: str, *, now: datetime) -> tuple[str, BindingCode | None]:
    """The state of a code: ok, not_found, expired or used (the newest issue of these digits counts)."""
    row = session.exec(select(BindingCode).where(BindingCode.code == code).order_by(col(BindingCode.id).desc())).first()
    if row is None:
        return NOT_FOUND, None
    if row.used_at is not None:
        return USED, row
    if row.expires_at <= as_utc(now):
        return EXPIRED, row
    return OK, row


def check(session: Session, family: User, code: str, *, now: datetime, limits: Limits = Limits()) -> Attempt:
    """Whether `family` may use this code, and for whom; wrong codes count towards the person's daily limit
    and the hourly limit of all accounts together (crossing it pauses binding and alerts coordinators)."""
    if failures(session, family, now=now) >= limits.per_person:
        return Attempt(TOO_MANY)
    if locked(session, now=now, limits=limits):
        return Attempt(LOCKED)
    status, row = lookup(session, code, now=now)
    elder = row_of(session, User, row.elder_id) if row else None
    if status == OK and elder is not None:  # OK comes with its row, and so with its elder
        status = _refusal(session, elder, family, now) or OK
    if status not in (NOT_FOUND, EXPIRED, USED):
        return Attempt(status, elder)
    audit(session, now=now, actor=family.openid, action=_FAIL, target=code, status=status)
    return Attempt(status, elder, _lock_if_guessed(session, now=now, limits=limits))


def _refusal(session: Session, elder: User, family: User, now: datetime) -> str | None:
    if elder.id == family.id:
        return SELF
    if is_bound(session, elder, family):
        return ALREADY
    if _waiting(session, elder, family, now) is not None:
        return WAITING
    return None


def failures(session: Session, user: User, *, now: datetime) -> int:
    """Wrong codes this user sent in the last day."""
    since = as_utc(now) - FAILURE_WINDOW
    query = select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor == user.openid, AuditEntry.action == _FAIL, AuditEntry.at > since)
    return int(session.exec(query).one())


def locked(session: Session, *, now: datetime, limits: Limits) -> bool:
    """True while binding is paused for everyone after a burst of wrong codes."""
    query = select(AuditEntry.id).where(AuditEntry.action == _LOCKDOWN, AuditEntry.at > as_utc(now) - limits.lockout)
    return session.exec(query).first() is not None


def _lock_if_guessed(session: Session, *, now: datetime, limits: Limits) -> list[Notice]:
    """Many accounts guessing together: past the hourly limit, pause binding and alert the coordinators."""
    since = as_utc(now) - timedelta(hours=1)
    wrong = int(session.exec(select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == _FAIL, AuditEntry.at > since)).one())
    if wrong < limits.per_hour or locked(session, now=now, limits=limits):
        return []
    audit(session, now=now, actor="", action=_LOCKDOWN, wrong=wrong)
    minute = as_utc(now).strftime("%Y%m%dT%H%M")  # concurrent lockdowns in one minute alert once
    params = {"count": wrong, "minutes": int(limits.lockout.total_seconds() // 60)}
    admins = users_with_role(session, "county_admin") or users_with_role(session, "admin")
    return [Notice(a.openid, "binding_lockdown", f"binding_lockdown:{minute}:{a.id}", "people_bind_lockdown_alert",
                   params, outbox.URGENT) for a in admins]


def _waiting(session: Session, elder: User, family: User, now: datetime) -> PendingBinding | None:
    query = select(PendingBinding).where(PendingBinding.elder_id == elder.id, PendingBinding.family_id == family.id,
                                         PendingBinding.status == PENDING, PendingBinding.expires_at > as_utc(now))
    return session.exec(query).first()


def redeem(session: Session, family: User, code: str, relationship: str, *, now: datetime,
           limits: Limits = Limits()) -> Attempt:
    """Use a code: ask the elder's side to confirm that `family` may bind (nothing is bound yet)."""
    if locked(session, now=now, limits=limits):
        return Attempt(LOCKED)
    status, row = lookup(session, code, now=now)
    if status != OK:
        return Attempt(status)
    assert row is not None  # lookup gives a row with every status but NOT_FOUND
    elder = session.get(User, row.elder_id)
    assert elder is not None
    refusal = _refusal(session, elder, family, now)
    if refusal:
        return Attempt(refusal, elder)
    # Conditional update: of two people racing with one code, exactly one gets to ask.
    taken = session.execute(sa.update(BindingCode).where(col(BindingCode.id) == row.id,
                                                         col(BindingCode.used_at).is_(None))
                            .values(used_at=as_utc(now), used_by=family.id, live_code=None)
                            .returning(col(BindingCode.id))).first()
    if taken is None:
        return Attempt(USED, elder)
    asked = _decider(session, row, elder, family)
    pending = PendingBinding(code_id=id_of(row), elder_id=id_of(elder), family_id=id_of(family),
                             relationship=relationship[:32],
                             asked_id=asked.id if asked else None, created_at=as_utc(now),
                             expires_at=as_utc(now) + limits.confirm_within)
    session.add(pending)
    session.flush()
    audit(session, now=now, actor=family.openid, action="binding.request", target=str(elder.id))
    return Attempt(ASKED, elder, _ask(session, pending, elder, family, asked), pending)


def _decider(session: Session, row: BindingCode, elder: User, family: User) -> User | None:
    """The elder; for an elder without WeChat, whoever made the code for them (family acting for them, or a
    coordinator in scope) unless that is the person binding; failing both, None: the elder's coordinators."""
    if not is_offline(elder):
        return elder
    maker = session.get(User, row.created_by)
    if maker is None or maker.id == family.id or is_offline(maker):
        return None
    return maker if may_act_for(session, maker, elder) or in_scope(maker, elder) else None


def _ask(session: Session, pending: PendingBinding, elder: User, family: User, asked: User | None) -> list[Notice]:
    params = {"number": pending.id, "relation": pending.relationship, "who": family.name, "name": elder.name}
    key = f"family_consent:{pending.id}"
    if asked is None:
        return [Notice(a.openid, "family_consent", f"{key}:{a.id}", "people_bind_ask_coordinator", params,
                       outbox.URGENT) for a in coordinators_for(session, elder)]
    text_key = "people_bind_ask_elder" if asked.id == elder.id else "people_bind_ask_maker"
    return [Notice(asked.openid, "family_consent", key, text_key, params, outbox.URGENT)]


def asked_of(session: Session, user: User, *, now: datetime) -> list[PendingBinding]:
    """Bindings waiting for this user's 1/2, oldest first (lapsed ones are gone)."""
    query = select(PendingBinding).where(PendingBinding.asked_id == user.id, PendingBinding.status == PENDING,
                                         PendingBinding.expires_at > as_utc(now))
    return list(session.exec(query.order_by(col(PendingBinding.id))))


def awaiting_coordinator(session: Session, admin: User, *, now: datetime) -> list[PendingBinding]:
    """Live bindings waiting for this coordinator's yes, oldest first: those the elder's coordinators were
    asked about (nobody on the elder's side could answer) for elders in reach, and any asked of them by name."""
    query = select(PendingBinding).where(
        PendingBinding.status == PENDING, PendingBinding.expires_at > as_utc(now),
        sa.or_(col(PendingBinding.asked_id).is_(None), col(PendingBinding.asked_id) == admin.id))
    return [row for row in session.exec(query.order_by(col(PendingBinding.id))) if may_decide(session, row, admin)]


def may_decide(session: Session, row: PendingBinding, user: User) -> bool:
    """The elder, whoever was asked, and the elder's coordinators — never the person asking to bind."""
    if user.id == row.family_id:
        return False
    elder = row_of(session, User, row.elder_id)
    return user.id in (row.elder_id, row.asked_id) or (is_coordinator(user) and in_scope(user, elder))


def decide(session: Session, pending_id: int, decider: User, accept: bool, *, now: datetime) -> Attempt:
    """Yes binds (and tells the family member and the rest of the elder's side); no tells the family member."""
    row = session.get(PendingBinding, pending_id)
    if row is None or not may_decide(session, row, decider):
        return Attempt(NOT_FOUND)
    elder, family = row_of(session, User, row.elder_id), row_of(session, User, row.family_id)
    outcome = ACCEPTED if accept else REFUSED
    # Conditional update: a lapsed request cannot be accepted, and two deciders cannot both decide.
    moved = rowcount(session.execute(sa.update(PendingBinding).where(
        col(PendingBinding.id) == row.id, col(PendingBinding.status) == PENDING,
        col(PendingBinding.expires_at) > as_utc(now))
        .values(status=outcome, decided_at=as_utc(now), decided_by=decider.id)))
    session.expire(row)
    if moved != 1:
        return Attempt(DECIDED if row.status != PENDING else LAPSED, elder)
    audit(session, now=now, actor=decider.openid, action=f"binding.{outcome}", target=f"{elder.id}:{family.id}")
    params = {"name": elder.name, "who": family.name, "relation": row.relationship}
    if not accept:
        return Attempt(REFUSED, elder, [Notice(family.openid, "family_refused", f"family_refused:{row.id}",
                                               "people_bind_refused", params)])
    link(session, elder, family, row.relationship, now=now)
    notices = [Notice(family.openid, "family_bound", f"family_bound:{row.id}:{family.openid}", "people_bound", params)]
    code = row_of(session, BindingCode, row.code_id)
    for person in _told_of_binding(session, code, elder, family):
        if person.id != decider.id:
            notices.append(Notice(person.openid, "family_bound", f"family_bound:{row.id}:{person.openid}",
                                  "people_bound_notice", params))
    return Attempt(ACCEPTED, elder, notices)


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
    query = select(FamilyLink).where(sa.or_(col(FamilyLink.family_id) == user.id, col(FamilyLink.elder_id) == user.id))
    found = []
    for row in session.exec(query.order_by(col(FamilyLink.id))):
        if row.family_id == user.id:
            found.append((row, row_of(session, User, row.elder_id), "elder"))
        else:
            found.append((row, row_of(session, User, row.family_id), "family"))
    return found


def unbind(session: Session, user: User, link_id: int, *, now: datetime, notice: str) -> User | None:
    """Remove a binding the user is a side of and tell the other side; returns the other person."""
    row = session.get(FamilyLink, link_id)
    if row is None or user.id not in (row.elder_id, row.family_id):
        return None
    other = session.get(User, row.elder_id if row.family_id == user.id else row.family_id)
    session.delete(row)
    assert other is not None
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


@dataclass(frozen=True)
class Card:
    """A person as they see themself: name, roles, village, and the elders they act for (`acts_for`)."""

    id: int
    name: str
    roles: tuple[str, ...]
    village: str | None
    elders: tuple[tuple[int, str], ...]  # (id, name), in `acts_for`'s order


def card_query(*extra: sa.ColumnElement, source: sa.FromClause | None = None,
               person: sa.ColumnElement | None = None) -> sa.Select:
    """The statement `card_from` reads: by `:user_id`, or for the person whose id is `person` in each row of
    `source` (outer-joined, so a source row without a person still comes back, with `extra` filled in)."""
    users, villages, links = table_of(User), table_of(Village), table_of(FamilyLink)
    elders, profiles = users.alias("elder"), table_of(ElderProfile)
    profiled = sa.exists().where(profiles.c.user_id == users.c.id)
    start = users if source is None else source.outerjoin(users, users.c.id == person)
    query = (sa.select(*extra, users.c.id, users.c.name, users.c.roles, villages.c.name.label("village"),
                       profiled.label("profiled"), elders.c.id.label("elder_id"), elders.c.name.label("elder_name"))
             .select_from(start.outerjoin(villages, villages.c.id == users.c.village_id)
                          .outerjoin(links, links.c.family_id == users.c.id)
                          .outerjoin(elders, elders.c.id == links.c.elder_id))
             .order_by(links.c.id))
    return query.where(users.c.id == sa.bindparam("user_id")) if source is None else query


_CARD = card_query()


def card_from(rows: Sequence[sa.Row]) -> Card | None:
    """The card in the rows of a `card_query`, or None when they name nobody."""
    if not rows or rows[0].id is None:
        return None
    first = rows[0]
    # `User.has_role("elder")` and `is_elder` on the stored comma-wrapped roles, without building a User.
    elders = [(first.id, first.name)] if ",elder," in first.roles or first.profiled else []
    elders += [(row.elder_id, row.elder_name) for row in rows if row.elder_id is not None]
    return Card(first.id, first.name, tuple(sorted(r for r in first.roles.split(",") if r)), first.village,
                tuple(elders))


def card_of(db: Session | sa.Connection, user_id: int) -> Card | None:
    """The person's card in one statement (the mini-program asks for it on every start), or None if unknown.

    The same rule as `acts_for` (themself when an elder, by role or by profile, then the elders they are
    bound to in binding order) without loading a row per binding.
    """
    return card_from(db.execute(_CARD, {"user_id": user_id}).all())


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
