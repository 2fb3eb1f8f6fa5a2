"""Pushes that never arrived (or may not have), until a coordinator says they dealt with them.

"Handled" is an audit entry (`outbox.handled`, target the row id): the row itself stays as the
delivery worker left it, and the log says who picked up the phone and when.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.core import outbox
from models.core.audit import AuditEntry, audit
from models.core.outbox import OutboxMessage
from models.people.membership import in_scope
from models.people.users import User

LOST = (outbox.UNDELIVERABLE, outbox.UNCERTAIN, outbox.FAILED)
HANDLED = "outbox.handled"


def _handled_ids(session: Session) -> set[str]:
    return set(session.exec(select(AuditEntry.target).where(AuditEntry.action == HANDLED)))


def reaches(admin: User, person: User | None) -> bool:
    # A push to someone we no longer know is the county's to look at.
    return in_scope(admin, person) if person is not None else admin.has_role("county_admin")


def lost_for(session: Session, admin: User, *, limit: int = 100) -> list[tuple[OutboxMessage, User | None]]:
    """Undeliverable, failed and uncertain pushes to this coordinator's people nobody has handled, newest first."""
    done = _handled_ids(session)
    query = select(OutboxMessage, User).join(User, col(User.openid) == OutboxMessage.openid, isouter=True).where(
        col(OutboxMessage.status).in_(LOST)).order_by(col(OutboxMessage.id).desc())
    found: list[tuple[OutboxMessage, User | None]] = []
    for row, person in session.exec(query):
        if str(row.id) not in done and reaches(admin, person):
            found.append((row, person))
            if len(found) >= limit:
                break
    return found


def mark_handled(session: Session, admin: User, row_id: int, *, now: datetime) -> bool:
    """Record that a lost push was dealt with; False if it is not lost, not in reach or already handled."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status not in LOST or str(row_id) in _handled_ids(session):
        return False
    person = session.exec(select(User).where(User.openid == row.openid)).first()
    if not reaches(admin, person):
        return False
    audit(session, now=now, actor=admin.openid, action=HANDLED, target=str(row_id), status=row.status)
    session.flush()
    return True
