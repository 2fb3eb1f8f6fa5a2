"""Start-up checks that no critical push can become silently undeliverable (called by app/config.py).

Every configured template must fit WeChat's keyword types (app/template_fields.py), SMS must be
complete when switched on, and in production each critical push kind (models/core/push_kinds.py) must have
a template form: without one, an emergency sent to someone whose 48-hour window has closed has no
way to reach them. The other push kinds, and SMS being off, only warn.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.template_fields import parse_fields
from models.core.push_kinds import CRITICAL_KINDS, ROUTINE_PUSH_KINDS

log = logging.getLogger(__name__)
SMS_PROVIDERS = ("tencent",)
SMS_SECRETS = (("secret_id", "TENCENTCLOUD_SECRET_ID"), ("secret_key", "TENCENTCLOUD_SECRET_KEY"))


def check_message_delivery(data: Mapping[str, Any]) -> None:
    """Raise ValueError (naming the key) for a configuration that would lose critical pushes."""
    templates = data.get("templates") or {}
    if not isinstance(templates, Mapping):
        raise ValueError("templates: expected a mapping of notification kind -> {template_id, fields}")
    for kind, spec in templates.items():
        parse_fields(str(kind), spec)
    sms = data.get("sms") or {}
    _check_sms(sms)
    if data.get("env") != "production":
        return
    missing = sorted(CRITICAL_KINDS - set(templates))
    if missing:
        raise ValueError(f"templates: production needs a template for every critical push kind; missing: "
                         f"{', '.join(missing)} (README, production: template messages)")
    routine = sorted(ROUTINE_PUSH_KINDS - set(templates))
    if routine:
        log.warning("templates: no template for %s; once a person's 48-hour window closes these wait for "
                    "their next message", ", ".join(routine))
    if not sms.get("provider"):
        log.warning("sms.provider is off: emergencies and check-in alarms reach family and coordinators "
                    "only through WeChat")


def _check_sms(sms: Mapping[str, Any]) -> None:
    provider = sms.get("provider") or ""
    if not provider:
        return
    if provider not in SMS_PROVIDERS:
        raise ValueError(f"sms.provider: one of {', '.join(SMS_PROVIDERS)} or empty, got {provider!r}")
    for key, env in SMS_SECRETS:
        if not sms.get(key):
            raise ValueError(f"sms.{key} ({env}): required when sms.provider is set")
    for key in ("sdk_app_id", "sign_name", "template_id"):
        if not str(sms.get(key) or "").strip():
            raise ValueError(f"sms.{key}: required when sms.provider is set")
    if float(sms.get("timeout") or 0) <= 0:
        raise ValueError("sms.timeout: must be positive")
