"""Tencent Cloud's TC3-HMAC-SHA256 check, as the real API does it, for the fake SMS and ASR servers.

Recomputed from the request independently of `app/sms`'s signer: a test passes only if what we send is what
Tencent Cloud would accept.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import UTC, datetime

SIGNATURE_WINDOW = 300
_AUTHORIZATION = re.compile(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
                            r"SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})")


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def refusal(headers: dict, body: bytes, *, action: str, version: str, service: str, secret_id: str,
            secret_key: str) -> tuple[str, str] | None:
    """(error code, message) as Tencent Cloud answers a request it refuses, or None when it is signed right."""
    if headers.get("x-tc-action") != action or headers.get("x-tc-version") != version:
        return "InvalidAction", "unknown action or version"
    found = _AUTHORIZATION.fullmatch(headers.get("authorization", ""))
    if not found:
        return "AuthFailure.InvalidAuthorization", "Authorization header is malformed"
    given_id, date, given_service, signed, signature = found.groups()
    if given_id != secret_id:
        return "AuthFailure.SecretIdNotFound", "the SecretId is not found"
    try:
        timestamp = int(headers.get("x-tc-timestamp", ""))
    except ValueError:
        return "AuthFailure.InvalidAuthorization", "bad X-TC-Timestamp"
    if abs(time.time() - timestamp) > SIGNATURE_WINDOW:
        return "AuthFailure.SignatureExpire", "the signature expired"
    if date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") or given_service != service:
        return "AuthFailure.SignatureFailure", "the credential scope does not match"
    names = signed.split(";")
    if "content-type" not in names or "host" not in names:
        return "AuthFailure.SignatureFailure", "content-type and host must be signed"
    canonical_headers = "".join(
        f"{n}:{headers.get(n, '').strip().lower() if n == 'x-tc-action' else headers.get(n, '').strip()}\n"
        for n in names)
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "AuthFailure.SignatureFailure", "the signature does not match"
    return None
