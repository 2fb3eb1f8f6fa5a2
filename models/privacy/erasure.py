"""Cancelling an account (注销): the person's personal data erased or anonymised, at once, and a job that
finishes whatever the moment of the request could not (PIPL art. 47; the draft app rules' 15 working days).

What goes: the profile and contact details (user row, elder profile, volunteer record, training), health
notes, the mini-program logins (identities, tokens, link codes), bindings and binding codes, conversation
state, the inbound message log (texts, voice recognition and media ids), outbox texts, check-in records,
the free text of the person's requests and complaints, tags and opt-outs. What stays, under a random
pseudonym with nothing personal: the user row's id (other people's visits, ratings and statistics point
at it), the time-bank lines (moved to the account `anon:<pseudonym>`, so every ledger keeps balancing),
consent records (withdrawn) and the access log (processing records the law asks to keep). Open requests
are cancelled and their volunteers told; tasks the person had claimed as a volunteer go back to dispatch;
bound family and the coordinators are told.

`erase` runs in the caller's transaction (the chat confirmation). Rows written after it for the old
openid (the passive reply's window, a handed-off reply) are swept by `complete_pending`, which the
`privacy.erase` job runs; it also performs an erasure recorded without the immediate step (console, API)
and does so before `due_at` even after downtime, since it takes every pending request whenever it runs.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, or_, select

from models.api import identity as ids
from models.api import subscriptions
from models.base import as_utc, id_column, id_of, table_of, utc_field
from models.checkin.rules import CheckinDay, CheckinEnrolment
from models.core.audit import AuditEntry, audit
from models.core.conversation import ConversationState
from models.core.inbound import InboundMessage
from models.core.notify import Notice
from models.core.outbox import PENDING, SENDING, OutboxMessage
from models.core.windows import ServiceWindow
from models.help import dispatch, visits
from models.help import requests as hr
from models.help.alarms import elders_of, family_of
from models.help.complaints import Complaint
from models.help.coordination import coordinators_for
from models.notices.broadcasts import AudienceTag, MassQuota, NoticeOptOut
from models.people.binding import PendingBinding
from models.people.membership import BindingCode, ElderProfile, is_offline
from models.people.users import FamilyLink, User
from models.people.volunteers import TrainingRecord, Volunteer
from models.privacy import consent
from models.privacy.export import ERASED_PREFIX
from models.timebank.ledger import Account

PENDING_ERASURE, DONE = "pending", "done"
WORKING_DAYS = 15
# A reply still queued for the old openid may go out for this long after the request before the sweep deletes it.
OUTBOX_GRACE = timedelta(hours=1)


class Erasure(SQLModel, table=True):
    """One request to cancel an account, from request to completion."""

    __tablename__ = "privacy_erasures"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    requested_by_user_id: int = Field(foreign_key="users.id")
    pseudonym: str = Field(max_length=32, unique=True)
    # Kept only while pending, to sweep rows written for it after the immediate step; blanked when done.
    openid: str = Field(default="", max_length=64)
    status: str = Field(default=PENDING_ERASURE, max_length=16, index=True)
    requested_at: datetime = utc_field()
    erased_at: datetime | None = utc_field(nullable=True)  # the immediate step
    due_at: datetime = utc_field()
    completed_at: datetime | None = utc_field(nullable=True)


def working_days_after(start: datetime, days: int, tz: tzinfo = UTC) -> datetime:
    """The end of the `days`-th working day (Monday to Friday) after `start`'s local day.

    Public holidays are not skipped: counting them as working days can only bring the deadline earlier.
    """
    day = as_utc(start).astimezone(tz).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def is_erased(user: User) -> bool:
    return user.openid.startswith(ERASED_PREFIX)


def request_erasure(session: Session, user: User, *, by: User, now: datetime, tz: tzinfo = UTC) -> Erasure:
    """Record the request (the deadline is 15 working days); `erase` or the job carries it out."""
    existing = session.exec(select(Erasure).where(Erasure.user_id == user.id,
                                                  Erasure.status == PENDING_ERASURE)).first()
    if existing is not None:
        return existing
    row = Erasure(user_id=id_of(user), requested_by_user_id=id_of(by), pseudonym=secrets.token_hex(8),
                  openid=user.openid, requested_at=as_utc(now), due_at=working_days_after(now, WORKING_DAYS, tz))
    session.add(row)
    session.flush()
    return row


def erase(session: Session, erasure: Erasure, *, now: datetime, rules: dispatch.DispatchRules | None = None,
          keep_inbound_id: int | None = None) -> list[Notice]:
    """Carry out the erasure now; return whom to tell. `keep_inbound_id` is the message being answered:
    it is scrubbed rather than deleted, so the webhook can still store its reply."""
    user = session.get(User, erasure.user_id)
    assert user is not None
    if is_erased(user):
        return []
    uid, openid = user.id, user.openid
    assert uid is not None
    notices = _tell_people(session, user, erasure)
    notices += _settle_requests(session, user, now, rules)
    _drop_people_rows(session, uid)
    _drop_api_rows(session, uid)
    _scrub_requests(session, uid)
    _drop_openid_rows(session, openid, erasure.pseudonym, keep_inbound_id)
    # The person's time-bank accounts keep their lines (every movement still balances) under the pseudonym.
    accounts = table_of(Account)
    session.execute(sa.update(accounts).where(accounts.c.user_id == uid)
                    .values(code=sa.literal(f"anon:{erasure.pseudonym}:") + accounts.c.kind))
    consent.withdraw_all(session, uid, erasure.requested_by_user_id, now=now)
    user.openid, user.unionid, user.name, user.phone = f"{ERASED_PREFIX}{erasure.pseudonym}", None, "", ""
    user.roles, user.profile, user.subscribed, user.village_id, user.updated_at = ",", None, False, None, now
    session.add(user)
    erasure.erased_at = as_utc(now)
    session.add(erasure)
    audit(session, now=now, actor=f"anon:{erasure.pseudonym}", action="privacy.erase", target=str(uid))
    session.flush()
    return notices


def _tell_people(session: Session, user: User, erasure: Erasure) -> list[Notice]:
    """Bound family (either side) and the coordinators hear of it, before the names and links go."""
    notices: list[Notice] = []
    params = {"name": user.name, "number": user.id}
    relatives = {p.id: p for p in family_of(session, user) + elders_of(session, user)}
    for person in relatives.values():
        if not is_offline(person) and person.openid:
            notices.append(Notice(person.openid, "privacy_erased", f"erased:{erasure.id}:{person.id}",
                                  "privacy_erased_family", params))
    if user.role_set - {"admin", "county_admin"} or relatives:
        for admin in coordinators_for(session, user):
            if admin.id != user.id:
                notices.append(Notice(admin.openid, "privacy_erased", f"erased:{erasure.id}:{admin.id}",
                                      "privacy_erased_coordinator", params))
    return notices


def _settle_requests(session: Session, user: User, now: datetime,
                     rules: dispatch.DispatchRules | None) -> list[Notice]:
    notices: list[Notice] = []
    own = select(id_column(hr.HelpRequest)).where(
        or_(hr.HelpRequest.elder_id == user.id, hr.HelpRequest.requested_by_id == user.id),
        col(hr.HelpRequest.status).in_(hr.ACTIVE))
    for request_id in list(session.exec(own)):
        notices += visits.cancel_request(session, request_id, now=now).notices
    if rules is not None:
        helping = select(id_column(hr.HelpRequest)).where(hr.HelpRequest.volunteer_id == user.id,
                                                  col(hr.HelpRequest.status).in_(hr.IN_PROGRESS))
        for request_id in list(session.exec(helping)):
            notices += visits.release(session, request_id, user, now=now, rules=rules).notices
    offers = table_of(dispatch.TaskOffer)
    session.execute(sa.update(offers).where(offers.c.volunteer_id == user.id, offers.c.status == dispatch.OFFERED)
                    .values(status=dispatch.WITHDRAWN))
    return notices


def _delete(session: Session, model: type[SQLModel], *conditions) -> None:
    table = table_of(model)
    session.execute(sa.delete(table).where(or_(*conditions)))


def _drop_people_rows(session: Session, uid: int) -> None:
    pending, codes = table_of(PendingBinding), table_of(BindingCode)
    code_ids = sa.select(codes.c.id).where(or_(codes.c.elder_id == uid, codes.c.created_by == uid,
                                              codes.c.used_by == uid))
    session.execute(sa.delete(pending).where(or_(
        pending.c.elder_id == uid, pending.c.family_id == uid, pending.c.asked_id == uid,
        pending.c.decided_by == uid, pending.c.code_id.in_(code_ids))))
    session.execute(sa.delete(codes).where(codes.c.id.in_(code_ids.scalar_subquery())))
    profiles = table_of(ElderProfile)
    session.execute(sa.delete(profiles).where(profiles.c.user_id == uid))
    # Other elders' profiles this person registered or verified keep existing, attributed to the pseudonym row.
    _delete(session, FamilyLink, FamilyLink.elder_id == uid, FamilyLink.family_id == uid)
    _delete(session, Volunteer, Volunteer.user_id == uid)
    _delete(session, TrainingRecord, TrainingRecord.user_id == uid)
    _delete(session, CheckinDay, CheckinDay.elder_id == uid)
    _delete(session, CheckinEnrolment, CheckinEnrolment.elder_id == uid)
    session.expire_all()


def _drop_api_rows(session: Session, uid: int) -> None:
    """The mini-program logins linked to the person (their mini-program openid, unionid, session key), their
    tokens and remembered answers, link codes and subscription consents: the app is logged out and a new
    login starts unlinked."""
    subscriptions.forget(session, uid)  # the consents to one-time subscription messages go with the logins
    identities = sa.select(table_of(ids.ApiIdentity).c.id).where(table_of(ids.ApiIdentity).c.user_id == uid)
    for model in (ids.ApiToken, ids.IdempotentAnswer):
        table = table_of(model)
        session.execute(sa.delete(table).where(table.c.identity_id.in_(identities)))
    _delete(session, ids.ApiIdentity, ids.ApiIdentity.user_id == uid)
    _delete(session, ids.LinkCode, ids.LinkCode.user_id == uid)


def _scrub_requests(session: Session, uid: int) -> None:
    requests = table_of(hr.HelpRequest)
    session.execute(sa.update(requests).where(or_(requests.c.elder_id == uid, requests.c.requested_by_id == uid))
                    .values(details="", place="", latitude=None, longitude=None, images=None))
    complaints = table_of(Complaint)
    session.execute(sa.update(complaints).where(complaints.c.user_id == uid).values(about=""))


def _drop_openid_rows(session: Session, openid: str, pseudonym: str, keep_inbound_id: int | None) -> None:
    inbound = table_of(InboundMessage)
    others = sa.delete(inbound).where(inbound.c.openid == openid)
    if keep_inbound_id is not None:
        others = others.where(inbound.c.id != keep_inbound_id)
        session.execute(sa.update(inbound).where(inbound.c.id == keep_inbound_id).values(
            openid=f"{ERASED_PREFIX}{pseudonym}", payload={}, dedup_key=f"x:{pseudonym}:{keep_inbound_id}"))
    session.execute(others)
    _delete(session, ConversationState, ConversationState.openid == openid)
    _delete(session, ServiceWindow, ServiceWindow.openid == openid)
    _delete(session, AudienceTag, AudienceTag.openid == openid)
    _delete(session, NoticeOptOut, NoticeOptOut.openid == openid)
    _delete(session, MassQuota, MassQuota.openid == openid)
    outbox = table_of(OutboxMessage)
    session.execute(sa.delete(outbox).where(outbox.c.openid == openid,
                                            outbox.c.status.notin_((PENDING, SENDING))))
    audit_log = table_of(AuditEntry)
    session.execute(sa.update(audit_log).where(audit_log.c.actor == openid).values(actor=f"anon:{pseudonym}"))
    session.expire_all()


def complete_pending(session: Session, *, now: datetime, rules: dispatch.DispatchRules | None = None) -> list[Notice]:
    """Finish every pending erasure: erase what was not erased yet, sweep rows left for the old openid,
    and close it (its openid forgotten). A queued reply to the old openid gets `OUTBOX_GRACE` to go out,
    but never past the deadline."""
    notices: list[Notice] = []
    for erasure in session.exec(select(Erasure).where(Erasure.status == PENDING_ERASURE)
                                .order_by(col(Erasure.id))).all():
        if erasure.erased_at is None:
            notices += erase(session, erasure, now=now, rules=rules)
        _drop_openid_rows(session, erasure.openid, erasure.pseudonym, None)
        outbox = table_of(OutboxMessage)
        waiting = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.openid == erasure.openid)
        grace_ends = min(erasure.requested_at + OUTBOX_GRACE, erasure.due_at)
        if session.execute(waiting).scalar_one() and as_utc(now) < grace_ends:
            continue
        session.execute(sa.delete(outbox).where(outbox.c.openid == erasure.openid))
        erasure.status, erasure.completed_at, erasure.openid = DONE, as_utc(now), ""
        session.add(erasure)
    session.flush()
    return notices


def erasure_of(session: Session, user_id: int) -> Erasure | None:
    """The latest erasure request of a person."""
    return session.exec(select(Erasure).where(Erasure.user_id == user_id).order_by(col(Erasure.id).desc())).first()
