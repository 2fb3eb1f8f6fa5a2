"""Volunteer sign-up, the coordinator's review, and volunteers pausing and resuming."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.base import as_utc, rowcount
from models.core import outbox
from models.core.audit import AuditEntry, audit
from models.help.coordination import notify_coordinators
from models.people.membership import in_scope
from models.people.users import User, grant_roles
from models.people.volunteers import APPROVED, PENDING, REJECTED, Volunteer, upsert_volunteer, volunteer_of

DONE, NOT_FOUND, HANDLED = "done", "not_found", "handled"
SUBMIT = "volunteer.submit"


@dataclass(frozen=True)
class SignUp:
    """The answers of the volunteer sign-up form."""

    name: str
    phone: str
    village_id: int
    skills: list[str]
    availability: list[str]


def submit(session: Session, user: User, answers: SignUp, *, now: datetime,
           alert: Callable[[Volunteer], str]) -> Volunteer:
    """Save a sign-up (or an edit) with consent; a new or re-submitted one waits for the coordinator."""
    user.name, user.phone, user.village_id = answers.name, answers.phone, answers.village_id
    session.add(user)
    existing = volunteer_of(session, user)
    status = APPROVED if existing is not None and existing.status == APPROVED else PENDING
    volunteer = upsert_volunteer(session, user, now=now, status=status, skills=list(answers.skills),
                                 availability=list(answers.availability), consent_at=now, reject_reason="")
    if status == PENDING:
        notify_coordinators(session, user, kind="volunteer_pending", text=alert(volunteer),
                            key=f"volunteer_pending:{volunteer.id}:{submissions(session, volunteer) + 1}", now=now)
    audit(session, now=now, actor=user.openid, action=SUBMIT, target=str(volunteer.id), status=status)
    return volunteer


def submissions(session: Session, volunteer: Volunteer) -> int:
    """How many times this sign-up was submitted: numbers each cause in notification keys."""
    query = select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == SUBMIT, AuditEntry.target == str(volunteer.id))
    return int(session.exec(query).one())


def pending(session: Session, admin: User) -> list[tuple[Volunteer, User]]:
    """Sign-ups awaiting this coordinator, oldest first."""
    query = (select(Volunteer, User).join(User, col(User.id) == Volunteer.user_id)
             .where(Volunteer.status == PENDING).order_by(col(Volunteer.id)))
    return [(v, u) for v, u in session.exec(query) if in_scope(admin, u)]


def review(session: Session, admin: User, volunteer_id: int, *, approve: bool, reason: str, now: datetime,
           outcome: Callable[[Volunteer, User], str]) -> tuple[str, Volunteer | None, User | None]:
    """Approve or reject a pending sign-up and tell the volunteer; (done|not_found|handled, volunteer, user)."""
    volunteer = session.get(Volunteer, volunteer_id)
    user = session.get(User, volunteer.user_id) if volunteer else None
    if volunteer is None or user is None or not in_scope(admin, user):
        return NOT_FOUND, None, None
    if volunteer.status != PENDING:
        return HANDLED, volunteer, user
    # Conditional update: of two coordinators deciding at once (chat, console, API), or one who read the
    # sign-up before another decided it, only the first decides and the volunteer is told once.
    moved = rowcount(session.execute(sa.update(Volunteer).where(
        col(Volunteer.id) == volunteer.id, col(Volunteer.status) == PENDING)
        .values(status=APPROVED if approve else REJECTED, reject_reason="" if approve else reason[:200],
                updated_at=as_utc(now))))
    session.refresh(volunteer)
    if moved != 1:
        return HANDLED, volunteer, user
    if approve:
        grant_roles(user, ["volunteer"], now=now)
        session.add(user)
    text = outcome(volunteer, user)
    key = f"volunteer_review:{volunteer.id}:{submissions(session, volunteer)}"
    outbox.enqueue(session, key=key, openid=user.openid, kind="volunteer_review", text=text, now=now,
                   template_data={"title": text})
    audit(session, now=now, actor=admin.openid, action=f"volunteer.{volunteer.status}", target=str(volunteer.id),
          reason=volunteer.reject_reason)
    return DONE, volunteer, user


def set_on_duty(session: Session, user: User, on_duty: bool, *, now: datetime) -> Volunteer | None:
    """Pause (休息) or resume (上岗) taking tasks; None when the user has no volunteer record."""
    volunteer = volunteer_of(session, user)
    if volunteer is None:
        return None
    volunteer.on_duty, volunteer.updated_at = on_duty, now
    session.add(volunteer)
    audit(session, now=now, actor=user.openid, action="volunteer.duty", target=str(volunteer.id), on_duty=on_duty)
    return volunteer
