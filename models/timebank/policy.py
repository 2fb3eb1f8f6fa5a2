"""The time bank's rules as data (the `timebank` section of the configuration); docs/timebank.md says why."""
from __future__ import annotations

from dataclasses import dataclass

POOL = "pool"
HONOUR = "honour"


@dataclass(frozen=True)
class Policy:
    """Who may hold, spend and give minutes, and how many."""

    cap_minutes: int = 1500 * 60  # most one person may hold; 0: no cap
    cap_excess: str = POOL  # earned beyond the cap goes to the village's donated minutes, or an honour record
    redeem_min_age: int = 60  # youngest elder whose visits are paid with minutes
    elders_pay: bool = True  # an elder's own minutes pay for their confirmed visits
    family_pays: tuple[str, ...] = ()  # bound family (their relationship to the elder) whose minutes pay next
    gift_relations: tuple[str, ...] = ()  # a person may give minutes to an elder they are bound to as one of these
    gift_to_family: bool = True  # and an elder may give to family bound to them with such a relationship
    expiry_days: int = 0  # unspent minutes older than this expire; 0: never

    @property
    def cap(self) -> int | None:
        return self.cap_minutes or None


def timebank_policy(config: dict) -> Policy:
    """Build the policy from the `timebank` section of the configuration."""
    section = config.get("timebank", {}) or {}
    excess = str(section.get("cap_excess", POOL))
    if excess not in (POOL, HONOUR):
        raise ValueError(f"timebank.cap_excess: {excess!r} is neither {POOL} nor {HONOUR}")
    numbers = {"cap_minutes": 1500 * 60, "redeem_min_age": 60, "expiry_days": 0}
    for name, default in numbers.items():
        numbers[name] = int(section.get(name, default))
        if numbers[name] < 0:
            raise ValueError(f"timebank.{name}: must not be negative")
    return Policy(cap_excess=excess, elders_pay=bool(section.get("elders_pay", True)),
                  family_pays=_words(section, "family_pays"), gift_relations=_words(section, "gift_relations"),
                  gift_to_family=bool(section.get("gift_to_family", True)), **numbers)


def _words(section: dict, name: str) -> tuple[str, ...]:
    value = section.get(name) or ()
    if isinstance(value, str):  # from the environment: comma-separated
        value = [word.strip() for word in value.split(",") if word.strip()]
    return tuple(str(word) for word in value)
