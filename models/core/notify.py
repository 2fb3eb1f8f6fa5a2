"""What the domain wants people told, without the words: the caller renders and enqueues it.

Domain functions decide who is told what (a catalogue key and its values) and return Notices; the
conversation layer turns them into outbox rows in the same transaction, so the wording stays in the
catalogue and the rules stay here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.core.outbox import NORMAL


@dataclass(frozen=True)
class Notice:
    """Tell `openid` the catalogue text `text_key` filled with `params`; `key` makes it happen once."""

    openid: str
    kind: str
    key: str
    text_key: str
    params: dict[str, Any] = field(default_factory=dict)
    priority: int = NORMAL
