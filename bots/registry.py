"""Features plug into the engine here: forms, intent handlers, chat commands, event and message hooks.

Each feature module exposes `FEATURE = Feature(...)` and is listed in MODULES; the engine asks this
registry instead of importing features, so adding one is a new module and one line here.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from bots.forms import Form, Turn
from bots.message import Context, Message
from bots.state import Conversation
from models.people.users import User

MODULES = [
    "bots.flows.help.complaint",
    "bots.flows.help.help",
    "bots.flows.help.tasks",
    "bots.flows.help.visit",
    "bots.flows.people.people",
    "bots.flows.notices.notices",
    "bots.flows.events.events",
    "bots.flows.canteen.canteen",
    "bots.flows.checkin.checkin",
    "bots.flows.console.login",
    "bots.flows.api.link",
    "bots.flows.funds.funds",
    "bots.flows.privacy.privacy",
    "bots.flows.timebank.timebank",
    "bots.flows.speech.voice",
]

# Intent and command handlers may decline with None (bots/intents.py, bots/commands.py try what comes next).
IntentHandler = Callable[[Turn, Conversation], "str | None"]
EventHandler = Callable[[Message, Context, object, Conversation], "str | None"]
Observer = Callable[[Message, Context, User], "str | None"]  # the engine passes the sender's User


@dataclass(frozen=True)
class Command:
    """An explicit chat command such as `接单 12`, matched in every state before the flow in progress."""

    name: str
    pattern: re.Pattern
    handler: Callable[[Turn, Conversation, re.Match], str | None]
    roles: frozenset[str] = frozenset()  # any of these roles may use it; empty: everyone
    # Users without the role fall through as if it did not match (words an elder might also say).
    quiet: bool = False
    # Matched before emergency detection: an explicit report about someone else (出事了 …) must reach
    # its handler rather than be taken as the reporter's own emergency.
    first: bool = False


@dataclass(frozen=True)
class PersonRow:
    """A feature's table with at most one row per user, read with the user at the start of every turn."""

    model: type
    user_column: str  # the column holding users.id; it must be unique


@dataclass(frozen=True)
class Feature:
    """What one feature adds to the conversation."""

    name: str
    forms: tuple[Form, ...] = ()
    intents: Mapping[str, IntentHandler] = field(default_factory=dict)
    commands: tuple[Command, ...] = ()
    events: Mapping[str, EventHandler] = field(default_factory=dict)
    observers: tuple[Observer, ...] = ()
    # QR scene prefix (e.g. "login_") → handler of a follow or scan carrying such a scene.
    scenes: Mapping[str, EventHandler] = field(default_factory=dict)
    # Rows the feature reads on (nearly) every message: loaded with the user in one statement (bots/person.py).
    person_rows: tuple[PersonRow, ...] = ()


@cache
def features() -> tuple[Feature, ...]:
    """Every registered feature, in MODULES order."""
    return tuple(importlib.import_module(name).FEATURE for name in MODULES)


@cache
def forms() -> dict[str, Form]:
    """Flow name → form."""
    return {form.name: form for feature in features() for form in feature.forms}


@cache
def intent_handlers() -> dict[str, IntentHandler]:
    """Intent → the handler that owns it."""
    return {intent: handler for feature in features() for intent, handler in feature.intents.items()}


@cache
def commands() -> tuple[Command, ...]:
    """Every explicit chat command, in registration order."""
    return tuple(command for feature in features() for command in feature.commands)


def event_handlers(event: str) -> list[EventHandler]:
    """Handlers for an event name (lower case, as wechatpy gives it)."""
    return [f.events[event] for f in features() if event in f.events]


def scene_handler(scene: str) -> EventHandler | None:
    """The handler of a QR scene, chosen by its prefix (village codes are the engine's own)."""
    for feature in features():
        for prefix, handler in feature.scenes.items():
            if scene.startswith(prefix):
                return handler
    return None


@cache
def person_rows() -> tuple[PersonRow, ...]:
    """Per-person rows every turn preloads."""
    return tuple(row for feature in features() for row in feature.person_rows)


def observers() -> list[Observer]:
    """Hooks that see every user message (e.g. the daily check-in) before it is routed."""
    return [hook for feature in features() for hook in feature.observers]
