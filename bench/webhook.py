"""Webhook throughput and latency: the real /wechat against a bare Flask endpoint, same gunicorn settings.

    .venv/bin/python bench/webhook.py [--backend sqlite|postgresql|both] [--seconds 10]
                                      [--concurrency 32] [--workers 2] [--threads 4]

For each backend: a fresh, migrated database; gunicorn serving `app:create_app()`
and `bench.bare_app:create_app()` on free loopback ports; then, per scenario,
the bare endpoint and the webhook each driven by the same closed-loop load
(freshly signed text pushes, distinct MsgIds, many openids). Prints requests/s,
p50/p99 latency, errors and the webhook/bare ratio. See bench/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import platform
import queue as queue_module
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Run as a script, Python puts bench/ on the path, not the project root.
    sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadResult, LoadSpec, build_request, connect, exchange, openid_of, run_process

HOST = "127.0.0.1"
BENCH_TOKEN = "linli-bench-token-7f3a"
from tests.message_support import templates_env

SERVER_ENV = {
    "LINLI_ENV": "production",
    "LINLI_LOG_LEVEL": "WARNING",
    "WECHAT_TOKEN": BENCH_TOKEN,
    "WECHAT_APP_ID": "wxbench0123456789",
    "WECHAT_APP_SECRET": "linli-bench-secret-0123456789abcdef",
    # Nothing on the request path goes out; should something try, it fails fast on loopback.
    "WECHAT_API_BASE_URL": "http://127.0.0.1:9",
    # Production refuses to start without a template for every critical push kind (app/delivery_checks.py).
    "LINLI__TEMPLATES": templates_env(),
}
SCENARIOS: dict[str, tuple[str, ...]] = {
    "hello": ("你好",),
    "flow": ("我想找人帮我买药",),
    "mix": ("你好", "我想找人帮我买药", "明天上午谁能陪我去卫生院看病", "今天食堂吃什么",
            "我今天挺好的，报个平安", "村里最近有什么活动", "我家水管坏了，能不能找人来修一下"),
}
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
SERVER_START_TIMEOUT = 60.0
CLIENT_START_SLACK = 2.0  # seconds a spawned client process needs to import before the warm-up counts


@dataclass(frozen=True)
class GunicornSettings:
    """The settings both servers get; only the app differs."""

    workers: int
    threads: int
    worker_class: str = "gthread"
    keep_alive: int = 5
    timeout: int = 30
    switch_interval_ms: float | None = None  # the workers' sys.setswitchinterval, via bench/gunicorn_switch.py

    def args(self) -> list[str]:
        """Command-line flags for gunicorn."""
        extra = ["--config", "python:bench.gunicorn_switch"] if self.switch_interval_ms else []
        return ["--worker-class", self.worker_class, "--workers", str(self.workers), "--threads", str(self.threads),
                "--keep-alive", str(self.keep_alive), "--timeout", str(self.timeout), "--graceful-timeout", "5",
                "--log-level", "warning", *extra]

    def env(self) -> dict[str, str]:
        """Environment the config module reads."""
        return {"BENCH_SWITCH_INTERVAL_MS": str(self.switch_interval_ms)} if self.switch_interval_ms else {}

    def describe(self) -> str:
        """One line for the report."""
        switch = f", GIL switch interval {self.switch_interval_ms:g} ms" if self.switch_interval_ms else ""
        return (f"gunicorn --worker-class {self.worker_class} --workers {self.workers} --threads {self.threads} "
                f"--keep-alive {self.keep_alive} --timeout {self.timeout} (no --preload, no access log{switch})")


@dataclass(frozen=True)
class Server:
    """A running gunicorn master."""

    name: str
    process: subprocess.Popen
    port: int
    log_path: Path


@dataclass(frozen=True)
class Measurement:
    """One load run against one server."""

    scenario: str
    backend: str
    server: str
    seconds: float
    result: LoadResult
    server_cpu: float
    machine_busy: float

    @property
    def rps(self) -> float:
        """Successful responses per second inside the window."""
        return self.result.ok / self.seconds

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank latency percentile in milliseconds."""
        values = sorted(self.result.latencies)
        if not values:
            return float("nan")
        index = min(len(values) - 1, max(0, math.ceil(pct / 100 * len(values)) - 1))
        return values[index] * 1000

    @property
    def errors(self) -> int:
        """Requests that failed or got an invalid answer."""
        return sum(self.result.errors.values())

    def client_us_per_request(self) -> float:
        """Client CPU microseconds per completed request."""
        done = self.result.ok + self.errors
        return self.result.cpu_seconds / done * 1e6 if done else float("nan")


