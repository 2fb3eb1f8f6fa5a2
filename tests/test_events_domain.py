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


# --- what the mutation run asked for (docs/testing.md "Mutation testing") ------------------------------


def _row(session, user_id, event_id=None) -> ev.EventSignup:
    query = select(ev.EventSignup).where(ev.EventSignup.user_id == user_id)
    if event_id is not None:
        query = query.where(ev.EventSignup.event_id == event_id)
    return session.exec(query).one()


def _new(village_id, title, start, *, capacity=10, kind="lecture", **extra) -> ev.NewEvent:
    return ev.NewEvent(village_id, kind, title, "村委会", start, capacity, start - timedelta(hours=12), **extra)


def test_the_event_list_shows_open_events_not_yet_started_for_the_village_and_county_wide_soonest_first(engine,
                                                                                                        world):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        here = world["village"]
        late = ev.create_event(session, _new(here, "本村后一场", START + timedelta(days=1)), creator=None, now=NOW)
        county = ev.create_event(session, _new(None, "全县培训", START + timedelta(hours=1)), creator=None, now=NOW)
        elsewhere = ev.create_event(session, _new(other.id, "二村讲座", START), creator=None, now=NOW)
        dropped = ev.create_event(session, _new(here, "取消了", START), creator=None, now=NOW)
        dropped.status = ev.CANCELLED
        ids = {"late": late.id, "county": county.id, "elsewhere": elsewhere.id, "first": world["event"]}
    with Session(engine) as session:
        listed = lambda village, now=NOW: [e.id for e in ev.upcoming(session, village, now=now)]  # noqa: E731
        assert listed(here) == [ids["first"], ids["county"], ids["late"]]
        assert listed(None) == [ids["first"], ids["elsewhere"], ids["county"], ids["late"]]
        assert listed(here, START) == [ids["county"], ids["late"]]  # starting now: no longer upcoming


def test_the_event_list_shows_nine_at_most(engine, world):
    with session_scope(engine) as session:
        for day in range(1, 11):
            ev.create_event(session, _new(world["village"], f"讲座{day}", START + timedelta(days=day)), creator=None,
                            now=NOW)
    with Session(engine) as session:
        assert len(ev.upcoming(session, world["village"], now=NOW)) == 9
        assert len(ev.upcoming(session, world["village"], now=NOW, limit=20)) == 11


def test_an_event_needs_a_place_and_a_deadline_after_now(engine, world):
    with session_scope(engine) as session:
        for capacity, deadline in ((0, START - timedelta(hours=1)), (5, NOW)):
            with pytest.raises(ValueError):
                new = ev.NewEvent(world["village"], "lecture", "讲座", "", START, capacity, deadline)
                ev.create_event(session, new, creator=None, now=NOW)
        assert ev.create_event(session, ev.NewEvent(world["village"], "lecture", "讲座", "", START, 1, START),
                               creator=None, now=NOW).capacity == 1  # a deadline at the start is allowed


def test_a_signup_without_a_party_size_is_one_person_booked_by_whoever_booked(engine, world):
    with session_scope(engine) as session:
        elder, daughter = session.get(User, world["users"][0]), session.get(User, world["users"][1])
        result = ev.sign_up(session, world["event"], elder, booked_by=daughter, now=NOW)
        assert (result.outcome, result.signup.user_id, result.signup.booked_by_id, result.promoted) == (
            "confirmed", elder.id, daughter.id, [])
        assert ev.seats_taken(session, world["event"]) == 1
        assert ev.sign_up(session, 9999, elder, booked_by=elder, now=NOW).outcome == "not_found"


