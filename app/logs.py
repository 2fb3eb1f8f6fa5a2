"""One log format for every process we start: UTC times marked Z, so web, worker and tools line up."""
from __future__ import annotations

import logging
import time

FORMAT = "%(asctime)sZ %(levelname)s %(name)s: %(message)s"


def configure(level: str | int) -> None:
    """Log at `level` to stderr; every formatter in the process writes UTC (the machine's zone varies)."""
    logging.Formatter.converter = time.gmtime
    logging.basicConfig(level=level, format=FORMAT)
    # APScheduler reports every run of every interval job at INFO (two lines per job every few seconds): those
    # are debug detail; its warnings and job errors still show.
    numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    debugging = isinstance(numeric, int) and numeric <= logging.DEBUG
    logging.getLogger("apscheduler.executors").setLevel(logging.DEBUG if debugging else logging.WARNING)
