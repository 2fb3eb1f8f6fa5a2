"""Lists with search and filters, each exportable as CSV and XLSX: requests, volunteers, elders, events,
canteen orders, notices (with delivery statistics) and the outbox.

A list is a function (session, coordinator, filters, now) → rows of plain values, in the coordinator's
reach only; the page and both exports show the same rows. No list shows an elder's phone, address or
health notes (those are on the elder's page, where each view is logged).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort, request
from sqlmodel import Session, col, select

from app.console.common import admin_in, blueprint, local, page, rt, village_names, who
from app.console.export import csv_response, xlsx_response
from app.console.scope import villages_of
from app.db import session_scope
from bots import notify
from bots.flows.people.volunteer_signup import skill_names
from bots.texts import t
from models.base import id_of
from models.canteen import canteen as cn
from models.checkin import rules as ck
from models.console import handled
from models.core import outbox
from models.core.outbox import OutboxMessage
from models.events import events as ev
from models.help import held_requests as held
from models.help import requests as hr
from models.help.alarms import family_of
from models.help.complaints import Complaint
from models.notices import track
from models.notices.broadcasts import Broadcast
from models.people import membership
from models.people.membership import in_scope
from models.people.users import User
from models.people.volunteers import TrainingRecord, Volunteer

bp = blueprint("console_lists", __name__)
MAX_ROWS = 5000


@dataclass(frozen=True)
class Filters:
    q: str
    status: str
    since: date | None


@dataclass(frozen=True)
class Listing:
    columns: tuple[str, ...]  # catalogue keys console_web_col_<name>
    statuses: tuple[str, ...]  # offered in the status filter (catalogue console_web_status_<list>_<s>)
    rows: Callable[[Session, User, Filters, datetime], list[tuple]]


def _matches(f: Filters, *texts: object) -> bool:
    return not f.q or any(f.q in str(text) for text in texts if text)


def _requests(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    query = select(hr.HelpRequest).order_by(col(hr.HelpRequest.id).desc())
    if f.status:
        query = query.where(hr.HelpRequest.status == f.status)
    if f.since:
        query = query.where(col(hr.HelpRequest.created_at) >= datetime.combine(f.since, datetime.min.time(),
                                                                                tzinfo=rt().tz))
    complaints = Counter(session.exec(select(Complaint.request_id).where(col(Complaint.request_id).is_not(None))))
    names = village_names(session)
    rows = []
    for r in session.exec(query.limit(MAX_ROWS)):
        if not held.may_handle(session, admin, r):
            continue
        elder, helper = session.get(User, r.elder_id), session.get(User, r.volunteer_id) if r.volunteer_id else None
        claim = int((r.claimed_at - r.created_at).total_seconds() // 60) if r.claimed_at else ""
        row = (r.id, local(r.created_at), names.get(r.village_id or 0, ""), notify.category_label(r.category),
               who(elder), r.details, t(f"console_web_status_{r.status}"), who(helper), claim, r.minutes_spent or "",
               r.rating or "", complaints.get(r.id, 0))
        if _matches(f, who(elder), who(helper), r.details, r.id):
            rows.append(row)
    return rows


def _volunteers(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    query = select(Volunteer, User).join(User, col(User.id) == Volunteer.user_id).order_by(col(Volunteer.id))
    if f.status:
        query = query.where(Volunteer.status == f.status)
    spent = sa.func.sum(hr.HelpRequest.minutes_spent)
    minutes = dict(session.execute(sa.select(col(hr.HelpRequest.volunteer_id), spent)
                                   .where(col(hr.HelpRequest.status).in_((hr.DONE, hr.CONFIRMED)))
                                   .group_by(col(hr.HelpRequest.volunteer_id))).all())
    names = village_names(session)
    rows = []
    for v, u in session.exec(query):
        if not in_scope(admin, u) or not _matches(f, u.name, u.openid, v.id):
            continue
        training = session.exec(select(TrainingRecord).where(TrainingRecord.user_id == u.id)).all()
        trained = "、".join(f"{r.qualification}({local(r.expires_at, '%Y-%m-%d') if r.expires_at else '-'})"
                           for r in training)
        rows.append((v.id, u.name, names.get(u.village_id or 0, ""), t(f"console_web_status_{v.status}"),
                     skill_names(v.skills), trained, round((minutes.get(u.id) or 0) / 60, 1), v.no_shows,
                     f"{v.rating:.1f}" if v.rating else "", t("console_web_yes") if v.on_duty else t("console_web_no")))
    return rows


def _elders(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    names = village_names(session)
    rows = []
    for user, profile in membership.elders_in_scope(session, admin):
        if not _matches(f, user.name, user.id):
            continue
        enrolment = ck.enrolment_of(session, user)
        checkin = t(f"console_web_checkin_{enrolment.status}") if enrolment else t("console_web_checkin_none")
        if f.status and (enrolment.status if enrolment else "none") != f.status:
            continue
        family = "、".join(who(p) for p in family_of(session, user))
        consent = local(profile.consent_at, "%Y-%m-%d") if profile else ""
        verified = t("console_web_no") if profile and profile.needs_verification else t("console_web_yes")
        rows.append((user.id, user.name, names.get(user.village_id or 0, ""), checkin, family, consent, verified))
    return rows


def _events(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    reach = {v.id for v in villages_of(session, admin)}
    query = select(ev.Event).order_by(col(ev.Event.starts_at).desc())
    if f.status:
        query = query.where(ev.Event.status == f.status)
    rows = []
    for e in session.exec(query.limit(MAX_ROWS)):
        if (e.village_id is not None and e.village_id not in reach) or not _matches(f, e.title, e.place):
            continue
        event_id = id_of(e)
        came = sum(1 for s, _ in ev.attendees(session, event_id) if s.attended_at)
        rows.append((event_id, t(f"console_web_event_kind_{e.kind}"), e.title, local(e.starts_at), e.place,
                     e.capacity, ev.seats_taken(session, event_id), ev.waiting_count(session, event_id), came))
    return rows


def _canteen(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    start = f.since or ck.local_day(now, rt().tz) - timedelta(days=30)
    reach = {v.id: v.name for v in villages_of(session, admin)}
    query = (select(cn.MealOrder, User).join(User, col(User.id) == cn.MealOrder.user_id)
             .where(col(cn.MealOrder.day) >= start, col(cn.MealOrder.village_id).in_(list(reach)))
             .order_by(col(cn.MealOrder.day).desc(), col(cn.MealOrder.id)))
    if f.status:
        query = query.where(cn.MealOrder.status == f.status)
    return [(o.day.isoformat(), t(f"console_web_meal_{o.meal}"), reach[o.village_id], u.name, o.portions,
             f"{o.total_fen / 100:.2f}", t("console_web_yes") if o.delivery else t("console_web_no"),
             t(f"console_web_status_{o.status}"))
            for o, u in session.exec(query.limit(MAX_ROWS)) if _matches(f, u.name)]


def _notices(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    query = select(Broadcast).where(Broadcast.topic == "").order_by(col(Broadcast.id).desc())
    if not admin.has_role("county_admin"):
        query = query.where(Broadcast.village_id == admin.village_id)
    if f.status:
        query = query.where(Broadcast.status == f.status)
    rows = []
    for b in session.exec(query.limit(MAX_ROWS)):
        if not _matches(f, b.title, b.body):
            continue
        stats = track.stats(session, id_of(b))["channels"]
        sent = sum(c.get(track.SENT, 0) for c in stats.values())
        failed = sum(c.get(track.FAILED, 0) for c in stats.values())
        per_channel = "；".join(f"{ch}: {sum(c.values())}" for ch, c in stats.items())
        rows.append((b.id, local(b.send_at), b.title or b.body[:30], b.audience, b.status, b.recipients, sent,
                     failed, per_channel))
    return rows


def _outbox(session: Session, admin: User, f: Filters, now: datetime) -> list[tuple]:
    query = (select(OutboxMessage, User).join(User, col(User.openid) == OutboxMessage.openid, isouter=True)
             .order_by(col(OutboxMessage.id).desc()))
    if f.status:
        query = query.where(OutboxMessage.status == f.status)
    rows = []
    for row, person in session.exec(query.limit(MAX_ROWS)):
        if not handled.reaches(admin, person) or not _matches(f, row.kind, who(person)):
            continue
        rows.append((row.id, local(row.created_at), who(person) or row.openid, row.kind,
                     t(f"console_web_status_{row.status}"), row.channel or "", row.attempts,
                     row.last_errcode or "", local(row.sent_at)))
    return rows


LISTS: dict[str, Listing] = {
    "requests": Listing(("number", "created", "village", "category", "elder", "details", "status", "volunteer",
                         "claim_minutes", "minutes", "rating", "complaints"), hr.ACTIVE + (
        hr.DONE, hr.CONFIRMED, hr.DISPUTED, hr.CANCELLED, hr.EXPIRED), _requests),
    "volunteers": Listing(("number", "name", "village", "status", "skills", "training", "hours", "no_shows",
                           "rating", "on_duty"), ("pending", "approved", "rejected"), _volunteers),
    "elders": Listing(("number", "name", "village", "checkin", "family", "consent", "verified"),
                      ("active", "paused", "closed", "none"), _elders),
    "events": Listing(("number", "kind", "title", "starts", "place", "capacity", "taken", "waiting", "attended"),
                      ("open", "cancelled"), _events),
    "canteen": Listing(("day", "meal", "village", "name", "portions", "pay", "delivery", "status"),
                       ("ordered", "cancelled"), _canteen),
    "notices": Listing(("number", "send_at", "title", "audience", "status", "recipients", "sent", "failed",
                        "channels"), ("scheduled", "planning", "sending", "done", "cancelled"), _notices),
    "outbox": Listing(("number", "created", "recipient", "kind", "status", "channel", "attempts", "errcode",
                       "sent_at"), (outbox.PENDING, outbox.SENT, outbox.HELD, outbox.FAILED, outbox.UNDELIVERABLE,
                                    outbox.UNCERTAIN, outbox.CANCELLED), _outbox),
}


def _filters(listing: Listing) -> Filters:
    status = request.args.get("status", "")
    if status and status not in listing.statuses:
        abort(400)
    try:
        since = date.fromisoformat(request.args["since"]) if request.args.get("since") else None
    except ValueError:
        abort(400)
    return Filters(q=request.args.get("q", "").strip()[:50], status=status, since=since)


def _rows(name: str) -> tuple[Listing, Filters, list[tuple]]:
    listing = LISTS.get(name)
    if listing is None:
        abort(404)
    filters = _filters(listing)
    with session_scope(rt().engine) as session:
        return listing, filters, listing.rows(session, admin_in(session), filters, rt().clock())


@bp.get("/lists/<name>")
def show(name: str):
    listing, filters, rows = _rows(name)
    template = "_table.html" if request.headers.get("HX-Request") else "list.html"
    return page(template, name=name, listing=listing, filters=filters, rows=rows, query=request.query_string.decode())


@bp.get("/lists/<name>.<any(csv, xlsx):kind>")
def export(name: str, kind: str):
    listing, _, rows = _rows(name)
    headers = [t(f"console_web_col_{c}") for c in listing.columns]
    filename = f"linli-{name}-{local(rt().clock(), '%Y%m%d')}"
    if kind == "csv":
        return csv_response(filename, headers, rows)
    return xlsx_response(filename, t(f"console_web_list_{name}"), headers, rows)
