"""Help requests in models/: ranking, rounds, escalation, the claim race, closing and crediting."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import Timeouts, make_engine, session_scope
from models.base import as_utc
from models.core.notify import Notice
from models.core.outbox import NORMAL, URGENT
from models.help import dispatch, visits
from models.help import requests as hr
from models.people.users import User, Village
from models.people.volunteers import APPROVED, SLOTS, upsert_volunteer
from models.seed import seed_demo
from models.timebank import ledger as timebank
from tests.conftest import PG_URL

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
RULES = dispatch.DispatchRules()
CREDIT = visits.CreditRules(bounds={"companionship": (30, 180)}, default=(30, 240))


def candidate(uid, village=1, skills=("errand",), quals=(), slots=SLOTS, partner=False, tasks=0, asked=None,
              rating=None):
    return dispatch.Candidate(uid, village, frozenset(skills), frozenset(quals), frozenset(slots), partner, tasks,
                              asked, rating)


def request(category="errand", village=1, urgency="normal", start=NOW + timedelta(hours=1)):
    return hr.HelpRequest(id=1, source_key="k", elder_id=999, requested_by_id=999, village_id=village,
                          category=category, urgency=urgency, window_start=start, window_end=start + timedelta(hours=3),
                          created_at=NOW, updated_at=NOW)


def ids(ranked):
    return [c.user_id for c in ranked]


def test_same_village_comes_first_then_fewest_tasks_then_longest_unasked_then_rating():
    ranked = dispatch.rank([
        candidate(1, village=2), candidate(2, tasks=2), candidate(3, asked=NOW - timedelta(hours=1)),
        candidate(4, asked=NOW - timedelta(days=1)), candidate(5, rating=4.9), candidate(6, rating=3.0),
    ], request(), RULES)
    assert ids(ranked) == [5, 6, 4, 3, 2, 1]


def test_fair_rotation_moves_whoever_was_asked_last_to_the_back():
    pool = [candidate(i) for i in (1, 2, 3, 4)]
    first = ids(dispatch.rank(pool, request(), RULES))[:2]
    pool = [candidate(c.user_id, asked=NOW if c.user_id in first else None) for c in pool]
    second = ids(dispatch.rank(pool, request(), RULES))[:2]
    assert not set(first) & set(second)


def test_the_skill_without_the_qualification_is_not_enough_for_a_gated_category():
    nurse_in_training = candidate(1, skills=("medical", "errand"))
    for category in ("medical", "daily_care"):
        gated = request(category)
        assert not dispatch.eligibility(gated, RULES)(candidate(1, skills=(category,)))
        assert not dispatch.qualified(candidate(1, skills=(category,)), gated, RULES)  # so a claim is refused too
        assert ids(dispatch.rank([candidate(1, skills=(category,))], gated, RULES)) == []
    assert ids(dispatch.rank([nurse_in_training], request("errand"), RULES)) == [1]  # ungated: the skill is enough


def test_a_partner_organisation_stands_in_for_the_qualification_but_not_for_the_skill_or_the_time():
    """docs/help.md: the qualification "from an unexpired training record, or a partner organisation"."""
    gated, urgent = request("medical"), request("medical", urgency="emergency")
    with_skill = candidate(1, skills=("medical",), partner=True)
    without_skill = candidate(2, skills=("errand",), partner=True)
    busy = candidate(3, skills=("medical",), partner=True, slots=())
    assert ids(dispatch.rank([with_skill, without_skill, busy], gated, RULES)) == [1]
    assert ids(dispatch.rank([with_skill, without_skill, busy], urgent, RULES)) == [1, 3]  # urgent: any time
    assert dispatch.qualified(busy, gated, RULES) and not dispatch.qualified(without_skill, gated, RULES)


def test_ranking_offers_exactly_the_eligible_and_claiming_checks_the_same_rule():
    pool = [candidate(i, skills=skills, quals=quals, partner=partner, slots=slots)
            for i, (skills, quals, partner, slots) in enumerate(
                [(s, q, p, sl) for s in ((), ("medical",), ("errand",)) for q in ((), ("medical",))
                 for p in (False, True) for sl in ((), SLOTS)], 1)]
    for category in ("medical", "errand", "other"):
        for urgency in ("normal", "emergency"):
            asked = request(category, urgency=urgency)
            test = dispatch.eligibility(asked, RULES)
            assert set(ids(dispatch.rank(pool, asked, RULES))) == {c.user_id for c in pool if test(c)}
            free = [c for c in pool if c.availability or urgency == "emergency"]
            assert {c.user_id for c in free if test(c)} == {c.user_id for c in free
                                                          if dispatch.qualified(c, asked, RULES)}


def test_medical_and_daily_care_need_the_qualification_or_a_partner_organisation():
    pool = [candidate(1, skills=("medical",)), candidate(2, skills=("medical",), quals=("medical",)),
            candidate(3, skills=("medical",), partner=True)]
    assert ids(dispatch.rank(pool, request("medical"), RULES)) == [2, 3]
    assert ids(dispatch.rank(pool, request("daily_care"), RULES)) == []


def test_volunteers_must_offer_the_skill_and_be_free_in_the_window():
    evening = NOW + timedelta(hours=11)  # 20:00 Tuesday
    pool = [candidate(1, skills=("repair",)), candidate(2, slots=("weekday_morning",)), candidate(3)]
    assert ids(dispatch.rank(pool, request(start=evening), RULES)) == [3]
    assert ids(dispatch.rank(pool, request(category="other", start=evening), RULES)) == [1, 3]


def test_an_emergency_ignores_availability():
    pool = [candidate(1, slots=())]
    assert ids(dispatch.rank(pool, request("emergency", urgency="emergency"), RULES)) == [1]


def test_credit_follows_the_visit_not_the_claim_or_the_booked_window():
    r = request("companionship")  # booked NOW+1h to NOW+4h; companionship earns up to 180 minutes
    r.claimed_at = NOW - timedelta(hours=16)  # claimed the evening before
    r.started_at, r.done_at = NOW + timedelta(hours=1), NOW + timedelta(hours=1, minutes=50)
    assert visits.credited_minutes(r, CREDIT) == 50  # 出发 to 完成, not the claim to 完成
    r.minutes_spent = 40
    assert visits.credited_minutes(r, CREDIT) == 40  # what the volunteer says wins over the clock
    r.minutes_spent = 500
    assert visits.credited_minutes(r, CREDIT) == 180  # the category's cap
    r.minutes_spent = 5
    assert visits.credited_minutes(r, CREDIT) == 5  # a short visit is a short visit: no floor
    r.category, r.minutes_spent = "errand", 230
    assert visits.credited_minutes(r, CREDIT) == 230  # longer than the three booked hours, within errand's 240
    r.minutes_spent = None
    r.started_at = r.done_at  # 出发 and 完成 in one breath
    assert visits.credited_minutes(r, CREDIT) == 1
    r.started_at = None
    assert visits.credited_minutes(r, CREDIT) == 30  # nobody timed it: the category's minimum
    assert not visits.timed(r)


@pytest.mark.parametrize("before, early", [(timedelta(days=1), True), (timedelta(minutes=61), True),
                                           (timedelta(minutes=60), False), (timedelta(minutes=10), False),
                                           (-timedelta(hours=2), False)])
def test_done_is_early_only_more_than_an_hour_before_the_booked_window(before, early):
    r = request()
    assert visits.done_early(r, r.window_start - before) is early


def test_the_window_is_matched_to_availability_in_the_villages_time_not_the_servers():
    """20:00 in Shanghai is noon UTC (the server's clock): a volunteer free on weekday evenings is asked, one free
    on weekday afternoons is not."""
    evening = request(start=NOW + timedelta(hours=11))  # Tuesday 20:00 in Shanghai, 12:00 UTC
    test = dispatch.eligibility(evening, RULES)
    assert test(candidate(1, slots=("weekday_evening",))) and not test(candidate(2, slots=("weekday_afternoon",)))


def test_a_moment_falls_in_the_villages_weekday_or_weekend_morning_afternoon_or_evening():
    """The slots volunteers tick when they register: mornings to noon, afternoons to 18:00, Saturday and Sunday
    the weekend, all on the village's clock."""
    tz = RULES.tz
    slots = {
        datetime(2026, 12, 4, 11, 59, tzinfo=tz): "weekday_morning",  # Friday
        datetime(2026, 12, 4, 12, 0, tzinfo=tz): "weekday_afternoon",
        datetime(2026, 12, 4, 17, 59, tzinfo=tz): "weekday_afternoon",
        datetime(2026, 12, 4, 18, 0, tzinfo=tz): "weekday_evening",
        datetime(2026, 12, 5, 9, 0, tzinfo=tz): "weekend_morning",  # Saturday
        datetime(2026, 12, 6, 13, 0, tzinfo=tz): "weekend_afternoon",  # Sunday
        datetime(2026, 12, 6, 20, 0, tzinfo=tz): "weekend_evening",
        datetime(2026, 12, 7, 0, 30, tzinfo=tz): "weekday_morning",  # Monday
        datetime(2026, 12, 4, 16, 30, tzinfo=UTC): "weekend_morning",  # Saturday 00:30 in Shanghai
    }
    assert {moment: dispatch.slot_of(moment, tz) for moment in slots} == slots
    assert set(slots.values()) <= set(SLOTS)


# --- with a database -------------------------------------------------------------------------------


@pytest.fixture
def village(rt):
    with session_scope(rt.engine) as session:
        seed_demo(session, now=NOW)
    return rt


def user(session, openid) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def new_request(session, category="errand", elder="demo-elder-1", key="src-1", **extra) -> hr.HelpRequest:
    person = user(session, elder)
    spec = hr.NewRequest(elder=person, requested_by=person, category=category, details="买降压药",
                         window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5), **extra)
    return hr.create_request(session, spec, source_key=key, now=NOW)[0]


def offer(session, request_id: int, *openids: str) -> None:
    """Offers made by hand, for scenarios the ranking would not produce (everyone offered, the unqualified)."""
    for openid in openids:
        session.add(dispatch.TaskOffer(request_id=request_id, volunteer_id=user(session, openid).id, round=1,
                                       offered_at=NOW))
    session.flush()


def test_a_request_is_created_once_per_source(village):
    with session_scope(village.engine) as session:
        first, again = new_request(session), new_request(session)
        assert first.id == again.id
        assert len(session.exec(select(hr.HelpRequest)).all()) == 1


