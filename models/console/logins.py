"""Logging in to the coordinators' console: one-time links, WeChat QR scans, and the sessions they open.

Only hashes of the secrets are stored (a database dump must not let anyone log in). Every step that
consumes something (a link, an authenticated QR attempt) is one conditional UPDATE, so two browsers
racing with the same secret get one session between them.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, rowcount, table_of, utc_field
from models.people.membership import is_coordinator
from models.people.users import User

LINK, QR = "link", "qr"
LINK_TTL = timedelta(minutes=10)
QR_TTL = timedelta(minutes=5)
SCENE_PREFIX = "login_"
# Refused scans and links say why, so the coordinator (or the operator) knows what to fix.
OK, NOT_COORDINATOR, UNKNOWN, EXPIRED, USED = "ok", "not_coordinator", "unknown", "expired", "used"


class ConsoleLogin(SQLModel, table=True):
    """One login attempt: a one-time link, or a QR code waiting to be scanned."""

    __tablename__ = "console_logins"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    # sha256 of the link token, or of the secret the browser that showed the QR code keeps in a cookie.
    secret_hash: str = Field(max_length=64, unique=True)
    # The QR code's scene (`login_<nonce>`); public: it travels through WeChat and the code itself.
    scene: str | None = Field(default=None, max_length=64, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    authenticated_at: datetime | None = utc_field(nullable=True)
    used_at: datetime | None = utc_field(nullable=True)


class ConsoleSession(SQLModel, table=True):
    """A logged-in browser: ends at logout or after `idle` without a request."""

    __tablename__ = "console_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)


def digest(secret: str) -> str:
    """What is stored of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(session: Session, user: User, *, now: datetime) -> tuple[str, str]:
    """A one-time login token for a coordinator: (OK, token) or (NOT_COORDINATOR, "")."""
    if not is_coordinator(user):
        return NOT_COORDINATOR, ""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleLogin(kind=LINK, secret_hash=digest(token), user_id=user.id, created_at=now,
                             expires_at=as_utc(now) + LINK_TTL, authenticated_at=now))
    session.flush()
    return OK, token


def start_qr(session: Session, *, now: datetime) -> tuple[str, str]:
    """A QR login attempt: (scene for the code, secret the browser keeps)."""
    secret, scene = secrets.token_urlsafe(32), SCENE_PREFIX + secrets.token_urlsafe(18)
    session.add(ConsoleLogin(kind=QR, secret_hash=digest(secret), scene=scene, created_at=now,
                             expires_at=as_utc(now) + QR_TTL))
    session.flush()
    return scene, secret


def mark_scanned(session: Session, scene: str, user: User, *, now: datetime) -> str:
    """A WeChat user scanned the code with this scene: the attempt becomes theirs if they coordinate."""
    if not is_coordinator(user):
        return NOT_COORDINATOR
    table = table_of(ConsoleLogin)
    done = session.execute(sa.update(table).where(
        table.c.scene == scene, table.c.kind == QR, table.c.authenticated_at.is_(None),
        table.c.expires_at > as_utc(now)).values(user_id=user.id, authenticated_at=as_utc(now)))
    session.expire_all()
    if rowcount(done) == 1:
        return OK
    found = session.exec(select(ConsoleLogin).where(ConsoleLogin.scene == scene)).first()
    if found is None:
        return UNKNOWN
    return USED if found.authenticated_at is not None else EXPIRED


def redeem(session: Session, secret: str, *, kind: str, now: datetime) -> tuple[str, User | None]:
    """Use an authenticated attempt once (a link's token, or the QR browser's secret): (OK, user) or why not.

    A QR attempt nobody scanned yet answers UNKNOWN while it is fresh, so the page keeps polling.
    """
    table = table_of(ConsoleLogin)
    hashed = digest(secret)
    done = session.execute(sa.update(table).where(
        table.c.secret_hash == hashed, table.c.kind == kind, table.c.used_at.is_(None),
        table.c.authenticated_at.is_not(None), table.c.expires_at > as_utc(now)).values(used_at=as_utc(now)))
    session.expire_all()
    found = session.exec(select(ConsoleLogin).where(ConsoleLogin.secret_hash == hashed,
                                                    ConsoleLogin.kind == kind)).first()
    if rowcount(done) == 1 and found is not None:
        user = session.get(User, found.user_id)
        # Roles may have been taken away between the link and its use.
        return (OK, user) if user is not None and is_coordinator(user) else (NOT_COORDINATOR, None)
    if found is None:
        return UNKNOWN, None
    if found.used_at is not None:
        return USED, None
    if as_utc(found.expires_at) <= as_utc(now):
        return EXPIRED, None
    return UNKNOWN, None


@dataclass(frozen=True)
class Opened:
    """A new session's secrets, handed to the browser once."""

    token: str
    csrf_token: str


def open_session(session: Session, user: User, *, now: datetime) -> Opened:
    """Start a console session for a coordinator."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=digest(token), user_id=id_of(user), csrf_token=csrf, created_at=now,
                               last_seen_at=now))
    session.flush()
    return Opened(token, csrf)


def resume_session(session: Session, token: str, *, now: datetime,
                   idle: timedelta) -> tuple[ConsoleSession, User] | None:
    """The live session of this token, its idle clock restarted; None once ended, idle too long or the
    person no longer coordinates."""
    table = table_of(ConsoleSession)
    hashed = digest(token)
    fresh = session.execute(sa.update(table).where(
        table.c.token_hash == hashed, table.c.ended_at.is_(None),
        table.c.last_seen_at > as_utc(now) - idle).values(last_seen_at=as_utc(now)))
    session.expire_all()
    if rowcount(fresh) != 1:
        return None
    row = session.exec(select(ConsoleSession).where(ConsoleSession.token_hash == hashed)).one()
    user = session.get(User, row.user_id)
    if user is None or not is_coordinator(user):
        return None
    return row, user


def end_session(session: Session, token: str, *, now: datetime) -> bool:
    """Log out: the token stops working at once."""
    table = table_of(ConsoleSession)
    done = session.execute(sa.update(table).where(table.c.token_hash == digest(token),
                                                  table.c.ended_at.is_(None)).values(ended_at=as_utc(now)))
    return rowcount(done) == 1


def purge(session: Session, *, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Drop login attempts and ended sessions older than `keep`."""
    cutoff = as_utc(now) - keep
    gone = session.execute(sa.delete(table_of(ConsoleLogin)).where(col(ConsoleLogin.expires_at) < cutoff))
    ended = session.execute(sa.delete(table_of(ConsoleSession)).where(
        sa.or_(col(ConsoleSession.ended_at) < cutoff, col(ConsoleSession.last_seen_at) < cutoff)))
    return rowcount(gone) + rowcount(ended)
