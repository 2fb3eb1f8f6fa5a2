"""Emergencies as the village handles them: who could be concerned, who is told, one case per person.

A report may come from the person in trouble, from their family, or from a neighbour or a passer-by
about someone else. These rules list the elders a report may be about (bots/ reads which one the text
names), gather everyone to alert, merge several messages about one emergency into one case, and read
the elder's check-in record for a "not seen for days" report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.base import as_utc
from models.checkin import rules as ck
from models.help import requests as hr
from models.help.alarms import family_of
from models.help.coordination import coordinators_for
from models.people.users import FamilyLink, User, users_with_role


@dataclass
class Case:
    """Who an emergency report concerns and who was told."""

    subject: User | None  # the elder in trouble; None when a report names nobody we know
    reporter: User
    family: list[User] = field(default_factory=list)
    coordinators: list[User] = field(default_factory=list)

    @property
    def about_reporter(self) -> bool:
        return self.subject is not None and self.subject.id == self.reporter.id


def village_elders(session: Session, reporter: User) -> list[User]:
    """Elders a report from this person may be about: their village's, or everyone's when they have none."""
    return users_with_role(session, "elder", reporter.village_id) if reporter.village_id else \
        users_with_role(session, "elder")


def relationship(session: Session, elder: User, family: User) -> str:
    """What a family member said they are to an elder when binding ("" if not bound)."""
    link = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id,
                                                FamilyLink.family_id == family.id)).first()
    return link.relationship if link is not None else ""


def call_names(session: Session, elders: list[User]) -> dict[int, str]:
    """How the daily check-in greets each elder (王奶奶), where set."""
    ids = [e.id for e in elders if e.id is not None]
    if not ids:
        return {}
    rows = session.exec(select(ck.CheckinEnrolment).where(col(ck.CheckinEnrolment.elder_id).in_(ids))).all()
    return {row.elder_id: row.call_name for row in rows if row.call_name}


def people_to_alert(session: Session, subject: User | None, reporter: User) -> Case:
    """The subject's family and coordinators (the reporter's coordinators when nobody is identified)."""
    # family_of lists those bound to an elder: for anyone else (a family member in trouble) it is empty.
    family = [p for p in family_of(session, subject) if p.id != reporter.id] if subject else []
    anchor = subject if subject is not None and subject.village_id else reporter
    coordinators = coordinators_for(session, anchor)
    coordinators = [p for p in coordinators if p.id != reporter.id]
    return Case(subject, reporter, family, coordinators)


def open_case(session: Session, elder: User, *, now: datetime, within: timedelta) -> hr.HelpRequest | None:
    """An emergency request for this elder opened in the last `within` and still in progress."""
    since = as_utc(now) - within
    query = select(hr.HelpRequest).where(hr.HelpRequest.elder_id == elder.id,
                                         hr.HelpRequest.urgency == hr.EMERGENCY,
                                         col(hr.HelpRequest.status).in_(hr.ACTIVE),
                                         hr.HelpRequest.created_at >= since)
    return session.exec(query.order_by(col(hr.HelpRequest.id).desc())).first()


def last_safe_day(session: Session, elder: User) -> ck.CheckinDay | None:
    """The elder's most recent day with a check-in or a confirmation that they were well."""
    query = select(ck.CheckinDay).where(ck.CheckinDay.elder_id == elder.id, col(ck.CheckinDay.status).in_(ck.SAFE))
    return session.exec(query.order_by(col(ck.CheckinDay.day).desc())).first()


def is_enrolled(session: Session, elder: User) -> bool:
    """Whether the elder takes part in the daily check-in."""
    enrolment = ck.enrolment_of(session, elder)
    return enrolment is not None and enrolment.status != ck.CLOSED
