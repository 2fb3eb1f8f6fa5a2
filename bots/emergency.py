"""Emergencies interrupt any flow: say what to do now, alert everyone who can help, send volunteers.

The safety classifier (bots/nlu/emergency.py) reads every text, transcript and form answer first. A
certain emergency acts at once; a doubtful one asks "您是遇到紧急情况了吗？" and is acted on when the
question goes unanswered (sooner for strong signs: job emergency.unanswered).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bots import nlu, notify
from bots.forms import Turn
from bots.message import TEXT, Context, Message
from bots.nlu import Danger, names
from bots.nlu.danger_words import FIRE, GAS, MEDICAL, POLICE, UNKNOWN
from bots.texts import t
from models.base import as_utc, id_of
from models.core.conversation import ConversationState, clear_state
from models.core.notify import Notice
from models.core.outbox import URGENT
from models.help import dispatch
from models.help import emergencies as em
from models.help import requests as hr
from models.help.alarms import elders_of, raise_alarm
from models.people import users as people

CHECK_FLOW = "emergency_check"
_CRY = Danger("certain", frozenset({UNKNOWN}), ())


def assess(turn: Turn) -> Danger | None:
    """The safety classifier's reading of this turn's text."""
    u = turn.understanding
    return u.danger if u.text == turn.text else nlu.assess_danger(turn.text)


def ask(turn: Turn, conv, danger: Danger) -> str:
    """Ask whether this is an emergency; the answer (or silence) decides."""
    conv.flow, conv.step, conv.data = CHECK_FLOW, "", {"text": turn.text, "was": conv.flow, "level": danger.level}
    conv.choices = ["yes", "no"]
    return t("emergency_check")


def respond(turn: Turn, key: str | None = None) -> str:
    """Alert the right people through the outbox, dispatch volunteers, and tell the writer what to do now."""
    ctx, user = turn.ctx, turn.user
    danger = assess(turn) or _CRY
    key = key or str(ctx.inbound_id or f"{user.openid}:{ctx.now.isoformat()}")
    subject = subject_of(turn, danger)
    merge = timedelta(minutes=float(_dispatch_config(ctx).get("emergency_merge_minutes", 30)))
    ongoing = em.open_case(ctx.session, subject or user, now=ctx.now, within=merge)
    case = em.people_to_alert(ctx.session, subject, user)
    if ongoing is not None:
        _alert(turn, case, danger, key, kind="emergency_update")
        return "\n".join([*_what_to_do(danger, ctx), t("emergency_ongoing", number=ongoing.id)])
    told = _alert(turn, case, danger, key, kind="emergency_alert")
    request_id = _dispatch_nearby(turn, subject or user, danger, key)
    sent = t("emergency_welfare_visit" if danger.not_seen else "help_emergency_dispatched", number=request_id)
    return "\n".join([*_what_to_do(danger, ctx), _who_was_told(case, told), sent])


def subject_of(turn: Turn, danger: Danger):
    """The elder a message is about: the writer, the relative they name, or an elder of the village named."""
    session, user, text = turn.ctx.session, turn.user, turn.text
    bound = elders_of(session, user)
    if not danger.about_other:
        # The writer's own emergency; a family member's cry with one elder bound is about that elder.
        return user if user.has_role("elder") or len(bound) != 1 else bound[0]
    kin = names.kin_named(text)
    if bound and kin:
        fitting = [e for e in bound if names.relationship_fits(em.relationship(session, e, user), kin)]
        if len(fitting) == 1 or len(bound) == 1:
            return (fitting or bound)[0]
    elders = em.village_elders(session, user)
    called = em.call_names(session, elders)
    named = names.person_named(text, [(e.id, [e.name, called.get(e.id, "")]) for e in elders if e.id])
    return next((e for e in elders if e.id == named), None)


def _dispatch_config(ctx: Context) -> dict:
    return ctx.config.get("dispatch", {})


def _what_to_do(danger: Danger, ctx: Context) -> list[str]:
    """The numbers to call for this kind of danger, and the village's own contacts."""
    contacts = ctx.config.get("contacts", {})
    hazards = danger.hazards
    lines = []
    if GAS in hazards:
        lines.append(t("emergency_gas_steps"))
        if contacts.get("gas_phone"):
            lines.append(t("emergency_gas_company", phone=contacts["gas_phone"]))
    elif FIRE in hazards:
        lines.append(t("emergency_call_119"))
    if POLICE in hazards:
        lines.append(t("emergency_call_110"))
    if MEDICAL in hazards or UNKNOWN in hazards or GAS in hazards and "carbon_monoxide" in danger.signs:
        lines.append(t("emergency_call_120"))
    if UNKNOWN in hazards:
        lines.append(t("emergency_call_119"))
    if contacts.get("doctor_phone") and hazards & {MEDICAL, UNKNOWN}:
        lines.append(t("emergency_doctor", phone=contacts["doctor_phone"]))
    if contacts.get("coordinator_phone"):
        lines.append(t("emergency_coordinator", phone=contacts["coordinator_phone"]))
    return lines


