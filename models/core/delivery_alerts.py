"""A critical push that could not be delivered is never dropped in silence: other coordinators are told.

The alert names the person who was not reached, their phone and what they were to be told, so a
coordinator can call instead. It goes to the recipient's coordinators other than the recipient
(county admins when nobody else is left), as an urgent push of its own kind, and by SMS where
configured (app/sms_companion.py).
"""
from __future__ import annotations

from sqlmodel import Session, select

from models.core.notify import Notice
from models.core.outbox import URGENT, OutboxMessage
from models.core.push_kinds import DELIVERY_FAILED
from models.help.coordination import coordinators_for
from models.people.users import User, users_with_role


def alert_targets(session: Session, recipient: User | None, openid: str) -> list[User]:
    """Coordinators who should hear that `openid` was not reached (never the unreachable person)."""
    people = coordinators_for(session, recipient) if recipient is not None else []
    others = [p for p in people if p.openid != openid]
    if not others:
        others = [p for p in users_with_role(session, "county_admin") + users_with_role(session, "admin")
                  if p.openid != openid]
    return list({p.id: p for p in others}.values())


def undelivered(session: Session, row: OutboxMessage) -> list[Notice]:
    """The alerts to raise for an undeliverable critical row."""
    recipient = session.exec(select(User).where(User.openid == row.openid)).first()
    params = {"who": recipient.name if recipient and recipient.name else row.openid[-6:],
              "phone": recipient.phone if recipient else "", "text": row.text}
    return [Notice(a.openid, DELIVERY_FAILED, f"undelivered:{row.id}:{a.id}", "delivery_failed_alert", params,
                   URGENT) for a in alert_targets(session, recipient, row.openid)]
