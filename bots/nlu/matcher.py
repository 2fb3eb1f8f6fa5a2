"""Find lexicon phrases in a message by characters and by sound."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .text import PARTICLES, lattice, normalize, phrase_variants, sentence_keys, simplified

P = TypeVar("P")
GAP = "…"
# Prefix for phrases whose sound collides with everyday words (倒地 / 到底): characters only.
CHARS_ONLY = "="
# A gap in a phrase ("摔…跤") allows a few filler characters: 摔了一大跤.
_GAP_CHARS = 4
_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True)
class Prepared:
    """A message in both forms the matchers read: characters and fuzzy syllables."""

    chars: str
    keys: tuple[str, ...]
    readings: tuple[frozenset[str], ...] = ()

    @property
    def key_line(self) -> str:
        return " " + " ".join(self.keys) + " "


class PhraseMatcher(Generic[P]):
    """Index of phrases, each carrying a payload, matched on characters and pinyin."""

    def __init__(self, entries: Iterable[tuple[str, P]], min_sound_len: int = 2, anchored: bool = False,
                 shield: re.Pattern[str] | None = None) -> None:
        self._plain: list[tuple[str, P]] = []
        # The plain phrases by first character, with their place in _plain: a message is a few characters
        # and the lexicon hundreds of phrases, so look up what could start at each character.
        self._plain_by_first: dict[str, list[tuple[int, str, P]]] = defaultdict(list)
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, P]]] = defaultdict(list)
        self._gapped: list[tuple[str, re.Pattern[str], re.Pattern[str], P]] = []
        self._min_sound_len = min_sound_len
        # Anchored: a sound match must share one character with the phrase (买要 ~ 买药), which keeps
        # fully different words that merely sound alike (谁会 ~ 水费) apart.
        self._anchored = anchored
        # Shielded: characters of everyday words that no sound match may use (留学 is never 流血).
        self._shield = shield
        for phrase, payload in entries:
            self._add(phrase, payload)

    def _add(self, phrase: str, payload: P) -> None:
        phrase = simplified(phrase)  # messages are read in simplified characters (normalize)
        if phrase.startswith(CHARS_ONLY):
            phrase = phrase[1:]
            if phrase.isdigit():
                # A number such as 120 counts on its own, not inside a code or a phone number (绑定 120649).
                self._gapped.append((phrase, re.compile(rf"(?<!\d){phrase}(?!\d)"), _NEVER, payload))
                return
            if GAP in phrase:
                self._gapped.append((phrase, _char_regex(phrase), _NEVER, payload))
            else:
                self._add_plain(phrase, payload)
            return
        if GAP in phrase:
            self._gapped.append((phrase, _char_regex(phrase), _sound_regex(phrase), payload))
            return
        self._add_plain(phrase, payload)
        if len(phrase) >= self._min_sound_len and not phrase.isascii():
            for variant in phrase_variants(phrase):
                self._by_first[variant[0]].append((variant, phrase, payload))

    def _add_plain(self, phrase: str, payload: P) -> None:
        if phrase:
            self._plain_by_first[phrase[0]].append((len(self._plain), phrase, payload))
        self._plain.append((phrase, payload))

    def _typed_plain(self, chars: str) -> list[tuple[str, P]]:
        """The plain phrases inside `chars`, in lexicon order (as a scan of the whole lexicon finds them)."""
        hits: dict[int, tuple[str, P]] = {}
        for start, char in enumerate(chars):
            for index, phrase, payload in self._plain_by_first.get(char, ()):
                if index not in hits and chars.startswith(phrase, start) and _whole_word(phrase, chars, start):
                    hits[index] = (phrase, payload)
        return [hits[index] for index in sorted(hits)]

    def find(self, message: Prepared) -> dict[str, P]:
        """Return matched phrase -> payload; a phrase heard by sound counts like one typed."""
        found: dict[str, P] = {}
        for phrase, payload in self._typed_plain(message.chars):
            found[phrase] = payload
        for phrase, payload in self._sound_hits(message):
            found.setdefault(phrase, payload)
        line = message.key_line
        shielded = self._shielded(message.chars)
        for phrase, char_re, sound_re, payload in self._gapped:
            if char_re.search(message.chars) or sound_re.search(line) and self._gap_heard(sound_re, line, shielded) \
                    and self._gap_anchor_ok(phrase, message.chars):
                found[phrase] = payload
        return found

    @staticmethod
    def _gap_heard(sound_re: re.Pattern[str], line: str, shielded: set[int]) -> bool:
        """A gapped phrase heard by sound, none of its parts heard in a shielded word (掉…塘 is not 吃不掉 送给食堂)."""
        for match in sound_re.finditer(line):
            if not shielded:
                return True
            parts = [range(line.count(" ", 0, match.start(i)), line.count(" ", 0, match.end(i)))
                     for i in range(1, (sound_re.groups or 0) + 1) if match.start(i) >= 0]
            if not any(shielded.intersection(part) for part in parts):
                return True
        return False

    def any(self, message: Prepared) -> bool:
        """True when at least one phrase matches."""
        return bool(self.find(message))

    def find_typed(self, message: Prepared) -> set[str]:
        """Phrases present as written (no sound-alikes): the surer half of `find`."""
        found = {phrase for phrase, _ in self._typed_plain(message.chars)}
        found |= {phrase for phrase, char_re, _, _ in self._gapped if char_re.search(message.chars)}
        return found

    def _sound_hits(self, message: Prepared) -> Iterable[tuple[str, P]]:
        readings = message.readings
        shielded = self._shielded(message.chars)
        for start, first in enumerate(readings):
            for key in first:
                for variant, phrase, payload in self._by_first.get(key, ()):
                    if _fits(variant, readings, start) and self._anchor_ok(phrase, message.chars, start) \
                            and not shielded.intersection(range(start, start + len(variant))):
                        yield phrase, payload

    def _shielded(self, chars: str) -> set[int]:
        if self._shield is None:
            return set()
        return {i for match in self._shield.finditer(chars) for i in range(*match.span())}

    def _gap_anchor_ok(self, phrase: str, chars: str) -> bool:
        # Anchored, the one-character parts of a gapped phrase are not all only heard: 蛋…志愿者 is not
        # 当…志愿者, while 主…饭 (typed 饭) is still 煮…饭.
        single = [part for part in phrase.split(GAP) if len(part) == 1]
        return not self._anchored or not single or any(part in chars for part in single)

    def _anchor_ok(self, phrase: str, chars: str, start: int) -> bool:
        return not self._anchored or any(a == b for a, b in zip(phrase, chars[start:], strict=False))


def _whole_word(phrase: str, chars: str, start: int) -> bool:
    """An English word counts only as a whole word (or its plural): "point" is not in "appointment", nor "out" in
    "about"."""
    if not (phrase[0].isascii() and phrase[0].isalpha()):
        return True
    end = start + len(phrase)
    if chars[end:end + 1] == "s":
        end += 1  # a plural: "notices", "events"
    before = chars[start - 1] if start else ""
    after = chars[end] if end < len(chars) else ""
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


def _fits(variant: tuple[str, ...], readings: tuple[frozenset[str], ...], start: int) -> bool:
    if start + len(variant) > len(readings):
        return False
    return all(key in readings[start + i] for i, key in enumerate(variant))


def typed_spans(phrase: str, chars: str) -> list[tuple[int, int]]:
    """Where a phrase (without its "=") is typed in the characters; empty when it was only heard by sound."""
    return [match.span() for match in _char_regex(phrase).finditer(chars)]


def _char_regex(phrase: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in phrase.split(GAP)]
    return re.compile(f".{{0,{_GAP_CHARS}}}".join(parts))


def _sound_regex(phrase: str) -> re.Pattern[str]:
    pieces = []
    for part in phrase.split(GAP):
        options = ["".join(" " + re.escape(s) for s in v) for v in phrase_variants(part)]
        pieces.append("(" + "|".join(options) + ")")  # each part captured, so a shield can be checked against it
    gap = f"(?: \\S+){{0,{_GAP_CHARS}}}"
    return re.compile(gap.join(pieces) + " ")


def prepare(text: str) -> Prepared:
    """Normalise a raw message once and compute its sound keys."""
    chars = normalize(text)
    keys = sentence_keys(chars)
    return Prepared(chars, keys, lattice(chars, keys, skip=PARTICLES))
