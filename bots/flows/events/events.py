"""Events for villagers: what is on, signing up (oneself or an elder, with a companion), cancelling,
answering a reminder, saying 到了 on arrival. Coordinator commands live in event_admin.py.

States and transitions: events.md.
"""
from __future__ import annotations

import re

from bots import nlu
from bots.flows.events import admin as event_admin
from bots.flows.events import notices as event_notices
from bots.flows.events.common import (
    acting_choices,
    begin,
    name_of,
    pick_form,
    prefill_whom,
    village_of,
    when,
    whom_of,
    whom_text,
    with_whom,
)
from bots.forms import Form, Invalid, Slot, Turn
from bots.nlu.numbers import NUMBER_RE, to_int
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.events import events as ev
from models.people.users import User

LIST_KEY = "events_list"
SIGNUP_CMD = re.compile(rf"(?:(?:帮|给|替)[^\d\s]{{1,5}}?)?(?:我要)?(?:报名|参加)"
                        rf"\s*第?({NUMBER_RE})\s*(?:个|号)?(?:活动)?")
CANCEL_CMD = re.compile(rf"取消报名\s*(?:第?({NUMBER_RE})\s*(?:个|号)?)?")
MINE_CMD = re.compile(r"我的(?:报名|活动)")
ARRIVED_CMD = re.compile(r"(?:我|俺)?(?:已经)?(?:到了|到啦|来了|已到)[。！!]*")
YES_CMD = re.compile(r"(?:确认参加|我会去|会去|能去|我去|确认去|参加)[的了。！!]*")
NO_CMD = re.compile(r"(?:不去了|去不了|不去|不参加了?|来不了|不能去)[了。！!]*")


def _max_party(turn: Turn) -> int:
    return int(turn.ctx.config.get("events", {}).get("max_party_size", 2))


def _upcoming(turn: Turn) -> list[ev.Event]:
    return ev.upcoming(turn.ctx.session, village_of(turn), now=turn.ctx.now)


def _line(turn: Turn, n: int, event: ev.Event) -> str:
    free = event.capacity - ev.seats_taken(turn.ctx.session, id_of(event))
    if turn.ctx.now > event.signup_deadline:
        state = t("events_state_closed")
    else:
        state = t("events_state_free", free=free) if free > 0 else t("events_state_full")
    return t("events_line", n=n, kind=t(f"events_kind_{event.kind}"), title=event.title,
             when=when(event.starts_at, turn.ctx.tz), place=event.place or "-", state=state)


def list_events(turn: Turn, conv: Conversation) -> str:
    """最近有什么活动: numbered upcoming events; a bare number then signs up for one."""
    events = _upcoming(turn)
    if not events:
        return t("events_none")
    conv.choices = ["event_signup"] * len(events)
    conv.data = {LIST_KEY: [e.id for e in events]}
    lines = [_line(turn, n, e) for n, e in enumerate(events, 1)]
    return "\n".join([t("events_list_head"), *lines, t("events_list_tail")])


def _event_by_number(turn: Turn, number: int, shown: list[int] | None) -> int | None:
    ids = shown or [id_of(e) for e in _upcoming(turn)]
    return ids[number - 1] if 1 <= number <= len(ids) else None


# --- sign-up flow -----------------------------------------------------------------------------

def _ask_event(turn: Turn) -> str:
    lines = [_line(turn, n, e) for n, e in enumerate(_upcoming(turn), 1)]
    return "\n".join([t("ask_event_signup_event"), *lines])


def _parse_event(turn: Turn) -> int:
    number = turn.number if turn.number is not None else nlu.parse_choice(turn.text, [])
    found = _event_by_number(turn, number, None) if number else None
    if found is None:
        raise Invalid()
    return found


def _prefill_party(turn: Turn) -> int | None:
    count = turn.understanding.slots.get("count")
    return count if count and 1 <= count <= _max_party(turn) else None


def _parse_party(turn: Turn) -> int:
    picked = nlu.parse_choice(turn.text, [t("events_party_one"), t("events_party_two")])
    count = turn.understanding.slots.get("count")
    size = picked or count
    if not size or not 1 <= size <= _max_party(turn):
        raise Invalid()
    return size


