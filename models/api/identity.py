"""Mini-program identities and their bearer tokens.

A mini-program login is its own openid (not the Official Account's). It becomes a person (a `users`
row: roles, elders, requests) only through a verified link: the same unionid, a phone number WeChat
verified, or a one-time code the person received in the Official Account chat. Never an unverified
phone number. Tokens are random; only their SHA-256 is stored, so a leaked table grants nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, rowcount, table_of, utc_field
from models.core.audit import audit
from models.people.binding import Card, card_from, card_query
from models.people.users import User

TOKEN_BYTES = 32
LINK_CODE_TTL = timedelta(minutes=10)
LINK_MAX_FAILURES = 5  # wrong link codes per identity per day: a million codes must not be guessable
LINK_FAILURE_WINDOW = timedelta(hours=24)


class ApiIdentity(SQLModel, table=True):
    """One mini-program openid; `user_id` once it is linked to a person."""

    __tablename__ = "api_identities"

    id: int | None = Field(default=None, primary_key=True)
    mini_openid: str = Field(max_length=64, unique=True, index=True)
    unionid: str | None = Field(default=None, max_length=64, index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    linked_by: str = Field(default="", max_length=16)  # unionid | phone | code
    # Encrypted by the caller (app/api/crypto.py); the domain never sees the key or the plain value.
    session_key_enc: str = Field(default="", max_length=255)
    link_failures: int = Field(default=0)
    link_failures_since: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    identity_id: int = Field(foreign_key="api_identities.id", index=True)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()


class LinkCode(SQLModel, table=True):
    """A 6-digit code shown in the Official Account chat: whoever types it in the mini-program is that person."""

    __tablename__ = "api_link_codes"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()


class IdempotentAnswer(SQLModel, table=True):
    """The first answer to a creating POST, replayed for a repeat with the same Idempotency-Key."""

    __tablename__ = "api_idempotency"
    __table_args__ = (sa.UniqueConstraint("identity_id", "key", name="uq_api_idempotency"),)

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="api_identities.id")
    key: str = Field(max_length=100)
    route: str = Field(max_length=120)
    status: int
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = utc_field(index=True)


@dataclass(frozen=True)
class Caller:
    """Who a valid token belongs to."""

    identity_id: int
    user_id: int | None
    card: Card | None = None  # read with the token, in the same statement


def digest(secret: str) -> str:
    """The stored form of a token or code."""
    return hashlib.sha256(secret.encode()).hexdigest()


def login(session: Session, mini_openid: str, unionid: str | None, session_key_enc: str, *, now: datetime,
          lifetime: timedelta) -> tuple[ApiIdentity, str]:
    """Record a login (creating the identity on first sight) and return it with a new token."""
    identity = session.exec(select(ApiIdentity).where(ApiIdentity.mini_openid == mini_openid)).first()
    if identity is None:
        identity = ApiIdentity(mini_openid=mini_openid, created_at=now, updated_at=now)
        session.add(identity)
    identity.session_key_enc = session_key_enc
    identity.unionid = unionid or identity.unionid
    identity.updated_at = now
    session.flush()
    link_by_unionid(session, identity, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ApiToken(token_hash=digest(token), identity_id=id_of(identity), expires_at=now + lifetime,
                         created_at=now))
    session.flush()
    return identity, token


def _caller_query() -> sa.Select:
    tokens, identities = table_of(ApiToken), table_of(ApiIdentity)
    # The caller's card comes in the same statement: `GET /me`, the call every mini-program start makes, then
    # costs one round trip in all, and other calls a few more columns.
    return (card_query(tokens.c.identity_id, identities.c.user_id.label("linked_user_id"), identities.c.unionid,
                       source=tokens.join(identities, identities.c.id == tokens.c.identity_id),
                       person=identities.c.user_id)
            .where(tokens.c.token_hash == sa.bindparam("hash"), tokens.c.revoked_at.is_(None),
                   tokens.c.expires_at > sa.bindparam("now")))


_CALLER = _caller_query()


def caller_of(db: Session | sa.Connection, token: str, *, now: datetime) -> tuple[Caller, str | None] | None:
    """The identity behind a live token with its person's card (and its unionid), or None when unknown,
    expired or revoked."""
    rows = db.execute(_CALLER, {"hash": digest(token), "now": as_utc(now)}).all()
    if not rows:
        return None
    first = rows[0]
    return Caller(first.identity_id, first.linked_user_id, card_from(rows)), first.unionid


def revoke(session: Session, token: str, *, now: datetime) -> bool:
    """Revoke one token (logout); False when it was not live."""
    table = table_of(ApiToken)
    result = session.execute(sa.update(table).where(table.c.token_hash == digest(token),
                                                    table.c.revoked_at.is_(None)).values(revoked_at=as_utc(now)))
    return rowcount(result) == 1


def _link(session: Session, identity: ApiIdentity, user: User, how: str, now: datetime) -> None:
    identity.user_id, identity.linked_by, identity.updated_at = user.id, how, now
    audit(session, now=now, actor=user.openid, action="api.link", target=f"api_identity:{identity.id}", how=how)


def link_by_unionid(session: Session, identity: ApiIdentity, *, now: datetime) -> bool:
    """Link to the person whose Official Account follow carried the same unionid (one person, one unionid)."""
    if identity.user_id is not None or not identity.unionid:
        return False
    users = list(session.exec(select(User).where(User.unionid == identity.unionid).limit(2)))
    if len(users) != 1:
        return False
    _link(session, identity, users[0], "unionid", now)
    return True


def link_by_verified_phone(session: Session, identity: ApiIdentity, phone: str, *, now: datetime) -> str:
    """Link by a phone number WeChat verified: 'linked', 'already', 'no_match' or 'ambiguous'.

    Only ever called with getuserphonenumber's answer, never with a number the client typed.
    """
    if identity.user_id is not None:
        return "already"
    users = list(session.exec(select(User).where(User.phone == phone).limit(2)))
    if not users:
        return "no_match"
    if len(users) > 1:
        return "ambiguous"  # two registrations share a number: a coordinator must sort it out first
    _link(session, identity, users[0], "phone", now)
    return "linked"


def issue_link_code(session: Session, user: User, *, now: datetime, rng: secrets.SystemRandom | None = None) -> str:
    """A new 6-digit code for this person (their earlier unused codes stop working)."""
    table = table_of(LinkCode)
    session.execute(sa.update(table).where(table.c.user_id == user.id, table.c.used_at.is_(None))
                    .values(used_at=as_utc(now)))
    rng = rng or secrets.SystemRandom()
    while True:  # two live codes alike would link whoever types it to either person
        code = f"{rng.randrange(1_000_000):06d}"
        clash = session.execute(sa.select(table.c.id).where(
            table.c.code_hash == digest(code), table.c.used_at.is_(None), table.c.expires_at > as_utc(now))).first()
        if clash is None:
            break
    session.add(LinkCode(code_hash=digest(code), user_id=id_of(user), expires_at=now + LINK_CODE_TTL, created_at=now))
    session.flush()
    return code


def link_by_code(session: Session, identity: ApiIdentity, code: str, *, now: datetime) -> str:
    """Link with a chat code: 'linked', 'already', 'locked' (too many wrong codes) or 'wrong'."""
    if identity.user_id is not None:
        return "already"
    if identity.link_failures_since is not None and now - identity.link_failures_since > LINK_FAILURE_WINDOW:
        identity.link_failures, identity.link_failures_since = 0, None
    if identity.link_failures >= LINK_MAX_FAILURES:
        return "locked"
    table = table_of(LinkCode)
    row = session.execute(sa.select(table.c.id, table.c.user_id).where(
        table.c.code_hash == digest(code), table.c.used_at.is_(None), table.c.expires_at > as_utc(now))).first()
    # The conditional update makes a code single-use even when two logins race with it.
    used = row is not None and rowcount(session.execute(
        sa.update(table).where(table.c.id == row.id, table.c.used_at.is_(None)).values(used_at=as_utc(now)))) == 1
    if row is None or not used:
        identity.link_failures += 1
        identity.link_failures_since = identity.link_failures_since or now
        return "wrong"
    user = session.get(User, row.user_id)
    assert user is not None
    _link(session, identity, user, "code", now)
    return "linked"


def identity_of(session: Session, identity_id: int) -> ApiIdentity:
    identity = session.get(ApiIdentity, identity_id)
    assert identity is not None
    return identity


def remember_answer(session: Session, identity_id: int, key: str, route: str, status: int, body: str, *,
                    now: datetime) -> None:
    session.add(IdempotentAnswer(identity_id=identity_id, key=key, route=route, status=status, body=body,
                                 created_at=now))


def first_answer(session: Session, identity_id: int, key: str) -> IdempotentAnswer | None:
    return session.exec(select(IdempotentAnswer).where(IdempotentAnswer.identity_id == identity_id,
                                                      IdempotentAnswer.key == key)).first()


def forget_answers(session: Session, *, before: datetime) -> int:
    """Drop replayable answers older than `before` (a retry comes within minutes, not days)."""
    table = table_of(IdempotentAnswer)
    return rowcount(session.execute(sa.delete(table).where(table.c.created_at < as_utc(before))))


def unionid_seen(session: Session, user: User, unionid: str | None, *, now: datetime) -> bool:
    """Record the unionid user/info gave for an Official Account follower; True when it changed."""
    if not unionid or user.unionid == unionid:
        return False
    user.unionid, user.updated_at = unionid, now
    return True


def identities_of(session: Session, user_id: int) -> list[ApiIdentity]:
    query = select(ApiIdentity).where(ApiIdentity.user_id == user_id)
    return list(session.exec(query.order_by(col(ApiIdentity.id))))
