"""/healthz: whether this process can record a push promptly."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, current_app, jsonify

from app.db import probe_writable

bp = Blueprint("health", __name__)
# Probes run beside the request so a stalled database cannot hold the health check itself; two threads
# suffice (a probe lasts at most the threshold, plus the pool's wait for a connection).
_probes = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


@bp.get("/healthz")
def healthz():
    """Report the database's state; 503 when it does not answer, or answers slower than the threshold."""
    rt = current_app.extensions["linli"]
    threshold = float(rt.settings["database.health_threshold"])
    started = time.monotonic()
    try:
        ok = _probes.submit(probe_writable, rt.engine, threshold).result(timeout=threshold)
    except FutureTimeout:
        ok = False
    ok = ok and time.monotonic() - started <= threshold
    return jsonify(status="ok" if ok else "degraded", database=ok), (200 if ok else 503)
