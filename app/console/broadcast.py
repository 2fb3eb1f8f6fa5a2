"""Composing a broadcast from the console: preview, audience size, channel plan, quota warnings, send.

The same functions as the chat's 广播 and `flask --app app notices compose`: `check_content`,
`village_scope` and `check_audience` validate, `notice_plan.estimate` counts who gets it on which
channel (writing nothing), `broadcasts.compose` creates the broadcast row, and the scheduler job's own
`dispatch_one` plans it, started at once in the background so the page can show planning and sending
advance (the scheduler would pick it up at its next run anyway; both resume at the plan cursor).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, request
from sqlmodel import Session

from app import template_cards
from app.console.common import admin_in, blueprint, local, page, rt
from app.console.progress import launch
from app.console.scope import villages_of
from app.db import session_scope
from app.jobs import notices as notice_jobs
from bots.flows.notices import rules
from bots.texts import t
from models.checkin.rules import local_day
from models.core import outbox
from models.notices import plan as notice_plan
from models.notices import track as notice_track
from models.notices.broadcasts import (
    CANCELLED,
    DONE,
    PLANNING,
    REJECTED,
    SCHEDULED,
    SENDING,
    Broadcast,
    Content,
    NoticeError,
    check_audience,
    check_content,
    compose,
    get_for,
    village_name,
    village_scope,
)
from models.people.users import User

bp = blueprint("console_broadcast", __name__)
AUDIENCES = ("all", "role:elder", "role:family", "role:volunteer", "checkin:elder", "checkin:family")
COUNTY = "county"
# Estimate outcomes that reach nobody, in the order they are explained.
UNREACHABLE = ("unsubscribed", "no_channel", "mass_quota")
FINISHED = (DONE, CANCELLED, REJECTED)


@dataclass(frozen=True)
class Draft:
    broadcast: Broadcast  # unsaved: what the estimate and the preview read
    content: Content
    urgent: bool
    send_at: datetime


class Refused(Exception):
    """The form cannot become a broadcast; the message says why, in the coordinator's words."""


def _config() -> dict:
    return rt().settings.as_dict()


def _village(admin: User) -> int | None:
    choice = request.form.get("village", "")
    if choice == COUNTY:
        # village_scope reads None as "my own village" for a coordinator; asking for the county is refused.
        if not admin.has_role("county_admin"):
            raise Refused(t("notices_err_other_village"))
        return None
    if not choice.isdigit():
        return admin.village_id
    return int(choice)


def _audience(session: Session) -> str:
    choice = request.form.get("audience", "all")
    if choice == "tag":
        choice = "tag:" + request.form.get("tag", "").strip()[:30]
    elif choice not in AUDIENCES:
        raise Refused(t("notices_err_audience", audience=choice))
    return check_audience(session, choice)


def _when(now: datetime) -> tuple[datetime, bool]:
    when = request.form.get("when", "now")
    if when == "at":
        try:
            moment = datetime.fromisoformat(request.form.get("at", ""))
        except ValueError:
            raise Refused(t("console2_bad_time")) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=rt().tz)
        if moment <= now or moment > now + timedelta(days=60):
            raise Refused(t("console2_bad_time"))
        return moment, False
    return now, when == "urgent"


def _draft(session: Session, admin: User, now: datetime) -> Draft:
    """The form as an unsaved broadcast, checked as compose() will check it; Refused otherwise."""
    content = Content(body=request.form.get("body", "").strip(), title=request.form.get("title", "").strip(),
                      url=request.form.get("url", "").strip())
    if not content.body:
        raise Refused(t("console_notice_text_required"))
    problem = check_content(content, rules.limits(_config()))
    if problem:
        raise Refused(t(problem, **_limit_params()))
    try:
        village_id = village_scope(admin, _village(admin))
        audience = _audience(session)
    except NoticeError as exc:
        raise Refused(t(exc.code, **exc.params)) from None
    send_at, urgent = _when(now)
    draft = Broadcast(village_id=village_id, author_openid=admin.openid, kind=content.kind, title=content.title,
                      body=content.body, url=content.url, audience=audience, urgent=urgent, send_at=send_at,
                      created_at=now)
    return Draft(draft, content, urgent, send_at)


def _limit_params() -> dict:
    limits = rules.limits(_config())
    return {"max": limits.max_text, "limit": limits.max_text, "max_title": limits.max_title,
            "domains": "、".join(limits.allowed_domains)}


