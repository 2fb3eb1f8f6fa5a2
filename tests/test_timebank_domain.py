"""The time bank in models/: balanced movements, idempotency, paying for visits, gifts, donations, the cap,
expiry, the conditional updates (both backends) and the races (PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.core.notify import Notice
from models.people.membership import ElderProfile
from models.people.users import FamilyLink, User
from models.seed import seed_demo
from models.timebank import gifts, ledger, totals, village_totals
from models.timebank import visits as tv
from models.timebank.policy import HONOUR, Policy, timebank_policy

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
SON = "儿子"  # demo-family-1 is demo-elder-1's son (models/seed.py)
POLICY = Policy(cap_minutes=1500 * 60, family_pays=(SON,), gift_relations=(SON,), gift_to_family=True)


@pytest.fixture
def engine(db_url):
    """The demo village on a bare engine: the time bank needs no app, and mutmut runs these per mutant."""
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        seed_demo(session, now=NOW)
    yield engine
    engine.dispose()


def uid(session, openid) -> int:
    return session.exec(select(User.id).where(User.openid == openid)).one()


def person(session, openid) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def give(session, openid, minutes, key=None) -> None:
    """Minutes carried over from a paper passbook: how a test hands someone minutes."""
    assert gifts.opening(session, person(session, openid), minutes, key=key or f"open:{openid}:{minutes}", now=NOW)


def held(session, openid) -> int:
    return ledger.balance(session, uid(session, openid))


def assert_books_balance(session) -> None:
    """All lines sum to zero; each account's balance is the sum of its lines; only pools are negative."""
    assert ledger.total_of_lines(session) == 0
    sums = dict(session.exec(select(ledger.Line.account_id, sa.func.sum(ledger.Line.minutes))
                             .group_by(ledger.Line.account_id)).all())
    for account in session.exec(select(ledger.Account)).all():
        assert account.balance == sums.get(account.id, 0), account.code
        assert account.balance >= 0 or account.kind == ledger.POOL, account.code


def settle(session, request_id, minutes, elder="demo-elder-1", volunteer="demo-volunteer-1", policy=POLICY,
           category="errand"):
    return tv.settle_visit(session, request_id=request_id, village_id=1, category=category,
                           elder_id=uid(session, elder), volunteer_id=uid(session, volunteer), minutes=minutes,
                           policy=policy, now=NOW)


def payer_reason(session, request_id) -> str:
    movement = session.exec(select(ledger.Movement).where(ledger.Movement.key == tv.visit_key(request_id))).one()
    lines = session.exec(select(ledger.Line).where(ledger.Line.movement_id == movement.id,
                                                   ledger.Line.minutes < 0)).all()
    return lines[0].reason


# --- balanced books over random sequences ---------------------------------------------------------------

PEOPLE = ["demo-elder-1", "demo-elder-2", "demo-family-1", "demo-volunteer-1", "demo-volunteer-2"]
STEP = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(PEOPLE), st.integers(1, 300)),
    st.tuples(st.just("gift"), st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(-5, 400)),
    st.tuples(st.just("donate"), st.sampled_from(PEOPLE), st.integers(-5, 400)),
    st.tuples(st.just("visit"), st.sampled_from(["demo-elder-1", "demo-elder-2", "demo-elder-3"]),
              st.sampled_from(["demo-volunteer-1", "demo-volunteer-2"]), st.integers(1, 400)),
    st.tuples(st.just("expire"), st.integers(0, 3)),
)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25), cap=st.sampled_from([0, 500]),
       excess=st.sampled_from(["pool", HONOUR]))
def test_balances_always_sum_to_zero_whatever_happens(engine, steps, cap, excess):
    policy = Policy(cap_minutes=cap, cap_excess=excess, family_pays=(SON,), gift_relations=(SON,), expiry_days=1)
    with Session(engine) as session:  # rolled back at the end: every example starts from the seeded village
        moment = NOW
        for n, step in enumerate(steps):
            moment += timedelta(hours=12)
            if step[0] == "open":
                gifts.opening(session, person(session, step[1]), step[2], key=f"o{n}", now=moment, cap=policy.cap)
            elif step[0] == "gift":
                before = held(session, step[1])
                result = gifts.gift(session, person(session, step[1]), person(session, step[2]), step[3], key=f"g{n}",
                                    policy=policy, now=moment)
                assert result.status != gifts.DONE or held(session, step[1]) == before - step[3]
            elif step[0] == "donate":
                gifts.donate(session, person(session, step[1]), step[2], key=f"d{n}", now=moment)
            elif step[0] == "visit":
                settle(session, 1000 + n, step[3], elder=step[1], volunteer=step[2], policy=policy)
            else:
                gifts.expire(session, policy=policy, now=moment + timedelta(days=step[1]))
            assert_books_balance(session)
            if cap:
                assert all(a.balance <= cap for a in session.exec(select(ledger.Account).where(
                    ledger.Account.kind == ledger.PERSON)).all())
        session.rollback()


def test_a_movement_whose_lines_do_not_balance_is_refused(engine):
    with session_scope(engine) as session:
        pool = ledger.pool_account(session, 1, now=NOW)
        mine = ledger.person_account(session, uid(session, "demo-volunteer-1"), now=NOW)
        with pytest.raises(ValueError):
            ledger.post(session, key="bad", kind=ledger.OPENING, now=NOW,
                        legs=[ledger.Leg(pool, -60, "opening"), ledger.Leg(mine, 50, "opening")])
        assert session.exec(select(ledger.Movement)).all() == []