def test_offers_go_to_the_top_k_and_never_show_the_address(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        notices = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert sorted(n.openid for n in notices) == ["demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"]
        for notice in notices:
            assert "示范村东头12号" not in str(notice.params) and "13800000001" not in str(notice.params)
        assert {notice.params["village"] for notice in notices} == {"示范村"}  # the village, not the door
        assert notices[0].params == {"number": req.id, "category": "errand", "village": "示范村", "place": "",
                                     "window": (req.window_start, req.window_end), "details": "买降压药",
                                     "urgency": "normal"}
        assert req.next_step_at == NOW + RULES.t1


def test_escalation_timeline_rounds_county_coordinator_then_expiry(village):
    with session_scope(village.engine) as session:
        other = east_village(session)
        helper = User(openid="east-volunteer", name="东坡志愿者", village_id=other.id, roles=",volunteer,",
                      created_at=NOW, updated_at=NOW)
        session.add(helper)
        session.flush()
        upsert_volunteer(session, helper, now=NOW, status=APPROVED, skills=["errand"], availability=list(SLOTS))
        req = new_request(session)
        first = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert len(first) == 3
    rounds = []
    for minutes in (10, 20, 30, 40):
        with session_scope(village.engine) as session:
            due = dispatch.advance_unclaimed(session, RULES, now=NOW + timedelta(minutes=minutes))
            rounds.append([(n.openid, n.kind) for n in due])
    assert rounds[0] == [("east-volunteer", "task_offer")]  # village exhausted: the county is asked
    assert rounds[1] == []
    assert rounds[2] == [("demo-admin", "help_escalated")]  # T2: the coordinator, once
    assert rounds[3] == []
    with session_scope(village.engine) as session:
        notices = dispatch.advance_unclaimed(session, RULES, now=NOW + timedelta(hours=5))
        assert ("demo-elder-1", "help_expired") in [(n.openid, n.kind) for n in notices]
        assert {n.openid for n in notices if n.kind == "task_withdrawn"} == {
            "demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5", "east-volunteer"}
        assert session.get(hr.HelpRequest, 1).status == hr.EXPIRED


@pytest.mark.postgres_only
def test_fifty_concurrent_claims_have_exactly_one_winner_among_those_offered(make_app):
    # Correctness under contention, not speed: fifty claims queue on one row, and on two busy cores the
    # production lock_timeout (1 s) would turn the wait itself into failures.
    village = make_app(database__lock_timeout=30, database__statement_timeout=60).extensions["linli"]
    with session_scope(village.engine) as session:
        seed_demo(session, now=NOW)
    with session_scope(village.engine) as session:
        req_id = new_request(session, category="other").id
        names = []
        for i in range(50):
            person = User(openid=f"racer-{i}", name=f"志愿者{i}", village_id=1, roles=",volunteer,", created_at=NOW,
                          updated_at=NOW)
            session.add(person)
            session.flush()
            upsert_volunteer(session, person, now=NOW, status=APPROVED, skills=["errand"], availability=list(SLOTS))
            names.append(person.openid)
        offer(session, req_id, *names[:25])  # half of them were offered the task, half only know its number
    results, barrier = [], threading.Barrier(50)

    def race(openid):
        barrier.wait()
        with session_scope(village.engine) as session:
            outcome = visits.claim(session, req_id, user(session, openid), now=NOW, rules=RULES)
            results.append((openid, outcome.result))

    threads = [threading.Thread(target=race, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [name for name, result in results if result == "won"]
    assert len(results) == 50 and len(winners) == 1 and winners[0] in names[:25]
    assert {result for name, result in results if name in names[:25]} == {"won", "taken"}
    assert {result for name, result in results if name in names[25:]} == {"not_offered"}
    with Session(village.engine) as session:
        assert session.get(hr.HelpRequest, req_id).volunteer_id == user(session, winners[0]).id


def test_a_claim_needs_a_live_offer_or_a_coordinators_assignment(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        offered = {n.openid for n in dispatch.dispatch_round(session, req, RULES, now=NOW)}
        outsider = user(session, next(f"demo-volunteer-{i}" for i in range(1, 6)
                                      if f"demo-volunteer-{i}" not in offered))
        outcome = visits.claim(session, req.id, outsider, now=NOW, rules=RULES)
        assert (outcome.result, outcome.notices, outcome.request) == ("not_offered", [], None)
        assert visits.claim(session, req.id + 100, outsider, now=NOW, rules=RULES).result == "not_offered"
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        insider = user(session, sorted(offered)[0])
        assert dispatch.decline(session, req.id, insider, now=NOW)
        assert visits.claim(session, req.id, insider, now=NOW, rules=RULES).result == "won"  # reconsidered


def test_the_claim_update_itself_checks_the_offer(village):
    """The conditional UPDATE, not only the checks before it: an offer withdrawn meanwhile cannot win."""
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        volunteer = user(session, "demo-volunteer-2")
        assert not dispatch.take(session, req.id, volunteer, now=NOW)  # never offered
        offer(session, req.id, volunteer.openid)
        row = session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.request_id == req.id)).one()
        row.status = dispatch.WITHDRAWN
        session.add(row)
        session.flush()
        assert not dispatch.take(session, req.id, volunteer, now=NOW)
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        assert dispatch.take(session, req.id, volunteer, now=NOW, assigned=True)  # a coordinator's assignment
        assert session.get(hr.HelpRequest, req.id).volunteer_id == volunteer.id


def stranger_request(session, openid="passer-by", **extra) -> hr.HelpRequest:
    from models.people.users import get_or_create_user

    person = get_or_create_user(session, openid, now=NOW)
    spec = hr.NewRequest(elder=person, requested_by=person, category="errand", details="买降压药",
                         window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5), **extra)
    return hr.create_request(session, spec, source_key=f"src-{openid}", now=NOW)[0]


def test_a_request_from_someone_unregistered_is_held_and_only_coordinators_hear(village):
    with session_scope(village.engine) as session:
        req = stranger_request(session)
        assert req.status == hr.HELD
        notices = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert [(n.openid, n.kind) for n in notices] == [("demo-admin", "help_held")]
        assert dispatch.already_asked(session, req.id) == set()
        assert dispatch.advance_unclaimed(session, RULES, now=NOW + timedelta(hours=1)) == []  # T1, T2: still waiting
        later = dispatch.advance_unclaimed(session, RULES, now=NOW + timedelta(hours=5))
        assert ("passer-by", "help_expired") in [(n.openid, n.kind) for n in later]
        emergency = stranger_request(session, "another", urgency=hr.EMERGENCY)
        assert emergency.status == hr.OPEN  # an emergency is never held


def test_only_a_coordinator_in_reach_verifies_and_then_volunteers_are_asked(village):
    with session_scope(village.engine) as session:
        req = stranger_request(session)
        county = User(openid="county-admin", name="县里", roles=",county_admin,", created_at=NOW, updated_at=NOW)
        session.add(county)
        session.flush()
        # A village coordinator does not reach a villageless request while a county admin exists.
        assert dispatch.verify(session, req.id, user(session, "demo-admin"), RULES, now=NOW) == ("not_found", [])
        result, notices = dispatch.verify(session, req.id, county, RULES, now=NOW)
        assert result == "verified"
        assert notices[0] == Notice("passer-by", "help_verified", f"verified:{req.id}", "help_verified",
                                    {"number": req.id})
        assert {n.openid for n in notices if n.kind == "task_offer"} == {
            "demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"}
        assert dispatch.verify(session, req.id, county, RULES, now=NOW)[0] == "not_held"


def test_registering_releases_the_askers_held_requests(village):
    from models.people.users import grant_roles

    with session_scope(village.engine) as session:
        req = stranger_request(session)
        asker = user(session, "passer-by")
        grant_roles(asker, ["elder"], now=NOW)
        notices = dispatch.release_held(session, asker, RULES, now=NOW)
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        assert len([n for n in notices if n.kind == "task_offer"]) == 3


def test_a_volunteers_phone_goes_only_to_the_registered_elder_and_bound_family(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        req.requested_by_id = stranger_request(session).requested_by_id  # asked by someone unregistered
        session.add(req)
        offer(session, req.id, "demo-volunteer-1")
        outcome = visits.claim(session, req.id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES)
        told = {n.openid: n for n in outcome.notices if n.kind == "help_claimed"}
        assert set(told) == {"demo-elder-1", "demo-family-1", "passer-by"}
        assert told["demo-elder-1"].params["phone"] == told["demo-family-1"].params["phone"] == "13700000001"
        assert told["passer-by"].params["phone"] == "" and told["passer-by"].text_key == "help_claimed_no_phone"
        volunteer = user(session, "demo-volunteer-1")
        assert told["demo-elder-1"].params == {"number": req.id, "volunteer": volunteer.name,
                                               "phone": "13700000001", "category": "errand"}
        assert {**told["passer-by"].params, "phone": "13700000001"} == told["demo-elder-1"].params
        assert {(n.key, n.text_key) for openid, n in told.items() if openid != "passer-by"} == {
            (f"help_claimed:{req.id}:{user(session, openid).id}", "help_claimed")
            for openid in ("demo-elder-1", "demo-family-1")}


def walk_to_done(session, minutes=None):
    req = new_request(session)
    dispatch.dispatch_round(session, req, RULES, now=NOW)
    volunteer = user(session, "demo-volunteer-1")
    assert visits.claim(session, req.id, volunteer, now=NOW, rules=RULES).result == "won"
    assert visits.start(session, req.id, volunteer, now=NOW + timedelta(minutes=5)).result == "started"
    done = visits.complete(session, req.id, volunteer, now=NOW + timedelta(minutes=65), minutes=minutes)
    assert done.result == "done"
    return req.id, volunteer


def test_rating_credits_the_volunteer_once_from_the_pool(village):
    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session, minutes=45)
        elder = user(session, "demo-elder-1")
        outcome = visits.rate(session, req_id, elder, 5, now=NOW + timedelta(hours=2), credit=CREDIT)
        assert outcome.result == "rated"
        again = visits.rate(session, req_id, elder, 5, now=NOW + timedelta(hours=3), credit=CREDIT)
        assert again.result == "not_waiting"
        assert timebank.balance(session, volunteer.id) == 45
        assert timebank.balance_of(session, "pool:1") == -45  # the elder has no minutes: the village pays
        pool = timebank.pool_account(session, 1, now=NOW)
        earner = timebank.person_account(session, volunteer.id, now=NOW)
        assert timebank.post(session, key=f"help:{req_id}", kind=timebank.VISIT, now=NOW, legs=[
            timebank.Leg(pool, -45, "pool_paid"), timebank.Leg(earner, 45, "earned")]) is None
        assert timebank.balance(session, volunteer.id) == 45


def test_done_long_before_the_window_changes_nothing_until_the_volunteer_confirms(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        req.window_start, req.window_end = NOW + timedelta(days=1), NOW + timedelta(days=1, hours=4)  # tomorrow
        session.add(req)
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-3")
        volunteer = user(session, "demo-volunteer-1")
        assert visits.claim(session, req.id, volunteer, now=NOW, rules=RULES).result == "won"
        other = user(session, "demo-volunteer-3")
        assert visits.complete(session, req.id, other, now=NOW, minutes=None).result == "not_yours"  # not "early"
        early = visits.complete(session, req.id, volunteer, now=NOW + timedelta(minutes=30), minutes=40)
        assert (early.result, early.notices) == ("early", [])
        assert session.get(hr.HelpRequest, req.id).status == hr.CLAIMED
        done = visits.complete(session, req.id, volunteer, now=NOW + timedelta(minutes=30), minutes=40, early_ok=True)
        assert done.result == "done" and {n.kind for n in done.notices} == {"help_done"}
        assert session.get(hr.HelpRequest, req.id).status == hr.DONE
        assert visits.credited_minutes(session.get(hr.HelpRequest, req.id), CREDIT) == 40


@pytest.mark.parametrize("rater, told", [("demo-elder-1", {"demo-family-1"}), ("demo-family-1", {"demo-elder-1"})])
def test_a_rating_tells_the_household_the_stars_and_the_minutes_but_not_whoever_rated(village, rater, told):
    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session)  # 出发 at +5 minutes, 完成 at +65: an hour
        outcome = visits.rate(session, req_id, user(session, rater), 4, now=NOW + timedelta(hours=2), credit=CREDIT)
        rated = [n for n in outcome.notices if n.kind == "help_rated"]
        assert {n.openid for n in rated} == told
        assert rated[0].params == {"number": req_id, "score": 4, "volunteer": volunteer.name, "category": "errand",
                                   "minutes": 60}
        assert timebank.balance(session, volunteer.id) == 60


def test_a_low_rating_opens_a_complaint_for_the_coordinator(village):
    from models.help.complaints import Complaint

    with session_scope(village.engine) as session:
        req_id, _ = walk_to_done(session)
        outcome = visits.rate(session, req_id, user(session, "demo-elder-1"), 2, now=NOW + timedelta(hours=2),
                              credit=CREDIT)
        admin = user(session, "demo-admin")
        assert Notice("demo-admin", "help_low_rating", f"low_rating:{req_id}:{admin.id}", "help_low_rating",
                      {"number": req_id, "score": 2, "elder": "王秀英"}) in outcome.notices
        complaint = session.exec(select(Complaint)).one()
        assert (complaint.request_id, complaint.about, complaint.user_id) == (req_id, "买降压药",
                                                                               user(session, "demo-elder-1").id)
        assert visits.rate(session, req_id, admin, 1, now=NOW, credit=CREDIT).result == "not_waiting"


def test_unrated_visits_are_confirmed_after_48_hours_unless_disputed(village):
    with session_scope(village.engine) as session:
        first, volunteer = walk_to_done(session, minutes=60)
        second = new_request(session, key="src-2")
        offer(session, second.id, volunteer.openid)
        visits.claim(session, second.id, volunteer, now=NOW, rules=RULES)
        visits.complete(session, second.id, volunteer, now=NOW + timedelta(minutes=70), minutes=60)
        assert visits.dispute(session, second.id, now=NOW + timedelta(hours=3))
        assert visits.auto_confirm(session, now=NOW + timedelta(hours=47), credit=CREDIT) == []
        notices = visits.auto_confirm(session, now=NOW + timedelta(hours=50), credit=CREDIT)
        assert [n.kind for n in notices] == ["help_credited"]
        assert session.get(hr.HelpRequest, first).status == hr.CONFIRMED
        assert session.get(hr.HelpRequest, second.id).status == hr.DISPUTED
        assert timebank.balance(session, volunteer.id) == 60


@pytest.mark.parametrize("stage", ["open", "claimed", "en_route"])
def test_cancelling_at_each_stage_tells_whoever_is_involved(village, stage):
    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        volunteer = user(session, "demo-volunteer-1")
        if stage != "open":
            visits.claim(session, req.id, volunteer, now=NOW, rules=RULES)
        if stage == "en_route":
            visits.start(session, req.id, volunteer, now=NOW)
        outcome = visits.cancel_request(session, req.id, now=NOW + timedelta(minutes=1))
        told = {(n.openid, n.kind) for n in outcome.notices}
        if stage == "open":
            assert {o for o, k in told if k == "task_withdrawn"} == {
                "demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"}
        else:
            assert ("demo-volunteer-1", "help_cancelled_volunteer") in told
        assert visits.cancel_request(session, req.id, now=NOW + timedelta(minutes=2)).result == "not_active"


def test_a_done_request_cannot_be_cancelled(village):
    with session_scope(village.engine) as session:
        req_id, _ = walk_to_done(session)
        assert visits.cancel_request(session, req_id, now=NOW + timedelta(hours=2)).result == "not_active"


def test_release_redispatches_and_a_late_release_counts_as_a_no_show(village):
    from models.people.volunteers import volunteer_of

    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        volunteer = user(session, "demo-volunteer-1")
        visits.claim(session, req.id, volunteer, now=NOW, rules=RULES)
        outcome = visits.release(session, req.id, volunteer, now=NOW + timedelta(minutes=30), rules=RULES)
        assert outcome.result == "released"
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        assert volunteer_of(session, volunteer).no_shows == 1  # within an hour of the window
        assert ("demo-elder-1", "help_released") in [(n.openid, n.kind) for n in outcome.notices]
        assert visits.release(session, req.id, volunteer, now=NOW, rules=RULES).result == "not_yours"


def test_an_unqualified_volunteer_cannot_claim_a_medical_visit(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="medical")
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-4")  # the claim checks again, whatever was offered
        assert visits.claim(session, req.id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES).result == \
            "not_qualified"
        assert visits.claim(session, req.id, user(session, "demo-volunteer-4"), now=NOW, rules=RULES).result == "won"


def test_the_week_counts_visits_served_and_minutes_credited(village):
    from models.notices.facts import week_facts

    with session_scope(village.engine) as session:
        req_id, _ = walk_to_done(session, minutes=50)
        visits.rate(session, req_id, user(session, "demo-elder-1"), 5, now=NOW + timedelta(hours=2), credit=CREDIT)
        assert visits.served_between(session, 1, NOW, NOW + timedelta(days=7)) == (1, 50)
        assert visits.served_between(session, 1, NOW + timedelta(days=1), NOW + timedelta(days=7)) == (0, 0)
        done_at = NOW + timedelta(minutes=65)  # walk_to_done: [start, end) counts a visit done at the start
        assert visits.served_between(session, 1, done_at, done_at + timedelta(days=1)) == (1, 50)
        assert visits.served_between(session, 1, NOW, done_at) == (0, 0)
        assert visits.served_between(session, 2, NOW, NOW + timedelta(days=7)) == (0, 0)
        facts = week_facts(session, 1, NOW, NOW + timedelta(days=7))
        assert (facts.requests_served, facts.volunteer_hours) == (1, 0.8)


# --- the claim's conditions, one by one (they hold on every backend, without threads) ----------------


def east_village(session) -> Village:
    """A second village of the demo's county, 东坡村."""
    east = Village(code="east", name="东坡村", county="示范县", created_at=NOW)
    session.add(east)
    session.flush()
    return east


def helper(session, openid, skills, *, trained=(), partner="") -> User:
    from models.people.volunteers import grant_training

    person = User(openid=openid, name=openid, village_id=1, roles=",volunteer,", created_at=NOW, updated_at=NOW)
    session.add(person)
    session.flush()
    upsert_volunteer(session, person, now=NOW, status=APPROVED, skills=list(skills), availability=list(SLOTS),
                     partner_org=partner)
    for qualification in trained:
        grant_training(session, person, qualification, now=NOW - timedelta(days=1), source="test")
    return person


def test_a_gated_request_is_neither_offered_to_nor_won_by_a_volunteer_with_the_skill_alone(village):
    """Medical help needs the medical qualification or a partner organisation: the skill alone wins nothing,
    whether or not an offer reached them (a stale offer, or one a coordinator forwarded)."""
    with session_scope(village.engine) as session:
        skilled = helper(session, "skill-only", ["medical"])
        req = new_request(session, category="medical")
        offered = {n.openid for n in dispatch.dispatch_round(session, req, RULES, now=NOW)}
        assert "skill-only" not in offered and "demo-volunteer-4" in offered
        offer(session, req.id, "skill-only")
        outcome = visits.claim(session, req.id, skilled, now=NOW, rules=RULES)
        assert (outcome.result, outcome.notices) == ("not_qualified", [])
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        admin = user(session, "demo-admin")
        assigned = visits.claim(session, req.id, skilled, now=NOW, rules=RULES, assigned_by=admin)
        assert assigned.result == "not_qualified"  # a coordinator cannot hand it to them either
        assert session.get(hr.HelpRequest, req.id).volunteer_id is None


def test_a_partner_organisations_member_is_offered_and_wins_a_gated_request_without_the_training(village):
    with session_scope(village.engine) as session:
        nurse = helper(session, "clinic-nurse", ["daily_care"], partner="乡镇卫生院")
        trained = helper(session, "trained-carer", ["daily_care"], trained=["daily_care"])
        untrained = helper(session, "kind-neighbour", ["daily_care"])
        req = new_request(session, category="daily_care")
        offered = {n.openid for n in dispatch.dispatch_round(session, req, dispatch.DispatchRules(k=10), now=NOW)}
        assert {"clinic-nurse", "trained-carer"} <= offered and "kind-neighbour" not in offered
        outcome = visits.claim(session, req.id, nurse, now=NOW, rules=RULES)
        assert outcome.result == "won"
        assert session.get(hr.HelpRequest, req.id).volunteer_id == nurse.id
        assert visits.claim(session, req.id, trained, now=NOW, rules=RULES).result == "taken"
        assert visits.claim(session, req.id, untrained, now=NOW, rules=RULES).result == "not_offered"


def stale_view(engine, *loaders):
    """A session that read rows and finished its transaction: what a racer saw just before another won.
    Its objects keep the values read (expire_on_commit=False), so the code's own checks pass on them and
    only the conditional UPDATE, which reads the database, stands between the racer and a double win."""
    session = Session(engine, expire_on_commit=False)
    loaded = [load(session) for load in loaders]
    session.commit()
    return session, loaded


@pytest.mark.parametrize("by", ["offer", "assignment"])
def test_a_claim_that_saw_the_request_open_loses_to_one_committed_meanwhile(village, by):
    """The racer's checks all pass on what it read; the UPDATE's own `status = open` is what stops it (an
    assignment needs no offer, so there nothing else would)."""
    with session_scope(village.engine) as session:
        req_id = new_request(session, category="other").id
        offer(session, req_id, "demo-volunteer-1", "demo-volunteer-2")
    late, (request, loser, admin) = stale_view(village.engine, lambda s: s.get(hr.HelpRequest, req_id),
                                               lambda s: user(s, "demo-volunteer-2"), lambda s: user(s, "demo-admin"))
    assert request.status == hr.OPEN
    with session_scope(village.engine) as session:
        assert visits.claim(session, req_id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES).result == "won"
    with late:
        outcome = visits.claim(late, req_id, loser, now=NOW + timedelta(seconds=1), rules=RULES,
                               assigned_by=admin if by == "assignment" else None)
        late.commit()
    assert (outcome.result, outcome.notices) == ("taken", [])
    with Session(village.engine) as session:
        won = session.get(hr.HelpRequest, req_id)
        assert (won.status, won.volunteer_id) == (hr.CLAIMED, user(session, "demo-volunteer-1").id)


def test_the_claim_update_itself_refuses_a_request_no_longer_open(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        first, second = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-2")
        offer(session, req.id, first.openid, second.openid)
        assert dispatch.take(session, req.id, first, now=NOW)
        assert not dispatch.take(session, req.id, second, now=NOW)  # its offer is still live: the status decides
        assert not dispatch.take(session, req.id, second, now=NOW, assigned=True)
        assert session.get(hr.HelpRequest, req.id).volunteer_id == first.id
        other = new_request(session, category="other", key="src-2")
        offer(session, other.id, second.openid)
        assert hr.move(session, other.id, allowed=(hr.OPEN,), now=NOW, status=hr.CANCELLED)
        assert not dispatch.take(session, other.id, second, now=NOW)
        assert session.get(hr.HelpRequest, other.id).status == hr.CANCELLED


# --- rules the mutation run found unguarded (docs/testing.md "Mutation testing") -----------------------


def test_the_dispatch_settings_an_operator_writes_are_the_ones_used_and_defaults_fill_the_rest():
    urumqi = ZoneInfo("Asia/Urumqi")
    rules = dispatch.dispatch_rules({"dispatch": {
        "k": 5, "t1_minutes": 4, "t1_emergency_minutes": 0.5, "t2_minutes": 20, "local_rounds": 1,
        "required_qualifications": {"medical": "nurse"}}}, urumqi)
    assert (rules.k, rules.t1, rules.t1_emergency, rules.t2, rules.local_rounds, rules.required, rules.tz) == (
        5, timedelta(minutes=4), timedelta(seconds=30), timedelta(minutes=20), 1, {"medical": "nurse"}, urumqi)
    assert dispatch.dispatch_rules({}, urumqi) == dispatch.dispatch_rules({"dispatch": None}, urumqi) == \
        dispatch.DispatchRules(tz=urumqi)
    assert dispatch.DispatchRules(tz=urumqi) == dispatch.DispatchRules(
        k=3, t1=timedelta(minutes=10), t1_emergency=timedelta(minutes=2), t2=timedelta(minutes=30), local_rounds=2,
        required={"medical": "medical", "daily_care": "daily_care"}, tz=urumqi)


def test_the_credit_bounds_an_operator_writes_are_the_ones_used_and_defaults_fill_the_rest():
    rules = visits.credit_rules_from_config({"timebank": {
        "credit_by_category": {"companionship": {"min": 20, "max": 90}, "meal": {"max": 60}},
        "credit_default": {"min": 15, "max": 120}}})
    assert rules.limits("companionship") == (20, 90)
    assert rules.limits("meal") == (30, 60)  # a bound left out is the built-in one
    assert rules.limits("errand") == (15, 120)
    assert visits.credit_rules_from_config({}).limits("errand") == (30, 240)
    assert visits.credit_rules_from_config({"timebank": None}).limits("errand") == (30, 240)
    assert visits.credit_rules_from_config({"timebank": {"credit_default": {"min": 10}}}).limits("x") == (10, 240)


def test_a_coordinator_turns_down_a_held_request_and_only_the_asker_hears(village):
    from models.help import held_requests as held

    with session_scope(village.engine) as session:
        req = stranger_request(session)
        held_notice = dispatch.dispatch_round(session, req, RULES, now=NOW)[0]
        assert (held_notice.key, held_notice.params["details"], held_notice.params["tail"]) == (
            f"held:{req.id}:{user(session, 'demo-admin').id}", "买降压药", "r-by")  # who asked, to call them back
        assert held.reject(session, req.id, user(session, "demo-volunteer-1"), now=NOW) == ("not_found", [])
        assert held.reject(session, req.id + 100, user(session, "demo-admin"), now=NOW) == ("not_found", [])
        assert session.get(hr.HelpRequest, req.id).status == hr.HELD
        later = NOW + timedelta(minutes=3)
        result, notices = held.reject(session, req.id, user(session, "demo-admin"), now=later)
        assert result == "rejected"
        assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in notices] == [
            ("passer-by", "help_not_verified", f"not_verified:{req.id}", "help_not_verified", {"number": req.id})]
        row = session.get(hr.HelpRequest, req.id)
        assert (row.status, as_utc(row.closed_at), row.next_step_at) == (hr.CANCELLED, later, None)
        assert held.reject(session, req.id, user(session, "demo-admin"), now=later) == ("not_held", [])
        assert dispatch.verify(session, req.id, user(session, "demo-admin"), RULES, now=later) == ("not_held", [])


def test_declining_one_offer_leaves_the_volunteers_other_offers_and_the_newest_open_one_is_shown(village):
    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        first, second = new_request(session, category="other"), new_request(session, category="other", key="src-2")
        assert dispatch.latest_offer(session, volunteer) is None
        offer(session, first.id, volunteer.openid)
        session.add(dispatch.TaskOffer(request_id=second.id, volunteer_id=volunteer.id, round=1,
                                       offered_at=NOW + timedelta(minutes=1)))
        session.flush()
        assert dispatch.latest_offer(session, volunteer) == second.id
        assert dispatch.latest_offer(session, user(session, "demo-volunteer-2")) is None
        assert dispatch.decline(session, second.id, volunteer, now=NOW)
        assert not dispatch.decline(session, second.id, volunteer, now=NOW)  # already declined
        assert not dispatch.decline(session, second.id, user(session, "demo-volunteer-2"), now=NOW)  # never offered
        assert dispatch.latest_offer(session, volunteer) == first.id  # the first offer is untouched
        assert visits.cancel_request(session, first.id, now=NOW).result == "cancelled"
        assert dispatch.latest_offer(session, volunteer) is None  # withdrawn with its request


def test_only_the_volunteer_holding_a_task_can_give_it_back_and_they_are_not_offered_it_again(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        holder, other = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-3")
        assert visits.claim(session, req.id, holder, now=NOW, rules=RULES).result == "won"
        assert visits.release(session, req.id, other, now=NOW, rules=RULES).result == "not_yours"
        assert visits.release(session, req.id + 100, holder, now=NOW, rules=RULES).result == "not_yours"
        row = session.get(hr.HelpRequest, req.id)
        assert (row.status, row.volunteer_id) == (hr.CLAIMED, holder.id)
        early = req.window_start - timedelta(hours=2)
        outcome = visits.release(session, req.id, holder, now=early, rules=RULES)
        assert outcome.result == "released"
        row = session.get(hr.HelpRequest, req.id)
        assert (row.status, row.volunteer_id, row.claimed_at, row.started_at) == (hr.OPEN, None, None, None)
        from models.people.volunteers import volunteer_of
        assert volunteer_of(session, holder).no_shows == 0  # two hours ahead is not a no-show
        told = {(n.openid, n.kind) for n in outcome.notices}
        assert {("demo-elder-1", "help_released"), ("demo-family-1", "help_released")} <= told
        assert {n.params["number"] for n in outcome.notices} == {req.id} and outcome.request.id == req.id
        assert holder.openid not in {o for o, k in told}
        assert dispatch.take(session, req.id, holder, now=early) is False  # their offer was withdrawn
        again = visits.claim(session, req.id, holder, now=early, rules=RULES)  # 接单 once more: not theirs now
        assert (again.result, again.notices) == ("not_offered", [])


def test_a_release_exactly_an_hour_before_the_window_is_not_yet_a_no_show(village):
    from models.people.volunteers import volunteer_of

    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        holder = user(session, "demo-volunteer-1")
        visits.claim(session, req.id, holder, now=NOW, rules=RULES)
        visits.release(session, req.id, holder, now=req.window_start - visits.LATE_RELEASE, rules=RULES)
        assert volunteer_of(session, holder).no_shows == 0


def test_a_coordinator_assigns_only_their_villages_requests_to_their_villages_volunteers(village):
    with session_scope(village.engine) as session:
        east = east_village(session)
        east_admin = User(openid="east-admin", name="东坡主任", village_id=east.id, roles=",admin,", created_at=NOW,
                          updated_at=NOW)
        east_helper = helper(session, "east-helper", ["errand"])
        east_helper.village_id = east.id
        session.add_all([east_admin, east_helper])
        session.flush()
        req = new_request(session, category="other")
        admin = user(session, "demo-admin")
        assert visits.claim(session, req.id, east_helper, now=NOW, rules=RULES, assigned_by=admin).result == \
            "out_of_scope"  # the request is theirs, the volunteer is not
        assert visits.claim(session, req.id, east_helper, now=NOW, rules=RULES, assigned_by=east_admin).result == \
            "out_of_scope"  # the volunteer is theirs, the request is not
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        assert [r.id for r in dispatch.unclaimed_for(session, admin)] == [req.id]
        assert dispatch.unclaimed_for(session, east_admin) == []
        roster = [u.openid for _, u in dispatch.roster_for(session, east_admin)]
        assert roster == ["east-helper"]
        assert visits.claim(session, req.id, user(session, "demo-volunteer-5"), now=NOW, rules=RULES,
                            assigned_by=admin).result == "won"
        assert dispatch.unclaimed_for(session, admin) == []


def test_a_coordinators_roster_puts_the_most_no_shows_first_and_a_county_admin_sees_every_village(village):
    from models.people.volunteers import volunteer_of

    with session_scope(village.engine) as session:
        record = volunteer_of(session, user(session, "demo-volunteer-3"))
        record.no_shows = 2
        session.add(record)
        elsewhere = helper(session, "elsewhere", ["errand"])
        elsewhere.village_id = None
        session.add(elsewhere)
        county = User(openid="county-admin", name="县里", roles=",county_admin,", created_at=NOW, updated_at=NOW)
        session.add(county)
        session.flush()
        roster = [u.openid for _, u in dispatch.roster_for(session, user(session, "demo-admin"))]
        assert roster == ["demo-volunteer-3", "demo-volunteer-1", "demo-volunteer-2", "demo-volunteer-4",
                          "demo-volunteer-5"]
        assert "elsewhere" in [u.openid for _, u in dispatch.roster_for(session, county)]


def test_the_coordinators_alert_carries_the_elder_and_the_request_as_written(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        req.details = "药在13800000001家里"
        session.add(req)
        alerts = dispatch.alert_coordinators(session, req, now=NOW)
        assert [(n.openid, n.kind, n.key, n.priority) for n in alerts] == [
            ("demo-admin", "help_escalated", f"escalate:{req.id}:{user(session, 'demo-admin').id}", URGENT)]
        assert (alerts[0].params["elder"], alerts[0].params["details"]) == ("王秀英", "药在13800000001家里")


def test_a_complaint_is_about_the_latest_visit_stops_its_confirmation_and_reaches_the_coordinator(village):
    from models.core.outbox import OutboxMessage
    from models.help.complaints import Complaint

    with session_scope(village.engine) as session:
        family = user(session, "demo-family-1")
        nothing = visits.open_complaint(session, family, "没人来", alert_text="投诉", key="c0", now=NOW)
        assert nothing.request_id is None
        req_id, _ = walk_to_done(session)
        complaint = visits.open_complaint(session, family, "态度不好", alert_text="有投诉", key="c1",
                                          now=NOW + timedelta(hours=2))
        assert (complaint.request_id, complaint.about) == (req_id, "态度不好")
        assert session.get(hr.HelpRequest, req_id).status == hr.DISPUTED
        assert visits.auto_confirm(session, now=NOW + timedelta(days=3), credit=CREDIT) == []
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.key == "complaint:c1:demo-admin")).one()
        assert (sent.openid, sent.kind, sent.text) == ("demo-admin", "complaint", "有投诉")
        assert len(session.exec(select(Complaint)).all()) == 2


def test_an_elders_open_requests_tasks_in_progress_and_the_visit_awaiting_a_rating(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        other = user(session, "demo-elder-2")
        assert hr.open_requests_of(session, [elder.id]) == [] and hr.awaiting_rating(session, [elder.id]) is None
        req_id, volunteer = walk_to_done(session)
        waiting = new_request(session, key="src-2")
        theirs = new_request(session, elder="demo-elder-2", key="src-3")
        assert [r.id for r in hr.open_requests_of(session, [elder.id])] == [waiting.id]
        assert [r.id for r in hr.open_requests_of(session, [elder.id, other.id])] == [waiting.id, theirs.id]
        assert hr.awaiting_rating(session, [elder.id]).id == req_id
        assert hr.awaiting_rating(session, [other.id]) is None
        assert hr.tasks_of(session, volunteer.id) == []  # done is no longer in progress
        offer(session, theirs.id, volunteer.openid)
        visits.claim(session, theirs.id, volunteer, now=NOW, rules=RULES)
        assert [r.id for r in hr.tasks_of(session, volunteer.id)] == [theirs.id]
        assert hr.tasks_of(session, user(session, "demo-volunteer-2").id) == []


@pytest.mark.skipif(not PG_URL, reason="row locks held by two open transactions at once: PostgreSQL")
def test_offering_volunteers_another_request_is_being_offered_to_does_not_wait(village, db_url):
    """A burst of requests in one village offers each to the same volunteers: none may queue behind another."""
    engine = make_engine(db_url, Timeouts(lock=1.0))
    try:
        with Session(engine) as first, Session(engine) as second:
            early = dispatch.dispatch_round(first, new_request(first, key="burst-1"), RULES, now=NOW)
            later = dispatch.dispatch_round(second, new_request(second, elder="demo-elder-2", key="burst-2"), RULES,
                                            now=NOW + timedelta(seconds=1))  # while `first` holds its volunteers
            second.commit()
            first.commit()
        assert {n.openid for n in early} & {n.openid for n in later}  # the same volunteers, both offered
    finally:
        engine.dispose()


# --- the gaps the first `help` pass listed (docs/testing.md "Survivors that are real gaps") ------------


def audited(session, prefix: str) -> list[tuple]:
    from models.core.audit import AuditEntry

    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(as_utc(e.at), e.actor, e.action, e.target, e.detail) for e in entries if e.action.startswith(prefix)]


def test_verifying_releasing_and_turning_down_held_requests_is_audited_and_leaves_no_expiry_step(village):
    from models.help import held_requests as held

    with session_scope(village.engine) as session:
        admin = user(session, "demo-admin")
        first, second, third = (stranger_request(session, name) for name in ("asker-1", "asker-2", "asker-3"))
        assert as_utc(first.next_step_at) == as_utc(first.window_end)  # a held request waits for its window
        later = NOW + timedelta(minutes=5)
        result, verified = held.verify(session, first.id, admin, now=later)
        assert (result, verified.status, verified.next_step_at) == ("verified", hr.OPEN, None)
        assert held.release(session, second, now=later)
        released = session.get(hr.HelpRequest, second.id)
        assert (released.status, released.next_step_at) == (hr.OPEN, None)
        assert held.reject(session, third.id, admin, now=later)[0] == "rejected"
        assert audited(session, "help.") == [(later, "demo-admin", "help.verify", str(first.id), None),
                                             (later, "demo-admin", "help.reject", str(third.id), None)]


def test_an_expired_request_is_closed_at_its_window_end_and_the_elder_hears_its_number_and_kind(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        end = as_utc(req.window_end)
        notices = dispatch.advance_unclaimed(session, RULES, now=end)
        assert [n for n in notices if n.kind == "help_expired"] == [
            Notice("demo-elder-1", "help_expired", f"expired:{req.id}", "help_expired",
                   {"number": req.id, "category": "other"})]
        row = session.get(hr.HelpRequest, req.id)
        assert (row.status, as_utc(row.closed_at), row.next_step_at) == (hr.EXPIRED, end, None)
        assert dispatch.expire(session, row, now=end + timedelta(minutes=1)) == []  # told once
        assert dispatch.advance_unclaimed(session, RULES, now=end + timedelta(days=1)) == []


def test_a_rating_closes_the_request_when_given_and_one_star_is_a_rating_too(village):
    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session, minutes=30)
        rated_at = NOW + timedelta(hours=3)
        outcome = visits.rate(session, req_id, user(session, "demo-family-1"), 1, now=rated_at, credit=CREDIT)
        assert outcome.result == "rated"
        row = session.get(hr.HelpRequest, req_id)
        assert (row.status, row.rating, as_utc(row.closed_at)) == (hr.CONFIRMED, 1, rated_at)
        assert timebank.balance(session, volunteer.id) == 30


@pytest.mark.parametrize("score", [0, 6])
def test_a_rating_outside_one_to_five_is_refused_and_the_visit_still_awaits_one(village, score):
    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session, minutes=30)
        with pytest.raises(ValueError):
            visits.rate(session, req_id, user(session, "demo-elder-1"), score, now=NOW + timedelta(hours=2),
                        credit=CREDIT)
        assert session.get(hr.HelpRequest, req_id).status == hr.DONE
        assert timebank.balance(session, volunteer.id) == 0


