"""Safety classifier (baseline: the phrase lexicon as the engine used it before the rework)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .emergency import is_emergency, is_typed_emergency

NEGATION = re.compile(r"(没|没有|不是|莫得|并没)(有)?.{0,2}(摔|倒|晕|流血|着火|疼|痛|喘)")


@dataclass(frozen=True)
class Danger:
    level: str


def assess_danger(text: str) -> Danger | None:
    if not is_emergency(text):
        return None
    if is_typed_emergency(text) and not NEGATION.search(text):
        return Danger("certain")
    return Danger("strong")
