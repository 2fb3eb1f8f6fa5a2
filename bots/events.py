"""Events and non-text messages: follow, unfollow, village QR scans, menu clicks, location, images."""
from __future__ import annotations

from bots import commands, forms, intents, nlu, registry
from bots.message import Context, Message
from bots.state import Conversation
from bots.texts import t
from models.people import users as people

VILLAGE_SCENE = "village_"
SCAN_EVENTS = ("subscribe", "subscribe_scan", "scan")
CLICK_INTENTS = {
    "HELP_REQUEST": "help_request", "CHECKIN_OK": "checkin_ok", "EVENT_QUERY": "event_query",
    "CANTEEN_MENU": "canteen_menu", "NOTICE_QUERY": "notice_query", "TIMEBANK_BALANCE": "timebank_balance",
    "TALK_TO_HUMAN": "talk_to_human", "HELP_MENU": "help_menu",
}


def on_event(message: Message, ctx: Context, user, conv: Conversation) -> str | None:
    """Answer an event push."""
    event = message.event
    scene = registry.scene_handler(message.event_key or "") if event in SCAN_EVENTS else None
    if event in ("subscribe", "subscribe_scan"):
        people.set_subscribed(ctx.session, message.openid, True, now=ctx.now)
        if scene is not None:
            return scene(message, ctx, user, conv)
        village = _join_village(message, ctx, user)
        conv.choices = list(commands.MAIN_MENU)
        welcome = t("welcome_village", village=village.name) if village else t("welcome")
        # On the last line: the welcome stays three lines long.
        return welcome + t("privacy_welcome_link", url=_privacy_url(ctx))
    if event == "unsubscribe":
        people.set_subscribed(ctx.session, message.openid, False, now=ctx.now)
        forms.finish(conv)
        return None
    if event == "scan":
        if scene is not None:
            return scene(message, ctx, user, conv)
        village = _join_village(message, ctx, user)
        return t("scan_village", village=village.name) if village else t("unknown_village")
    if event == "click":
        return _click(message, ctx, user, conv)
    replies = [r for handler in registry.event_handlers(event) if (r := handler(message, ctx, user, conv))]
    return "\n".join(replies) or None  # VIEW, LOCATION reports and anything new: nothing to say


def _privacy_url(ctx: Context) -> str:
    """The privacy notice, linked from the welcome (absolute once privacy.public_base_url is set)."""
    base = str((ctx.config.get("privacy") or {}).get("public_base_url") or "").rstrip("/")
    return f"{base}/privacy"


def _join_village(message: Message, ctx: Context, user) -> people.Village | None:
    key = message.event_key or ""
    if not key.startswith(VILLAGE_SCENE):
        return None
    village = people.village_by_code(ctx.session, key[len(VILLAGE_SCENE):])
    if village is not None:
        user.village_id = village.id
        ctx.session.add(user)
    return village


def _click(message: Message, ctx: Context, user, conv: Conversation) -> str:
    intent = CLICK_INTENTS.get(message.event_key)
    if intent is None:
        return t("help_menu")
    label = t(f"feature_{intent}") if intent in intents.FEATURE_INTENTS else intent
    turn = forms.Turn(message, label, nlu.Understanding(label, intent, None, {}, 1.0), ctx, user)
    if intent == "talk_to_human":
        return commands.talk_to_human(turn, conv)
    if intent == "help_menu":
        return commands.menu(turn, conv)
    return intents.route(turn, conv)


def on_location(message: Message, ctx: Context, user, conv: Conversation) -> str:
    """A location feeds the flow in progress when it wants one; otherwise it is acknowledged."""
    form = registry.forms().get(conv.flow)
    if form is not None and form.on_location is not None:
        answer = form.on_location(conv.data, forms.Turn(message, message.label, _blank(), ctx, user))
        if answer:
            return answer
    label = message.label or f"{message.latitude},{message.longitude}"
    return t("location_received", label=label)


def on_image(message: Message, ctx: Context, user, conv: Conversation) -> str:
    """Images are kept with the flow in progress (attached to a help request later), else acknowledged."""
    form = registry.forms().get(conv.flow)
    if form is not None:
        conv.data.setdefault("_images", []).append(message.media_id)
        turn = forms.Turn(message, "", _blank(), ctx, user)
        return t("image_attached") + "\n" + forms.question(form, conv, turn)
    return t("image_received")


def _blank() -> nlu.Understanding:
    return nlu.Understanding("", "out_of_scope", None, {}, 0.0)
