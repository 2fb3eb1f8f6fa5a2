"""access_token issuing and checking: classic /cgi-bin/token and stable_token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .clock import china_day
from .errors import WeChatError

TOKEN_TTL = 7200
# A superseded token keeps working this long (Get_access_token doc).
OVERLAP = 300
# The platform hands out a fresh stable token once the current one has less left.
STABLE_RENEW_BEFORE = 300
CLASSIC_DAILY_LIMIT = 2000
FORCE_REFRESH_DAILY_LIMIT = 20


@dataclass
class Token:
    """One issued access_token."""

    value: str
    kind: str  # "classic" or "stable"
    issued_at: float
    expires_at: float
    superseded: bool = False


@dataclass
class TokenStore:
    """All tokens ever issued plus the per-day quotas of the token endpoints."""

    tokens: dict[str, Token] = field(default_factory=dict)
    current: dict[str, Token] = field(default_factory=dict)
    daily: dict[tuple[str, str], int] = field(default_factory=dict)
    token_fetches: int = 0
    stable_calls: dict[str, int] = field(default_factory=lambda: {"normal": 0, "force": 0})

    def fetch_classic(self, now: float) -> Token:
        """Issue a new classic token; the previous one survives OVERLAP seconds."""
        self._spend("classic", now, CLASSIC_DAILY_LIMIT)
        self.token_fetches += 1
        return self._issue("classic", now)

    def fetch_stable(self, now: float, force: bool) -> Token:
        """Return the current stable token, or a new one when forced or close to expiry."""
        if force:
            self._spend("force", now, FORCE_REFRESH_DAILY_LIMIT)
            self.stable_calls["force"] += 1
            return self._issue("stable", now)
        self.stable_calls["normal"] += 1
        token = self.current.get("stable")
        if token is None or token.expires_at - now <= STABLE_RENEW_BEFORE:
            return self._issue("stable", now, supersede=False)
        return token

    def check(self, value: str | None, now: float) -> None:
        """Raise the errcode WeChat answers for a missing, unknown or dead token."""
        if not value:
            raise WeChatError(41001)
        token = self.tokens.get(value)
        if token is None:
            raise WeChatError(40001)
        if now >= token.expires_at:
            # A replaced token is "not latest" (40001); one that ran out is 42001.
            raise WeChatError(40001 if token.superseded else 42001)

    def expire_all(self, now: float) -> None:
        """Make every token issued so far answer 42001 from now on."""
        for token in self.tokens.values():
            if token.expires_at > now:
                token.expires_at = now
                token.superseded = False

    def _issue(self, kind: str, now: float, supersede: bool = True) -> Token:
        previous = self.current.get(kind)
        if previous is not None and supersede and previous.expires_at > now + OVERLAP:
            previous.expires_at = now + OVERLAP
            previous.superseded = True
        token = Token(secrets.token_urlsafe(48), kind, now, now + TOKEN_TTL)
        self.tokens[token.value] = token
        self.current[kind] = token
        return token

    def _spend(self, quota: str, now: float, limit: int) -> None:
        key = (quota, china_day(now))
        used = self.daily.get(key, 0)
        if used >= limit:
            raise WeChatError(45009)
        self.daily[key] = used + 1