def test_a_visit_nobody_rated_is_confirmed_exactly_48_hours_after_it_was_done_and_closed_then(village):
    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session, minutes=40)
        due = NOW + timedelta(minutes=65) + hr.CONFIRM_WINDOW  # walk_to_done: 完成 at +65 minutes
        assert as_utc(session.get(hr.HelpRequest, req_id).confirm_by) == due
        assert visits.auto_confirm(session, now=due - timedelta(seconds=1), credit=CREDIT) == []
        assert session.get(hr.HelpRequest, req_id).status == hr.DONE
        assert [n.kind for n in visits.auto_confirm(session, now=due, credit=CREDIT)] == ["help_credited"]
        row = session.get(hr.HelpRequest, req_id)
        assert (row.status, as_utc(row.closed_at), row.rating) == (hr.CONFIRMED, due, None)
        assert timebank.balance(session, volunteer.id) == 40


def test_a_complaint_is_audited_kept_to_500_characters_and_its_alert_is_routine(village):
    from models.core.outbox import NORMAL, OutboxMessage

    with session_scope(village.engine) as session:
        family = user(session, "demo-family-1")
        about = "态" * 500 + "度" * 20
        complaint = visits.open_complaint(session, family, about, alert_text="有投诉", key="c9", now=NOW)
        assert complaint.about == "态" * 500
        assert audited(session, "complaint.") == [(NOW, "demo-family-1", "complaint.open",
                                                   f"complaint:{complaint.id}", None)]
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.key == "complaint:c9:demo-admin")).one()
        assert (sent.priority, sent.template_data) == (NORMAL, {"title": "有投诉"})