def _alert(turn: Turn, case: em.Case, danger: Danger, key: str, *, kind: str) -> list[str]:
    ctx = turn.ctx
    text = t(f"{kind}_text", **_alert_params(turn, case, danger))
    if danger.not_seen and case.subject is not None:
        text += _checkin_record(ctx.session, case.subject, ctx.tz)
    targets = case.family + case.coordinators if kind == "emergency_alert" else case.coordinators
    person = case.subject or turn.user
    # An update travels as an emergency alert too: same template, same reserve, same SMS and failure alerts.
    return raise_alarm(ctx.session, targets, actor=turn.user, alert_text=text, key=f"{kind}:{key}", now=ctx.now,
                       name=_name(person), phone=person.phone)


def _alert_params(turn: Turn, case: em.Case, danger: Danger) -> dict:
    reporter, subject = turn.user, case.subject
    reporter_name = _name(reporter)
    if subject is None:
        whom = t("emergency_someone")
    elif case.about_reporter:
        whom = reporter_name
    else:
        whom = _name(subject)
    phone = subject.phone if subject is not None and subject.phone else ""
    by = "" if case.about_reporter else t("emergency_reported_by", who=reporter_name,
                                           phone=reporter.phone or t("emergency_no_phone"))
    return {"who": whom, "text": turn.text[:60], "phone": t("alert_phone", phone=phone) if phone else "",
            "by": by}


def _name(user) -> str:
    return user.name or t("someone", tail=user.openid[-4:])


def _checkin_record(session: Session, elder, tz: ZoneInfo) -> str:
    if not em.is_enrolled(session, elder):
        return t("emergency_checkin_none")
    day = em.last_safe_day(session, elder)
    if day is None:
        return t("emergency_checkin_never")
    return t("emergency_checkin_last", day=f"{day.day.month}月{day.day.day}日")


def _who_was_told(case: em.Case, told: list[str]) -> str:
    family = bool({p.openid for p in case.family} & set(told))
    coordinators = bool({p.openid for p in case.coordinators} & set(told))
    whose = t("emergency_your") if case.about_reporter else (
        t("emergency_whose", name=_name(case.subject)) if case.subject is not None else "")
    if family and coordinators:
        return t("emergency_told_both", whose=whose)
    if family:
        return t("emergency_told_family", whose=whose)
    if coordinators:
        return t("emergency_told_coordinators")
    return t("emergency_no_one")


def _dispatch_nearby(turn: Turn, elder, danger: Danger, key: str) -> int:
    """Open an emergency request for the elder concerned and push it to the nearest on-duty volunteers.

    Someone not seen for days gets a welfare visit: a daily_care request at emergency priority.
    """
    ctx, user = turn.ctx, turn.user
    minutes = float(_dispatch_config(ctx).get("emergency_window_minutes", 120))
    category = "daily_care" if danger.not_seen else "emergency"
    new = hr.NewRequest(elder=elder, requested_by=user, category=category, details=turn.text[:200],
                        window_start=ctx.now, window_end=ctx.now + timedelta(minutes=minutes), urgency=hr.EMERGENCY)
    request, created = hr.create_request(ctx.session, new, source_key=f"emergency:{key}", now=ctx.now)
    if created:
        offers = dispatch.dispatch_round(ctx.session, request, dispatch.dispatch_rules(dict(ctx.config), ctx.tz),
                                         now=ctx.now)
        notify.send(ctx.session, offers, now=ctx.now, tz=ctx.tz)
    return id_of(request)


def question_wait(config: dict, level: str) -> timedelta:
    """How long an unanswered "是紧急情况吗？" waits before it is acted on: shorter for strong signs."""
    section = config.get("dispatch", {})
    minutes = section.get("emergency_question_minutes_strong", 1) if level == "strong" else \
        section.get("emergency_question_minutes", 5)
    return timedelta(minutes=float(minutes))


def act_on_unanswered(session: Session, *, now: datetime, tz: ZoneInfo, config: dict) -> int:
    """Doubtful emergencies left unanswered are acted on: silence after the question is itself a warning."""
    shortest = min(question_wait(config, "strong"), question_wait(config, "weak"))
    query = select(ConversationState).where(ConversationState.flow == CHECK_FLOW,
                                            ConversationState.updated_at < as_utc(now) - shortest)
    acted = 0
    for row in session.exec(query).all():
        data = row.data or {}
        if as_utc(row.updated_at) > as_utc(now) - question_wait(config, data.get("level", "weak")):
            continue
        text = data.get("text", "")
        user = people.get_or_create_user(session, row.openid, now=now)
        ctx = Context(session=session, now=now, tz=tz, config=config)
        turn = Turn(Message(openid=row.openid, kind=TEXT, text=text), text, nlu.understand(text, now), ctx, user)
        stamp = f"unanswered:{row.openid}:{row.updated_at.isoformat()}"
        reply = respond(turn, key=stamp)
        clear_state(session, row.openid)
        notify.send(session, [Notice(user.openid, "emergency_unanswered", stamp, "emergency_unanswered",
                                     {"reply": reply}, URGENT)], now=now, tz=tz)
        acted += 1
    return acted
