"""Events domain rules with an explicit clock: capacity, waitlist order, deadlines, reminders, attendance,
training records; and the sign-up race (20 concurrent sign-ups for 10 places, PostgreSQL only: SQLite's writers
take turns, so there the race cannot happen)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.events import events as ev
from models.people.users import User, Village
from models.people.volunteers import TrainingRecord, qualifications

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
START = NOW + timedelta(days=2)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _people(session: Session, count: int, village_id: int) -> list[User]:
    users = [User(openid=f"p{i:02}", name=f"村民{i}", roles=",elder,", village_id=village_id, created_at=NOW,
                  updated_at=NOW) for i in range(count)]
    session.add_all(users)
    session.flush()
    return users


@pytest.fixture
def world(engine):
    """A village, 20 villagers and an event with 10 places; returns ids."""
    with session_scope(engine) as session:
        village = Village(code="v1", name="一村", created_at=NOW)
        session.add(village)
        session.flush()
        users = _people(session, 20, village.id)
        event = _event(session, village.id, capacity=10)
        return {"event": event.id, "users": [u.id for u in users], "village": village.id}


def _event(session, village_id, capacity=10, kind="lecture", **extra) -> ev.Event:
    new = ev.NewEvent(village_id=village_id, kind=kind, title="防跌倒讲座", place="村委会", starts_at=START,
                      capacity=capacity, signup_deadline=START - timedelta(hours=12), **extra)
    return ev.create_event(session, new, creator=None, now=NOW)


def _sign(engine, event_id, user_id, party=1, now=NOW) -> ev.SignupResult:
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        return ev.sign_up(session, event_id, user, booked_by=user, party_size=party, now=now)


def _statuses(engine, event_id) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(ev.EventSignup).where(ev.EventSignup.event_id == event_id)
                            .order_by(ev.EventSignup.seq))
        return [(r.user_id, r.status) for r in rows]


def test_places_fill_in_order_then_the_waitlist_takes_over(engine, world):
    outcomes = [_sign(engine, world["event"], uid) for uid in world["users"][:12]]
    assert [o.outcome for o in outcomes] == ["confirmed"] * 10 + ["waitlisted"] * 2
    assert [o.position for o in outcomes[10:]] == [1, 2]
    assert _sign(engine, world["event"], world["users"][0]).outcome == "already"


def test_a_cancellation_promotes_the_first_waiting_party_that_fits(engine, world):
    event, users = world["event"], world["users"]
    for uid in users[:9]:
        _sign(engine, event, uid)
    _sign(engine, event, users[9], party=2)   # does not fit in the last place: waits
    _sign(engine, event, users[10])           # fits the last place, so it goes ahead of the pair
    assert _statuses(engine, event)[-2:] == [(users[9], "waitlisted"), (users[10], "confirmed")]
    with session_scope(engine) as session:
        first = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == users[0])).one()
        result = ev.cancel_signup(session, first.id, by=session.get(User, users[0]), now=NOW)
        assert result.outcome == "cancelled"
        assert [s.user_id for s in result.promoted] == []  # one place free, the party of two needs two
        second = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == users[1])).one()
        result = ev.cancel_signup(session, second.id, by=session.get(User, users[1]), now=NOW)
        assert [s.user_id for s in result.promoted] == [users[9]]


def test_the_newcomer_joins_the_end_of_a_nonempty_queue(engine, world):
    event, users = world["event"], world["users"]
    for uid in users[:11]:
        _sign(engine, event, uid)
    with session_scope(engine) as session:
        first = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == users[0])).one()
        promoted = ev.cancel_signup(session, first.id, by=session.get(User, users[0]), now=NOW).promoted
    assert [s.user_id for s in promoted] == [users[10]]
    assert _sign(engine, event, users[11]).outcome == "waitlisted"
    assert _sign(engine, event, users[0]).position == 2  # signing up again queues behind


def test_cancelling_is_allowed_until_the_deadline_and_a_reminder_no_frees_the_place_after_it(engine, world):
    event, users = world["event"], world["users"]
    _sign(engine, event, users[0])
    after_deadline = START - timedelta(hours=6)
    with session_scope(engine) as session:
        signup = session.exec(select(ev.EventSignup)).one()
        person = session.get(User, users[0])
        assert ev.cancel_signup(session, signup.id, by=person, now=after_deadline).outcome == "closed"
        assert ev.record_reply(session, signup, coming=False, now=after_deadline).outcome == "cancelled"
    assert _sign(engine, event, users[1], now=after_deadline).outcome == "closed"


def test_reminders_are_due_the_day_before_and_the_hour_before(engine, world):
    event, users = world["event"], world["users"]
    _sign(engine, event, users[0])
    with Session(engine) as session:
        kinds = lambda now: [k for _, _, k in ev.due_reminders(session, now=now)]  # noqa: E731  (a one-line shorthand local to this function)
        assert kinds(START - timedelta(hours=25)) == []
        assert kinds(START - timedelta(hours=23)) == ["day"]
        assert kinds(START - timedelta(hours=2)) == []
        assert kinds(START - timedelta(minutes=50)) == ["hour"]
        assert kinds(START + timedelta(minutes=1)) == []


def test_a_late_signup_gets_no_day_before_reminder(engine, world):
    _sign(engine, world["event"], world["users"][0], now=START - timedelta(hours=20))
    with Session(engine) as session:
        assert ev.due_reminders(session, now=START - timedelta(hours=19)) == []


def test_training_attendance_grants_a_qualification_that_expires(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], kind="training", qualification="meal", valid_days=365)
        event_id = event.id
    uid = world["users"][0]
    _sign(engine, event_id, uid)
    with session_scope(engine) as session:
        event = session.get(ev.Event, event_id)
        signup = session.exec(select(ev.EventSignup).where(ev.EventSignup.event_id == event_id)).one()
        assert not ev.mark_attended(session, signup, event, by="admin", now=NOW)  # not started: no record
        assert ev.mark_attended(session, signup, event, by="admin", now=START)
        assert not ev.mark_attended(session, signup, event, by="admin", now=START)  # once
    with Session(engine) as session:
        record = session.exec(select(TrainingRecord)).one()
        assert (record.qualification, record.source) == ("meal", f"event:{event_id}")
        assert qualifications(session, [uid], now=START + timedelta(days=364))[uid] == {"meal"}
        assert qualifications(session, [uid], now=START + timedelta(days=366))[uid] == set()


def test_an_event_needs_a_future_start_and_a_deadline_before_it(engine, world):
    with session_scope(engine) as session:
        with pytest.raises(ValueError):
            ev.create_event(session, ev.NewEvent(world["village"], "lecture", "x讲座", "", NOW - timedelta(hours=1), 5,
                                                 NOW - timedelta(hours=2)), creator=None, now=NOW)
        with pytest.raises(ValueError):
            ev.create_event(session, ev.NewEvent(world["village"], "training", "培训", "", START, 5, START),
                            creator=None, now=NOW)


@pytest.mark.postgres_only
def test_twenty_concurrent_signups_for_ten_places(engine, world):
    """Each thread is its own session and transaction; the event row lock serialises them."""
    event, users = world["event"], world["users"]
    barrier, results = threading.Barrier(len(users)), {}

    def sign(uid):
        barrier.wait()
        results[uid] = _sign(engine, event, uid).outcome

    threads = [threading.Thread(target=sign, args=(uid,)) for uid in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == ["confirmed"] * 10 + ["waitlisted"] * 10
    queue = _statuses(engine, event)  # in arrival order (seq was taken under the lock)
    assert [s for _, s in queue] == ["confirmed"] * 10 + ["waitlisted"] * 10
    with Session(engine) as session:
        assert ev.seats_taken(session, event) == 10
        waiting = session.exec(select(ev.EventSignup).where(ev.EventSignup.status == ev.WAITLISTED)
                               .order_by(ev.EventSignup.seq)).all()
        assert [ev.position(session, s) for s in waiting] == list(range(1, 11))
    # Cancellations promote in arrival order.
    order = [uid for uid, _ in queue]
    for leaving in order[:3]:
        with session_scope(engine) as session:
            signup = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == leaving)).one()
            promoted = ev.cancel_signup(session, signup.id, by=session.get(User, leaving), now=NOW).promoted
            assert [p.user_id for p in promoted] == [order[10 + order.index(leaving)]]


def test_the_domain_refuses_impossible_parties_and_past_deadlines(engine, world):
    with session_scope(engine) as session:
        user = session.get(User, world["users"][0])
        with pytest.raises(ValueError):
            ev.sign_up(session, world["event"], user, booked_by=user, party_size=3, now=NOW)
        with pytest.raises(ValueError):
            ev.sign_up(session, world["event"], user, booked_by=user, party_size=0, now=NOW)
        village = session.exec(select(Village)).first()
        late = ev.NewEvent(village.id, "lecture", "讲座", "村委会", NOW + timedelta(days=1), 10,
                           NOW - timedelta(hours=1))
        with pytest.raises(ValueError):
            ev.create_event(session, late, creator=None, now=NOW)


# --- capacity without threads: the conditions the row lock protects, each on its own ---------------


def _seats(engine, event_id) -> int:
    with Session(engine) as session:
        return ev.seats_taken(session, event_id)


def _leave(engine, user_id, now=NOW) -> ev.SignupResult:
    with session_scope(engine) as session:
        signup = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == user_id)).one()
        return ev.cancel_signup(session, signup.id, by=session.get(User, user_id), now=now)


def test_a_party_larger_than_the_free_places_waits_and_nobody_is_confirmed_past_capacity(engine, world):
    """docs/events.md: a party too big for the places left keeps its turn; a smaller one behind it goes ahead."""
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=3).id
    single, pair, late, other = world["users"][:4]
    assert [_sign(engine, event, uid).outcome for uid in (single, other)] == ["confirmed", "confirmed"]
    waiting = _sign(engine, event, pair, party=2)
    assert (waiting.outcome, waiting.position) == ("waitlisted", 1) and _seats(engine, event) == 2
    assert _sign(engine, event, late).outcome == "confirmed" and _seats(engine, event) == 3
    assert _leave(engine, single).promoted == [] and _seats(engine, event) == 2  # one place: the pair waits on
    assert [s.user_id for s in _leave(engine, other).promoted] == [pair] and _seats(engine, event) == 3


def test_a_party_larger_than_the_whole_event_is_refused_not_queued_forever(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=1).id
    assert _sign(engine, event, world["users"][0], party=2).outcome == "closed"
    assert _statuses(engine, event) == []


def test_nobody_cancels_or_gives_up_a_place_once_the_event_has_started(engine, world):
    event, uid = world["event"], world["users"][0]
    _sign(engine, event, uid)
    _sign(engine, event, world["users"][1])
    for moment in (START, START + timedelta(minutes=10)):
        with session_scope(engine) as session:
            signup = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == uid)).one()
            person = session.get(User, uid)
            assert ev.cancel_signup(session, signup.id, by=person, now=moment, after_deadline=True).outcome == "closed"
            assert ev.record_reply(session, signup, coming=False, now=moment).outcome == "closed"
    assert _statuses(engine, event)[0] == (uid, "confirmed")
    with session_scope(engine) as session:  # a second before the start, the reminder's "no" still frees it
        signup = session.exec(select(ev.EventSignup).where(ev.EventSignup.user_id == uid)).one()
        assert ev.record_reply(session, signup, coming=False, now=START - timedelta(seconds=1)).outcome == "cancelled"
