"""Mini-program API throughput and latency: GET /api/v1/me and POST /api/v1/help-requests against the bare
Flask endpoints of bench/bare_app.py, same gunicorn settings, same run.

    .venv/bin/python bench/api.py [--backend sqlite|postgresql|both] [--seconds 10] [--concurrency 32]
                                  [--workers 2] [--threads 4]

Per backend: a fresh migrated database with the demo village and one linked login (a real bearer token)
per client connection; gunicorn serving `app:create_app()` and `bench.bare_app:create_app()`; then for
each call the bare endpoint and the API back to back under the same closed-loop load. Prints requests/s,
p50/p99, errors and the API/bare ratio; targets: the read at least 0.3x bare with p99 < 100 ms at 32
clients. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import queue as queue_module
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import SOCKET_TIMEOUT, LoadResult, ProtocolError, exchange  # noqa: E402
from bench.webhook import (  # noqa: E402
    HEADER,
    HOST,
    GunicornSettings,
    Measurement,
    database,
    gunicorn,
    print_preamble,
    row,
    sample_window,
    server_env,
    split,
)

CALLS = ("me", "create")
TARGET_READ_RATIO = 0.3
TARGET_P99_MS = 100.0
SERVER_START_TIMEOUT = 60.0
CLIENT_START_SLACK = 2.0
# Limits far above what the run can reach: the bench measures the request path, not the limiter.
API_ENV = {"LINLI__MINIAPP__RATE_LIMIT": "100000000/minute", "LINLI__MINIAPP__RATE_LIMIT_IP": "100000000/minute"}


def templates_env() -> dict[str, str]:
    """Production refuses to start without a template for every critical push; nothing is sent in the bench."""
    from models.core.push_kinds import CRITICAL_KINDS

    mapping = {kind: {"template_id": f"BENCH_{kind.upper()}", "fields": {"thing1": "title"}}
               for kind in sorted(CRITICAL_KINDS)}
    return {"LINLI__TEMPLATES": json.dumps(mapping)}
ELDERS = ("demo-elder-1", "demo-elder-2", "demo-elder-3")


@dataclass(frozen=True)
class ApiSpec:
    """What one client process does: one call, one token per connection."""

    port: int
    call: str
    tokens: tuple[str, ...]
    threads: int
    measure_from: float
    measure_until: float
    bare: bool


def build(spec: ApiSpec, token: str) -> bytes:
    """One raw HTTP/1.1 request for the call, with a bearer token (the bare app ignores it)."""
    auth = f"Authorization: Bearer {token}\r\n"
    if spec.call == "me":
        return f"GET /api/v1/me HTTP/1.1\r\nHost: {HOST}:{spec.port}\r\n{auth}\r\n".encode("ascii")
    start = datetime.now(UTC) + timedelta(hours=1)
    body = json.dumps({"category": "errand", "details": "帮我买点药",
                       "when": {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}},
                      ensure_ascii=False).encode()
    return (f"POST /api/v1/help-requests HTTP/1.1\r\nHost: {HOST}:{spec.port}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode("ascii") + body


def valid(spec: ApiSpec, status: int, body: bytes) -> bool:
    """The read answers 200 with a linked person; the creation 201 with an open request."""
    if spec.call == "me":
        return status == 200 and (b'"linked": true' in body or b'"linked":true' in body)
    return status == 201 and b'"status"' in body


def client_loop(spec: ApiSpec, thread_no: int, result: LoadResult) -> None:
    """One keep-alive connection sending one request at a time until the window closes."""
    token = spec.tokens[thread_no % len(spec.tokens)]
    sock: socket.socket | None = None
    while time.time() < spec.measure_until:
        request = build(spec, token)
        started = time.perf_counter()
        try:
            if sock is None:
                sock = socket.create_connection((HOST, spec.port), timeout=SOCKET_TIMEOUT)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            status, body, keep = exchange(sock, request)
        except (OSError, ProtocolError, ValueError, IndexError) as exc:
            if sock is not None:
                sock.close()
            sock = None
            if spec.measure_from <= time.time() <= spec.measure_until:
                result.add_error("timeout" if isinstance(exc, socket.timeout) else "connection")
            continue
        elapsed = time.perf_counter() - started
        if not keep:
            sock.close()
            sock = None
        if not spec.measure_from <= time.time() <= spec.measure_until:
            continue
        if valid(spec, status, body):
            result.ok += 1
        else:
            result.add_error(f"http {status}", body)
        result.latencies.append(elapsed)
    if sock is not None:
        sock.close()


def run_process(spec: ApiSpec, results) -> None:
    """Entry point of one client process (spawned): its threads' results, merged, on the queue."""
    import os

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parts = [LoadResult() for _ in range(spec.threads)]
    threads = [threading.Thread(target=client_loop, args=(spec, n, parts[n]), daemon=True)
               for n in range(spec.threads)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, spec.measure_from - time.time()))
    cpu0 = sum(os.times()[:2])
    time.sleep(max(0.0, spec.measure_until - time.time()))
    total = LoadResult(cpu_seconds=sum(os.times()[:2]) - cpu0)
    for thread in threads:
        thread.join(timeout=SOCKET_TIMEOUT + 5)
    for part in parts:
        total.merge(part)
    results.put(total)


