"""Emergencies interrupt any flow: tell the user to call 120 and alert everyone who can help."""
from __future__ import annotations

import re

from models.alarms import raise_alarm

from bots import nlu
from bots.forms import Turn
from bots.texts import t

# A clear emergency acts at once; a doubtful one (negated, or found only by sound) costs one question.
CERTAIN = 0.8
NEGATION = re.compile(r"(没|没有|不是|莫得|并没)(有)?.{0,2}(摔|倒|晕|流血|着火|疼|痛|喘)")


def assess(turn: Turn) -> str | None:
    """Return 'certain', 'doubtful' or None for a message."""
    u = turn.understanding
    flagged = u.category == "emergency" or nlu.is_emergency(turn.text)
    if not flagged:
        return None
    if u.category == "emergency" and u.confidence >= CERTAIN and not NEGATION.search(turn.text):
        return "certain"
    return "doubtful"


def respond(turn: Turn) -> str:
    """Alert family and coordinators through the outbox; tell the user what to do now."""
    user, ctx = turn.user, turn.ctx
    contacts = ctx.config.get("contacts", {})
    who = user.name or t("someone", tail=user.openid[-4:])
    phone = t("alert_phone", phone=user.phone) if user.phone else ""
    alert = t("emergency_alert", who=who, text=turn.text[:60], phone=phone)
    key = str(ctx.inbound_id or f"{user.openid}:{ctx.now.isoformat()}")
    notified = raise_alarm(ctx.session, user, alert_text=alert, key=key, now=ctx.now)
    lines = [t("emergency_call_120")]
    if contacts.get("doctor_phone"):
        lines.append(t("emergency_doctor", phone=contacts["doctor_phone"]))
    if contacts.get("coordinator_phone"):
        lines.append(t("emergency_coordinator", phone=contacts["coordinator_phone"]))
    lines.append(t("emergency_notified") if notified else t("emergency_no_one"))
    return "\n".join(lines)
