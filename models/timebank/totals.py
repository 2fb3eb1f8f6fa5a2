"""What the time bank shows: a person's statement and a village's totals for the public page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.people.users import User
from models.timebank import ledger


@dataclass(frozen=True)
class StatementLine:
    """One line of a person's statement, with its reason."""

    at: datetime
    minutes: int
    reason: str  # a Line.reason
    request_id: int | None
    category: str
    other: str  # the other person of a gift or of a visit ("" when none)


def statement(session: Session, user_id: int, limit: int | None = 10) -> list[StatementLine]:
    """A person's latest lines, newest first: what moved, when, and why."""
    rows = []
    for line, movement in ledger.lines_of(session, ledger.person_code(user_id), limit):
        rows.append(StatementLine(line.created_at, line.minutes, line.reason, movement.request_id, movement.category,
                                  _other(session, movement, user_id)))
    return rows


def _other(session: Session, movement: ledger.Movement, user_id: int) -> str:
    if movement.kind == ledger.GIFT:
        other = movement.served_id if movement.by_user_id == user_id else movement.by_user_id
    elif movement.kind == ledger.VISIT:
        other = movement.served_id if movement.provider_id == user_id else movement.provider_id
    else:
        return ""
    person = session.get(User, other) if other else None
    return person.name if person is not None else ""


def person_totals(session: Session, user_id: int) -> tuple[int, int]:
    """Minutes of visits a person gave and received, whoever paid for them."""
    visit = ledger.Movement
    total = sa.func.coalesce(sa.func.sum(visit.minutes), 0)
    given = session.exec(select(total).where(visit.kind == ledger.VISIT, visit.provider_id == user_id)).one()
    received = session.exec(select(total).where(visit.kind == ledger.VISIT, visit.served_id == user_id)).one()
    return int(given), int(received)


def village_totals(session: Session, village_id: int) -> dict:
    """Hours given by the village's volunteers, received by its elders, and donated minutes waiting in
    its pool, all in minutes (for the public ledger page)."""
    visit = ledger.Movement
    given = session.exec(select(sa.func.coalesce(sa.func.sum(visit.minutes), 0))
                         .join(User, col(User.id) == col(visit.provider_id))
                         .where(visit.kind == ledger.VISIT, User.village_id == village_id)).one()
    received = select(sa.func.coalesce(sa.func.sum(visit.minutes), 0), sa.func.count(col(visit.id))).where(
        visit.kind == ledger.VISIT, visit.village_id == village_id)
    received_minutes, visits = session.exec(received).one()
    return {"given_minutes": int(given), "received_minutes": int(received_minutes),
            "pool_minutes": ledger.balance_of(session, f"donated:{village_id}"), "visits": int(visits)}
