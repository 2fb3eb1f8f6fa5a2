"""CPU and statements per help-request creation through `POST /api/v1/help-requests`, in process.

    .venv/bin/python bench/create_cost.py sqlite|postgresql [--calls 200] [--profile]

A fresh migrated database with the demo village and four linked mini-program logins (as bench/api.py seeds it),
the real app with the bench's environment, then creations through Flask's test client: 20 to warm up, then
`--calls` measured (process CPU of this process only, so PostgreSQL's own backends are not counted; statements
counted on the main engine, so the token check on the statement pool is not). `--profile` adds a cProfile table
of 100 more by cumulative time. Run it from two checkouts in turn to compare them. See bench/README.md
("Creating a request: CPU per creation").
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
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

sys.path.insert(0, os.getcwd())

from bench.api import API_ENV, seed_tokens, templates_env  # noqa: E402
from bench.webhook import database, server_env  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backend", choices=("sqlite", "postgresql"))
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url = stack.enter_context(database(args.backend, args.pg_admin_url))
        tokens = seed_tokens(url, 4)
        os.environ.update(server_env(url, "") | API_ENV | templates_env())
        from app import create_app

        app = create_app()
        statements = [0]
        sa.event.listen(app.extensions["linli"].engine, "before_cursor_execute",
                        lambda *_: statements.__setitem__(0, statements[0] + 1))
        client = app.test_client()

        def create(n: int) -> None:
            start = datetime.now(UTC) + timedelta(hours=1)
            body = {"category": "errand", "details": "帮我买点药",
                    "when": {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}}
            answer = client.post("/api/v1/help-requests", json=body,
                                 headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"})
            if answer.status_code != 201:
                raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.data[:200]!r}")

        for n in range(20):
            create(n)
        statements[0] = 0
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(args.calls):
            create(n)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{args.backend}: per creation: CPU {cpu / args.calls * 1e3:.2f} ms, "
              f"wall {wall / args.calls * 1e3:.2f} ms, statements {statements[0] / args.calls:.1f}")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for n in range(100):
                create(n)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumtime").print_stats(60)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
