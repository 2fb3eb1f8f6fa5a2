"""Time from an emergency message to the first alert WeChat receives, through the real path.

Run from the project root: `.venv/bin/python bench/emergency_latency.py [--runs 20] [--idle-sleep 1.0]`.
A signed push goes through the webhook (Flask test client, SQLite WAL in a temporary directory); a
delivery worker thread drains the outbox as `flask --app app worker` does, sleeping `delivery.idle_sleep`
when idle; the fake WeChat API (HTTP on loopback) records the customer-service send to the family.
Prints the reply time and the time to the first alert, median and worst. Asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app
from app.db import session_scope
from app.delivery import Delivery
from app.fake_wechat import FakeWeChatServer
from app.migrate import upgrade
from bench.api import templates_env
from models.seed import seed_demo
from tests.fakes import pushes
from tests.fakes.pushes import Signer

TOKEN, APP_ID, SECRET = "benchtoken-0123456789", "wxbench0123456789", "benchsecret-0123456789"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
FAMILY, ELDER = "demo-family-1", "demo-elder-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--idle-sleep", type=float, default=1.0, help="worker sleep when idle (config default 1.0)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, FakeWeChatServer(appid=APP_ID, secret=SECRET) as fake:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        app = create_app({"env": "testing", "database_url": url, "log_level": "WARNING",
                          "wechat": {"token": TOKEN, "app_id": APP_ID, "app_secret": SECRET, "aes_key": AES_KEY,
                                     "api_base_url": fake.base_url},
                          "delivery": {"idle_sleep": args.idle_sleep},
                          # Every run is a new emergency, not an update of the previous one.
                          "dispatch": {"emergency_merge_minutes": 0},
                          # As in production (which refuses to start without them): alerts to people whose
                          # 48-hour window has closed go as templates instead of being undeliverable.
                          "templates": json.loads(templates_env()["LINLI__TEMPLATES"])})
        fake.configure(auto_follow=True)
        rt = app.extensions["linli"]
        with session_scope(rt.engine) as session:
            seed_demo(session, now=rt.clock())
        signer, client = Signer(TOKEN, AES_KEY, APP_ID), app.test_client()
        stop = threading.Event()
        worker = threading.Thread(target=Delivery(rt).run, args=(stop,), daemon=True)
        worker.start()
        replies, alerts = [], []
        try:
            for run in range(args.runs):
                reply, alert = one_emergency(client, signer, fake, rt, run)
                replies.append(reply)
                alerts.append(alert)
        finally:
            stop.set()
            worker.join(timeout=5)
            rt.close()
    print(f"runs: {args.runs}, worker idle sleep {args.idle_sleep:.2f} s (SQLite, fake WeChat API on loopback)")
    print(f"webhook reply (120 and who was told): median {statistics.median(replies) * 1000:.0f} ms,"
          f" max {max(replies) * 1000:.0f} ms")
    print(f"message to first alert received by WeChat: median {statistics.median(alerts) * 1000:.0f} ms,"
          f" max {max(alerts) * 1000:.0f} ms")
    return 0


def one_emergency(client, signer, fake, rt, run: int) -> tuple[float, float]:
    # The family has just written to the account: its customer-service window is open, with a fresh quota.
    fake.record_interaction(FAMILY, "message")
    qs, body = signer.sign(pushes.text(FAMILY, "你好"), "safe", timestamp=int(rt.clock().timestamp()))
    client.post(f"/wechat?{qs}", data=body)
    before = len(fake.sent(FAMILY, "custom"))
    qs, body = signer.sign(pushes.text(ELDER, f"救命 我摔倒了起不来 ({run})"), "safe",
                           timestamp=int(rt.clock().timestamp()))
    start = time.perf_counter()
    response = client.post(f"/wechat?{qs}", data=body)
    replied = time.perf_counter() - start
    assert response.status_code == 200
    while len(fake.sent(FAMILY, "custom")) == before:
        if time.perf_counter() - start > 30:
            raise RuntimeError("no alert reached the fake WeChat API in 30 s")
        time.sleep(0.005)
    alerted = time.perf_counter() - start
    time.sleep(0.2)  # let the volunteers' offers go out before the next run
    return replied, alerted


if __name__ == "__main__":
    sys.exit(main())
