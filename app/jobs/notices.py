"""Scheduler jobs of notices: plan due broadcasts, send mass batches, compose the weekly digest."""
from __future__ import annotations

import logging
from datetime import datetime

from app.broadcast_sender import MassSender
from app.db import session_scope
from app.jobs.registry import Job
from app.runtime import Runtime
from app.wechat_api import WeChatAPIError
from bots.flows.notices import rules
from bots.texts import t
from models.core import outbox
from models.notices import digest as notice_digest
from models.notices import plan as notice_plan
from models.notices.broadcasts import PLANNING, SCHEDULED, SYSTEM, Broadcast
from models.notices.facts import week_facts
from models.privacy import publication

log = logging.getLogger(__name__)


def dispatch(rt: Runtime, now: datetime) -> dict[int, str]:
    """Plan every due broadcast (deferring non-urgent ones in quiet hours); resume interrupted plans."""
    plan = rules.plan_rules(rt.settings.as_dict())
    with session_scope(rt.engine) as session:
        due = notice_plan.due(session, now=now)
    return {broadcast_id: dispatch_one(rt, broadcast_id, plan, now) for broadcast_id in due}


def dispatch_one(rt: Runtime, broadcast_id: int, plan: notice_plan.PlanRules, now: datetime) -> str:
    """Check, then plan one broadcast chunk by chunk (each chunk its own transaction)."""
    with session_scope(rt.engine) as session:
        b = session.get(Broadcast, broadcast_id)
        if notice_plan.defer_if_quiet(b, plan, now=now):
            return "deferred"
        needs_check = notice_plan.needs_content_check(b)
        text, author = rules.render(b), b.author_openid
    if needs_check and rt.settings.get("notices.msg_sec_check", False):
        verdict = content_verdict(rt, author, text)
        if verdict is None:
            return "check_pending"
        if not _record_verdict(rt, broadcast_id, verdict, now):
            return "rejected"
    planned = 0
    while True:
        with session_scope(rt.engine) as session:
            step = notice_plan.plan_step(session, broadcast_id, plan, now=now)
        if step == 0:
            break
        planned += step
    _tell_author(rt, broadcast_id, now)
    return f"planned {planned}"


def content_verdict(rt: Runtime, openid: str, text: str) -> str | None:
    """WeChat's msg_sec_check v2 verdict (pass|review|risky), or None when WeChat did not answer."""
    try:
        answer = rt.wechat.msg_sec_check(openid, text)
    except WeChatAPIError as exc:
        log.warning("msg_sec_check failed (%s); will try again", exc.errcode)
        return None
    return str((answer.get("result") or {}).get("suggest", "review"))


def _record_verdict(rt: Runtime, broadcast_id: int, verdict: str, now: datetime) -> bool:
    with session_scope(rt.engine) as session:
        b = session.get(Broadcast, broadcast_id)
        if notice_plan.record_verdict(b, verdict):
            return True
        outbox.enqueue(session, key=f"notice_rejected:{b.id}", openid=b.author_openid, kind="notice_report",
                       text=t("notices_rejected_alert", number=b.id, why=verdict), now=now, priority=outbox.URGENT)
        return False


def _tell_author(rt: Runtime, broadcast_id: int, now: datetime) -> None:
    with session_scope(rt.engine) as session:
        b = session.get(Broadcast, broadcast_id)
        if b.status in (SCHEDULED, PLANNING) or b.author_openid == SYSTEM:
            return
        outbox.enqueue(session, key=f"notice_planned:{b.id}", openid=b.author_openid, kind="notice_report",
                       text=t("notices_planned_alert", number=b.id, total=b.recipients), now=now)


def send(rt: Runtime, now: datetime) -> dict[str, int]:
    """Send open mass batches and close finished broadcasts."""
    return MassSender(rt).run_once(now)


def render_digest(village, facts: notice_digest.WeekFacts, story) -> str:
    """The digest text; facts that are unknown are left out."""
    served = t("notices_digest_served", n=facts.requests_served) if facts.requests_served is not None else ""
    hours = t("notices_digest_hours", hours=f"{facts.volunteer_hours:g}") if facts.volunteer_hours is not None else ""
    events = (t("notices_digest_events", events="；".join(facts.upcoming_events[:3])) if facts.upcoming_events
              else t("notices_digest_no_events"))
    tale = t("notices_digest_story", text=story.text) if story else ""
    text = t("notices_digest", village=village.name, served=served, hours=hours, events=events, story=tale)
    return "\n".join(line for line in text.splitlines() if line.strip())


def story_wording() -> publication.Wording:
    """How a story names an elder who did not consent to publication (catalogue texts)."""
    return publication.Wording(t("privacy_story_placeholder"), tuple(t("privacy_story_forms_of_address").split()))


def digest(rt: Runtime, now: datetime) -> dict[str, int | None]:
    """Compose each village's weekly digest, then plan it (quiet hours apply)."""
    made: dict[str, int | None] = {}
    with session_scope(rt.engine) as session:
        for village in notice_digest.villages(session):
            row = notice_digest.compose_digest(session, village, provider=week_facts, render=render_digest,
                                               wording=story_wording(), now=now)
            made[village.code] = row.id if row else None
    dispatch(rt, now)
    return made


JOBS = [
    Job("notices.dispatch", dispatch, {"trigger": "interval", "seconds": 60}),
    Job("notices.send", send, {"trigger": "interval", "seconds": 5}),
    Job("notices.digest", digest, {"trigger": "cron", "day_of_week": "mon", "hour": 9, "minute": 5}),
]
