"""Every process logs UTC times marked Z, whatever the machine's zone, so web, worker and tools line up."""
from __future__ import annotations

import logging
import time

from app.logs import FORMAT


def test_after_start_up_log_times_are_utc_whatever_the_local_zone(app, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        record = logging.LogRecord("linli", logging.INFO, __file__, 1, "hello", None, None)
        record.created, record.msecs = 0.0, 0.0  # 1970-01-01 00:00 UTC is 08:00 in Shanghai
        assert logging.Formatter(FORMAT).format(record).startswith("1970-01-01 00:00:00,000Z INFO linli: hello")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
