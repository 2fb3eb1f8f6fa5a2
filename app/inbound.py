"""Handle one push: record it once, run the bot under a time budget, never twice.

The first attempt of a push commits its inbound row (so a retry sees it at once),
then runs the bot in a worker thread, in one transaction that holds the user's
cross-process lock (app/locks.py: `user_turn`). The web request waits at most the
time budget; past it, it hands the message off (answers 'success') and the bot's
reply goes out through the outbox. A retry of the same push finds the
row, waits briefly for the stored reply, and otherwise hands off the same way.
Exactly one side wins each hand-off because both use conditional updates.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout

from sqlmodel import Session

from bots.engine import handle as bot_handle
from bots.message import Context, Message
from bots.texts import t
from models import inbound as log_
from models import outbox, outbox_hold, windows

from app.db import retry_if_disconnected, session_scope
from app.runtime import Runtime

log = logging.getLogger(__name__)
EVENT_WINDOW_EVENTS = {"subscribe", "subscribe_scan", "scan", "click"}
WAIT_POLL = 0.05


def respond(rt: Runtime, message: Message) -> str | None:
    """Return the passive reply text for a push, or None to answer 'success'."""
    key = log_.dedup_key(message.openid, message.msg_id, message.create_time, message.event, message.event_key)
    row_id, created = retry_if_disconnected(_record, rt, message, key)
    if not created:
        return _await_first_attempt(rt, row_id, rt.webhook.retry_wait)
    future = rt.executor.submit(run_bot, rt, row_id, message)
    try:
        return future.result(timeout=rt.webhook.time_budget)
    except FutureTimeout:
        return _hand_off_or_reply(rt, row_id)


def _record(rt: Runtime, message: Message, key: str) -> tuple[int, bool]:
    # Its own, short transaction: a retry must see the row as soon as possible, and the bot's
    # transaction may wait for the user's lock.
    now = rt.clock()
    with session_scope(rt.engine) as session:
        row_id, created = log_.record_inbound(session, key=key, openid=message.openid, msg_type=message.kind,
                                              event=message.event, payload=message.to_payload(), now=now)
        if created:
            _open_window(session, message, now)
        return row_id, created


def _open_window(session, message: Message, now) -> None:
    if message.is_user_message:
        windows.record_interaction(session, message.openid, windows.MESSAGE, now=now)
        outbox_hold.release(session, message.openid, now=now)  # what waited for this window goes out now
    elif message.event in EVENT_WINDOW_EVENTS:
        windows.record_interaction(session, message.openid, windows.EVENT, now=now)


def run_bot(rt: Runtime, row_id: int, message: Message) -> str | None:
    """Run the bot for one recorded message in the user's turn; store or hand off the reply."""
    try:
        return _run_and_store(rt, row_id, message)
    except Exception:
        log.exception("bot failed on inbound %s", row_id)
        return _store_failure(rt, row_id, message.openid)


def _run_and_store(rt: Runtime, row_id: int, message: Message) -> str | None:
    # One transaction: the user's lock, the bot's changes, its outbox rows and the reply commit together.
    with rt.locks.user_turn(message.openid, wait=rt.webhook.user_lock_wait,
                            ttl=max(30.0, rt.webhook.time_budget * 5)) as session:
        ctx = Context(session=session, now=rt.clock(), tz=rt.tz, config=rt.config, inbound_id=row_id)
        text = bot_handle(message, ctx).text
        if log_.finish_inbound(session, row_id, text or "", now=ctx.now):
            return text
        _reply_later(session, row_id, message.openid, text, ctx.now)
        return None  # the webhook answered 'success' already; the outbox has the reply


def _store_failure(rt: Runtime, row_id: int, openid: str) -> str:
    text = t("system_error")
    with session_scope(rt.engine) as session:
        now = rt.clock()
        if log_.finish_inbound(session, row_id, text, now=now, status=log_.FAILED):
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
    with Session(rt.read_engine) as session:
        return log_.inbound_status(session, row_id)
