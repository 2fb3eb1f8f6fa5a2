"""WeChat errcodes the fake answers, with the errmsg text the real API uses."""

from __future__ import annotations

from typing import Any

# errmsg strings follow the global return-code table (see WECHAT.md §4) where
# it is known; the few marked "fake wording" are not confirmed anywhere.
ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40032: "invalid openid list size",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40130: "invalid openid list size",
    40163: "code been used",
    40226: "high risk user",  # jscode2session: WeChat blocked this user's login
    45011: "api minute-quota reach limit, mustslower retry next minute",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44004: "empty content",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45056: "too many tags now",  # fake wording
    45059: "the user has too many tags",  # fake wording
    45065: "clientmsgid exist",
    45067: "clientmsgid size out of limit",
    45157: "invalid tag name, the name already exists",  # fake wording
    45158: "tag name too long",
    45159: "invalid tag id",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
    87014: "risky content",
}


def errmsg_for(errcode: int) -> str:
    """Return the errmsg the real API sends with this errcode."""
    return ERRMSG.get(errcode, "fake injected error")


class WeChatError(Exception):
    """An API failure answered as WeChat does: HTTP 200 with errcode/errmsg."""

    def __init__(self, errcode: int, errmsg: str | None = None, **extra: Any) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or errmsg_for(errcode)
        self.extra = extra
        super().__init__(f"{errcode} {self.errmsg}")

    def body(self) -> dict[str, Any]:
        """Return the JSON body WeChat would answer."""
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}


def ok(**fields: Any) -> dict[str, Any]:
    """Return a success body with errcode 0 and errmsg ok plus extra fields."""
    return {"errcode": 0, "errmsg": "ok", **fields}
