"""CPU of one `GET /api/v1/me` in process, split between the app and PostgreSQL's own processes.

    .venv/bin/python bench/api_backend_cpu.py [--calls 3000]

Seeds a fresh PostgreSQL database as bench/api.py does, builds the app with the bench's environment and calls
`GET /me` through WSGI `--calls` times after a warm-up; prints per call the app's process CPU, the CPU every
`postgres` process on this machine spent meanwhile (from /proc, so keep the machine otherwise quiet) and the
wall time. Run it from two checkouts in turn to compare them (each imports the tree it is run from).
See bench/README.md ("One round trip for GET /me").
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, os.getcwd())

from bench.api import API_ENV, seed_tokens, templates_env  # noqa: E402
from bench.api_profile import call_me  # noqa: E402
from bench.webhook import database, server_env  # noqa: E402


def postgres_cpu() -> float:
    """CPU seconds used so far by every process named postgres (the server and its backends)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().split()
        except OSError:
            continue  # the process ended meanwhile
        if fields[1].startswith("(postgres"):
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url = stack.enter_context(database("postgresql", args.pg_admin_url))
        token = seed_tokens(url, 1)[0]
        os.environ.update(server_env(url, "") | API_ENV | templates_env())
        from app import create_app

        app = create_app()
        for _ in range(300):
            call_me(app, token)
        cpu, pg, wall = time.process_time(), postgres_cpu(), time.perf_counter()
        for _ in range(args.calls):
            call_me(app, token)
        cpu, pg, wall = time.process_time() - cpu, postgres_cpu() - pg, time.perf_counter() - wall
        print(f"{os.getcwd()}: per call: app CPU {cpu / args.calls * 1e6:.0f} us, "
              f"postgres CPU {pg / args.calls * 1e6:.0f} us, wall {wall / args.calls * 1e6:.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
