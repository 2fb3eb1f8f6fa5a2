"""Flows declared as forms (slots, questions, validators, read-back, action) and the runner for them.

A form's texts live in the catalogue under `ask_<form>_<slot>` and `invalid_<form>_<slot>` (the
latter includes an example). A value that does not validate is asked again at most twice; the third
miss ends the flow and offers 人工. After the last slot the form reads everything back and waits for
1 (confirm) or 2 (change).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bots import nlu
from bots.message import Context, Message
from bots.state import Conversation
from bots.texts import t

CONFIRM = "confirm"
T = TypeVar("T")
MAX_RETRIES = 2


class Invalid(Exception):
    """The answer does not fit the slot; ask again."""


@dataclass
class Turn:
    """One message being answered, with what we understood of it."""

    message: Message
    text: str
    understanding: nlu.Understanding
    ctx: Context
    user: Any

    @property
    def number(self) -> int | None:
        return self.understanding.slots.get("number")


@dataclass(frozen=True)
class Slot:
    """One piece of information a form asks for."""

    name: str
    parse: Callable[[Turn], Any]
    prefill: Callable[[Turn], Any] | None = None
    # A question that depends on the user (e.g. a numbered list of their elders); default: the catalogue's.
    ask: Callable[[Turn], str] | None = None
    # Not asked when this says so from the answers so far (e.g. health notes without the health consent).
    skip: Callable[[dict], bool] | None = None


@dataclass(frozen=True)
class Form:
    """A flow: its slots, read-back and action (which calls models/ and returns the reply text)."""

    name: str
    slots: tuple[Slot, ...]
    read_back: Callable[[dict, Turn], str]
    action: Callable[[dict, Turn], str]
    on_location: Callable[[dict, Turn], str | None] | None = field(default=None)
    # The user is writing content for others (a broadcast, an event): words like 急救 or 摔倒 in it are
    # a topic, not a cry for help, so emergency detection pauses while this form is in progress.
    composes: bool = False

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)


def pick(turn: Turn, values: Sequence[T], labels: Sequence[str]) -> T:
    """The value the user chose from a numbered list (by number or by its words), or ask again."""
    picked = nlu.parse_choice(turn.text, list(labels))
    if picked is None:
        raise Invalid()
    return values[picked - 1]


def title(form_name: str) -> str:
    """The name of a flow as the user knows it."""
    return t(f"flow_{form_name}")


def start(form: Form, turn: Turn, conv: Conversation) -> str:
    """Begin a form, filling what the first message already said."""
    conv.flow, conv.step, conv.data, conv.choices = form.name, "", {}, []
    for slot in form.slots:
        value = slot.prefill(turn) if slot.prefill else None
        if value is not None:
            conv.data[slot.name] = value
    return advance(form, turn, conv)


def advance(form: Form, turn: Turn, conv: Conversation) -> str:
    """Ask the next missing slot, or read everything back for confirmation."""
    missing = next((s for s in form.slots if s.name not in conv.data and not (s.skip and s.skip(conv.data))), None)
    conv.data["_retries"] = 0
    if missing is not None:
        conv.step = missing.name
        return _ask(form, missing, turn)
    conv.step, conv.choices = CONFIRM, ["confirm", "change"]
    return form.read_back(_values(conv), turn)


def resume(form: Form, turn: Turn, conv: Conversation) -> str:
    """Take the answer to the question asked last."""
    if conv.step == CONFIRM:
        return _confirm(form, turn, conv)
    slot = form.slot(conv.step)
    try:
        conv.data[slot.name] = slot.parse(turn)
    except Invalid:
        return _retry(f"invalid_{form.name}_{slot.name}", conv)
    return advance(form, turn, conv)


def question(form: Form, conv: Conversation, turn: Turn) -> str:
    """Repeat the pending question (after 菜单, or when the user comes back)."""
    if conv.step == CONFIRM:
        return t("confirm_again")
    return _ask(form, form.slot(conv.step), turn)


def _ask(form: Form, slot: Slot, turn: Turn) -> str:
    return slot.ask(turn) if slot.ask else t(f"ask_{form.name}_{slot.name}")


def _confirm(form: Form, turn: Turn, conv: Conversation) -> str:
    choice = nlu.parse_choice(turn.text, ["确认", "修改"])
    intent = turn.understanding.intent
    if choice == 1 or (choice is None and intent == "affirm"):
        reply = form.action(_values(conv), turn)
        finish(conv)
        return reply
    if choice == 2 or (choice is None and intent == "deny"):
        conv.data = {}
        return t("change_restart") + "\n" + advance(form, turn, conv)
    return _retry("confirm_again", conv)


def _retry(key: str, conv: Conversation) -> str:
    conv.data["_retries"] = conv.data.get("_retries", 0) + 1
    if conv.data["_retries"] > MAX_RETRIES:
        finish(conv)
        return t("give_up_offer_human")
    return t(key)


def finish(conv: Conversation) -> None:
    """Leave the flow."""
    conv.flow, conv.step, conv.data, conv.choices = "", "", {}, []


def _values(conv: Conversation) -> dict:
    values = {k: v for k, v in conv.data.items() if not k.startswith("_")}
    values["images"] = list(conv.data.get("_images", []))
    return values
