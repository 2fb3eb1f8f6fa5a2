"""Payload checks and content rules: message types, template cut, msg_sec_check."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import WeChatError

CUSTOM_TYPES = frozenset({
    "text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle",
    "msgmenu", "wxcard", "miniprogrampage", "link",
})
MASS_TYPES = frozenset({"text", "image", "voice", "mpvideo", "mpnews", "wxcard"})
TEMPLATE_VALUE_LIMIT = 20
ELLIPSIS = "…"
# Since 2023-05-04 these template fields are silently not shown.
HIDDEN_TEMPLATE_KEYS = ("first", "remark")
DEFAULT_RISKY_LABEL = 20001
REVIEW_LABEL = 21000
SEC_SCENES = (1, 2, 3, 4)


def require_openid(value: Any) -> str:
    """Return the openid, or raise 40003 if it is not a non-empty string."""
    if not isinstance(value, str) or not value:
        raise WeChatError(40003)
    return value


def check_message(body: Mapping[str, Any], allowed: frozenset[str]) -> str:
    """Validate msgtype and its payload object; return the msgtype."""
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or not msgtype:
        raise WeChatError(47001)
    if msgtype not in allowed:
        raise WeChatError(40008)
    inner = body.get(msgtype)
    if not isinstance(inner, dict):
        raise WeChatError(47001)
    if msgtype == "text" and not str(inner.get("content") or "").strip():
        raise WeChatError(44004)
    return msgtype


def check_template_data(data: Any) -> None:
    """Raise 47001 unless data maps keys to {"value": ...} objects."""
    if not isinstance(data, dict):
        raise WeChatError(47001)
    for item in data.values():
        if not isinstance(item, dict) or "value" not in item:
            raise WeChatError(47001)


def as_shown(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template payload as shown: values cut at 20 chars, first/remark gone."""
    shown = copy.deepcopy(dict(body))
    data = shown.get("data", {})
    for key in HIDDEN_TEMPLATE_KEYS:
        data.pop(key, None)
    for item in data.values():
        value = str(item.get("value", ""))
        if len(value) > TEMPLATE_VALUE_LIMIT:
            item["value"] = value[:TEMPLATE_VALUE_LIMIT] + ELLIPSIS
    shown.pop("client_msg_id", None)
    return shown


class ContentRules:
    """Banned and review-worthy words for /wxa/msg_sec_check."""

    def __init__(self, banned_words: Iterable[str] | Mapping[str, int] = (),
                 review_words: Iterable[str] = ()) -> None:
        self.banned: dict[str, int] = {}
        self.review: list[str] = []
        self.configure(banned_words, review_words)

    def configure(self, banned_words: Iterable[str] | Mapping[str, int] | None = None,
                  review_words: Iterable[str] | None = None) -> None:
        """Replace the word lists (a mapping gives each banned word its label)."""
        if banned_words is not None:
            if isinstance(banned_words, Mapping):
                self.banned = {str(w): int(label) for w, label in banned_words.items()}
            else:
                self.banned = {str(w): DEFAULT_RISKY_LABEL for w in banned_words}
        if review_words is not None:
            self.review = [str(w) for w in review_words]

    def check_v2(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Return the v2 msg_sec_check answer for a request body."""
        content = body.get("content")
        if not isinstance(content, str) or not isinstance(body.get("openid"), str):
            raise WeChatError(47001)
        if _as_int(body.get("scene")) not in SEC_SCENES:
            raise WeChatError(47001)
        detail = self._keyword_hits(content)
        risky = [d for d in detail if d["suggest"] == "risky"]
        if risky:
            result = {"suggest": "risky", "label": risky[0]["label"]}
        elif detail:
            result = {"suggest": "review", "label": REVIEW_LABEL}
        else:
            result = {"suggest": "pass", "label": 100}
        # v2 answers errcode 0 even for risky text; the verdict is only in result.
        return {"errcode": 0, "errmsg": "ok", "result": result, "detail": detail,
                "trace_id": secrets.token_hex(12)}

    def check_v1(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Return the legacy v1 answer: 87014 for risky text, else ok."""
        content = body.get("content")
        if not isinstance(content, str):
            raise WeChatError(47001)
        if any(w in content for w in self.banned):
            raise WeChatError(87014)
        return {"errcode": 0, "errmsg": "ok"}

    def _keyword_hits(self, content: str) -> list[dict[str, Any]]:
        hits = [
            {"strategy": "keyword", "errcode": 0, "suggest": "risky", "label": label,
             "level": 90, "keyword": word}
            for word, label in self.banned.items() if word in content
        ]
        hits += [
            {"strategy": "keyword", "errcode": 0, "suggest": "review", "label": REVIEW_LABEL,
             "level": 60, "keyword": word}
            for word in self.review if word in content
        ]
        return hits


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