def test_each_coordinator_is_told_once_with_the_priority_asked_and_the_values_whole(village):
    from models.core.outbox import NORMAL, OutboxMessage
    from models.help.coordination import notify_coordinators

    with session_scope(village.engine) as session:
        session.add(User(openid="demo-admin-2", name="副主任", village_id=1, roles=",admin,", created_at=NOW,
                         updated_at=NOW))
        session.flush()
        elder = user(session, "demo-elder-1")
        values = {"name": "王秀英", "phone": "13800000001"}
        assert notify_coordinators(session, elder, kind="checkin_alarm", text="王秀英今天没报平安", key="ck:1",
                                   now=NOW, priority=URGENT, values=values) == 2
        assert notify_coordinators(session, elder, kind="complaint", text="有投诉", key="c:1", now=NOW) == 2
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.key, r.openid, r.kind, r.text, r.priority, r.template_data) for r in rows] == [
            ("ck:1:demo-admin", "demo-admin", "checkin_alarm", "王秀英今天没报平安", URGENT,
             {"title": "王秀英今天没报平安", **values}),
            ("ck:1:demo-admin-2", "demo-admin-2", "checkin_alarm", "王秀英今天没报平安", URGENT,
             {"title": "王秀英今天没报平安", **values}),
            ("c:1:demo-admin", "demo-admin", "complaint", "有投诉", NORMAL, {"title": "有投诉"}),
            ("c:1:demo-admin-2", "demo-admin-2", "complaint", "有投诉", NORMAL, {"title": "有投诉"})]
        assert {as_utc(r.not_before) for r in rows} == {NOW}


def test_giving_a_task_back_withdraws_that_tasks_offer_only_not_another_still_open(village):
    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        other = new_request(session, category="other", key="src-0")
        offer(session, other.id, volunteer.openid)  # the older offer: what a lookup without the request finds first
        req = new_request(session)
        dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert visits.claim(session, req.id, volunteer, now=NOW, rules=RULES).result == "won"
        assert visits.release(session, req.id, volunteer, now=NOW - timedelta(hours=2), rules=RULES).result == \
            "released"
        mine = session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.volunteer_id == volunteer.id)).all()
        assert {o.request_id: o.status for o in mine} == {other.id: dispatch.OFFERED, req.id: dispatch.WITHDRAWN}
        assert dispatch.latest_offer(session, volunteer) == other.id


def test_a_county_admins_roster_is_every_villages_volunteers_and_a_coordinators_their_own(village):
    with session_scope(village.engine) as session:
        east = east_village(session)
        east_helper = helper(session, "east-helper", ["errand"])
        east_helper.village_id = east.id
        county = User(openid="county-admin", name="县里", roles=",county_admin,", created_at=NOW, updated_at=NOW)
        session.add_all([east_helper, county])
        session.flush()
        everyone = {u.openid for _, u in dispatch.roster_for(session, county)}
        assert {"east-helper", "demo-volunteer-1", "demo-volunteer-5"} <= everyone
        assert "east-helper" not in {u.openid for _, u in dispatch.roster_for(session, user(session, "demo-admin"))}


