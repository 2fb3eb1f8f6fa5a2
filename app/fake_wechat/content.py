"""Payload checks and content rules: message types, template cut, msg_sec_check."""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
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
    """Raise 47001 unless data maps keys to {"value": ...} objects, 47003 for a value of the wrong type."""
    if not isinstance(data, dict):
        raise WeChatError(47001)
    for item in data.values():
        if not isinstance(item, dict) or "value" not in item:
            raise WeChatError(47001)
    check_template_values(data)


# Category templates type each keyword by its name (thing1, time2, phone_number3); WeChat answers 47003
# "argument invalid! data.<key>.value invalid" for a value its type does not accept (WECHAT.md §6).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DATE = r"(\d{4})(?:年|-|/)(\d{1,2})(?:月|-|/)(\d{1,2})日?"
_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_TYPED_KEY = re.compile(r"([a-z_]+?)(\d+)")
_VALUE_RULES: dict[str, Callable[[str], bool]] = {
    "thing": lambda v: 0 < len(v) <= 20 and "\n" not in v,
    "number": lambda v: len(v) <= 32 and re.fullmatch(r"\d+(\.\d+)?", v) is not None,
    "letter": lambda v: re.fullmatch(r"[A-Za-z]{1,32}", v) is not None,
    "symbol": lambda v: re.fullmatch(rf"[^\w\s{_HAN}]{{1,5}}", v) is not None,
    "character_string": lambda v: re.fullmatch(r"[ -~]{1,32}", v) is not None,
    "time": lambda v: _moments(v, need_time=True),
    "date": lambda v: _moments(v, need_time=False),
    "amount": lambda v: re.fullmatch(r"[¥$€£]?\d{1,10}(\.\d+)?元?", v) is not None,
    "phone_number": lambda v: re.fullmatch(r"[0-9+\-() ]{1,17}", v) is not None,
    "car_number": lambda v: 0 < len(v) <= 8,
    "name": lambda v: 0 < len(v) <= (10 if re.search(f"[{_HAN}]", v) else 20),
    "phrase": lambda v: re.fullmatch(f"[{_HAN}]{{1,5}}", v) is not None,
    "const": lambda v: len(v) <= 20,
}


def _moments(value: str, *, need_time: bool) -> bool:
    """A point or a '~' range of points: [date ]HH:MM for time, date[ HH:MM] for date; the end may omit the date."""
    parts = value.split("~")
    if not 1 <= len(parts) <= 2:
        return False
    for index, part in enumerate(parts):
        found = re.fullmatch(rf"(?:{_DATE})?\s*(?:{_CLOCK})?", part.strip())
        if not found or not part.strip():
            return False
        year, month, day, hour, minute, second = found.groups()
        if month is not None and not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
            return False
        if hour is not None and not (int(hour) < 24 and int(minute) < 60 and int(second or 0) < 60):
            return False
        if need_time and hour is None:
            return False
        if not need_time and year is None and index == 0:
            return False
    return True


def keyword_type(key: str) -> str | None:
    """The type a category template gives a keyword by its name, or None for an untyped (legacy) one."""
    found = _TYPED_KEY.fullmatch(key)
    return found.group(1) if found and found.group(1) in _VALUE_RULES else None


def check_template_values(data: Mapping[str, Any]) -> None:
    """Raise 47003 for the first value its keyword's type does not accept."""
    for key, item in data.items():
        kind = keyword_type(str(key))
        if kind is None:
            continue
        value = item.get("value")
        if not isinstance(value, str) or not _VALUE_RULES[kind](value):
            raise WeChatError(47003, f"argument invalid! data.{key}.value invalid")


def as_shown(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template payload as shown: untyped (legacy) values cut at 20 chars, first/remark gone."""
    shown = copy.deepcopy(dict(body))
    data = shown.get("data", {})
    for key in HIDDEN_TEMPLATE_KEYS:
        data.pop(key, None)
    for key, item in data.items():
        value = str(item.get("value", ""))
        if keyword_type(str(key)) is None and len(value) > TEMPLATE_VALUE_LIMIT:
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
