"""In-process profile of one mini-program API call: where a request's CPU goes, without gunicorn or sockets.

    .venv/bin/python bench/api_profile.py [--backend sqlite|postgresql] [--calls 2000] [--sort tottime] [--top 40]

A fresh migrated database with the demo village and one linked login (as bench/api.py seeds it), the real
app built with the bench's environment (production settings, limits far above the load), then `GET /api/v1/me`
called through the WSGI interface `--calls` times: first unprofiled (mean microseconds per call, wall and
process CPU), then under cProfile (the table). See bench/README.md.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api import API_ENV, seed_tokens, templates_env  # noqa: E402
from bench.webhook import database, server_env  # noqa: E402


def call_me(app, token: str) -> bytes:
    """One GET /api/v1/me through WSGI, as gunicorn calls it; the answer's body."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path="/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_environ()
    statuses = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    if not statuses[0].startswith("200") or b'"linked"' not in body:
        raise RuntimeError(f"unexpected answer {statuses[0]}: {body[:200]!r}")
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", type=Path, default=None, help="also write the raw profile here (pstats file)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url = stack.enter_context(database(args.backend, args.pg_admin_url))
        token = seed_tokens(url, 1)[0]
        saved = dict(os.environ)
        os.environ.update(server_env(url, "") | API_ENV | templates_env())
        try:
            from app import create_app

            app = create_app()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        print(call_me(app, token).decode())
        for _ in range(200):  # warm: pools, caches, the limiter's first windows
            call_me(app, token)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.calls):
            call_me(app, token)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{args.backend}: {args.calls} calls, {wall / args.calls * 1e6:.0f} us wall, "
              f"{cpu / args.calls * 1e6:.0f} us CPU per call (unprofiled)")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.calls):
            call_me(app, token)
        profile.disable()
        if args.save:
            profile.dump_stats(args.save)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        app.extensions["linli"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
