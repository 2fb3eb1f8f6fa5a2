"""Parametric QR codes: ticket creation and the scene each ticket carries."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from .errors import WeChatError

TEMPORARY = ("QR_SCENE", "QR_STR_SCENE")
PERMANENT = ("QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE")
DEFAULT_EXPIRE = 60
MAX_EXPIRE = 2_592_000
MAX_LIMIT_SCENE_ID = 100_000
MAX_SCENE_STR = 64
MAX_INT32 = 2**31 - 1


@dataclass
class QrCodes:
    """Every QR ticket issued, keyed by ticket."""

    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, body: dict[str, Any], now: float) -> dict[str, Any]:
        """Issue a ticket for a valid request; invalid arguments answer 40097."""
        action = body.get("action_name")
        if action not in TEMPORARY + PERMANENT:
            raise WeChatError(40097)
        scene = _scene(action, body.get("action_info"))
        ticket = base64.b64encode(secrets.token_bytes(48)).decode()
        url = "http://weixin.qq.com/q/" + secrets.token_urlsafe(16)
        answer: dict[str, Any] = {"ticket": ticket, "url": url}
        record = {"action_name": action, "scene": scene, "created_at": now, "url": url}
        if action in TEMPORARY:
            seconds = min(_positive_int(body.get("expire_seconds"), DEFAULT_EXPIRE), MAX_EXPIRE)
            # Same key order as the real answer, which is easier to compare by eye.
            answer = {"ticket": ticket, "expire_seconds": seconds, "url": url}
            record["expires_at"] = now + seconds
        self.tickets[ticket] = record
        return answer


def _scene(action: str, action_info: Any) -> int | str:
    scene = action_info.get("scene") if isinstance(action_info, dict) else None
    if not isinstance(scene, dict):
        raise WeChatError(40097)
    if action.endswith("STR_SCENE"):
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 0 < len(value) <= MAX_SCENE_STR:
            raise WeChatError(40097)
        return value
    value = scene.get("scene_id")
    top = MAX_LIMIT_SCENE_ID if action == "QR_LIMIT_SCENE" else MAX_INT32
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= top:
        raise WeChatError(40097)
    return value


def _positive_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default