# --- functions no selected test called, and the statements built at import (second `help` pass) ----------


def test_a_person_acts_for_themself_first_then_the_elders_they_are_bound_to(village):
    from models.help.alarms import acting_for
    from models.people.users import FamilyLink

    with session_scope(village.engine) as session:
        son, elder, second = (user(session, o) for o in ("demo-family-1", "demo-elder-1", "demo-elder-3"))
        assert acting_for(session, son) == [son.id, elder.id]
        assert acting_for(session, elder) == [elder.id]  # being someone's elder is no reach over them
        admin, third = user(session, "demo-admin"), user(session, "demo-elder-2")
        session.add(FamilyLink(elder_id=second.id, family_id=son.id, relationship="母亲", created_at=NOW))
        session.add(FamilyLink(elder_id=second.id, family_id=admin.id, relationship="邻居", created_at=NOW))
        session.add(FamilyLink(elder_id=third.id, family_id=admin.id, relationship="邻居", created_at=NOW))
        session.flush()
        assert acting_for(session, son) == [son.id, elder.id, second.id]  # not the admin's bindings
        assert acting_for(session, admin) == [admin.id, third.id, second.id]  # by id, not by when bound


def test_a_volunteers_live_offers_are_their_own_still_offered_and_open_newest_first(village):
    with session_scope(village.engine) as session:
        volunteer, other = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-2")
        older, newer, same, declined, closed = (new_request(session, category="other", key=f"src-{i}")
                                                for i in range(5))
        for req, at in ((older, NOW), (newer, NOW + timedelta(minutes=2)), (same, NOW + timedelta(minutes=2)),
                        (declined, NOW + timedelta(minutes=3)), (closed, NOW + timedelta(minutes=4))):
            session.add(dispatch.TaskOffer(request_id=req.id, volunteer_id=volunteer.id, round=1, offered_at=at))
        session.add(dispatch.TaskOffer(request_id=older.id, volunteer_id=other.id, round=1, offered_at=NOW))
        session.flush()
        assert dispatch.decline(session, declined.id, volunteer, now=NOW)
        assert visits.cancel_request(session, closed.id, now=NOW).result == "cancelled"
        assert [r.id for r in dispatch.live_offers(session, volunteer)] == [same.id, newer.id, older.id]
        late = new_request(session, category="other", key="src-9")
        session.add(dispatch.TaskOffer(request_id=late.id, volunteer_id=volunteer.id, round=1,
                                       offered_at=NOW - timedelta(minutes=1)))  # written last, made first
        session.flush()
        assert [r.id for r in dispatch.live_offers(session, volunteer)] == [same.id, newer.id, older.id, late.id]
        assert [r.id for r in dispatch.live_offers(session, other)] == [older.id]
        assert dispatch.live_offers(session, user(session, "demo-volunteer-3")) == []


def test_a_coordinator_waits_on_the_held_requests_in_reach_oldest_first(village):
    from models.help import held_requests as held

    with session_scope(village.engine) as session:
        admin = user(session, "demo-admin")
        first, second = stranger_request(session, "asker-1"), stranger_request(session, "asker-2")
        new_request(session)  # open: nothing to verify
        assert [r.id for r in held.waiting_for(session, admin)] == [first.id, second.id]
        assert held.waiting_for(session, user(session, "demo-volunteer-1")) == []
        held.reject(session, first.id, admin, now=NOW)
        assert [r.id for r in held.waiting_for(session, admin)] == [second.id]
        assert [r.id for r in held.held_of(session, user(session, "asker-2"))] == [second.id]
        assert held.held_of(session, user(session, "asker-1")) == []


def test_tasks_in_progress_are_counted_per_volunteer(village):
    with session_scope(village.engine) as session:
        first, second = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-2")
        assert hr.open_task_counts(session, []) == {}
        assert hr.open_task_counts(session, [first.id, second.id]) == {}
        walk_to_done(session)  # done: no longer in progress
        for key, holder, started in (("src-2", first, False), ("src-3", first, True), ("src-4", second, False)):
            req = new_request(session, category="other", key=key)
            assert dispatch.take(session, req.id, holder, now=NOW, assigned=True)
            if started:
                visits.start(session, req.id, holder, now=NOW)
        assert hr.open_task_counts(session, [first.id, second.id]) == {first.id: 2, second.id: 1}
        assert hr.open_task_counts(session, [second.id]) == {second.id: 1}


def test_the_candidate_pool_is_approved_on_duty_subscribed_volunteers_of_the_villages_asked(village, monkeypatch):
    """`_CANDIDATES` is built at import, before mutmut makes a mutant active: built afresh here, the rule of
    who is asked at all is measured too."""
    from models.people.volunteers import grant_training, volunteer_of

    monkeypatch.setattr(dispatch, "_CANDIDATES", dispatch._candidates_query())
    with session_scope(village.engine) as session:
        east = east_village(session)
        nurse = helper(session, "nurse", ["medical"], partner="乡镇卫生院")
        grant_training(session, nurse, "medical", now=NOW - timedelta(days=30), expires_at=NOW + timedelta(days=1))
        grant_training(session, nurse, "daily_care", now=NOW - timedelta(days=30), source="course")
        grant_training(session, nurse, "first_aid", now=NOW - timedelta(days=30), expires_at=NOW, source="old")
        record = volunteer_of(session, nurse)
        record.rating_sum, record.rating_count, record.last_offered_at = 9, 2, NOW - timedelta(hours=1)
        session.add(record)
        off_duty, pending, unfollowed, far = (helper(session, name, ["errand"]) for name in
                                              ("off-duty", "pending", "unfollowed", "far"))
        upsert_volunteer(session, off_duty, now=NOW, on_duty=False)
        upsert_volunteer(session, pending, now=NOW, status="pending")
        unfollowed.subscribed = False
        far.village_id = east.id
        session.add_all([unfollowed, far])
        req = new_request(session, category="other", key="src-nurse")
        assert dispatch.take(session, req.id, nurse, now=NOW, assigned=True)
        session.flush()
        found = {c.openid: c for c in dispatch.load_candidates(session, [1], now=NOW)}
        assert set(found) == {f"demo-volunteer-{i}" for i in range(1, 6)} | {"nurse"}
        assert found["nurse"] == dispatch.Candidate(
            nurse.id, 1, frozenset({"medical"}), frozenset({"medical", "daily_care"}), frozenset(SLOTS), True, 1,
            NOW - timedelta(hours=1), 4.5, "nurse")
        plain = found["demo-volunteer-5"]
        assert (plain.partner, plain.qualifications, plain.open_tasks, plain.last_offered_at, plain.rating) == (
            False, frozenset(), 0, None, None)
        walk_to_done(session)  # demo-volunteer-1: a finished visit is no task in progress
        assert {c.openid: c.open_tasks for c in dispatch.load_candidates(session, [1], now=NOW)}[
            "demo-volunteer-1"] == 0
        assert [c.openid for c in dispatch.load_candidates(session, [east.id], now=NOW)] == ["far"]
        assert len(dispatch.load_candidates(session, [1, east.id], now=NOW)) == 7
        assert dispatch.load_candidates(session, [], now=NOW) == []


def test_the_volunteers_offered_a_task_are_stamped_and_no_one_else(village, monkeypatch):
    """`_STAMP` is built at import too: built afresh, the fair rotation's stamp is measured."""
    from models.people.volunteers import Volunteer

    monkeypatch.setattr(dispatch, "_STAMP", dispatch._stamp_query())
    with session_scope(village.engine) as session:
        notices = dispatch.dispatch_round(session, new_request(session), RULES, now=NOW)
        offered = {user(session, n.openid).id for n in notices}
        stamped = {v.user_id: v.last_offered_at for v in session.exec(select(Volunteer))}
        assert {uid for uid, at in stamped.items() if at is not None} == offered
        assert {as_utc(stamped[uid]) for uid in offered} == {NOW}


def test_a_complaint_is_about_this_households_latest_visit_someone_took_on(village):
    from models.help.complaints import latest_visit

    with session_scope(village.engine) as session:
        son, neighbour = user(session, "demo-family-1"), user(session, "demo-elder-2")
        volunteer = user(session, "demo-volunteer-1")
        first = new_request(session, category="other", key="src-a")
        second = new_request(session, category="other", key="src-b")
        theirs = new_request(session, category="other", elder="demo-elder-2", key="src-c")
        for req, at in ((first, NOW), (second, NOW + timedelta(minutes=5)), (theirs, NOW + timedelta(minutes=9))):
            assert dispatch.take(session, req.id, volunteer, now=at, assigned=True)
        waiting = new_request(session, category="other", key="src-d")
        dispatch.dispatch_round(session, waiting, RULES, now=NOW + timedelta(minutes=20))  # offered, not taken
        assert latest_visit(session, son).id == second.id
        assert latest_visit(session, neighbour).id == theirs.id
        assert latest_visit(session, user(session, "demo-elder-3")) is None


def test_registering_releases_every_held_request_and_the_asker_hears_of_each(village):
    from models.people.users import grant_roles

    with session_scope(village.engine) as session:
        first = stranger_request(session)
        asker = user(session, "passer-by")
        spec = hr.NewRequest(elder=asker, requested_by=asker, category="other", details="修门",
                             window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5))
        second = hr.create_request(session, spec, source_key="src-passer-by-2", now=NOW)[0]
        assert second.status == hr.HELD
        grant_roles(asker, ["elder"], now=NOW)
        notices = dispatch.release_held(session, asker, RULES, now=NOW)
        assert [n.key for n in notices if n.kind == "help_verified"] == [f"verified:{first.id}",
                                                                          f"verified:{second.id}"]


def test_a_visit_counts_as_timed_with_the_minutes_stated_or_both_departure_and_completion(village):
    r = request()
    assert not visits.timed(r)
    r.minutes_spent = 40
    assert visits.timed(r)  # stated, never timed by the clock
    r.minutes_spent, r.started_at = None, NOW
    assert not visits.timed(r)  # 出发 without 完成
    r.done_at = NOW + timedelta(minutes=30)
    assert visits.timed(r)


def test_the_time_bank_policy_an_operator_writes_comes_with_the_credit_rules():
    from models.timebank.policy import timebank_policy

    config = {"timebank": {"cap_minutes": 600, "elders_pay": False, "family_pays": ["儿子"]}}
    rules = visits.credit_rules_from_config(config)
    assert rules.policy == timebank_policy(config) and rules.policy.cap_minutes == 600


def test_no_request_is_stepped_before_its_next_step_is_due(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        assert len(dispatch.dispatch_round(session, req, RULES, now=NOW)) == 3
        assert dispatch.advance_unclaimed(session, RULES, now=NOW + RULES.t1 - timedelta(seconds=1)) == []
        row = session.get(hr.HelpRequest, req.id)
        assert (row.dispatch_round, as_utc(row.next_step_at)) == (1, NOW + RULES.t1)


def test_the_coordinators_hear_at_t2_even_when_the_next_round_would_come_later(village):
    rules = dispatch.DispatchRules(t1=timedelta(minutes=20), t2=timedelta(minutes=30))
    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, rules, now=NOW)
        second = dispatch.advance_unclaimed(session, rules, now=NOW + timedelta(minutes=20))
        assert "help_escalated" not in {n.kind for n in second}  # the next round (nobody left to ask), not T2 yet
        assert as_utc(session.get(hr.HelpRequest, req.id).next_step_at) == NOW + timedelta(minutes=30)
        alerts = dispatch.advance_unclaimed(session, rules, now=NOW + timedelta(minutes=30))
        assert [(n.openid, n.kind, n.text_key) for n in alerts] == [("demo-admin", "help_escalated", "help_escalated")]
        row = session.get(hr.HelpRequest, req.id)
        assert as_utc(row.escalated_at) == NOW + timedelta(minutes=30)
        assert as_utc(row.next_step_at) > NOW + timedelta(minutes=30)  # escalated: not due again at once
        assert dispatch.advance_unclaimed(session, rules, now=NOW + timedelta(minutes=31)) == []


def test_the_task_offered_to_me_is_my_newest_offer_of_an_open_request_by_when_it_was_made(village):
    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        only = new_request(session, category="other", key="src-0")
        offer(session, only.id, volunteer.openid)
        assert dispatch.latest_offer(session, volunteer) == only.id  # the one open request there is
        tie = new_request(session, category="other", key="src-1")
        offer(session, tie.id, volunteer.openid)  # offered at the same moment, later: the newer
        assert dispatch.latest_offer(session, volunteer) == tie.id
        late = new_request(session, category="other", key="src-2")
        session.add(dispatch.TaskOffer(request_id=late.id, volunteer_id=volunteer.id, round=1,
                                       offered_at=NOW - timedelta(minutes=1)))  # written last, made earlier
        session.flush()
        assert dispatch.latest_offer(session, volunteer) == tie.id


def test_a_coordinator_without_a_county_above_handles_a_stranger_s_held_request(village):
    with session_scope(village.engine) as session:
        req = stranger_request(session)
        open_one = new_request(session)
        assert [r.id for r in dispatch.unclaimed_for(session, user(session, "demo-admin"))] == [req.id, open_one.id]


