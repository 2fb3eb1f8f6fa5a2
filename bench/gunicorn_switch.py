"""gunicorn config module for bench/webhook.py --switch-interval-ms: set each worker's GIL switch interval."""
import os
import sys


def post_fork(server, worker):
    """Runs in every worker after the fork."""
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL_MS"]) / 1000)
