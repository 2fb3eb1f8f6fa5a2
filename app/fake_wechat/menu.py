"""Custom-menu validation with the errcodes of the global return-code table."""

from __future__ import annotations

from typing import Any

from .errors import WeChatError

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
KEY_TYPES = frozenset({
    "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
    "pic_weixin", "location_select",
})
OTHER_TYPES = frozenset({
    "view", "miniprogram", "media_id", "view_limited", "article_id", "article_view_limited",
})
REQUIRED_FIELDS = {
    "miniprogram": ("appid", "pagepath", "url"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}
# errcode per problem for a top-level button and for a sub-button.
CODES = {
    "type": (40017, 40024),
    "name": (40018, 40025),
    "key": (40019, 40026),
    "url": (40020, 40027),
}


def validate_menu(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the buttons if the menu is valid, else raise the matching errcode."""
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP:
        raise WeChatError(40016)
    for button in buttons:
        _check_top(button)
    return buttons


def _check_top(button: Any) -> None:
    if not isinstance(button, dict):
        raise WeChatError(47001)
    _check_name(button, TOP_NAME_BYTES, sub=False)
    subs = button.get("sub_button")
    if subs in (None, []):
        _check_leaf(button, sub=False)
        return
    if not isinstance(subs, list) or len(subs) > MAX_SUB:
        raise WeChatError(40023)
    for sub in subs:
        if not isinstance(sub, dict):
            raise WeChatError(47001)
        _check_name(sub, SUB_NAME_BYTES, sub=True)
        _check_leaf(sub, sub=True)


def _check_name(button: dict[str, Any], limit: int, sub: bool) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not 0 < _bytes(name) <= limit:
        raise WeChatError(CODES["name"][sub])


def _check_leaf(button: dict[str, Any], sub: bool) -> None:
    kind = button.get("type")
    if kind in KEY_TYPES:
        _check_size(button, "key", KEY_BYTES, sub)
    elif kind == "view":
        _check_size(button, "url", URL_BYTES, sub)
    elif kind not in OTHER_TYPES:
        raise WeChatError(CODES["type"][sub])
    for field_name in REQUIRED_FIELDS.get(kind, ()):
        if not isinstance(button.get(field_name), str) or not button[field_name]:
            raise WeChatError(47001)


def _check_size(button: dict[str, Any], field_name: str, limit: int, sub: bool) -> None:
    value = button.get(field_name)
    if not isinstance(value, str) or not 0 < _bytes(value) <= limit:
        raise WeChatError(CODES[field_name][sub])


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))
