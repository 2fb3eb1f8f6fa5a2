"""Which pushes must never be silently lost, and which may wait.

A push kind is the `kind` of an outbox row. Critical kinds are the ones a person may be in danger
behind: they keep a reserve of WeChat's customer-service quota, production refuses to start without
a template form for them, and one that cannot be delivered raises an alert on another channel.
"""
from __future__ import annotations

EMERGENCY_ALERT = "emergency_alert"
HUMAN_HANDOFF = "human_handoff"
CHECKIN_FAMILY = "checkin_alert"
CHECKIN_COORDINATOR = "checkin_escalated"
# The alert about an undeliverable critical push (models/core/delivery_alerts.py).
DELIVERY_FAILED = "delivery_failed"
# The full text of a template that could not hold it, waiting for the user's next message.
FULL_TEXT = "full_text"
# Several routine pushes merged into one customer-service message.
DIGEST = "digest"
REPLY = "reply"

CRITICAL_KINDS = frozenset({EMERGENCY_ALERT, HUMAN_HANDOFF, CHECKIN_FAMILY, CHECKIN_COORDINATOR, DELIVERY_FAILED})
# Critical kinds whose failure raises a coordinator alert (the alert itself does not, to avoid a loop).
ALERT_ON_FAILURE = CRITICAL_KINDS - {DELIVERY_FAILED}
# Critical kinds that also go by SMS, to family and coordinators with a phone, when SMS is configured.
SMS_KINDS = frozenset({EMERGENCY_ALERT, CHECKIN_FAMILY, CHECKIN_COORDINATOR, DELIVERY_FAILED})

# Pushes the domain sends without being asked: production start-up warns when one has no template form,
# since it waits for the user's next message once the 48-hour window has closed.
ROUTINE_PUSH_KINDS = frozenset({
    "task_offer", "help_claimed_volunteer", "help_claimed", "help_on_the_way", "help_done", "help_rated",
    "help_credited", "help_escalated", "help_expired", "help_released", "help_low_rating", "help_cancelled_volunteer",
    "checkin_prompt", "checkin_daily", "checkin_weekly", "checkin_all_clear", "checkin_unsubscribed",
    "event_promoted", "event_reminder", "family_bound", "family_unbound", "elder_verified", "elder_registered",
    "volunteer_pending", "volunteer_review", "complaint", "notice",
    "fund_thanks", "fund_spent", "fund_review", "fund_statement",
    "timebank_paid", "timebank_gift", "timebank_capped",
})


def is_critical(kind: str, held_kind: str | None = None) -> bool:
    """A critical kind; a held full text counts as the kind it was held for."""
    return (held_kind if kind == FULL_TEXT and held_kind else kind) in CRITICAL_KINDS
