"""Find lexicon phrases in a message by characters and by sound."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Generic, Iterable, TypeVar

from .text import normalize, phrase_variants, sentence_keys

P = TypeVar("P")
GAP = "…"
# Prefix for phrases whose sound collides with everyday words (倒地 / 到底): characters only.
CHARS_ONLY = "="
# A gap in a phrase ("摔…跤") allows a few filler characters: 摔了一大跤.
_GAP_CHARS = 4


@dataclass(frozen=True)
class Prepared:
    """A message in both forms the matchers read: characters and fuzzy syllables."""

    chars: str
    keys: tuple[str, ...]

    @property
    def key_line(self) -> str:
        return " " + " ".join(self.keys) + " "


class PhraseMatcher(Generic[P]):
    """Index of phrases, each carrying a payload, matched on characters and pinyin."""

    def __init__(self, entries: Iterable[tuple[str, P]], min_sound_len: int = 2) -> None:
        self._plain: list[tuple[str, P]] = []
        self._by_sound: dict[tuple[str, ...], list[tuple[str, P]]] = defaultdict(list)
        self._gapped: list[tuple[str, re.Pattern[str], re.Pattern[str], P]] = []
        self._min_sound_len = min_sound_len
        self._max_len = 1
        for phrase, payload in entries:
            self._add(phrase, payload)

    def _add(self, phrase: str, payload: P) -> None:
        if phrase.startswith(CHARS_ONLY):
            self._plain.append((phrase[1:], payload))
            return
        if GAP in phrase:
            self._gapped.append((phrase, _char_regex(phrase), _sound_regex(phrase), payload))
            return
        self._plain.append((phrase, payload))
        if len(phrase) >= self._min_sound_len and not phrase.isascii():
            for variant in phrase_variants(phrase):
                self._by_sound[variant].append((phrase, payload))
            self._max_len = max(self._max_len, len(phrase))

    def find(self, message: Prepared) -> dict[str, P]:
        """Return matched phrase -> payload; a phrase heard by sound counts like one typed."""
        found: dict[str, P] = {}
        for phrase, payload in self._plain:
            if phrase in message.chars:
                found[phrase] = payload
        for phrase, payload in self._sound_hits(message.keys):
            found.setdefault(phrase, payload)
        line = message.key_line
        for phrase, char_re, sound_re, payload in self._gapped:
            if char_re.search(message.chars) or sound_re.search(line):
                found[phrase] = payload
        return found

    def any(self, message: Prepared) -> bool:
        """True when at least one phrase matches."""
        return bool(self.find(message))

    def _sound_hits(self, keys: tuple[str, ...]) -> Iterable[tuple[str, P]]:
        for start in range(len(keys)):
            for length in range(self._min_sound_len, self._max_len + 1):
                gram = keys[start:start + length]
                if len(gram) < length:
                    break
                yield from self._by_sound.get(gram, ())


def _char_regex(phrase: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in phrase.split(GAP)]
    return re.compile((".{0,%d}" % _GAP_CHARS).join(parts))


def _sound_regex(phrase: str) -> re.Pattern[str]:
    pieces = []
    for part in phrase.split(GAP):
        options = ["".join(" " + re.escape(s) for s in v) for v in phrase_variants(part)]
        pieces.append("(?:" + "|".join(options) + ")")
    gap = "(?: \\S+){0,%d}" % _GAP_CHARS
    return re.compile(gap.join(pieces) + " ")


def prepare(text: str) -> Prepared:
    """Normalise a raw message once and compute its sound keys."""
    chars = normalize(text)
    return Prepared(chars, sentence_keys(chars))
