"""Check-in chat commands: whose check-in, and the commands that change an enrolment.

Who may act for an elder: the elder, bound family (bots/acting.py), and coordinators of the elder's
village (models.membership.in_scope). A command names the elder after it (name or number) when the
user may act for several; with one, the name can be left out.
"""
from __future__ import annotations

import re
from datetime import date

from bots import acting
from bots.flows.checkin import send as checkin_send
from bots.forms import Turn
from bots.nlu.numbers import to_int
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.checkin import alarm
from models.checkin import rules as ck
from models.help import dispatch
from models.people import binding
from models.people.users import User

CLOCK = re.compile(r"(早上|早晨|上午|中午|下午|晚上)?\s*([0-9０-９一二两三四五六七八九十]{1,3})\s*[:：点时]\s*"
                   r"(半|一刻|[0-9０-９]{1,2}|[一二三四五]?十[一二三四五六七八九]?|[一二三四五六七八九])?\s*分?")
DAYS = re.compile(r"([0-9０-９一二两三四五六七八九十]{1,3})\s*(天|日)|(一|1)?\s*(个)?(周|星期|礼拜)")


def checkin_rules_of(turn: Turn) -> ck.CheckinRules:
    """Check-in rules from the configuration."""
    return ck.checkin_rules(dict(turn.ctx.config))


def dispatch_rules_of(turn: Turn) -> dispatch.DispatchRules:
    """Dispatch rules from the configuration."""
    return dispatch.dispatch_rules(dict(turn.ctx.config), turn.ctx.tz)


def send(turn: Turn, notices) -> None:
    """Queue notices in this message's transaction."""
    checkin_send.send(turn.ctx.session, notices, now=turn.ctx.now, tz=turn.ctx.tz)


def managed(turn: Turn) -> list[User]:
    """Elders this user may manage: themself and bound elders first, then those in a coordinator's scope."""
    return binding.managed_by(turn.ctx.session, turn.user)


def find(candidates: list[User], text: str) -> list[User]:
    """Candidates named in the text: by number (user id) or by full name."""
    number = re.fullmatch(r"\s*#?(\d+)\s*(号)?\s*", text)
    if number:
        return [e for e in candidates if e.id == int(number.group(1))]
    return [e for e in candidates if e.name and e.name in text]


def target(turn: Turn, rest: str, command: str) -> tuple[User | None, str | None]:
    """The elder a command is about, or the reply explaining what is missing (both None: let the user pick)."""
    candidates = managed(turn)
    if not candidates:
        return None, t("checkin_nobody")
    example = f"{command} {candidates[0].name or candidates[0].id}"
    if rest.strip():
        found = find(candidates, rest)
        if len(found) == 1:
            return found[0], None
        return None, t("checkin_unknown_elder", text=rest.strip(), example=example)
    own = acting.elders_for(turn.ctx.session, turn.user)
    if len(own) == 1:
        return own[0], None
    if len(own) > 1 and len(candidates) == len(own):
        return None, None
    names = "、".join(f"{e.name}({e.id})" for e in candidates[:10])
    return None, t("checkin_which_elder", example=example, names=names)


def parse_clock(text: str) -> tuple[int | None, str]:
    """A greeting time in the text (8:00, 早上7点半, 下午3点) and the text without it."""
    found = CLOCK.search(text)
    if found is None:
        return None, text
    hour = to_int(found.group(2))
    part, tail = found.group(1) or "", found.group(3) or ""
    minute = 30 if tail == "半" else 15 if tail == "一刻" else (to_int(tail) if tail else 0)
    if hour is None or minute is None or hour > 23 or minute > 59:
        return None, text
    if part in ("下午", "晚上") and hour < 12:
        hour += 12
    return hour * 60 + minute, (text[:found.start()] + text[found.end():]).strip()


def parse_days(text: str) -> tuple[int | None, str]:
    """A number of days (3天, 三天, 一周) and the text without it."""
    found = DAYS.search(text)
    if found is None:
        return None, text
    days = to_int(found.group(1)) if found.group(1) else 7
    return days, (text[:found.start()] + text[found.end():]).strip()


