"""A clear new request in the middle of a form: the form is parked, the new topic answered, and the
parked form offered back once ("刚才的报名还没办完，要继续吗？").

A message switches topic only when it does not answer the pending question (the slot's parser
rejects it) and the understanding layer is sure it is one of the requests below; free-text questions
("要反映什么事") take anything, so they never switch, and neither do forms that compose content for
others (a broadcast may well mention 活动 or 订餐).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from bots import forms
from bots.forms import Form, Turn
from bots.state import Conversation
from bots.texts import t

NEW_REQUESTS = frozenset({"help_request", "volunteer_signup", "event_query", "event_signup", "canteen_menu",
                          "meal_order", "notice_query", "timebank_balance", "bind_family", "complaint", "donate"})
# Cue words give 0.7 and up; a weaker guess is more likely a muddled answer than a new topic.
MIN_CONFIDENCE = 0.7
CONTINUE = re.compile(r"^(?:继续|接着办|接着|继续办|要继续|接着来|好|好的|要|要的|嗯|对|行|可以)[吧啊呀的。！!]*$")
PARKED_MINUTES = 30


def switch(form: Form, turn: Turn, conv: Conversation, route) -> str | None:
    """Answer a new request instead of the pending question, keeping the form; None: not a switch."""
    u = turn.understanding
    if form.composes or u.intent not in NEW_REQUESTS or u.confidence < MIN_CONFIDENCE:
        return None
    # A figure ("2小时", "3份") is an answer that failed a check (over the balance, too many), not a topic.
    if u.category == "emergency" or any(ch.isdigit() for ch in turn.text) or forms.fits(form, turn, conv):
        return None
    parked = {"flow": conv.flow, "step": conv.step, "data": dict(conv.data), "at": turn.ctx.now.isoformat()}
    forms.finish(conv)
    reply = route(turn, conv)
    conv.parked = parked
    return reply


def offer_back(conv: Conversation, reply: str | None) -> str | None:
    """After the new topic is done (no flow in progress), ask once whether to go on with the old form."""
    parked = conv.parked
    if not parked or conv.active or parked.get("offered"):
        return reply
    parked["offered"] = True
    offer = t("topic_offer_back", flow=forms.title(parked["flow"]))
    return f"{reply}\n\n{offer}" if reply else offer


def take_up(form_of, turn: Turn, conv: Conversation) -> str | None:
    """The answer to the offer: 继续 restores the form and repeats its question; anything else drops it."""
    parked = conv.parked
    if not parked or conv.active or not parked.get("offered"):
        return None
    conv.parked = None
    form = form_of(parked["flow"])
    if form is None or not CONTINUE.match(turn.text.strip()):
        return None
    conv.flow, conv.step, conv.data, conv.choices = parked["flow"], parked["step"], dict(parked["data"]), []
    return t("topic_resumed", flow=forms.title(conv.flow)) + "\n" + forms.question(form, conv, turn)


def stale(conv: Conversation, now: datetime) -> bool:
    """A parked form older than half an hour is forgotten silently."""
    parked = conv.parked
    if not parked:
        return False
    return now - datetime.fromisoformat(parked["at"]) > timedelta(minutes=PARKED_MINUTES)