def test_the_queue_is_numbered_from_one_in_arrival_order(engine, world):
    for uid in world["users"][:3]:
        _sign(engine, world["event"], uid)
    with Session(engine) as session:
        rows = session.exec(select(ev.EventSignup).order_by(ev.EventSignup.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3]


def test_signing_up_again_while_waiting_says_where_one_stands(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=1).id
    first, second = world["users"][:2]
    _sign(engine, event, first)
    waiting = _sign(engine, event, second)
    again = _sign(engine, event, second)
    assert (again.outcome, again.signup.id, again.position) == ("already", waiting.signup.id, 1)


def test_the_last_moment_to_sign_up_and_a_party_as_big_as_the_event(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=2).id
    deadline = START - timedelta(hours=12)
    assert _sign(engine, event, world["users"][0], party=2, now=deadline).outcome == "confirmed"


def test_signing_up_again_after_saying_no_clears_the_old_answer(engine, world):
    uid = world["users"][0]
    _sign(engine, world["event"], uid)
    with session_scope(engine) as session:
        ev.record_reply(session, _row(session, uid), coming=False, now=NOW)
    assert _sign(engine, world["event"], uid).signup.reply == ""


def test_events_are_counted_apart(engine, world):
    """Places, queues and one's own sign-up belong to one event: a full event does not fill another."""
    with session_scope(engine) as session:
        small = _event(session, world["village"], capacity=1).id
        other = _event(session, world["village"], capacity=2).id
    a, b, c, d, e = world["users"][:5]
    assert [_sign(engine, small, uid).outcome for uid in (a, b, e)] == ["confirmed", "waitlisted", "waitlisted"]
    # a's place at `small` is not one here
    assert [_sign(engine, other, uid).outcome for uid in (a, d)] == ["confirmed"] * 2
    waiting = _sign(engine, other, c)  # behind nobody here, though `small` has people waiting since earlier
    assert (waiting.outcome, waiting.position) == ("waitlisted", 1)
    with Session(engine) as session:
        assert (ev.seats_taken(session, small), ev.waiting_count(session, small)) == (1, 2)
        assert ev.seats_taken(session, world["event"]) == 0 and ev.waiting_count(session, world["event"]) == 0
    with session_scope(engine) as session:  # a place freed at `other` goes to its own queue only
        result = ev.cancel_signup(session, _row(session, a, other).id, by=session.get(User, a), now=NOW)
        assert [s.user_id for s in result.promoted] == [c]
    assert _statuses(engine, small) == [(a, "confirmed"), (b, "waitlisted"), (e, "waitlisted")]


def test_a_freed_pair_of_places_goes_to_as_many_waiting_people_as_fit_and_no_more(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=4).id
    pair, s1, s2, w1, w2, w3 = world["users"][:6]
    _sign(engine, event, pair, party=2)
    for uid in (s1, s2, w1, w2, w3):
        _sign(engine, event, uid)
    assert [p.user_id for p in _leave(engine, pair).promoted] == [w1, w2]
    assert _seats(engine, event) == 4 and _statuses(engine, event)[-1] == (w3, "waitlisted")


def test_the_queue_is_served_in_turn_even_for_someone_who_came_back(engine, world):
    """Coming back to an event joins the end of its queue, although one's row is the older one."""
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=1).id
    holder, returning, waiting = world["users"][:3]
    for uid in (holder, returning, waiting):
        _sign(engine, event, uid)
    _leave(engine, returning)
    assert _sign(engine, event, returning).position == 2
    assert [p.user_id for p in _leave(engine, holder).promoted] == [waiting]


def test_cancelling_what_is_not_there_and_at_the_deadline(engine, world):
    uid, event = world["users"][0], world["event"]
    _sign(engine, event, uid)
    deadline = START - timedelta(hours=12)
    with session_scope(engine) as session:
        person = session.get(User, uid)
        assert ev.cancel_signup(session, 9999, by=person, now=NOW).outcome == "not_found"
        signup = _row(session, uid)
        closed = ev.cancel_signup(session, signup.id, by=person, now=deadline + timedelta(seconds=1))
        assert (closed.outcome, closed.signup.id) == ("closed", signup.id)
        done = ev.cancel_signup(session, signup.id, by=person, now=deadline)
        assert (done.outcome, done.signup.id, done.signup.status) == ("cancelled", signup.id, ev.WITHDRAWN)
        again = ev.cancel_signup(session, signup.id, by=person, now=deadline)
        assert (again.outcome, again.signup.id) == ("not_found", signup.id)


