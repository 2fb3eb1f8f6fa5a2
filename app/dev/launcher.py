"""Run Linli locally with no WeChat account: `python -m app.dev [--port 8000] [--fake-port 8901]`.

Prepares the database (migrations + demo village), then runs the fake WeChat
API, the web server (gunicorn) and the worker as child processes, all pointed
at the fake. Ctrl-C or SIGTERM stops them all; if one dies, all are stopped and
the launcher exits non-zero, so `make run` never leaves half a system running.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

from app.config import PLACEHOLDER_SECRETS, ROOT, ConfigError, Settings, load_settings
from app.logs import configure as configure_logs
from bots.texts import t

log = logging.getLogger("linli.dev")

# Template forms for every push kind, so the sandbox shows pushes to people outside the 48-hour window.
DEV_OVERLAY = Path(__file__).resolve().parent / "dev.yaml"
# The fake logs every request, and the sandbox page polls it every 2 s: keep that out of the console.
FAKE_LOG = ROOT / "instance" / "fake_wechat.log"
LOG_TAIL_LINES = 20
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
POLL = 0.3


def child_name(key: str) -> str:
    """A child's name for the console (fake, web or worker)."""
    return t(f"console_dev_child_{key}")


def role_name(role: str) -> str:
    """A demo persona's role for the console (elder, family, volunteer or admin)."""
    return t(f"console_role_{role}")


@dataclass
class Child:
    """One supervised child process."""

    key: str
    proc: subprocess.Popen
    log_path: Path | None = None

    @property
    def name(self) -> str:
        """The child's name for the console."""
        return child_name(self.key)

    def log_tail(self) -> str:
        """The end of the child's log file, when its output goes to one."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])


class Failure(Exception):
    """Startup or supervision failed; the message is for the console, the code for the exit."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


# --- configuration ----------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m app.dev", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address the web server binds (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="web server port (default 8000)")
    parser.add_argument("--fake-port", type=int, default=None,
                        help="fake WeChat API port (default: dev.fake_wechat_port in config.yaml)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--fake-log", type=Path, default=FAKE_LOG,
                        help=f"file the fake WeChat API logs to (default {FAKE_LOG.relative_to(ROOT)})")
    return parser.parse_args(argv)


