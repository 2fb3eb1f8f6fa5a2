"""All state of the fake WeChat platform, its test-control methods and inspection."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .audience import Audience
from .clock import Clock
from .content import ContentRules
from .faults import Fault, FaultPlan, normalize_path
from .logins import LoginCodes, MediaStore, mini_openid
from .outbox import CHANNELS, Outbox
from .qrcode import QrCodes
from .tokens import TokenStore
from .windows import KINDS, ServiceWindows

log = logging.getLogger(__name__)

UNSET: Any = object()


class FakeWeChatState:
    """Thread-safe state; every public method takes the (re-entrant) lock."""

    def __init__(self, appid: str = "wxtest", secret: str = "s3cret",
                 templates: Iterable[str] | None = None,
                 banned_words: Iterable[str] | Mapping[str, int] = (),
                 review_words: Iterable[str] = (), auto_follow: bool = False,
                 mini_appid: str | None = None, mini_secret: str | None = None) -> None:
        self.appid = appid
        self.secret = secret
        self.mini_appid = mini_appid or appid
        self.mini_secret = mini_secret or secret
        self.lock = threading.RLock()
        self.clock = Clock()
        self.rules = ContentRules()
        self.templates: set[str] | None = None
        self._auto_follow = auto_follow
        self._clear()
        # Kept so reset() also undoes configure() calls a previous test made.
        self._initial: dict[str, Any] = {
            "templates": None if templates is None else list(templates),
            "banned_words": dict(banned_words) if isinstance(banned_words, Mapping) else list(banned_words),
            "review_words": list(review_words), "auto_follow": auto_follow}
        self.configure(**self._initial)

    def _clear(self) -> None:
        self.tokens = TokenStore()
        self.windows = ServiceWindows()
        self.audience = Audience(auto_follow=self._auto_follow)
        self.outbox = Outbox()
        self.qrcodes = QrCodes()
        self.logins = LoginCodes()
        self.media = MediaStore()
        self.faults = FaultPlan()
        self.menu: list[dict[str, Any]] | None = None
        # One-time subscription consents: (mini-program openid, template id) -> messages that may still be sent.
        self.subscriptions: dict[tuple[str, str], int] = {}
        self.call_log: list[dict[str, Any]] = []

    # --- control -----------------------------------------------------------

    def reset(self) -> None:
        """Forget tokens, users, messages, calls and faults; restore settings and real time."""
        with self.lock:
            self._clear()
            self.configure(**self._initial)
            self.clock.use_real_time()
        log.info("fake wechat state reset")

    def configure(self, templates: Iterable[str] | None = UNSET,
                  banned_words: Iterable[str] | Mapping[str, int] | None = UNSET,
                  review_words: Iterable[str] | None = UNSET,
                  auto_follow: bool | None = UNSET) -> None:
        """Change settings until the next reset(); templates=None accepts any template id."""
        with self.lock:
            if templates is not UNSET:
                self.templates = set(templates) if templates is not None else None
            self.rules.configure(None if banned_words is UNSET else banned_words,
                                 None if review_words is UNSET else review_words)
            if auto_follow is not UNSET and auto_follow is not None:
                self.auto_follow = bool(auto_follow)

    @property
    def auto_follow(self) -> bool:
        """When True every openid counts as a follower unless unfollow() was called."""
        return self._auto_follow

    @auto_follow.setter
    def auto_follow(self, value: bool) -> None:
        with self.lock:
            self._auto_follow = value
            self.audience.auto_follow = value

    def now(self) -> float:
        """Return the fake's current time (epoch seconds)."""
        return self.clock.now()

    def set_clock(self, epoch_seconds: float) -> None:
        """Freeze the fake clock at this epoch time."""
        self.clock.set(epoch_seconds)

    def advance(self, seconds: float) -> float:
        """Move the fake clock forward and return the new time."""
        return self.clock.advance(seconds)

    def use_real_time(self) -> None:
        """Let the fake clock follow the wall clock again."""
        self.clock.use_real_time()

    def follow(self, openid: str, scene: str = "ADD_SCENE_QR_CODE", qr_scene_str: str = "",
               unionid: str | None = None) -> None:
        """Make a user follow the account (opens no reply window by itself)."""
        with self.lock:
            self.audience.follow(openid, self.now(), scene, qr_scene_str)
            if unionid:
                self.audience.unionids[openid] = unionid

    def unfollow(self, openid: str) -> None:
        """Make a user stop following; their reply windows close."""
        with self.lock:
            self.audience.unfollow(openid)
            self.windows.close(openid)

    def set_phone(self, user: str, phone: str) -> None:
        """Give a fake mini-program user a verified phone number (getuserphonenumber with "phone-<user>")."""
        with self.lock:
            self.logins.phones[user] = phone

    def block_login(self, user: str) -> None:
        """Make jscode2session refuse this user's codes with 40226 (a blocked account)."""
        with self.lock:
            self.logins.blocked.add(user)

    def grant_subscription(self, openid: str, template_id: str, times: int = 1) -> None:
        """The mini-program user accepted wx.requestSubscribeMessage for a template `times` times."""
        with self.lock:
            key = (openid, template_id)
            self.subscriptions[key] = self.subscriptions.get(key, 0) + int(times)

    def take_subscription(self, openid: str, template_id: str) -> bool:
        """Spend one consent; False when the user has none left (refused, or all used)."""
        with self.lock:
            left = self.subscriptions.get((openid, template_id), 0)
            if left <= 0:
                return False
            self.subscriptions[(openid, template_id)] = left - 1
            return True

    def set_unionid(self, openid: str, unionid: str) -> None:
        """Give an openid (OA or mini-program) a unionid."""
        with self.lock:
            self.audience.unionids[openid] = unionid

    def record_interaction(self, openid: str, kind: str, at: float | None = None) -> None:
        """Tell the fake the user sent a message / clicked / followed / scanned at time at."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        with self.lock:
            when = self.now() if at is None else float(at)
            self.audience.follow(openid, when)
            self.windows.open(openid, kind, when)

    def inject_fault(self, path: str, errcode: int | None = None, errmsg: str | None = None,
                     http_status: int | None = None, delay: float | None = None,
                     times: int = 1) -> None:
        """Make the next `times` calls to path ("*" = any API path) fail and/or stall."""
        with self.lock:
            self.faults.add(path, Fault(errcode, errmsg, http_status, delay, times))

    def expire_tokens(self) -> None:
        """Make every access_token issued so far answer 42001."""
        with self.lock:
            self.tokens.expire_all(self.now())

    def add_media(self, media_id: str, content: bytes, content_type: str = "audio/amr") -> None:
        """Make /cgi-bin/media/get serve this content for media_id, for three days from now (then 40007)."""
        with self.lock:
            self.media.add(media_id, content, content_type, at=self.now())

    # --- inspection --------------------------------------------------------

    def sent(self, openid: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        """Return delivered messages {channel, touser, payload, at, msgid} in order."""
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}")
        with self.lock:
            return self.outbox.sent(openid, channel)

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        """Return every API request {path, method, query, body, errcode, http_status, at}."""
        with self.lock:
            wanted = normalize_path(path) if path else None
            return [copy.deepcopy(c) for c in self.call_log if wanted in (None, c["path"])]

    def events(self) -> list[dict[str, Any]]:
        """Return the MASSSENDJOBFINISH / TEMPLATESENDJOBFINISH events WeChat would push."""
        with self.lock:
            return copy.deepcopy(self.outbox.events)

    def qr_tickets(self) -> dict[str, dict[str, Any]]:
        """Return every QR ticket issued with its action and scene."""
        with self.lock:
            return copy.deepcopy(self.qrcodes.tickets)

    def current_menu(self) -> list[dict[str, Any]] | None:
        """Return the buttons of the menu last created, or None."""
        with self.lock:
            return copy.deepcopy(self.menu)

    def mini_openid(self, user: str) -> str:
        """Return the openid jscode2session gives for code "code-<user>[:<nonce>]"."""
        return mini_openid(self.mini_appid, user)

    @property
    def token_fetches(self) -> int:
        """Number of tokens issued by GET /cgi-bin/token."""
        return self.tokens.token_fetches

    @property
    def stable_token_calls(self) -> dict[str, int]:
        """Successful stable_token calls per mode: {"normal": n, "force": m}."""
        return dict(self.tokens.stable_calls)

    def stats(self) -> dict[str, Any]:
        """Return counters and a summary for /_fake/stats and the sandbox page."""
        with self.lock:
            now = self.now()
            return {
                "now": now,
                "clock_frozen": self.clock.frozen,
                "appid": self.appid,
                "auto_follow": self.auto_follow,
                "token_fetches": self.token_fetches,
                "stable_token_calls": self.stable_token_calls,
                "calls": len(self.call_log),
                "sent": len(self.outbox.messages),
                "followers": self._follower_summary(now),
                "tags": self.audience.list_tags(),
                "faults": self.faults.pending(),
                "templates": sorted(self.templates) if self.templates is not None else None,
                "banned_words": sorted(self.rules.banned),
            }

    def _follower_summary(self, now: float) -> list[dict[str, Any]]:
        return [
            {"openid": o, "windows": self.windows.describe(o, now)}
            for o in self.audience.everyone(now)
        ]

    # --- request pipeline helpers -----------------------------------------

    def take_fault(self, path: str) -> Fault | None:
        """Use the next fault planned for an API path, if any."""
        with self.lock:
            return self.faults.take(path)

    def check_token(self, value: str | None) -> None:
        """Raise 41001/40001/42001 unless the access_token is live."""
        with self.lock:
            self.tokens.check(value, self.now())

    def log_call(self, path: str, method: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        """Append a call record and return it so the answer can be filled in."""
        with self.lock:
            record = {"path": path, "method": method, "query": query, "body": body,
                      "errcode": None, "http_status": 200, "at": self.now()}
            self.call_log.append(record)
            return record