# --- databases ---------------------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory (the engine turns WAL on), removed afterwards."""
    from app.migrate import upgrade

    directory = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    try:
        url = f"sqlite:///{directory / 'linli.sqlite3'}"
        upgrade(url)
        _force_wal(directory / "linli.sqlite3")
        yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _force_wal(path: Path) -> None:
    import sqlite3

    # WAL is a property of the file; set it once so the first workers do not race to switch it.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


@contextmanager
def postgresql_database(admin_url: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards (even if connections linger)."""
    import psycopg

    from app.migrate import upgrade

    name = f"linli_bench_{os.getpid()}_{random.randrange(10**6)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(backend: str, pg_admin_url: str) -> Iterator[str]:
    """The database URL for a backend, created fresh and cleaned up afterwards."""
    manager = sqlite_database() if backend == "sqlite" else postgresql_database(pg_admin_url)
    with manager as url:
        yield url


# --- servers -----------------------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a server: ours, minus any Linli settings the caller had, plus the bench's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LINLI", "WECHAT_")) and k not in ("DATABASE_URL", "REDIS_URL")}
    return env | SERVER_ENV | {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


@contextmanager
def outbox_workers(count: int, env: dict[str, str], log_dir: Path) -> Iterator[None]:
    """`flask --app app worker` processes beside the web servers (delivery polling + scheduler lease)."""
    processes = []
    try:
        for n in range(count):
            with open(log_dir / f"worker-{n}.log", "wb") as log:
                processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], env=env,
                                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                                  start_new_session=True))
        yield
    finally:
        for process in processes:
            stop(process)


@contextmanager
def gunicorn(name: str, app_spec: str, settings: GunicornSettings, env: dict[str, str],
             log_dir: Path, tree: Path = ROOT) -> Iterator[Server]:
    """Run gunicorn in its own process group; stop the whole group on the way out."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", *settings.args(), "--bind", f"{HOST}:{port}",
               "--chdir", str(tree), "--error-logfile", str(log_path), app_spec]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(name, process, port, log_path)
    try:
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the master (graceful), then SIGKILL its process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group is the master's: workers left behind go too
    process.wait(timeout=5)


def wait_ready(server: Server, expect_reply: bool) -> None:
    """Wait until one signed push gets the expected answer, or fail with the server's log."""
    spec = LoadSpec(HOST, server.port, BENCH_TOKEN, ("你好",), 1, 1, 0, 0, expect_reply, 10**15)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with connect(spec) as sock:
                status, body, _ = exchange(sock, build_request(spec, openid_of(0), "你好", random.randrange(10**15)))
            if status == 200 and (body != b"success") == expect_reply:
                return
            last_error = f"HTTP {status}: {body[:200]!r}"
        except Exception as exc:  # not listening yet, or workers still booting
            last_error = repr(exc)
        time.sleep(0.3)
    tail = server.log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{server.name} did not become ready ({last_error}); log tail:\n{tail}")


# --- CPU accounting ----------------------------------------------------------------------------------------


