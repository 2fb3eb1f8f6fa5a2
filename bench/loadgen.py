"""Closed-loop HTTP load generator for bench/webhook.py: signed WeChat text pushes over keep-alive sockets.

Each client process runs a few threads; each thread owns one keep-alive
connection and sends one request at a time (a closed loop, like WeChat's
servers waiting for our answer). Raw sockets instead of http.client or
requests keep the client's CPU cost per request small, because client and
server share the same two cores. Several processes are used so one
generator's GIL cannot cap the request rate.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from defusedxml.ElementTree import fromstring

from app.web.wechat_xml import signature

ACCOUNT = "gh_linli_bench"
SOCKET_TIMEOUT = 10.0
# Fully parse the first few replies of each thread; the rest get a cheap byte check.
FULL_CHECKS_PER_THREAD = 5
REPLY_MARK = b"<MsgType><![CDATA[text]]></MsgType>"


class ProtocolError(Exception):
    """The server's answer was not a complete HTTP/1.1 response we can read."""


@dataclass(frozen=True)
class LoadSpec:
    """What one client process does; times are epoch seconds so processes agree."""

    host: str
    port: int
    token: str
    sentences: tuple[str, ...]
    openids: int
    threads: int
    measure_from: float
    measure_until: float
    expect_reply: bool
    msg_id_base: int


@dataclass
class LoadResult:
    """What one thread or process saw inside the measuring window."""

    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    samples: list[str] = field(default_factory=list)

    def add_error(self, kind: str, body: bytes = b"") -> None:
        """Count one failed request by kind, keeping the first few bodies for the report."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.samples) < 3:
            self.samples.append(f"{kind}: {body[:160]!r}")

    def merge(self, other: LoadResult) -> None:
        """Fold another result into this one."""
        self.ok += other.ok
        self.latencies.extend(other.latencies)
        self.cpu_seconds += other.cpu_seconds
        self.samples.extend(other.samples[:max(0, 3 - len(self.samples))])
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count


def openid_of(n: int) -> str:
    """A 28-character openid-like string, as WeChat's are."""
    return f"oBench{n:022d}"


def build_request(spec: LoadSpec, openid: str, sentence: str, msg_id: int) -> bytes:
    """A freshly signed plain-mode text push, as raw HTTP/1.1 bytes."""
    timestamp = str(int(time.time()))
    nonce = str(random.randint(10**8, 10**9))
    query = urlencode({"signature": signature(spec.token, timestamp, nonce), "timestamp": timestamp,
                       "nonce": nonce, "openid": openid})
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{sentence}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()
    head = (f"POST /wechat?{query} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode("ascii")
    return head + body


def exchange(sock: socket.socket, request: bytes) -> tuple[int, bytes, bool]:
    """Send one request and read one response: (status, body, connection stays open)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ProtocolError("connection closed before the headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    if b"content-length" not in headers:
        raise ProtocolError("no Content-Length")
    length = int(headers[b"content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ProtocolError("connection closed inside the body")
        body += chunk
    return status, body[:length], headers.get(b"connection", b"").lower() != b"close"


def body_is_valid(body: bytes, openid: str, expect_reply: bool, full: bool) -> bool:
    """The bare app must say 'success'; the webhook must send a passive text reply to the sender."""
    if not expect_reply:
        return body == b"success"
    if not body.startswith(b"<xml>") or REPLY_MARK not in body:
        return False
    if not full:
        return f"<ToUserName><![CDATA[{openid}]]></ToUserName>".encode() in body
    root = fromstring(body)
    return (root.findtext("ToUserName") == openid and root.findtext("MsgType") == "text"
            and bool((root.findtext("Content") or "").strip()))


def connect(spec: LoadSpec) -> socket.socket:
    """Open one keep-alive connection with Nagle off (small requests must not wait for ACKs)."""
    sock = socket.create_connection((spec.host, spec.port), timeout=SOCKET_TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def client_loop(spec: LoadSpec, thread_no: int, result: LoadResult) -> None:
    """Send requests back to back until the window closes; record those that finish inside it."""
    rng = random.Random(spec.msg_id_base + thread_no)
    sock: socket.socket | None = None
    sent, full_checks = 0, 0
    while time.time() < spec.measure_until:
        openid = openid_of(rng.randrange(spec.openids))
        # Distinct MsgIds across threads and processes: each thread owns a block of 10**8.
        request = build_request(spec, openid, rng.choice(spec.sentences), spec.msg_id_base + thread_no * 10**8 + sent)
        sent += 1
        started = time.perf_counter()
        try:
            sock = sock or connect(spec)
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
        now = time.time()
        if not spec.measure_from <= now <= spec.measure_until:
            continue
        full = full_checks < FULL_CHECKS_PER_THREAD
        full_checks += full
        if status != 200:
            result.add_error(f"http {status}", body)
        elif not _safe_valid(body, openid, spec.expect_reply, full):
            result.add_error("bad body", body)
        else:
            result.ok += 1
        result.latencies.append(elapsed)
    if sock is not None:
        sock.close()


def _safe_valid(body: bytes, openid: str, expect_reply: bool, full: bool) -> bool:
    try:
        return body_is_valid(body, openid, expect_reply, full)
    except Exception:  # an unparsable body is just an invalid reply here
        return False


def _cpu_now() -> float:
    times = os.times()
    return times.user + times.system


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def run_process(spec: LoadSpec, queue) -> None:
    """Entry point of one client process: run the threads, put a LoadResult on the queue."""
    # Ctrl-C is the parent's business: it stops us; the window bounds our run anyway.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    results = [LoadResult() for _ in range(spec.threads)]
    threads = [threading.Thread(target=client_loop, args=(spec, n, results[n]), daemon=True)
               for n in range(spec.threads)]
    for thread in threads:
        thread.start()
    _sleep_until(spec.measure_from)
    cpu_start = _cpu_now()
    _sleep_until(spec.measure_until)
    cpu_end = _cpu_now()
    for thread in threads:
        thread.join(timeout=SOCKET_TIMEOUT + 5)
    total = LoadResult(cpu_seconds=cpu_end - cpu_start)
    for result in results:
        total.merge(result)
    queue.put(total)
