"""Everything a request, a job or a CLI command needs, built once by create_app."""
from __future__ import annotations

import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Callable

from app.config import Settings
from app.db import make_engine
from app.locks import Locks
from app.tokens import TokenStore
from app.wechat_api import WeChatAPI

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    """The real time, in UTC (the only clock read in the product)."""
    return datetime.now(timezone.utc)


class Runtime:
    """Settings, database, clock, locks and the WeChat client of one process."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = system_clock):
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings["database_url"])
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


def _connect_redis(url: str):
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
