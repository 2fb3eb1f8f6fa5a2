"""Polling for what another thread or process will do, with a deadline (never a bare sleep)."""
from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 20.0, every: float = 0.05) -> bool:
    """True as soon as predicate() is true; False once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False
