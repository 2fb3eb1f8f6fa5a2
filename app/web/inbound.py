"""Handle one push: record it once, run the bot under a time budget, never twice.

A worker thread commits the push's inbound row (so a retry sees it at once), then
runs the bot in one transaction that holds the user's cross-process lock
(app/locks.py: `user_turn`). The web request waits until the budget counted from the
push's arrival, recording included; past it, it answers 'success' and the bot's
reply goes out through the outbox. Who carries the reply is settled in memory
(`Turn`), so a request whose database is stalled still answers on time, and the
thread keeps the message: a stalled record or bot step is tried again
(`webhook.stall_retry`), a broken database is not. A retry of the same push finds the
row, waits briefly for the stored reply, and otherwise hands off in the database.
Exactly one side wins each hand-off because both use conditional updates.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout

import sqlalchemy as sa
from sqlmodel import Session

from app import speech
from app.db import atomic, is_stall, retry_if_disconnected, session_scope
from app.runtime import Runtime
from bots.engine import handle as bot_handle
from bots.engine import read_ahead as bot_read_ahead
from bots.message import Context, Message
from bots.texts import t
from models.core import arrival, outbox, outbox_hold, windows
from models.core import inbound as log_

log = logging.getLogger(__name__)
EVENT_WINDOW_EVENTS = {"subscribe", "subscribe_scan", "scan", "click"}
WAIT_POLL = 0.05
# Pauses between tries against a stalled database: short at first (a lock is often freed quickly).
STALL_PAUSE_FIRST, STALL_PAUSE_MAX = 0.1, 2.0


class Turn:
    """Who carries the reply of a first attempt: the waiting request (passive reply) or the outbox.

    The bot claims the reply before it commits; the request, at its deadline, gives up unless the bot
    has claimed it. Exactly one wins, without a database round trip the request might wait on.
    """

    WAITING, CLAIMED, GAVE_UP = "waiting", "claimed", "gave_up"

    def __init__(self):
        self._lock = threading.Lock()
        self._state = self.WAITING

    def claim(self) -> bool:
        """The bot: True if the request is still waiting, and will now wait for this reply."""
        with self._lock:
            if self._state == self.WAITING:
                self._state = self.CLAIMED
            return self._state == self.CLAIMED

    def give_up(self) -> bool:
        """The request at its deadline: True if it answers 'success' and the reply goes by outbox."""
        with self._lock:
            if self._state == self.WAITING:
                self._state = self.GAVE_UP
            return self._state == self.GAVE_UP

    @property
    def given_up(self) -> bool:
        return self._state == self.GAVE_UP

    @property
    def claimed(self) -> bool:
        return self._state == self.CLAIMED


def respond(rt: Runtime, message: Message, *, deadline: float | None = None) -> str | None:
    """Return the passive reply text for a push, or None to answer 'success'.

    `deadline` (time.monotonic()) is when the request must answer; by default the budget from now.
    """
    if deadline is None:
        deadline = time.monotonic() + rt.webhook.time_budget
    key = log_.dedup_key(message.openid, message.msg_id, message.create_time, message.event, message.event_key)
    turn = Turn()
    future = rt.executor.submit(_process, rt, message, key, turn, deadline)
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        if turn.give_up():
            log.info("push from …%s handed off at the time budget", message.openid[-6:])
            future.add_done_callback(lambda done: _lost_if_failed(done, message.openid))
            # A voice still being transcribed: say it was heard, so the elder does not send it again.
            return t("voice_processing") if speech.needs_hearing(message) else None
        # The bot claimed the reply a moment ago and is committing it. Should that take past WeChat's
        # 5 s, WeChat retries, and the retry finds the stored reply.
        return future.result()


def _lost_if_failed(future, openid: str) -> None:
    # The request answered 'success' already: a push we then failed to record is lost, and must be seen.
    exc = future.exception()
    if exc is not None:
        log.error("push from …%s lost: the database did not record it", openid[-6:], exc_info=exc)


def _process(rt: Runtime, message: Message, key: str, turn: Turn, deadline: float) -> str | None:
    # A failure to record reaches the waiting request (which apologises: the user sends it again),
    # or, once the request gave up, _lost_if_failed.
    row_id, created = _patiently(rt, turn, _record, rt, message, key)
    if not created:
        return _await_first_attempt(rt, row_id, min(rt.webhook.retry_wait, max(0.0, deadline - time.monotonic())))
    return run_bot(rt, row_id, message, turn)


def _patiently(rt: Runtime, turn: Turn, fn, *args):
    """Run a unit of work that is safe to repeat, trying again while the database is stalled.

    Before the request's deadline this costs nothing extra (the request answers 'success' at its
    deadline regardless); after it, this is what keeps the message from being lost. Not once the
    request is waiting for a claimed reply: it should not wait for our retries.
    """
    give_up_at = time.monotonic() + float(rt.settings["webhook.stall_retry"])
    pause = STALL_PAUSE_FIRST
    while True:
        try:
            return retry_if_disconnected(fn, *args)
        except sa.exc.DBAPIError as exc:
            if not is_stall(exc) or turn.claimed or time.monotonic() + pause > give_up_at:
                raise
            (log.warning if pause == STALL_PAUSE_FIRST else log.debug)(
                "database stalled (%s); trying again for up to %.0fs", _why(exc), give_up_at - time.monotonic())
        time.sleep(pause)
        pause = min(pause * 2, STALL_PAUSE_MAX)


def _why(exc: sa.exc.DBAPIError) -> str:
    return getattr(exc.orig, "sqlstate", None) or type(exc.orig).__name__


def _record(rt: Runtime, message: Message, key: str) -> tuple[int, bool]:
    # Its own, short transaction: a retry must see the row as soon as possible, and the bot's
    # transaction may wait for the user's lock.
    now = rt.clock()
    with atomic(rt.engine) as conn:  # the common case: one statement on PostgreSQL, two on SQLite
        row_id = arrival.record_arrival(conn, key=key, openid=message.openid, msg_type=message.kind,
                                        event=message.event, payload=message.to_payload(), now=now,
                                        window=_window_kind(message))
    if row_id is not None:
        return row_id, True
    # A retry (the row exists), or held rows to release as the window opens.
    with session_scope(rt.engine) as session:
        row_id, created = log_.record_inbound(session, key=key, openid=message.openid, msg_type=message.kind,
                                              event=message.event, payload=message.to_payload(), now=now)
        if created:
            _open_window(session, message, now)
        return row_id, created


def _window_kind(message: Message) -> str | None:
    if message.is_user_message:
        return windows.MESSAGE
    return windows.EVENT if message.event in EVENT_WINDOW_EVENTS else None


def _open_window(session, message: Message, now) -> None:
    if message.is_user_message:
        windows.record_interaction(session, message.openid, windows.MESSAGE, now=now)
        outbox_hold.release(session, message.openid, now=now)  # what waited for this window goes out now
    elif message.event in EVENT_WINDOW_EVENTS:
        windows.record_interaction(session, message.openid, windows.EVENT, now=now)


def run_bot(rt: Runtime, row_id: int, message: Message, turn: Turn | None = None) -> str | None:
    """Run the bot for one recorded message in the user's turn; store or hand off the reply.

    The bot's transaction is rolled back on any error, so a stalled database is simply tried again.
    """
    turn = turn or Turn()
    message = _heard(rt, message, row_id)
    try:
        return _patiently(rt, turn, _run_and_store, rt, row_id, message, turn)
    except Exception:
        log.exception("bot failed on inbound %s", row_id)
        return _store_failure(rt, row_id, message.openid, turn)


def _heard(rt: Runtime, message: Message, row_id: int) -> Message:
    """A voice push with its transcript, heard before the bot's transaction takes the user's lock.

    Any failure here leaves the message as it came: the bot then treats the voice as not understood,
    which tells the person and the coordinators, rather than losing it.
    """
    try:
        return speech.hear(rt, message, row_id)
    except Exception:
        log.exception("could not hear the voice of inbound %s", row_id)
        return message


def _run_and_store(rt: Runtime, row_id: int, message: Message, turn: Turn) -> str | None:
    # The words are read before the user's lock is taken (on SQLite, the write lock every turn queues
    # for): reading needs no state, and the turn finds the reading again for the same text and `now`.
    # So the turn's time is when the bot took the message up, not when the lock came free.
    now = rt.clock()
    bot_read_ahead(message, now)
    # One transaction: the user's lock, the bot's changes, its outbox rows and the reply commit together.
    with rt.locks.user_turn(message.openid, wait=rt.webhook.user_lock_wait,
                            ttl=max(30.0, rt.webhook.time_budget * 5)) as session:
        ctx = Context(session=session, now=now, tz=rt.tz, config=rt.config, inbound_id=row_id)
        text = bot_handle(message, ctx).text
        if _store_reply(session, turn, row_id, text or "", now=ctx.now, status=log_.DONE):
            return text
        _reply_later(session, row_id, message.openid, text, ctx.now)
        return None  # the webhook answered 'success' already; the outbox has the reply


def _store_reply(session, turn: Turn, row_id: int, text: str, *, now, status: str) -> bool:
    """Store the reply for the waiting request; False when the request (or a retry) handed off."""
    if turn.claim():
        return log_.finish_inbound(session, row_id, text, now=now, status=status)
    log_.hand_off(session, row_id)  # retries of this push now answer 'success' too
    return False


def _store_failure(rt: Runtime, row_id: int, openid: str, turn: Turn) -> str | None:
    text = t("system_error")
    with session_scope(rt.engine) as session:
        now = rt.clock()
        if _store_reply(session, turn, row_id, text, now=now, status=log_.FAILED):
            return text
        _reply_later(session, row_id, openid, text, now)
    return None


def _reply_later(session, row_id: int, openid: str, text: str | None, now) -> None:
    """The webhook already answered 'success': deliver the reply as a customer-service message."""
    if text:
        outbox.enqueue(session, key=f"reply:{row_id}", openid=openid, kind="reply", text=text,
                       now=now, priority=outbox.URGENT)


def _await_first_attempt(rt: Runtime, row_id: int, wait: float) -> str | None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        status, reply = _status(rt, row_id)
        if status in (log_.DONE, log_.FAILED):
            return reply or None
        if status == log_.HANDED_OFF:
            return None
        time.sleep(WAIT_POLL)
    return _hand_off_or_reply(rt, row_id)


def _hand_off_or_reply(rt: Runtime, row_id: int) -> str | None:
    with session_scope(rt.engine) as session:
        if log_.hand_off(session, row_id):
            return None
    status, reply = _status(rt, row_id)
    return reply or None if status in (log_.DONE, log_.FAILED) else None


def _status(rt: Runtime, row_id: int) -> tuple[str, str | None]:
    # Read-only: on SQLite this must not queue for the write lock the first attempt may be holding.
    try:
        with Session(rt.read_engine) as session:
            return log_.inbound_status(session, row_id)
    except sa.exc.DBAPIError as exc:
        if not is_stall(exc):
            raise
        return log_.PROCESSING, None  # a stalled read: keep waiting, as if the first attempt were running
