"""Notices and publicity: broadcasts, their per-recipient delivery rows, mass batches and quotas.

A broadcast is composed (by chat or CLI), confirmed, then planned by a scheduler job:
one delivery row per recipient (unique per broadcast and recipient) with the channel
chosen for them. Customer-service/template recipients get an outbox row (app/delivery.py
sends it); mass recipients are grouped into batches sent by app/broadcast_sender.py.
Planning rules live in models/notices/plan.py, tracking in models/notices/track.py.

Broadcast states: scheduled -> planning -> sending -> done; scheduled|planning|sending
-> cancelled; scheduled -> rejected (content check failed).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, select

from models.base import as_utc, utc_field
from models.core.audit import audit
from models.people.users import User, Village

SCHEDULED, PLANNING, SENDING, DONE = "scheduled", "planning", "sending", "done"
CANCELLED, REJECTED = "cancelled", "rejected"
TEXT, NEWS = "text", "news"
ROLE_AUDIENCES = ("elder", "family", "volunteer")
# "checkin:elder": elders enrolled in the daily check-in; "checkin:family": the family bound to them.
CHECKIN_AUDIENCES = ("elder", "family")
ADMIN_ROLES = frozenset({"admin", "county_admin"})
SYSTEM = "system"
DIGEST_TOPIC = "digest"
URL_RE = re.compile(r"https?://[^\s|｜，。]+")


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcasts"
    __table_args__ = (sa.Index("ix_broadcasts_due", "status", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # None: every village (county-wide, county admins only).
    village_id: int | None = Field(default=None, foreign_key="villages.id", index=True)
    author_openid: str = Field(max_length=64)
    kind: str = Field(default=TEXT, max_length=8)
    title: str = Field(default="", max_length=64)
    body: str = Field(max_length=1000)
    url: str = Field(default="", max_length=500)
    cover_url: str = Field(default="", max_length=500)
    # "all", "role:<elder|family|volunteer>" or "tag:<name>".
    audience: str = Field(default="all", max_length=64)
    urgent: bool = Field(default=False)
    use_mass: bool = Field(default=True)
    topic: str = Field(default="", max_length=32)  # "digest" for the weekly digest (opt-out topic)
    status: str = Field(default=SCHEDULED, max_length=16)
    send_at: datetime = utc_field()
    plan_cursor: int = Field(default=0)  # highest users.id already planned (resume point)
    recipients: int = Field(default=0)
    sec_check: str = Field(default="", max_length=16)
    reason: str = Field(default="", max_length=200)
    created_at: datetime = utc_field()
    planned_at: datetime | None = utc_field(nullable=True)
    finished_at: datetime | None = utc_field(nullable=True)


class NoticeDelivery(SQLModel, table=True):
    """One recipient of one broadcast: the channel chosen and what became of it."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (sa.UniqueConstraint("broadcast_id", "openid", name="uq_notice_delivery"),
                      sa.Index("ix_notice_deliveries_batch", "broadcast_id", "batch_no"),
                      sa.Index("ix_notice_deliveries_status", "broadcast_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcasts.id")
    openid: str = Field(max_length=64)
    channel: str = Field(max_length=16)  # custom | template | mass | none
    status: str = Field(max_length=16)  # pending | sent | failed | skipped | uncertain | cancelled
    reason: str = Field(default="", max_length=200)
    outbox_key: str | None = Field(default=None, max_length=200, index=True)
    batch_no: int | None = Field(default=None)
    updated_at: datetime = utc_field()


