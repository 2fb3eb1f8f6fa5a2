"""Outbox delivery: claim due rows, choose a channel WeChat will accept, send, record.

Each row's send is bracketed by two commits: the attempt (channel, counter,
start time) before the HTTP call and the outcome after it, so a worker killed
at any point leaves a row that models.outbox.recover_stale can classify.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Callable

from models import outbox, people, windows
from models.outbox import CUSTOM, TEMPLATE, OutboxMessage

from app.db import session_scope
from app.runtime import Runtime
from app.wechat_api import WeChatAPIError

log = logging.getLogger(__name__)


class RateLimiter:
    """At most `rate` calls per second (a simple spacing limiter, per process)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Sleep until the next call is allowed."""
        with self.lock:
            now = time.monotonic()
            delay = max(0.0, self.next_at - now)
            self.next_at = max(now, self.next_at) + self.interval
        if delay:
            time.sleep(delay)


class Delivery:
    """Drains the outbox through the WeChat API.

    `clock` is what "now" means for due rows, windows and outcomes: the runtime's clock for the worker,
    a fixed moment for `jobs run outbox.drain --now T`.
    """

    def __init__(self, rt: Runtime, clock: Callable[[], datetime] | None = None):
        self.rt = rt
        self.clock = clock or rt.clock
        cfg = rt.settings["delivery"]
        self.batch, self.lease = int(cfg["batch_size"]), float(cfg["claim_lease"])
        self.max_attempts = int(cfg["max_attempts"])
        self.backoff = float(cfg["backoff_base"]), float(cfg["backoff_max"])
        self.limits = {name: RateLimiter(float(rate)) for name, rate in cfg["rate_per_second"].items()}
        self.templates: dict[str, Any] = rt.settings["templates"] or {}

    def drain_once(self) -> int:
        """Claim one batch of due rows and try each; return how many were tried."""
        with session_scope(self.rt.engine) as session:
            rows = outbox.claim_due(session, worker=self.rt.worker_id, now=self.clock(),
                                    limit=self.batch, lease=self.lease)
            ids = [row.id for row in rows]
        for row_id in ids:
            self.deliver(row_id)
        return len(ids)

    def run(self, stop: threading.Event) -> None:
        """Deliver until told to stop, sleeping when nothing is due."""
        idle = float(self.rt.settings["delivery.idle_sleep"])
        while not stop.is_set():
            try:
                if self.drain_once() == 0:
                    stop.wait(idle)
            except Exception:
                log.exception("delivery pass failed")
                stop.wait(idle)

    def deliver(self, row_id: int) -> str:
        """Send one claimed row; return its new status."""
        plan = self._begin(row_id)
        if plan is None:
            return self._status(row_id)
        channel, row = plan
        self.limits.get(channel, RateLimiter(0)).wait()
        try:
            result = self._send(channel, row)
        except WeChatAPIError as exc:
            return self._failed(row_id, channel, exc)
        return self._succeeded(row_id, result)

    def _begin(self, row_id: int) -> tuple[str, OutboxMessage] | None:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.status != outbox.SENDING or row.claimed_by != self.rt.worker_id:
                return None
            now = self.clock()
            channel = self._choose(session, row, now)
            if channel is None:
                decision = outbox.Decision("undeliverable", "customer-service window closed and no template")
                outbox.apply_decision(row, decision, errcode=None, now=now)
                return None
            if channel == CUSTOM:
                windows.consume(session, row.openid, now=now)
            outbox.start_attempt(row, channel, now=now)
            session.add(row)
            return channel, OutboxMessage.model_validate(row.model_dump())

    def _choose(self, session, row: OutboxMessage, now) -> str | None:
        if row.channel == TEMPLATE and row.kind in self.templates:
            return TEMPLATE
        if windows.can_send_custom(session, row.openid, now=now):
            return CUSTOM
        return TEMPLATE if row.kind in self.templates else None

    def _send(self, channel: str, row: OutboxMessage) -> dict:
        if channel == CUSTOM:
            return self.rt.wechat.send_text(row.openid, row.text)
        spec = self.templates[row.kind]
        values = row.template_data or {}
        data = {keyword: values.get(field, row.text) for keyword, field in (spec.get("fields") or {}).items()}
        return self.rt.wechat.send_template(row.openid, spec["template_id"], data or {"thing1": row.text},
                                            client_msg_id=row.key, url=spec.get("url"))

    def _succeeded(self, row_id: int, result: dict) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            msgid = result.get("msgid") if isinstance(result, dict) else None
            outbox.mark_sent(row, now=self.clock(), msgid=str(msgid) if msgid else None)
            session.add(row)
            return row.status

    def _failed(self, row_id: int, channel: str, exc: WeChatAPIError) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            now = self.clock()
            decision = outbox.decide(exc.errcode, channel=channel, has_template=row.kind in self.templates,
                                     attempts=row.attempts, max_attempts=self.max_attempts, ambiguous=exc.ambiguous)
            delay = outbox.backoff(row.attempts, base=self.backoff[0], cap=self.backoff[1])
            outbox.apply_decision(row, decision, errcode=exc.errcode, now=now, delay=delay)
            if exc.errcode in outbox.WINDOW_CLOSED:
                windows.close_window(session, row.openid)
            if decision.action == "unsubscribed":
                people.set_subscribed(session, row.openid, False, now=now)
            session.add(row)
            log.warning("delivery of outbox %s via %s failed: %s -> %s", row_id, channel, exc.errcode, decision.action)
            return row.status

    def _status(self, row_id: int) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            return row.status if row else "missing"