def test_the_held_notice_asks_with_its_own_text_and_the_request_as_written(village):
    with session_scope(village.engine) as session:
        req = stranger_request(session)
        req.details = "我家电话13800000009，门牌东头5号"
        asker = user(session, "passer-by")
        asker.name = "路人甲"
        session.add_all([req, asker])
        [notice] = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert (notice.kind, notice.text_key) == ("help_held", "help_held")
        assert (notice.params["details"], notice.params["who"], notice.params["tail"]) == (
            "我家电话13800000009，门牌东头5号", "路人甲", "r-by")


def test_the_visit_awaiting_a_rating_is_the_one_done_last(village):
    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        first = new_request(session, category="other", key="src-a")
        second = new_request(session, category="other", key="src-b")
        for req, done in ((second, NOW + timedelta(hours=1)), (first, NOW + timedelta(hours=2))):
            assert dispatch.take(session, req.id, volunteer, now=NOW, assigned=True)
            assert visits.complete(session, req.id, volunteer, now=done, minutes=30).result == "done"
        assert hr.awaiting_rating(session, [user(session, "demo-elder-1").id]).id == first.id
        third = new_request(session, category="other", key="src-c")
        assert dispatch.take(session, third.id, volunteer, now=NOW, assigned=True)
        visits.complete(session, third.id, volunteer, now=NOW + timedelta(hours=3), minutes=30)
        assert hr.awaiting_rating(session, [user(session, "demo-elder-1").id]).id == third.id