class MassBatch(SQLModel, table=True):
    """At most 10,000 openids (or one tag) sent in one mass-send call."""

    __tablename__ = "notice_mass_batches"
    __table_args__ = (sa.UniqueConstraint("broadcast_id", "batch_no", name="uq_notice_batch"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcasts.id", index=True)
    batch_no: int
    clientmsgid: str = Field(max_length=64, unique=True)
    tag_id: int | None = Field(default=None)
    size: int = Field(default=0)
    status: str = Field(default="pending", max_length=16)  # pending | started | sent | failed | cancelled
    attempts: int = Field(default=0)
    msg_id: str | None = Field(default=None, max_length=64, index=True)
    errcode: int | None = Field(default=None)
    reason: str = Field(default="", max_length=200)
    job_status: str = Field(default="", max_length=64)  # from MASSSENDJOBFINISH
    sent_count: int | None = Field(default=None)
    error_count: int | None = Field(default=None)
    started_at: datetime | None = utc_field(nullable=True)
    finished_at: datetime | None = utc_field(nullable=True)


class MassQuota(SQLModel, table=True):
    """Mass messages reserved for one user in one (Beijing) month."""

    __tablename__ = "notice_mass_quota"

    openid: str = Field(primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    used: int = Field(default=0)


class AudienceTag(SQLModel, table=True):
    """A local tag on a user (e.g. 党员, 低保户) a notice can be addressed to."""

    __tablename__ = "notice_tags"
    __table_args__ = (sa.UniqueConstraint("tag", "openid", name="uq_notice_tag"),)

    id: int | None = Field(default=None, primary_key=True)
    tag: str = Field(max_length=30, index=True)
    openid: str = Field(max_length=64, index=True)
    wechat_tag_id: int | None = Field(default=None)  # set when the tag is synced to WeChat


class NoticeOptOut(SQLModel, table=True):
    """A user who asked not to receive a topic (the weekly digest)."""

    __tablename__ = "notice_optouts"

    openid: str = Field(primary_key=True, max_length=64)
    topic: str = Field(primary_key=True, max_length=32)
    created_at: datetime = utc_field()


class SuccessStory(SQLModel, table=True):
    """A completed, well-rated request a coordinator marked for the weekly digest."""

    __tablename__ = "success_stories"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="villages.id", index=True)
    request_ref: str = Field(max_length=32)
    text: str = Field(max_length=300)
    elder_consent: bool
    marked_by: str = Field(max_length=64)
    created_at: datetime = utc_field()
    featured_at: datetime | None = utc_field(nullable=True)


class NoticeError(Exception):
    """A notice cannot be composed or changed; `code` names the catalogue text."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Content:
    """What a notice says: text, or a news item (title, summary, link, cover)."""

    body: str
    title: str = ""
    url: str = ""
    cover_url: str = ""

    @property
    def kind(self) -> str:
        return NEWS if self.title else TEXT


@dataclass(frozen=True)
class Limits:
    """Content rules from config (notices.max_text_chars, max_title_chars, allowed_domains)."""

    max_text: int = 600
    max_title: int = 64
    allowed_domains: tuple[str, ...] = ()


def check_content(content: Content, limits: Limits) -> str | None:
    """Return the catalogue code of the first rule the content breaks, or None."""
    if not content.body.strip():
        return "notices_err_empty"
    if len(content.body) > limits.max_text:
        return "notices_err_too_long"
    if len(content.title) > limits.max_title:
        return "notices_err_title_too_long"
    links = URL_RE.findall(content.body) + [u for u in (content.url, content.cover_url) if u]
    if any(not domain_allowed(link, limits.allowed_domains) for link in links):
        return "notices_err_domain"
    return None


def domain_allowed(link: str, allowed: tuple[str, ...]) -> bool:
    """True when the link is http(s) on an allowed domain or one of its subdomains."""
    parts = urlsplit(link.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in allowed))


def village_scope(actor: User, village_id: int | None) -> int | None:
    """The village an admin may address: coordinators only their own, county admins any or all."""
    if actor.has_role("county_admin"):
        return village_id
    if not actor.has_role("admin") or actor.village_id is None:
        raise NoticeError("notices_err_not_admin")
    if village_id not in (None, actor.village_id):
        raise NoticeError("notices_err_other_village")
    return actor.village_id


def check_audience(session: Session, audience: str) -> str:
    """Validate an audience selector."""
    if audience == "all":
        return audience
    kind, _, value = audience.partition(":")
    if kind == "role" and value in ROLE_AUDIENCES:
        return audience
    if kind == "checkin" and value in CHECKIN_AUDIENCES:
        return audience
    if kind == "tag" and value and session.exec(select(AudienceTag.id).where(AudienceTag.tag == value)).first():
        return audience
    raise NoticeError("notices_err_audience", audience=audience)


def compose(session: Session, actor: User, content: Content, *, audience: str, village_id: int | None,
            send_at: datetime, urgent: bool, limits: Limits, now: datetime) -> Broadcast:
    """Create a confirmed broadcast, due at send_at (the dispatch job plans it)."""
    scope = village_scope(actor, village_id)
    problem = check_content(content, limits)
    if problem:
        raise NoticeError(problem, limit=limits.max_text)
    row = Broadcast(village_id=scope, author_openid=actor.openid, kind=content.kind, title=content.title,
                    body=content.body, url=content.url, cover_url=content.cover_url,
                    audience=check_audience(session, audience), urgent=urgent,
                    send_at=as_utc(max(send_at, now)), created_at=as_utc(now))
    session.add(row)
    session.flush()
    audit(session, now=now, actor=actor.openid, action="notice.compose", target=str(row.id),
          audience=audience, village_id=scope, send_at=row.send_at.isoformat())
    return row


def get_for(session: Session, actor: User, broadcast_id: int) -> Broadcast:
    """A broadcast the admin may see and manage (their village's, or any for county admins)."""
    row = session.get(Broadcast, broadcast_id)
    if row is None:
        raise NoticeError("notices_err_no_such", number=broadcast_id)
    if actor.has_role("county_admin") or (actor.has_role("admin") and row.village_id == actor.village_id
                                          and actor.village_id is not None):
        return row
    raise NoticeError("notices_err_other_village")


def village_name(session: Session, village_id: int | None) -> str:
    """The village's name, or "" for a county-wide notice (the catalogue names that)."""
    village = session.get(Village, village_id) if village_id else None
    return village.name if village else ""


def opt_out(session: Session, openid: str, topic: str, *, now: datetime) -> bool:
    """Record that a user does not want a topic; False when already recorded."""
    if session.get(NoticeOptOut, (openid, topic)) is not None:
        return False
    session.add(NoticeOptOut(openid=openid, topic=topic, created_at=as_utc(now)))
    return True


def opt_in(session: Session, openid: str, topic: str) -> bool:
    """Undo an opt-out; False when there was none."""
    row = session.get(NoticeOptOut, (openid, topic))
    if row is None:
        return False
    session.delete(row)
    return True
