"""Customer-service message windows: 5 per 48 h after a message, 3 per minute after an event."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import WeChatError

MESSAGE_TTL = 48 * 3600
MESSAGE_QUOTA = 5
EVENT_TTL = 60
EVENT_QUOTA = 3
KINDS = ("message", "click", "subscribe", "scan")


@dataclass
class Window:
    """One open reply window and how much of its quota is used."""

    opened_at: float
    ttl: float
    quota: int
    used: int = 0

    def is_open(self, now: float) -> bool:
        """True while the window has not run out of time."""
        return now < self.opened_at + self.ttl

    def has_room(self) -> bool:
        """True while the window still has quota left."""
        return self.used < self.quota


@dataclass
class ServiceWindows:
    """The message window and the event window of every user."""

    by_user: dict[str, dict[str, Window]] = field(default_factory=dict)

    def open(self, openid: str, kind: str, at: float) -> None:
        """Open a fresh window after a user interaction of the given kind."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        windows = self.by_user.setdefault(openid, {})
        if kind == "message":
            windows["message"] = Window(at, MESSAGE_TTL, MESSAGE_QUOTA)
        else:
            windows["event"] = Window(at, EVENT_TTL, EVENT_QUOTA)

    def consume(self, openid: str, now: float) -> None:
        """Spend one send from the open window that closes first, or raise 45015/45047."""
        open_windows = [w for w in self.by_user.get(openid, {}).values() if w.is_open(now)]
        if not open_windows:
            raise WeChatError(45015)
        usable = [w for w in open_windows if w.has_room()]
        if not usable:
            raise WeChatError(45047)
        # The two quotas are independent; spend the one that would be lost first.
        min(usable, key=lambda w: w.opened_at + w.ttl).used += 1

    def close(self, openid: str) -> None:
        """Drop every window of a user (after unfollowing)."""
        self.by_user.pop(openid, None)

    def describe(self, openid: str, now: float) -> list[dict[str, float | int | str]]:
        """Return the open windows of a user for the sandbox page."""
        return [
            {"kind": kind, "closes_at": w.opened_at + w.ttl, "left": w.quota - w.used}
            for kind, w in self.by_user.get(openid, {}).items()
            if w.is_open(now)
        ]
