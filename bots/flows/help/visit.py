"""The household's side after asking: rate a visit, cancel a request (time-bank minutes: bots/flows/timebank)."""
from __future__ import annotations

import re

from bots import forms, nlu, notify
from bots.forms import Form, Slot, Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.help import requests as hr
from models.help import visits
from models.help.alarms import acting_for

NO_LONGER_NEEDED = re.compile(r"(不用了|不需要了|已经好了|好了不用|没事了|不用来了|不麻烦了)")
SCORE = re.compile(r"(?:打|评|给)?\s*([1-5１-５一二三四五])\s*(?:分|星)?")


def _elder_ids(turn: Turn) -> list[int]:
    return acting_for(turn.ctx.session, turn.user)


def _send(turn: Turn, notices) -> None:
    notify.send(turn.ctx.session, notices, now=turn.ctx.now, tz=turn.ctx.tz)


def rate(turn: Turn, conv: Conversation, found: re.Match) -> str | None:
    """A bare 1–5 rates the latest finished visit, when one is waiting and no flow is in progress."""
    if conv.active:
        return None
    request = hr.awaiting_rating(turn.ctx.session, _elder_ids(turn))
    if request is None:
        return None
    score = nlu.parse_number(found.group(1))
    if score is None:  # SCORE only matches digits 1-5, so this declines nothing a user can type
        return None
    credit = visits.credit_rules_from_config(dict(turn.ctx.config))
    outcome = visits.rate(turn.ctx.session, id_of(request), turn.user, score, now=turn.ctx.now, credit=credit)
    _send(turn, outcome.notices)
    return t("help_rate_low" if score <= 2 else "help_rate_thanks", score=score)


def cancel_request(turn: Turn, conv: Conversation) -> str | None:
    """取消 / 不用了 with no flow in progress: cancel the open request (ask which when several)."""
    if turn.understanding.intent == "deny" and not NO_LONGER_NEEDED.search(turn.text):
        return None
    mine = hr.open_requests_of(turn.ctx.session, _elder_ids(turn))
    if not mine:
        return None
    if len(mine) == 1:
        return _cancel(turn, id_of(mine[0]))
    return forms.start(CANCEL_FORM, turn, conv)


def _cancel(turn: Turn, request_id: int) -> str:
    outcome = visits.cancel_request(turn.ctx.session, request_id, now=turn.ctx.now)
    _send(turn, outcome.notices)
    request = outcome.request or hr.get_request(turn.ctx.session, request_id)
    assert request is not None
    return t("help_cancel_done", number=request.id, category=notify.category_label(request.category))


def _ask_which(turn: Turn) -> str:
    lines = [t("help_cancel_line", n=i, number=r.id, category=notify.category_label(r.category),
               window=notify.when(r.window_start, r.window_end, turn.ctx.tz))
             for i, r in enumerate(hr.open_requests_of(turn.ctx.session, _elder_ids(turn)), 1)]
    return t("help_cancel_which", lines="\n".join(lines))


def _parse_which(turn: Turn) -> int:
    mine = hr.open_requests_of(turn.ctx.session, _elder_ids(turn))
    return id_of(forms.pick(turn, mine, [notify.category_label(r.category) for r in mine]))


CANCEL_FORM = Form(
    name="help_cancel",
    slots=(Slot("which", parse=_parse_which, ask=_ask_which),),
    read_back=lambda values, turn: t("help_cancel_confirm", number=values["which"]),
    action=lambda values, turn: _cancel(turn, values["which"]),
)


FEATURE = Feature(
    name="visit",
    forms=(CANCEL_FORM,),
    intents={"cancel": cancel_request, "deny": cancel_request},
    commands=(Command("rate", SCORE, rate),),
)
