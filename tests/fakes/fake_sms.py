"""A fake Tencent Cloud SMS API (SendSms, 2021-01-11) on loopback, for tests only.

It checks requests the way the real service does and answers in its shapes: the TC3-HMAC-SHA256
Authorization header recomputed here independently of app/sms/tencent.py (a wrong signature answers
AuthFailure.SignatureFailure, an old timestamp AuthFailure.SignatureExpire, an unknown SecretId
AuthFailure.SecretIdNotFound), the application, sign name and template, each number's format
(InvalidParameterValue.IncorrectPhoneNumber) and the 30-second limit per number
(LimitExceeded.PhoneNumberThirtySecondLimit) in SendStatusSet; errors are HTTP 200 with
Response.Error. Faults: `fail_next(code)` answers the next request with an error, `delay_next(s)`
holds the answer (a client timeout).
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes import tc3

PER_NUMBER_SECONDS = 30


class FakeTencentSms:
    """The SMS service of one account: one SecretId/Key, one SdkAppId, approved signs and templates."""

    def __init__(self, *, secret_id: str = "AKIDfaketest", secret_key: str = "fake-secret-key-0123456789",
                 sdk_app_id: str = "1400000001", sign_names=("邻里互助",), template_ids=("2000001",)):
        self.secret_id, self.secret_key, self.sdk_app_id = secret_id, secret_key, sdk_app_id
        self.sign_names, self.template_ids = set(sign_names), set(template_ids)
        self.lock = threading.Lock()
        self.reset()
        self.server: ThreadingHTTPServer | None = None

    # --- control ---------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.sent: list[dict] = []
            self.requests: list[dict] = []
            self.faults: list[tuple[str, str]] = []
            self.delays: list[float] = []
            self.last_sent_at: dict[str, float] = {}

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
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # --- the service -------------------------------------------------------------

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
        if refusal is None:
            refusal, statuses = self._send(json.loads(body))
        if refusal is not None:
            return {"Error": {"Code": refusal[0], "Message": refusal[1]}, "RequestId": request_id}, pause
        return {"SendStatusSet": statuses, "RequestId": request_id}, pause

    def _authenticate(self, headers: dict, body: bytes) -> tuple[str, str] | None:
        return tc3.refusal(headers, body, action="SendSms", version="2021-01-11", service="sms",
                           secret_id=self.secret_id, secret_key=self.secret_key)

    def _send(self, req: dict) -> tuple[tuple[str, str] | None, list[dict]]:
        if req.get("SmsSdkAppId") != self.sdk_app_id:
            return ("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId does not exist"), []
        if req.get("SignName") not in self.sign_names:
            return ("FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved"), []
        if req.get("TemplateId") not in self.template_ids:
            return ("FailedOperation.TemplateIncorrectOrUnapproved", "template not approved"), []
        phones = req.get("PhoneNumberSet")
        params = req.get("TemplateParamSet") or []
        if not isinstance(phones, list) or not 1 <= len(phones) <= 200:
            return ("InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet"), []
        if not all(isinstance(p, str) and p for p in params):
            return ("InvalidParameterValue.TemplateParameterFormatError", "empty template parameter"), []
        statuses = []
        for phone in phones:
            statuses.append(self._one(str(phone), req, params))
        return None, statuses

    def _one(self, phone: str, req: dict, params: list[str]) -> dict:
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": req.get("SessionContext", ""),
                  "Code": "Ok", "Message": "send success", "IsoCode": "CN"}
        now = time.time()
        with self.lock:
            if not re.fullmatch(r"\+861[3-9]\d{9}", phone):
                status.update(Code="InvalidParameterValue.IncorrectPhoneNumber", Message="incorrect phone number")
            elif now - self.last_sent_at.get(phone, -1e9) < PER_NUMBER_SECONDS:
                status.update(Code="LimitExceeded.PhoneNumberThirtySecondLimit",
                              Message="the number received an SMS within 30 seconds")
            else:
                serial = uuid.uuid4().hex
                status.update(SerialNo=serial, Fee=1)
                self.last_sent_at[phone] = now
                self.sent.append({"phone": phone, "params": list(params), "template_id": req["TemplateId"],
                                  "sign_name": req["SignName"], "serial": serial})
        return status
