"""Outbox delivery: claim due rows, choose a channel WeChat will accept, send, record.

Each row's send is bracketed by two commits: the attempt (channel, counter,
start time) before the HTTP call and the outcome after it, so a worker killed
at any point leaves a row that models.outbox.recover_stale can classify.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app import sms_companion, template_fields
from app.db import session_scope
from app.runtime import Runtime
from app.sms import SmsError, provider_from_settings
from app.wechat_api import WeChatAPIError
from bots import notify
from models.api import subscriptions
from models.base import id_of
from models.core import delivery_alerts, delivery_policy, outbox, outbox_hold, windows
from models.core.outbox import CUSTOM, SMS, SUBSCRIBE, TEMPLATE, OutboxMessage
from models.core.push_kinds import ALERT_ON_FAILURE
from models.people import users as people

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
        # Customer-service messages of the 48-hour window kept for critical kinds (models/core/delivery_policy.py).
        self.reserve = int(cfg.get("critical_reserve", 2))
        self.sms = provider_from_settings(rt.settings.get("sms") or {})
        # Notification kind -> the mini-program's one-time subscription template (models/api/subscriptions.py).
        self.subscriptions: dict[str, Any] = rt.settings.get("miniapp.subscriptions") or {}
        self._miniapp: Any = None
        self._taken: dict[int, subscriptions.Taken] = {}  # row id -> the consent set aside for its send

    def drain_once(self) -> int:
        """Claim one batch of due rows and try each; return how many were tried."""
        with session_scope(self.rt.engine) as session:
            rows = outbox.claim_due(session, worker=self.rt.worker_id, now=self.clock(),
                                    limit=self.batch, lease=self.lease)
            ids = [id_of(row) for row in rows]
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
        if channel == SMS:
            return self._deliver_sms(row_id, row)
        try:
            result = self._send(channel, row)
        except WeChatAPIError as exc:
            if channel == SUBSCRIBE:
                return self._subscribe_failed(row_id, exc)
            return self._failed(row_id, channel, exc)
        finally:
            self._taken.pop(row_id, None)
        return self._succeeded(row_id, result, channel)

    def _begin(self, row_id: int) -> tuple[str, OutboxMessage] | None:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.status != outbox.SENDING or row.claimed_by != self.rt.worker_id:
                return None
            now = self.clock()
            if self.sms is not None and row.attempts == 0:
                sms_companion.queue(session, row, now=now, contacts=self.rt.settings.get("contacts") or {})
            channel = self._choose(session, row, now)
            if channel == SUBSCRIBE:
                channel = self._take_consent(session, row, now)
            if channel in (delivery_policy.HOLD, delivery_policy.UNDELIVERABLE):
                self._no_channel(session, row, channel, now)
                return None
            if channel == CUSTOM:
                windows.consume(session, row.openid, now=now, keep=delivery_policy.keep_for(row, self.reserve))
            outbox.start_attempt(row, channel, now=now)
            session.add(row)
            return channel, OutboxMessage.model_validate(row.model_dump())

    def _choose(self, session, row: OutboxMessage, now, subscription: bool = True) -> str:
        window = session.get(windows.ServiceWindow, row.openid)
        if row.channel == SMS and self.sms is None:
            return delivery_policy.UNDELIVERABLE
        spec = self.subscriptions.get(row.kind) if subscription else None
        consent = spec is not None and subscriptions.available(session, row.openid, spec["template_id"])
        return delivery_policy.choose(window, row, has_template=row.kind in self.templates, now=now,
                                      reserve=self.reserve, has_subscription=consent)

    def _take_consent(self, session, row: OutboxMessage, now) -> str:
        """Set a consent aside for this row; if another worker spent the last one, choose without it."""
        spec = self.subscriptions[row.kind]
        taken = subscriptions.take(session, row.openid, spec["template_id"], outbox_id=id_of(row), now=now)
        if taken is None:
            return self._choose(session, row, now, subscription=False)
        self._taken[id_of(row)] = taken
        return SUBSCRIBE

    def miniapp(self):
        """The mini-program's WeChat client (its own appid and token), built on first use."""
        if self._miniapp is None:
            from app.api.miniapp import MiniApp

            self._miniapp = MiniApp(self.rt)
        return self._miniapp

    def _no_channel(self, session, row: OutboxMessage, channel: str, now) -> None:
        """Nothing can carry the row now: a routine one waits for the user's next message, a critical one alerts."""
        if channel == delivery_policy.HOLD:
            outbox_hold.hold(row, reason="no customer-service quota left for routine pushes and no template")
        else:
            reason = "SMS is not configured" if row.channel == SMS else \
                "customer-service window closed and no template"
            outbox.apply_decision(row, outbox.Decision("undeliverable", reason), errcode=None, now=now)
            self._alert_coordinators(session, row, now)
        session.add(row)

    def _alert_coordinators(self, session, row: OutboxMessage, now) -> None:
        """A critical push that will not arrive is told to other coordinators (and by SMS, where configured)."""
        if row.kind not in ALERT_ON_FAILURE or row.channel == SMS:
            return
        notices = delivery_alerts.undelivered(session, row)
        notify.send(session, notices, now=now, tz=self.rt.tz)
        log.warning("critical outbox %s (%s) not delivered; %d coordinators alerted", row.id, row.kind, len(notices))

    def _send(self, channel: str, row: OutboxMessage) -> dict:
        if channel == CUSTOM:
            return self.rt.wechat.send_text(row.openid, row.text)
        if channel == SUBSCRIBE:
            spec, taken = self.subscriptions[row.kind], self._taken[id_of(row)]
            filled = template_fields.fill(row.kind, spec, row.text, row.template_data, self.rt.tz)
            return self.miniapp().send_subscribe(taken.mini_openid, spec["template_id"], filled.data,
                                                 page=spec.get("page") or "")
        spec = self.templates[row.kind]
        filled = template_fields.fill(row.kind, spec, row.text, row.template_data, self.rt.tz)
        return self.rt.wechat.send_template(row.openid, spec["template_id"], filled.data,
                                            client_msg_id=row.key, url=spec.get("url"))

    def _succeeded(self, row_id: int, result: dict, channel: str | None = None) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            now = self.clock()
            msgid = result.get("msgid") if isinstance(result, dict) else None
            outbox.mark_sent(row, now=now, msgid=str(msgid) if msgid else None)
            if channel in (TEMPLATE, SUBSCRIBE):
                self._keep_full_text(session, row, now, channel)
            session.add(row)
            return row.status

    def _keep_full_text(self, session, row: OutboxMessage, now, channel: str = TEMPLATE) -> None:
        """The template carried only a summary: the whole text follows when the user next writes."""
        spec = self.subscriptions[row.kind] if channel == SUBSCRIBE else self.templates[row.kind]
        filled = template_fields.fill(row.kind, spec, row.text, row.template_data, self.rt.tz)
        if not filled.complete:
            outbox_hold.hold_full_text(session, row, now=now)

    def _deliver_sms(self, row_id: int, row: OutboxMessage) -> str:
        with session_scope(self.rt.engine) as session:
            phone = sms_companion.phone_of(session, row.openid)
        try:
            if phone is None:
                raise SmsError("NoMobile", "the person has no mobile number now")
            if self.sms is None:  # _choose never picks SMS then; should it, the row fails like any SMS
                raise SmsError("NoProvider", "SMS is not configured")
            receipt = self.sms.send(phone, sms_companion.params_of(row), context=row.key)
        except SmsError as exc:
            return self._sms_failed(row_id, exc)
        return self._succeeded(row_id, {"msgid": receipt.serial}, SMS)

    def _sms_failed(self, row_id: int, exc: SmsError) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            now = self.clock()
            decision = delivery_policy.decide_sms(transient=exc.transient, ambiguous=exc.ambiguous,
                                                  attempts=row.attempts, max_attempts=self.max_attempts,
                                                  reason=exc.code)
            delay = outbox.backoff(row.attempts, base=self.backoff[0], cap=self.backoff[1])
            outbox.apply_decision(row, decision, errcode=None, now=now, delay=delay)
            session.add(row)
            log.warning("SMS of outbox %s failed: %s -> %s", row_id, exc.code, decision.action)
            return row.status

    def _failed(self, row_id: int, channel: str, exc: WeChatAPIError) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            now = self.clock()
            decision = outbox.decide(exc.errcode, channel=channel, has_template=row.kind in self.templates,
                                     attempts=row.attempts, max_attempts=self.max_attempts, ambiguous=exc.ambiguous)
            delay = outbox.backoff(row.attempts, base=self.backoff[0], cap=self.backoff[1])
            if delivery_policy.waits_for_user(row, decision):
                outbox_hold.hold(row, reason=decision.reason)
                row.last_errcode = exc.errcode
            else:
                outbox.apply_decision(row, decision, errcode=exc.errcode, now=now, delay=delay)
            if exc.errcode in outbox.WINDOW_CLOSED:
                windows.close_window(session, row.openid)
            if decision.action == "unsubscribed":
                people.set_subscribed(session, row.openid, False, now=now)
            if row.status in (outbox.UNDELIVERABLE, outbox.FAILED):
                self._alert_coordinators(session, row, now)
            session.add(row)
            log.warning("delivery of outbox %s via %s failed: %s -> %s", row_id, channel, exc.errcode, decision.action)
            return row.status

    def _subscribe_failed(self, row_id: int, exc: WeChatAPIError) -> str:
        taken = self._taken[row_id]
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            now = self.clock()
            decision, unused = delivery_policy.decide_subscribe(
                exc.errcode, ambiguous=exc.ambiguous, has_template=row.kind in self.templates,
                attempts=row.attempts, max_attempts=self.max_attempts)
            if unused:
                subscriptions.give_back(session, taken.consent_id)
            elif exc.errcode == delivery_policy.SUBSCRIPTION_GONE:
                template_id = self.subscriptions[row.kind]["template_id"]
                subscriptions.void_all(session, taken.identity_id, template_id, now=now)
            delay = outbox.backoff(row.attempts, base=self.backoff[0], cap=self.backoff[1])
            if delivery_policy.waits_for_user(row, decision):
                outbox_hold.hold(row, reason=decision.reason)
                row.last_errcode = exc.errcode
            else:
                outbox.apply_decision(row, decision, errcode=exc.errcode, now=now, delay=delay)
            if row.status in (outbox.UNDELIVERABLE, outbox.FAILED):
                self._alert_coordinators(session, row, now)
            session.add(row)
            log.warning("subscription message of outbox %s failed: %s -> %s", row_id, exc.errcode, decision.action)
            return row.status

    def _status(self, row_id: int) -> str:
        with session_scope(self.rt.engine) as session:
            row = session.get(OutboxMessage, row_id)
            return row.status if row else "missing"