def child_env(fake_port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every child runs with: development mode, WeChat API = the fake."""
    env = dict(os.environ if base is None else base)
    env.update(LINLI_ENV="development", WECHAT_API_BASE_URL=f"http://127.0.0.1:{fake_port}",
               PYTHONUNBUFFERED="1")
    env.setdefault("LINLI_CONFIG", str(DEV_OVERLAY))
    return env


def resolve(args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    """Settings as the children will see them, and their environment."""
    probe = load_settings(environ={**os.environ, "LINLI_ENV": "development"})
    if args.fake_port is None:
        args.fake_port = int(probe["dev.fake_wechat_port"])
    env = child_env(args.fake_port)
    return load_settings(environ=env), env


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port yet."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(args: argparse.Namespace) -> None:
    """Fail early with a helpful message instead of a child's bind traceback."""
    for host, port, option in ((args.host, args.port, "--port"), ("127.0.0.1", args.fake_port, "--fake-port")):
        if not port_free(host, port):
            raise Failure(t("console_dev_port_busy", port=port, option=option), code=2)


# --- preparation --------------------------------------------------------------


def flask_command(*words: str) -> list[str]:
    """`flask --app app ...` run with this interpreter (so the virtualenv's packages are used)."""
    return [sys.executable, "-m", "flask", "--app", "app", *words]


def ensure_sqlite_dir(database_url: str) -> None:
    """SQLite creates the file but not its directory; create that."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def prepare_database(settings: Settings, env: dict[str, str], stop: threading.Event) -> None:
    """Apply migrations and seed the demo village (both safe to run again)."""
    print(t("console_dev_preparing", url=_display_url(settings["database_url"])), flush=True)
    ensure_sqlite_dir(settings["database_url"])
    for words in (("db", "upgrade"), ("seed-demo",)):
        command = flask_command(*words)
        failed = subprocess.run(command, env=env, cwd=ROOT).returncode != 0
        if stop.is_set():
            return  # Ctrl-C reached the command too; that is a stop, not a failure
        if failed:
            raise Failure(t("console_dev_prepare_failed", command=" ".join(command[2:])), code=2)


def _display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- children -----------------------------------------------------------------


def commands(args: argparse.Namespace, settings: Settings) -> dict[str, list[str]]:
    """The command line of each child, in start order."""
    return {
        "fake": [sys.executable, "-m", "app.fake_wechat", "--host", "127.0.0.1", "--port", str(args.fake_port),
                 "--appid", settings["wechat.app_id"], "--secret", settings["wechat.app_secret"], "--auto-follow"],
        "web": [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"{args.host}:{args.port}",
                "--graceful-timeout", "5", "--no-control-socket", "app:create_app()"],
        "worker": flask_command("worker"),
    }


def start(key: str, command: list[str], env: dict[str, str], log_path: Path | None = None) -> Child:
    """Start one child in the launcher's process group, so Ctrl-C in a terminal reaches it too."""
    print(t("console_dev_starting", name=child_name(key)), flush=True)
    log.debug("starting %s: %s", key, command)
    if log_path is None:
        return Child(key, subprocess.Popen(command, env=env, cwd=ROOT))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    return Child(key, proc, log_path)


def check_alive(children: list[Child]) -> None:
    """Raise Failure if any child has exited."""
    for child in children:
        code = child.proc.poll()
        if code is not None:
            tail = child.log_tail()
            message = t("console_dev_died", name=child.name, code=code)
            raise Failure(f"{tail}\n{message}" if tail else message)


def answers(url: str) -> bool:
    """True when url answers 200."""
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def wait_ready(child: Child, url: str, children: list[Child], stop: threading.Event) -> None:
    """Wait until url answers, a child dies, a stop is asked for, or the startup timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not stop.is_set():
        check_alive(children)
        if answers(url):
            return
        if time.monotonic() > deadline:
            raise Failure(t("console_dev_not_ready", name=child.name, seconds=int(STARTUP_TIMEOUT)))
        stop.wait(POLL)


def start_all(args: argparse.Namespace, settings: Settings, env: dict[str, str], children: list[Child],
              stop: threading.Event) -> None:
    """Start the fake first (the others call it), then the web server and the worker."""
    plan = commands(args, settings)
    fake_url = f"http://127.0.0.1:{args.fake_port}"
    children.append(start("fake", plan["fake"], env, args.fake_log))
    wait_ready(children[0], f"{fake_url}/_fake/stats", children, stop)
    if stop.is_set():
        return
    children += [start(key, plan[key], env) for key in ("web", "worker")]
    wait_ready(children[1], f"{web_url(args)}/healthz", children, stop)


def web_url(args: argparse.Namespace) -> str:
    """Where a browser on this machine reaches the web server."""
    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    return f"http://{host}:{args.port}"


def supervise(children: list[Child], stop: threading.Event) -> None:
    """Block until a stop is asked for; raise Failure when a child dies first."""
    while not stop.wait(POLL):
        try:
            check_alive(children)
        except Failure:
            # Ctrl-C reaches the children too; one may exit before our handler has run.
            if stop.wait(POLL):
                return
            raise


def stop_all(children: list[Child]) -> None:
    """SIGTERM every child still running, wait, then SIGKILL what is left."""
    for child in children:
        if child.proc.poll() is None:
            child.proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", child.key)
            child.proc.kill()
            child.proc.wait()


# --- console ------------------------------------------------------------------


def banner(args: argparse.Namespace, settings: Settings) -> str:
    """The 'ready' text: what to open, who to play, how to stop."""
    from app.dev.sandbox import personas

    lines = [f"    {role_name(p['role']):<4} {p['openid']:<18} {p['name']}" for p in personas()]
    token = settings["wechat.token"]
    text = t("console_dev_banner",
             base=web_url(args), fake=f"http://127.0.0.1:{args.fake_port}", fake_log=args.fake_log,
             token=token if token in PLACEHOLDER_SECRETS else t("console_dev_token_hidden"),
             database=_display_url(settings["database_url"]), personas="\n".join(lines))
    return f"\n{text}\n"  # a blank line either side sets it apart from the children's logs


def install_signal_handlers(stop: threading.Event) -> None:
    """Turn SIGINT/SIGTERM into a stop request, handled by the main loop."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


def run(args: argparse.Namespace, stop: threading.Event) -> int:
    """Prepare, start, announce and supervise; always stops the children on the way out."""
    settings, env = resolve(args)
    check_ports(args)
    prepare_database(settings, env, stop)
    children: list[Child] = []
    try:
        code = start_and_supervise(args, settings, env, children, stop)
    finally:
        stop_all(children)
        print(t("console_dev_stopped"), flush=True)
    return code


def start_and_supervise(args: argparse.Namespace, settings: Settings, env: dict[str, str],
                        children: list[Child], stop: threading.Event) -> int:
    """Run until a stop is asked for (exit code 0) or something fails (its code)."""
    try:
        if not stop.is_set():
            start_all(args, settings, env, children, stop)
        if not stop.is_set():
            print(banner(args, settings), flush=True)
            supervise(children, stop)
    except Failure as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return exc.code
    print(t("console_dev_stopping"), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m app.dev`; returns the exit code."""
    configure_logs(logging.INFO)
    args = parse_args(argv)
    stop = threading.Event()
    install_signal_handlers(stop)
    try:
        return run(args, stop)
    except ConfigError as exc:
        print(t("console_dev_config_error", error=exc), file=sys.stderr, flush=True)
        return 2
    except Failure as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
