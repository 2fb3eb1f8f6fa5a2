"""SMS: a second channel for emergencies and check-in alarms, and for alerts WeChat could not carry.

A provider sends one templated SMS to one mobile number. SMS is off unless `sms.provider` names one
(`tencent`, app/sms/tencent.py); credentials come from the environment only. Which pushes also go by
SMS, and to whom, is app/sms_companion.py.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# Mainland mobile numbers: 11 digits starting with 1, optionally written with +86/0086/86 and separators.
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")


class SmsError(Exception):
    """A send the provider refused or never answered.

    `transient`: worth trying again later (throttling, the provider's own trouble, no connection).
    `ambiguous`: the request left and no answer came, so the SMS may have gone; it is not repeated.
    """

    def __init__(self, code: str, message: str, *, transient: bool = False, ambiguous: bool = False):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.transient, self.ambiguous = code, message, transient, ambiguous


@dataclass(frozen=True)
class SmsReceipt:
    """What the provider answered for an accepted SMS."""

    serial: str


class SmsProvider(Protocol):
    """Sends one SMS from the configured template, its parameters in order."""

    def send(self, phone: str, params: list[str], *, context: str) -> SmsReceipt:
        """Send to an E.164 number; raise SmsError when it did not go."""


def mobile_e164(phone: str | None) -> str | None:
    """A mainland mobile number as +86…, or None for a landline, a blank or anything else."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    found = _MOBILE.fullmatch(digits)
    return f"+86{found.group(1)}" if found else None


def provider_from_settings(sms: Mapping) -> SmsProvider | None:
    """The configured provider, or None when SMS is off."""
    name = (sms or {}).get("provider") or ""
    if not name:
        return None
    if name == "tencent":
        from app.sms.tencent import TencentSms

        return TencentSms.from_settings(sms)
    raise ValueError(f"sms.provider: unknown provider {name!r}")
