"""Load settings: config.yaml defaults, an optional LINLI_CONFIG file, the environment, overrides."""
from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from app.delivery_checks import check_message_delivery
from models.timebank.policy import timebank_policy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yaml"

# The names operators and the independent test client rely on; keep them exact.
ENV_KEYS: dict[str, str] = {
    "WECHAT_TOKEN": "wechat.token",
    "WECHAT_APP_ID": "wechat.app_id",
    "WECHAT_APP_SECRET": "wechat.app_secret",
    "WECHAT_AES_KEY": "wechat.aes_key",
    "WECHAT_API_BASE_URL": "wechat.api_base_url",
    "WECHAT_MINIAPP_ID": "miniapp.app_id",
    "WECHAT_MINIAPP_SECRET": "miniapp.app_secret",
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "LINLI_ADMIN_OPENIDS": "admin_openids",
    "LINLI_ENV": "env",
    "LINLI_TIMEZONE": "timezone",
    "LINLI_LOG_LEVEL": "log_level",
    "TENCENTCLOUD_SECRET_ID": "sms.secret_id",
    "TENCENTCLOUD_SECRET_KEY": "sms.secret_key",
}
# Any other key: LINLI__SECTION__KEY=value (e.g. LINLI__WEBHOOK__TIME_BUDGET=2.5).
GENERIC_PREFIX = "LINLI__"
PLACEHOLDER_SECRETS = {"linli-dev-token", "linli-dev-secret", "changeme", ""}
# A secret shorter than this, or containing one of these, is a placeholder someone forgot to replace.
MIN_SECRET_LENGTH = 16
PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "placeholder", "example", "linli-dev", "xxxxxx")
DEMO_APP_ID = "wxlinlidemo00000"
ENVIRONMENTS = {"development", "testing", "production"}


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message names the key."""


class Settings:
    """Read-only view of the merged configuration with dotted-key access."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def get(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted key such as 'webhook.time_budget'."""
        node: Any = self._data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def __getitem__(self, dotted: str) -> Any:
        sentinel = object()
        value = self.get(dotted, sentinel)
        if value is sentinel:
            raise KeyError(dotted)
        return value

    def as_dict(self) -> dict[str, Any]:
        """Return a deep copy of the whole configuration."""
        return copy.deepcopy(self._data)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self["timezone"])

    @property
    def is_dev(self) -> bool:
        return self["env"] in ("development", "testing")

    @property
    def serves_dev_tools(self) -> bool:
        """The sandbox is served only where someone explicitly asked for development (never by default)."""
        return self["env"] == "development"


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge defaults, LINLI_CONFIG, environment and overrides, then validate."""
    environ = os.environ if environ is None else environ
    defaults = _read_yaml(DEFAULT_CONFIG)
    data = copy.deepcopy(defaults)
    extra = environ.get("LINLI_CONFIG")
    if extra:
        _deep_merge(data, _read_yaml(Path(extra)))
    for name, value in environ.items():
        dotted = _env_to_dotted(name)
        if dotted:
            _set_dotted(data, dotted, _coerce(dotted, value, _lookup(defaults, dotted)))
    for dotted, value in _flatten_overrides(overrides or {}):
        _set_dotted(data, dotted, value)
    _fill_derived(data)
    _validate(data, defaults)
    return Settings(data)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"LINLI_CONFIG: file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"LINLI_CONFIG: {path} is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"LINLI_CONFIG: {path} must hold a mapping of keys")
    return loaded


def _deep_merge(base: dict, extra: Mapping) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def _env_to_dotted(name: str) -> str | None:
    if name in ENV_KEYS:
        return ENV_KEYS[name]
    if name.startswith(GENERIC_PREFIX):
        return ".".join(part.lower() for part in name[len(GENERIC_PREFIX):].split("__"))
    return None


def _lookup(data: Mapping, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: {part} is not a section")
    node[parts[-1]] = value


def _flatten_overrides(overrides: Mapping[str, Any], prefix: str = ""):
    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not dotted.startswith("templates"):
            yield from _flatten_overrides(value, dotted + ".")
        else:
            yield dotted, value


def _coerce(dotted: str, raw: str, default: Any) -> Any:
    """Turn an environment string into the type of the key's default."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{dotted}: expected true/false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{dotted}: expected an integer, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{dotted}: expected a number, got {raw!r}") from None
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(default, dict):
        loaded = yaml.safe_load(raw)
        if not isinstance(loaded, dict):
            raise ConfigError(f"{dotted}: expected a YAML mapping")
        return loaded
    return raw


def _fill_derived(data: dict) -> None:
    # One Tencent Cloud account (TENCENTCLOUD_SECRET_ID / _KEY) serves SMS and speech recognition alike.
    tencent = data.get("speech", {}).get("tencent", {})
    for name in ("secret_id", "secret_key"):
        if not tencent.get(name):
            tencent[name] = data.get("sms", {}).get(name, "")
    if not data.get("database_url"):
        data["database_url"] = f"sqlite:///{ROOT / 'instance' / 'linli.sqlite3'}"
    if isinstance(data.get("admin_openids"), str):
        data["admin_openids"] = [s.strip() for s in data["admin_openids"].split(",") if s.strip()]


