"""The shared access token: stored centrally, refreshed by one process at a time.

Every process reads the same token (database row, or Redis when configured). A
refresh happens under a cross-process lock and re-checks the store after taking
it, so N workers finding an expired token cause one fetch, not N (WECHAT.md §4).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.db import session_scope
from models.core.tokens import AccessToken

log = logging.getLogger(__name__)
Fetcher = Callable[[bool], tuple[str, int]]  # force_refresh -> (token, expires_in)


class TokenStore:
    """Read, cache centrally and refresh the WeChat access token."""

    def __init__(self, *, appid: str, fetch: Fetcher, engine, locks, clock, margin: float, redis=None):
        self.appid, self.fetch, self.engine, self.locks = appid, fetch, engine, locks
        self.clock, self.margin, self.redis = clock, margin, redis

    def get(self) -> str:
        """Return a token valid for at least the margin, refreshing when needed."""
        token, expires_at = self._read()
        if token and expires_at - timedelta(seconds=self.margin) > self.clock():
            return token
        return self._refresh(stale=token, force=False)

    def replace_rejected(self, rejected: str) -> str:
        """WeChat refused `rejected` (40001/42001): return a newer token, fetching one if nobody has."""
        return self._refresh(stale=rejected, force=True)

    def _refresh(self, *, stale: str | None, force: bool) -> str:
        with self.locks.hold(f"token-refresh:{self.appid}", ttl=20, wait=25):
            token, expires_at = self._read()
            if token and token != stale and expires_at > self.clock():
                return token  # another process refreshed while we waited
            token, expires_in = self.fetch(False)
            if force and token == stale:
                # stable_token hands back the same token while WeChat thinks it valid.
                token, expires_in = self.fetch(True)
            self._write(token, self.clock() + timedelta(seconds=expires_in))
            log.info("access token refreshed for %s (expires in %ss)", self.appid, expires_in)
            return token

    def _read(self) -> tuple[str | None, datetime]:
        if self.redis is not None:
            raw = self.redis.get(f"linli:token:{self.appid}")
            if not raw:
                return None, self.clock()
            data = json.loads(raw)
            return data["token"], datetime.fromisoformat(data["expires_at"])
        with session_scope(self.engine) as session:
            row = session.get(AccessToken, self.appid)
            return (row.token, row.expires_at) if row else (None, self.clock())

    def _write(self, token: str, expires_at: datetime) -> None:
        if self.redis is not None:
            ttl = max(1, int((expires_at - self.clock()).total_seconds()))
            value = json.dumps({"token": token, "expires_at": expires_at.isoformat()})
            self.redis.set(f"linli:token:{self.appid}", value, ex=ttl)
            return
        with session_scope(self.engine) as session:
            row = session.get(AccessToken, self.appid) or AccessToken(appid=self.appid, token=token,
                                                                        expires_at=expires_at, fetched_at=self.clock())
            row.token, row.expires_at, row.fetched_at = token, expires_at, self.clock()
            session.add(row)
