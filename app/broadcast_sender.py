"""The mass channel of notices: send planned batches through WeChat's mass-send API, crash-safely.

Each batch is marked 'started' (committed) before the HTTP call. A worker killed during the
call leaves it 'started'; the next run sends it again with the same clientmsgid and WeChat
answers 45065 with the first msg_id, which counts as sent. Customer-service and template
recipients are delivered by app/delivery.py through the outbox; this job copies their
outcomes into the delivery rows and closes finished broadcasts.
"""
from __future__ import annotations

import logging
from datetime import datetime

from app.db import session_scope
from app.delivery import RateLimiter
from app.runtime import Runtime
from app.wechat_api import WeChatAPIError
from bots.flows.notices import rules as notices_rules
from models.core import outbox
from models.notices import track as notice_track
from models.notices.broadcasts import Broadcast, MassBatch

log = logging.getLogger(__name__)


class MassSender:
    """Sends open mass batches, at most `delivery.rate_per_second.mass` calls a second."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.limit = RateLimiter(float(rt.settings.get("delivery.rate_per_second.mass", 1)))
        self.max_attempts = int(rt.settings.get("delivery.max_attempts", 8))

    def run_once(self, now: datetime) -> dict[str, int]:
        """Sync outbox outcomes, send every open batch once, close finished broadcasts."""
        counts = {"synced": 0, "sent": 0, "retry": 0, "failed": 0, "skipped": 0, "done": 0}
        with session_scope(self.rt.engine) as session:
            counts["synced"] = notice_track.sync_outbox(session, now=now)
            batch_ids = notice_track.open_batches(session)
        for batch_id in batch_ids:
            counts[self.send_batch(batch_id, now)] += 1
        with session_scope(self.rt.engine) as session:
            counts["done"] = len(notice_track.finish_done(session, now=now))
        return counts

    def send_batch(self, batch_id: int, now: datetime) -> str:
        """Send one batch as of `now`; return sent | retry | failed | skipped."""
        job = self._begin(batch_id, now)
        if job is None:
            return "skipped"
        batch, text, openids = job
        if batch.tag_id is None and len(openids) < 2:
            return self._failed(batch_id, None, "single recipient: mass send needs at least 2", now, retry=False)
        self.limit.wait()
        try:
            result = self.rt.wechat.mass_send(text, batch.clientmsgid, openids=openids, tag_id=batch.tag_id)
        except WeChatAPIError as exc:
            # The same errcode policy as every other send; a repeated batch is safe (its clientmsgid).
            decision = outbox.decide(exc.errcode, channel="mass", has_template=False, attempts=batch.attempts,
                                     max_attempts=self.max_attempts)
            return self._failed(batch_id, exc.errcode, f"rejected by WeChat ({exc.errcode}): {exc.errmsg}", now,
                                retry=decision.action == "retry")
        with session_scope(self.rt.engine) as session:
            msg_id = result.get("msg_id")
            notice_track.batch_sent(session, batch_id, str(msg_id) if msg_id else None, now=now)
        return "sent"

    def _begin(self, batch_id: int, now: datetime) -> tuple[MassBatch, str, list[str]] | None:
        with session_scope(self.rt.engine) as session:
            batch = notice_track.start_batch(session, batch_id, now=now)
            if batch is None:
                return None
            text = notices_rules.render(session.get(Broadcast, batch.broadcast_id))
            openids = notice_track.batch_openids(session, batch) if batch.tag_id is None else []
            return MassBatch.model_validate(batch.model_dump()), text, openids

    def _failed(self, batch_id: int, errcode: int | None, reason: str, now: datetime, *, retry: bool) -> str:
        with session_scope(self.rt.engine) as session:
            notice_track.batch_failed(session, batch_id, errcode, reason, retry=retry, now=now)
        log.warning("mass batch %s failed (%s): %s", batch_id, errcode, "retry" if retry else "gave up")
        return "retry" if retry else "failed"
