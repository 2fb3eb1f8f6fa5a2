"""A controllable clock: real time by default, frozen or shifted on demand."""

from __future__ import annotations

import datetime as dt
import threading
import time

# WeChat counts "per day" and "per calendar month" quotas in Beijing time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """Time source for every window, expiry and quota of the fake."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: float | None = None
        self._offset = 0.0

    def now(self) -> float:
        """Return the current fake time in epoch seconds."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.time() + self._offset

    def set(self, epoch_seconds: float) -> None:
        """Freeze the clock at the given epoch time."""
        with self._lock:
            self._frozen = float(epoch_seconds)

    def advance(self, seconds: float) -> float:
        """Move the clock forward; a real-time clock keeps ticking from the shifted point."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds
        return self.now()

    def use_real_time(self) -> None:
        """Go back to the wall clock with no offset."""
        with self._lock:
            self._frozen = None
            self._offset = 0.0

    @property
    def frozen(self) -> bool:
        """True when the clock only moves through set() or advance()."""
        return self._frozen is not None


def china_day(epoch_seconds: float) -> str:
    """Return the Beijing calendar day (YYYY-MM-DD) of an epoch time."""
    return dt.datetime.fromtimestamp(epoch_seconds, CHINA_TZ).strftime("%Y-%m-%d")


def china_month(epoch_seconds: float) -> str:
    """Return the Beijing calendar month (YYYY-MM) of an epoch time."""
    return dt.datetime.fromtimestamp(epoch_seconds, CHINA_TZ).strftime("%Y-%m")
