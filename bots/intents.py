"""What to do with an understood message when no flow is in progress."""
from __future__ import annotations

from bots import commands, registry
from bots.forms import Turn
from bots.state import Conversation
from bots.texts import t

# Intents whose features have not landed yet answer with a short placeholder naming the feature.
FEATURE_INTENTS = {"help_request", "volunteer_signup", "event_query", "event_signup", "canteen_menu", "meal_order",
                   "checkin_ok", "notice_query", "timebank_balance", "bind_family", "donate", "complaint"}


def route(turn: Turn, conv: Conversation) -> str:
    """Answer an intent, starting its flow when it has one."""
    intent = _chosen(turn, conv) or turn.understanding.intent
    conv.choices = []
    handler = registry.intent_handlers().get(intent)
    if handler is not None:
        reply = handler(turn, conv)
        if reply is not None:  # a handler may decline (e.g. "不用了" with nothing to cancel)
            return reply
    if intent == "talk_to_human":
        return commands.talk_to_human(turn, conv)
    if intent == "help_menu":
        return commands.menu(turn, conv)
    if intent == "cancel":
        return commands.cancel_or_leave(turn, conv)
    if intent in FEATURE_INTENTS:
        return t("coming_soon", feature=t(f"feature_{intent}"))
    return _small_talk(intent, turn, conv)


def _chosen(turn: Turn, conv: Conversation) -> str | None:
    """A bare number picks from the choices offered last (the main menu by default)."""
    number = turn.number
    if number is None or turn.understanding.intent not in ("affirm", "out_of_scope", "help_menu"):
        return None
    options = conv.choices or commands.MAIN_MENU
    return options[number - 1] if 1 <= number <= len(options) else None


def _small_talk(intent: str, turn: Turn, conv: Conversation) -> str:
    if intent == "greeting":
        return t("greeting_reply")
    if intent == "thanks":
        return t("thanks_reply")
    if intent in ("affirm", "deny"):
        conv.choices = list(commands.MAIN_MENU)
        return commands.role_menu(turn)
    misses = int(conv.data.get("_misses", 0)) + 1
    conv.data = {"_misses": misses}
    if misses >= 2:
        conv.data = {}
        return t("not_understood_twice")
    conv.choices = list(commands.MAIN_MENU)
    # Out of scope (a sum, the date, the weather): say so kindly and show what we can do.
    return t("out_of_scope_reply") + "\n" + commands.role_menu(turn)
