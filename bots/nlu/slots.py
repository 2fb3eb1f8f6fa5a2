"""Slot extraction: who the help is for, how many, where, how urgent, which option, binding code."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .lexicon import URGENT_WORDS
from .matcher import Prepared
from .numbers import NUMBER_RE, parse_number, to_int
from .slot_words import PLACE_RE, RELATIONS, SELF_WORDS
from .timewords import time_window

_COUNT_RE = re.compile(rf"(?<!第)({NUMBER_RE})(?:份|个?人|口人|位)")
_PAIR_RE = re.compile(r"俩人|我们俩|咱俩|俺俩|两口子|老两口")
_COMMAND_CHOICE_RE = re.compile(rf"^(?:报名|参加|取消|选|订|要|我要|我选|报)第?({NUMBER_RE})(?:个|号|项)?$")
_CODE_RE = re.compile(r"\d{4,8}")


def extract_slots(message: Prepared, intent: str, emergency: bool, now: datetime) -> dict[str, Any]:
    """All slots found in a message; keys are omitted when the message does not mention them."""
    text = message.chars
    found: dict[str, Any] = {
        "time_window": time_window(text, now),
        "for_whom": for_whom(text),
        "count": count(text),
        "place": place(text),
        "urgency": urgency(text, intent, emergency),
        "number": choice_number(text),
        "code": binding_code(text) if intent == "bind_family" else None,
    }
    return {key: value for key, value in found.items() if value is not None}


def for_whom(text: str) -> str | None:
    """Who the request is for, as a fixed English key (see docs/nlu.md); a named relative beats 我."""
    hits = [(text.find(word), key) for word, key in RELATIONS if word in text]
    if hits:
        return min(hits)[1]
    return "self" if any(word in text for word in SELF_WORDS) else None


def count(text: str) -> int | None:
    """How many portions or people ("两份" -> 2, "三个人" -> 3)."""
    match = _COUNT_RE.search(text)
    if match:
        return to_int(match.group(1))
    return 2 if _PAIR_RE.search(text) else None


def place(text: str) -> str | None:
    """The place phrase as written ("镇卫生院", "村口", "家里")."""
    match = PLACE_RE.search(text)
    return match.group() if match else None


def urgency(text: str, intent: str, emergency: bool) -> str | None:
    """emergency | urgent | normal for help requests; other intents only carry it when urgent."""
    if emergency:
        return "emergency"
    if any(word in text for word in URGENT_WORDS):
        return "urgent"
    return "normal" if intent == "help_request" else None


def choice_number(text: str) -> int | None:
    """The option number when the message is only a choice ("1", "第一个", "报名 2")."""
    number = parse_number(text)
    if number is not None:
        return number
    match = _COMMAND_CHOICE_RE.match(text)
    return to_int(match.group(1)) if match else None


def binding_code(text: str) -> str | None:
    """The digits of a family binding code ("绑定 123456")."""
    match = _CODE_RE.search(text)
    return match.group() if match else None