def test_the_answer_to_a_reminder_is_kept(engine, world):
    yes, no, late = world["users"][:3]
    for uid in (yes, no, late):
        _sign(engine, world["event"], uid)
    with session_scope(engine) as session:
        result = ev.record_reply(session, _row(session, yes), coming=True, now=START - timedelta(hours=20))
        assert (result.outcome, result.signup.user_id) == ("confirmed", yes)
        assert ev.record_reply(session, _row(session, no), coming=False, now=NOW).outcome == "cancelled"
        assert ev.record_reply(session, _row(session, late), coming=False, now=START).outcome == "closed"
    with Session(engine) as session:
        assert [(_row(session, u).reply, _row(session, u).status) for u in (yes, no, late)] == [
            ("yes", ev.CONFIRMED), ("no", ev.WITHDRAWN), ("", ev.CONFIRMED)]


def test_reminder_boundaries(engine, world):
    """The day-before reminder from 24 hours ahead until 3 hours ahead, the hour-before one in the last hour."""
    _sign(engine, world["event"], world["users"][0])
    with Session(engine) as session:
        kinds = lambda delta: [k for _, _, k in ev.due_reminders(session, now=START - delta)]  # noqa: E731
        assert kinds(timedelta(hours=24)) == ["day"]
        assert kinds(timedelta(hours=3, minutes=30)) == ["day"]
        assert kinds(timedelta(hours=3)) == []
        assert kinds(timedelta(hours=1)) == ["hour"]
        assert kinds(timedelta(0)) == []


def test_reminders_go_to_confirmed_places_at_open_events_soonest_event_first_then_in_turn(engine, world):
    with session_scope(engine) as session:
        later = ev.create_event(session, _new(world["village"], "晚一点", START + timedelta(minutes=30), capacity=1),
                                creator=None, now=NOW).id
        dropped = ev.create_event(session, _new(world["village"], "取消了", START), creator=None, now=NOW).id
    a, b, c, d = world["users"][:4]
    _sign(engine, later, a)
    _sign(engine, later, d)  # waits: no reminder
    _sign(engine, dropped, a)
    for uid in (b, c):
        _sign(engine, world["event"], uid)
    _leave(engine, b)
    _sign(engine, world["event"], b)  # back, behind c
    with session_scope(engine) as session:
        session.get(ev.Event, dropped).status = ev.CANCELLED
    with Session(engine) as session:
        due = ev.due_reminders(session, now=START - timedelta(hours=20))
        assert [(s.user_id, e.id) for s, e, _ in due] == [(c, world["event"]), (b, world["event"]), (a, later)]


def test_a_place_got_within_the_last_day_gets_no_day_before_reminder(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=1).id
    holder, early, queued = world["users"][:3]
    _sign(engine, event, holder, now=NOW)
    _sign(engine, event, queued, now=START - timedelta(hours=30))
    _leave(engine, holder, now=START - timedelta(hours=20))  # `queued` gets the place 20 hours ahead
    _sign(engine, world["event"], early, now=START - timedelta(hours=24))  # exactly a day ahead: early enough
    with Session(engine) as session:
        due = ev.due_reminders(session, now=START - timedelta(hours=19))
        assert [(s.user_id, k) for s, _, k in due] == [(early, "day")]


def test_attendance_opens_an_hour_before_and_only_training_grants_a_qualification(engine, world):
    uid = world["users"][0]
    with session_scope(engine) as session:
        lecture = _event(session, world["village"], qualification="meal").id
        training = _event(session, world["village"], kind="training", qualification="escort").id  # never expires
    for event in (lecture, training):
        _sign(engine, event, uid)
    with session_scope(engine) as session:
        for event in (lecture, training):
            assert ev.mark_attended(session, _row(session, uid, event), session.get(ev.Event, event), by="admin",
                                    now=START - timedelta(hours=1))
    with Session(engine) as session:
        assert [(r.qualification, r.expires_at) for r in session.exec(select(TrainingRecord))] == [("escort", None)]
        assert qualifications(session, [uid], now=START + timedelta(days=3650))[uid] == {"escort"}


