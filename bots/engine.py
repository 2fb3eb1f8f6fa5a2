"""Entry point of the conversation: one message in, one reply out.

Order of a turn: load the user's conversation (expired ones are dropped, and the user is told);
events go to their handlers; for text and voice, an emergency is recognised first in any state;
then the global commands (取消, 菜单/帮助, 人工); then the flow in progress, unless the message is a clear
new request it does not answer (bots/topics.py parks the form and offers it back once); then the intent.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bots import commands, emergency, events, forms, intents, nlu, person, registry, topics
from bots.flows.speech import voice
from bots.message import EVENT, IMAGE, LOCATION, TEXT, VOICE, Context, Message, Reply
from bots.state import Conversation, SqlStore
from bots.texts import t


def handle(message: Message, ctx: Context) -> Reply:
    """Decide what a message means and answer it."""
    user = person.load(ctx.session, message.openid, now=ctx.now)
    store = SqlStore(ctx.session)
    conv = store.load(message.openid)
    notes = _expire(conv, ctx)
    if topics.stale(conv, ctx.now):
        conv.parked = None
    # Observers (e.g. the daily check-in) see every user message: text, voice, photos, stickers, links.
    notes += [n for hook in registry.observers() if message.is_user_message and (n := hook(message, ctx, user))]
    text = topics.offer_back(conv, _dispatch(message, ctx, user, conv))
    store.save(message.openid, conv, ctx.now)
    parts = [p for p in (*notes, text) if p]
    return Reply("\n".join(parts) if parts else None)


def read_ahead(message: Message, now: datetime) -> None:
    """Read a text's words before its turn: understanding needs no state, and a turn reads the same
    words again with the same `now` from nlu's cache. Lets the caller do it outside the turn's lock."""
    if message.kind in (TEXT, VOICE) and message.text and message.text.strip():
        nlu.understand(message.text, now)


def _expire(conv: Conversation, ctx: Context) -> list[str]:
    idle = timedelta(minutes=float(ctx.config.get("conversation", {}).get("idle_minutes", 30)))
    if not conv.expired(ctx.now, idle):
        return []
    name = conv.flow
    forms.finish(conv)
    return [t("flow_expired", flow=forms.title(name))]


def _dispatch(message: Message, ctx: Context, user, conv: Conversation) -> str | None:
    if message.kind == EVENT:
        return events.on_event(message, ctx, user, conv)
    if message.kind == LOCATION:
        return events.on_location(message, ctx, user, conv)
    if message.kind == IMAGE:
        return events.on_image(message, ctx, user, conv)
    if message.kind not in (TEXT, VOICE):
        return t({"link": "link_received", "video": "video_received"}.get(message.kind, "unsupported_message"))
    if message.kind == VOICE:  # its transcript, read back when unsure, or a person when nobody understood it
        return voice.on_voice(message, ctx, user, conv, on_text)
    text = message.text
    if not text or not text.strip():
        return t("not_understood")
    turn = forms.Turn(message, text.strip(), nlu.understand(text, ctx.now), ctx, user)
    return on_text(turn, conv)


def on_text(turn: forms.Turn, conv: Conversation) -> str:
    """Emergency first, then global commands, then the flow in progress, then the intent."""
    if conv.flow == emergency.CHECK_FLOW:
        return emergency_answer(turn, conv)
    if conv.flow == voice.READ_BACK:
        return voice.answer(turn, conv, on_text)
    report = commands.feature_command(turn, conv, first=True)
    if report is not None:
        return report
    form = registry.forms().get(conv.flow)
    danger = None if form is not None and form.composes else emergency.assess(turn)
    if danger is not None and danger.certain:
        forms.finish(conv)
        return emergency.respond(turn)
    if danger is not None and "model" in danger.signs:
        # Only the statistical second opinion doubts it: a command typed in full ("拒绝 6 电话打不通") wins.
        explicit = commands.feature_command(turn, conv)
        if explicit is not None:
            return explicit
    if danger is not None:
        return emergency.ask(turn, conv, danger)
    taken = topics.take_up(registry.forms().get, turn, conv)
    if taken is not None:
        return taken
    command = commands.match(turn)
    if command:
        return command(turn, conv)
    explicit = commands.feature_command(turn, conv)
    if explicit is not None:
        return explicit
    if form is not None:
        switched = topics.switch(form, turn, conv, intents.route)
        return switched if switched is not None else forms.resume(form, turn, conv)
    return intents.route(turn, conv)


def emergency_answer(turn: forms.Turn, conv: Conversation) -> str:
    """The user answered '您是遇到紧急情况了吗？'."""
    choice = nlu.parse_choice(turn.text, ["是", "不是"])
    if choice is None:
        choice = {"affirm": 1, "deny": 2, "cancel": 2}.get(turn.understanding.intent)
    original = conv.data.get("text", "")
    forms.finish(conv)
    if choice == 2:
        return _not_an_emergency(turn, conv, original)
    # Yes, or anything unclear: when in doubt, act.
    turn.text = original or turn.text
    return emergency.respond(turn)


# What a message asked for besides the doubt ("手腕疼 做不成饭 来个人帮我做一顿"): taken up after "不是".
_NOTHING_ASKED = frozenset({"out_of_scope", "affirm", "deny", "cancel", "greeting", "thanks"})


def _not_an_emergency(turn: forms.Turn, conv: Conversation, original: str) -> str:
    """"不是": the message is read again without the safety classifier and what it asked for goes on."""
    now = turn.ctx.now
    if not original:
        return t("emergency_false_alarm")
    reading = nlu.understand(original, now, safety=False)
    if reading.intent in _NOTHING_ASKED:
        return t("emergency_false_alarm")
    again = forms.Turn(Message(openid=turn.message.openid, kind=TEXT, text=original), original, reading,
                       turn.ctx, turn.user)
    return "\n".join([t("emergency_not_then"), on_text(again, conv)])