def test_declining_is_the_volunteers_own_answer_and_leaves_the_others_offer_alone(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-2")
        assert dispatch.decline(session, req.id, user(session, "demo-volunteer-2"), now=NOW)
        statuses = {o.volunteer_id: o.status for o in session.exec(select(dispatch.TaskOffer))}
        assert statuses == {user(session, "demo-volunteer-1").id: dispatch.OFFERED,
                            user(session, "demo-volunteer-2").id: dispatch.DECLINED}


def test_a_coordinator_assigns_a_verified_request_from_someone_who_gave_no_village(village):
    from models.help import held_requests as held

    with session_scope(village.engine) as session:
        req = stranger_request(session)
        admin = user(session, "demo-admin")
        assert held.verify(session, req.id, admin, now=NOW)[0] == "verified"
        outcome = visits.claim(session, req.id, user(session, "demo-volunteer-2"), now=NOW, rules=RULES,
                               assigned_by=admin)
        assert outcome.result == "won"


def test_the_coordinators_hear_whom_a_partner_organisation_sent_when_the_card_was_withheld(village):
    with session_scope(village.engine) as session:
        nurse = helper(session, "clinic-nurse", ["errand"], partner="乡镇卫生院")
        nurse.name, nurse.phone = "李护士", "13500000007"
        session.add(nurse)
        req = new_request(session)
        offer(session, req.id, "clinic-nurse")
        outcome = visits.claim(session, req.id, nurse, now=NOW, rules=RULES)
        admin = user(session, "demo-admin")
        assert [n for n in outcome.notices if n.kind == "privacy_partner_withheld"] == [
            Notice("demo-admin", "privacy_partner_withheld", f"partner_withheld:{req.id}:{admin.id}",
                   "privacy_partner_withheld_admin", {"number": req.id, "volunteer": "李护士", "org": "乡镇卫生院",
                                                      "elder": "王秀英", "phone": "13500000007"})]


def test_every_visit_due_is_confirmed_and_credited_in_one_scan(village):
    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        for key, minutes in (("src-a", 30), ("src-b", 50)):
            req = new_request(session, category="other", key=key)
            assert dispatch.take(session, req.id, volunteer, now=NOW, assigned=True)
            visits.complete(session, req.id, volunteer, now=NOW + timedelta(hours=1), minutes=minutes)
        notices = visits.auto_confirm(session, now=NOW + timedelta(days=3), credit=CREDIT)
        assert [n.kind for n in notices] == ["help_credited", "help_credited"]
        assert timebank.balance(session, volunteer.id) == 80


def test_a_disputed_visit_is_not_counted_as_served_in_the_week(village):
    with session_scope(village.engine) as session:
        req_id, _ = walk_to_done(session, minutes=50)
        assert visits.served_between(session, 1, NOW, NOW + timedelta(days=7)) == (1, 0)  # done, not yet credited
        assert visits.dispute(session, req_id, now=NOW + timedelta(hours=2))
        assert visits.served_between(session, 1, NOW, NOW + timedelta(days=7)) == (0, 0)


def test_a_second_late_release_is_a_second_no_show(village):
    from models.people.volunteers import volunteer_of

    with session_scope(village.engine) as session:
        holder = user(session, "demo-volunteer-1")
        for key in ("src-a", "src-b"):
            req = new_request(session, category="other", key=key)
            assert dispatch.take(session, req.id, holder, now=NOW, assigned=True)
            assert visits.release(session, req.id, holder, now=req.window_start, rules=RULES).result == "released"
        assert volunteer_of(session, holder).no_shows == 2


def test_each_rating_adds_to_the_volunteers_average(village):
    from models.people.volunteers import volunteer_of

    with session_scope(village.engine) as session:
        volunteer = user(session, "demo-volunteer-1")
        for key, score in (("src-a", 5), ("src-b", 2)):
            req = new_request(session, category="other", key=key)
            assert dispatch.take(session, req.id, volunteer, now=NOW, assigned=True)
            visits.complete(session, req.id, volunteer, now=NOW + timedelta(hours=1), minutes=30)
            visits.rate(session, req.id, user(session, "demo-elder-1"), score, now=NOW + timedelta(hours=2),
                        credit=CREDIT)
        record = volunteer_of(session, volunteer)
        assert (record.rating_sum, record.rating_count, record.rating) == (7, 2, 3.5)


def test_done_too_early_names_the_task_so_the_volunteer_can_be_asked_about_it(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        volunteer = user(session, "demo-volunteer-1")
        assert dispatch.take(session, req.id, volunteer, now=NOW, assigned=True)
        early = visits.complete(session, req.id, volunteer, now=req.window_start - timedelta(hours=3), minutes=None)
        assert (early.result, early.request.id) == ("early", req.id)


def test_a_done_from_a_volunteer_who_no_longer_holds_the_task_changes_nothing(village):
    """The checks pass on what the late session read; the UPDATE's own holder condition stops it."""
    with session_scope(village.engine) as session:
        req_id = new_request(session, category="other").id
        first = user(session, "demo-volunteer-1")
        assert dispatch.take(session, req_id, first, now=NOW, assigned=True)
    late, (request, former) = stale_view(village.engine, lambda s: s.get(hr.HelpRequest, req_id),
                                         lambda s: user(s, "demo-volunteer-1"))
    with session_scope(village.engine) as session:
        assert visits.release(session, req_id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES).result == \
            "released"
        assert dispatch.take(session, req_id, user(session, "demo-volunteer-2"), now=NOW, assigned=True)
    with late:
        outcome = visits.complete(late, req_id, former, now=NOW + timedelta(hours=2), minutes=30)
        late.commit()
    assert outcome.result == "not_yours"
    with Session(village.engine) as session:
        row = session.get(hr.HelpRequest, req_id)
        assert (row.status, row.volunteer_id, row.done_at) == (hr.CLAIMED, user(session, "demo-volunteer-2").id, None)


@pytest.mark.parametrize("score, complaint", [(3, False), (2, True)])
def test_a_rating_credits_tells_the_household_and_below_three_the_coordinator(village, score, complaint):
    from models.help.complaints import Complaint

    with session_scope(village.engine) as session:
        req_id, volunteer = walk_to_done(session, minutes=30)
        outcome = visits.rate(session, req_id, user(session, "demo-elder-1"), score, now=NOW + timedelta(hours=2),
                              credit=CREDIT)
        assert outcome.request.id == req_id
        kinds = {(n.openid, n.kind) for n in outcome.notices}
        assert {(volunteer.openid, "help_credited"), ("demo-family-1", "help_rated")} <= kinds
        assert (("demo-admin", "help_low_rating") in kinds) is complaint
        assert len(session.exec(select(Complaint)).all()) == int(complaint)


def test_a_task_given_back_on_the_way_forgets_the_departure_so_the_next_visit_is_not_timed_from_it(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        first, second = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-2")
        assert dispatch.take(session, req.id, first, now=NOW, assigned=True)
        assert visits.start(session, req.id, first, now=NOW).result == "started"
        visits.release(session, req.id, first, now=NOW + timedelta(minutes=5), rules=RULES)
        assert session.get(hr.HelpRequest, req.id).started_at is None
        assert dispatch.take(session, req.id, second, now=NOW + timedelta(hours=2), assigned=True)
        visits.complete(session, req.id, second, now=NOW + timedelta(hours=3), minutes=None)
        row = session.get(hr.HelpRequest, req.id)
        assert not visits.timed(row) and visits.credited_minutes(row, CREDIT) == 30  # not three hours


def test_only_the_holder_sets_off_and_finishes_and_the_household_hears_who_and_what(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        holder, other = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-2")
        assert dispatch.take(session, req.id, holder, now=NOW, assigned=True)
        refused = visits.start(session, req.id, other, now=NOW)
        assert (refused.result, refused.notices) == ("not_yours", [])
        assert session.get(hr.HelpRequest, req.id).status == hr.CLAIMED
        started = visits.start(session, req.id, holder, now=NOW + timedelta(minutes=50))
        row = session.get(hr.HelpRequest, req.id)
        assert (started.result, started.request.id, row.status, as_utc(row.started_at)) == (
            "started", req.id, hr.EN_ROUTE, NOW + timedelta(minutes=50))
        household = [user(session, "demo-elder-1"), user(session, "demo-family-1")]
        assert started.notices == [
            Notice(p.openid, "help_on_the_way", f"help_on_the_way:{req.id}:{p.id}", "help_on_the_way",
                   {"number": req.id, "volunteer": holder.name}, NORMAL) for p in household]
        done = visits.complete(session, req.id, holder, now=NOW + timedelta(hours=2), minutes=None)
        assert (done.result, done.request.id) == ("done", req.id)
        assert done.notices == [
            Notice(p.openid, "help_done", f"help_done:{req.id}:{p.id}", "help_done",
                   {"number": req.id, "volunteer": holder.name, "category": "other"}, NORMAL) for p in household]


def test_cancelling_closes_the_request_then_and_tells_the_helper_at_once_which_one(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        holder = user(session, "demo-volunteer-1")
        assert dispatch.take(session, req.id, holder, now=NOW, assigned=True)
        at = NOW + timedelta(minutes=7)
        outcome = visits.cancel_request(session, req.id, now=at)
        assert (outcome.result, outcome.request.id) == ("cancelled", req.id)
        assert outcome.notices == [Notice(holder.openid, "help_cancelled_volunteer", f"cancelled:{req.id}:{holder.id}",
                                          "help_cancelled_volunteer", {"number": req.id}, URGENT)]
        row = session.get(hr.HelpRequest, req.id)
        assert (row.status, as_utc(row.closed_at), row.next_step_at) == (hr.CANCELLED, at, None)
        waiting = new_request(session, key="src-2")
        dispatch.dispatch_round(session, waiting, RULES, now=NOW)
        visits.cancel_request(session, waiting.id, now=at)
        assert session.get(hr.HelpRequest, waiting.id).next_step_at is None  # its next round is off too


def test_a_family_members_elders_are_listed_by_id_not_by_when_they_were_bound(village):
    from models.help.alarms import elders_of
    from models.people.users import FamilyLink

    with session_scope(village.engine) as session:
        son, second, third = (user(session, o) for o in ("demo-family-1", "demo-elder-2", "demo-elder-3"))
        session.add(FamilyLink(elder_id=third.id, family_id=son.id, relationship="母亲", created_at=NOW))
        session.add(FamilyLink(elder_id=second.id, family_id=son.id, relationship="父亲", created_at=NOW))
        session.flush()
        assert [e.openid for e in elders_of(session, son)] == ["demo-elder-1", "demo-elder-2", "demo-elder-3"]


def test_cancelling_withdraws_only_that_requests_live_offers_and_tells_only_those_volunteers(village):
    with session_scope(village.engine) as session:
        req, other = new_request(session, category="other"), new_request(session, category="other", key="src-2")
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-2")
        offer(session, other.id, "demo-volunteer-1")
        assert dispatch.decline(session, req.id, user(session, "demo-volunteer-2"), now=NOW)
        outcome = visits.cancel_request(session, req.id, now=NOW)
        first = user(session, "demo-volunteer-1")
        assert outcome.notices == [Notice(first.openid, "task_withdrawn", f"task_withdrawn:{req.id}:{first.id}",
                                          "help_withdrawn", {"number": req.id})]
        assert dispatch.latest_offer(session, first) == other.id  # the other request's offer stands


def test_a_household_with_two_family_members_is_told_once_each(village):
    from models.people.users import FamilyLink

    with session_scope(village.engine) as session:
        daughter = User(openid="demo-family-2", name="王建华", village_id=1, created_at=NOW, updated_at=NOW)
        session.add(daughter)
        session.flush()
        session.add(FamilyLink(elder_id=user(session, "demo-elder-1").id, family_id=daughter.id, relationship="女儿",
                               created_at=NOW))
        session.flush()
        req = new_request(session, category="other")
        holder = user(session, "demo-volunteer-1")
        assert dispatch.take(session, req.id, holder, now=NOW, assigned=True)
        started = visits.start(session, req.id, holder, now=NOW)
        assert [n.openid for n in started.notices] == ["demo-elder-1", "demo-family-1", "demo-family-2"]


def test_an_offer_of_one_request_reveals_nothing_about_another(village):
    with session_scope(village.engine) as session:
        mine, theirs = new_request(session, category="other"), new_request(session, category="other", key="src-2")
        offer(session, mine.id, "demo-volunteer-1")
        offer(session, theirs.id, "demo-volunteer-2")
        assert visits.claim(session, theirs.id, user(session, "demo-volunteer-2"), now=NOW, rules=RULES).result == "won"
        volunteer = user(session, "demo-volunteer-1")
        for number in (theirs.id, theirs.id + 100):  # taken by someone else; no such request
            outcome = visits.claim(session, number, volunteer, now=NOW, rules=RULES)
            assert (outcome.result, outcome.request) == ("not_offered", None)


def test_a_partner_without_the_elders_consent_is_sent_the_place_and_the_masked_text_not_the_card(village):
    with session_scope(village.engine) as session:
        nurse = helper(session, "clinic-nurse", ["errand"], partner="乡镇卫生院")
        home = new_request(session, category="other", key="src-home")
        home.details = "我电话13800000001，腿疼，" + "上周摔了一跤" * 6 + "，请带上血压计"  # longer than an offer shows
        away = new_request(session, category="other", key="src-away", place="镇卫生院门口")
        session.add(home)
        offer(session, home.id, "clinic-nurse")
        offer(session, away.id, "clinic-nurse")
        sent = {}
        for req in (home, away):
            outcome = visits.claim(session, req.id, nurse, now=NOW, rules=RULES)
            [sent[req.id]] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
        params = sent[home.id].params
        assert (sent[home.id].text_key, params["elder"], params["phone"], params["notes"], params["withheld"]) == (
            "help_claimed_partner", "", "", "", True)
        assert params["address"] == "示范村"  # no place given: the elder's home, as far as the village
        assert "13800000001" not in params["details"] and params["details"].endswith("请带上血压计")
        assert sent[away.id].params["address"] == "镇卫生院门口"
        nowhere = stranger_request(session)  # someone who never said where they live, verified
        nowhere.status = hr.OPEN
        session.add(nowhere)
        offer(session, nowhere.id, "clinic-nurse")
        outcome = visits.claim(session, nowhere.id, nurse, now=NOW, rules=RULES)
        [notice] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
        assert (notice.params["address"], notice.params["withheld"]) == ("", True)


def test_the_village_volunteer_who_wins_gets_the_elders_card(village):
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        req.details = "药在邻居13900000009家"  # as written: the winner may call
        session.add(req)
        offer(session, req.id, "demo-volunteer-1")
        outcome = visits.claim(session, req.id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES)
        [notice] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
        winner = user(session, "demo-volunteer-1")
        assert (notice.openid, notice.key, notice.text_key, notice.priority) == (
            "demo-volunteer-1", f"claimed:{req.id}:{winner.id}", "help_claimed_volunteer", URGENT)  # once, at once
        shown = {key: notice.params[key] for key in ("elder", "address", "phone", "details", "withheld")}
        assert shown == {"elder": "王秀英", "address": "示范村东头12号", "phone": "13800000001",
                         "details": "药在邻居13900000009家", "withheld": False}


def test_the_winner_is_told_where_to_go_from_the_card_the_profile_or_the_place_asked(village):
    """claimed_params: the registered address first, then the address in the person's profile, then the place the
    request named; an elder who never gave an address still sends the winner somewhere."""
    with session_scope(village.engine) as session:
        vol = helper(session, "plain-volunteer", ["errand"])
        nowhere = stranger_request(session, place="村口小卖部")
        assert visits.claimed_params(session, nowhere, vol)["address"] == "村口小卖部"
        person = session.get(User, nowhere.elder_id)
        person.profile = {"address": "东头第三家"}
        session.add(person)
        session.flush()
        assert visits.claimed_params(session, nowhere, vol)["address"] == "东头第三家"
        registered = new_request(session, key="src-registered", place="村口小卖部")
        card_address = visits.claimed_params(session, registered, vol)["address"]
        assert card_address and card_address != "村口小卖部"  # demo-elder-1's registered address wins


def test_a_task_given_back_with_nobody_left_to_ask_goes_to_the_coordinators_at_once(village):
    """All the volunteers were asked in the rounds already: the re-dispatch finds nobody, and coordinators who
    were alerted at T2 would not hear again, so the release alerts them anew (a new push, not a repeat)."""
    with session_scope(village.engine) as session:
        req = new_request(session)
        rules = dispatch.DispatchRules(k=50)  # the first round asks every volunteer of the village
        dispatch.dispatch_round(session, req, rules, now=NOW)
        first = dispatch.alert_coordinators(session, req, now=NOW)  # T2 passed before anyone took it
        volunteer = user(session, "demo-volunteer-1")
        assert visits.claim(session, req.id, volunteer, now=NOW, rules=rules).result == "won"
        outcome = visits.release(session, req.id, volunteer, now=NOW + timedelta(minutes=10), rules=rules)
        alerts = [n for n in outcome.notices if n.kind == "help_escalated"]
        assert {n.openid for n in alerts} == {n.openid for n in first} and alerts
        assert not {n.key for n in alerts} & {n.key for n in first}
        assert not [n for n in outcome.notices if n.kind == "task_offer"]


def test_a_task_given_back_while_others_can_still_be_asked_is_offered_not_escalated(village):
    with session_scope(village.engine) as session:
        req = new_request(session)
        dispatch.dispatch_round(session, req, dispatch.DispatchRules(k=1), now=NOW)
        [first] = [o.volunteer_id for o in session.exec(select(dispatch.TaskOffer))]
        volunteer = session.get(User, first)
        assert visits.claim(session, req.id, volunteer, now=NOW, rules=RULES).result == "won"
        outcome = visits.release(session, req.id, volunteer, now=NOW + timedelta(minutes=10),
                                 rules=dispatch.DispatchRules(k=1))
        kinds = [n.kind for n in outcome.notices]
        assert "task_offer" in kinds and "help_escalated" not in kinds


def test_a_request_made_without_a_flush_is_offered_in_its_first_round_and_stored_once(village):
    """The chat and the API create a request with `flush=False` and dispatch it at once: its INSERT waits for the
    round, so nothing before the offers may need its number (it has none yet)."""
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        spec = hr.NewRequest(elder=elder, requested_by=elder, category="errand", details="买降压药",
                             window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5))
        req, created = hr.create_request(session, spec, source_key="src-unflushed", now=NOW, flush=False)
        assert created and req.id is None
        notices = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert sorted(n.openid for n in notices) == ["demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"]
        assert {n.params["number"] for n in notices} == {req.id} and req.id is not None
        [row] = session.exec(select(hr.HelpRequest)).all()
        assert (row.dispatch_round, as_utc(row.next_step_at)) == (1, NOW + RULES.t1)


def test_after_two_rounds_in_the_village_the_county_is_asked_in_one_round_and_then_nobody_more(village):
    """docs/help.md: `local_rounds` (2) in the village, then the rest of the county; after that only the
    coordinators (T2) and the window's end. A county with more volunteers than K is not asked again round after
    round."""
    rules = dispatch.DispatchRules(k=1)
    with session_scope(village.engine) as session:
        other = east_village(session)
        for n in (1, 2):
            helper = User(openid=f"east-volunteer-{n}", name=f"东坡志愿者{n}", village_id=other.id,
                          roles=",volunteer,", created_at=NOW, updated_at=NOW)
            session.add(helper)
            session.flush()
            upsert_volunteer(session, helper, now=NOW, status=APPROVED, skills=["errand"], availability=list(SLOTS))
        req = new_request(session)
        first = dispatch.dispatch_round(session, req, rules, now=NOW)
    offered = [[n.openid for n in first if n.kind == "task_offer"]]
    for minutes in (10, 20, 30, 40, 50):
        with session_scope(village.engine) as session:
            due = dispatch.advance_unclaimed(session, rules, now=NOW + timedelta(minutes=minutes))
            offered.append([n.openid for n in due if n.kind == "task_offer"])
    assert [len(o) for o in offered] == [1, 1, 1, 0, 0, 0]
    assert offered[0][0].startswith("demo-volunteer-") and offered[1][0].startswith("demo-volunteer-")
    assert offered[2][0].startswith("east-volunteer-")
    with session_scope(village.engine) as session:
        assert session.get(hr.HelpRequest, req.id).dispatch_round == 3


def test_requests_dispatched_in_one_batch_are_offered_to_different_volunteers_in_turn(village):
    """A batch (the scheduler's scan, a silent morning) ranks one request after the other: whoever was just offered
    one goes to the back of the rotation before the next is ranked, though the offers are written only at the end."""
    rules = dispatch.DispatchRules(k=1)
    with session_scope(village.engine) as session:
        first, second = new_request(session, key="src-a"), new_request(session, key="src-b")
        notices = dispatch.dispatch_rounds(session, [first, second], rules, now=NOW)
        [[a], [b]] = [[n.openid for n in batch if n.kind == "task_offer"] for batch in notices]
        assert a != b
        offers = session.exec(select(dispatch.TaskOffer)).all()
        assert sorted((o.request_id, session.get(User, o.volunteer_id).openid) for o in offers) == [
            (first.id, a), (second.id, b)]


def test_an_emergency_goes_to_its_next_round_after_two_minutes_every_round_not_only_the_first(village):
    """docs/help.md: an emergency request has a T1 of 2 minutes (`t1_emergency_minutes`); an ordinary one 10.
    Before, only the first round of an emergency waited 2 minutes: the county was asked 12 minutes after the
    village instead of 4."""
    rules = dispatch.DispatchRules(k=1)
    minutes = timedelta(minutes=1)
    with session_scope(village.engine) as session:
        urgent = new_request(session, category="emergency", urgency=hr.EMERGENCY, key="src-urgent")
        normal = new_request(session, key="src-normal")
        dispatch.dispatch_rounds(session, [urgent, normal], rules, now=NOW)
    seen = []
    for at in (2, 4, 10):
        with session_scope(village.engine) as session:
            dispatch.advance_unclaimed(session, rules, now=NOW + at * minutes)
            seen.append([(r.dispatch_round, as_utc(r.next_step_at)) for r in (
                session.get(hr.HelpRequest, urgent.id), session.get(hr.HelpRequest, normal.id))])
    assert seen == [
        [(2, NOW + 4 * minutes), (1, NOW + 10 * minutes)],
        [(3, NOW + 6 * minutes), (1, NOW + 10 * minutes)],
        [(3, NOW + 12 * minutes), (2, NOW + 20 * minutes)],
    ]


def test_offers_still_waiting_in_the_outbox_are_withdrawn_quietly_once_someone_claims(village):
    """docs/help.md: offers not yet delivered are withdrawn from the outbox rather than followed by "already taken";
    that needs each offer's push keyed by its request and volunteer. An emergency's offers go out urgent."""
    from models.core import outbox

    with session_scope(village.engine) as session:
        req = new_request(session)
        notices = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert {(n.key, n.priority) for n in notices} == {
            (f"offer:{req.id}:{user(session, n.openid).id}", NORMAL) for n in notices}
        for n in notices:
            assert outbox.enqueue(session, key=n.key, openid=n.openid, kind=n.kind, text="有新任务", now=NOW,
                                  priority=n.priority)
        outcome = visits.claim(session, req.id, user(session, notices[0].openid), now=NOW, rules=RULES)
        assert outcome.result == "won"
        assert not [n for n in outcome.notices if n.kind == "help_taken"]
        rows = session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.kind == "task_offer")).all()
        assert sorted(r.status for r in rows) == [outbox.CANCELLED] * 3
        urgent = new_request(session, category="emergency", urgency=hr.EMERGENCY, key="src-urgent")
        assert {n.priority for n in dispatch.dispatch_round(session, urgent, RULES, now=NOW)} == {URGENT}


def test_the_access_log_records_only_what_the_winner_was_shown(village):
    """The elder reads in the access log who saw what: the card of an elder without health notes is the contact
    only, and a partner's volunteer who got the place and the task but not the card saw nothing to record."""
    from models.privacy import access

    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        req = new_request(session, category="other", key="src-card")
        offer(session, req.id, "demo-volunteer-1")
        outcome = visits.claim(session, req.id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES)
        [notice] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
        assert (notice.params["withheld"], notice.params["notes"]) == (False, "")
        winner = user(session, "demo-volunteer-1")
        assert [(e.viewer_id, e.viewer_role, e.what, e.reason, e.ref, as_utc(e.at))
                for e in access.accesses_of(session, elder.id)] == [
            (winner.id, "volunteer", "contact", "claim", str(req.id), NOW)]
        nurse = helper(session, "clinic-nurse", ["errand"], partner="乡镇卫生院")
        withheld = new_request(session, category="other", key="src-withheld")
        offer(session, withheld.id, "clinic-nurse")
        outcome = visits.claim(session, withheld.id, nurse, now=NOW, rules=RULES)
        assert outcome.result == "won" and outcome.notices[0].params["withheld"] is True
        assert [e.ref for e in access.accesses_of(session, elder.id)] == [str(req.id)]


def test_only_an_approved_volunteer_with_the_skill_claims_and_a_coordinator_cannot_assign_what_does_not_exist(village):
    """接单 from someone who is no volunteer (an elder) or not yet approved says so; a volunteer offered a task whose
    skill they no longer list is refused it, though a coordinator may still assign them an ungated one; 派单 of a
    number that does not exist is `missing`."""
    from models.people.volunteers import PENDING

    with session_scope(village.engine) as session:
        req = new_request(session, category="repair")
        applicant = helper(session, "applicant", ["repair"])
        upsert_volunteer(session, applicant, now=NOW, status=PENDING)
        offer(session, req.id, "demo-elder-2", "applicant")
        for person in (user(session, "demo-elder-2"), applicant):
            outcome = visits.claim(session, req.id, person, now=NOW, rules=RULES)
            assert (outcome.result, outcome.notices) == ("not_volunteer", [])
        errand_only = helper(session, "errand-only", ["errand"])
        offer(session, req.id, "errand-only")
        outcome = visits.claim(session, req.id, errand_only, now=NOW, rules=RULES)
        assert (outcome.result, outcome.notices) == ("not_qualified", [])
        admin = user(session, "demo-admin")
        assert visits.claim(session, req.id + 100, errand_only, now=NOW, rules=RULES,
                            assigned_by=admin).result == "missing"
        assert visits.claim(session, req.id, errand_only, now=NOW, rules=RULES, assigned_by=admin).result == "won"


def test_a_second_tap_on_接单_that_saw_the_request_open_hears_it_is_already_theirs(village):
    """Two 接单 from one volunteer, the second read the request before the first committed: the UPDATE refuses
    it, and the volunteer is told the task is theirs (`mine`), not that someone else took it."""
    with session_scope(village.engine) as session:
        req_id = new_request(session, category="other").id
        offer(session, req_id, "demo-volunteer-1")
    late, (request, again) = stale_view(village.engine, lambda s: s.get(hr.HelpRequest, req_id),
                                        lambda s: user(s, "demo-volunteer-1"))
    assert request.status == hr.OPEN
    with session_scope(village.engine) as session:
        assert visits.claim(session, req_id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES).result == "won"
    with late:
        outcome = visits.claim(late, req_id, again, now=NOW + timedelta(seconds=1), rules=RULES)
        late.commit()
    assert (outcome.result, outcome.notices, outcome.request.id) == ("mine", [], req_id)


def test_a_batch_of_requests_creates_each_source_once_and_goes_on_past_one_made_before(village):
    """`create_requests` (a batch of silent mornings): a source already made gives its request back and the batch
    goes on to the new ones after it; a source twice in one batch is one request; a location is kept whole."""
    with session_scope(village.engine) as session:
        before = new_request(session, key="src-before")
        elder = user(session, "demo-elder-2")
        spec = hr.NewRequest(elder=elder, requested_by=elder, category="errand", details="买米",
                             window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5),
                             latitude=31.2304, longitude=121.4737)
        made = hr.create_requests(session, [(spec, "src-before"), (spec, "src-new"), (spec, "src-new")], now=NOW)
        assert [(r.id, created) for r, created in made] == [
            (before.id, False), (made[1][0].id, True), (made[1][0].id, False)]
        assert made[1][0].id != before.id
        assert len(session.exec(select(hr.HelpRequest)).all()) == 2
        stored = session.get(hr.HelpRequest, made[1][0].id)
        assert (stored.latitude, stored.longitude, stored.elder_id) == (31.2304, 121.4737, elder.id)


def test_a_request_belongs_to_the_elders_village_else_the_askers_and_its_text_and_place_are_kept_short(village):
    """The son who lives in town asks for his mother: the volunteers of her village are asked, not his; an elder of no
    village asked for by someone of one gets that village's. Details keep 300 characters, a place 120."""
    with session_scope(village.engine) as session:
        mother = user(session, "demo-elder-1")
        son = User(openid="son-in-town", name="儿子", village_id=None, roles=",family,", created_at=NOW, updated_at=NOW)
        lone = User(openid="no-village", name="独居老人", village_id=None, roles=",elder,", created_at=NOW,
                    updated_at=NOW)
        session.add_all([son, lone])
        session.flush()

        def made(elder, asker, key, **extra):
            spec = hr.NewRequest(elder=elder, requested_by=asker, category="errand",
                                 window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5),
                                 **{"details": "买药", **extra})
            return hr.create_request(session, spec, source_key=key, now=NOW)[0]

        assert mother.village_id is not None
        assert made(mother, son, "src-son").village_id == mother.village_id
        assert made(lone, mother, "src-lone").village_id == mother.village_id
        long = made(mother, mother, "src-long", details="药" * 400, place="村" * 200)
        assert (len(long.details), len(long.place)) == (300, 120)


