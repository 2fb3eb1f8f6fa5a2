"""The complaint flow: what went wrong, read back, then the coordinator is told.

States (see complaint.md): about -> confirm -> done.
"""
from __future__ import annotations

import re

from sqlmodel import select

from models import help_requests as hr
from models import visits
from models.alarms import elders_of
from models.complaints import open_complaint

from bots import forms
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Feature
from bots.state import Conversation
from bots.texts import t

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
    request = _latest_request(turn)
    complaint = open_complaint(turn.ctx.session, turn.user, values["about"], alert_text=alert, key=key,
                               now=turn.ctx.now, request_id=request.id if request else None)
    if request is not None and request.status == hr.DONE:
        visits.dispute(turn.ctx.session, request.id, now=turn.ctx.now)  # no automatic confirmation now
    return t("complaint_done", number=complaint.id)


def _latest_request(turn: Turn) -> hr.HelpRequest | None:
    """The household's most recent request that someone took on: what a complaint is most likely about."""
    elder_ids = [turn.user.id] + [e.id for e in elders_of(turn.ctx.session, turn.user)]
    query = select(hr.HelpRequest).where(hr.HelpRequest.elder_id.in_(elder_ids),
                                         hr.HelpRequest.volunteer_id.is_not(None))
    return turn.ctx.session.exec(query.order_by(hr.HelpRequest.updated_at.desc())).first()


FORM = Form(
    name="complaint",
    slots=(Slot("about", parse=_about, prefill=_prefill_about),),
    read_back=_read_back,
    action=_submit,
)


def _start(turn: Turn, conv: Conversation) -> str:
    return forms.start(FORM, turn, conv)


FEATURE = Feature(name="complaint", forms=(FORM,), intents={"complaint": _start})
