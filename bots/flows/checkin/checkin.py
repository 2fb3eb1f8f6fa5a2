"""Daily safety check-in (报平安): enrolment, the elder's answer, and the commands around it.

Any message from an enrolled elder counts as today's check-in (the observer); "1" after the greeting
and "平安"/"我很好"/the menu's 报平安 reach the `checkin_ok` intent, which answers the thanks itself.
Commands and states: checkin.md and docs/checkin.md.
"""
from __future__ import annotations

import re

from bots import acting, emergency, forms, nlu, speech
from bots.flows.checkin import answers
from bots.flows.checkin import commands as cmds
from bots.forms import Form, Turn
from bots.message import TEXT, VOICE, Context, Message
from bots.registry import Command, Feature, PersonRow
from bots.state import Conversation, SqlStore
from bots.texts import t
from models.base import row_of
from models.checkin import alarm
from models.checkin import rules as ck
from models.core.notify import Notice
from models.people.membership import is_offline
from models.people.users import User

ADMINS = frozenset({"admin", "county_admin"})
NO_THANKS_BEFORE = frozenset({"complaint", "out_of_scope", "unknown"})
INCIDENT = re.compile(r"出事了?[\s，,：:。!！]*(.*)", re.S)


def reachable(elder: User) -> bool:
    """An elder with their own WeChat who still follows the account can be greeted."""
    return elder.subscribed and not is_offline(elder)


def _minute(values: dict, turn: Turn, elder: User) -> int:
    enrolment = ck.enrolment_of(turn.ctx.session, elder)
    if values.get("minute") is not None:
        return values["minute"]
    return enrolment.prompt_minute if enrolment else cmds.checkin_rules_of(turn).prompt_minute