def _validate(data: dict, defaults: dict) -> None:
    _check_types(data, defaults, "")
    if data["env"] not in ENVIRONMENTS:
        raise ConfigError(f"env: must be one of {sorted(ENVIRONMENTS)}, got {data['env']!r}")
    try:
        ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: unknown timezone {data['timezone']!r}") from None
    wechat = data["wechat"]
    if not wechat.get("token"):
        raise ConfigError("wechat.token (WECHAT_TOKEN): required")
    aes_key = wechat.get("aes_key") or ""
    if aes_key and not re.fullmatch(r"[A-Za-z0-9]{43}", aes_key):
        raise ConfigError("wechat.aes_key (WECHAT_AES_KEY): must be 43 letters or digits")
    if aes_key and not wechat.get("app_id"):
        raise ConfigError("wechat.app_id (WECHAT_APP_ID): required when an AES key is set")
    if not re.match(r"^https?://", wechat.get("api_base_url") or ""):
        raise ConfigError("wechat.api_base_url (WECHAT_API_BASE_URL): must start with http:// or https://")
    if data["env"] == "production":
        _check_production_secrets(wechat)
    _check_message_delivery(data)
    try:
        timebank_policy(data)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for key in ("webhook.time_budget", "webhook.max_body_bytes", "webhook.timestamp_window", "wechat.api_timeout",
                "database.sqlite_busy_timeout", "database.health_threshold"):
        if _lookup(data, key) <= 0:
            raise ConfigError(f"{key}: must be positive")
    for key in ("database.statement_timeout", "database.lock_timeout", "webhook.stall_retry"):
        if _lookup(data, key) < 0:
            raise ConfigError(f"{key}: must not be negative")


def _check_message_delivery(data: dict) -> None:
    """Templates typed, SMS complete, and in production a template for every critical push (app/delivery_checks.py)."""
    try:
        check_message_delivery(data)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _check_production_secrets(wechat: dict) -> None:
    for key, env in (("token", "WECHAT_TOKEN"), ("app_secret", "WECHAT_APP_SECRET")):
        if placeholder_like(wechat.get(key) or ""):
            raise ConfigError(f"wechat.{key} ({env}): set a real value in production (at least "
                              f"{MIN_SECRET_LENGTH} characters, not a placeholder)")
    if wechat.get("aes_key") and placeholder_like(wechat["aes_key"]):
        raise ConfigError("wechat.aes_key (WECHAT_AES_KEY): set the EncodingAESKey generated in the WeChat console")
    if wechat.get("app_id") in PLACEHOLDER_SECRETS or wechat.get("app_id") == DEMO_APP_ID:
        raise ConfigError("wechat.app_id (WECHAT_APP_ID): set a real value in production")


def placeholder_like(secret: str) -> bool:
    """A value nobody would choose as a real secret: the dev defaults, 'a', 'changeme', anything short."""
    lowered = secret.strip().lower()
    return (secret in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH or len(set(lowered)) <= 2
            or any(marker in lowered for marker in PLACEHOLDER_MARKERS))


def production_warnings(settings: Settings) -> list[str]:
    """What an operator must hear at production start-up: settings that leave the webhook forgeable."""
    if settings["env"] != "production":
        return []
    warnings = _missing_contacts(settings)
    if not settings["wechat.aes_key"]:
        warnings.append("WECHAT_AES_KEY is not set: in plain mode WeChat signs only the URL, so message bodies "
                        "cannot be authenticated (anyone holding one signed URL can forge pushes for its 5 minutes). "
                        "Generate the EncodingAESKey in the WeChat console, set it, "
                        "and switch the account to safe mode.")
    elif settings["wechat.accept_plain"]:
        warnings.append("!!! INSECURE: wechat.accept_plain (LINLI__WECHAT__ACCEPT_PLAIN) is on: plain pushes are "
                        "accepted although WECHAT_AES_KEY is set, so anyone holding one signed URL can forge a message "
                        "from any user, coordinators included. Turn it off as soon as the account is in safe mode. !!!")
    return warnings


def _missing_contacts(settings: Settings) -> list[str]:
    # An emergency reply gives 120/119 always; the village's own numbers only when they are configured.
    contacts = (("coordinator_phone", "coordinator"), ("doctor_phone", "village doctor"))
    return [f"contacts.{key} (LINLI__CONTACTS__{key.upper()}) is empty: emergency replies will not give "
            f"the {what}'s number" for key, what in contacts if not settings.get(f"contacts.{key}")]


def _check_types(data: Any, defaults: Any, prefix: str) -> None:
    if not isinstance(defaults, dict):
        return
    for key, default in defaults.items():
        dotted = f"{prefix}{key}"
        value = data.get(key)
        if default is None or value is None and key in ("templates",):
            continue
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, (int, float)):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, list):
            ok = isinstance(value, list)
        else:
            ok = isinstance(value, dict)
        if not ok:
            raise ConfigError(f"{dotted}: expected {type(default).__name__}, got {value!r}")
        if isinstance(default, dict) and key != "templates":
            _check_types(value, default, dotted + ".")