# --- idempotency --------------------------------------------------------------------------------------

def test_each_idempotency_key_moves_minutes_once(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 200, key="open-1")
        assert not gifts.opening(session, person(session, "demo-family-1"), 200, key="open-1", now=NOW)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        assert gifts.gift(session, son, mother, 50, key="gift-1", policy=POLICY, now=NOW).status == gifts.DONE
        again = gifts.gift(session, son, mother, 50, key="gift-1", policy=POLICY, now=NOW)
        assert again.status == gifts.ALREADY and again.balance == 150
        assert gifts.donate(session, son, 30, key="don-1", now=NOW).status == gifts.DONE
        assert gifts.donate(session, son, 30, key="don-1", now=NOW).status == gifts.ALREADY
        assert settle(session, 7, 40, elder="demo-elder-2").movement is not None
        assert settle(session, 7, 40, elder="demo-elder-2").movement is None
        assert (held(session, "demo-family-1"), held(session, "demo-elder-1"), held(session, "demo-volunteer-1")) == \
            (120, 50, 40)
        assert_books_balance(session)


# --- paying for visits -----------------------------------------------------------------------------

def test_an_elder_with_minutes_pays_for_the_visit_and_the_pool_pays_for_one_without(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 100)
        first = settle(session, 1, 60, elder="demo-elder-2")
        assert first.payer.openid == "demo-elder-2" and payer_reason(session, 1) == "paid"
        assert ("demo-elder-2", "timebank_paid") in [(n.openid, n.kind) for n in first.notices]
        assert held(session, "demo-elder-2") == 40 and held(session, "demo-volunteer-1") == 60
        second = settle(session, 2, 60, elder="demo-elder-2")  # 40 left: a visit is paid whole or not at all
        assert second.payer is None and payer_reason(session, 2) == "pool_paid"
        assert held(session, "demo-elder-2") == 40
        assert ledger.balance_of(session, "pool:1") == -100 - 60
        movement = first.movement
        assert (movement.served_id, movement.provider_id, movement.minutes, movement.category) == (
            uid(session, "demo-elder-2"), uid(session, "demo-volunteer-1"), 60, "errand")


def test_an_elder_below_the_redemption_age_keeps_their_minutes(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 100)
        profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == uid(session, "demo-elder-2"))).one()
        profile.age = 59
        session.add(profile)
        settle(session, 1, 60, elder="demo-elder-2")
        assert payer_reason(session, 1) == "pool_paid" and held(session, "demo-elder-2") == 100


def test_by_policy_a_sons_minutes_pay_for_his_mothers_visit(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 90)
        settled = settle(session, 1, 60, elder="demo-elder-1", policy=POLICY)
        assert settled.payer.openid == "demo-family-1" and held(session, "demo-family-1") == 30
        nobody = Policy(family_pays=())
        give(session, "demo-family-1", 60, key="more")
        settle(session, 2, 60, elder="demo-elder-1", policy=nobody)
        assert held(session, "demo-family-1") == 90  # not by this policy


def test_donated_minutes_pay_first_for_elders_living_alone(engine):
    with session_scope(engine) as session:
        give(session, "demo-volunteer-2", 100)
        assert gifts.donate(session, person(session, "demo-volunteer-2"), 100, key="d", now=NOW).status == gifts.DONE
        assert village_totals(session, 1)["pool_minutes"] == 100
        settle(session, 1, 60, elder="demo-elder-2")  # lives with family: the pool issues
        assert payer_reason(session, 1) == "pool_paid"
        settle(session, 2, 60, elder="demo-elder-1")  # lives alone: donated minutes
        assert payer_reason(session, 2) == "donation_paid"
        settle(session, 3, 60, elder="demo-elder-3")  # lives alone, 40 donated minutes left: the pool
        assert payer_reason(session, 3) == "pool_paid"
        assert village_totals(session, 1) == {"given_minutes": 180, "received_minutes": 180, "pool_minutes": 40,
                                              "visits": 3}
        assert_books_balance(session)


def test_village_totals_count_given_by_the_villages_volunteers_and_received_by_its_elders(engine):
    with session_scope(engine) as session:
        settle(session, 1, 45)
        tv.settle_visit(session, request_id=2, village_id=99, category="errand", elder_id=uid(session, "demo-elder-2"),
                        volunteer_id=uid(session, "demo-volunteer-1"), minutes=30, policy=POLICY, now=NOW)
        assert village_totals(session, 1) == {"given_minutes": 75, "received_minutes": 45, "pool_minutes": 0,
                                              "visits": 1}


# --- the cap --------------------------------------------------------------------------------------

@pytest.mark.parametrize("excess, account", [("pool", "donated:1"), (HONOUR, "honour:{volunteer}")])
def test_minutes_beyond_the_cap_go_to_the_pool_or_an_honour_record(engine, excess, account):
    policy = Policy(cap_minutes=100, cap_excess=excess)
    with session_scope(engine) as session:
        give(session, "demo-volunteer-1", 80)
        settled = settle(session, 1, 60, policy=policy)
        assert (settled.credited, settled.excess) == (20, 40)
        assert held(session, "demo-volunteer-1") == 100
        assert ledger.balance_of(session, account.format(volunteer=uid(session, "demo-volunteer-1"))) == 40
        if excess == HONOUR:  # the record is the volunteer's: erasure renames it with their other accounts
            record = session.exec(select(ledger.Account).where(ledger.Account.kind == ledger.HONOUR)).one()
            assert record.user_id == uid(session, "demo-volunteer-1")
        assert ("demo-volunteer-1", "timebank_capped") in [(n.openid, n.kind) for n in settled.notices]
        settle(session, 2, 30, policy=policy)  # at the cap: all of it goes on
        assert held(session, "demo-volunteer-1") == 100
        assert_books_balance(session)


