"""Emergency rules in models/ with an explicit clock: one case per person, who is told, the check-in record."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from models.base import as_utc
from models.checkin import rules as ck
from models.help import emergencies as em
from models.help import requests as hr
from models.people.users import User
from models.seed import seed_demo

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
MERGE = timedelta(minutes=30)


@pytest.fixture
def session(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        seed_demo(session, now=NOW)
        yield session
    engine.dispose()


def person(session, openid: str) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def emergency(session, elder, *, at, key, status=hr.OPEN):
    new = hr.NewRequest(elder=elder, requested_by=elder, category="emergency", details="救命", window_start=at,
                        window_end=at + timedelta(hours=2), urgency=hr.EMERGENCY)
    request, _ = hr.create_request(session, new, source_key=key, now=at)
    request.status = status
    session.flush()
    return request


def test_a_second_message_within_the_window_joins_the_open_case(session):
    elder = person(session, "demo-elder-1")
    first = emergency(session, elder, at=NOW, key="a")
    assert em.open_case(session, elder, now=NOW + timedelta(minutes=29), within=MERGE).id == first.id
    assert em.open_case(session, elder, now=NOW + timedelta(minutes=31), within=MERGE) is None


def test_a_closed_case_or_an_ordinary_request_is_not_merged_into(session):
    elder = person(session, "demo-elder-1")
    emergency(session, elder, at=NOW, key="done", status=hr.CANCELLED)
    ordinary = hr.NewRequest(elder=elder, requested_by=elder, category="errand", details="买药", window_start=NOW,
                             window_end=NOW + timedelta(hours=2))
    hr.create_request(session, ordinary, source_key="errand", now=NOW)
    assert em.open_case(session, elder, now=NOW + timedelta(minutes=1), within=MERGE) is None


def test_family_and_coordinators_are_told_but_never_the_reporter(session):
    elder, son, admin = (person(session, o) for o in ("demo-elder-1", "demo-family-1", "demo-admin"))
    case = em.people_to_alert(session, elder, son)
    assert [p.openid for p in case.family] == [] and [p.openid for p in case.coordinators] == [admin.openid]
    case = em.people_to_alert(session, elder, elder)
    assert [p.openid for p in case.family] == [son.openid] and case.about_reporter


def test_nobody_identified_reaches_the_reporters_coordinators(session):
    stranger = User(openid="passer-by", created_at=NOW, updated_at=NOW)
    session.add(stranger)
    session.flush()
    case = em.people_to_alert(session, None, stranger)
    assert case.family == [] and [p.openid for p in case.coordinators] == ["demo-admin"]


def test_the_last_safe_day_is_the_latest_checkin(session):
    elder = person(session, "demo-elder-3")
    assert em.is_enrolled(session, elder) and em.last_safe_day(session, elder) is None
    for offset, status in ((3, ck.ON_TIME), (2, ck.MISSED), (1, ck.MISSED)):
        day = (NOW - timedelta(days=offset)).date()
        session.add(ck.CheckinDay(elder_id=elder.id, village_id=elder.village_id, day=day, status=status,
                                  deadline_at=NOW - timedelta(days=offset), created_at=NOW))
    session.flush()
    assert em.last_safe_day(session, elder).day == (NOW - timedelta(days=3)).date()
    assert not em.is_enrolled(session, person(session, "demo-elder-2"))


def test_relationship_and_call_names(session):
    elder, son = person(session, "demo-elder-1"), person(session, "demo-family-1")
    assert em.relationship(session, elder, son) == "儿子"
    assert em.relationship(session, person(session, "demo-elder-2"), son) == ""
    elders = em.village_elders(session, son)
    assert {e.openid for e in elders} >= {"demo-elder-1", "demo-elder-2", "demo-elder-3"}
    ck.set_call_name(session, ck.enrolment_of(session, person(session, "demo-elder-3")), "赵奶奶", now=NOW)
    assert em.call_names(session, elders) == {person(session, "demo-elder-3").id: "赵奶奶"}


def test_a_report_is_about_the_reporters_village_or_anyone_when_they_said_no_village(session):
    from models.people.users import Village

    east = Village(code="east", name="东坡村", county="示范县", created_at=NOW)
    session.add(east)
    session.flush()
    far = User(openid="east-elder", name="东坡老人", village_id=east.id, roles=",elder,", created_at=NOW,
               updated_at=NOW)
    passer_by = User(openid="passer-by", name="", roles="", created_at=NOW, updated_at=NOW)
    session.add_all([far, passer_by])
    session.flush()
    local = {e.openid for e in em.village_elders(session, person(session, "demo-family-1"))}
    assert "east-elder" not in local and {"demo-elder-1", "demo-elder-2", "demo-elder-3"} <= local
    assert {"east-elder", "demo-elder-1"} <= {e.openid for e in em.village_elders(session, passer_by)}


def test_an_alarm_goes_at_once_to_everyone_but_whoever_raised_it_with_the_name_and_phone_whole(session):
    from models.core.outbox import URGENT, OutboxMessage
    from models.help.alarms import raise_alarm

    son, admin = person(session, "demo-family-1"), person(session, "demo-admin")
    elder = person(session, "demo-elder-1")
    told = raise_alarm(session, [admin, son, elder, admin], actor=son, alert_text="王秀英 摔倒了", key="fall:1",
                       now=NOW, name="王秀英", phone="13800000001")
    assert told == ["demo-admin", "demo-elder-1"]
    rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.openid)).all()
    assert [(r.key, r.openid, r.kind, r.text, r.priority) for r in rows] == [
        ("alarm:fall:1:demo-admin", "demo-admin", "emergency_alert", "王秀英 摔倒了", URGENT),
        ("alarm:fall:1:demo-elder-1", "demo-elder-1", "emergency_alert", "王秀英 摔倒了", URGENT)]
    assert rows[0].template_data == {"title": "王秀英 摔倒了", "name": "王秀英", "phone": "13800000001"}
    assert as_utc(rows[0].not_before) == NOW
    again = raise_alarm(session, [admin], actor=son, alert_text="again", key="fall:1", now=NOW, kind="checkin_alarm")
    assert again == ["demo-admin"] and len(session.exec(select(OutboxMessage)).all()) == 2  # the key: once


def test_an_alarm_is_audited_with_who_raised_it_the_key_and_everyone_told(session):
    from models.core.audit import AuditEntry
    from models.help.alarms import raise_alarm

    son, admin, elder = (person(session, o) for o in ("demo-family-1", "demo-admin", "demo-elder-1"))
    raise_alarm(session, [elder, admin, son], actor=son, alert_text="王秀英 摔倒了", key="fall:2", now=NOW)
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "alarm.raise")).all()
    assert [(as_utc(e.at), e.actor, e.target, e.detail) for e in entries] == [
        (NOW, "demo-family-1", "fall:2", {"notified": ["demo-admin", "demo-elder-1"]})]


def test_an_open_case_is_this_elders_own_the_newest_and_opened_within_the_window_boundary_included(session):
    elder, neighbour = person(session, "demo-elder-1"), person(session, "demo-elder-2")
    emergency(session, neighbour, at=NOW, key="theirs")
    assert em.open_case(session, elder, now=NOW + timedelta(minutes=1), within=MERGE) is None
    emergency(session, elder, at=NOW, key="first")
    second = emergency(session, elder, at=NOW, key="second")
    assert em.open_case(session, elder, now=NOW + MERGE, within=MERGE).id == second.id


def test_the_last_safe_day_is_this_elders_own_newest(session):
    elder, neighbour = person(session, "demo-elder-3"), person(session, "demo-elder-1")
    for who, offset in ((elder, 5), (elder, 2), (neighbour, 1)):
        day = (NOW - timedelta(days=offset)).date()
        session.add(ck.CheckinDay(elder_id=who.id, village_id=who.village_id, day=day, status=ck.ON_TIME,
                                  deadline_at=NOW - timedelta(days=offset), created_at=NOW))
    session.flush()
    assert em.last_safe_day(session, elder).day == (NOW - timedelta(days=2)).date()


def test_a_neighbour_bound_to_nobody_is_no_relation_of_an_elder_who_has_family(session):
    elder = person(session, "demo-elder-1")
    assert em.relationship(session, elder, person(session, "demo-family-1")) == "儿子"
    assert em.relationship(session, elder, person(session, "demo-volunteer-1")) == ""


def test_a_report_from_another_village_about_a_known_elder_reaches_the_elders_coordinators(session):
    from models.people.users import Village

    east = Village(code="east", name="东坡村", county="示范县", created_at=NOW)
    session.add(east)
    session.flush()
    visitor = User(openid="east-visitor", name="东坡人", village_id=east.id, created_at=NOW, updated_at=NOW)
    east_admin = User(openid="east-admin", name="东坡主任", village_id=east.id, roles=",admin,", created_at=NOW,
                      updated_at=NOW)
    session.add_all([visitor, east_admin])
    session.flush()
    case = em.people_to_alert(session, person(session, "demo-elder-1"), visitor)
    assert [p.openid for p in case.coordinators] == ["demo-admin"]
    assert [p.openid for p in case.family] == ["demo-family-1"]
    assert [p.openid for p in em.people_to_alert(session, None, visitor).coordinators] == ["east-admin"]
