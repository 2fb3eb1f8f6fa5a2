"""Tencent Cloud SMS (SendSms, API 2021-01-11) over its HTTP API, signed with TC3-HMAC-SHA256.

The request is a JSON POST to https://sms.tencentcloudapi.com/ with the action, version, region and
timestamp in X-TC-* headers and an Authorization header computed from the secret key: a canonical
request (method, path, query, the signed headers content-type, host and x-tc-action, and the SHA-256
of the body) is hashed into a string to sign under the credential scope <UTC date>/sms/tc3_request,
and the key is derived by HMAC-SHA256 chains of "TC3"+SecretKey, the date, the service and
"tc3_request". A success answers Response.SendStatusSet with one entry per number whose Code is "Ok";
a refusal answers Response.Error {Code, Message}. The credentials are TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY from the environment (config keys sms.secret_id / sms.secret_key).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from app.sms import SmsError, SmsReceipt

SERVICE, ACTION, VERSION, ALGORITHM = "sms", "SendSms", "2021-01-11", "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"
# Codes worth another try later: the provider's own trouble and short-term throttles. A daily limit,
# a bad number, a template or signature problem will not change by waiting.
TRANSIENT_CODES = {"RequestLimitExceeded", "LimitExceeded.PhoneNumberThirtySecondLimit",
                   "LimitExceeded.PhoneNumberOneHourLimit", "FailedOperation.FailResolvePacket"}


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret_key: str, *, host: str, action: str, payload: bytes, timestamp: int,
              service: str = SERVICE) -> tuple[str, str]:
    """(credential scope, hex signature) of one POST request under TC3-HMAC-SHA256."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical = "\n".join(["POST", "/", "", headers, SIGNED_HEADERS, _sha256_hex(payload)])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical.encode("utf-8"))])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return scope, hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class TencentSms:
    """One SMS application (SdkAppId) with one approved sign name and notification template."""

    def __init__(self, *, secret_id: str, secret_key: str, sdk_app_id: str, sign_name: str, template_id: str,
                 endpoint: str = "https://sms.tencentcloudapi.com", region: str = "ap-guangzhou",
                 timeout: float = 5.0, clock: Callable[[], float] = time.time):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.sdk_app_id, self.sign_name, self.template_id = sdk_app_id, sign_name, template_id
        self.endpoint, self.region, self.timeout, self.clock = endpoint.rstrip("/") + "/", region, timeout, clock
        self.host = urlsplit(self.endpoint).netloc

    @classmethod
    def from_settings(cls, sms: Mapping) -> TencentSms:
        return cls(secret_id=sms["secret_id"], secret_key=sms["secret_key"], sdk_app_id=str(sms["sdk_app_id"]),
                   sign_name=sms["sign_name"], template_id=str(sms["template_id"]), endpoint=sms["endpoint"],
                   region=sms["region"], timeout=float(sms["timeout"]))

    def send(self, phone: str, params: list[str], *, context: str) -> SmsReceipt:
        """SendSms to one number; SmsError with the provider's code when it did not go."""
        body = {"PhoneNumberSet": [phone], "SmsSdkAppId": self.sdk_app_id, "SignName": self.sign_name,
                "TemplateId": self.template_id, "TemplateParamSet": list(params), "SessionContext": context[:500]}
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        answer = self._post(payload)
        if "Error" in answer:
            code, message = answer["Error"].get("Code", ""), answer["Error"].get("Message", "")
            raise SmsError(code, message, transient=code in TRANSIENT_CODES or code.startswith("InternalError"))
        statuses = answer.get("SendStatusSet") or []
        status = next((s for s in statuses if s.get("PhoneNumber") == phone), statuses[0] if statuses else None)
        if status is None:
            raise SmsError("NoStatus", "the answer listed no number", transient=True)
        if status.get("Code") != "Ok":
            code = status.get("Code", "")
            raise SmsError(code, status.get("Message", ""), transient=code in TRANSIENT_CODES)
        return SmsReceipt(serial=str(status.get("SerialNo", "")))

    def _post(self, payload: bytes) -> dict:
        timestamp = int(self.clock())
        scope, sig = signature(self.secret_key, host=self.host, action=ACTION, payload=payload, timestamp=timestamp)
        headers = {
            "Authorization": f"{ALGORITHM} Credential={self.secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, "
                             f"Signature={sig}",
            "Content-Type": CONTENT_TYPE, "Host": self.host, "X-TC-Action": ACTION, "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp), "X-TC-Region": self.region,
        }
        try:
            response = requests.post(self.endpoint, data=payload, headers=headers, timeout=self.timeout)
        except (requests.ConnectTimeout, requests.ConnectionError) as exc:
            if isinstance(exc, requests.ConnectTimeout) or "NewConnectionError" in repr(exc):
                raise SmsError("ConnectFailed", type(exc).__name__, transient=True) from None
            raise SmsError("NoAnswer", type(exc).__name__, ambiguous=True) from None
        except requests.RequestException as exc:  # a read timeout: the request may have been acted on
            raise SmsError("NoAnswer", type(exc).__name__, ambiguous=True) from None
        if response.status_code >= 500:
            raise SmsError(f"HTTP{response.status_code}", "server error", transient=True)
        try:
            return response.json()["Response"]
        except (ValueError, KeyError, TypeError):
            raise SmsError(f"HTTP{response.status_code}", "unreadable answer", transient=True) from None
