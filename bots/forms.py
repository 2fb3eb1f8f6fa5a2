"""Flows declared as forms (slots, questions, validators, read-back, action) and the runner for them.

A form's texts live in the catalogue under `ask_<form>_<slot>` and `invalid_<form>_<slot>` (the
latter includes an example). A value that does not validate is asked again at most twice; the third
miss ends the flow and offers 人工. After the last slot the form reads everything back and waits for
1 (confirm) or 2 (change). A change asks which field (or takes "改时间" / "修改2" at once) and asks
only that one again; the others are kept.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bots import nlu
from bots.message import Context, Message
from bots.state import Conversation
from bots.texts import t

CONFIRM = "confirm"
# Waiting for which field to change after 修改 (bots/catalog/zh_CN/talk.yaml has the field labels).
CHANGE = "change"
# Words that name a field besides its label ("改时间", "人数不对"), by slot name.
FIELD_WORDS = {
    "when": "时间 日子 几点 哪天 日期", "availability": "时间 空闲 有空", "meal": "哪顿 时间 哪天 午饭 晚饭 早饭",
    "party": "人数 几个人 几位 人", "portions": "份数 几份 份", "place": "地点 地方 在哪 位置",
    "delivery": "送餐 自取 送到家 怎么拿", "details": "内容 具体 要办的事 说明", "category": "类别 哪类",
    "phone": "电话 手机 号码", "name": "名字 姓名 名", "address": "地址 住址 住哪", "event": "活动 哪个活动",
    "whom": "为谁 给谁 帮谁 替谁", "elder": "老人 为谁 给谁", "about": "内容 反映", "skills": "特长 会什么 技能",
    "village": "村 村子", "age": "年龄 岁数 多大", "capacity": "名额 人数", "deadline": "截止",
    "minutes": "时间币 分钟 多少", "to": "给谁 家人", "contacts": "联系人", "health": "身体 病",
}
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
    # "取消" soon after the action: start cancelling what it just made (confirm first), or None.
    undo: Callable[[Turn, Conversation], str | None] | None = field(default=None)
    # A yes/no question instead of a read-back: 2 (or 不是) runs this and leaves, rather than asking which
    # field to change; the question then says "1确定，2不是".
    decline: Callable[[dict, Turn], str] | None = field(default=None)

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


def start(form: Form, turn: Turn, conv: Conversation, known: dict | None = None) -> str:
    """Begin a form, filling what the first message already said (and what the caller already `known`)."""
    conv.flow, conv.step, conv.data, conv.choices = form.name, "", dict(known or {}), []
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
    if conv.step == CHANGE:
        return _pick_change(form, turn, conv)
    slot = form.slot(conv.step)
    try:
        conv.data[slot.name] = slot.parse(turn)
    except Invalid:
        return _retry(f"invalid_{form.name}_{slot.name}", conv)
    return advance(form, turn, conv)


def fits(form: Form, turn: Turn, conv: Conversation) -> bool:
    """Whether the message answers the pending question (nothing is stored)."""
    if conv.step == CONFIRM:
        choice = nlu.parse_choice(turn.text, ["确认", "修改"])
        named = _change_target(form, turn, conv)
        return choice is not None or turn.understanding.intent in ("affirm", "deny") or named is not None
    if conv.step == CHANGE:
        return True
    try:
        form.slot(conv.step).parse(turn)
    except Invalid:
        return False
    except StopIteration:
        return True
    return True


def question(form: Form, conv: Conversation, turn: Turn) -> str:
    """Repeat the pending question (after 菜单, or when the user comes back)."""
    if conv.step == CONFIRM:
        return t(_again(form))
    if conv.step == CHANGE:
        return _change_menu(form, conv)
    return _ask(form, form.slot(conv.step), turn)


def _again(form: Form) -> str:
    return "confirm_yes_no_again" if form.decline else "confirm_again"


def _ask(form: Form, slot: Slot, turn: Turn) -> str:
    return slot.ask(turn) if slot.ask else t(f"ask_{form.name}_{slot.name}")


def _confirm(form: Form, turn: Turn, conv: Conversation) -> str:
    choice = nlu.parse_choice(turn.text, ["确认", "修改"])
    intent = turn.understanding.intent
    named = _change_target(form, turn, conv)
    if named is not None:  # "改时间" at the read-back: straight to that question
        return _reask(form, named, turn, conv)
    if choice == 1 or (choice is None and intent == "affirm"):
        reply = form.action(_values(conv), turn)
        finish(conv)
        if form.undo is not None:
            conv.last = {"flow": form.name, "at": turn.ctx.now.isoformat()}
        return reply
    if (choice == 2 or (choice is None and intent == "deny")) and form.decline is not None:
        reply = form.decline(_values(conv), turn)
        finish(conv)
        return reply
    if choice == 2 or (choice is None and intent == "deny"):
        return _ask_change(form, turn, conv)
    return _retry(_again(form), conv)


def _changeable(form: Form, conv: Conversation) -> list[Slot]:
    return [s for s in form.slots if s.name in conv.data and not (s.skip and s.skip(conv.data))]


def _label(slot: Slot) -> str:
    return t(f"field_{slot.name}")


def _change_target(form: Form, turn: Turn, conv: Conversation) -> Slot | None:
    """The field a message such as "改时间" or "修改2" names, among those already answered."""
    text = turn.text.strip()
    if not re.match(r"^(?:我要|我想|帮我)?(?:改|修改|更改|换)", text):
        return None
    rest = re.sub(r"^(?:我要|我想|帮我)?(?:改一下|改改|修改|更改|改|换)(?:一下)?", "", text)
    slots = _changeable(form, conv)
    number = nlu.parse_number(rest) if rest else None
    if number is not None:
        return slots[number - 1] if 1 <= number <= len(slots) else None
    return _slot_named(slots, rest)


def _slot_named(slots: list[Slot], words: str) -> Slot | None:
    if not words:
        return None
    for slot in slots:
        names = [_label(slot), *FIELD_WORDS.get(slot.name, "").split()]
        if any(name and (name in words or words in name) for name in names):
            return slot
    return None


def _ask_change(form: Form, turn: Turn, conv: Conversation) -> str:
    slots = _changeable(form, conv)
    if len(slots) == 1:
        return _reask(form, slots[0], turn, conv)
    if not slots:
        conv.data = {}
        return t("change_restart") + "\n" + advance(form, turn, conv)
    conv.step = CHANGE
    return _change_menu(form, conv)


def _change_menu(form: Form, conv: Conversation) -> str:
    lines = [t("change_line", n=n, field=_label(s)) for n, s in enumerate(_changeable(form, conv), 1)]
    return t("change_which", lines="\n".join(lines))


def _pick_change(form: Form, turn: Turn, conv: Conversation) -> str:
    slots = _changeable(form, conv)
    number = turn.number if turn.number is not None else nlu.parse_number(turn.text)
    slot = (slots[number - 1] if number and 1 <= number <= len(slots) else None) if number is not None else None
    slot = slot or _change_target(form, turn, conv) or _slot_named(slots, turn.text.strip())
    if slot is None:
        return _retry("change_which_again", conv)
    return _reask(form, slot, turn, conv)


def _reask(form: Form, slot: Slot, turn: Turn, conv: Conversation) -> str:
    """Forget one answer and ask for it again; the others stay, so the read-back follows at once."""
    conv.data.pop(slot.name, None)
    return t("change_field", field=_label(slot)) + "\n" + advance(form, turn, conv)


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
