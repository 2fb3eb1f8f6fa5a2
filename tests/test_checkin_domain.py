"""Check-in rules as plain functions with an explicit clock: a week of rounds, each outcome, idempotence."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from app.db import make_engine
from models.checkin import alarm, reports
from models.checkin import round as ckr
from models.checkin import rules as ck
from models.core.notify import Notice
from models.core.outbox import LOW, NORMAL, URGENT
from models.help import dispatch, visits
from models.help.requests import CANCELLED, HelpRequest
from models.people.users import FamilyLink, User, Village
from models.privacy import access
from models.privacy.access import AccessEntry
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


# --- the enrolment and the day record, rule by rule ---------------------------------------------------

def test_clock_times_read_and_write_as_people_write_them():
    assert [ck.parse_clock(t) for t in ("08:30", "8", "0:00", "23:59")] == [510, 480, 0, 1439]
    for wrong in ("24:00", "-1:30"):
        with pytest.raises(ValueError, match="not a time of day"):
            ck.parse_clock(wrong)
    assert [ck.clock_text(m) for m in (510, 5, 1439)] == ["08:30", "00:05", "23:59"]


def test_a_missing_checkin_section_gives_the_documented_defaults_and_each_setting_is_read():
    assert ck.checkin_rules({}) == ck.checkin_rules({"checkin": None}) == ck.CheckinRules()
    rules = ck.checkin_rules({"checkin": {"prompt_time": "07:15", "deadline": "09:00",
                                          "second_prompt_after_minutes": 5, "family_after_minutes": "15",
                                          "coordinator_after_minutes": 40, "volunteers": 2, "task_hours": 2.5}})
    assert rules == ck.CheckinRules(prompt_minute=435, deadline_minute=540, second_prompt_after=timedelta(minutes=5),
                                    family_after=timedelta(minutes=15), coordinator_after=timedelta(minutes=40),
                                    volunteers=2, task_hours=2.5)


def test_the_local_day_and_minute_are_the_villages_not_utcs():
    late_utc = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 07:30 on Wednesday in Shanghai
    assert (ck.local_day(late_utc, SH), ck.local_minute(late_utc, SH)) == (TUESDAY + timedelta(days=1), 450)
    assert ck.at_local(TUESDAY, 630, SH) == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    assert ck.at_local(TUESDAY, 600, SH) == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # a deadline on the hour


def test_enrolling_starts_at_the_configured_times_and_says_whether_anything_changed(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    rules = ck.CheckinRules(prompt_minute=480, deadline_minute=600)
    enrolment, changed = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=rules)
    assert changed and (enrolment.status, enrolment.prompt_minute, enrolment.deadline_minute) == (ck.ACTIVE, 480, 600)
    assert (enrolment.elder_id, enrolment.enrolled_by_id) == (elder.id, admin.id)
    assert ck.enrol(session, elder, admin, now=at(TUESDAY, "07:05"), rules=rules)[1] is False  # already on
    ck.pause(session, enrolment, 3, now=at(TUESDAY, "07:10"), tz=SH)
    again, changed = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:20"), rules=rules)
    assert changed and (again.id, again.status, again.paused_until) == (enrolment.id, ck.ACTIVE, None)
    ck.close(session, again, now=at(TUESDAY, "07:30"))
    assert ck.enrolment_of(session, elder).status == ck.CLOSED
    assert ck.enrol(session, elder, admin, now=at(TUESDAY, "07:40"), rules=rules)[1] is True


def test_a_late_greeting_keeps_its_gap_but_the_deadline_stops_at_half_past_eleven(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    wide = ck.CheckinRules(prompt_minute=8 * 60, deadline_minute=12 * 60)
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=wide, prompt_minute=20 * 60)
    assert (enrolment.prompt_minute, enrolment.deadline_minute) == (20 * 60, 23 * 60 + 30)
    ck.set_time(session, enrolment, 5 * 60, now=at(TUESDAY, "07:05"), rules=wide)
    assert (enrolment.prompt_minute, enrolment.deadline_minute, enrolment.updated_at) == (
        5 * 60, 9 * 60, at(TUESDAY, "07:05"))


@pytest.mark.parametrize("asked, resumes", [(0, 1), (3, 3), (60, 60), (90, 60)])
def test_a_pause_lasts_one_to_sixty_days_from_today(session, asked, resumes):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    until = ck.pause(session, enrolment, asked, now=at(TUESDAY, "23:30"), tz=SH)
    assert until == enrolment.paused_until == TUESDAY + timedelta(days=resumes)
    assert enrolment.status == ck.PAUSED


def test_pausing_during_an_open_day_records_it_paused_and_resuming_the_same_day_greets_again(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    assert ck.stop_today(session, elder.id, now=at(TUESDAY, "08:00"), tz=SH) is None  # no day yet
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    enrolment = ck.enrolment_of(session, elder)
    ck.pause(session, enrolment, 2, now=at(TUESDAY, "09:00"), tz=SH)
    stopped = ck.stop_today(session, elder.id, now=at(TUESDAY, "09:00"), tz=SH)
    assert (stopped.status, stopped.next_step_at) == (ck.DAY_PAUSED, None)
    assert ck.stop_today(session, elder.id, now=at(TUESDAY, "09:01"), tz=SH) is None  # no longer open
    ck.resume(session, enrolment, now=at(TUESDAY, "09:10"), tz=SH)
    assert (enrolment.status, enrolment.paused_until) == (ck.ACTIVE, None)
    assert ck.day_of(session, elder.id, TUESDAY) is None
    assert len(ckr.plan_round(session, now=at(TUESDAY, "09:15"), tz=SH, rules=RULES).prompts) == 1


def test_resuming_after_the_elder_answered_keeps_the_answer(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.record_checkin(session, elder, now=at(TUESDAY, "08:40"), tz=SH)
    ck.resume(session, enrolment, now=at(TUESDAY, "09:00"), tz=SH)
    assert ck.day_of(session, elder.id, TUESDAY).status == ck.ON_TIME


def test_family_opt_in_and_out_of_the_daily_line_and_the_greeting_name_is_cut_to_its_column(session):
    elder, family, admin = (person(session, o) for o in ("demo-elder-1", "demo-family-1", "demo-admin"))
    enrolment, _ = ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.set_daily_signal(session, enrolment, family, True, now=at(TUESDAY, "07:01"))
    ck.set_daily_signal(session, enrolment, admin, True, now=at(TUESDAY, "07:02"))
    assert enrolment.daily_family_ids == sorted([family.id, admin.id])
    ck.set_daily_signal(session, enrolment, family, False, now=at(TUESDAY, "07:03"))
    assert (enrolment.daily_family_ids, enrolment.updated_at) == ([admin.id], at(TUESDAY, "07:03"))
    ck.set_call_name(session, enrolment, "王" * 40, now=at(TUESDAY, "07:04"))
    assert enrolment.call_name == "王" * 32


def test_a_word_before_the_greeting_opens_the_day_and_counts_on_time_up_to_the_deadline_itself(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    assert ck.record_checkin(session, elder, now=at(TUESDAY, "07:00"), tz=SH) == ("not_enrolled", None)
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "06:00"), rules=RULES)
    result, day = ck.record_checkin(session, elder, now=at(TUESDAY, "10:30"), tz=SH)
    assert (result, day.status, day.day, day.village_id) == ("new", ck.ON_TIME, TUESDAY, elder.village_id)
    assert (day.deadline_at, day.checked_in_at, day.resolved_by_id, day.next_step_at) == (
        at(TUESDAY, "10:30"), at(TUESDAY, "10:30"), elder.id, None)
    assert ck.record_checkin(session, elder, now=at(TUESDAY, "10:40"), tz=SH)[0] == "already"
    wednesday = TUESDAY + timedelta(days=1)
    assert ck.record_checkin(session, elder, now=at(wednesday, "10:31"), tz=SH)[1].status == ck.LATE
    ck.pause(session, enrolment, 2, now=at(wednesday, "12:00"), tz=SH)
    assert ck.record_checkin(session, elder, now=at(wednesday + timedelta(days=1), "08:00"), tz=SH)[0] == \
        "not_enrolled"


# --- what family and coordinators are told -----------------------------------------------------------

def record_days(session, openid: str, statuses: dict) -> None:
    """Outcomes of past days, as the round and the scan would have left them."""
    elder = person(session, openid)
    for day, status in statuses.items():
        session.add(ck.CheckinDay(elder_id=elder.id, village_id=elder.village_id, day=day, status=status,
                                  deadline_at=at(day, "10:30"), checked_in_at=at(day, "09:05"),
                                  created_at=at(day, "08:30")))
    session.flush()


def elder_of_another_village(session, name: str) -> User:
    """The elder "v2-elder" of a second village, 二村, registered on Tuesday morning."""
    other = Village(code="v2", name="二村", created_at=at(TUESDAY, "07:00"))
    session.add(other)
    session.flush()
    elder = User(openid="v2-elder", name=name, roles=",elder,", village_id=other.id,
                 created_at=at(TUESDAY, "07:00"), updated_at=at(TUESDAY, "07:00"))
    session.add(elder)
    session.flush()
    return elder


def bind(session, family: str, elder: str) -> User:
    member = person(session, family)
    session.add(FamilyLink(elder_id=person(session, elder).id, family_id=member.id, relationship="女儿",
                           created_at=at(TUESDAY, "07:00")))
    session.flush()
    return member


def test_family_who_asked_hear_once_a_day_that_the_elder_is_safe(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    enrolment, _ = ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    away = bind(session, "demo-volunteer-5", "demo-elder-1")
    away.subscribed = False
    quiet = bind(session, "demo-volunteer-4", "demo-elder-1")  # family who did not ask
    for member in (family, away, person(session, "demo-admin")):  # the coordinator is not family
        ck.set_daily_signal(session, enrolment, member, True, now=at(TUESDAY, "07:00"))
    ck.enrol(session, person(session, "demo-elder-2"), family, now=at(TUESDAY, "07:00"), rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert reports.family_daily(session, now=at(TUESDAY, "08:40"), tz=SH) == []  # nobody answered yet
    alarm.elder_checked_in(session, person(session, "demo-elder-1"), now=at(TUESDAY, "08:45"), tz=SH)
    told = reports.family_daily(session, now=at(TUESDAY, "09:00"), tz=SH)
    assert told == [Notice("demo-family-1", "checkin_daily", f"checkin:daily:{elder.id}:2026-12-01:{family.id}",
                           "checkin_daily_ok", {"name": "王秀英", "time": "08:45"}, LOW)]
    assert quiet.id not in {n.openid for n in told}
    assert reports.family_daily(session, now=at(TUESDAY, "09:30"), tz=SH) == []
    assert ck.day_of(session, person(session, "demo-elder-2").id, TUESDAY).family_told is False  # still silent


def test_a_day_someone_else_confirmed_is_reported_as_confirmed(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    enrolment, _ = ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.set_daily_signal(session, enrolment, family, True, now=at(TUESDAY, "07:00"))
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    alarm.confirm_safe(session, elder, family, now=at(TUESDAY, "11:20"), tz=SH)
    [told] = reports.family_daily(session, now=at(TUESDAY, "12:00"), tz=SH)
    assert (told.text_key, told.params) == ("checkin_daily_confirmed", {"name": "王秀英", "time": "11:20"})
    wednesday = TUESDAY + timedelta(days=1)
    assert reports.family_daily(session, now=at(wednesday, "12:00"), tz=SH) == []  # yesterday's is not today's


def test_the_weekly_report_counts_the_seven_days_before_today_for_each_family_member(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    offline = bind(session, "demo-volunteer-5", "demo-elder-1")
    offline.openid = "offline-daughter"
    monday = TUESDAY - timedelta(days=1)
    record_days(session, "demo-elder-1", {monday - timedelta(days=n): status for n, status in enumerate(
        [ck.UNSUBSCRIBED, ck.DAY_PAUSED, ck.INCIDENT, ck.MISSED, ck.CONFIRMED, ck.LATE, ck.ON_TIME, ck.ON_TIME])})
    record_days(session, "demo-elder-1", {TUESDAY: ck.ON_TIME})
    assert reports.week_of(session, elder.id, monday) == Counter(
        {ck.UNSUBSCRIBED: 1, ck.DAY_PAUSED: 1, ck.INCIDENT: 1, ck.MISSED: 1, ck.CONFIRMED: 1, ck.LATE: 1,
         ck.ON_TIME: 1})
    told = reports.weekly(session, now=at(TUESDAY, "09:00"), tz=SH)
    assert told == [Notice("demo-family-1", "checkin_weekly", f"checkin:weekly:{elder.id}:2026-11-30:{family.id}",
                           "checkin_weekly", {"name": "王秀英", "ok": 1, "late": 1, "confirmed": 1, "missed": 2,
                                              "paused": 2, "days": 7}, LOW)]
    ck.close(session, ck.enrolment_of(session, elder), now=at(TUESDAY, "09:30"))
    assert reports.weekly(session, now=at(TUESDAY, "10:00"), tz=SH) == []


def test_a_villages_rate_is_answers_over_days_greeted_this_week(session):
    elder = person(session, "demo-elder-1")
    ck.enrol(session, elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    other = Village(code="v2", name="二村", created_at=at(TUESDAY, "07:00"))
    session.add(other)
    session.flush()
    record_days(session, "demo-elder-1", {TUESDAY - timedelta(days=7): ck.ON_TIME,  # a week ago: not this week
                                          TUESDAY - timedelta(days=6): ck.LATE, TUESDAY - timedelta(days=5): ck.ON_TIME,
                                          TUESDAY - timedelta(days=4): ck.MISSED,
                                          TUESDAY - timedelta(days=3): ck.DAY_PAUSED, TUESDAY: ck.ON_TIME})
    ours, theirs = reports.village_rates(session, None, now=at(TUESDAY, "12:00"), tz=SH)
    assert (ours.village, ours.enrolled, ours.week_rate) == ("示范村", 1, 75)  # 3 answered of 4 greeted
    assert ours.today == Counter({ck.ON_TIME: 1}) and ours.week[ck.DAY_PAUSED] == 1
    assert (theirs.village, theirs.enrolled, theirs.week_rate) == ("二村", 0, None)
    assert [r.village for r in reports.village_rates(session, [other.id], now=at(TUESDAY, "12:00"), tz=SH)] == ["二村"]


def test_the_demo_enrols_its_elder_living_alone_once(session):
    elder, admin = person(session, "demo-elder-3"), person(session, "demo-admin")
    seeded = ck.enrolment_of(session, elder)  # the fixture closed it
    assert (seeded.enrolled_by_id, seeded.call_name, seeded.prompt_minute) == (admin.id, "赵奶奶", 510)
    reports.seed_checkin(session, session.get(Village, elder.village_id), now=at(TUESDAY, "08:00"))
    assert ck.enrolment_of(session, elder).status == ck.CLOSED


# --- a silent morning's alarm: who is told, who may close it, an incident --------------------------------

def silent_until(session, hhmm: str, elder: str = "demo-elder-1") -> ck.CheckinDay:
    """Enrol the elder, greet at 08:30, and scan every half hour up to `hhmm` without an answer."""
    ck.enrol(session, person(session, elder), person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    for step in ("10:30", "11:00", "11:30"):
        if step <= hhmm:
            ckr.advance_silent_days(session, now=at(TUESDAY, step), rules=RULES, drules=DRULES, task_details="看看")
    return ck.day_of(session, person(session, elder).id, TUESDAY)


def test_the_coordinators_get_the_elders_contact_and_what_was_done_and_the_access_is_recorded(session):
    silent_until(session, "11:00")
    day = ck.day_of(session, person(session, "demo-elder-1").id, TUESDAY)
    told = alarm.tell_coordinators_of(session, [day], now=at(TUESDAY, "11:30"))
    elder, admin = person(session, "demo-elder-1"), person(session, "demo-admin")
    assert told == [Notice("demo-admin", "checkin_escalated", f"checkin:coordinator:{day.id}:{admin.id}",
                           "checkin_coordinator_alert",
                           {"name": "王秀英", "number": elder.id, "deadline": "10:30", "phone": "13800000001",
                            "address": "示范村东头12号", "task": day.request_id, "family": 1}, URGENT)]
    [entry] = session.exec(select(AccessEntry)).all()
    assert (entry.subject_id, entry.viewer_id, entry.viewer_role, entry.what, entry.reason, entry.ref) == (
        elder.id, admin.id, "admin", access.CONTACT, access.CHECKIN_ALARM, "2026-12-01")


def test_who_was_asked_is_told_when_family_confirm_the_elder_is_well(session):
    day = silent_until(session, "11:30")
    elder, family, admin = (person(session, o) for o in ("demo-elder-1", "demo-family-1", "demo-admin"))
    [offered] = dispatch.already_asked(session, day.request_id)
    helper = session.get(User, offered)
    assert {p.openid for p in alarm.told_so_far(session, day)} == {"demo-family-1", "demo-admin"}
    assert alarm.may_answer_for(session, helper, elder, day)  # offered the visit
    stranger = next(u for u in session.exec(select(User).where(col(User.openid).like("demo-volunteer-%")))
                    if u.id != offered)
    assert alarm.confirm_safe(session, elder, stranger, now=at(TUESDAY, "11:40"), tz=SH).result == "not_allowed"
    settled = alarm.confirm_safe(session, elder, family, now=at(TUESDAY, "11:45"), tz=SH)
    assert (settled.result, settled.day.status, settled.day.resolved_by_id, settled.day.next_step_at) == (
        "confirmed", ck.CONFIRMED, family.id, None)
    clear = [n for n in settled.notices if n.kind == "checkin_all_clear"]
    assert clear == [Notice("demo-admin", "checkin_all_clear", f"checkin:clear:{day.id}:{admin.id}",
                            "checkin_clear_by_other", {"name": "王秀英", "by": "王建国"})]
    assert helper.openid in {n.openid for n in settled.notices if n.kind != "checkin_all_clear"}  # offer withdrawn
    assert session.get(HelpRequest, day.request_id).status == CANCELLED
    assert alarm.confirm_safe(session, elder, family, now=at(TUESDAY, "11:50"), tz=SH).result == "already"
    assert alarm.confirm_safe(session, person(session, "demo-elder-2"), family, now=at(TUESDAY, "11:50"),
                              tz=SH).result == "not_enrolled"


def test_the_elders_own_word_after_the_alarm_calls_it_off_for_the_family_with_the_time(session):
    day = silent_until(session, "11:00")
    elder = person(session, "demo-elder-1")
    settled = alarm.elder_checked_in(session, elder, now=at(TUESDAY, "11:10"), tz=SH)
    assert (settled.result, settled.day.status) == ("new", ck.LATE)
    clear = [n for n in settled.notices if n.kind == "checkin_all_clear"]
    assert [(n.openid, n.text_key, n.params) for n in clear] == [
        ("demo-family-1", "checkin_clear_by_elder", {"name": "王秀英", "time": "11:10"})]
    assert session.get(HelpRequest, day.request_id).status == CANCELLED
    reminded = silent_until(session, "10:30", elder="demo-elder-2")
    late = alarm.elder_checked_in(session, person(session, "demo-elder-2"), now=at(TUESDAY, "10:45"), tz=SH)
    assert (late.result, late.notices, reminded.request_id) == ("new", [], None)  # nobody was asked yet


def test_open_alarms_are_todays_reminded_days_a_person_may_close(session):
    silent_until(session, "11:00")
    ck.enrol(session, person(session, "demo-elder-2"), person(session, "demo-admin"), now=at(TUESDAY, "07:00"),
             rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:40"), tz=SH, rules=RULES)  # elder-2 greeted, not yet reminded
    elder = person(session, "demo-elder-1")
    day = ck.day_of(session, elder.id, TUESDAY)
    [offered] = dispatch.already_asked(session, day.request_id)

    def alarms(openid, moment="11:05"):
        return [e.openid for _, e in alarm.open_alarms(session, person(session, openid), now=at(TUESDAY, moment),
                                                           tz=SH)]

    assert alarms("demo-family-1") == alarms("demo-admin") == ["demo-elder-1"]  # elder-2 not yet reminded
    assert alarms(session.get(User, offered).openid) == ["demo-elder-1"]
    bystander = next(u for u in session.exec(select(User).where(col(User.openid).like("demo-volunteer-%")))
                     if u.id != offered)
    assert alarms(bystander.openid) == []
    wednesday = [e.openid for _, e in alarm.open_alarms(session, person(session, "demo-admin"),
                                                            now=at(TUESDAY + timedelta(days=1), "09:00"), tz=SH)]
    assert wednesday == []


def test_an_incident_reported_by_family_opens_an_emergency_and_alerts_everyone_else(session):
    day = silent_until(session, "11:00")
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    stranger = person(session, "demo-volunteer-5")
    refused = alarm.report_incident(session, elder, stranger, "摔倒了", now=at(TUESDAY, "11:10"), tz=SH, key="k0",
                                    drules=DRULES, window=timedelta(hours=2))
    assert (refused.result, refused.request, refused.day.id) == ("not_allowed", None, day.id)
    bind(session, "demo-volunteer-5", "demo-elder-1").subscribed = False  # unfollowed: not alerted
    text = "妈妈在院子里摔倒了，" * 30
    settled = alarm.report_incident(session, elder, family, text, now=at(TUESDAY, "11:10"), tz=SH, key="k1",
                                    drules=DRULES, window=timedelta(hours=2))
    request = settled.request
    assert (request.category, request.urgency, request.details, request.elder_id, request.requested_by_id) == (
        "emergency", "emergency", text[:200], elder.id, family.id)
    assert request.window_end - request.window_start == timedelta(hours=2)
    alerts = [n for n in settled.notices if n.kind == "emergency_alert"]
    assert alerts == [Notice("demo-admin", "emergency_alert", "alarm:k1:demo-admin", "checkin_incident_alert",
                             {"name": "王秀英", "by": "王建国", "text": text[:60], "number": request.id,
                              "phone": "13800000001"}, URGENT)]
    assert (settled.day.status, settled.day.resolved_by_id, settled.day.incident_request_id,
            settled.day.next_step_at) == (ck.INCIDENT, family.id, request.id, None)
    assert session.get(HelpRequest, day.request_id).status == CANCELLED  # the morning's visit task


def test_the_elders_own_emergency_marks_the_day_an_incident_keeping_an_earlier_answer(session):
    elder = person(session, "demo-elder-2")
    assert alarm.elder_emergency(session, elder, now=at(TUESDAY, "09:00"), tz=SH) == []
    assert ck.day_of(session, elder.id, TUESDAY) is None  # not enrolled: no record
    ck.enrol(session, elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    alarm.elder_checked_in(session, elder, now=at(TUESDAY, "08:40"), tz=SH)
    alarm.elder_emergency(session, elder, now=at(TUESDAY, "09:00"), tz=SH)
    day = ck.day_of(session, elder.id, TUESDAY)
    assert (day.status, day.resolved_by_id, day.checked_in_at) == (ck.INCIDENT, elder.id, at(TUESDAY, "08:40"))
    other = person(session, "demo-elder-1")
    ck.enrol(session, other, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    alarm.elder_emergency(session, other, now=at(TUESDAY, "09:05"), tz=SH)
    assert ck.day_of(session, other.id, TUESDAY).checked_in_at == at(TUESDAY, "09:05")


# --- the morning round: greetings, paused and unfollowed elders, yesterday's silence -------------------

def test_the_greeting_calls_the_elder_by_the_chosen_name_once_a_day(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.set_call_name(session, enrolment, "李爷爷", now=at(TUESDAY, "07:00"))
    ck.enrol(session, person(session, "demo-elder-1"), admin, now=at(TUESDAY, "07:00"), rules=RULES)
    first = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES).prompts
    assert sorted((n.openid, n.kind, n.key, n.text_key, n.params["name"], n.priority) for n in first) == [
        ("demo-elder-1", "checkin_prompt", f"checkin:first:{person(session, 'demo-elder-1').id}:2026-12-01",
         "checkin_prompt", "王秀英", NORMAL),
        ("demo-elder-2", "checkin_prompt", f"checkin:first:{elder.id}:2026-12-01", "checkin_prompt", "李爷爷", NORMAL)]
    day = ck.day_of(session, elder.id, TUESDAY)
    assert (day.status, day.stage, day.prompted_at, day.deadline_at, day.next_step_at, day.village_id) == (
        ck.PENDING, ck.PROMPTED, at(TUESDAY, "08:30"), at(TUESDAY, "10:30"), at(TUESDAY, "10:30"), elder.village_id)
    second = ckr.advance_silent_days(session, now=at(TUESDAY, "10:30"), rules=RULES, drules=DRULES, task_details="")
    assert sorted((n.openid, n.kind, n.key, n.text_key, n.params["name"]) for n in second) == sorted([
        ("demo-elder-1", "checkin_prompt", f"checkin:second:{person(session, 'demo-elder-1').id}:2026-12-01",
         "checkin_second_prompt", "王秀英"),
        ("demo-elder-2", "checkin_prompt", f"checkin:second:{elder.id}:2026-12-01", "checkin_second_prompt",
         "李爷爷")])  # the kind picks the greeting's template when the chat window is closed


def test_a_paused_elder_is_not_greeted_and_is_greeted_again_from_the_day_the_pause_ends(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.pause(session, enrolment, 1, now=at(TUESDAY, "07:00"), tz=SH)
    paused = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert (paused.prompts, paused.paused, paused.resumed) == ([], 1, 0)
    day = ck.day_of(session, elder.id, TUESDAY)
    assert (day.status, day.prompted_at, day.next_step_at) == (ck.DAY_PAUSED, None, None)
    wednesday = ckr.plan_round(session, now=at(TUESDAY + timedelta(days=1), "08:30"), tz=SH, rules=RULES)
    assert (len(wednesday.prompts), wednesday.paused, wednesday.resumed) == (1, 0, 1)
    resumed = ck.enrolment_of(session, elder)
    assert (resumed.status, resumed.paused_until) == (ck.ACTIVE, None)  # the app shows no "paused until" any more


def test_yesterdays_unanswered_day_is_recorded_missed_when_the_next_round_runs(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert ckr.plan_round(session, now=at(TUESDAY, "23:59"), tz=SH, rules=RULES).missed == 0  # still today
    wednesday = ckr.plan_round(session, now=at(TUESDAY + timedelta(days=1), "06:00"), tz=SH, rules=RULES)
    day = ck.day_of(session, elder.id, TUESDAY)
    assert (wednesday.missed, day.status, day.next_step_at) == (1, ck.MISSED, None)


def test_coordinators_hear_once_that_an_enrolled_elder_stopped_following_the_account(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.enrol(session, person(session, "demo-elder-1"), admin, now=at(TUESDAY, "07:00"), rules=RULES)
    person(session, "demo-elder-1").openid = "offline-elder-1"  # registered by family, without WeChat
    elder.subscribed = False
    session.flush()
    tuesday = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert (tuesday.prompts, tuesday.unsubscribed) == ([], 2)
    assert sorted((n.openid, n.key, n.text_key, n.params["name"]) for n in tuesday.notices) == sorted([
        ("demo-admin", f"checkin:unsub:{elder.id}:2026-12-01:{admin.id}", "checkin_unsubscribed", "李德福"),
        ("demo-admin", f"checkin:unsub:{person(session, 'offline-elder-1').id}:2026-12-01:{admin.id}",
         "checkin_unsubscribed", "王秀英")])
    assert ck.day_of(session, elder.id, TUESDAY).status == ck.UNSUBSCRIBED
    wednesday = ckr.plan_round(session, now=at(TUESDAY + timedelta(days=1), "08:30"), tz=SH, rules=RULES)
    assert (wednesday.unsubscribed, wednesday.notices) == (2, [])  # the same streak


def test_family_are_asked_urgently_with_the_deadline_and_a_visit_task_is_opened_for_the_task_hours(session):
    silent_until(session, "10:30")
    bind(session, "demo-volunteer-5", "demo-elder-1").subscribed = False  # unfollowed: cannot be reached
    elder, family = person(session, "demo-elder-1").id, person(session, "demo-family-1").id
    notices = ckr.advance_silent_days(session, now=at(TUESDAY, "11:00"), rules=RULES, drules=DRULES,
                                      task_details="请去看看")  # the scan empties the session
    day = ck.day_of(session, elder, TUESDAY)
    assert [n for n in notices if n.kind == "checkin_alert"] == [
        Notice("demo-family-1", "checkin_alert", f"checkin:family:{day.id}:{family}", "checkin_family_alert",
               {"name": "王秀英", "number": elder, "deadline": "10:30"}, URGENT)]
    task = session.get(HelpRequest, day.request_id)
    assert (task.category, task.urgency, task.details, task.elder_id) == ("daily_care", "urgent", "请去看看", elder)
    assert (task.window_start, task.window_end, task.escalated_at) == (
        at(TUESDAY, "11:00"), at(TUESDAY, "15:00"), at(TUESDAY, "11:00"))  # the chain tells coordinators itself


def test_the_volunteer_who_took_the_visit_hears_the_all_clear_and_the_elders_emergency_withdraws_an_open_task(
        session):
    day = silent_until(session, "11:00")
    [offered] = dispatch.already_asked(session, day.request_id)
    helper = session.get(User, offered)
    assert visits.claim(session, day.request_id, helper, now=at(TUESDAY, "11:05"), rules=DRULES).result == "won"
    day = ck.day_of(session, person(session, "demo-elder-1").id, TUESDAY)
    assert {p.openid for p in alarm.told_so_far(session, day)} == {"demo-family-1", helper.openid}
    settled = alarm.confirm_safe(session, person(session, "demo-elder-1"), person(session, "demo-family-1"),
                                 now=at(TUESDAY, "11:20"), tz=SH)
    assert [n.openid for n in settled.notices if n.kind == "checkin_all_clear"] == [helper.openid]
    other = silent_until(session, "11:00", elder="demo-elder-2")
    withdrawn = alarm.elder_emergency(session, person(session, "demo-elder-2"), now=at(TUESDAY, "11:10"), tz=SH)
    assert session.get(HelpRequest, other.request_id).status == CANCELLED
    assert withdrawn and all(n.kind != "checkin_all_clear" for n in withdrawn)


def test_open_alarms_follow_the_village_clock_the_open_status_and_the_elders_order(session):
    silent_until(session, "10:30")
    silent_until(session, "10:30", elder="demo-elder-2")
    admin = person(session, "demo-admin")
    session.add(FamilyLink(elder_id=person(session, "demo-elder-2").id, family_id=admin.id, relationship="侄子",
                           created_at=at(TUESDAY, "07:00")))
    county = User(openid="county", name="县管理员", roles=",county_admin,", created_at=at(TUESDAY, "07:00"),
                  updated_at=at(TUESDAY, "07:00"))
    session.add(county)
    session.flush()

    def alarms(user, day, hhmm):
        return [e.openid for _, e in alarm.open_alarms(session, user, now=at(day, hhmm), tz=SH)]

    assert alarms(admin, TUESDAY, "10:45") == ["demo-elder-1", "demo-elder-2"]  # reminded, by elder
    assert alarms(county, TUESDAY, "10:45") == ["demo-elder-1", "demo-elder-2"]
    assert alarms(person(session, "demo-family-1"), TUESDAY, "10:45") == ["demo-elder-1"]
    assert alarms(admin, TUESDAY + timedelta(days=1), "07:30") == []  # still Tuesday in UTC, not in the village
    alarm.confirm_safe(session, person(session, "demo-elder-1"), person(session, "demo-family-1"),
                       now=at(TUESDAY, "10:50"), tz=SH)
    assert alarms(county, TUESDAY, "10:55") == ["demo-elder-2"]


def test_a_refused_or_repeated_answer_still_names_the_day(session):
    day = silent_until(session, "11:00")
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    stranger = person(session, "demo-volunteer-5")
    assert alarm.confirm_safe(session, elder, stranger, now=at(TUESDAY, "11:05"), tz=SH).day.id == day.id
    alarm.confirm_safe(session, elder, family, now=at(TUESDAY, "11:06"), tz=SH)
    assert alarm.confirm_safe(session, elder, family, now=at(TUESDAY, "11:07"), tz=SH).day.id == day.id
    late = alarm.elder_checked_in(session, elder, now=at(TUESDAY, "11:08"), tz=SH)
    assert (late.result, late.day.id, late.notices) == ("already", day.id, [])  # the all-clear went out once


def test_before_volunteers_are_asked_only_family_and_coordinators_may_answer_and_the_volunteer_asked_then_may(session):
    silent_until(session, "10:30")
    elder, stranger = person(session, "demo-elder-1"), person(session, "demo-volunteer-5")
    assert alarm.confirm_safe(session, elder, stranger, now=at(TUESDAY, "10:45"), tz=SH).result == "not_allowed"
    day = silent_until(session, "11:00")
    [offered] = dispatch.already_asked(session, day.request_id)
    settled = alarm.confirm_safe(session, person(session, "demo-elder-1"), session.get(User, offered),
                                 now=at(TUESDAY, "11:10"), tz=SH)
    assert (settled.result, settled.day.resolved_by_id) == ("confirmed", offered)


def test_a_scan_that_runs_late_sends_every_step_that_came_due(session):
    silent_until(session, "08:30")
    notices = ckr.advance_silent_days(session, now=at(TUESDAY, "11:30"), rules=RULES, drules=DRULES, task_details="")
    assert {"checkin_second_prompt", "checkin_family_alert", "help_offer", "checkin_coordinator_alert"} <= {
        n.text_key for n in notices}


def test_family_hear_the_elder_is_safe_also_when_the_elder_spoke_before_the_greeting(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    enrolment, _ = ck.enrol(session, elder, family, now=at(TUESDAY, "06:00"), rules=RULES)
    ck.set_daily_signal(session, enrolment, family, True, now=at(TUESDAY, "06:00"))
    alarm.elder_checked_in(session, elder, now=at(TUESDAY, "07:10"), tz=SH)
    assert [(n.openid, n.params["time"]) for n in reports.family_daily(session, now=at(TUESDAY, "09:00"), tz=SH)] == [
        ("demo-family-1", "07:10")]


# --- the village's clock early in the morning, when UTC is still on the day before -----------------------

def utc(day, hhmm: str) -> datetime:
    """The same moment as `at`, handed over in UTC as the jobs and the webhook do."""
    return at(day, hhmm).astimezone(UTC)


WEDNESDAY = TUESDAY + timedelta(days=1)


def test_pausing_and_resuming_before_dawn_touch_the_villages_today_not_utcs(session):
    elder, admin = person(session, "demo-elder-2"), person(session, "demo-admin")
    enrolment, _ = ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    # 07:30 on Wednesday in the village is 23:30 on Tuesday in UTC: Tuesday's open day is not today's.
    assert ck.stop_today(session, elder.id, now=utc(WEDNESDAY, "07:30"), tz=SH) is None
    assert ck.day_of(session, elder.id, TUESDAY).status == ck.PENDING
    assert ck.stop_today(session, elder.id, now=utc(TUESDAY, "09:00"), tz=SH).status == ck.DAY_PAUSED
    ck.resume(session, enrolment, now=utc(WEDNESDAY, "07:30"), tz=SH)
    assert ck.day_of(session, elder.id, TUESDAY).status == ck.DAY_PAUSED  # yesterday's record stays


def test_a_villages_figures_before_dawn_are_todays_by_its_clock_and_kept_apart_per_village(session):
    elder = person(session, "demo-elder-1")
    ck.enrol(session, elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    theirs_elder = elder_of_another_village(session, "孙大爷")
    ck.enrol(session, theirs_elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    record_days(session, "demo-elder-1", {WEDNESDAY: ck.ON_TIME, WEDNESDAY - timedelta(days=6): ck.MISSED,
                                          WEDNESDAY - timedelta(days=7): ck.MISSED})
    record_days(session, "v2-elder", {WEDNESDAY: ck.ON_TIME, TUESDAY: ck.LATE})
    ours, theirs = reports.village_rates(session, None, now=utc(WEDNESDAY, "07:30"), tz=SH)
    assert (ours.today, ours.week, ours.week_rate) == (
        Counter({ck.ON_TIME: 1}), Counter({ck.ON_TIME: 1, ck.MISSED: 1}), 50)  # six days ago counts, seven not
    assert (theirs.enrolled, theirs.today, theirs.week, theirs.week_rate) == (
        1, Counter({ck.ON_TIME: 1}), Counter({ck.ON_TIME: 1, ck.LATE: 1}), 100)


def test_an_incident_dispatches_volunteers_once_and_a_repeat_of_the_same_message_alerts_no_one_again(session):
    silent_until(session, "10:30")
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    first = alarm.report_incident(session, elder, family, "摔倒了", now=utc(TUESDAY, "10:40"), tz=SH, key="k1",
                                  drules=DRULES, window=timedelta(hours=2))
    offers = [n for n in first.notices if n.kind == "task_offer"]
    assert first.result == "incident" and offers  # volunteers are asked along with the alerts
    assert {n.params["number"] for n in offers} == {first.request.id}
    assert any(n.kind == "emergency_alert" for n in first.notices)
    again = alarm.report_incident(session, elder, family, "摔倒了", now=utc(TUESDAY, "10:41"), tz=SH, key="k1",
                                  drules=DRULES, window=timedelta(hours=2))
    assert again.request.id == first.request.id
    assert [n for n in again.notices if n.kind == "task_offer"] == []


def test_an_incident_before_dawn_is_recorded_on_the_villages_today(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    ck.enrol(session, elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    settled = alarm.report_incident(session, elder, family, "摔倒了", now=utc(WEDNESDAY, "06:00"), tz=SH, key="k2",
                                    drules=DRULES, window=timedelta(hours=2))
    assert settled.day.day == WEDNESDAY and settled.day.status == ck.INCIDENT
    assert ck.day_of(session, elder.id, TUESDAY) is None


def test_coordinators_hear_of_an_unfollowing_elder_unless_that_same_elder_was_unfollowed_yesterday(session):
    admin = person(session, "demo-admin")
    first, second = person(session, "demo-elder-1"), person(session, "demo-elder-2")
    for elder in (first, second):
        ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    record_days(session, "demo-elder-1", {TUESDAY: ck.UNSUBSCRIBED})  # first's streak started yesterday
    record_days(session, "demo-elder-2", {TUESDAY - timedelta(days=1): ck.UNSUBSCRIBED, TUESDAY: ck.ON_TIME})
    first.subscribed = second.subscribed = False
    session.flush()
    wednesday = ckr.plan_round(session, now=at(WEDNESDAY, "08:30"), tz=SH, rules=RULES)
    assert wednesday.unsubscribed == 2
    assert [(n.openid, n.kind, n.params) for n in wednesday.notices] == [
        ("demo-admin", "checkin_unsubscribed", {"name": "李德福", "number": second.id})]


def test_before_dawn_the_daily_line_and_the_weekly_report_go_by_the_villages_day(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    enrolment, _ = ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.set_daily_signal(session, enrolment, family, True, now=at(TUESDAY, "07:00"))
    record_days(session, "demo-elder-1", {TUESDAY: ck.ON_TIME, TUESDAY - timedelta(days=7): ck.MISSED})
    alarm.elder_checked_in(session, elder, now=utc(WEDNESDAY, "07:10"), tz=SH)  # a word before the greeting
    [told] = reports.family_daily(session, now=utc(WEDNESDAY, "07:30"), tz=SH)
    assert told.key == f"checkin:daily:{elder.id}:{WEDNESDAY}:{family.id}" and told.params["time"] == "07:10"
    [weekly] = reports.weekly(session, now=utc(WEDNESDAY, "07:30"), tz=SH)  # Thursday to Tuesday
    assert (weekly.key, weekly.params["ok"], weekly.params["missed"]) == (
        f"checkin:weekly:{elder.id}:{TUESDAY}:{family.id}", 1, 0)


def test_the_coordinators_alert_says_plainly_when_there_is_no_address_and_no_visit_task(session):
    elder = person(session, "demo-elder-2")
    elder.profile = {}
    ck.enrol(session, elder, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    day = ck.day_of(session, elder.id, TUESDAY)
    [told] = alarm.tell_coordinators_of(session, [day], now=at(TUESDAY, "11:30"))
    assert (told.params["address"], told.params["task"], told.params["family"]) == ("", "", 0)


def test_the_round_counts_who_was_greeted_paused_or_unfollowed_and_each_greeting_is_for_today(session):
    admin = person(session, "demo-admin")
    greeted, paused, gone = (person(session, f"demo-elder-{n}") for n in (1, 2, 3))
    for elder in (greeted, paused, gone):
        ck.enrol(session, elder, admin, now=at(TUESDAY, "07:00"), rules=RULES)
    ck.pause(session, ck.enrolment_of(session, paused), 3, now=at(TUESDAY, "07:10"), tz=SH)
    gone.subscribed = False
    session.flush()
    done = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert (len(done.prompts), done.paused, done.unsubscribed) == (1, 1, 1)
    [prompt] = done.prompts
    assert (prompt.openid, prompt.key) == ("demo-elder-1", f"checkin:first:{greeted.id}:2026-12-01")
    day = ck.day_of(session, greeted.id, TUESDAY)
    assert (day.status, day.stage, day.prompted_at, day.deadline_at, day.next_step_at, day.family_told) == (
        ck.PENDING, ck.PROMPTED, at(TUESDAY, "08:30"), at(TUESDAY, "10:30"), at(TUESDAY, "10:30"), False)
    paused_day = ck.day_of(session, paused.id, TUESDAY)
    assert (paused_day.status, paused_day.prompted_at, paused_day.next_step_at) == (ck.DAY_PAUSED, None, None)
    again = ckr.plan_round(session, now=at(TUESDAY, "08:45"), tz=SH, rules=RULES)
    assert (again.prompts, again.paused, again.unsubscribed) == ([], 0, 0)  # each elder's day is made once


# --- the sixth session's mutation pass: what its survivors asked for -------------------------------------

def test_a_villages_figures_count_every_elder_of_a_day_by_outcome_and_no_day_after_today(session):
    for openid in ("demo-elder-1", "demo-elder-2", "demo-elder-3"):
        ck.enrol(session, person(session, openid), person(session, "demo-admin"), now=at(TUESDAY, "07:00"),
                 rules=RULES)
    record_days(session, "demo-elder-1", {TUESDAY: ck.ON_TIME, WEDNESDAY: ck.MISSED})  # Wednesday: not yet
    record_days(session, "demo-elder-2", {TUESDAY: ck.LATE})
    record_days(session, "demo-elder-3", {TUESDAY: ck.ON_TIME})
    [ours] = reports.village_rates(session, [person(session, "demo-elder-1").village_id], now=at(TUESDAY, "12:00"),
                                   tz=SH)
    assert (ours.enrolled, ours.today, ours.week, ours.week_rate) == (
        3, Counter({ck.ON_TIME: 2, ck.LATE: 1}), Counter({ck.ON_TIME: 2, ck.LATE: 1}), 100)


def test_a_family_member_of_two_elders_gets_their_weekly_reports_in_the_elders_order(session):
    first, second = person(session, "demo-elder-1"), person(session, "demo-elder-2")
    ck.enrol(session, second, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)  # enrolled first
    ck.enrol(session, first, person(session, "demo-admin"), now=at(TUESDAY, "07:00"), rules=RULES)
    bind(session, "demo-family-1", "demo-elder-2")  # already demo-elder-1's son
    record_days(session, "demo-elder-1", {TUESDAY - timedelta(days=1): ck.ON_TIME})
    record_days(session, "demo-elder-2", {TUESDAY - timedelta(days=n): ck.MISSED for n in (1, 2)})
    told = reports.weekly(session, now=at(TUESDAY, "09:00"), tz=SH)
    assert [(n.openid, n.params["name"], n.params["ok"], n.params["missed"], n.params["days"]) for n in told] == [
        ("demo-family-1", first.name, 1, 0, 1), ("demo-family-1", second.name, 0, 2, 2)]  # each their own days


def test_a_coordinator_sees_the_open_alarm_of_a_relative_in_another_village_beside_their_own_villages(session):
    admin = person(session, "demo-admin")
    aunt = elder_of_another_village(session, "孙大娘")
    bind(session, "demo-admin", "v2-elder")  # the coordinator is her nephew
    silent_until(session, "10:30", elder="v2-elder")
    silent_until(session, "10:30")
    found = alarm.open_alarms(session, person(session, "demo-admin"), now=at(TUESDAY, "10:45"), tz=SH)
    assert sorted(e.openid for _, e in found) == ["demo-elder-1", "v2-elder"]
    assert admin.village_id != aunt.village_id


def test_the_volunteer_asked_to_visit_may_report_an_incident(session):
    day = silent_until(session, "11:00")
    [offered] = dispatch.already_asked(session, day.request_id)
    settled = alarm.report_incident(session, person(session, "demo-elder-1"), session.get(User, offered), "摔倒了",
                                    now=at(TUESDAY, "11:10"), tz=SH, key="k3", drules=DRULES,
                                    window=timedelta(hours=2))
    assert (settled.result, settled.day.id, settled.day.resolved_by_id) == ("incident", day.id, offered)


def test_an_incident_about_an_elder_not_enrolled_opens_the_emergency_and_records_no_day(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    settled = alarm.report_incident(session, elder, family, "摔倒了", now=at(TUESDAY, "11:10"), tz=SH, key="k4",
                                    drules=DRULES, window=timedelta(hours=2))
    assert (settled.result, settled.day, settled.request.category) == ("incident", None, "emergency")
    assert ck.day_of(session, elder.id, TUESDAY) is None


def test_two_elders_silent_the_same_morning_each_get_their_alerts_and_visit_once(session):
    elders = [silent_until(session, "10:30", elder=o).elder_id for o in ("demo-elder-1", "demo-elder-2")]
    family, admin = person(session, "demo-family-1").id, person(session, "demo-admin").id
    asked = ckr.advance_silent_days(session, now=at(TUESDAY, "11:00"), rules=RULES, drules=DRULES, task_details="看看")
    first, second = (ck.day_of(session, elder_id, TUESDAY) for elder_id in elders)
    assert [n.key for n in asked if n.kind == "checkin_alert"] == [f"checkin:family:{first.id}:{family}"]
    offers = [n.params["number"] for n in asked if n.text_key == "help_offer"]
    assert sorted(offers) == sorted([first.request_id, second.request_id]) and len(asked) == 3
    days = first.id, second.id
    told = ckr.advance_silent_days(session, now=at(TUESDAY, "11:30"), rules=RULES, drules=DRULES, task_details="看看")
    assert sorted(n.key for n in told) == sorted(f"checkin:coordinator:{day}:{admin}" for day in days)


def test_family_may_confirm_before_the_greeting_and_before_dawn_it_is_the_villages_today(session):
    elder, family = person(session, "demo-elder-1"), person(session, "demo-family-1")
    ck.enrol(session, elder, family, now=at(TUESDAY, "07:00"), rules=RULES)
    settled = alarm.confirm_safe(session, elder, family, now=utc(WEDNESDAY, "07:30"), tz=SH)
    assert (settled.result, settled.day.day, settled.day.status) == ("confirmed", WEDNESDAY, ck.CONFIRMED)
    assert ck.day_of(session, elder.id, TUESDAY) is None
    assert ckr.plan_round(session, now=at(WEDNESDAY, "08:30"), tz=SH, rules=RULES).prompts == []  # nothing to ask


def test_each_elder_gets_the_second_greeting_at_their_own_deadline(session):
    admin = person(session, "demo-admin")
    ck.enrol(session, person(session, "demo-elder-1"), admin, now=at(TUESDAY, "07:00"), rules=RULES)
    later = person(session, "demo-elder-2")
    ck.enrol(session, later, admin, now=at(TUESDAY, "07:00"), rules=RULES, prompt_minute=9 * 60 + 30)  # until 11:30
    ckr.plan_round(session, now=at(TUESDAY, "09:30"), tz=SH, rules=RULES)
    later_id = later.id

    def scan(hhmm):
        notices = ckr.advance_silent_days(session, now=at(TUESDAY, hhmm), rules=RULES, drules=DRULES, task_details="")
        return sorted((n.openid, n.text_key) for n in notices if n.openid.startswith("demo-elder"))

    assert scan("10:30") == [("demo-elder-1", "checkin_second_prompt")]
    day = ck.day_of(session, later_id, TUESDAY)
    assert (day.stage, day.next_step_at) == (ck.PROMPTED, at(TUESDAY, "11:30"))  # not yet late
    ckr.advance_silent_days(session, now=at(TUESDAY, "11:00"), rules=RULES, drules=DRULES, task_details="")
    day = ck.day_of(session, later_id, TUESDAY)
    assert (day.stage, day.request_id) == (ck.PROMPTED, None)  # nobody asked to visit before her deadline
    assert scan("11:30") == [("demo-elder-2", "checkin_second_prompt")]


def test_the_round_counts_every_paused_elder_and_tells_coordinators_of_no_one_who_still_follows(session):
    admin = person(session, "demo-admin")
    for openid in ("demo-elder-1", "demo-elder-2", "demo-elder-3"):
        enrolment, _ = ck.enrol(session, person(session, openid), admin, now=at(TUESDAY, "07:00"), rules=RULES)
        if openid != "demo-elder-1":
            ck.pause(session, enrolment, 3, now=at(TUESDAY, "07:10"), tz=SH)
    done = ckr.plan_round(session, now=at(TUESDAY, "08:30"), tz=SH, rules=RULES)
    assert (len(done.prompts), done.paused, done.unsubscribed, done.notices) == (1, 2, 0, [])
