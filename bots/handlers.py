"""First-contact handlers: events, non-text messages and the global commands."""
from __future__ import annotations

from models import people
from models.coordination import notify_coordinators
from models.outbox import URGENT

from bots.message import EVENT, IMAGE, LINK, LOCATION, TEXT, VIDEO, VOICE, Context, Message, Reply
from bots.texts import t

HUMAN_WORDS = {"人工", "转人工", "找人工", "管理员", "找管理员"}
MENU_WORDS = {"菜单", "帮助", "help", "?", "？"}


def route(message: Message, ctx: Context) -> Reply:
    """Send a message to the handler for its kind."""
    user = people.get_or_create_user(ctx.session, message.openid, now=ctx.now)
    if message.kind == EVENT:
        return on_event(message, user, ctx)
    if message.kind in (TEXT, VOICE):
        text = message.text if message.kind == TEXT else (message.recognition or "")
        if not text.strip():
            return Reply(t("voice_unrecognised"))
        return on_text(text.strip(), user, ctx)
    return Reply(t({IMAGE: "image_received", LINK: "link_received", VIDEO: "video_received"}.get(
        message.kind, "unsupported_message")) if message.kind != LOCATION else
        t("location_received", label=message.label or f"{message.latitude},{message.longitude}"))


def on_event(message: Message, user: people.User, ctx: Context) -> Reply:
    """Follow, unfollow, scans and menu clicks."""
    if message.event in ("subscribe", "subscribe_scan"):
        people.set_subscribed(ctx.session, message.openid, True, now=ctx.now)
        return Reply(t("welcome"))
    if message.event == "unsubscribe":
        people.set_subscribed(ctx.session, message.openid, False, now=ctx.now)
        return Reply(None)
    if message.event == "click" and message.event_key == "TALK_TO_HUMAN":
        return talk_to_human(user, ctx)
    if message.event == "click":
        return Reply(t("help_menu"))
    return Reply(None)


def on_text(text: str, user: people.User, ctx: Context) -> Reply:
    """Global commands first, then understanding."""
    if text in HUMAN_WORDS:
        return talk_to_human(user, ctx)
    if text.lower() in MENU_WORDS:
        return Reply(t("help_menu"))
    if text in ("你好", "您好", "在吗"):
        return Reply(t("greeting_reply"))
    return Reply(t("not_understood"))


def talk_to_human(user: people.User, ctx: Context) -> Reply:
    """Tell the coordinators someone asked for a person; tell the user they will call."""
    who = user.name or f"用户{user.openid[-6:]}"
    key = f"human:{ctx.inbound_id or user.openid}"
    sent = notify_coordinators(ctx.session, user, kind="human_handoff", text=t("human_alert", who=who),
                               key=key, now=ctx.now, priority=URGENT)
    return Reply(t("human_ack") if sent else t("human_no_admin"))