def _plan_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(id, label, count) per channel, SMS included (notices never use it: it is kept for emergencies)."""
    rows = [(c, t(f"console2_channel_{c}"), counts.get(c, 0)) for c in (outbox.CUSTOM, outbox.TEMPLATE, "mass")]
    rows.append(("sms", t("console2_channel_sms"), 0))
    rows.append(("none", t("console2_channel_none"), sum(counts.get(r, 0) for r in UNREACHABLE)))
    return rows


def _warnings(session: Session, counts: dict[str, int], draft: Draft, now: datetime) -> list[str]:
    config, plan = _config(), rules.plan_rules(_config())
    found = []
    if counts.get("mass_quota"):
        found.append(t("notices_quota_warning", n=counts["mass_quota"], limit=plan.mass_per_month))
    per_day = rules.template_per_day(config)
    day_start = datetime.combine(local_day(now, rt().tz), datetime.min.time(), tzinfo=rt().tz)
    used = notice_plan.template_day_use(session, since=day_start)
    over = notice_plan.template_overflow(counts.get(outbox.TEMPLATE, 0), used, per_day)
    if over:
        found.append(t("console2_template_quota", n=over, used=used, limit=per_day))
    if counts.get("no_channel"):
        found.append(t("console2_no_channel_note", n=counts["no_channel"]))
    quiet = notice_plan.quiet_until(draft.send_at, plan) if not draft.urgent else None
    if quiet:
        found.append(t("console2_quiet_note", at=local(quiet)))
    return found


def _reasons(counts: dict[str, int]) -> list[str]:
    return [t("console2_unreachable_reason", reason=t(f"console2_reason_{r}"), n=counts[r])
            for r in UNREACHABLE if counts.get(r)]


@bp.get("/broadcast")
def compose_page():
    """The compose form."""
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        return page("broadcast.html", villages=villages_of(session, admin), county=admin.has_role("county_admin"),
                    own=admin.village_id, audiences=AUDIENCES, audience_label=rules.audience_label,
                    has_template="notice" in (_config().get("templates") or {}))


@bp.post("/broadcast/preview")
def preview():
    """What the villager will see, how many will get it and how, and what to watch out for."""
    now = rt().clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        try:
            draft = _draft(session, admin, now)
        except Refused as exc:
            return page("_result.html", text=str(exc), ok=False), 400
        b, config = draft.broadcast, _config()
        counts = notice_plan.estimate(session, b, rules.plan_rules(config), now=now)
        spec = (config.get("templates") or {}).get("notice")
        card = template_cards.preview("notice", spec, rules.render(b), rules.template_data(b), rt().tz) \
            if spec and counts.get(outbox.TEMPLATE) else None
        return page("_broadcast_preview.html", b=b, text=rules.render(b), card=card, counts=counts,
                    where=village_name(session, b.village_id) or t("notices_whole_county"),
                    audience=rules.audience_label(b.audience), plan=_plan_rows(counts),
                    reasons=_reasons(counts), warnings=_warnings(session, counts, draft, now))


@bp.post("/broadcast/send")
def send():
    """Create the broadcast as the chat does, start planning it, and show its progress."""
    now = rt().clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        try:
            draft = _draft(session, admin, now)
            row = compose(session, admin, draft.content, audience=draft.broadcast.audience,
                          village_id=draft.broadcast.village_id, send_at=draft.send_at, urgent=draft.urgent,
                          limits=rules.limits(_config()), now=now)
        except Refused as exc:
            return page("_result.html", text=str(exc), ok=False), 400
        except NoticeError as exc:
            return page("_result.html", text=t(exc.code, **exc.params), ok=False), 400
        number = row.id or 0
        total = notice_plan.estimate(session, row, rules.plan_rules(_config()), now=now)["total"]
        due = row.send_at <= now
    if due:
        launch("plan", f"broadcast:{number}", lambda report: _plan(number))
    return page("_broadcast_sent.html", number=number, total=total, progress=_progress(number, total))


def _plan(number: int) -> None:
    runtime = rt()
    notice_jobs.dispatch_one(runtime, number, rules.plan_rules(runtime.settings.as_dict()), runtime.clock())


def _progress(number: int, total: int) -> dict:
    """Where a broadcast stands: planning (planned of total), then sent/failed/waiting per channel."""
    runtime, now = rt(), rt().clock()
    with session_scope(runtime.engine) as session:
        try:
            b = get_for(session, admin_in(session), number)
        except NoticeError:
            abort(404)
        if b.status == SENDING:
            notice_track.sync_outbox(session, now=now, broadcast_id=number)
        report = notice_track.stats(session, number)
        channels = report["channels"]
        sent = sum(c.get("sent", 0) for c in channels.values())
        waiting = sum(c.get("pending", 0) for c in channels.values())
        failed = sum(n for c in channels.values() for s, n in c.items() if s in ("failed", "uncertain"))
        later = b.status == SCHEDULED and b.send_at > now
        running = b.status in (SCHEDULED, PLANNING) and not later or (b.status == SENDING and waiting > 0)
        planned = b.recipients if b.status in (SCHEDULED, PLANNING) else max(b.recipients, total)
        return {"b": b, "total": max(total, b.recipients), "planned": planned, "sent": sent, "waiting": waiting,
                "failed": failed, "later": later, "running": running, "at": local(b.send_at),
                "channels": [(c, t(f"console2_channel_{c}"), channels[c]) for c in channels if c != "none"],
                "skipped": sum(channels.get("none", {}).values()),
                "percent": _percent(b, planned, total, sent + failed)}


def _percent(b: Broadcast, planned: int, total: int, finished: int) -> int:
    if b.status in FINISHED:
        return 100
    if b.status in (SCHEDULED, PLANNING):
        return min(50, planned * 50 // total) if total else 0
    reachable = max(1, b.recipients)
    return 50 + min(50, finished * 50 // reachable)


@bp.get("/broadcasts/<int:number>/progress")
def progress(number: int):
    """The progress fragment; it asks for itself again while planning or sending goes on."""
    total = request.args.get("of", "0")
    return page("_broadcast_progress.html", number=number, total=int(total) if total.isdigit() else 0,
                progress=_progress(number, int(total) if total.isdigit() else 0))
