"""models/core with an explicit clock: the outbox (a message delivered once, retried without duplicates),
inbound dedup, the customer-service windows (5 messages in 48 hours, 3 in a minute after a tap), leases,
a push's arrival, held pushes and their release, the channel a push takes and the alert when it cannot go."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.core import arrival, delivery_alerts, delivery_policy, inbound, leases, outbox, outbox_hold, preload
from models.core import windows as win
from models.core.audit import AuditEntry, audit
from models.core.conversation import ConversationState, clear_state, load_state, save_state
from models.core.notify import Notice
from models.core.push_kinds import (
    CHECKIN_FAMILY,
    DELIVERY_FAILED,
    DIGEST,
    EMERGENCY_ALERT,
    FULL_TEXT,
    HUMAN_HANDOFF,
    is_critical,
)
from models.people.users import User, Village

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_statements():
    """The hot-path statements are built once per process: build them from the code under test (a mutation run
    changes that code in a process that has built them already)."""
    for built in (arrival._insert_statement, arrival._postgresql_statement, win.upsert_statement, inbound._statements,
                  leases._turn_statement):
        built.cache_clear()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


def _row(session: Session, key: str) -> outbox.OutboxMessage:
    return session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.key == key)).one()


def _queue(session: Session, key: str, *, openid: str = "u1", kind: str = "notice", text: str = "通知",
           priority: int = outbox.NORMAL, **extra) -> outbox.OutboxMessage:
    assert outbox.enqueue(session, key=key, openid=openid, kind=kind, text=text, now=extra.pop("now", NOW),
                          priority=priority, **extra)
    return _row(session, key)


# --- the outbox: a notification is written once, claimed by one worker, sent once ---------------------------

def test_a_notification_is_queued_once_per_key_and_due_now(session):
    assert outbox.enqueue(session, key="k1", openid="u1", kind="notice", text="明天停水", now=NOW,
                          template_data={"title": "停水"})
    assert not outbox.enqueue(session, key="k1", openid="u1", kind="notice", text="另一条", now=NOW)
    row = _row(session, "k1")
    assert (row.openid, row.kind, row.text, row.template_data) == ("u1", "notice", "明天停水", {"title": "停水"})
    assert (row.status, row.attempts, row.priority, row.channel) == (outbox.PENDING, 0, outbox.NORMAL, None)
    assert row.not_before == NOW and row.created_at == NOW


def test_a_queued_row_keeps_its_channel_status_priority_and_later_start(session):
    later = NOW + timedelta(hours=2)
    row = _queue(session, "sms", priority=outbox.URGENT, not_before=later, channel=outbox.SMS, status=outbox.HELD)
    assert (row.channel, row.status, row.priority, row.not_before) == (outbox.SMS, outbox.HELD, outbox.URGENT, later)


def test_many_notifications_in_one_insert_count_only_new_keys(session):
    assert outbox.enqueue_many(session, []) == 0
    _queue(session, "old")
    rows = [outbox.row(key=k, openid="u1", kind="notice", text=k, now=NOW) for k in ("a", "old", "b", "a")]
    assert outbox.enqueue_many(session, rows) == 2
    ids = {k: _row(session, k).id for k in ("old", "a", "b")}
    assert ids["old"] < ids["a"] < ids["b"]
    assert _row(session, "old").text == "通知"


def test_only_due_pending_rows_are_claimed_most_urgent_first(session):
    _queue(session, "held", priority=outbox.URGENT, status=outbox.HELD)
    _queue(session, "low", priority=outbox.LOW)
    _queue(session, "normal-1")
    _queue(session, "normal-2")
    _queue(session, "urgent", priority=outbox.URGENT)
    _queue(session, "later", not_before=NOW + SECOND)
    claimed = outbox.claim_due(session, worker="w1", now=NOW, limit=3, lease=30)
    assert [r.key for r in claimed] == ["urgent", "normal-1", "normal-2"]
    assert all((r.status, r.claimed_by, r.claimed_until) == (outbox.SENDING, "w1", NOW + timedelta(seconds=30))
               for r in claimed)
    rest = outbox.claim_due(session, worker="w1", now=NOW, limit=10, lease=30)
    assert [r.key for r in rest] == ["low"]  # nobody claims a row twice; "later" is not due yet
    assert outbox.claim_due(session, worker="w3", now=NOW, limit=10, lease=30) == []
    assert [r.key for r in outbox.claim_due(session, worker="w3", now=NOW + SECOND, limit=10, lease=30)] == ["later"]
    assert _row(session, "held").status == outbox.HELD


def test_a_row_that_is_not_waiting_takes_no_place_in_a_claim(session):
    _queue(session, "held", priority=outbox.URGENT, status=outbox.HELD)
    _queue(session, "due")
    assert [r.key for r in outbox.claim_due(session, worker="w1", now=NOW, limit=1, lease=30)] == ["due"]


def test_a_send_is_recorded_before_it_leaves_and_a_success_clears_the_claim(session):
    _queue(session, "k")
    [row] = outbox.claim_due(session, worker="w1", now=NOW, limit=1, lease=30)
    row.last_errcode, row.last_error = 45009, "busy"
    outbox.start_attempt(row, outbox.CUSTOM, now=NOW)
    outbox.start_attempt(row, outbox.CUSTOM, now=NOW + SECOND)
    assert (row.channel, row.attempts, row.send_started_at) == (outbox.CUSTOM, 2, NOW + SECOND)
    outbox.mark_sent(row, now=NOW + 2 * SECOND, msgid="m1")
    assert (row.status, row.sent_at, row.wechat_msgid) == (outbox.SENT, NOW + 2 * SECOND, "m1")
    assert (row.claimed_by, row.claimed_until, row.send_started_at) == (None, None, None)
    assert (row.last_errcode, row.last_error) == (None, None)


@pytest.mark.parametrize("errcode, channel, has_template, attempts, ambiguous, action, reason", [
    (None, outbox.CUSTOM, True, 1, True, "uncertain", "no answer to a customer-service send; not repeated"),
    (None, outbox.TEMPLATE, True, 1, True, "retry", "transient (None)"),  # a template send carries client_msg_id
    (45015, outbox.CUSTOM, True, 1, False, "fallback", "window closed (45015); template form"),
    (45047, outbox.CUSTOM, False, 1, False, "undeliverable", "window closed (45047) and no template for this kind"),
    (45015, outbox.TEMPLATE, True, 1, False, "failed", "rejected by WeChat (45015)"),
    (43004, outbox.TEMPLATE, True, 1, False, "unsubscribed", "user does not follow the account (43004)"),
    (45009, outbox.CUSTOM, True, 2, False, "retry", "transient (45009)"),
    (45009, outbox.CUSTOM, True, 3, False, "failed", "gave up after 3 attempts (45009)"),
    (-1, outbox.CUSTOM, True, 1, False, "retry", "transient (-1)"),
    (40001, outbox.TEMPLATE, True, 1, False, "retry", "transient (40001)"),
    # A refusal fails at once, a critical one alerting the coordinators now, not after every retry's wait
    # (they were all retried: any errcode >= 500 counted as transient, and WeChat's are all above 40000).
    (40003, outbox.CUSTOM, True, 1, False, "failed", "rejected by WeChat (40003)"),
    (47003, outbox.TEMPLATE, True, 1, False, "failed", "rejected by WeChat (47003)"),
    (40164, outbox.TEMPLATE, True, 1, False, "failed", "rejected by WeChat (40164)"),
])
def test_what_a_failed_send_leads_to(errcode, channel, has_template, attempts, ambiguous, action, reason):
    decision = outbox.decide(errcode, channel=channel, has_template=has_template, attempts=attempts, max_attempts=3,
                             ambiguous=ambiguous)
    assert (decision.action, decision.reason) == (action, reason)


def test_a_refused_customer_service_send_is_not_taken_for_an_unanswered_one():
    decision = outbox.decide(45009, channel=outbox.CUSTOM, has_template=True, attempts=1, max_attempts=3)
    assert decision.action == "retry"


def test_retries_wait_twice_as_long_each_time_up_to_the_cap():
    delays = [outbox.backoff(n, base=10, cap=60).total_seconds() for n in (0, 1, 2, 3, 4)]
    assert delays == [10, 10, 20, 40, 60]


@pytest.mark.parametrize("action, status, not_before, channel", [
    ("retry", outbox.PENDING, NOW + timedelta(seconds=40), outbox.CUSTOM),
    ("rechoose", outbox.PENDING, NOW, None),
    ("fallback", outbox.PENDING, NOW, outbox.TEMPLATE),
    ("undeliverable", outbox.UNDELIVERABLE, None, outbox.CUSTOM),
    ("unsubscribed", outbox.UNDELIVERABLE, None, outbox.CUSTOM),
    ("uncertain", outbox.UNCERTAIN, None, outbox.CUSTOM),
    ("failed", outbox.FAILED, None, outbox.CUSTOM),
])
def test_a_decision_moves_the_row(session, action, status, not_before, channel):
    _queue(session, "k")
    [row] = outbox.claim_due(session, worker="w1", now=NOW, limit=1, lease=30)
    outbox.start_attempt(row, outbox.CUSTOM, now=NOW)
    outbox.apply_decision(row, outbox.Decision(action, "x" * 600), errcode=45009, now=NOW,
                          delay=timedelta(seconds=40))
    assert (row.status, row.channel, row.last_errcode, row.last_error) == (status, channel, 45009, "x" * 500)
    assert row.not_before == (not_before or NOW)
    assert (row.claimed_by, row.claimed_until, row.send_started_at) == (None, None, None)


def test_a_retry_without_a_delay_is_due_at_once(session):
    row = _queue(session, "k")
    outbox.apply_decision(row, outbox.Decision("retry", "busy"), errcode=-1, now=NOW + SECOND)
    assert row.not_before == NOW + SECOND


def test_rows_of_a_dead_worker_go_back_unless_a_customer_service_send_may_have_left(session):
    for key in ("unstarted", "custom", "custom-2", "template", "alive"):
        _queue(session, key)
    claimed = {r.key: r for r in outbox.claim_due(session, worker="w1", now=NOW, limit=10, lease=30)}
    outbox.start_attempt(claimed["custom"], outbox.CUSTOM, now=NOW)
    outbox.start_attempt(claimed["custom-2"], outbox.CUSTOM, now=NOW)
    outbox.start_attempt(claimed["template"], outbox.TEMPLATE, now=NOW)
    claimed["alive"].claimed_until = NOW + timedelta(seconds=31)
    session.flush()
    expiry = NOW + timedelta(seconds=30)
    assert outbox.recover_stale(session, now=expiry) == {"requeued": 0, "uncertain": 0}  # the lease still runs
    later = expiry + SECOND
    assert outbox.recover_stale(session, now=later) == {"requeued": 2, "uncertain": 2}
    session.flush()
    rows = {k: _row(session, k) for k in claimed}
    assert (rows["custom"].status, rows["custom"].last_error) == (outbox.UNCERTAIN,
                                                                  "worker stopped during a customer-service send")
    assert [(rows[k].status, rows[k].not_before) for k in ("unstarted", "template")] == [(outbox.PENDING, later)] * 2
    assert all((r.claimed_by, r.claimed_until, r.send_started_at) == (None, None, None)
               for k, r in rows.items() if k != "alive")
    assert rows["alive"].status == outbox.SENDING and rows["alive"].claimed_by == "w1"
    assert [r.key for r in outbox.claim_due(session, worker="w2", now=later, limit=10, lease=30)] == [
        "unstarted", "template"]


def test_only_a_notification_nobody_started_sending_can_be_withdrawn(session):
    _queue(session, "waiting")
    _queue(session, "leaving")
    outbox.claim_due(session, worker="w1", now=NOW, limit=1, lease=30)
    assert outbox.cancel_if_pending(session, "leaving") is True
    assert outbox.cancel_if_pending(session, "waiting") is False
    assert outbox.cancel_if_pending(session, "unknown") is False
    session.expire_all()
    assert (_row(session, "leaving").status, _row(session, "leaving").last_error) == (outbox.CANCELLED,
                                                                                       "no longer relevant")
    assert _row(session, "waiting").status == outbox.SENDING
    assert outbox.summary(session) == {outbox.CANCELLED: 1, outbox.SENDING: 1}


# --- inbound: a retried push causes no second side effect ---------------------------------------------------

def test_a_retry_of_the_same_push_shares_its_key():
    assert inbound.dedup_key("u1", 42, 1700000000, None) == "m:u1:42"
    assert inbound.dedup_key("u1", "42", 1700000000, "CLICK", "menu") == "m:u1:42"
    for no_id in (None, 0, "0", ""):
        assert inbound.dedup_key("u1", no_id, 1700000000, "CLICK", "menu_help") == "e:u1:1700000000:click:menu_help"
    assert inbound.dedup_key("u1", None, 1700000000, None) == "e:u1:1700000000::"
    assert len(inbound.dedup_key("u" * 64, None, 1700000000, "x" * 200)) == 200


def test_a_push_is_recorded_once_and_its_reply_stored_for_retries(session):
    first = inbound.record_inbound(session, key="m:u1:1", openid="u1", msg_type="text", event="",
                                   payload={"Content": "你好"}, now=NOW)
    again = inbound.record_inbound(session, key="m:u1:1", openid="u1", msg_type="text", event="",
                                   payload={"Content": "你好"}, now=NOW + SECOND)
    assert first[1] is True and again == (first[0], False)
    row = session.get(inbound.InboundMessage, first[0])
    assert (row.openid, row.msg_type, row.payload, row.status, row.received_at) == (
        "u1", "text", {"Content": "你好"}, inbound.PROCESSING, NOW)
    assert inbound.inbound_status(session, first[0]) == (inbound.PROCESSING, None)
    assert inbound.finish_inbound(session, first[0], "您好", now=NOW + SECOND) is True
    assert inbound.finish_inbound(session, first[0], "又一遍", now=NOW + 2 * SECOND) is False
    assert inbound.hand_off(session, first[0]) is False  # the reply is already stored
    assert inbound.inbound_status(session, first[0]) == (inbound.DONE, "您好")
    session.expire_all()
    assert session.get(inbound.InboundMessage, first[0]).finished_at == NOW + SECOND


def test_a_handed_off_push_is_not_answered_twice(session):
    row_id, _ = inbound.record_inbound(session, key="e:u1:1:click:k", openid="u1", msg_type="event", event="CLICK",
                                       payload={}, now=NOW)
    assert session.get(inbound.InboundMessage, row_id).event == "CLICK"
    assert inbound.hand_off(session, row_id) is True
    assert inbound.hand_off(session, row_id) is False
    assert inbound.finish_inbound(session, row_id, "晚了", now=NOW) is False
    assert inbound.inbound_status(session, row_id) == (inbound.HANDED_OFF, None)
    other, _ = inbound.record_inbound(session, key="m:u1:2", openid="u1", msg_type="text", event="", payload={},
                                      now=NOW)
    assert inbound.finish_inbound(session, other, "出错了", now=NOW, status=inbound.FAILED) is True
    assert inbound.inbound_status(session, other) == (inbound.FAILED, "出错了")


def test_pushes_left_processing_are_found_and_old_finished_ones_pruned(session):
    ids = {}
    for key, age in (("new-stuck", 0), ("old-done", 31), ("old-stuck", 31), ("day-30", 30)):
        ids[key], _ = inbound.record_inbound(session, key=key, openid="u1", msg_type="text", event="", payload={},
                                             now=NOW - timedelta(days=age))
    for key in ("old-done", "day-30"):
        inbound.finish_inbound(session, ids[key], "ok", now=NOW)
    stale = inbound.stale_inbound(session, now=NOW, older_than=60)
    assert [r.dedup_key for r in stale] == ["old-stuck"]
    assert [r.dedup_key for r in inbound.stale_inbound(session, now=NOW + timedelta(seconds=61), older_than=60)] == [
        "new-stuck", "old-stuck"]  # in the order they came
    assert [r.dedup_key for r in inbound.stale_inbound(session, now=NOW + timedelta(seconds=60), older_than=60)] == [
        "old-stuck"]
    assert inbound.prune_inbound(session, now=NOW, keep_days=30) == 1
    left = session.exec(select(inbound.InboundMessage.dedup_key).order_by(inbound.InboundMessage.id)).all()
    assert left == ["new-stuck", "old-stuck", "day-30"]


# --- the customer-service windows --------------------------------------------------------------------------

def test_a_user_message_allows_five_messages_within_48_hours(session):
    assert not win.can_send_custom(session, "u1", now=NOW)
    assert not win.consume(session, "u1", now=NOW)
    win.record_interaction(session, "u1", win.MESSAGE, now=NOW)
    last = NOW + timedelta(hours=48) - SECOND
    assert win.can_send_custom(session, "u1", now=last)
    assert not win.can_send_custom(session, "u1", now=NOW + timedelta(hours=48))
    assert [win.consume(session, "u1", now=NOW) for _ in range(4)] == [True] * 4
    assert win.can_send_custom(session, "u1", now=NOW)  # the fifth: nothing is kept back unless asked
    assert [win.consume(session, "u1", now=NOW) for _ in range(2)] == [True, False]
    assert session.get(win.ServiceWindow, "u1").message_used == 5
    assert not win.can_send_custom(session, "u1", now=NOW)


def test_a_new_message_opens_a_fresh_window_seen_by_the_same_session(session):
    win.record_interaction(session, "u1", win.MESSAGE, now=NOW)
    for _ in range(5):
        win.consume(session, "u1", now=NOW)
    session.flush()
    later = NOW + timedelta(hours=47)
    win.record_interaction(session, "u1", win.MESSAGE, now=later)
    window = session.get(win.ServiceWindow, "u1")
    assert (window.message_at, window.message_used) == (later, 0)
    assert win.can_send_custom(session, "u1", now=later + timedelta(hours=47))


def test_a_menu_tap_allows_three_messages_within_a_minute_then_the_message_window(session):
    win.record_interaction(session, "u1", win.EVENT, now=NOW)
    assert win.open_quota(session.get(win.ServiceWindow, "u1"), now=NOW + 59 * SECOND) == win.EVENT
    assert win.open_quota(session.get(win.ServiceWindow, "u1"), now=NOW + 60 * SECOND) is None
    assert [win.consume(session, "u1", now=NOW) for _ in range(4)] == [True, True, True, False]
    window = session.get(win.ServiceWindow, "u1")
    assert (window.event_used, window.message_used) == (3, 0)
    session.flush()
    win.record_interaction(session, "u1", win.MESSAGE, now=NOW)
    assert win.open_quota(session.get(win.ServiceWindow, "u1"), now=NOW) == win.MESSAGE
    win.record_interaction(session, "u1", win.EVENT, now=NOW + SECOND)
    assert win.consume(session, "u1", now=NOW + SECOND)
    window = session.get(win.ServiceWindow, "u1")
    assert (window.event_used, window.message_used) == (1, 0)  # the tap's quota is spent first


def test_routine_pushes_leave_the_reserve_for_critical_ones(session):
    win.record_interaction(session, "u1", win.MESSAGE, now=NOW)
    assert [win.consume(session, "u1", now=NOW, keep=2) for _ in range(4)] == [True, True, True, False]
    assert not win.can_send_custom(session, "u1", now=NOW, keep=2)
    assert win.can_send_custom(session, "u1", now=NOW, keep=1)
    assert win.consume(session, "u1", now=NOW) and win.consume(session, "u1", now=NOW)
    assert not win.can_send_custom(session, "u1", now=NOW)


def test_the_last_message_of_a_window_is_open_unless_kept_back():
    window = win.ServiceWindow(openid="u1", message_at=NOW, message_used=win.MESSAGE_QUOTA - 1)
    assert win.open_quota(window, now=NOW) == win.MESSAGE
    assert win.open_quota(window, now=NOW, keep=1) is None


def test_an_unknown_interaction_kind_is_refused(session):
    with pytest.raises(ValueError, match="unknown interaction kind 'voice'"):
        win.record_interaction(session, "u1", "voice", now=NOW)


def test_a_window_wechat_says_is_closed_is_closed(session):
    win.close_window(session, "nobody")
    assert session.get(win.ServiceWindow, "nobody") is None
    win.record_interaction(session, "u1", win.MESSAGE, now=NOW)
    win.record_interaction(session, "u1", win.EVENT, now=NOW)
    win.close_window(session, "u1")
    session.flush()
    session.expire_all()
    window = session.get(win.ServiceWindow, "u1")
    assert (window.message_used, window.event_used) == (win.MESSAGE_QUOTA, win.EVENT_QUOTA)
    assert not win.can_send_custom(session, "u1", now=NOW)


# --- leases ------------------------------------------------------------------------------------------------

def test_a_lease_has_one_holder_until_it_expires(session):
    assert leases.acquire_lease(session, "scheduler", "a", now=NOW, ttl=60)
    assert not leases.acquire_lease(session, "scheduler", "b", now=NOW + timedelta(seconds=60), ttl=60)
    assert leases.acquire_lease(session, "scheduler", "a", now=NOW + timedelta(seconds=30), ttl=60)  # renewed
    assert not leases.acquire_lease(session, "scheduler", "b", now=NOW + timedelta(seconds=61), ttl=60)
    assert leases.acquire_lease(session, "other", "b", now=NOW, ttl=60)
    assert leases.acquire_lease(session, "scheduler", "b", now=NOW + timedelta(seconds=91), ttl=60)
    assert session.get(leases.Lease, "scheduler").holder == "b"
    assert not leases.release_lease(session, "scheduler", "a")
    assert leases.release_lease(session, "scheduler", "b")
    assert leases.acquire_lease(session, "scheduler", "a", now=NOW + timedelta(seconds=92), ttl=60)
    assert leases.release_lease(session, "other", "b")


def test_a_turn_is_refused_while_a_live_lease_of_that_name_exists(session):
    assert leases.take_turn(session, "user:u1", now=NOW)
    assert leases.acquire_lease(session, "user:u1", "import", now=NOW, ttl=60)
    assert not leases.take_turn(session, "user:u1", now=NOW + timedelta(seconds=59))
    assert leases.take_turn(session, "user:u2", now=NOW)
    assert leases.take_turn(session, "user:u1", now=NOW + timedelta(seconds=60))


# --- a push's arrival in one statement ---------------------------------------------------------------------

def _arrive(session, key, *, window, openid="u1", now=NOW):
    return arrival.record_arrival(session.connection(), key=key, openid=openid, msg_type="text", event="",
                                  payload={"Content": "在吗"}, now=now, window=window)


def test_a_new_message_is_recorded_and_opens_its_window(session):
    row_id = _arrive(session, "m:u1:1", window=win.MESSAGE)
    assert row_id is not None
    row = session.get(inbound.InboundMessage, row_id)
    assert (row.dedup_key, row.openid, row.msg_type, row.status, row.payload, row.received_at) == (
        "m:u1:1", "u1", "text", inbound.PROCESSING, {"Content": "在吗"}, NOW)
    window = session.get(win.ServiceWindow, "u1")
    assert (window.message_at, window.message_used, window.event_at, window.event_used) == (NOW, 0, None, 0)
    assert _arrive(session, "m:u1:1", window=win.MESSAGE, now=NOW + SECOND) is None  # a retry


def test_a_tap_opens_the_event_window_and_a_fresh_message_resets_the_count(session):
    assert _arrive(session, "e:u1:1", window=win.EVENT) is not None
    window = session.get(win.ServiceWindow, "u1")
    assert (window.event_at, window.event_used, window.message_at, window.message_used) == (NOW, 0, None, 0)
    for _ in range(5):
        win.consume(session, "u1", now=NOW + timedelta(minutes=2))
    session.flush()
    later = NOW + timedelta(hours=1)
    assert _arrive(session, "m:u1:2", window=win.MESSAGE, now=later) is not None
    session.expire_all()
    window = session.get(win.ServiceWindow, "u1")
    assert (window.message_at, window.message_used, window.event_at) == (later, 0, NOW)


def test_a_push_that_opens_no_window_is_recorded_alone(session):
    assert _arrive(session, "e:u1:3", window=None) is not None
    assert session.get(win.ServiceWindow, "u1") is None


def test_a_message_from_a_user_with_held_pushes_takes_the_full_path(session):
    _queue(session, "held-1", openid="u1", status=outbox.HELD)
    _queue(session, "held-2", openid="u2", status=outbox.PENDING)
    assert _arrive(session, "m:u1:1", window=win.MESSAGE) is None
    assert session.exec(select(inbound.InboundMessage)).all() == []
    assert _arrive(session, "e:u1:1", window=win.EVENT) is not None  # a tap releases nothing
    assert _arrive(session, "m:u2:1", window=win.MESSAGE, openid="u2") is not None


# --- held pushes --------------------------------------------------------------------------------------------

def test_a_held_row_waits_and_is_released_when_the_user_writes(session):
    _queue(session, "r1", text="甲")
    [row] = outbox.claim_due(session, worker="w1", now=NOW, limit=1, lease=30)
    outbox.start_attempt(row, outbox.TEMPLATE, now=NOW)
    outbox_hold.hold(row, reason="x" * 600)
    assert (row.status, row.last_error) == (outbox.HELD, "x" * 500)
    assert (row.claimed_by, row.claimed_until, row.send_started_at) == (None, None, None)
    session.add(row)
    assert outbox_hold.release(session, "someone-else", now=NOW) == 0
    later = NOW + timedelta(hours=5)
    assert outbox_hold.release(session, "u1", now=later) == 1
    assert (row.status, row.not_before, row.last_error, row.channel) == (outbox.PENDING, later, None, None)


def test_a_released_row_keeps_a_pinned_sms_channel(session):
    row = _queue(session, "sms", channel=outbox.SMS, status=outbox.HELD)
    assert outbox_hold.release(session, "u1", now=NOW) == 1
    assert (row.status, row.channel) == (outbox.PENDING, outbox.SMS)


def test_routine_held_pushes_are_merged_critical_ones_go_one_by_one(session):
    _queue(session, "a", text="甲" * 300, priority=outbox.LOW)
    _queue(session, "alarm", kind=EMERGENCY_ALERT, text="紧急", priority=outbox.URGENT)
    _queue(session, "b", text="乙" * 298, priority=outbox.NORMAL)
    _queue(session, "handoff", kind=HUMAN_HANDOFF, text="转人工")
    _queue(session, "other-user", openid="u2", text="别人的")
    for key in ("a", "alarm", "b", "handoff", "other-user"):
        _row(session, key).status = outbox.HELD
    _queue(session, "waiting", text="还没发")  # pending, not held: it goes on its own
    sent = _queue(session, "sent", text="已发")
    outbox.mark_sent(sent, now=NOW)
    session.flush()
    assert [r.key for r in outbox_hold.held_for(session, "u1")] == ["alarm", "b", "handoff", "a"]
    assert outbox_hold.release(session, "u1", now=NOW + SECOND) == 3
    session.flush()
    statuses = {k: _row(session, k).status for k in ("a", "alarm", "b", "handoff", "other-user", "waiting", "sent")}
    assert statuses == {"alarm": outbox.PENDING, "handoff": outbox.PENDING, "b": outbox.MERGED, "a": outbox.MERGED,
                        "other-user": outbox.HELD, "waiting": outbox.PENDING, "sent": outbox.SENT}
    assert _row(session, "waiting").not_before == NOW
    assert _row(session, "alarm").not_before == NOW + SECOND
    digest = _row(session, "digest:b")
    assert digest.text == "乙" * 298 + "\n\n" + "甲" * 300  # 600 characters exactly: one message
    assert (digest.kind, digest.priority, digest.status, digest.openid) == (DIGEST, outbox.NORMAL, outbox.PENDING,
                                                                          "u1")
    assert _row(session, "a").last_error == "merged into digest:b"


def test_a_digest_holds_at_most_600_characters(session):
    _queue(session, "a", text="甲" * 299, status=outbox.HELD)
    _queue(session, "b", text="乙" * 300, status=outbox.HELD)
    _queue(session, "c", text="丙", status=outbox.HELD)
    assert outbox_hold.release(session, "u1", now=NOW + SECOND) == 2
    session.flush()
    lone = _row(session, "a")
    assert (lone.status, lone.not_before, lone.text) == (outbox.PENDING, NOW + SECOND, "甲" * 299)
    assert _row(session, "digest:b").text == "乙" * 300 + "\n\n丙"
    assert session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.kind == DIGEST)).all() == [
        _row(session, "digest:b")]


def test_a_digest_counts_every_text_and_separator_it_holds(session):
    for key in ("a", "b", "c"):
        _queue(session, key * 200, text=key * 200, priority=outbox.LOW, status=outbox.HELD)
    assert outbox_hold.release(session, "u1", now=NOW) == 2  # 200 + 2 + 200 + 2 + 200 is over 600
    session.flush()
    digest_key = ("digest:" + "a" * 200)[:200]
    digest = _row(session, digest_key)
    assert (digest.text, digest.priority) == ("a" * 200 + "\n\n" + "b" * 200, outbox.LOW)
    assert _row(session, "a" * 200).last_error == f"merged into {digest_key}"
    assert _row(session, "c" * 200).status == outbox.PENDING


def test_the_full_text_of_a_template_is_kept_once_for_the_users_next_message(session):
    row = _queue(session, "checkin:1", kind=CHECKIN_FAMILY, text="全文", priority=outbox.URGENT)
    assert outbox_hold.hold_full_text(session, row, now=NOW)
    assert not outbox_hold.hold_full_text(session, row, now=NOW)
    kept = _row(session, "full:checkin:1")
    assert (kept.kind, kept.text, kept.status, kept.priority, kept.openid) == (FULL_TEXT, "全文", outbox.HELD,
                                                                              outbox.URGENT, "u1")
    assert kept.template_data == {"held_kind": CHECKIN_FAMILY, "of": "checkin:1"}
    assert delivery_policy.critical(kept) and delivery_policy.held_kind(kept) == CHECKIN_FAMILY
    long_key = _queue(session, "k" * 200)
    assert outbox_hold.hold_full_text(session, long_key, now=NOW)
    assert _row(session, ("full:" + "k" * 200)[:200]).status == outbox.HELD


def test_held_rows_the_user_never_came_back_for_become_undeliverable(session):
    _queue(session, "old", status=outbox.HELD, now=NOW - timedelta(days=7) - SECOND)
    _queue(session, "older", openid="u2", status=outbox.HELD, now=NOW - timedelta(days=9))
    _queue(session, "week", status=outbox.HELD, now=NOW - timedelta(days=7))
    _queue(session, "pending", now=NOW - timedelta(days=8))
    assert outbox_hold.expire(session, now=NOW, max_age=timedelta(days=7)) == 2
    session.flush()
    old = _row(session, "old")
    assert (old.status, old.last_error) == (outbox.UNDELIVERABLE, "held for the user's next message, which never came")
    assert (_row(session, "week").status, _row(session, "pending").status) == (outbox.HELD, outbox.PENDING)


# --- the channel a push takes -------------------------------------------------------------------------------

def _window(*, message_used: int = 0, event: bool = False) -> win.ServiceWindow:
    return win.ServiceWindow(openid="u1", message_at=NOW, message_used=message_used,
                             event_at=NOW if event else None, event_used=0)


def _msg(kind: str = "notice", channel: str | None = None, held_kind: str | None = None) -> outbox.OutboxMessage:
    return outbox.OutboxMessage(key="k", openid="u1", kind=kind, text="t", channel=channel,
                                template_data={"held_kind": held_kind} if held_kind else None)


@pytest.mark.parametrize("window, row, has_template, has_subscription, channel", [
    (_window(), _msg(channel=outbox.SMS), True, True, outbox.SMS),
    (_window(), _msg(FULL_TEXT), False, False, outbox.CUSTOM),
    (_window(message_used=3), _msg(FULL_TEXT, held_kind=EMERGENCY_ALERT), False, False, outbox.CUSTOM),
    (_window(message_used=3), _msg(FULL_TEXT, held_kind="notice"), True, True, delivery_policy.HOLD),
    (None, _msg(FULL_TEXT), True, True, delivery_policy.HOLD),
    (_window(), _msg(channel=outbox.TEMPLATE), True, False, outbox.TEMPLATE),
    (_window(), _msg(channel=outbox.TEMPLATE), False, False, outbox.CUSTOM),
    (_window(), _msg(), True, True, outbox.CUSTOM),
    (_window(message_used=3), _msg(), True, True, outbox.SUBSCRIBE),
    (_window(message_used=3), _msg(EMERGENCY_ALERT), True, True, outbox.CUSTOM),
    (_window(message_used=3, event=True), _msg(), True, True, outbox.CUSTOM),
    (None, _msg(), True, False, outbox.TEMPLATE),
    (None, _msg(), False, False, delivery_policy.HOLD),
    (None, _msg(EMERGENCY_ALERT), False, False, delivery_policy.UNDELIVERABLE),
])
def test_the_channel_a_push_takes(window, row, has_template, has_subscription, channel):
    assert delivery_policy.choose(window, row, has_template=has_template, now=NOW, reserve=2,
                                  has_subscription=has_subscription) == channel


def test_a_subscription_message_is_used_only_for_someone_who_consented():
    assert delivery_policy.choose(None, _msg(), has_template=True, now=NOW, reserve=2) == outbox.TEMPLATE


def test_critical_kinds_and_what_they_keep_of_the_window():
    assert all(is_critical(kind) for kind in (EMERGENCY_ALERT, HUMAN_HANDOFF, CHECKIN_FAMILY, DELIVERY_FAILED))
    assert not is_critical("notice") and not is_critical(FULL_TEXT) and not is_critical(DIGEST)
    assert is_critical(FULL_TEXT, EMERGENCY_ALERT) and not is_critical("notice", EMERGENCY_ALERT)
    assert delivery_policy.keep_for(_msg(EMERGENCY_ALERT), 2) == 0
    assert delivery_policy.keep_for(_msg(), 2) == 2
    assert delivery_policy.held_kind(_msg("notice", held_kind=EMERGENCY_ALERT)) is None
    assert delivery_policy.held_kind(_msg(FULL_TEXT)) is None


@pytest.mark.parametrize("errcode, ambiguous, has_template, attempts, action, reason, unused", [
    (None, True, True, 1, "uncertain", "no answer to a subscription message; not repeated", False),
    (43101, False, True, 1, "rechoose", "no subscription consent left (43101)", False),
    (47003, False, True, 1, "fallback", "subscription message refused (47003); template form", True),
    (47001, False, False, 1, "undeliverable", "subscription message refused (47001) and no template", True),
    (40037, False, True, 1, "fallback", "subscription message refused (40037); template form", True),
    (None, False, True, 2, "retry", "transient (None)", True),
    (45009, False, True, 3, "failed", "gave up after 3 attempts (45009)", True),
    (40003, False, True, 1, "failed", "rejected by WeChat (40003)", True),
])
def test_what_a_failed_subscription_message_leads_to(errcode, ambiguous, has_template, attempts, action, reason,
                                                      unused):
    decision, consent_unused = delivery_policy.decide_subscribe(errcode, ambiguous=ambiguous,
                                                                has_template=has_template, attempts=attempts,
                                                                max_attempts=3)
    assert (decision.action, decision.reason, consent_unused) == (action, reason, unused)


@pytest.mark.parametrize("transient, ambiguous, attempts, action, reason", [
    (True, True, 1, "uncertain", "no answer to an SMS send; not repeated (timeout)"),
    (True, False, 2, "retry", "transient (timeout)"),
    (True, False, 3, "failed", "gave up after 3 attempts (timeout)"),
    (False, False, 1, "failed", "rejected by the SMS provider (timeout)"),
])
def test_what_a_failed_sms_leads_to(transient, ambiguous, attempts, action, reason):
    decision = delivery_policy.decide_sms(transient=transient, ambiguous=ambiguous, attempts=attempts, max_attempts=3,
                                          reason="timeout")
    assert (decision.action, decision.reason) == (action, reason)


def test_a_routine_push_or_a_full_text_waits_for_the_user_a_critical_one_alerts():
    gone = outbox.Decision("undeliverable", "window closed")
    assert delivery_policy.waits_for_user(_msg(), gone)
    assert delivery_policy.waits_for_user(_msg(FULL_TEXT, held_kind=EMERGENCY_ALERT), gone)
    assert not delivery_policy.waits_for_user(_msg(EMERGENCY_ALERT), gone)
    assert not delivery_policy.waits_for_user(_msg(), outbox.Decision("failed", "rejected"))


# --- the alert when a critical push cannot be delivered ----------------------------------------------------

def _people(session) -> dict[str, User]:
    east = Village(code="east", name="东村", created_at=NOW)
    west = Village(code="west", name="西村", created_at=NOW)
    session.add_all([east, west])
    session.flush()
    people = {
        "elder": User(openid="elder-openid-123456", name="王秀英", phone="13800001111", roles=",elder,",
                      village_id=east.id),
        "admin-1": User(openid="admin-1", roles=",admin,", village_id=east.id),
        "admin-2": User(openid="admin-2", roles=",admin,", village_id=east.id),
        "west-admin": User(openid="west-admin", roles=",admin,", village_id=west.id),
        "county": User(openid="county", roles=",county_admin,"),
        "west-elder": User(openid="west-elder", roles=",elder,", village_id=west.id),
    }
    for user in people.values():
        user.created_at = user.updated_at = NOW
    session.add_all(people.values())
    session.flush()
    return people


def test_an_undelivered_critical_push_alerts_the_village_coordinators_urgently(session):
    people = _people(session)
    row = _queue(session, "alarm:1", openid="elder-openid-123456", kind=EMERGENCY_ALERT, text="王秀英摔倒了")
    alerts = delivery_alerts.undelivered(session, row)
    params = {"who": "王秀英", "phone": "13800001111", "text": "王秀英摔倒了"}
    assert alerts == [
        Notice(p.openid, DELIVERY_FAILED, f"undelivered:{row.id}:{p.id}", "delivery_failed_alert", params,
               outbox.URGENT) for p in (people["admin-1"], people["admin-2"])]


def test_a_coordinator_who_cannot_be_reached_is_covered_by_the_others_or_the_county(session):
    people = _people(session)
    others = delivery_alerts.alert_targets(session, people["admin-1"], "admin-1")
    assert [p.openid for p in others] == ["admin-2"]
    row = _queue(session, "alarm:0", openid="admin-1", kind=EMERGENCY_ALERT, text="x")
    assert [a.openid for a in delivery_alerts.undelivered(session, row)] == ["admin-2"]
    alone = delivery_alerts.alert_targets(session, people["west-admin"], "west-admin")
    assert [p.openid for p in alone] == ["county", "admin-1", "admin-2"]  # each once, never the unreached one
    row = _queue(session, "alarm:2", openid="stranger-openid-abcdef", kind=EMERGENCY_ALERT, text="有人求助")
    [*alerts] = delivery_alerts.undelivered(session, row)
    assert {a.openid for a in alerts} == {"county", "admin-1", "admin-2", "west-admin"}
    assert alerts[0].params == {"who": "abcdef", "phone": "", "text": "有人求助"}
    nameless = _queue(session, "alarm:3", openid="west-elder", kind=EMERGENCY_ALERT, text="x")
    assert [(a.openid, a.params["who"]) for a in delivery_alerts.undelivered(session, nameless)] == [
        ("west-admin", "-elder")]


# --- audit, conversation state and the turn's preload -------------------------------------------------------

def test_an_audit_entry_records_who_did_what_and_the_detail(session):
    audit(session, now=NOW, actor="admin-1", action="notice.compose", target="7", audience="all")
    audit(session, now=NOW, actor="system", action="outbox.prune")
    session.flush()
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(r.at, r.actor, r.action, r.target, r.detail) for r in rows] == [
        (NOW, "admin-1", "notice.compose", "7", {"audience": "all"}), (NOW, "system", "outbox.prune", "", None)]


def test_a_conversation_is_saved_replaced_and_cleared(engine):
    with session_scope(engine) as session:
        assert load_state(session, "u1") is None
        data = {"step_count": 1}
        save_state(session, "u1", flow="help", step="what", data=data, now=NOW)
        data["step_count"] = 2  # the stored copy is not the caller's dict
    with session_scope(engine) as session:
        row = load_state(session, "u1")
        assert (row.flow, row.step, row.data, row.updated_at) == ("help", "what", {"step_count": 1}, NOW)
        save_state(session, "u1", flow="canteen", step="when", data={}, now=NOW + SECOND)
    with session_scope(engine) as session:
        row = load_state(session, "u1")
        assert (row.flow, row.step, row.data, row.updated_at) == ("canteen", "when", {}, NOW + SECOND)
        clear_state(session, "u1")
        assert load_state(session, "u1") is None
    with session_scope(engine) as session:
        assert session.get(ConversationState, "u1") is None


def test_the_turns_preload_answers_without_reading_until_something_is_written(engine):
    with session_scope(engine) as session:
        save_state(session, "u1", flow="help", step="what", data={}, now=NOW)
    with session_scope(engine) as session:
        preload.remember(session, ConversationState, "u1", None)  # the preload found nothing (a stale memo)
        assert load_state(session, "u1") is None
        assert preload.recall(session, ConversationState, "u2") == (False, None)
        clear_state(session, "u1")  # nothing to forget, as far as this turn knows: no DELETE
    with session_scope(engine) as session:
        assert load_state(session, "u1").flow == "help"
        preload.remember(session, ConversationState, "u1", None)
        audit(session, now=NOW, actor="u1", action="test.write")
        session.flush()  # a write may have changed the answer: the memo is forgotten
        assert load_state(session, "u1").flow == "help"
        found = load_state(session, "u1")
        preload.remember(session, ConversationState, "u1", found)
        clear_state(session, "u1")
        assert preload.recall(session, ConversationState, "u1") == (True, None)
        assert load_state(session, "u1") is None
        audit(session, now=NOW, actor="u1", action="test.write")
        session.flush()  # the memo is gone: the session itself must not hand back the deleted row
        assert load_state(session, "u1") is None
    with session_scope(engine) as session:
        assert load_state(session, "u1") is None
        preload.remember(session, ConversationState, "u1", None)
        save_state(session, "u1", flow="talk", step="", data={}, now=NOW)
        assert preload.recall(session, ConversationState, "u1") == (False, None)
        preload.remember(session, User, 1, None)
        preload.forget(session, User, 1)
        preload.forget(session, User, 2)
        assert preload.recall(session, User, 1) == (False, None)
    with session_scope(engine) as session:
        assert load_state(session, "u1").flow == "talk"
        preload.remember(session, User, 1, None)
    with session_scope(engine) as session:
        assert preload.recall(session, User, 1) == (False, None)  # a new transaction forgets it
