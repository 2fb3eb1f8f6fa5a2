"""What Linli holds about one person, as plain data (PIPL art. 45): for the chat summary, the download
link (JSON or CSV) and the mini-program API (`GET /api/v1/privacy/export`, served elsewhere from
`export_person`).

Sections: profile, bindings, requests (asked for or by the person), visits (made as a volunteer), ratings,
time-bank lines, check-in history, consents, and who saw the person's data. After erasure the person's
row is a pseudonym and every section is empty: an export then says only that the account was cancelled.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from models.checkin.rules import CheckinDay, CheckinEnrolment
from models.help import requests as hr
from models.people.membership import profile_of
from models.people.users import FamilyLink, User, Village
from models.people.volunteers import TrainingRecord, volunteer_of
from models.privacy import access, consent
from models.timebank import totals

SECTIONS = ("profile", "bindings", "requests", "visits", "ratings", "timebank", "checkins", "consents", "accesses")
ERASED_PREFIX = "erased-"  # openid of a cancelled account (models/privacy/erasure.py)


def _when(value: datetime | date | None) -> str:
    return value.isoformat() if value is not None else ""


def export_person(session: Session, user_id: int, now: datetime) -> dict[str, Any]:
    """Everything held about the person, by section; `{"erased": True}` and empty sections once cancelled."""
    user = session.get(User, user_id)
    data: dict[str, Any] = {"user_id": user_id, "generated_at": _when(now), "erased": False}
    if user is None or user.openid.startswith(ERASED_PREFIX):
        return {**data, "erased": True, **{name: [] for name in SECTIONS}, "profile": {}}
    data["profile"] = _profile(session, user)
    data["bindings"] = _bindings(session, user)
    data["requests"] = _requests(session, user)
    data["visits"] = _visits(session, user)
    data["ratings"] = _ratings(data["requests"], data["visits"])
    data["timebank"] = [{"at": _when(line.at), "minutes": line.minutes, "reason": line.reason,
                         "request": line.request_id, "category": line.category, "with": line.other}
                        for line in reversed(totals.statement(session, user_id, limit=None))]
    data["checkins"] = _checkins(session, user)
    data["consents"] = [{"purpose": c.purpose, "granted": c.granted, "given_at": _when(c.given_at),
                         "given_by": _name(session, c.given_by_user_id), "relationship": c.relationship,
                         "text_version": c.text_version, "withdrawn_at": _when(c.withdrawn_at)}
                        for c in consent.history(session, user_id)]
    data["accesses"] = [{"at": _when(a.at), "viewer": _name(session, a.viewer_id) or a.viewer_name,
                         "role": a.viewer_role, "what": a.what, "reason": a.reason, "ref": a.ref}
                        for a in access.accesses_of(session, user_id)]
    return data


def _name(session: Session, user_id: int | None) -> str:
    other = session.get(User, user_id) if user_id else None
    return other.name if other is not None else ""


def _profile(session: Session, user: User) -> dict[str, Any]:
    village = session.get(Village, user.village_id) if user.village_id else None
    profile: dict[str, Any] = {"name": user.name, "phone": user.phone, "roles": sorted(user.role_set),
                               "village": village.name if village else "", "registered_at": _when(user.created_at)}
    elder = profile_of(session, user)
    if elder is not None:
        profile["elder"] = {"age": elder.age, "address": elder.address, "phone": elder.phone,
                            "lives_alone": elder.lives_alone, "health_notes": elder.health_notes,
                            "emergency_contacts": list(elder.emergency_contacts or []),
                            "registered_by": _name(session, elder.registered_by_user_id),
                            "verified_at": _when(elder.verified_at)}
    record = volunteer_of(session, user)
    if record is not None:
        trained = session.exec(select(TrainingRecord).where(TrainingRecord.user_id == user.id)).all()
        profile["volunteer"] = {"status": record.status, "skills": list(record.skills or []),
                                "availability": list(record.availability or []), "on_duty": record.on_duty,
                                "partner_org": record.partner_org, "no_shows": record.no_shows,
                                "qualifications": [t.qualification for t in trained]}
    return profile


def _bindings(session: Session, user: User) -> list[dict[str, Any]]:
    links = session.exec(select(FamilyLink).where(
        or_(FamilyLink.elder_id == user.id, FamilyLink.family_id == user.id)).order_by(col(FamilyLink.id)))
    return [{"elder": _name(session, link.elder_id), "family": _name(session, link.family_id),
             "relationship": link.relationship, "since": _when(link.created_at),
             "side": "elder" if link.elder_id == user.id else "family"} for link in links]


def _request_row(session: Session, request: hr.HelpRequest) -> dict[str, Any]:
    return {"number": request.id, "category": request.category, "details": request.details,
            "place": request.place, "status": request.status, "window_start": _when(request.window_start),
            "window_end": _when(request.window_end), "created_at": _when(request.created_at),
            "for": _name(session, request.elder_id), "volunteer": _name(session, request.volunteer_id),
            "rating": request.rating}


def _requests(session: Session, user: User) -> list[dict[str, Any]]:
    query = select(hr.HelpRequest).where(or_(hr.HelpRequest.elder_id == user.id,
                                             hr.HelpRequest.requested_by_id == user.id))
    return [_request_row(session, r) for r in session.exec(query.order_by(col(hr.HelpRequest.id)))]


def _visits(session: Session, user: User) -> list[dict[str, Any]]:
    query = select(hr.HelpRequest).where(hr.HelpRequest.volunteer_id == user.id)
    return [{"number": r.id, "category": r.category, "status": r.status, "for": _name(session, r.elder_id),
             "done_at": _when(r.done_at), "minutes": r.minutes_spent, "rating": r.rating}
            for r in session.exec(query.order_by(col(hr.HelpRequest.id)))]


def _ratings(requests: list[dict[str, Any]], visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    given = [{"side": "given", "number": r["number"], "score": r["rating"]} for r in requests if r["rating"]]
    return given + [{"side": "received", "number": v["number"], "score": v["rating"]} for v in visits if v["rating"]]


def _checkins(session: Session, user: User) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    enrolment = session.exec(select(CheckinEnrolment).where(CheckinEnrolment.elder_id == user.id)).first()
    if enrolment is not None:
        rows.append({"day": "", "status": f"enrolled:{enrolment.status}", "checked_in_at": _when(enrolment.created_at)})
    days = session.exec(select(CheckinDay).where(CheckinDay.elder_id == user.id).order_by(col(CheckinDay.day)))
    rows += [{"day": _when(d.day), "status": d.status, "checked_in_at": _when(d.checked_in_at)} for d in days]
    return rows


def summary_counts(data: dict[str, Any]) -> dict[str, int]:
    """How many items each list section holds (for the chat summary)."""
    return {name: len(data.get(name) or []) for name in SECTIONS if name != "profile"}


def to_csv(data: dict[str, Any]) -> str:
    """One CSV: section, item number, field, value (a spreadsheet opens it; nested values flattened)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for field_name in ("user_id", "generated_at", "erased"):
        writer.writerow(["meta", 0, field_name, data.get(field_name)])
    for name, value in _flatten(data.get("profile") or {}):
        writer.writerow(["profile", 0, name, value])
    for section in SECTIONS[1:]:
        for index, item in enumerate(data.get(section) or [], start=1):
            for name, value in _flatten(item):
                writer.writerow([section, index, name, value])
    return out.getvalue()


def _flatten(item: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(item, dict):
        pairs: list[tuple[str, Any]] = []
        for key, value in item.items():
            pairs += _flatten(value, f"{prefix}{key}.")
        return pairs
    if isinstance(item, list):
        pairs = []
        for index, value in enumerate(item, start=1):
            pairs += _flatten(value, f"{prefix}{index}.")
        return pairs
    return [(prefix.rstrip("."), item)]
