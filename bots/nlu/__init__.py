"""Understanding layer for elders' chat messages: intents, help categories, slots, numbers, emergencies.

Pure functions of (text, now): no Flask, no database, no network, no clock reads.
"""
from __future__ import annotations

from .emergency import Danger, assess_danger, is_emergency
from .numbers import parse_choice, parse_number
from .text import normalize
from .understanding import Understanding, understand

INTENTS = ("help_request", "volunteer_signup", "event_query", "event_signup", "canteen_menu", "meal_order",
           "checkin_ok", "notice_query", "timebank_balance", "bind_family", "talk_to_human", "greeting",
           "thanks", "help_menu", "cancel", "complaint", "donate", "affirm", "deny", "out_of_scope")
CATEGORIES = ("errand", "meal", "medical", "daily_care", "repair", "farm_work", "companionship",
              "emergency", "other")

__all__ = ["CATEGORIES", "INTENTS", "Danger", "Understanding", "assess_danger", "is_emergency", "normalize",
           "parse_choice", "parse_number", "understand"]
