"""One-time subscription messages: each consent a mini-program user gave for a template carries one message.

The mini-program asks with wx.requestSubscribeMessage and reports the template ids the person accepted;
each becomes one row here. Delivery takes one (a conditional update: two workers never spend the same
consent) when a person has no Official Account window, and gives it back when WeChat did not use it
(a transient error, a parameter error). WeChat's 43101 means the person has none left for that template
(refused, or spent elsewhere): every consent we still count for it is void.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col

from models.api.identity import ApiIdentity
from models.base import as_utc, rowcount, table_of, utc_field
from models.people.users import User

# Consents kept per person and template: WeChat keeps counting, but a few are all one person ever needs.
MAX_OUTSTANDING = 20
USED, VOID = "used", "void"


class SubscriptionConsent(SQLModel, table=True):
    """One accepted template of wx.requestSubscribeMessage: one message may be sent with it."""

    __tablename__ = "api_subscription_consents"
    __table_args__ = (sa.Index("ix_api_subscription_consents_open", "identity_id", "template_id", "spent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="api_identities.id")
    template_id: str = Field(max_length=64)
    granted_at: datetime = utc_field()
    spent_at: datetime | None = utc_field(nullable=True)
    spent_how: str = Field(default="", max_length=8)  # used | void
    outbox_id: int | None = Field(default=None)  # the message that used it


@dataclass(frozen=True)
class Taken:
    """A consent set aside for one outbox row, and the mini-program openid it is sent to."""

    consent_id: int
    mini_openid: str
    identity_id: int


def outstanding(session: Session, identity_id: int) -> dict[str, int]:
    """Unspent consents of one login, per template id."""
    rows = session.execute(sa.select(col(SubscriptionConsent.template_id), sa.func.count())
                           .where(col(SubscriptionConsent.identity_id) == identity_id,
                                  col(SubscriptionConsent.spent_at).is_(None))
                           .group_by(col(SubscriptionConsent.template_id)))
    return {template: int(count) for template, count in rows}


def record(session: Session, identity_id: int, template_ids: list[str], *, now: datetime) -> dict[str, int]:
    """Record the consents of one wx.requestSubscribeMessage answer; the outstanding counts after it."""
    have = outstanding(session, identity_id)
    for template_id in template_ids:
        if have.get(template_id, 0) < MAX_OUTSTANDING:
            session.add(SubscriptionConsent(identity_id=identity_id, template_id=template_id, granted_at=now))
            have[template_id] = have.get(template_id, 0) + 1
    session.flush()
    return have


def _candidates(session: Session, openid: str, template_id: str) -> list[tuple[int, int, str]]:
    """(consent id, identity id, mini openid) of the person with this Official Account openid, oldest first."""
    query = (sa.select(col(SubscriptionConsent.id), col(ApiIdentity.id), col(ApiIdentity.mini_openid))
             .join(ApiIdentity, col(ApiIdentity.id) == SubscriptionConsent.identity_id)
             .join(User, col(User.id) == ApiIdentity.user_id)
             .where(col(User.openid) == openid, col(SubscriptionConsent.template_id) == template_id,
                    col(SubscriptionConsent.spent_at).is_(None))
             .order_by(col(SubscriptionConsent.id)).limit(5))
    return [(int(a), int(b), str(c)) for a, b, c in session.execute(query)]


def available(session: Session, openid: str, template_id: str) -> bool:
    """Whether the person behind this Official Account openid has a consent left for the template."""
    return bool(_candidates(session, openid, template_id))


def take(session: Session, openid: str, template_id: str, *, outbox_id: int, now: datetime) -> Taken | None:
    """Set one consent aside for an outbox row (conditional update: a consent is spent once)."""
    table = table_of(SubscriptionConsent)
    for consent_id, identity_id, mini_openid in _candidates(session, openid, template_id):
        result = session.execute(sa.update(table).where(table.c.id == consent_id, table.c.spent_at.is_(None))
                                 .values(spent_at=as_utc(now), spent_how=USED, outbox_id=outbox_id))
        if rowcount(result) == 1:
            return Taken(consent_id, mini_openid, identity_id)
    return None


def give_back(session: Session, consent_id: int) -> bool:
    """WeChat did not use the consent (the send failed before it counted): it may carry another message."""
    table = table_of(SubscriptionConsent)
    result = session.execute(sa.update(table).where(table.c.id == consent_id, table.c.spent_how == USED)
                             .values(spent_at=None, spent_how="", outbox_id=None))
    return rowcount(result) == 1


def void_all(session: Session, identity_id: int, template_id: str, *, now: datetime) -> int:
    """WeChat says none are left (43101): every consent still counted for this template is void."""
    table = table_of(SubscriptionConsent)
    result = session.execute(sa.update(table).where(table.c.identity_id == identity_id,
                                                    table.c.template_id == template_id, table.c.spent_at.is_(None))
                             .values(spent_at=as_utc(now), spent_how=VOID))
    return rowcount(result)


def forget(session: Session, user_id: int) -> int:
    """A person's consents, removed when their data is erased (they carry no message once unlinked)."""
    table = table_of(SubscriptionConsent)
    mine = sa.select(col(ApiIdentity.id)).where(col(ApiIdentity.user_id) == user_id)
    return rowcount(session.execute(sa.delete(table).where(table.c.identity_id.in_(mine))))
