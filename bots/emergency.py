"""Emergencies interrupt any flow: tell the user to call 120 and alert everyone who can help."""
from __future__ import annotations

import re

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models import dispatch, people
from models.base import as_utc
from models.conversation import ConversationState, clear_state
from models.notify import Notice
from models.outbox import URGENT
from models import help_requests as hr
from models.alarms import elders_of, raise_alarm

from bots import nlu, notify
from bots.forms import Turn
from bots.message import TEXT, Context, Message
from bots.texts import t

# A clear emergency acts at once; a doubtful one (negated, or found only by sound: 是和 ~ 失火) costs one
# question, and an unanswered question is acted on after QUESTION_TIMEOUT (help job emergency.unanswered).
CERTAIN = 0.8
CHECK_FLOW = "emergency_check"
NEGATION = re.compile(r"(没|没有|不是|莫得|并没)(有)?.{0,2}(摔|倒|晕|流血|着火|疼|痛|喘)")


def assess(turn: Turn) -> str | None:
    """Return 'certain', 'doubtful' or None for a message."""
    u = turn.understanding
    flagged = u.category == "emergency" or nlu.is_emergency(turn.text)
    if not flagged:
        return None
    if (u.category == "emergency" and u.confidence >= CERTAIN and not NEGATION.search(turn.text)
            and nlu.is_typed_emergency(turn.text)):
        return "certain"
    return "doubtful"


def respond(turn: Turn, key: str | None = None) -> str:
    """Alert family and coordinators through the outbox; tell the user what to do now."""
    user, ctx = turn.user, turn.ctx
    contacts = ctx.config.get("contacts", {})
    who = user.name or t("someone", tail=user.openid[-4:])
    phone = t("alert_phone", phone=user.phone) if user.phone else ""
    alert = t("emergency_alert", who=who, text=turn.text[:60], phone=phone)
    key = key or str(ctx.inbound_id or f"{user.openid}:{ctx.now.isoformat()}")
    notified = raise_alarm(ctx.session, user, alert_text=alert, key=key, now=ctx.now)
    request_id = _dispatch_nearby(turn, key)
    lines = [t("emergency_call_120")]
    if contacts.get("doctor_phone"):
        lines.append(t("emergency_doctor", phone=contacts["doctor_phone"]))
    if contacts.get("coordinator_phone"):
        lines.append(t("emergency_coordinator", phone=contacts["coordinator_phone"]))
    lines.append(t("emergency_notified") if notified else t("emergency_no_one"))
    if request_id is not None:
        lines.append(t("help_emergency_dispatched", number=request_id))
    return "\n".join(lines)


def _dispatch_nearby(turn: Turn, key: str) -> int | None:
    """Open an emergency request for the elder concerned and push it to the nearest on-duty volunteers."""
    ctx, user = turn.ctx, turn.user
    elders = elders_of(ctx.session, user)
    elder = user if user.has_role("elder") or len(elders) != 1 else elders[0]
    minutes = float(ctx.config.get("dispatch", {}).get("emergency_window_minutes", 120))
    new = hr.NewRequest(elder=elder, requested_by=user, category="emergency", details=turn.text[:200],
                        window_start=ctx.now, window_end=ctx.now + timedelta(minutes=minutes), urgency=hr.EMERGENCY)
    request, created = hr.create_request(ctx.session, new, source_key=f"emergency:{key}", now=ctx.now)
    if created:
        offers = dispatch.dispatch_round(ctx.session, request, dispatch.rules_from_config(dict(ctx.config), ctx.tz),
                                         now=ctx.now)
        notify.send(ctx.session, offers, now=ctx.now, tz=ctx.tz)
    return request.id


def act_on_unanswered(session: Session, *, now: datetime, tz: ZoneInfo, config: dict) -> int:
    """Doubtful emergencies left unanswered are acted on: silence after the question is itself a warning."""
    wait = timedelta(minutes=float(config.get("dispatch", {}).get("emergency_question_minutes", 5)))
    query = select(ConversationState).where(ConversationState.flow == CHECK_FLOW,
                                            ConversationState.updated_at < as_utc(now) - wait)
    acted = 0
    for row in session.exec(query).all():
        text = (row.data or {}).get("text", "")
        user = people.get_or_create_user(session, row.openid, now=now)
        ctx = Context(session=session, now=now, tz=tz, config=config)
        turn = Turn(Message(openid=row.openid, kind=TEXT, text=text), text, nlu.understand(text, now), ctx, user)
        reply = respond(turn, key=f"unanswered:{row.openid}:{row.updated_at.isoformat()}")
        clear_state(session, row.openid)
        notify.send(session, [Notice(user.openid, "emergency_unanswered", f"unanswered:{row.openid}:"
                                     f"{row.updated_at.isoformat()}", "emergency_unanswered", {"reply": reply},
                                     URGENT)], now=now, tz=tz)
        acted += 1
    return acted