def day_text(day: date) -> str:
    """12月4日."""
    return f"{day.month}月{day.day}日"


def enrolled(turn: Turn, rest: str, command: str) -> tuple[User, ck.CheckinEnrolment] | str:
    """The elder named by a command and their enrolment, or the reply when either is missing."""
    elder, reply = target(turn, rest, command)
    if elder is None:
        return reply or t("checkin_which_elder", example=f"{command} 姓名",
                          names="、".join(e.name for e in managed(turn)))
    enrolment = ck.enrolment_of(turn.ctx.session, elder)
    if enrolment is None or enrolment.status == ck.CLOSED:
        return t("checkin_not_enrolled", name=elder.name)
    return elder, enrolment


def set_time(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """签到时间 8:00 [姓名]."""
    minute, rest = parse_clock(match.group(1))
    if minute is None or not ck.greeting_time_ok(minute):
        return t("checkin_time_invalid")
    found = enrolled(turn, rest, "签到时间 8:00")
    if isinstance(found, str):
        return found
    elder, enrolment = found
    ck.set_time(turn.ctx.session, enrolment, minute, now=turn.ctx.now, rules=checkin_rules_of(turn))
    return t("checkin_time_set", name=elder.name, time=ck.clock_text(enrolment.prompt_minute),
             deadline=ck.clock_text(enrolment.deadline_minute))


def pause(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """暂停签到 3天 [姓名]."""
    days, rest = parse_days(match.group(1))
    if days is None or not 1 <= days <= ck.MAX_PAUSE_DAYS:
        return t("checkin_pause_invalid")
    found = enrolled(turn, rest, "暂停签到 3天")
    if isinstance(found, str):
        return found
    elder, enrolment = found
    until = ck.pause(turn.ctx.session, enrolment, days, now=turn.ctx.now, tz=turn.ctx.tz)
    stop_chain(turn, elder)
    return t("checkin_paused", name=elder.name, days=days, until=day_text(until))


def stop_chain(turn: Turn, elder: User) -> None:
    """Paused or switched off during a silent morning: the people asked to visit are told not to."""
    stop_chain_for(turn.ctx.session, turn.user, elder, now=turn.ctx.now, tz=turn.ctx.tz)


def stop_chain_for(session, by: User, elder: User, *, now, tz) -> None:
    """`stop_chain` for callers without a chat turn (the web console)."""
    day = ck.stop_today(session, id_of(elder), now=now, tz=tz)
    if day is not None and day.stage >= ck.FAMILY_ASKED:
        checkin_send.send(session, alarm.settle(session, day, by, now=now, text_key="checkin_clear_paused",
                                                params={"name": elder.name}), now=now, tz=tz)


def resume(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """恢复签到 [姓名]."""
    found = enrolled(turn, match.group(1), "恢复签到")
    if isinstance(found, str):
        return found
    elder, enrolment = found
    if enrolment.status == ck.ACTIVE:
        return t("checkin_not_paused", name=elder.name, time=ck.clock_text(enrolment.prompt_minute))
    ck.resume(turn.ctx.session, enrolment, now=turn.ctx.now, tz=turn.ctx.tz)
    return t("checkin_resumed", name=elder.name, time=ck.clock_text(enrolment.prompt_minute))


def close(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """关闭签到 [姓名]."""
    found = enrolled(turn, match.group(1), "关闭签到")
    if isinstance(found, str):
        return found
    elder, enrolment = found
    ck.close(turn.ctx.session, enrolment, now=turn.ctx.now)
    stop_chain(turn, elder)
    return t("checkin_closed", name=elder.name)


def call_name(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """签到称呼 王奶奶 — for the only (or first named) elder."""
    words = match.group(1).split()
    if not words or len(words[0]) > 10:
        return t("checkin_call_name_invalid")
    found = enrolled(turn, " ".join(words[1:]), "签到称呼 王奶奶")
    if isinstance(found, str):
        return found
    elder, enrolment = found
    ck.set_call_name(turn.ctx.session, enrolment, words[0], now=turn.ctx.now)
    return t("checkin_call_name_set", call=words[0])
