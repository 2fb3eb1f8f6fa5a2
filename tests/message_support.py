"""Shared by the tests of messages that must not be lost: typed templates for every critical push kind."""
from __future__ import annotations

import json

from models.core.push_kinds import CRITICAL_KINDS

# What production needs at least: a template form for each critical kind (typed by keyword name).
CRITICAL_TEMPLATES = {kind: {"template_id": f"TPL_{kind.upper()}",
                             "fields": {"thing1": "title", "name2": "name", "phone_number3": "phone"}}
                      for kind in sorted(CRITICAL_KINDS)}


def templates_env() -> str:
    """The same mapping as LINLI__TEMPLATES (YAML, of which JSON is a subset)."""
    return json.dumps(CRITICAL_TEMPLATES)
