"""`python -m app.dev`: a whole local Linli on SQLite, answering WeChat pushes, stopped cleanly."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from defusedxml.ElementTree import fromstring

from app.web.wechat_xml import signature
from tests.fakes import pushes

pytest.importorskip("gunicorn")

ROOT = Path(__file__).resolve().parent.parent
DEV_TOKEN = "linli-dev-token"  # config.yaml's default
START_TIMEOUT = 60
STOP_TIMEOUT = 15
# Settings from the developer's shell must not leak into the launcher under test.
SCRUBBED = ("WECHAT_", "LINLI_", "DATABASE_URL", "REDIS_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launcher_env(db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    return env


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"launcher exited early:\n{log.read_text(errors='replace')}"
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {START_TIMEOUT}s:\n{log.read_text(errors='replace')}")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def signed_post(base: str, fields: dict) -> requests.Response:
    timestamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
    query = {"signature": signature(DEV_TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return requests.post(f"{base}/wechat", params=query, data=pushes.xml_of(fields).encode("utf-8"),
                         headers={"Content-Type": "text/xml"}, timeout=10)


@pytest.fixture
def launcher(tmp_path):
    """A running `python -m app.dev` in its own process group; killed hard if a test leaves it."""
    port, log = free_port(), tmp_path / "launcher.log"
    command = [sys.executable, "-m", "app.dev", "--port", str(port), "--fake-port", str(free_port()),
               "--fake-log", str(tmp_path / "fake_wechat.log")]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=launcher_env(tmp_path / "linli.sqlite3"), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    yield proc, f"http://127.0.0.1:{port}", log
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)


@pytest.mark.slow
def test_launcher_runs_everything_and_stops_cleanly(launcher):
    proc, base, log = launcher
    wait_for(f"{base}/healthz", proc, log)

    response = signed_post(base, pushes.text("demo-elder-1", "你好"))
    assert response.status_code == 200
    assert "您好" in fromstring(response.text).findtext("Content")

    page = requests.get(f"{base}/sandbox", timeout=10)
    assert page.status_code == 200 and "王秀英" in page.text
    sent = requests.post(f"{base}/sandbox/send", json={"openid": "demo-elder-2", "type": "text", "content": "你好"},
                         timeout=10).json()
    assert "您好" in sent["reply"]
    pushes_seen = requests.get(f"{base}/sandbox/pushes", params={"openid": "demo-elder-2"}, timeout=10)
    assert pushes_seen.json() == [] and "X-Sandbox-Note" not in pushes_seen.headers  # the fake answered

    deadline = time.monotonic() + STOP_TIMEOUT
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=STOP_TIMEOUT) == 0, log.read_text(errors="replace")
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(proc.pid), "a child of the launcher outlived it"