def _read_back_signup(values: dict, turn: Turn) -> str:
    event = turn.ctx.session.get(ev.Event, values["event"])
    assert event is not None
    free = event.capacity - ev.seats_taken(turn.ctx.session, id_of(event))
    note = t("events_note_full") if free < values["party"] else ""
    return t("confirm_event_signup", title=event.title, when=when(event.starts_at, turn.ctx.tz),
             place=event.place or "-", whom=whom_text(turn, whom_of(values, turn)), party=values["party"], note=note)


def _submit_signup(values: dict, turn: Turn) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    attendee = row_of(session, User, whom_of(values, turn))
    result = ev.sign_up(session, values["event"], attendee, booked_by=turn.user, party_size=values["party"], now=now,
                       max_party=_max_party(turn))
    event_notices.promoted(session, result.promoted, now=now, tz=turn.ctx.tz)
    event = session.get(ev.Event, values["event"])
    assert event is not None
    params = {"title": event.title, "when": when(event.starts_at, turn.ctx.tz), "place": event.place or "-",
              "position": result.position, "whom": whom_text(turn, id_of(attendee)),
              "deadline": when(event.signup_deadline, turn.ctx.tz)}
    return t(f"events_signup_{result.outcome}", **params)


def _undo_signup(turn: Turn, conv: Conversation) -> str | None:
    mine = [s for s, _ in _mine(turn) if s.booked_by_id == turn.user.id]
    if not mine:
        return None
    latest = max(mine, key=lambda s: id_of(s))
    return begin(CANCEL, turn, conv, {"signup": id_of(latest)})


SIGNUP = Form(
    name="event_signup",
    slots=(Slot("event", parse=_parse_event, ask=_ask_event),
           Slot("party", parse=_parse_party, prefill=_prefill_party)),
    read_back=_read_back_signup,
    action=_submit_signup,
    undo=lambda turn, conv: _undo_signup(turn, conv),
)
SIGNUP_FOR = with_whom(SIGNUP, "events_ask_whom")


def start_signup(turn: Turn, conv: Conversation) -> str:
    """报名 / 报名 2 / a number after the list."""
    shown = conv.data.get(LIST_KEY) if isinstance(conv.data.get(LIST_KEY), list) else None
    if not shown and not _upcoming(turn):
        return t("events_none")
    form = pick_form(turn, SIGNUP, SIGNUP_FOR)
    if turn.number is None:
        return begin(form, turn, conv, {})
    event_id = _event_by_number(turn, turn.number, shown)
    if event_id is None:
        return t("events_no_such", number=turn.number) + "\n" + list_events(turn, conv)
    whom = turn.user.id if form is SIGNUP else prefill_whom(turn)
    if whom is not None and any(s.event_id == event_id for s, _ in ev.active_signups(
            turn.ctx.session, [whom], now=turn.ctx.now)):
        conv.choices = []
        return t("events_signup_already", whom=whom_text(turn, whom))
    return begin(form, turn, conv, {"event": event_id})


def _signup_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    turn.understanding.slots["number"] = to_int(match.group(1))
    return start_signup(turn, conv)


# --- my sign-ups and cancelling -------------------------------------------------------------------

def _mine(turn: Turn) -> list[tuple[ev.EventSignup, ev.Event]]:
    ids = [u.id for u in acting_choices(turn)] + [turn.user.id]
    return ev.active_signups(turn.ctx.session, sorted(set(ids)), now=turn.ctx.now)


def _mine_line(turn: Turn, n: int, signup: ev.EventSignup, event: ev.Event) -> str:
    waiting = ev.position(turn.ctx.session, signup)
    state = t("events_state_waiting", position=waiting) if waiting else t("events_state_in")
    return t("events_mine_line", n=n, title=event.title, when=when(event.starts_at, turn.ctx.tz),
             whom=whom_text(turn, signup.user_id), party=signup.party_size, state=state)


