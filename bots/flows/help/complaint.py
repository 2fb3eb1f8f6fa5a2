"""The complaint flow: what went wrong, read back, then the coordinator is told.

States (see complaint.md): about -> confirm -> done.
"""
from __future__ import annotations

import re

from bots import forms
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Feature
from bots.state import Conversation
from bots.texts import t
from models.help.visits import open_complaint

TRIGGER = re.compile(r"^(我要|我想|想要)?(投诉|举报|反映|告状)(一下)?[:：，,。 ]*")


def _about(turn: Turn) -> str:
    text = turn.text.strip()
    if len(text) < 2 or turn.number is not None or TRIGGER.fullmatch(text):
        raise Invalid()
    return text[:300]


def _prefill_about(turn: Turn) -> str | None:
    rest = TRIGGER.sub("", turn.text.strip())
    return rest[:300] if len(rest) >= 4 else None


def _read_back(values: dict, turn: Turn) -> str:
    return t("confirm_complaint", about=values["about"])


def _submit(values: dict, turn: Turn) -> str:
    who = turn.user.name or t("someone", tail=turn.user.openid[-4:])
    alert = t("complaint_alert", who=who, about=values["about"])
    key = str(turn.ctx.inbound_id or turn.user.openid)
    complaint = open_complaint(turn.ctx.session, turn.user, values["about"], alert_text=alert, key=key,
                               now=turn.ctx.now)
    return t("complaint_done", number=complaint.id)


FORM = Form(
    name="complaint",
    slots=(Slot("about", parse=_about, prefill=_prefill_about),),
    read_back=_read_back,
    action=_submit,
)


def _start(turn: Turn, conv: Conversation) -> str:
    return forms.start(FORM, turn, conv)


FEATURE = Feature(name="complaint", forms=(FORM,), intents={"complaint": _start})
