"""Delivered messages, message ids, de-duplication and the monthly mass-send cap."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .clock import china_month

TEMPLATE_DEDUP_TTL = 600
MASS_DEDUP_TTL = 24 * 3600
MASS_PER_MONTH = 4
CHANNELS = ("custom", "template", "mass", "preview", "subscribe")


@dataclass
class Outbox:
    """Everything the fake delivered to users, in order."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    next_msgid: int = 1_000_001
    template_ids: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    mass_ids: dict[str, tuple[int, float]] = field(default_factory=dict)
    mass_month: dict[tuple[str, str], int] = field(default_factory=dict)

    def new_msgid(self) -> int:
        """Return a fresh message id."""
        msgid = self.next_msgid
        self.next_msgid += 1
        return msgid

    def deliver(self, channel: str, touser: str, payload: dict[str, Any], at: float,
                msgid: int) -> None:
        """Record one message as seen by the user."""
        self.messages.append({
            "channel": channel,
            "touser": touser,
            "payload": copy.deepcopy(payload),
            "at": at,
            "msgid": msgid,
        })

    def sent(self, openid: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """Return delivered messages, optionally only for one user and/or channel."""
        return [
            copy.deepcopy(m) for m in self.messages
            if (openid is None or m["touser"] == openid)
            and (channel is None or m["channel"] == channel)
        ]

    def template_duplicate(self, touser: str, client_msg_id: str, now: float) -> int | None:
        """Return the msgid of a template already sent with this id in the last 10 min."""
        hit = self.template_ids.get((touser, client_msg_id))
        if hit and now < hit[1] + TEMPLATE_DEDUP_TTL:
            return hit[0]
        return None

    def remember_template(self, touser: str, client_msg_id: str, msgid: int, now: float) -> None:
        """Remember a template client_msg_id for de-duplication."""
        self.template_ids[(touser, client_msg_id)] = (msgid, now)

    def mass_duplicate(self, clientmsgid: str, now: float) -> int | None:
        """Return the msg_id of a mass send with this clientmsgid in the last 24 h."""
        hit = self.mass_ids.get(clientmsgid)
        if hit and now < hit[1] + MASS_DEDUP_TTL:
            return hit[0]
        return None

    def remember_mass(self, clientmsgid: str, msg_id: int, now: float) -> None:
        """Remember a mass-send clientmsgid for de-duplication."""
        self.mass_ids[clientmsgid] = (msg_id, now)

    def take_mass_slot(self, openid: str, now: float) -> bool:
        """Use one of the user's 4 mass messages this month; False when none is left."""
        key = (openid, china_month(now))
        used = self.mass_month.get(key, 0)
        if used >= MASS_PER_MONTH:
            return False
        self.mass_month[key] = used + 1
        return True

    def push_event(self, event: dict[str, Any]) -> None:
        """Queue a job-finish event WeChat would push to the account's webhook."""
        self.events.append(event)