def test_a_gift_that_would_pass_the_recipients_cap_is_refused(engine):
    policy = Policy(cap_minutes=100, gift_relations=(SON,))
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        give(session, "demo-elder-1", 80)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        assert gifts.gift(session, son, mother, 30, key="g", policy=policy, now=NOW).status == gifts.OVER_CAP
        assert (held(session, "demo-family-1"), held(session, "demo-elder-1")) == (100, 80)
        assert gifts.gift(session, son, mother, 20, key="g2", policy=policy, now=NOW).status == gifts.DONE
        assert gifts.gift(session, son, mother, 1, key="g3", policy=policy, now=NOW).status == gifts.OVER_CAP


# --- gifts, donations, negative balances -----------------------------------------------------------

def test_gifts_go_only_to_bound_family_named_by_the_policy(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        give(session, "demo-elder-1", 100)
        son, mother, stranger = (person(session, o) for o in ("demo-family-1", "demo-elder-1", "demo-elder-2"))
        assert [p.id for p in gifts.recipients(session, son, POLICY)] == [mother.id]
        assert gifts.gift(session, son, stranger, 10, key="x", policy=POLICY, now=NOW).status == gifts.NOT_ALLOWED
        assert gifts.gift(session, son, mother, 10, key="y", policy=Policy(gift_relations=("老伴",)),
                          now=NOW).status == gifts.NOT_ALLOWED
        assert gifts.gift(session, mother, son, 10, key="z", policy=POLICY, now=NOW).status == gifts.DONE
        one_way = Policy(gift_relations=(SON,), gift_to_family=False)
        assert gifts.gift(session, mother, son, 10, key="w", policy=one_way, now=NOW).status == gifts.NOT_ALLOWED
        assert (held(session, "demo-family-1"), held(session, "demo-elder-1")) == (110, 90)


def test_nobody_but_the_pool_goes_below_zero(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 50)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        assert gifts.gift(session, son, mother, 51, key="g", policy=POLICY, now=NOW).status == gifts.INSUFFICIENT
        assert gifts.donate(session, son, 51, key="d", now=NOW).status == gifts.INSUFFICIENT
        assert gifts.donate(session, son, 0, key="d0", now=NOW).status == gifts.INVALID
        assert held(session, "demo-family-1") == 50 and held(session, "demo-elder-1") == 0
        assert session.exec(select(ledger.Movement).where(ledger.Movement.kind != ledger.OPENING)).all() == []
        assert ledger.balance_of(session, "pool:1") == -50
        assert_books_balance(session)


def test_unspent_minutes_expire_only_when_the_policy_says_so(engine):
    with session_scope(engine) as session:
        give(session, "demo-volunteer-1", 100, key="old")
        assert gifts.expire(session, policy=Policy(), now=NOW + timedelta(days=3000)) == 0
        assert gifts.opening(session, person(session, "demo-volunteer-1"), 30, key="new", now=NOW + timedelta(days=300))
        yearly = Policy(expiry_days=365)
        assert gifts.expire(session, policy=yearly, now=NOW + timedelta(days=200)) == 0
        assert gifts.expire(session, policy=yearly, now=NOW + timedelta(days=400)) == 100  # the newer 30 stay
        assert held(session, "demo-volunteer-1") == 30
        assert_books_balance(session)


# --- the conditional updates, without threads (both backends) --------------------------------------

def stale(engine, load):
    """What a racer read before another committed: its objects keep those values (expire_on_commit=False),
    so only the conditional UPDATE, which reads the database, can stop it."""
    late = Session(engine, expire_on_commit=False)
    loaded = load(late)
    late.commit()
    return late, loaded


def test_a_debit_that_saw_enough_minutes_is_refused_once_they_were_spent_meanwhile(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 60)
    late, (source, target) = stale(engine, lambda s: (
        ledger.person_account(s, uid(s, "demo-family-1"), now=NOW), ledger.donated_account(s, 1, now=NOW)))
    assert source.balance == 60  # what the racer saw
    with session_scope(engine) as first:
        assert gifts.donate(first, person(first, "demo-family-1"), 60, key="first", now=NOW).status == gifts.DONE
    with pytest.raises(ledger.Refused) as refused:
        ledger.post(late, key="late", kind=ledger.DONATION, now=NOW,
                    legs=[ledger.Leg(source, -60, "donated"), ledger.Leg(target, 60, "donation_in")])
    assert refused.value.reason == "insufficient"
    late.commit()
    with Session(engine) as session:
        assert held(session, "demo-family-1") == 0 and ledger.balance_of(session, "donated:1") == 60
        assert session.exec(select(ledger.Movement).where(ledger.Movement.key == "late")).first() is None
        assert_books_balance(session)
    late.close()


def test_a_credit_that_saw_room_under_the_cap_is_refused_once_it_filled_meanwhile(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-1", 60)
    late, (pool, target) = stale(engine, lambda s: (
        ledger.pool_account(s, 1, now=NOW), ledger.person_account(s, uid(s, "demo-elder-1"), now=NOW)))
    with session_scope(engine) as first:
        give(first, "demo-elder-1", 40, key="meanwhile")
    with pytest.raises(ledger.Refused) as refused:
        ledger.post(late, key="late", kind=ledger.OPENING, now=NOW,
                    legs=[ledger.Leg(pool, -50, "opening"), ledger.Leg(target, 50, "opening", cap=120)])
    assert refused.value.reason == "over_cap"
    late.commit()
    with Session(engine) as session:
        assert held(session, "demo-elder-1") == 100
        assert_books_balance(session)
    late.close()


# --- races (PostgreSQL) -------------------------------------------------------------------------------

def _race(count, work):
    barrier, results, errors = threading.Barrier(count), {}, []

    def run(n):
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.postgres_only
def test_concurrent_gifts_from_one_account_cannot_overdraw_it(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)

    def gift(n):
        with session_scope(engine) as session:
            return gifts.gift(session, person(session, "demo-family-1"), person(session, "demo-elder-1"), 60,
                              key=f"race-{n}", policy=POLICY, now=NOW).status

    results = _race(10, gift)
    assert sorted(results.values()) == [gifts.DONE] + [gifts.INSUFFICIENT] * 9
    with Session(engine) as session:
        assert (held(session, "demo-family-1"), held(session, "demo-elder-1")) == (40, 60)
        assert_books_balance(session)


@pytest.mark.postgres_only
def test_concurrent_visits_paid_from_one_elder_never_overdraw_and_the_pool_pays_the_rest(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 120)

    def confirm(n):
        with session_scope(engine) as session:
            return settle(session, 100 + n, 60, elder="demo-elder-2",
                          volunteer=f"demo-volunteer-{1 + n % 5}").payer is not None

    results = _race(8, confirm)
    assert sorted(results.values()) == [False] * 6 + [True] * 2
    with Session(engine) as session:
        assert held(session, "demo-elder-2") == 0
        assert len(session.exec(select(ledger.Movement).where(ledger.Movement.kind == ledger.VISIT)).all()) == 8
        assert_books_balance(session)


@pytest.mark.postgres_only
def test_the_same_gift_confirmed_twice_at_once_moves_minutes_once(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)

    def gift(n):
        with session_scope(engine) as session:
            return gifts.gift(session, person(session, "demo-family-1"), person(session, "demo-elder-1"), 30,
                              key="one-key", policy=POLICY, now=NOW).status

    results = _race(6, gift)
    assert sorted(results.values()) == [gifts.ALREADY] * 5 + [gifts.DONE]
    with Session(engine) as session:
        assert held(session, "demo-family-1") == 70


# --- the policy as configuration ----------------------------------------------------------------------

@pytest.mark.parametrize("env, key", [({"LINLI__TIMEBANK__CAP_EXCESS": "burn"}, "timebank.cap_excess"),
                                      ({"LINLI__TIMEBANK__CAP_MINUTES": "-1"}, "timebank.cap_minutes"),
                                      ({"LINLI__TIMEBANK__EXPIRY_DAYS": "-30"}, "timebank.expiry_days")])
def test_an_invalid_time_bank_policy_stops_start_up_naming_the_key(env, key):
    from app.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as info:
        load_settings(environ={"LINLI_ENV": "development", **env})
    assert key in str(info.value)


def test_the_shipped_policy_is_nanjings_cap_with_family_paying_and_gifts_both_ways():
    from app.config import load_settings
    from models.timebank.policy import timebank_policy

    policy = timebank_policy(load_settings(environ={"LINLI_ENV": "development"}).as_dict())
    assert (policy.cap_minutes, policy.cap_excess, policy.redeem_min_age, policy.expiry_days) == (90000, "pool", 60, 0)
    assert SON in policy.family_pays and SON in policy.gift_relations and "其他亲友" not in policy.gift_relations
    assert policy.gift_to_family and policy.elders_pay


# --- what a person reads: the statement, its pages, the visit totals ----------------------------------

def test_a_statement_lists_a_persons_lines_newest_first_with_the_reason_and_the_other_person(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        gifts.gift(session, son, mother, 30, key="g", policy=POLICY, now=NOW + timedelta(minutes=1))
        tv.settle_visit(session, request_id=5, village_id=1, category="companionship", elder_id=mother.id,
                        volunteer_id=uid(session, "demo-volunteer-1"), minutes=60, policy=POLICY,
                        now=NOW + timedelta(minutes=2))  # the son pays for his mother's visit
        gifts.donate(session, son, 10, key="d", now=NOW + timedelta(minutes=3))
        lines = [(line.minutes, line.reason, line.other) for line in totals.statement(session, son.id)]
        assert lines == [(-10, "donated", ""), (-60, "paid", "张志强"), (-30, "gift_out", "王秀英"),
                         (100, "opening", "")]
        first = totals.statement(session, son.id)[1]
        assert (first.at, first.request_id, first.category) == (NOW + timedelta(minutes=2), 5, "companionship")
        assert [(line.minutes, line.reason, line.other) for line in totals.statement(session, mother.id)] == [
            (30, "gift_in", "王建国")]
        volunteer = totals.statement(session, uid(session, "demo-volunteer-1"))
        assert [(line.minutes, line.reason, line.other) for line in volunteer] == [(60, "earned", "王秀英")]
        assert [line.minutes for line in totals.statement(session, son.id, limit=2)] == [-10, -60]


def test_a_statement_names_the_elder_served_and_the_volunteer_who_served(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 100)
        settle(session, 1, 40, elder="demo-elder-2", volunteer="demo-volunteer-2")
        elder = totals.statement(session, uid(session, "demo-elder-2"), limit=1)
        volunteer = totals.statement(session, uid(session, "demo-volunteer-2"), limit=1)
        assert [(line.reason, line.other) for line in elder + volunteer] == [("paid", "刘美华"), ("earned", "李德福")]


def test_the_lines_of_an_account_come_a_page_at_a_time_newest_first(engine):
    with session_scope(engine) as session:
        for minutes in (10, 20, 30, 40, 50, *range(1, 7)):
            give(session, "demo-volunteer-1", minutes)
        give(session, "demo-volunteer-2", 99)
        code = ledger.person_code(uid(session, "demo-volunteer-1"))
        everything = ledger.lines_of(session, code, None)
        assert [line.minutes for line, _ in everything] == [6, 5, 4, 3, 2, 1, 50, 40, 30, 20, 10]
        assert all(movement.kind == ledger.OPENING and movement.id == line.movement_id for line, movement in everything)
        page = ledger.lines_of(session, code, 2)
        assert [line.minutes for line, _ in page] == [6, 5]
        after = ledger.lines_of(session, code, 2, before=page[-1][0].id)
        assert [line.minutes for line, _ in after] == [4, 3]
        assert [line.minutes for line, _ in ledger.lines_of(session, code)] == [6, 5, 4, 3, 2, 1, 50, 40, 30, 20]
        assert len(totals.statement(session, uid(session, "demo-volunteer-1"))) == 10  # ten a page unless asked
        assert ledger.lines_of(session, "person:0") == []


def test_a_persons_visit_totals_count_visits_given_and_received_not_gifts(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        gifts.gift(session, person(session, "demo-family-1"), person(session, "demo-elder-1"), 50, key="g",
                   policy=POLICY, now=NOW)
        settle(session, 1, 45, elder="demo-elder-1", volunteer="demo-volunteer-1")
        settle(session, 2, 30, elder="demo-elder-2", volunteer="demo-volunteer-1")
        settle(session, 3, 20, elder="demo-elder-1", volunteer="demo-volunteer-2")
        assert totals.person_totals(session, uid(session, "demo-volunteer-1")) == (75, 0)
        assert totals.person_totals(session, uid(session, "demo-elder-1")) == (0, 65)
        assert totals.person_totals(session, uid(session, "demo-family-1")) == (0, 0)  # he paid, he was not served


# --- who pays for a visit, and who is told -----------------------------------------------------------

def set_profile(session, openid, **values) -> None:
    profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == uid(session, openid))).one()
    for name, value in values.items():
        setattr(profile, name, value)
    session.add(profile)
    session.flush()


def bind(session, family, elder, relationship) -> None:
    session.add(FamilyLink(elder_id=uid(session, elder), family_id=uid(session, family), relationship=relationship,
                           created_at=NOW))
    session.flush()


def test_settling_a_visit_tells_the_volunteer_what_they_earned_and_the_elder_what_they_paid(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 100)
        settled = settle(session, 7, 60, elder="demo-elder-2", volunteer="demo-volunteer-2")
        assert (settled.credited, settled.excess, settled.payer_reason) == (60, 0, "paid")
        assert settled.notices == [
            Notice("demo-volunteer-2", "help_credited", "credited:7", "help_credited",
                   {"number": 7, "minutes": 60, "balance": 60}),
            Notice("demo-elder-2", "timebank_paid", "paid:7", "timebank_paid",
                   {"number": 7, "minutes": 60, "balance": 40})]
        movement = settled.movement
        assert (movement.key, movement.kind, movement.request_id, movement.village_id) == ("help:7", ledger.VISIT, 7, 1)
        again = settle(session, 7, 60, elder="demo-elder-2", volunteer="demo-volunteer-2")
        assert (again.movement, again.notices, held(session, "demo-elder-2")) == (None, [], 40)
        pooled = settle(session, 8, 30, elder="demo-elder-3", volunteer="demo-volunteer-2")
        assert (pooled.payer, pooled.payer_reason) == (None, "pool_paid")
        assert [(n.key, n.params) for n in pooled.notices] == [("credited:8", {"number": 8, "minutes": 30,
                                                                               "balance": 90})]


def test_an_elder_without_wechat_who_paid_is_not_sent_a_message(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 100)
        person(session, "demo-elder-2").openid = "offline-elder-2"
        session.flush()
        settled = settle(session, 1, 60, elder="offline-elder-2")
        assert settled.payer.openid == "offline-elder-2" and held(session, "offline-elder-2") == 40
        assert [n.openid for n in settled.notices] == ["demo-volunteer-1"]


@pytest.mark.parametrize("excess", ["pool", HONOUR])
def test_the_volunteer_at_the_cap_is_told_how_much_went_on_and_the_cap_in_hours(engine, excess):
    policy = Policy(cap_minutes=150, cap_excess=excess)
    with session_scope(engine) as session:
        give(session, "demo-volunteer-1", 130)
        settled = settle(session, 3, 50, policy=policy)
        assert [(n.kind, n.key, n.text_key, n.params) for n in settled.notices] == [
            ("help_credited", "credited:3", "help_credited", {"number": 3, "minutes": 20, "balance": 150}),
            ("timebank_capped", "capped:3", f"timebank_capped_{excess}", {"minutes": 30, "cap_hours": 2})]  # not 2.5
        unlimited = settle(session, 4, 50, policy=Policy(cap_minutes=0))
        assert (unlimited.credited, unlimited.excess, held(session, "demo-volunteer-1")) == (50, 0, 200)
        assert [n.kind for n in unlimited.notices] == ["help_credited"]


def test_an_elder_pays_from_the_redemption_age_on_and_only_when_elders_pay(engine):
    with session_scope(engine) as session:
        give(session, "demo-elder-2", 300)
        set_profile(session, "demo-elder-2", age=60)
        assert settle(session, 1, 60, elder="demo-elder-2").payer_reason == "paid"
        settle(session, 2, 60, elder="demo-elder-2", policy=Policy(elders_pay=False))
        assert payer_reason(session, 2) == "pool_paid" and held(session, "demo-elder-2") == 240
        set_profile(session, "demo-elder-2", age=None)  # age not given: not known to have reached it
        assert settle(session, 3, 60, elder="demo-elder-2").payer_reason == "pool_paid"


def test_the_elder_pays_before_family_and_family_pays_in_the_order_they_were_bound(engine):
    with session_scope(engine) as session:
        bind(session, "demo-volunteer-5", "demo-elder-1", SON)
        bind(session, "demo-volunteer-4", "demo-elder-1", "其他亲友")
        for openid in ("demo-elder-1", "demo-family-1", "demo-volunteer-5", "demo-volunteer-4"):
            give(session, openid, 60)
        payers = [settle(session, n, 60, volunteer="demo-volunteer-2").payer for n in (1, 2, 3, 4)]
        assert [p.openid if p else None for p in payers] == ["demo-elder-1", "demo-family-1", "demo-volunteer-5",
                                                             None]
        assert held(session, "demo-volunteer-4") == 60  # not a relationship that pays


def test_family_pays_only_for_an_elder_of_the_redemption_age_and_never_for_their_own_visit(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 200)
        set_profile(session, "demo-elder-1", age=59, lives_alone=False)
        assert settle(session, 1, 60).payer is None
        set_profile(session, "demo-elder-1", age=78)
        mine = settle(session, 2, 60, volunteer="demo-family-1")  # the son visits his mother: the pool pays him
        assert (mine.payer, mine.payer_reason, held(session, "demo-family-1")) == (None, "pool_paid", 260)


def test_donated_minutes_pay_a_visit_they_just_cover_and_a_person_without_a_profile_never_pays(engine):
    with session_scope(engine) as session:
        give(session, "demo-volunteer-2", 60)
        gifts.donate(session, person(session, "demo-volunteer-2"), 60, key="d", now=NOW)
        assert settle(session, 1, 60, elder="demo-elder-3").payer_reason == "donation_paid"
        assert ledger.balance_of(session, "donated:1") == 0
        give(session, "demo-volunteer-3", 100)  # a volunteer helped as a villager: no elder profile
        assert settle(session, 2, 60, elder="demo-volunteer-3").payer_reason == "pool_paid"
        assert held(session, "demo-volunteer-3") == 100


def test_a_visit_is_paid_from_and_counted_in_the_village_it_was_in(engine):
    with session_scope(engine) as session:
        give(session, "demo-volunteer-2", 60)
        gifts.donate(session, person(session, "demo-volunteer-2"), 60, key="d", now=NOW)
        settled = tv.settle_visit(session, request_id=1, village_id=2, category="errand",
                                  elder_id=uid(session, "demo-elder-1"), volunteer_id=uid(session, "demo-volunteer-1"),
                                  minutes=60, policy=Policy(), now=NOW)
        assert settled.payer_reason == "pool_paid"  # village 2 has no donated minutes; village 1's stay
        assert (ledger.balance_of(session, "pool:2"), ledger.balance_of(session, "donated:1")) == (-60, 60)
        assert village_totals(session, 2)["received_minutes"] == 60


# --- the policy as the operator writes it ------------------------------------------------------------

def test_a_missing_time_bank_section_gives_the_documented_defaults():
    assert timebank_policy({}) == timebank_policy({"timebank": None}) == Policy()
    assert (Policy().cap, Policy(cap_minutes=0).cap) == (90000, None)


def test_every_time_bank_setting_an_operator_writes_is_the_one_used():
    policy = timebank_policy({"timebank": {
        "cap_minutes": "600", "cap_excess": "honour", "redeem_min_age": 65, "elders_pay": False,
        "family_pays": ["儿子", "女儿"], "gift_relations": "儿子, 老伴 ,", "gift_to_family": False,
        "expiry_days": 365}})
    assert policy == Policy(cap_minutes=600, cap_excess=HONOUR, redeem_min_age=65, elders_pay=False,
                            family_pays=("儿子", "女儿"), gift_relations=("儿子", "老伴"), gift_to_family=False,
                            expiry_days=365)


@pytest.mark.parametrize("section, message", [({"cap_excess": "burn"}, "timebank.cap_excess: 'burn'"),
                                              ({"redeem_min_age": -1}, "timebank.redeem_min_age"),
                                              ({"expiry_days": -1}, "timebank.expiry_days")])
def test_an_impossible_time_bank_setting_is_refused_by_name(section, message):
    with pytest.raises(ValueError, match=message):
        timebank_policy({"timebank": section})


# --- gifts, donations, passbooks and expiry as a person sees them -------------------------------------

def test_a_gift_tells_the_recipient_who_gave_how_much_and_what_they_now_hold(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        give(session, "demo-elder-1", 5)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        result = gifts.gift(session, son, mother, 30, key="k1", policy=POLICY, now=NOW)
        assert (result.status, result.balance) == (gifts.DONE, 70)
        assert result.notices == [Notice("demo-elder-1", "timebank_gift", "gift:k1", "timebank_gift_received",
                                         {"who": "王建国", "minutes": 30, "balance": 35})]
        movement = session.exec(select(ledger.Movement).where(ledger.Movement.key == "k1")).one()
        assert (movement.kind, movement.by_user_id, movement.served_id, movement.village_id, movement.minutes) == (
            ledger.GIFT, son.id, mother.id, 1, 30)
        refused = gifts.gift(session, son, mother, 0, key="k2", policy=POLICY, now=NOW)
        assert (refused.status, refused.balance, refused.notices) == (gifts.INVALID, 70, None)
        stranger = gifts.gift(session, son, person(session, "demo-elder-2"), 10, key="k3", policy=POLICY, now=NOW)
        assert (stranger.status, stranger.balance) == (gifts.NOT_ALLOWED, 70)
        short = gifts.gift(session, son, mother, 71, key="k4", policy=POLICY, now=NOW)
        assert (short.status, short.balance, short.notices) == (gifts.INSUFFICIENT, 70, None)


def test_a_gift_to_an_elder_without_wechat_is_made_without_a_message(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 100)
        person(session, "demo-elder-1").openid = "offline-elder-1"
        session.flush()
        result = gifts.gift(session, person(session, "demo-family-1"), person(session, "offline-elder-1"), 30,
                            key="k", policy=POLICY, now=NOW)
        assert (result.status, result.notices, held(session, "offline-elder-1")) == (gifts.DONE, None, 30)


def test_who_may_receive_a_gift_follows_the_bindings_both_ways_once_each(engine):
    with session_scope(engine) as session:
        bind(session, "demo-family-1", "demo-elder-2", "女婿")  # the son is also someone's son-in-law
        bind(session, "demo-volunteer-5", "demo-family-1", SON)  # and himself has a son, bound as his elder
        bind(session, "demo-volunteer-4", "demo-elder-3", SON)  # another family's son: none of his business
        son = person(session, "demo-family-1")
        names = [p.openid for p in gifts.recipients(session, son, Policy(gift_relations=(SON, "女婿")))]
        assert names == ["demo-elder-1", "demo-elder-2", "demo-volunteer-5"]
        assert [p.openid for p in gifts.recipients(session, son, Policy(gift_relations=("女婿",)))] == ["demo-elder-2"]
        assert gifts.recipients(session, son, Policy()) == []
        one_way = Policy(gift_relations=(SON,), gift_to_family=False)
        assert [p.openid for p in gifts.recipients(session, son, one_way)] == ["demo-elder-1"]
        mother = person(session, "demo-elder-1")
        assert [p.openid for p in gifts.recipients(session, mother, POLICY)] == ["demo-family-1"]


def test_a_donation_goes_to_the_donors_village_and_a_refused_one_reports_the_balance(engine):
    with session_scope(engine) as session:
        give(session, "demo-volunteer-2", 100)
        donor = person(session, "demo-volunteer-2")
        result = gifts.donate(session, donor, 40, key="d", now=NOW)
        assert (result.status, result.balance, ledger.balance_of(session, "donated:1")) == (gifts.DONE, 60, 40)
        movement = session.exec(select(ledger.Movement).where(ledger.Movement.key == "d")).one()
        assert (movement.kind, movement.by_user_id, movement.village_id) == (ledger.DONATION, donor.id, 1)
        assert (gifts.donate(session, donor, -5, key="d2", now=NOW).balance,
                gifts.donate(session, donor, 61, key="d3", now=NOW).balance) == (60, 60)


def test_a_passbook_opening_is_issued_by_the_village_pool_once_and_never_past_the_cap(engine):
    with session_scope(engine) as session:
        elder = person(session, "demo-elder-2")
        assert gifts.opening(session, elder, 90, key="p", now=NOW, cap=100)
        assert not gifts.opening(session, elder, 11, key="p2", now=NOW, cap=100)
        assert gifts.opening(session, elder, 10, key="p3", now=NOW, cap=100)
        assert (held(session, "demo-elder-2"), ledger.balance_of(session, "pool:1")) == (100, -100)
        movement = session.exec(select(ledger.Movement).where(ledger.Movement.key == "p")).one()
        assert (movement.kind, movement.served_id, movement.village_id) == (ledger.OPENING, elder.id, 1)


def test_minutes_expire_back_to_the_pool_counting_from_the_moment_they_came(engine):
    yearly = Policy(expiry_days=365)
    with session_scope(engine) as session:
        give(session, "demo-volunteer-1", 100)
        give(session, "demo-volunteer-2", 50)
        gifts.donate(session, person(session, "demo-volunteer-2"), 50, key="d", now=NOW)  # donated minutes stay
        exactly = NOW + timedelta(days=365)
        assert gifts.expire(session, policy=yearly, now=exactly) == 0  # received exactly a year ago: still fresh
        later = exactly + timedelta(seconds=1)
        assert gifts.expire(session, policy=yearly, now=later) == 100
        assert gifts.expire(session, policy=yearly, now=later) == 0
        assert (held(session, "demo-volunteer-1"), ledger.balance_of(session, "pool:1")) == (0, -150 + 100)
        assert ledger.balance_of(session, "donated:1") == 50
        expiry = session.exec(select(ledger.Movement).where(ledger.Movement.kind == ledger.EXPIRY)).one()
        assert (expiry.served_id, expiry.village_id, expiry.minutes) == (uid(session, "demo-volunteer-1"), 1, 100)
        assert expiry.key == f"expiry:{ledger.person_account(session, expiry.served_id, now=NOW).id}:2027-12-01"


def test_a_single_minute_can_be_given_or_donated(engine):
    with session_scope(engine) as session:
        give(session, "demo-family-1", 10)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        assert gifts.gift(session, son, mother, 1, key="g", policy=POLICY, now=NOW).status == gifts.DONE
        assert gifts.donate(session, son, 1, key="d", now=NOW).status == gifts.DONE
        assert (held(session, "demo-family-1"), held(session, "demo-elder-1")) == (8, 1)


def test_whichever_movement_opens_a_persons_account_their_expired_minutes_go_back_to_their_village(engine):
    with session_scope(engine) as session:
        bind(session, "demo-volunteer-5", "demo-family-1", SON)
        son, mother = person(session, "demo-family-1"), person(session, "demo-elder-1")
        assert gifts.gift(session, mother, son, 10, key="g0", policy=POLICY, now=NOW).status == gifts.INSUFFICIENT
        helper = person(session, "demo-volunteer-4")
        assert gifts.donate(session, helper, 10, key="d0", now=NOW).status == gifts.INSUFFICIENT
        give(session, "demo-family-1", 100)  # the only minutes the pool issues directly
        gifts.gift(session, son, mother, 20, key="g1", policy=POLICY, now=NOW)
        gifts.gift(session, son, person(session, "demo-volunteer-5"), 25, key="g2", policy=POLICY, now=NOW)
        settle(session, 1, 30, elder="demo-elder-2", volunteer="demo-volunteer-3")  # opened by earning
        settle(session, 2, 40, elder="demo-elder-2", volunteer="demo-volunteer-4")
        assert gifts.expire(session, policy=Policy(expiry_days=1), now=NOW + timedelta(days=2)) == 55 + 20 + 25 + 70
        assert (ledger.balance_of(session, "pool:1"), ledger.balance_of(session, "pool:0")) == (0, 0)
        assert {m.village_id for m in session.exec(select(ledger.Movement).where(
            ledger.Movement.kind == ledger.EXPIRY))} == {1}


def test_minutes_of_someone_without_a_village_stay_out_of_every_villages_books(engine):
    with session_scope(engine) as session:
        drifter = User(openid="drifter", name="过客", roles=",volunteer,", created_at=NOW, updated_at=NOW)
        session.add(drifter)
        session.flush()
        give(session, "drifter", 60)
        assert gifts.donate(session, drifter, 60, key="d", now=NOW).status == gifts.DONE
        assert (ledger.balance_of(session, "donated:0"), ledger.balance_of(session, "pool:0")) == (60, -60)
        assert (village_totals(session, 1)["pool_minutes"], ledger.balance_of(session, "pool:1")) == (0, 0)


def test_village_totals_count_given_by_its_own_volunteers_and_an_empty_village_shows_zeros(engine):
    with session_scope(engine) as session:
        outsider = person(session, "demo-volunteer-5")
        outsider.village_id = None  # helps in the demo village without belonging to it
        session.flush()
        settle(session, 1, 45, volunteer="demo-volunteer-5")
        settle(session, 2, 20, volunteer="demo-volunteer-1")
        assert village_totals(session, 1) == {"given_minutes": 20, "received_minutes": 65, "pool_minutes": 0,
                                              "visits": 2}
        assert village_totals(session, 2) == {"given_minutes": 0, "received_minutes": 0, "pool_minutes": 0,
                                              "visits": 0}


def test_spent_minutes_come_from_the_oldest_and_each_holders_stale_minutes_expire(engine):
    daily = Policy(expiry_days=1)
    with session_scope(engine) as session:
        give(session, "demo-volunteer-2", 40)  # opened first, all its minutes fresh at the run
        give(session, "demo-volunteer-1", 100)
        give(session, "demo-volunteer-3", 1)
        gifts.opening(session, person(session, "demo-volunteer-1"), 1, key="fresh", now=NOW + timedelta(days=2))
        gifts.opening(session, person(session, "demo-volunteer-2"), 5, key="fresh2", now=NOW + timedelta(days=2))
        gifts.donate(session, person(session, "demo-volunteer-1"), 30, key="spent", now=NOW + timedelta(days=2))
        gifts.donate(session, person(session, "demo-volunteer-2"), 40, key="spent2", now=NOW + timedelta(days=2))
        # volunteer-1: 100 old, 1 new, 30 spent (from the old): 70 expire, the new minute stays
        assert gifts.expire(session, policy=daily, now=NOW + timedelta(days=2, hours=1)) == 70 + 1
        assert (held(session, "demo-volunteer-1"), held(session, "demo-volunteer-2"),
                held(session, "demo-volunteer-3")) == (1, 5, 0)
        expired = totals.statement(session, uid(session, "demo-volunteer-1"), limit=1)
        assert [(line.minutes, line.reason) for line in expired] == [(-70, "expired")]


def test_the_books_check_sees_a_line_posted_outside_a_balanced_movement(engine):
    """`total_of_lines` guards every test above: it must not be zero by construction."""
    with session_scope(engine) as session:
        give(session, "demo-volunteer-1", 10)
        line = session.exec(select(ledger.Line)).first()
        session.add(ledger.Line(movement_id=line.movement_id, account_id=line.account_id, minutes=7, reason="stray",
                                created_at=NOW))
        session.flush()
        assert ledger.total_of_lines(session) == 7