def test_signing_up_cancelling_and_attendance_are_in_the_audit_log(engine, world):
    from models.core.audit import AuditEntry

    elder, daughter = world["users"][:2]
    event = world["event"]
    with session_scope(engine) as session:
        ev.sign_up(session, event, session.get(User, elder), booked_by=session.get(User, daughter), party_size=2,
                   now=NOW)
        ev.sign_up(session, event, session.get(User, daughter), booked_by=session.get(User, daughter), now=NOW)
        row, own = _row(session, elder), _row(session, daughter)
        ev.mark_attended(session, own, session.get(ev.Event, event), by="admin", now=START)
        ev.cancel_signup(session, row.id, by=session.get(User, daughter), now=NOW)
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("event."))
                               .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.action, e.target, e.detail) for e in entries[-4:]] == [
            ("p01", "event.signup", f"event:{event}", {"attendee": "p00", "party_size": 2, "status": "confirmed"}),
            ("p01", "event.signup", f"event:{event}", {"attendee": "p01", "party_size": 1, "status": "confirmed"}),
            ("admin", "event.attend", f"event:{event}", {"signup": own.id}),
            ("p01", "event.cancel", f"event:{event}", {"signup": row.id}),
        ]


def test_my_places_are_those_held_or_awaited_at_events_not_yet_started(engine, world):
    with session_scope(engine) as session:
        sooner = ev.create_event(session, _new(world["village"], "早一场", START - timedelta(hours=1), capacity=1),
                                 creator=None, now=NOW).id
        left = ev.create_event(session, _new(world["village"], "不去了", START), creator=None, now=NOW).id
    me, family, stranger = world["users"][:3]
    _sign(engine, world["event"], me)
    _sign(engine, sooner, stranger)
    _sign(engine, sooner, family)  # waits
    _sign(engine, left, me)
    with session_scope(engine) as session:
        ev.cancel_signup(session, _row(session, me, left).id, by=session.get(User, me), now=NOW)
    with Session(engine) as session:
        mine = ev.active_signups(session, [me, family], now=NOW)
        assert [(s.user_id, s.status, e.id) for s, e in mine] == [
            (family, ev.WAITLISTED, sooner), (me, ev.CONFIRMED, world["event"])]
        assert [e.id for _, e in ev.active_signups(session, [me, family], now=START - timedelta(hours=1))] == [
            world["event"]]


def test_arriving_finds_my_confirmed_place_from_an_hour_before_to_an_hour_after(engine, world):
    with session_scope(engine) as session:
        other = ev.create_event(session, _new(world["village"], "同时另一场", START + timedelta(minutes=30),
                                              capacity=1), creator=None, now=NOW).id
    me, someone, waiting = world["users"][:3]
    _sign(engine, other, me)
    _sign(engine, world["event"], me)
    _sign(engine, other, waiting)
    end = START + timedelta(hours=2)
    with Session(engine) as session:
        person = lambda uid: session.get(User, uid)  # noqa: E731
        found = lambda uid, now: ev.arriving(session, person(uid), now=now)  # noqa: E731
        assert found(me, START - timedelta(hours=1, seconds=1)) is None
        signup, event = found(me, START - timedelta(hours=1))
        assert (signup.user_id, signup.event_id, event.id) == (me, world["event"], world["event"])  # the sooner
        assert found(me, end + timedelta(hours=1))[1].id == world["event"]
        assert found(me, end + timedelta(hours=1, minutes=30))[1].id == other
        assert found(me, end + timedelta(hours=2, seconds=1)) is None
        assert found(someone, START) is None and found(waiting, START) is None


def test_the_check_in_list_is_the_confirmed_people_in_turn(engine, world):
    with session_scope(engine) as session:
        event = _event(session, world["village"], capacity=3).id
    a, b, c, d, e = world["users"][:5]
    for uid in (a, b, c, d):
        _sign(engine, event, uid)
    _sign(engine, world["event"], e)
    _leave(engine, a)  # d moves up
    _sign(engine, event, a)  # a comes back: at the end of the queue
    _leave(engine, b)  # a moves up, after c and d
    with Session(engine) as session:
        assert [(s.user_id, u.id, u.name) for s, u in ev.attendees(session, event)] == [
            (c, c, "村民2"), (d, d, "村民3"), (a, a, "村民0")]


