"""Polling for what another thread or process will do, with a deadline (never a bare sleep)."""
from __future__ import annotations

import os
import selectors
import time


def wait_for(predicate, timeout: float = 20.0, every: float = 0.05) -> bool:
    """True as soon as predicate() is true; False once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def read_until(stream, text: str, timeout: float = 60.0) -> bytes:
    """Read a child process's output until `text` appears (or the deadline passes); returns what was read.

    A child's start-up time depends on the machine's load, so a test waits for it to say it is ready
    rather than sleeping a guessed number of seconds.
    """
    wanted, seen = text.encode(), b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while wanted not in seen and time.monotonic() < deadline:
            if selector.select(timeout=max(deadline - time.monotonic(), 0)):
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
    return seen
