"""Mini-program login codes (jscode2session) and downloadable media."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

from .errors import WeChatError

CODE_PREFIX = "code-"
CODE_NONCE_SEP = ":"
PHONE_PREFIX = "phone-"
MEDIA_PREFIX = "media-"
AMR_HEADER = b"#!AMR\n"


def mini_openid(appid: str, user: str) -> str:
    """Return the stable 28-character mini-program openid of a fake user."""
    digest = hashlib.sha256(f"{appid}:mini:{user}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def code_user(code: str) -> str:
    """Return the user part of a code "code-<user>[:<nonce>]"."""
    return code[len(CODE_PREFIX):].split(CODE_NONCE_SEP, 1)[0]


@dataclass
class LoginCodes:
    """Accepts any code "code-<user>[:<nonce>]" exactly once."""

    used: set[str] = field(default_factory=set)
    # Phone numbers of fake users for getuserphonenumber: user -> number; codes "phone-<user>[:<nonce>]".
    phones: dict[str, str] = field(default_factory=dict)
    # Users WeChat blocked from logging in (40226) and a per-user login burst limit (45011) when set.
    blocked: set[str] = field(default_factory=set)

    def redeem(self, appid: str, code: str | None) -> tuple[str, str]:
        """Return (openid, session_key) for a fresh code; 40029 unknown, 40163 reused."""
        if not code or not code.startswith(CODE_PREFIX) or not code_user(code):
            raise WeChatError(40029)
        if code in self.used:
            raise WeChatError(40163)
        if code_user(code) in self.blocked:
            raise WeChatError(40226)
        self.used.add(code)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        return mini_openid(appid, code_user(code)), session_key

    def phone(self, code: str | None) -> dict:
        """getuserphonenumber's phone_info for a fresh code "phone-<user>"; 40029 unknown, 40163 reused."""
        if not code or not code.startswith(PHONE_PREFIX):
            raise WeChatError(40029)
        user = code[len(PHONE_PREFIX):].split(CODE_NONCE_SEP, 1)[0]
        if user not in self.phones:
            raise WeChatError(40029)
        if code in self.used:
            raise WeChatError(40163)
        self.used.add(code)
        number = self.phones[user]
        return {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86",
                "watermark": {"timestamp": 0, "appid": ""}}


# Temporary media (a voice message's audio among them) lives three days on WeChat's side.
MEDIA_LIFETIME = 3 * 86400


@dataclass
class MediaStore:
    """Media files the fake can hand out through /cgi-bin/media/get."""

    files: dict[str, tuple[bytes, str, float | None]] = field(default_factory=dict)

    def add(self, media_id: str, content: bytes, content_type: str = "audio/amr", at: float | None = None) -> None:
        """Register a media file under an id, uploaded at `at` (None: never expires)."""
        self.files[media_id] = (content, content_type, at)

    def get(self, media_id: str | None, now: float | None = None) -> tuple[bytes, str]:
        """Return (content, content_type); ids "media-*" exist implicitly; unknown or expired ids 40007."""
        if media_id in self.files:
            content, content_type, at = self.files[media_id]
            if at is not None and now is not None and now >= at + MEDIA_LIFETIME:
                raise WeChatError(40007)
            return content, content_type
        if media_id and media_id.startswith(MEDIA_PREFIX):
            # Looks like an AMR voice note so download code sees plausible bytes.
            return AMR_HEADER + hashlib.sha256(media_id.encode()).digest(), "audio/amr"
        raise WeChatError(40007)