def test_the_demo_events_are_seeded_once_per_village_on_china_time(engine, world):
    from models.events.seed import DEMO_EVENTS, DEMO_TZ, seed_events

    evening = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 December in the village
    with session_scope(engine) as session:
        here = session.get(Village, world["village"])
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        seed_events(session, here, now=evening)
        seed_events(session, here, now=evening)  # idempotent
        seed_events(session, other, now=evening)
    with Session(engine) as session:
        seeded = session.exec(select(ev.Event).where(ev.Event.title.in_([d[3] for d in DEMO_EVENTS]))
                              .order_by(ev.Event.village_id, ev.Event.starts_at)).all()
        assert [e.village_id for e in seeded] == [world["village"]] * 4 + [other.id] * 4
        first, training = seeded[0], seeded[1]
        assert (ev.as_utc(first.starts_at), ev.as_utc(first.signup_deadline)) == (
            datetime(2026, 12, 4, 9, 0, tzinfo=DEMO_TZ), datetime(2026, 12, 3, 20, 0, tzinfo=DEMO_TZ))
        assert (training.kind, training.qualification, training.valid_days) == ("training", "meal", 365)
    later = evening + timedelta(days=30)  # the demo events are over: seeding again plans new ones
    with session_scope(engine) as session:
        seed_events(session, session.get(Village, world["village"]), now=later)
    with Session(engine) as session:
        assert len(ev.upcoming(session, world["village"], now=later)) == 4


def test_an_event_is_stored_as_given_trimmed_to_fit_and_its_creation_audited(engine, world):
    from models.core.audit import AuditEntry

    with session_scope(engine) as session:
        coordinator = session.get(User, world["users"][0])
        new = ev.NewEvent(world["village"], "clinic", "  " + "义" * 90 + "  ", "卫" * 130, START, 5,
                          START - timedelta(hours=1), duration=timedelta(hours=3))
        event = ev.create_event(session, new, creator=coordinator, now=NOW)
        assert (event.title, event.place, event.created_by_id) == ("义" * 80, "卫" * 120, coordinator.id)
        assert (event.starts_at, event.ends_at, event.signup_deadline) == (
            START, START + timedelta(hours=3), START - timedelta(hours=1))
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "event.create")
                               .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.target, e.detail) for e in entries] == [
            ("cli", f"event:{world['event']}", {"title": "防跌倒讲座"}),
            ("p00", f"event:{event.id}", {"title": "义" * 80})]


def test_the_console_says_why_an_event_was_refused(engine, world):
    """`flask events create` shows create_event's reason to the operator."""
    cases = [(ev.NewEvent(world["village"], "party", "聚会", "", START, 5, START), "^unknown event kind 'party'$"),
             (ev.NewEvent(world["village"], "lecture", "讲座", "", START, 0, NOW), "^capacity ≥ 1, a future start"),
             (ev.NewEvent(world["village"], "training", "培训", "", START, 5, START), "^a training event names")]
    with session_scope(engine) as session:
        for new, reason in cases:
            with pytest.raises(ValueError, match=reason):
                ev.create_event(session, new, creator=None, now=NOW)


def test_the_demo_leaves_an_event_already_planned_alone_and_plans_the_rest(engine, world):
    from models.events.seed import DEMO_EVENTS, seed_events

    title = DEMO_EVENTS[0][3]
    with session_scope(engine) as session:
        ev.create_event(session, _new(world["village"], title, START), creator=None, now=NOW)
        seed_events(session, session.get(Village, world["village"]), now=NOW)
    with Session(engine) as session:
        titles = [e.title for e in session.exec(select(ev.Event).where(ev.Event.village_id == world["village"]))]
        assert sorted(titles) == sorted(["防跌倒讲座"] + [d[3] for d in DEMO_EVENTS])
    with session_scope(engine) as session:  # starting right now: no longer upcoming, the demo plans the next
        seed_events(session, session.get(Village, world["village"]), now=START)
    with Session(engine) as session:
        assert len(session.exec(select(ev.Event).where(ev.Event.title == title)).all()) == 2
