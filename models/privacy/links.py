"""Signed, expiring download links for an export: the token names whose data and who asked, and
when it stops working, under an HMAC; nothing is stored, and the data is read when the link is opened
(so a link opened after erasure returns nothing personal).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.base import as_utc

VALID_FOR = timedelta(hours=24)
_LABEL = b"linli-privacy-export-v1"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: `requester_id` may download `subject_id`'s export until `expires_at`."""

    subject_id: int
    requester_id: int
    expires_at: int  # Unix seconds


def _key(secret: str) -> bytes:
    # A key of its own, derived from the deployment's secret, so a token is useless for anything else.
    return hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, *, subject_id: int, requester_id: int, now: datetime, valid_for: timedelta = VALID_FOR) -> str:
    """A URL-safe token for the export of `subject_id`, valid for 24 hours from `now`."""
    if not secret:
        raise ValueError("a signing secret is needed")
    expires = int((as_utc(now) + valid_for).timestamp())
    body = _b64(json.dumps([subject_id, requester_id, expires], separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def verify(secret: str, token: str, *, now: datetime) -> Grant | None:
    """The grant of a genuine, unexpired token; None for anything else (forged, altered, expired, garbage)."""
    body, _, mac = (token or "").partition(".")
    if not body or not mac or not secret or len(token) > 200:
        return None
    expected = _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        subject_id, requester_id, expires = json.loads(_unb64(body))
        grant = Grant(int(subject_id), int(requester_id), int(expires))
    except (ValueError, TypeError):
        return None
    return grant if as_utc(now).timestamp() < grant.expires_at else None
