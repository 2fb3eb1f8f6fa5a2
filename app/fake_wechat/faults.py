"""Fault injection: the next N calls to a path fail, stall or both."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

ANY_PATH = "*"


@dataclass
class Fault:
    """One planned misbehaviour of an endpoint."""

    errcode: int | None = None
    errmsg: str | None = None
    http_status: int | None = None
    delay: float | None = None
    times: int = 1

    def as_dict(self) -> dict[str, Any]:
        """Return the fault as plain JSON-able data."""
        return {"errcode": self.errcode, "errmsg": self.errmsg, "http_status": self.http_status,
                "delay": self.delay, "times": self.times}


def normalize_path(path: str) -> str:
    """Return the path with exactly one leading slash ("*" stays as it is)."""
    if path == ANY_PATH:
        return path
    return "/" + path.strip().lstrip("/")


@dataclass
class FaultPlan:
    """Queued faults per path; "*" applies to every WeChat API path."""

    queues: dict[str, deque[Fault]] = field(default_factory=dict)

    def add(self, path: str, fault: Fault) -> None:
        """Queue a fault behind any earlier one for the same path."""
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        if fault.errcode is None and fault.http_status is None and not fault.delay:
            raise ValueError("a fault needs errcode, http_status or delay")
        self.queues.setdefault(normalize_path(path), deque()).append(fault)

    def take(self, path: str) -> Fault | None:
        """Use one occurrence of the first fault planned for this path (or for "*")."""
        for key in (path, ANY_PATH):
            queue = self.queues.get(key)
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times == 0:
                    queue.popleft()
                return fault
        return None

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        """Return the faults still planned, per path."""
        return {path: [f.as_dict() for f in q] for path, q in self.queues.items() if q}
