"""Which channel a push takes, within WeChat's quota, so that critical pushes are never crowded out.

After a user message WeChat accepts 5 customer-service messages in 48 hours. Routine pushes may use
only the first `5 - reserve` of them; the rest are kept for critical kinds (models/core/push_kinds.py).
A routine push with no channel left waits for the user's next message (status held, merged with the
others then); a critical one goes by template, and if it cannot, is undeliverable, which raises an
alert on another channel (app/delivery.py).
"""
from __future__ import annotations

from datetime import datetime

from models.core.outbox import CUSTOM, SMS, SUBSCRIBE, TEMPLATE, TRANSIENT, Decision, OutboxMessage
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
           reserve: int, has_subscription: bool = False) -> str:
    """CUSTOM, SUBSCRIBE, TEMPLATE, SMS, HOLD (wait for the user's next message) or UNDELIVERABLE.

    Without an Official Account window, a person who gave the mini-program a one-time consent for this
    kind's subscription template gets it that way: they asked for exactly this, and it reaches them even
    when they no longer follow the account; the template message comes after.
    """
    if row.channel == SMS:
        return SMS
    custom_ok = open_quota(window, now=now, keep=keep_for(row, reserve)) is not None
    if row.kind == FULL_TEXT:  # only a customer-service message can carry it
        return CUSTOM if custom_ok else HOLD
    if row.channel == TEMPLATE and has_template:  # WeChat already refused the customer-service form
        return TEMPLATE
    if custom_ok:
        return CUSTOM
    if has_subscription:
        return SUBSCRIBE
    if has_template:
        return TEMPLATE
    return UNDELIVERABLE if critical(row) else HOLD


# subscribe/send errcodes: 43101 the person has no consent left for the template (refused, or spent);
# 47003/47001/40037 our parameters or template id are wrong, so WeChat spent nothing.
SUBSCRIPTION_GONE = 43101
SUBSCRIPTION_REFUSED_PARAMS = {47001, 47003, 40037}


def decide_subscribe(errcode: int | None, *, ambiguous: bool, has_template: bool, attempts: int,
                     max_attempts: int) -> tuple[Decision, bool]:
    """The next step after a failed subscription message, and whether the consent is still unused.

    An unanswered send is not repeated (no idempotency key, like a customer-service send). With the
    consent gone the row chooses its channel again at once (a template, or waiting for the user); with
    our parameters refused it goes by template, or waits like a row with no channel.
    """
    if ambiguous:
        return Decision("uncertain", "no answer to a subscription message; not repeated"), False
    if errcode == SUBSCRIPTION_GONE:
        return Decision("rechoose", "no subscription consent left (43101)"), False
    if errcode in SUBSCRIPTION_REFUSED_PARAMS:
        if has_template:
            return Decision("fallback", f"subscription message refused ({errcode}); template form"), True
        return Decision("undeliverable", f"subscription message refused ({errcode}) and no template"), True
    if errcode in TRANSIENT:
        if attempts >= max_attempts:
            return Decision("failed", f"gave up after {attempts} attempts ({errcode})"), True
        return Decision("retry", f"transient ({errcode})"), True
    return Decision("failed", f"rejected by WeChat ({errcode})"), True


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
