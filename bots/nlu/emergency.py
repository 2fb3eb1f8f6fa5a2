"""Emergency detection: cheap enough to run on every message in every dialogue state."""
from __future__ import annotations

from .lexicon import EMERGENCY_PHRASES
from .matcher import PhraseMatcher, Prepared, prepare

# Every phrase is also matched by sound, so 摔到了 / 就命 / 兄口疼 from speech recognition still count.
_MATCHER: PhraseMatcher[bool] = PhraseMatcher((phrase, True) for phrase in EMERGENCY_PHRASES.split())


def emergency_in(message: Prepared) -> bool:
    """True when an already prepared message mentions an emergency (negations included, on purpose)."""
    return _MATCHER.any(message)


def is_emergency(text: str) -> bool:
    """True when a raw message looks like an emergency; biased to recall, never to precision."""
    return emergency_in(prepare(text))


def is_typed_emergency(text: str) -> bool:
    """True when an emergency phrase is written out, not merely heard by sound (救命, not 就命)."""
    return bool(_MATCHER.find_typed(prepare(text)))