def process_tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) of a process and its direct children (the gunicorn workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_times() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- one load run ------------------------------------------------------------------------------------------


def measure(server: Server, *, scenario: str, backend: str, args: argparse.Namespace, expect_reply: bool,
            ctx) -> Measurement:
    """Warm up, then drive a server for the window; return what the clients and /proc saw."""
    start = time.time() + CLIENT_START_SLACK + args.warmup
    until = start + args.seconds
    threads = split(args.concurrency, args.client_procs)
    results: queue_module.Queue = ctx.Queue()
    base = random.randrange(10**16, 9 * 10**16)
    processes = []
    for n, count in enumerate(threads):
        spec = LoadSpec(HOST, server.port, BENCH_TOKEN, SCENARIOS[scenario], args.openids, count, start, until,
                        expect_reply, base + n * 10**11)
        processes.append(ctx.Process(target=run_process, args=(spec, results), daemon=True))
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
                process.join(timeout=5)
    return Measurement(scenario, backend, server.name.split("-")[0], args.seconds, total, server_cpu, busy)


def sample_window(server: Server, start: float, until: float) -> tuple[float, float]:
    """Server CPU (cores used) and machine busy fraction over [start, until]."""
    time.sleep(max(0.0, start - time.time()))
    cpu0, (busy0, total0) = process_tree_cpu(server.process.pid), machine_times()
    time.sleep(max(0.0, until - time.time()))
    cpu1, (busy1, total1) = process_tree_cpu(server.process.pid), machine_times()
    return (cpu1 - cpu0) / (until - start), (busy1 - busy0) / max(1, total1 - total0)


def split(total: int, parts: int) -> list[int]:
    """Spread `total` client connections over at most `parts` processes."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


# --- report ------------------------------------------------------------------------------------------------

HEADER = (f"{'scenario':<8} {'backend':<10} {'server':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'srv cores':>9} {'cli us/req':>10} {'busy':>5} {'ratio':>6}")


def row(m: Measurement, ratio: float | None) -> str:
    """One table line."""
    ratio_text = f"{ratio:6.2f}" if ratio is not None else f"{'':>6}"
    return (f"{m.scenario:<8} {m.backend:<10} {m.server:<8} {m.rps:8.0f} {m.percentile_ms(50):8.1f} "
            f"{m.percentile_ms(99):8.1f} {m.errors:7d} {m.server_cpu:9.2f} {m.client_us_per_request():10.0f} "
            f"{m.machine_busy:5.0%} {ratio_text}")


def verdict(bare: Measurement, hook: Measurement) -> str:
    """Whether a webhook run met the issue's targets."""
    ratio = hook.rps / bare.rps if bare.rps else 0.0
    checks = [f"ratio {ratio:.2f} {'>=' if ratio >= TARGET_RATIO else '<'} {TARGET_RATIO}",
              f"p99 {hook.percentile_ms(99):.0f} ms {'<' if hook.percentile_ms(99) < TARGET_P99_MS else '>='} "
              f"{TARGET_P99_MS:.0f}", f"errors {hook.errors}"]
    met = ratio >= TARGET_RATIO and hook.percentile_ms(99) < TARGET_P99_MS and hook.errors == 0
    return f"{'MET' if met else 'NOT MET':<8} {hook.scenario}/{hook.backend}: " + ", ".join(checks)


def print_preamble(args: argparse.Namespace, settings: GunicornSettings) -> None:
    """Machine, settings and load shape, so a figure can be read in context."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores ({affinity} usable), load average {load}, "
          f"Python {platform.python_version()}, {platform.platform()}")
    print(f"servers: {settings.describe()}")
    print(f"clients: {args.concurrency} keep-alive connections in {min(args.client_procs, args.concurrency)} "
          f"processes, closed loop, {args.openids} openids, warm-up {args.warmup:g} s, window {args.seconds:g} s")
    print("note: server, database and load generator share the same cores; 'srv cores' is gunicorn's CPU use,")
    print("      'cli us/req' the generator's CPU per request, 'busy' the whole machine (PostgreSQL included).")
    print("      req/s counts valid answers only; latencies include every completed response.")
    print(flush=True)


# --- main --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options, bounded so a run cannot go on for long."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring window per run (1-120)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up before each window (0-30)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections (1-256)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread",
                        help="gunicorn worker class (sync: one request at a time per worker)")
    parser.add_argument("--outbox-workers", type=int, default=0,
                        help="also run this many `flask --app app worker` processes (outbox + scheduler)")
    parser.add_argument("--client-procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--openids", type=int, default=5000, help="distinct senders")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--keep-logs", action="store_true", help="keep the gunicorn logs and print where they are")
    parser.add_argument("--redis-url", default="",
                        help="give the webhook Redis (locks, dedup fast path); off by default")
    parser.add_argument("--switch-interval-ms", type=float, default=None,
                        help="set the workers' GIL switch interval (both servers; Python's default is 5 ms)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout of the project (e.g. the previous commit): its webhook is measured "
                             "too, right before this tree's, as server 'compare'")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        parser.error(f"unknown scenarios: {unknown}")
    if not (1 <= args.seconds <= 120 and 0 <= args.warmup <= 30 and 1 <= args.concurrency <= 256
            and 1 <= args.workers <= 16 and 1 <= args.threads <= 64 and 1 <= args.client_procs <= 16
            and 0 <= args.outbox_workers <= 8):
        parser.error("an option is out of its bounds (see --help)")
    args.scenario_list = scenarios
    return args


def run_backend(backend: str, args: argparse.Namespace, settings: GunicornSettings, ctx,
                log_dir: Path) -> list[tuple[Measurement, Measurement]]:
    """Fresh database, both servers, every scenario: bare then webhook, back to back so noise hits both alike."""
    pairs = []
    with ExitStack() as stack:
        url = stack.enter_context(database(backend, args.pg_admin_url))
        env = server_env(url, args.redis_url) | settings.env()
        bare = stack.enter_context(gunicorn(f"bare-{backend}", "bench.bare_app:create_app()", settings, env, log_dir))
        hook = stack.enter_context(gunicorn(f"webhook-{backend}", "app:create_app()", settings, env, log_dir))
        stack.enter_context(outbox_workers(args.outbox_workers, env, log_dir))
        other = None
        if args.compare:
            other = stack.enter_context(gunicorn(f"compare-{backend}", "app:create_app()", settings, env, log_dir,
                                                 tree=args.compare.resolve()))
            wait_ready(other, expect_reply=True)
        wait_ready(bare, expect_reply=False)
        wait_ready(hook, expect_reply=True)
        for scenario in args.scenario_list:
            base = measure(bare, scenario=scenario, backend=backend, args=args, expect_reply=False, ctx=ctx)
            print(row(base, None), flush=True)
            if other is not None:
                old = measure(other, scenario=scenario, backend=backend, args=args, expect_reply=True, ctx=ctx)
                print(row(old, old.rps / base.rps if base.rps else 0.0), flush=True)
            real = measure(hook, scenario=scenario, backend=backend, args=args, expect_reply=True, ctx=ctx)
            print(row(real, real.rps / base.rps if base.rps else 0.0), flush=True)
            for m in (base, real):
                if m.result.errors:
                    print(f"         {m.server} errors: {m.result.errors}; first: {m.result.samples}", flush=True)
            pairs.append((base, real))
    return pairs


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; 0 when every target was met."""
    args = parse_args(argv)
    settings = GunicornSettings(workers=args.workers, threads=args.threads, worker_class=args.worker_class,
                                switch_interval_ms=args.switch_interval_ms)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    # Spawn, not fork: the clients must not inherit this process's engines, threads or sockets.
    ctx = multiprocessing.get_context("spawn")
    # SIGTERM takes the same clean-up path as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    print_preamble(args, settings)
    print(HEADER, flush=True)
    log_dir = Path(tempfile.mkdtemp(prefix="linli-bench-logs-"))
    pairs: list[tuple[Measurement, Measurement]] = []
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
    for bare, hook in pairs:
        print(verdict(bare, hook))
    return 0 if all(verdict(b, h).startswith("MET") for b, h in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
