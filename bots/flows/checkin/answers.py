"""Answers to a silent morning (已确认 平安, 出事了 …), family's daily line, and the coordinator's figures."""
from __future__ import annotations

import re
from datetime import timedelta

from bots.flows.checkin.commands import dispatch_rules_of, find, managed, send
from bots.forms import Turn
from bots.state import Conversation
from bots.texts import t
from models.checkin import alarm, reports
from models.checkin import rules as ck
from models.help.alarms import elders_of
from models.people.users import User


def _alarm_elder(turn: Turn, rest: str, example: str) -> tuple[User | None, str | None]:
    """The elder an answer is about: named (name or number), or the only open alarm, or the only bound elder."""
    ctx = turn.ctx
    alarms = alarm.open_alarms(ctx.session, turn.user, now=ctx.now, tz=ctx.tz)
    known = {e.id: e for _, e in alarms} | {e.id: e for e in managed(turn)}
    if rest:
        found = find(list(known.values()), rest)
        return (found[0], None) if len(found) == 1 else (None, t("checkin_unknown_elder", text=rest, example=example))
    if len(alarms) == 1:
        return alarms[0][1], None
    if not alarms:
        family = elders_of(ctx.session, turn.user)
        return (family[0], None) if len(family) == 1 else (None, t("checkin_confirm_none"))
    names = "、".join(f"{e.name}({e.id})" for _, e in alarms[:10])
    return None, t("checkin_confirm_which", number=alarms[0][1].id, names=names)


def confirm(turn: Turn, conv: Conversation, match: re.Match) -> str | None:
    """已确认 平安 <姓名或编号>: the alarm closes for everyone."""
    if turn.user.has_role("elder") and not match.group(1).strip() and not managed(turn)[1:]:
        return None  # an elder saying it of themself: the check-in answers
    elder, reply = _alarm_elder(turn, match.group(1).strip(), "已确认 平安 王秀英")
    if elder is None:
        return reply
    ctx = turn.ctx
    settled = alarm.confirm_safe(ctx.session, elder, turn.user, now=ctx.now, tz=ctx.tz)
    if settled.result == "not_enrolled":
        return t("checkin_not_enrolled", name=elder.name)
    if settled.result == "not_allowed":
        return t("checkin_not_yours", name=elder.name)
    if settled.result == "already":
        assert settled.day is not None  # "already" is said of the day found
        return t("checkin_confirm_already", name=elder.name, status=t(f"checkin_status_{settled.day.status}"))
    send(turn, settled.notices)
    return t("checkin_confirmed", name=elder.name)


def incident(turn: Turn, conv: Conversation, match: re.Match) -> str | None:
    """出事了 <情况>: the day is an incident; family and coordinators are alerted; an emergency request goes out."""
    ctx, details = turn.ctx, match.group(1).strip()
    alarms = alarm.open_alarms(ctx.session, turn.user, now=ctx.now, tz=ctx.tz)
    known = {e.id: e for _, e in alarms} | {e.id: e for e in managed(turn) if e.id != turn.user.id}
    if not known:
        return None  # not about an elder this user answers for: the emergency and intent paths decide
    named = [e for e in known.values() if e.name and e.name in details]
    elders = named or ([alarms[0][1]] if len(alarms) == 1 else list(known.values()))
    if len(elders) != 1:
        return t("checkin_incident_which", example=elders[0].name)
    key = str(ctx.inbound_id or f"{turn.user.openid}:{ctx.now.isoformat()}")
    window = timedelta(minutes=float(ctx.config.get("dispatch", {}).get("emergency_window_minutes", 120)))
    settled = alarm.report_incident(ctx.session, elders[0], turn.user, details or turn.text, now=ctx.now, tz=ctx.tz,
                                    key=key, drules=dispatch_rules_of(turn), window=window)
    if settled.result == "not_allowed":
        return t("checkin_not_yours", name=elders[0].name)
    assert settled.request is not None  # an incident always comes with its emergency request
    send(turn, settled.notices)
    return t("checkin_incident_recorded", name=elders[0].name, number=settled.request.id)


def daily_signal(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """每日平安提醒 开/关 [姓名]: family opt in to a line each day the elder reports."""
    session, on = turn.ctx.session, match.group(1) in ("开", "开启", "打开")
    elders = [e for e in elders_of(session, turn.user) if ck.enrolment_of(session, e) is not None]
    rest = (match.group(2) or "").strip()
    chosen = find(elders, rest) if rest else elders
    if not chosen:
        return t("checkin_nobody") if not elders else t("checkin_unknown_elder", text=rest, example="每日平安提醒 开")
    for elder in chosen:
        enrolment = ck.enrolment_of(session, elder)
        if enrolment is not None:  # chosen among the enrolled above
            ck.set_daily_signal(session, enrolment, turn.user, on, now=turn.ctx.now)
    names = "、".join(e.name for e in chosen)
    return t("checkin_daily_on" if on else "checkin_daily_off", names=names)


def stats(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """签到统计: per village, today's outcomes and the seven-day rate."""
    user, ctx = turn.user, turn.ctx
    villages = None if user.has_role("county_admin") else [user.village_id]
    rows = [r for r in reports.village_rates(ctx.session, villages, now=ctx.now, tz=ctx.tz) if r.enrolled or r.week]
    if not rows:
        return t("checkin_stats_none")
    lines = [t("checkin_stats_head")]
    for r in rows:
        today = r.today
        rate = f"{r.week_rate}%" if r.week_rate is not None else "-"
        lines.append(t("checkin_stats_line", village=r.village, enrolled=r.enrolled, ok=today[ck.ON_TIME],
                       late=today[ck.LATE], confirmed=today[ck.CONFIRMED], incident=today[ck.INCIDENT],
                       pending=today[ck.PENDING], paused=today[ck.DAY_PAUSED], unsub=today[ck.UNSUBSCRIBED],
                       rate=rate))
    return "\n".join(lines)
