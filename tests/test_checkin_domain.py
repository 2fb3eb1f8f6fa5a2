"""Check-in rules as plain functions with an explicit clock: a week of rounds, each outcome, idempotence."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from models.checkin import alarm, reports
from models.checkin import round as ckr
from models.checkin import rules as ck
from models.help import dispatch
from models.people.users import User
from models.seed import seed_demo
from tests.checkin_support import SH, TUESDAY, at

RULES = ck.CheckinRules()
DRULES = dispatch.DispatchRules(tz=SH)


@pytest.fixture
def session(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        seed_demo(session, now=at(TUESDAY, "07:00"))
        seeded = ck.enrolment_of(session, person(session, "demo-elder-3"))
        ck.close(session, seeded, now=at(TUESDAY, "07:00"))  # each test enrols whom it needs
        yield session
    engine.dispose()


def person(session, openid: str) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def morning(session, day, answer: str | None):
    """One day: the round at 08:30, the elder answering at `answer` (or not), escalation every 30 minutes."""
    prompts = ckr.plan_round(session, now=at(day, "08:30"), tz=SH, rules=RULES).prompts
    notices = []
    for hhmm in ("09:00", "10:00", "10:30", "11:00", "11:30", "12:00"):
        if answer and answer <= hhmm:
            alarm.elder_checked_in(session, person(session, "demo-elder-1"), now=at(day, answer), tz=SH)
            answer = None
        notices += ckr.advance_silent_days(session, now=at(day, hhmm), rules=RULES, drules=DRULES, task_details="看看")
    return prompts, notices


def test_a_week_of_mornings_records_each_outcome(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    days = [TUESDAY + timedelta(days=i) for i in range(7)]
    prompts, notices = morning(session, days[0], "08:45")
    assert [p.text_key for p in prompts] == ["checkin_prompt"] and notices == []
    _, notices = morning(session, days[1], "10:45")  # after the deadline, before family is asked
    assert [n.text_key for n in notices] == ["checkin_second_prompt"]
    _, notices = morning(session, days[2], None)
    assert [n.text_key for n in notices].count("checkin_coordinator_alert") == 1
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")  # the scan empties the session
    alarm.confirm_safe(session, elder, family, now=at(days[2], "12:10"), tz=SH)
    enrolment = ck.enrolment_of(session, elder)
    ck.pause(session, enrolment, 2, now=at(days[3], "07:00"), tz=SH)
    for day in days[3:5]:
        assert morning(session, day, None) == ([], [])
    morning(session, days[5], None)  # silent; never confirmed
    morning(session, days[6], "08:31")
    elder_id = person(session, "demo-elder-1").id
    statuses = [ck.day_of(session, elder_id, d).status for d in days]
    assert statuses == ["on_time", "late", "confirmed_safe", "paused", "paused", "missed", "on_time"]
    week = reports.week_of(session, elder_id, days[6])
    assert week["on_time"] == 2 and week["missed"] == 1


def test_rerunning_the_round_and_the_scan_adds_nothing(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    first = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    again = ckr.plan_round(session, now=at(TUESDAY, "08:35"), tz=SH, rules=RULES)
    assert len(first.prompts) == 1 and again.prompts == []
    scan = ckr.advance_silent_days(session, now=at(TUESDAY, "11:00"), rules=RULES, drules=DRULES, task_details="看看")
    assert {n.text_key for n in scan} >= {"checkin_second_prompt"}
    later = at(TUESDAY, "11:01")
    assert ckr.advance_silent_days(session, now=later, rules=RULES, drules=DRULES, task_details="看看") == []


def test_no_greeting_outside_the_window_and_an_early_word_counts(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    assert ckr.plan_round(session, now=at(TUESDAY, "08:29"), tz=SH, rules=RULES).prompts == []
    assert alarm.elder_checked_in(session, elder, now=at(TUESDAY, "07:10"), tz=SH).result == "new"
    assert ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES).prompts == []  # already said hello
    wednesday = TUESDAY + timedelta(days=1)
    assert ckr.plan_round(session, now=at(wednesday, "10:30"), tz=SH, rules=RULES).prompts == []  # past the deadline


def test_moving_the_time_keeps_the_two_hours_to_answer(session):
    elder, admin = person(session, "demo-elder-1"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES, prompt_minute=7 * 60)
    assert (ck.clock_text(enrolment.prompt_minute), ck.clock_text(enrolment.deadline_minute)) == ("07:00", "09:00")
    config = {"checkin": {"prompt_time": "09:00", "deadline": "11:15", "family_after_minutes": 20}}
    rules = ck.checkin_rules(config)
    assert rules.gap == 135 and rules.family_after == timedelta(minutes=20)


def test_the_domain_refuses_a_greeting_at_night():
    from models.checkin.rules import greeting_time_ok

    assert greeting_time_ok(8 * 60 + 30) and greeting_time_ok(5 * 60) and greeting_time_ok(20 * 60)
    assert not greeting_time_ok(4 * 60 + 59) and not greeting_time_ok(22 * 60)


def test_moving_a_greeting_into_the_night_is_refused():
    from datetime import datetime

    import pytest

    from models.checkin import rules as ck

    enrolment = ck.CheckinEnrolment(elder_id=1, enrolled_by_id=1, prompt_minute=510, deadline_minute=630)
    with pytest.raises(ValueError):
        ck.set_time(None, enrolment, 23 * 60, now=datetime(2026, 12, 1, tzinfo=UTC), rules=ck.CheckinRules())
    assert enrolment.prompt_minute == 510


@pytest.mark.parametrize("rules, steps", [
    # The defaults (docs/checkin.md): deadline 10:30; second greeting then, family and a volunteer 30
    # minutes later, the coordinators 60 minutes after the deadline.
    (RULES, {"10:30": ["checkin_second_prompt"], "11:00": ["checkin_family_alert", "help_offer"],
             "11:30": ["checkin_coordinator_alert"]}),
    # Every offset read from the rules, none from another (a 5-minute grace before the second greeting).
    (ck.CheckinRules(second_prompt_after=timedelta(minutes=5), family_after=timedelta(minutes=20),
              coordinator_after=timedelta(minutes=45)),
     {"10:35": ["checkin_second_prompt"], "10:50": ["checkin_family_alert", "help_offer"],
      "11:15": ["checkin_coordinator_alert"]}),
], ids=["defaults", "configured"])
def test_a_silent_morning_escalates_at_the_minutes_the_rules_give_and_not_a_second_earlier(session, rules, steps):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=rules)
    assert len(ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=rules).prompts) == 1

    def scan(moment):
        notices = ckr.advance_silent_days(session, now=moment, rules=rules, drules=DRULES, task_details="看看")
        return sorted(n.text_key for n in notices)

    for hhmm, expected in steps.items():
        assert scan(at(TUESDAY, hhmm) - timedelta(seconds=1)) == [], f"early at {hhmm}"
        assert scan(at(TUESDAY, hhmm)) == expected, hhmm
    assert scan(at(TUESDAY, "16:00")) == []  # the coordinators were the last step
