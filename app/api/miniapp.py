"""The mini-program's own WeChat calls: jscode2session (login) and getuserphonenumber (a verified phone).

Its credentials are WECHAT_MINIAPP_ID / WECHAT_MINIAPP_SECRET, its base URL WECHAT_API_BASE_URL (so the
fake serves it in development and tests). The access token getuserphonenumber needs is the mini-program's
own, kept in the shared token store under its appid.
"""
from __future__ import annotations

import base64
import hashlib
import logging

import requests
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.api.problems import Problem
from app.tokens import TokenStore
from app.wechat_api import WeChatAPI, WeChatAPIError

log = logging.getLogger(__name__)
# errcode -> (HTTP status, problem code). 40029 unknown code, 40163 used, 45011 too frequent, 40226 blocked user.
LOGIN_ERRORS = {40029: (400, "login_code_invalid"), 40163: (400, "login_code_used"),
                45011: (429, "login_too_often"), 40226: (403, "login_blocked")}
PHONE_ERRORS = {40029: (400, "login_code_invalid"), 40163: (400, "login_code_used"),
                45011: (429, "login_too_often")}


class MiniApp:
    """Calls to WeChat on behalf of the mini-program, and the key that keeps its session keys unreadable."""

    def __init__(self, runtime):
        settings = runtime.settings
        self.appid, self.secret = settings["miniapp.app_id"], settings["miniapp.app_secret"]
        self.base_url = settings["wechat.api_base_url"].rstrip("/")
        self.timeout = float(settings["wechat.api_timeout"])
        # Which version of the mini-program a subscription message opens: developer, trial or formal.
        self.state = settings.get("miniapp.subscribe_state") or "formal"
        self.api = WeChatAPI(appid=self.appid, secret=self.secret, base_url=self.base_url, timeout=self.timeout,
                             use_stable_token=bool(settings["wechat.use_stable_token"]))
        self.api.tokens = TokenStore(appid=self.appid, fetch=self.api.fetch_token, engine=runtime.engine,
                                     locks=runtime.locks, clock=runtime.clock,
                                     margin=float(settings["wechat.token_refresh_margin"]), redis=runtime.redis)
        # The session key is encrypted with a key derived from the mini-program's secret: nothing new to keep,
        # and a database dump without the environment reveals no session key.
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"linli-api-session-key",
                       info=b"fernet").derive(self.secret.encode())
        self.fernet = Fernet(base64.urlsafe_b64encode(derived))

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)

    def code2session(self, code: str) -> dict:
        """openid, session_key and maybe unionid for a wx.login code (single use)."""
        params = {"appid": self.appid, "secret": self.secret, "js_code": code, "grant_type": "authorization_code"}
        try:
            data = requests.get(f"{self.base_url}/sns/jscode2session", params=params, timeout=self.timeout).json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("jscode2session failed: %s", type(exc).__name__)
            raise Problem(502) from None
        return _checked(data, LOGIN_ERRORS, "jscode2session", needs="openid")

    def phone_number(self, code: str) -> str:
        """The phone number WeChat verified for a getPhoneNumber code (purePhoneNumber, no country code)."""
        try:
            data = self.api.call("post", f"{self.base_url}/wxa/business/getuserphonenumber", data={"code": code})
        except WeChatAPIError as exc:
            if exc.errcode in PHONE_ERRORS:
                status, problem = PHONE_ERRORS[exc.errcode]
                raise Problem(status, problem) from None
            log.warning("getuserphonenumber failed: %s", exc.errcode)
            raise Problem(502) from None
        info = data.get("phone_info") or {}
        phone = info.get("purePhoneNumber")
        if not isinstance(phone, str) or not phone:
            raise Problem(502)
        return phone

    def send_subscribe(self, touser: str, template_id: str, data: dict[str, str], *, page: str = "") -> dict:
        """A one-time subscription message (subscribe/send, the mini-program's token); WeChatAPIError on refusal."""
        payload = {"touser": touser, "template_id": template_id, "miniprogram_state": self.state, "lang": "zh_CN",
                   "data": {key: {"value": str(value)} for key, value in data.items()}}
        if page:
            payload["page"] = page
        return self.api.call("post", "message/subscribe/send", data=payload)

    def seal(self, session_key: str) -> str:
        return self.fernet.encrypt(session_key.encode()).decode()

    def unseal(self, sealed: str) -> str | None:
        try:
            return self.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None


def _checked(data: dict, errors: dict, what: str, *, needs: str) -> dict:
    errcode = data.get("errcode") or 0
    if errcode in errors:
        status, problem = errors[errcode]
        raise Problem(status, problem)
    if errcode or needs not in data:
        log.warning("%s refused: %s", what, errcode)
        raise Problem(502)
    return data


def miniapp() -> MiniApp:
    """The mini-program client of this app (built on first use)."""
    found = current_app.extensions.get("linli_miniapp")
    if found is None:
        found = current_app.extensions["linli_miniapp"] = MiniApp(current_app.extensions["linli"])
    return found


def openid_digest(openid: str) -> str:
    """A short stable handle for logs (never the openid itself)."""
    return hashlib.sha256(openid.encode()).hexdigest()[:10]
