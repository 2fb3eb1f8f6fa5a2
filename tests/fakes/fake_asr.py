"""A fake Tencent Cloud ASR one-sentence recognition API (SentenceRecognition, 2019-06-14), tests only.

Checks requests as the real service does and answers in its shapes: the TC3-HMAC-SHA256 Authorization
recomputed here independently of app/ (a wrong signature answers AuthFailure.SignatureFailure, an old
timestamp AuthFailure.SignatureExpire, an unknown SecretId AuthFailure.SecretIdNotFound), the engine
type, voice format and the audio itself (base64, DataLen, at most 60 s and 3 MB), then
{"Result", "AudioDuration", "WordSize", "WordList", "RequestId"}. What it "hears" is queued by the test
(`hear_next(text)`); errors are HTTP 200 with Response.Error. Faults: `fail_next(code)`, `delay_next(s)`
(a client timeout).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import threading
import time
import uuid
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes import tc3

ENGINES = {"8k_zh", "8k_en", "16k_zh", "16k_zh-PY", "16k_zh_medical", "16k_en", "16k_yue", "16k_zh_dialect"}
FORMATS = {"wav", "pcm", "ogg-opus", "speex", "silk", "mp3", "m4a", "aac", "amr"}
MAX_BYTES = 3 * 1024 * 1024
MAX_MS = 60_000


class FakeTencentAsr:
    """One account's SentenceRecognition: one SecretId/Key."""

    def __init__(self, *, secret_id: str = "AKIDfakeasr", secret_key: str = "fake-asr-secret-0123456789"):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[dict] = []
            self.recognised: list[dict] = []
            self.heard: list[str] = []
            self.faults: list[tuple[str, str]] = []
            self.delays: list[float] = []

    def hear_next(self, *texts: str) -> None:
        """What the next recognitions return, in order (then an empty Result)."""
        with self.lock:
            self.heard += list(texts)

    def fail_next(self, code: str, message: str = "fake fault", times: int = 1) -> None:
        with self.lock:
            self.faults += [(code, message)] * times

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self.lock:
            self.delays += [seconds] * times

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer, pause = fake.handle(dict(self.headers.items()), body)
                if pause:
                    time.sleep(pause)
                data = json.dumps({"Response": answer}, ensure_ascii=False).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away, as a real one does

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, headers: dict, body: bytes) -> tuple[dict, float]:
        headers = {k.lower(): v for k, v in headers.items()}
        request_id = str(uuid.uuid4())
        with self.lock:
            self.requests.append({"headers": headers, "body": body})
            pause = self.delays.pop(0) if self.delays else 0.0
            fault = self.faults.pop(0) if self.faults else None
        refusal = self._authenticate(headers, body)
        if refusal is None and fault is not None:
            refusal = fault
        answer = None
        if refusal is None:
            refusal, answer = self._recognise(json.loads(body))
        if refusal is not None:
            return {"Error": {"Code": refusal[0], "Message": refusal[1]}, "RequestId": request_id}, pause
        return {**(answer or {}), "RequestId": request_id}, pause

    def _authenticate(self, headers: dict, body: bytes) -> tuple[str, str] | None:
        return tc3.refusal(headers, body, action="SentenceRecognition", version="2019-06-14", service="asr",
                           secret_id=self.secret_id, secret_key=self.secret_key)

    def _recognise(self, req: dict) -> tuple[tuple[str, str] | None, dict | None]:
        if any(req.get(k) is None for k in ("EngSerViceType", "SourceType", "VoiceFormat")):
            return ("InvalidParameter.ErrorParamsMissing", "missing parameters"), None
        if req["EngSerViceType"] not in ENGINES:
            return ("InvalidParameterValue.ErrorInvalidEngservice", "EngSerViceType is invalid"), None
        if req["VoiceFormat"] not in FORMATS:
            return ("InvalidParameterValue.ErrorInvalidVoiceFormat", "VoiceFormat is invalid"), None
        if req["SourceType"] != 1:
            return ("InvalidParameterValue.ErrorInvalidSourcetype", "only SourceType 1 is faked"), None
        try:
            audio = base64.b64decode(req.get("Data") or "", validate=True)
        except binascii.Error:
            return ("InvalidParameterValue.ErrorInvalidVoicedata", "Data is not base64"), None
        if not audio or len(audio) != req.get("DataLen"):
            return ("InvalidParameter.ErrorContentlength", "DataLen does not match Data"), None
        if len(audio) > MAX_BYTES:
            return ("InvalidParameterValue.ErrorVoicedataTooLong", "audio longer than 60 s or 3 MB"), None
        duration = self._duration_ms(audio, req["VoiceFormat"])
        if duration is None:
            return ("FailedOperation.ErrorRecognize", "the audio could not be decoded"), None
        if duration > MAX_MS:
            return ("InvalidParameterValue.ErrorVoicedataTooLong", "audio longer than 60 s or 3 MB"), None
        with self.lock:
            text = self.heard.pop(0) if self.heard else ""
            self.recognised.append({"engine": req["EngSerViceType"], "format": req["VoiceFormat"],
                                    "duration_ms": duration, "text": text})
        return None, {"Result": text, "AudioDuration": duration, "WordSize": 0, "WordList": None}

    @staticmethod
    def _duration_ms(audio: bytes, fmt: str) -> int | None:
        if fmt != "wav":
            return len(audio) // 4  # not checked further by the fake
        try:
            with wave.open(io.BytesIO(audio)) as file:
                return file.getnframes() * 1000 // file.getframerate()
        except (wave.Error, EOFError):
            return None