# --- the database: the demo village and real tokens -------------------------------------------------------

def seed_tokens(url: str, count: int) -> tuple[str, ...]:
    """The demo village, and `count` mini-program logins linked to its elders, each with a live token."""
    from sqlmodel import select

    from app.db import make_engine, session_scope
    from models.api import identity as ids
    from models.people.users import User
    from models.seed import seed_demo

    engine = make_engine(url)
    now = datetime.now(UTC)
    tokens = []
    try:
        with session_scope(engine) as session:
            seed_demo(session, now=now)
            elders = [session.exec(select(User).where(User.openid == o)).one() for o in ELDERS]
            for n in range(count):
                identity, token = ids.login(session, f"oBenchMini{n:018d}", None, "", now=now,
                                            lifetime=timedelta(hours=2))
                identity.user_id, identity.linked_by = elders[n % len(elders)].id, "bench"
                tokens.append(token)
    finally:
        engine.dispose()
    return tuple(tokens)


def wait_ready(server, spec: ApiSpec) -> None:
    """Until one request of the call gets a valid answer, or fail with the server's log."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = ""
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with socket.create_connection((HOST, server.port), timeout=SOCKET_TIMEOUT) as sock:
                status, body, _ = exchange(sock, build(spec, spec.tokens[0]))
            if valid(spec, status, body):
                return
            last = f"HTTP {status}: {body[:200]!r}"
        except Exception as exc:  # not listening yet
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} not ready ({last}); log tail:\n{server.log_path.read_text()[-3000:]}")


def measure(server, *, call: str, backend: str, tokens: tuple[str, ...], args, bare: bool, ctx,
            server_name: str = "") -> Measurement:
    """Warm up, then drive one call for the window; what the clients and /proc saw."""
    start = time.time() + CLIENT_START_SLACK + args.warmup
    until = start + args.seconds
    results: queue_module.Queue = ctx.Queue()
    processes = [ctx.Process(target=run_process, daemon=True,
                             args=(ApiSpec(server.port, call, tokens[n::args.client_procs] or tokens, count, start,
                                           until, bare), results))
                 for n, count in enumerate(split(args.concurrency, args.client_procs))]
    try:
        for process in processes:
            process.start()
        server_cpu, busy = sample_window(server, start, until)
        total = LoadResult()
        for _ in processes:
            total.merge(results.get(timeout=max(1.0, until - time.time()) + 30))
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    return Measurement(call, backend, server_name or ("bare" if bare else "api"), args.seconds, total, server_cpu,
                       busy)


def verdict(bare: Measurement, api: Measurement) -> str:
    """The read must reach 0.3x bare and both calls a p99 under 100 ms, without errors."""
    ratio = api.rps / bare.rps if bare.rps else 0.0
    p99 = api.percentile_ms(99)
    checks = [f"ratio {ratio:.2f}" + (f" (target >= {TARGET_READ_RATIO})" if api.scenario == "me" else ""),
              f"p99 {p99:.0f} ms (target < {TARGET_P99_MS:.0f})", f"errors {api.errors}"]
    met = p99 < TARGET_P99_MS and api.errors == 0 and (api.scenario != "me" or ratio >= TARGET_READ_RATIO)
    return f"{'MET' if met else 'NOT MET':<8} {api.scenario}/{api.backend}: " + ", ".join(checks)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring window per run (1-120)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up before each window (0-30)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections (1-256)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--client-procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--calls", default=",".join(CALLS), help="comma-separated: me, create")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--redis-url", default="", help="rate-limit storage for the API (memory by default)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the gunicorn logs and print where they are")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout of the project (e.g. the previous commit): its API is measured too, "
                             "right before this tree's, as server 'compare'")
    args = parser.parse_args(argv)
    args.call_list = [c.strip() for c in args.calls.split(",") if c.strip()]
    if not args.call_list or any(c not in CALLS for c in args.call_list):
        parser.error(f"calls are {', '.join(CALLS)}")
    if not (1 <= args.seconds <= 120 and 0 <= args.warmup <= 30 and 1 <= args.concurrency <= 256
            and 1 <= args.workers <= 16 and 1 <= args.threads <= 64 and 1 <= args.client_procs <= 16):
        parser.error("an option is out of its bounds (see --help)")
    args.openids = args.concurrency  # one mini-program login (and token) per connection
    return args


def run_backend(backend: str, args, settings: GunicornSettings, ctx, log_dir: Path) -> list[tuple]:
    pairs = []
    with ExitStack() as stack:
        url = stack.enter_context(database(backend, args.pg_admin_url))
        tokens = seed_tokens(url, args.concurrency)
        env = server_env(url, args.redis_url) | settings.env() | API_ENV | templates_env()
        bare = stack.enter_context(gunicorn(f"bare-{backend}", "bench.bare_app:create_app()", settings, env, log_dir))
        api = stack.enter_context(gunicorn(f"api-{backend}", "app:create_app()", settings, env, log_dir))
        other = None
        if args.compare:
            other = stack.enter_context(gunicorn(f"compare-{backend}", "app:create_app()", settings, env, log_dir,
                                                 tree=args.compare.resolve()))
        for call in args.call_list:
            for server, is_bare in ((bare, True), (api, False), *(((other, False),) if other else ())):
                wait_ready(server, ApiSpec(server.port, call, tokens, 1, 0, 0, is_bare))
            base = measure(bare, call=call, backend=backend, tokens=tokens, args=args, bare=True, ctx=ctx)
            print(row(base, None), flush=True)
            if other is not None:
                old = measure(other, call=call, backend=backend, tokens=tokens, args=args, bare=False, ctx=ctx,
                              server_name="compare")
                print(row(old, old.rps / base.rps if base.rps else 0.0), flush=True)
            real = measure(api, call=call, backend=backend, tokens=tokens, args=args, bare=False, ctx=ctx)
            print(row(real, real.rps / base.rps if base.rps else 0.0), flush=True)
            for m in (base, real):
                if m.result.errors:
                    print(f"         {m.server} errors: {m.result.errors}; first: {m.result.samples}", flush=True)
            pairs.append((base, real))
    return pairs


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = GunicornSettings(workers=args.workers, threads=args.threads)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ctx = multiprocessing.get_context("spawn")
    signal.signal(signal.SIGTERM, _interrupt)
    print_preamble(args, settings)
    print(HEADER.replace("scenario", "call    "), flush=True)
    log_dir = Path(tempfile.mkdtemp(prefix="linli-bench-api-logs-"))
    pairs: list[tuple] = []
    try:
        for backend in backends:
            pairs += run_backend(backend, args, settings, ctx, log_dir)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, databases dropped", file=sys.stderr)
        return 130
    finally:
        if args.keep_logs:
            print(f"gunicorn logs kept in {log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    print()
    for bare, api in pairs:
        print(verdict(bare, api))
    return 0 if all(verdict(b, a).startswith("MET") for b, a in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