def _read_back(values: dict, turn: Turn) -> str:
    elder, rules = row_of(turn.ctx.session, User, values["elder"]), cmds.checkin_rules_of(turn)
    minute = _minute(values, turn, elder)
    return t("checkin_enrol_read_back", name=elder.name, time=ck.clock_text(minute),
             deadline=ck.clock_text(min(minute + rules.gap, 23 * 60 + 30)),
             family_after=int(rules.family_after.total_seconds() // 60),
             coordinator_after=int(rules.coordinator_after.total_seconds() // 60))


def _submit(values: dict, turn: Turn) -> str:
    session, ctx = turn.ctx.session, turn.ctx
    elder = session.get(User, values["elder"])
    assert elder is not None
    if elder.id not in {e.id for e in cmds.managed(turn)}:
        return t("checkin_not_yours", name=elder.name)
    if not reachable(elder):
        return t("checkin_offline", name=elder.name)
    enrolment, _ = ck.enrol(session, elder, turn.user, now=ctx.now, rules=cmds.checkin_rules_of(turn),
                            prompt_minute=_minute(values, turn, elder))
    time = ck.clock_text(enrolment.prompt_minute)
    if elder.id != turn.user.id:
        cmds.send(turn, [Notice(elder.openid, "checkin_enrolled", f"checkin:enrolled:{elder.id}:{ctx.now:%Y%m%d%H%M}",
                                "checkin_enrolled_elder_note", {"name": elder.name, "time": time})])
    return t("checkin_enrolled", name=elder.name, time=time)


FORM = Form(name="checkin_enrol", slots=(acting.elder_slot("ask_checkin_enrol_elder"),), read_back=_read_back,
            action=_submit)


def enrol(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """开启签到 [姓名] [时间]: read back, then enrol on 1."""
    minute, rest = cmds.parse_clock(match.group(1))
    if minute is not None and not ck.greeting_time_ok(minute):
        return t("checkin_time_invalid")
    elder, reply = cmds.target(turn, rest, "开启签到")
    if elder is None:
        if reply is not None:
            return reply
        answer = forms.start(FORM, turn, conv)
        conv.data["minute"] = minute
        return answer
    if not reachable(elder):
        return t("checkin_offline", name=elder.name)
    enrolment = ck.enrolment_of(turn.ctx.session, elder)
    if enrolment is not None and enrolment.status == ck.ACTIVE and minute is None:
        return t("checkin_already_enrolled", name=elder.name, time=ck.clock_text(enrolment.prompt_minute))
    conv.flow, conv.step, conv.data, conv.choices = FORM.name, "", {"elder": elder.id, "minute": minute}, []
    return forms.advance(FORM, turn, conv)


def checked_in(ctx: Context, user: User) -> alarm.Settled:
    """Record today's check-in for this user (if enrolled) and queue what it settles."""
    settled = alarm.elder_checked_in(ctx.session, user, now=ctx.now, tz=ctx.tz)
    if settled.notices:
        cmds.checkin_send.send(ctx.session, settled.notices, now=ctx.now, tz=ctx.tz)
    return settled


def _thanks(day: ck.CheckinDay) -> str:
    return t("checkin_thanks_late" if day.status == ck.LATE and day.stage >= ck.FAMILY_ASKED else "checkin_thanks")


def on_checkin_ok(turn: Turn, conv: Conversation) -> str:
    """平安 / 1 after the greeting / the menu's 报平安 (the observer left these to this handler)."""
    settled = checked_in(turn.ctx, turn.user)
    if settled.result == "new" and settled.day is not None:  # a new check-in comes with its day
        return _thanks(settled.day)
    if settled.result == "already":
        return t("checkin_thanks_again")
    if turn.user.has_role("elder") or not cmds.managed(turn):
        return t("checkin_thanks_not_enrolled")
    return t("checkin_for_family_only")


def _text(message: Message) -> str:
    return (message.text if message.kind == TEXT else speech.transcribe(message) if message.kind == VOICE else "") or ""


def observe_elder(message: Message, ctx: Context, user: User) -> str | None:
    """Any message from an enrolled elder is today's check-in; the thanks goes first in the reply."""
    enrolment = ck.enrolment_of(ctx.session, user)
    if enrolment is None or enrolment.status != ck.ACTIVE:
        return None
    text = _text(message).strip()
    turn = Turn(message, text, nlu.understand(text, ctx.now), ctx, user) if text else None
    danger = emergency.assess(turn) if turn is not None else None
    if danger is not None:
        if danger.certain:
            cmds.checkin_send.send(ctx.session, alarm.elder_emergency(ctx.session, user, now=ctx.now, tz=ctx.tz),
                                   now=ctx.now, tz=ctx.tz)
        # Never "thank you" a possible emergency, nor count it as "safe": the emergency path answers
        # (or asks) and alerts.
        return None
    if turn is not None and _answers_itself(turn):
        return None  # the checkin_ok handler records it and thanks
    settled = checked_in(ctx, user)
    if (turn is None and message.kind == VOICE) or (turn is not None and turn.understanding.intent in NO_THANKS_BEFORE):
        # A voice nobody understood, a complaint, words we did not understand: the elder is alive (the
        # check-in counts) but a cheerful thanks in front of that answer would read as not listening.
        return None
    return _thanks(settled.day) if settled.result == "new" and settled.day is not None else None


def _answers_itself(turn: Turn) -> bool:
    """The checkin_ok handler will get this message (平安, or a bare 1 picking 报平安, with no flow in progress)."""
    conv = SqlStore(turn.ctx.session).load(turn.user.openid)
    if conv.active or any(c.pattern.fullmatch(turn.text) for c in COMMANDS):
        return False
    return turn.understanding.intent == "checkin_ok" or (turn.number == 1 and conv.choices[:1] == ["checkin_ok"])


COMMANDS = (
    Command("checkin_enrol", re.compile(r"(?:开启签到|开通签到|开启报平安|开通报平安)\s*(.*)"), enrol),
    Command("checkin_time", re.compile(r"(?:签到时间|报平安时间|修改签到时间)\s*(.*)"), cmds.set_time),
    Command("checkin_pause", re.compile(r"(?:暂停签到|暂停报平安)\s*(.*)"), cmds.pause),
    Command("checkin_resume", re.compile(r"(?:恢复签到|恢复报平安)\s*(.*)"), cmds.resume),
    Command("checkin_close", re.compile(r"(?:关闭签到|关闭报平安|取消签到)\s*(.*)"), cmds.close),
    Command("checkin_call", re.compile(r"(?:签到称呼|问候称呼)\s*(.*)"), cmds.call_name),
    Command("checkin_confirm", re.compile(r"(?:已确认|确认)\s*平安\s*(.*)"), answers.confirm),
    Command("checkin_incident", INCIDENT, answers.incident, first=True),
    Command("checkin_daily", re.compile(r"每日平安提醒\s*(开|开启|打开|关|关闭)\s*(.*)"), answers.daily_signal),
    Command("checkin_stats", re.compile(r"(?:签到统计|报平安统计)[。！!]*"), answers.stats, ADMINS),
)

FEATURE = Feature(name="checkin", forms=(FORM,), intents={"checkin_ok": on_checkin_ok}, commands=COMMANDS,
                  observers=(observe_elder,), person_rows=(PersonRow(ck.CheckinEnrolment, "elder_id"),))
