"""Everything a request, a job or a CLI command needs, built once by create_app."""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from app.config import Settings
from app.db import Timeouts, make_engine, reader, statement_reader
from app.locks import Locks
from app.tokens import TokenStore
from app.wechat_api import WeChatAPI

log = logging.getLogger(__name__)


class WebhookTimes(NamedTuple):
    """The webhook's waits, in seconds (read for every message)."""

    time_budget: float
    retry_wait: float
    user_lock_wait: float


def system_clock() -> datetime:
    """The real time, in UTC (the only clock read in the product)."""
    return datetime.now(UTC)


class Runtime:
    """Settings, database, clock, locks and the WeChat client of one process."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = system_clock):
        self.settings = settings
        self.clock = clock
        timeouts = Timeouts.from_settings(settings)
        self.engine = make_engine(settings["database_url"], timeouts)
        self.read_engine = reader(self.engine)
        self.statement_engine = statement_reader(self.engine, timeouts)
        # Built once: the bot reads configuration on every message, and a deep copy each time showed up.
        self.config = frozen(settings.as_dict())
        self.tz = settings.tz
        self.webhook = WebhookTimes(float(settings["webhook.time_budget"]), float(settings["webhook.retry_wait"]),
                                    float(settings["webhook.user_lock_wait"]))
        self.redis = _connect_redis(settings["redis_url"])
        self.locks = Locks(self.engine, clock, self.redis)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="bot")
        self.wechat = WeChatAPI(
            appid=settings["wechat.app_id"], secret=settings["wechat.app_secret"],
            base_url=settings["wechat.api_base_url"], timeout=float(settings["wechat.api_timeout"]),
            use_stable_token=bool(settings["wechat.use_stable_token"]),
        )
        self.wechat.tokens = TokenStore(
            appid=settings["wechat.app_id"], fetch=self.wechat.fetch_token, engine=self.engine, locks=self.locks,
            clock=clock, margin=float(settings["wechat.token_refresh_margin"]), redis=self.redis,
        )

    def close(self) -> None:
        """Release threads and connections (tests create many runtimes)."""
        self.executor.shutdown(wait=True)
        self.engine.dispose()
        if self.statement_engine.pool is not self.engine.pool:
            self.statement_engine.dispose()


def frozen(value: Any) -> Any:
    """A read-only deep view of configuration data (mappings and lists), safe to share between threads."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(frozen(item) for item in value)
    return value


def _connect_redis(url: str):
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