def my_signups(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str:
    """我的报名: what the user (and their elders) signed up for."""
    mine = _mine(turn)
    if not mine:
        return t("events_mine_none")
    lines = [_mine_line(turn, n, s, e) for n, (s, e) in enumerate(mine, 1)]
    return "\n".join([t("events_mine_head"), *lines, t("events_mine_tail")])


def _ask_cancel(turn: Turn) -> str:
    lines = [_mine_line(turn, n, s, e) for n, (s, e) in enumerate(_mine(turn), 1)]
    return "\n".join([t("ask_event_cancel_signup"), *lines])


def _parse_cancel(turn: Turn) -> int:
    mine = _mine(turn)
    number = turn.number if turn.number is not None else nlu.parse_choice(turn.text, [e.title for _, e in mine])
    if not number or not 1 <= number <= len(mine):
        raise Invalid()
    return id_of(mine[number - 1][0])


def _prefill_cancel(turn: Turn) -> int | None:
    mine = _mine(turn)
    return mine[0][0].id if len(mine) == 1 and turn.number is None else None


def _read_back_cancel(values: dict, turn: Turn) -> str:
    signup = turn.ctx.session.get(ev.EventSignup, values["signup"])
    assert signup is not None
    event = turn.ctx.session.get(ev.Event, signup.event_id)
    assert event is not None
    return t("confirm_event_cancel", title=event.title, when=when(event.starts_at, turn.ctx.tz),
             whom=whom_text(turn, signup.user_id))


def _submit_cancel(values: dict, turn: Turn) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    result = ev.cancel_signup(session, values["signup"], by=turn.user, now=now)
    event_notices.promoted(session, result.promoted, now=now, tz=turn.ctx.tz)
    return t(f"events_cancel_{result.outcome}")


CANCEL = Form(
    name="event_cancel",
    slots=(Slot("signup", parse=_parse_cancel, prefill=_prefill_cancel, ask=_ask_cancel),),
    read_back=_read_back_cancel,
    action=_submit_cancel,
)


def _cancel_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    mine = _mine(turn)
    if not mine:
        return t("events_mine_none")
    number = to_int(match.group(1)) if match.group(1) else None
    if number is not None and not 1 <= number <= len(mine):
        return t("events_no_such", number=number) + "\n" + my_signups(turn, conv)
    preset = {"signup": mine[number - 1][0].id} if number else {}
    return begin(CANCEL, turn, conv, preset)


# --- reminders answered, arrival ------------------------------------------------------------------

def _pending(turn: Turn, conv: Conversation) -> ev.EventSignup | None:
    stored = conv.data.get(event_notices.REPLY_KEY)
    if stored:
        return turn.ctx.session.get(ev.EventSignup, stored)
    soon = [s for s, e in _mine(turn) if s.status == ev.CONFIRMED and not s.reply
            and (e.starts_at - turn.ctx.now).total_seconds() <= 25 * 3600]
    return soon[0] if soon else None


def _answer(turn: Turn, conv: Conversation, coming: bool) -> str | None:
    signup = _pending(turn, conv)
    if signup is None or signup.status != ev.CONFIRMED:
        return None
    session, now = turn.ctx.session, turn.ctx.now
    result = ev.record_reply(session, signup, coming=coming, now=now)
    event_notices.promoted(session, result.promoted, now=now, tz=turn.ctx.tz)
    event = session.get(ev.Event, signup.event_id)
    assert event is not None
    key = "events_reply_yes" if coming else ("events_reply_no" if result.outcome == "cancelled"
                                              else "events_reply_too_late")
    return t(key, title=event.title, when=when(event.starts_at, turn.ctx.tz), place=event.place or "-")


def _yes(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str | None:
    return None if conv.active else _answer(turn, conv, True)


def _no(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str | None:
    return None if conv.active else _answer(turn, conv, False)


def _arrived(turn: Turn, conv: Conversation, match: re.Match) -> str | None:
    if conv.active:
        return None
    found = ev.arriving(turn.ctx.session, turn.user, now=turn.ctx.now)
    if found is None:
        return None  # not at an event: let other features (a volunteer arriving at a task) answer
    signup, event = found
    if not ev.mark_attended(turn.ctx.session, signup, event, by=turn.user.openid, now=turn.ctx.now):
        return t("events_arrived_again", title=event.title)
    extra = t("events_trained", qualification=t(f"events_qual_{event.qualification}")) if event.qualification else ""
    return t("events_arrived", title=event.title, name=name_of(turn.user), extra=extra)


FEATURE = Feature(
    name="events",
    forms=(SIGNUP, SIGNUP_FOR, CANCEL, *event_admin.FORMS),
    intents={"event_query": list_events, "event_signup": start_signup, "event_attend_yes": _yes,
             "event_attend_no": _no, **event_admin.INTENTS},
    commands=(*event_admin.COMMANDS,
              Command("event_signup", SIGNUP_CMD, _signup_command),
              Command("event_cancel", CANCEL_CMD, _cancel_command),
              Command("event_mine", MINE_CMD, my_signups),
              Command("event_arrived", ARRIVED_CMD, _arrived),
              Command("event_yes", YES_CMD, _yes),
              Command("event_no", NO_CMD, _no)),
)
