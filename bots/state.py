"""Conversation state behind a small store protocol: SQL in production, memory in unit tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session

from models.core import conversation as rows


@dataclass
class Conversation:
    """Where a user is: the flow and step in progress, its collected data, the choices last offered."""

    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    # A form left for a new topic, offered back once (bots/topics.py): flow, step, data, at, offered.
    parked: dict[str, Any] | None = None
    # The form last completed and when ("取消" right after it undoes that one): flow, at.
    last: dict[str, Any] | None = None

    @property
    def kept(self) -> bool:
        """Anything worth storing between messages."""
        return bool(self.flow or self.choices or self.parked or self.last)

    @property
    def active(self) -> bool:
        return bool(self.flow)

    def expired(self, now: datetime, idle: timedelta) -> bool:
        """True when a flow was left unfinished for longer than the idle time."""
        return self.active and self.updated_at is not None and now - self.updated_at > idle


class ConversationStore(Protocol):
    """Load, save and forget a user's conversation."""

    def load(self, openid: str) -> Conversation: ...

    def save(self, openid: str, conversation: Conversation, now: datetime) -> None: ...

    def clear(self, openid: str) -> None: ...


class SqlStore:
    """Conversations in the `conversation_states` table, inside the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    def load(self, openid: str) -> Conversation:
        row = rows.load_state(self.session, openid)
        if row is None:
            return Conversation()
        data = dict(row.data or {})
        choices = list(data.pop("_choices", []))
        parked = data.pop("_parked", None)
        last = data.pop("_last", None)
        return Conversation(row.flow, row.step, data, choices, row.updated_at, parked, last)

    def save(self, openid: str, conversation: Conversation, now: datetime) -> None:
        if not conversation.kept:
            self.clear(openid)
            return
        data = dict(conversation.data, _choices=list(conversation.choices))
        if conversation.parked:
            data["_parked"] = dict(conversation.parked)
        if conversation.last:
            data["_last"] = dict(conversation.last)
        rows.save_state(self.session, openid, flow=conversation.flow, step=conversation.step, data=data, now=now)

    def clear(self, openid: str) -> None:
        rows.clear_state(self.session, openid)


class MemoryStore:
    """Conversations in a dict (unit tests, and the contract test's reference)."""

    def __init__(self):
        self.items: dict[str, Conversation] = {}

    def load(self, openid: str) -> Conversation:
        stored = self.items.get(openid)
        if stored is None:
            return Conversation()
        return Conversation(stored.flow, stored.step, dict(stored.data), list(stored.choices), stored.updated_at,
                            dict(stored.parked) if stored.parked else None, dict(stored.last) if stored.last else None)

    def save(self, openid: str, conversation: Conversation, now: datetime) -> None:
        if not conversation.kept:
            self.clear(openid)
            return
        self.items[openid] = Conversation(conversation.flow, conversation.step, dict(conversation.data),
                                          list(conversation.choices), now,
                                          dict(conversation.parked) if conversation.parked else None,
                                          dict(conversation.last) if conversation.last else None)

    def clear(self, openid: str) -> None:
        self.items.pop(openid, None)
