"""One log format for every process we start: UTC times marked Z, so web, worker and tools line up."""
from __future__ import annotations

import logging
import time

FORMAT = "%(asctime)sZ %(levelname)s %(name)s: %(message)s"


def configure(level: str | int) -> None:
    """Log at `level` to stderr; every formatter in the process writes UTC (the machine's zone varies)."""
    logging.Formatter.converter = time.gmtime
    logging.basicConfig(level=level, format=FORMAT)
