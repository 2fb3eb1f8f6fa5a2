"""What a voice message becomes: acted on, read back first, or passed to a person.

A transcript goes through the same path as typed text (the engine's `on_text`: emergency detection
first). Before it does, a transcript we are not sure of is read back ("我听到的是：……对吗？"): when the
recogniser said it was unsure, or when acting on a mishearing would cost something — starting a help
request, spending money (an order, a donation, a cancellation) or moving hours (a volunteer's command).
A danger heard in it is never read back: it is acted on at once, as typed. A voice nobody could turn
into words is never dropped: the person is told, and the village's coordinators are asked to listen
to it in the console or to call back.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from bots import emergency, forms, nlu, registry, speech
from bots.forms import Turn
from bots.message import Context, Message
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.core.outbox import URGENT
from models.core.push_kinds import HUMAN_HANDOFF
from models.help.coordination import notify_coordinators
from models.speech import clips

READ_BACK = "voice_read_back"
# Acting on a misheard one of these costs someone something: a visit, money, hours.
COSTLY_INTENTS = frozenset({"help_request", "meal_order", "donate", "cancel", "event_signup", "volunteer_signup"})
MIN_CONFIDENCE = 0.6
ADMINS = frozenset({"admin", "county_admin"})

OnText = Callable[[Turn, Conversation], str]


def on_voice(message: Message, ctx: Context, user, conv: Conversation, on_text: OnText) -> str:
    """Answer a voice message: its transcript as text, read back when unsure, or a person when unheard."""
    heard = speech.heard(message)
    if heard is None:
        return unheard(message, ctx, user)
    text = heard.text.strip()
    turn = Turn(message, text, nlu.understand(text, ctx.now), ctx, user)
    if conv.flow in (READ_BACK, emergency.CHECK_FLOW) or not _unsure(turn, conv, heard):
        return on_text(turn, conv)
    conv.flow, conv.step, conv.data, conv.choices = READ_BACK, "", {"text": text}, ["yes", "no"]
    return t("voice_read_back", text=text)


def _unsure(turn: Turn, conv: Conversation, heard: speech.Transcript) -> bool:
    form = registry.forms().get(conv.flow)
    if (form is None or not form.composes) and emergency.assess(turn) is not None:
        return False  # a danger is acted on (or asked about) at once, never read back first
    threshold = float(turn.ctx.config.get("speech", {}).get("min_confidence", MIN_CONFIDENCE))
    if heard.confidence is not None and heard.confidence < threshold:
        return True
    if form is not None:
        return False  # an answer to the form's question; the form reads everything back before acting
    return turn.understanding.intent in COSTLY_INTENTS or _is_command(turn.text)


def _is_command(text: str) -> bool:
    return any(command.pattern.fullmatch(text) for command in registry.commands())


def answer(turn: Turn, conv: Conversation, on_text: OnText) -> str:
    """The person answered the read-back: 1 acts on what was heard, 2 asks again, anything else is new."""
    heard = str(conv.data.get("text", ""))
    choice = nlu.parse_choice(turn.text, ["对", "不对"])
    if choice is None:
        choice = {"affirm": 1, "deny": 2}.get(turn.understanding.intent)
    forms.finish(conv)
    if choice == 2:
        return t("voice_read_back_wrong")
    if choice == 1 and heard:
        confirmed = Turn(turn.message, heard, nlu.understand(heard, turn.ctx.now), turn.ctx, turn.user)
        return on_text(confirmed, conv)
    return on_text(turn, conv)  # a new message: the read-back is dropped, the new words answered


def unheard(message: Message, ctx: Context, user) -> str:
    """Tell the person and the village's coordinators about a voice nobody could turn into words."""
    who = user.name or t("someone", tail=user.openid[-4:])
    phone = t("alert_phone", phone=user.phone) if user.phone else ""
    clip = message.voice_clip_id
    has_audio = clip is not None and _has_audio(ctx, clip)
    text = (t("voice_unheard_alert", who=who, clip=clip, phone=phone) if has_audio
            else t("voice_unheard_alert_no_audio", who=who, phone=phone))
    key = f"voice:{ctx.inbound_id or message.msg_id or message.media_id}"
    sent = notify_coordinators(ctx.session, user, kind=HUMAN_HANDOFF, text=text, key=key, now=ctx.now,
                               priority=URGENT, values={"name": who, "phone": user.phone})
    return t("voice_unheard") if sent else t("voice_unrecognised")


def _has_audio(ctx: Context, clip_id: int) -> bool:
    clip = ctx.session.get(clips.VoiceClip, clip_id)
    return clip is not None and bool(clip.audio)


def keep(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """保留语音 N: a coordinator keeps a voice clip past its three days."""
    number = nlu.parse_number(match.group(1)) if match.group(1).strip() else None
    if number is None:
        return t("voice_keep_usage")
    if not clips.mark_kept(turn.ctx.session, int(number), by_id=turn.user.id, now=turn.ctx.now):
        return t("voice_keep_missing", clip=number)
    return t("voice_kept", clip=number)


COMMANDS = (Command("voice_keep", re.compile(r"(?:保留语音|保存语音)\s*(.*)"), keep, ADMINS),)
FEATURE = Feature(name="speech", commands=COMMANDS)
