"""Scheduled steps of personal information rights: finishing erasures, and retention."""
from __future__ import annotations

from datetime import datetime

from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from bots import notify
from models.help import dispatch
from models.privacy import erasure, retention


def complete_erasures(rt: Runtime, now: datetime) -> int:
    """Finish every pending erasure (run every few minutes, so downtime delays it by minutes, not days)."""
    with session_scope(rt.engine) as session:
        rules = dispatch.dispatch_rules(rt.settings.as_dict(), rt.settings.tz)
        notices = erasure.complete_pending(session, now=now, rules=rules)
        return notify.send(session, notices, now=now, tz=rt.settings.tz)


def apply_retention(rt: Runtime, now: datetime) -> dict:
    """Delete what has outlived its retention period (privacy.retention)."""
    with session_scope(rt.engine) as session:
        return {
            "conversations": retention.prune_conversations(
                session, now=now, keep_days=float(rt.settings["privacy.retention.conversation_days"])),
            "audio": retention.forget_audio(
                session, now=now, keep_days=float(rt.settings["privacy.retention.audio_days"])),
            "access_log": retention.prune_access_log(
                session, now=now, keep_days=int(rt.settings["privacy.retention.access_log_days"])),
        }


JOBS = [
    Job("privacy.erase", complete_erasures, {"trigger": "interval", "minutes": 10}),
    Job("privacy.retention", apply_retention, {"trigger": "cron", "hour": 3, "minute": 41}),
]
