"""Asking for help: for whom, what kind, what exactly, when — read back, then dispatched.

A first message that already says enough ("明天上午想找人陪我去医院") fills every slot and goes
straight to the one confirmation. States and transitions: help.md.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from bots import acting, forms, nlu, notify
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.help import dispatch
from models.help import requests as hr
from models.people.users import User

CATEGORY_CHOICES = ("errand", "meal", "medical", "daily_care", "repair", "farm_work", "companionship", "other")
GENERIC = re.compile(r"^(我|俺|咱)?(想|要|需要)?(请|找)?(人)?(帮帮我|帮帮忙|帮个忙|帮忙|求助|帮助|找人帮忙|有事)"
                     r"[吧啊呀哦。!！]*$")
ASAP_HOURS = 4


def dispatch_rules_of(turn: Turn) -> dispatch.DispatchRules:
    """Dispatch rules from the configuration."""
    return dispatch.dispatch_rules(dict(turn.ctx.config), turn.ctx.tz)


def elder_choices(turn: Turn) -> list[User]:
    """Whom the user may ask for (bots/acting.py)."""
    return acting.choices(turn.ctx.session, turn.user)


def _prefill_elder(turn: Turn) -> int | None:
    choices = elder_choices(turn)
    if len(choices) == 1:
        return choices[0].id
    if turn.understanding.slots.get("for_whom") == "self" and turn.user.has_role("elder"):
        return turn.user.id
    return None


def _ask_elder(turn: Turn) -> str:
    names = [t("help_elder_choices", n=i, name=_name(turn, u)) for i, u in enumerate(elder_choices(turn), 1)]
    return "\n".join([t("ask_help_elder"), *names])


def _parse_elder(turn: Turn) -> int:
    choices = elder_choices(turn)
    return id_of(forms.pick(turn, choices, [_name(turn, u) for u in choices]))


def _name(turn: Turn, user: User) -> str:
    return acting.label(user, turn.user)


def _prefill_category(turn: Turn) -> str | None:
    u = turn.understanding
    if u.intent == "help_request" and u.category in CATEGORY_CHOICES and u.category != "other":
        return u.category
    return None


def _parse_category(turn: Turn) -> str:
    labels = [notify.category_label(c) for c in CATEGORY_CHOICES]
    picked = nlu.parse_choice(turn.text, labels)
    if picked is not None and 1 <= picked <= len(CATEGORY_CHOICES):
        return CATEGORY_CHOICES[picked - 1]
    guessed = nlu.understand(turn.text, turn.ctx.now).category
    if guessed in CATEGORY_CHOICES:
        return guessed
    raise Invalid()


def _prefill_details(turn: Turn) -> str | None:
    text = turn.text.strip()
    if turn.understanding.intent != "help_request" or GENERIC.match(text) or len(text) < 4:
        return None
    return text[:200]


def _parse_details(turn: Turn) -> str:
    text = turn.text.strip()
    if len(text) < 2 or turn.number is not None:
        raise Invalid()
    return text[:200]


def _prefill_when(turn: Turn) -> dict | None:
    window = turn.understanding.slots.get("time_window")
    return _window(window, turn.ctx.now) if window else None


def _parse_when(turn: Turn) -> dict:
    now, tz = turn.ctx.now, turn.ctx.tz
    picked = nlu.parse_choice(turn.text, ["越快越好", "今天", "明天"])
    if picked == 1:
        return _iso(now, now + timedelta(hours=ASAP_HOURS))
    if picked in (2, 3):
        day = now.astimezone(tz).date() + timedelta(days=picked - 2)
        start = datetime(day.year, day.month, day.day, 8, tzinfo=tz)
        window: dict | None = {"start": start.isoformat(), "end": (start + timedelta(hours=12)).isoformat()}
    else:
        window = nlu.understand(turn.text, now).slots.get("time_window")
    if window is None or (found := _window(window, now)) is None:
        raise Invalid()
    return found


def _window(window: dict, now: datetime) -> dict | None:
    start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
    if end <= now:
        return None
    return _iso(max(start, now), end)


def _iso(start: datetime, end: datetime) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _prefill_place(turn: Turn) -> str:
    return turn.understanding.slots.get("place") or ""  # "" is the elder's home


def _parse_place(turn: Turn) -> str:
    if nlu.parse_choice(turn.text, [t("help_place_home")]) == 1:
        return ""
    if len(turn.text.strip()) < 2:
        raise Invalid()
    return turn.text.strip()[:100]


def _read_back(values: dict, turn: Turn) -> str:
    elder = row_of(turn.ctx.session, User, values["elder"])
    window = (datetime.fromisoformat(values["when"]["start"]), datetime.fromisoformat(values["when"]["end"]))
    return t("confirm_help", category=notify.category_label(values["category"]), details=values["details"],
             window=notify.when(*window, turn.ctx.tz), place=values["place"] or t("help_place_home"),
             elder=_name(turn, elder))


def _submit(values: dict, turn: Turn) -> str:
    ctx, session = turn.ctx, turn.ctx.session
    new = hr.NewRequest(
        elder=row_of(session, User, values["elder"]), requested_by=turn.user, category=values["category"],
        details=values["details"], window_start=datetime.fromisoformat(values["when"]["start"]),
        window_end=datetime.fromisoformat(values["when"]["end"]), place=values["place"],
        urgency=hr.URGENT if values.get("urgent") else hr.NORMAL,
        latitude=values.get("latitude"), longitude=values.get("longitude"), images=tuple(values.get("images", ())),
    )
    request, created = hr.create_request(session, new, source_key=source_key(turn), now=ctx.now, flush=False)
    offers = dispatch.dispatch_round(session, request, dispatch_rules_of(turn), now=ctx.now) if created else []
    notify.send(session, offers, now=ctx.now, tz=ctx.tz)
    if request.status == hr.HELD:
        return t("help_submitted_held", number=request.id)
    key = "help_submitted" if offers or not created else "help_submitted_nobody"
    return t(key, number=request.id)


def source_key(turn: Turn) -> str:
    """What makes a request unique: the inbound message that confirmed it."""
    return f"inbound:{turn.ctx.inbound_id}" if turn.ctx.inbound_id else f"chat:{turn.user.openid}:{turn.ctx.now}"


def _on_location(data: dict, turn: Turn) -> str | None:
    message = turn.message
    data["place"] = message.label or f"{message.latitude:.5f},{message.longitude:.5f}"
    data["latitude"], data["longitude"] = message.latitude, message.longitude
    return t("help_location_set", label=data["place"])


FORM = Form(
    name="help",
    slots=(
        Slot("elder", parse=_parse_elder, prefill=_prefill_elder, ask=_ask_elder),
        Slot("category", parse=_parse_category, prefill=_prefill_category),
        Slot("details", parse=_parse_details, prefill=_prefill_details),
        Slot("when", parse=_parse_when, prefill=_prefill_when),
        Slot("place", parse=_parse_place, prefill=_prefill_place),
    ),
    read_back=_read_back,
    action=_submit,
    on_location=_on_location,
)


def start(turn: Turn, conv: Conversation) -> str:
    """Begin asking for help; an urgent tone in the first message is kept."""
    reply = forms.start(FORM, turn, conv)
    if turn.understanding.slots.get("urgency") == hr.URGENT and conv.flow == FORM.name:
        conv.data["urgent"] = True
    return reply


FEATURE = Feature(name="help", forms=(FORM,), intents={"help_request": start})