def test_an_emergency_from_someone_unregistered_is_never_held_by_its_category_or_its_urgency(village):
    from models.people.users import get_or_create_user

    with session_scope(village.engine) as session:
        stranger = get_or_create_user(session, "passer-by", now=NOW)

        def asked(category, urgency):
            return hr.NewRequest(elder=stranger, requested_by=stranger, category=category, details="救命",
                                 window_start=NOW, window_end=NOW + timedelta(hours=2), urgency=urgency)

        assert not hr.must_hold(session, asked("emergency", hr.NORMAL))
        assert not hr.must_hold(session, asked("daily_care", hr.EMERGENCY))
        assert hr.must_hold(session, asked("daily_care", hr.URGENT))


def test_the_coordinators_are_the_villages_else_the_county_admins_else_any_coordinator(village):
    """Whoever has no village, or a village with no coordinator, is looked after by the county admins; with none of
    those either, by the coordinators there are."""
    from models.help.coordination import coordinators_for

    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-1"), user(session, "demo-admin")
        nowhere = User(openid="no-village", name="无村", village_id=None, roles=",elder,", created_at=NOW,
                       updated_at=NOW)
        empty = Village(code="quiet", name="静村", county="示范县", created_at=NOW)
        session.add_all([nowhere, empty])
        session.flush()
        quiet = User(openid="quiet-elder", name="静村老人", village_id=empty.id, roles=",elder,", created_at=NOW,
                     updated_at=NOW)
        session.add(quiet)
        session.flush()
        assert [p.openid for p in coordinators_for(session, nowhere)] == ["demo-admin"]  # no county admin yet
        county = User(openid="county-admin", name="县里", roles=",county_admin,", created_at=NOW, updated_at=NOW)
        session.add(county)
        session.flush()
        assert coordinators_for(session, elder) == [admin]
        assert coordinators_for(session, nowhere) == coordinators_for(session, quiet) == [county]


def test_an_offer_shows_a_written_place_without_its_number_and_no_village_when_there_is_none(village):
    with session_scope(village.engine) as session:
        there = new_request(session, key="src-place", place="示范村东头12号")
        assert dispatch.offer_params(session, there)["place"] == "示范村东头***"
        there.details = "上周摔了一跤" * 10  # 60 characters: an offer shows the first 40
        assert dispatch.offer_params(session, there)["details"] == ("上周摔了一跤" * 7)[:40]
        nowhere = stranger_request(session)  # someone who gave no village
        assert nowhere.village_id is None and dispatch.offer_params(session, nowhere)["village"] == ""


# --- sixth session: the survivors of the functions no one had mutation-tested -----------------------


def test_the_claim_update_needs_this_volunteers_own_live_offer_of_this_very_request(village):
    """The conditional UPDATE (not only `was_offered` before it): someone else's offer of the request, or the
    volunteer's own offer of another request, wins nothing."""
    with session_scope(village.engine) as session:
        req = new_request(session, category="other", key="src-one")
        elsewhere = new_request(session, category="other", key="src-two")
        volunteer = user(session, "demo-volunteer-2")
        offer(session, req.id, "demo-volunteer-1")  # this request, someone else
        offer(session, elsewhere.id, volunteer.openid)  # this volunteer, another request
        assert not dispatch.take(session, req.id, volunteer, now=NOW)
        assert session.get(hr.HelpRequest, req.id).status == hr.OPEN
        later = NOW + timedelta(minutes=7)
        assert dispatch.take(session, elsewhere.id, volunteer, now=later)
        won = session.get(hr.HelpRequest, elsewhere.id)
        # The console's time-to-claim is read from claimed_at.
        assert (won.status, won.volunteer_id, as_utc(won.claimed_at)) == (hr.CLAIMED, volunteer.id, later)


def test_everyone_else_whose_offer_went_out_hears_once_that_it_was_taken(village):
    """Offers already delivered are followed by "already taken": each of the others, not only the last of them,
    keyed per request and volunteer so a retry does not tell them twice."""
    with session_scope(village.engine) as session:
        req = new_request(session, category="other")
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-2", "demo-volunteer-3")
        outcome = visits.claim(session, req.id, user(session, "demo-volunteer-2"), now=NOW, rules=RULES)
        assert outcome.result == "won"
        taken = sorted((n.openid, n.key, n.text_key, n.params) for n in outcome.notices if n.kind == "help_taken")
        assert taken == [(openid, f"help_taken:{req.id}:{user(session, openid).id}", "help_taken", {"number": req.id})
                         for openid in ("demo-volunteer-1", "demo-volunteer-3")]
        statuses = {session.get(User, o.volunteer_id).openid: o.status
                    for o in session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.request_id == req.id))}
        assert statuses == {"demo-volunteer-1": dispatch.TAKEN, "demo-volunteer-2": dispatch.WON,
                            "demo-volunteer-3": dispatch.TAKEN}


def test_a_claim_on_ones_own_request_a_held_one_or_one_already_claimed_says_which(village):
    """接单 and 派单 answer why not (bots/flows/help/tasks.py, the API's 409s): the elder's own request, a request
    still waiting for a coordinator's verification, a task already theirs, a task already someone else's."""
    with session_scope(village.engine) as session:
        admin = user(session, "demo-admin")
        elder_helper = helper(session, "elder-helper", ["errand"])
        own = new_request(session, category="other", elder="elder-helper", key="src-own")
        outcome = visits.claim(session, own.id, elder_helper, now=NOW, rules=RULES, assigned_by=admin)
        assert (outcome.result, outcome.notices, outcome.request.id) == ("own_request", [], own.id)
        waiting = stranger_request(session)
        outcome = visits.claim(session, waiting.id, user(session, "demo-volunteer-1"), now=NOW, rules=RULES,
                               assigned_by=admin)
        assert (outcome.result, outcome.notices, outcome.request.id) == ("held", [], waiting.id)
        req = new_request(session, category="other", key="src-claimed")
        offer(session, req.id, "demo-volunteer-1", "demo-volunteer-2")
        first = user(session, "demo-volunteer-1")
        assert visits.claim(session, req.id, first, now=NOW, rules=RULES).result == "won"
        again = visits.claim(session, req.id, first, now=NOW, rules=RULES)
        assert (again.result, again.notices, again.request.id) == ("mine", [], req.id)
        late = visits.claim(session, req.id, user(session, "demo-volunteer-2"), now=NOW, rules=RULES)
        assert (late.result, late.notices, late.request.id) == ("taken", [], req.id)


def test_a_held_request_for_a_registered_elder_names_her_village_to_the_coordinator(village):
    """The son in town who never registered asks for his registered mother: the request waits for a coordinator,
    who is told which village and which request it is."""
    from models.people.users import get_or_create_user

    with session_scope(village.engine) as session:
        son, mother = get_or_create_user(session, "son-in-town", now=NOW), user(session, "demo-elder-1")
        spec = hr.NewRequest(elder=mother, requested_by=son, category="errand", details="买降压药",
                             window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5))
        req = hr.create_request(session, spec, source_key="src-son", now=NOW)[0]
        assert (req.status, req.village_id) == (hr.HELD, mother.village_id)
        [notice] = dispatch.dispatch_round(session, req, RULES, now=NOW)
        assert (notice.openid, notice.kind) == ("demo-admin", "help_held")
        assert (notice.params["number"], notice.params["village"], notice.params["category"]) == (
            req.id, "示范村", "errand")


def test_the_county_round_asks_the_other_villages_of_the_same_county_only(village):
    """docs/help.md: after `local_rounds` in the village, "the rest of the county (villages share a `county`)"."""
    with session_scope(village.engine) as session:
        east = Village(code="east", name="东坡村", county="示范县", created_at=NOW)
        far = Village(code="far", name="远山村", county="别县", created_at=NOW)
        session.add_all([east, far])
        session.flush()
        req = new_request(session)
        assert [dispatch.round_villages(session, req, n, RULES) for n in (1, 2, 3)] == [[1], [1], [east.id]]


def test_a_batch_offers_each_request_to_the_volunteers_of_its_own_village(village):
    """One scan dispatches requests of several villages with one candidate pool: each village's volunteers are
    loaded for that village's requests, not the first village's for all."""
    rules = dispatch.DispatchRules(k=1)
    with session_scope(village.engine) as session:
        east = east_village(session)
        elder = User(openid="east-elder", name="东坡老人", village_id=east.id, roles=",elder,", created_at=NOW,
                     updated_at=NOW)
        neighbour = User(openid="east-volunteer", name="东坡志愿者", village_id=east.id, roles=",volunteer,",
                         created_at=NOW, updated_at=NOW)
        session.add_all([elder, neighbour])
        session.flush()
        upsert_volunteer(session, neighbour, now=NOW, status=APPROVED, skills=["errand"], availability=list(SLOTS))
        here, there = new_request(session, key="src-here"), new_request(session, elder="east-elder", key="src-east")
        [[a], [b]] = [[n.openid for n in batch] for batch in dispatch.dispatch_rounds(session, [here, there], rules,
                                                                                          now=NOW)]
        assert a.startswith("demo-volunteer-") and b == "east-volunteer"


def test_a_volunteer_nobody_has_rated_yet_ranks_after_anyone_rated_even_at_one_star():
    """The last of the ranking's keys (docs/help.md: "..., rating, id"): no rating counts as the lowest."""
    ranked = dispatch.rank([candidate(1), candidate(2, rating=1.0)], request(), RULES)
    assert ids(ranked) == [2, 1]
