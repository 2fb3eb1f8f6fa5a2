"""The public result type and the one-call entry point."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from .dialect import from_pinyin
from .emergency import Danger
from .intents import decide
from .matcher import prepare
from .slots import extract_slots


@dataclass(frozen=True)
class Understanding:
    """What a message means: intent, help category, slots and a confidence in 0..1."""

    text: str
    intent: str
    category: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    # The safety classifier's finding; not part of the public JSON (to_dict).
    danger: Danger | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with exactly the five public keys, ready for JSON."""
        return {"text": self.text, "intent": self.intent, "category": self.category,
                "slots": dict(self.slots), "confidence": self.confidence}


def understand(text: str, now: datetime, *, safety: bool = True) -> Understanding:
    """Read one message; `now` (timezone-aware) anchors relative time words.

    `safety=False` reads it as if the safety classifier had found nothing: what the person wants once they
    have answered "不是" to "是紧急情况吗？".
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    # A turn reads the same words more than once (the engine, the check-in observer, the help flow's
    # category guess), always with the turn's `now`: read them once. The copy keeps callers' slot edits apart.
    found = _understand(text, now, safety)
    return replace(found, slots=dict(found.slots))


# Punctuation read aloud by someone dictating ("二，句号"): the words are not part of what was said.
_SPOKEN_PUNCTUATION = re.compile(r"(逗号|句号|问号|感叹号|冒号|分号)")


@lru_cache(maxsize=256)
def _understand(text: str, now: datetime, safety: bool = True) -> Understanding:
    message = prepare(_SPOKEN_PUNCTUATION.sub("", text or ""))
    spelled = from_pinyin(message.chars)
    if spelled != message.chars:
        message = prepare(spelled)  # "zhe ge zen me yong": pinyin typed for want of characters, read by sound
    decision = decide(message, text or "", safety=safety, turn=now)
    slots = extract_slots(message, decision.intent, decision.emergency, now)
    return Understanding(text=text or "", intent=decision.intent, category=decision.category,
                         slots=slots, confidence=float(decision.confidence), danger=decision.danger)
