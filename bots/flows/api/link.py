"""小程序验证码: a 6-digit code that links the person's mini-program login to this Official Account person.

The code is the proof: only whoever reads this chat receives it, so typing it in the mini-program shows the
two logins are one person (docs/api.md, "Linking").
"""
from __future__ import annotations

import re

from bots.forms import Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.api import identity as ids
from models.people.membership import is_registered


def link_code(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """Registered people only: a code is worth linking only to someone with roles, elders or requests."""
    if not is_registered(turn.ctx.session, turn.user):
        return t("api_link_code_unregistered")
    return t("api_link_code_reply", code=ids.issue_link_code(turn.ctx.session, turn.user, now=turn.ctx.now))


FEATURE = Feature(name="api_link", commands=(
    Command("api_link_code", re.compile(r"(?:小程序验证码|小程序关联码|关联小程序)[。！!]*"), link_code),
))
