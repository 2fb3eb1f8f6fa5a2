"""Which channel a push takes, within WeChat's quota, so that critical pushes are never crowded out.

After a user message WeChat accepts 5 customer-service messages in 48 hours. Routine pushes may use
only the first `5 - reserve` of them; the rest are kept for critical kinds (models/core/push_kinds.py).
A routine push with no channel left waits for the user's next message (status held, merged with the
others then); a critical one goes by template, and if it cannot, is undeliverable, which raises an
alert on another channel (app/delivery.py).
"""
from __future__ import annotations

from datetime import datetime

from models.core.outbox import CUSTOM, SMS, TEMPLATE, Decision, OutboxMessage
from models.core.push_kinds import FULL_TEXT, is_critical
from models.core.windows import ServiceWindow, open_quota

HOLD, UNDELIVERABLE = "hold", "undeliverable"


def held_kind(row: OutboxMessage) -> str | None:
    """The kind a held full text was held for."""
    return (row.template_data or {}).get("held_kind") if row.kind == FULL_TEXT else None


def critical(row: OutboxMessage) -> bool:
    """Whether the row may use the reserved quota and must never wait silently."""
    return is_critical(row.kind, held_kind(row))


def keep_for(row: OutboxMessage, reserve: int) -> int:
    """How many of the window's messages this row must leave unused."""
    return 0 if critical(row) else reserve


def choose(window: ServiceWindow | None, row: OutboxMessage, *, has_template: bool, now: datetime,
           reserve: int) -> str:
    """CUSTOM, TEMPLATE, SMS, HOLD (wait for the user's next message) or UNDELIVERABLE."""
    if row.channel == SMS:
        return SMS
    custom_ok = open_quota(window, now=now, keep=keep_for(row, reserve)) is not None
    if row.kind == FULL_TEXT:  # only a customer-service message can carry it
        return CUSTOM if custom_ok else HOLD
    if row.channel == TEMPLATE and has_template:  # WeChat already refused the customer-service form
        return TEMPLATE
    if custom_ok:
        return CUSTOM
    if has_template:
        return TEMPLATE
    return UNDELIVERABLE if critical(row) else HOLD


def decide_sms(*, transient: bool, ambiguous: bool, attempts: int, max_attempts: int, reason: str) -> Decision:
    """Map an SMS failure to the next step: like a customer-service send, an unanswered one is not repeated."""
    if ambiguous:
        return Decision("uncertain", f"no answer to an SMS send; not repeated ({reason})")
    if transient:
        if attempts >= max_attempts:
            return Decision("failed", f"gave up after {attempts} attempts ({reason})")
        return Decision("retry", f"transient ({reason})")
    return Decision("failed", f"rejected by the SMS provider ({reason})")


def waits_for_user(row: OutboxMessage, decision: Decision) -> bool:
    """WeChat closed the window and no template can carry the row: a routine push (or a full text) waits
    for the user's next message instead of being dropped; a critical one is undeliverable and alerts."""
    return decision.action == "undeliverable" and (row.kind == FULL_TEXT or not critical(row))
