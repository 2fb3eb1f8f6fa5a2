"""Global commands, recognised in every state: 取消, 菜单/帮助, 人工."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from bots import forms, registry
from bots.forms import Turn
from bots.state import Conversation
from bots.texts import t
from models.core.outbox import URGENT
from models.help.coordination import notify_coordinators

Command = Callable[[Turn, Conversation], str]
CANCEL = re.compile(r"^(取消|不办了|算了|退出|不要了|不用了|撤销)[了吧啦。！!]*$")
MENU = re.compile(r"^(菜单|帮助|help|目录|功能|[?？])[。！!]*$", re.IGNORECASE)
HUMAN = re.compile(r"^(人工|转人工|找人工|人工服务|找管理员|管理员|客服|找客服)[。！!]*$")
ROLE_MENUS = (("family", {"family"}), ("volunteer", {"volunteer", "partner"}), ("admin", {"admin", "county_admin"}))
# How long after finishing a form a bare 取消 means "undo that".
UNDO_MINUTES = 10
MAIN_MENU = ["help_request", "checkin_ok", "event_query", "canteen_menu", "notice_query", "timebank_balance"]


def match(turn: Turn) -> Command | None:
    """The global command a message is, if any."""
    text = turn.text.strip().lower()
    if CANCEL.match(text):
        return cancel_or_leave
    if MENU.match(text):
        return menu
    if HUMAN.match(text):
        return talk_to_human
    return None


def cancel_or_leave(turn: Turn, conv: Conversation) -> str:
    """Leave whatever flow is in progress."""
    if not conv.active:
        undone = _undo_last(turn, conv)
        if undone is not None:
            return undone
        handler = registry.intent_handlers().get("cancel")
        reply = handler(turn, conv) if handler else None
        return reply or t("nothing_to_cancel")
    forms.finish(conv)
    return t("cancelled")


def _undo_last(turn: Turn, conv: Conversation) -> str | None:
    """取消 within a few minutes of finishing an order or a sign-up cancels that one (after a read-back)."""
    last, conv.last = conv.last, None
    if not last or turn.ctx.now - datetime.fromisoformat(last["at"]) > timedelta(minutes=UNDO_MINUTES):
        return None
    form = registry.forms().get(last["flow"])
    return form.undo(turn, conv) if form is not None and form.undo is not None else None


def menu(turn: Turn, conv: Conversation) -> str:
    """Show what is possible; inside a flow, also say where the user is."""
    form = registry.forms().get(conv.flow)
    if form is not None:
        return t("menu_inside_flow", flow=forms.title(conv.flow)) + "\n" + forms.question(form, conv, turn)
    conv.choices = list(MAIN_MENU)
    return role_menu(turn)


def role_menu(turn: Turn) -> str:
    """The main menu plus a line for each thing this person's roles add."""
    roles = turn.user.role_set
    extra = [t(f"help_menu_{role}") for role, holders in ROLE_MENUS if roles & holders]
    return "\n".join([t("help_menu"), *extra])


def talk_to_human(turn: Turn, conv: Conversation) -> str:
    """Tell the coordinators someone asked for a person; tell the user they will call."""
    user, ctx = turn.user, turn.ctx
    who = user.name or t("someone", tail=user.openid[-4:])
    phone = t("alert_phone", phone=user.phone) if user.phone else ""
    key = f"human:{ctx.inbound_id or user.openid}"
    sent = notify_coordinators(ctx.session, user, kind="human_handoff", text=t("human_alert", who=who, phone=phone),
                               key=key, now=ctx.now, priority=URGENT, values={"name": who, "phone": user.phone})
    return t("human_ack") if sent else t("human_no_admin")


def feature_command(turn: Turn, conv: Conversation, *, first: bool = False) -> str | None:
    """Run the first feature command whose pattern matches the whole message, checking roles.

    `first` picks the commands that run before emergency detection, the rest run after it.
    """
    text = turn.text.strip()
    for command in registry.commands():
        if command.first != first:
            continue
        found = command.pattern.fullmatch(text)
        if found is None:
            continue
        if command.roles and not (command.roles & turn.user.role_set):
            if command.quiet:
                continue
            return t("not_allowed")
        reply = command.handler(turn, conv, found)
        if reply is not None:  # a handler may decline, e.g. a bare 5 when nothing awaits a rating
            return reply
    return None
