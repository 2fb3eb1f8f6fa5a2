"""Text clean-up and sound keys shared by every matcher."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import product

import zhconv  # type: ignore[import-untyped]  # pure-Python tables, ships no type information
from pypinyin import Style, lazy_pinyin, pinyin

# Characters worth keeping: letters (CJK are "Lo"), digits, and separators between digits
# ("8:30" is a clock time, "2.5" a quantity).
_KEEP_CATEGORIES = {"Lo", "Ll", "Lu", "Nd"}
_TIME_SEPARATORS = {":", "."}
_SPACES = re.compile(r"\s+")

# Whole-syllable confusions heard in dialect speech and ASR output ("银" for 人).
_SYLLABLE_ALIASES = {"ren": "yin", "fu": "hu", "fei": "hui", "fang": "huang",
                     "fa": "hua", "fen": "hun", "feng": "hong"}
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("ing", "in"), ("eng", "en"))
_MAX_VARIANTS = 32
# Particles are read right in context; their other readings only made false matches (帮着翻 / 做饭).
PARTICLES = "着了的地得"
# Only everyday polyphones get their other readings: rare readings (洗 xian, 被 pi) made
# unrelated words collide ("想找" with "洗澡").
POLYPHONES = set("着血了和得地的还行重长觉没都便落差给熟什咳量降转会几种干发倒吐背调教空处应当为少好看分只数乐扎卡")


# Emoji that stand for words in a report ("🚪🔒 李婆婆 📞❌ 两天了"): written out before the rest are dropped.
_EMOJI_WORDS = {"📞❌": "电话不接", "☎❌": "电话不接", "📱❌": "电话不接", "🚪🔒": "门锁着", "🔒": "锁着",
                "🙅": "没有", "❌": "不", "🆘": "救命", "🚑": "救护车", "😰": "着急", "🔥": "火", "💨": "气",
                "👃": "闻"}
_EMOJI = re.compile("|".join(sorted(_EMOJI_WORDS, key=len, reverse=True)))


# Cantonese and Minnan characters whose "simplified" forms nobody types (嗰 → 𠮶, 搵 → 揾, 佇 → 伫), or that would
# read as another word (睏 "to sleep" → 困 "trapped", 么子 "what" → 幺子): kept as written, as the dialect tables
# spell them.
_KEPT_AS_WRITTEN = re.compile("([嗰搵噉佇睏么])")


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """Traditional characters in their simplified form, so that a Hong Kong or Taiwan writer's 個 reads as 个."""
    return "".join(part if _KEPT_AS_WRITTEN.fullmatch(part) else zhconv.convert(part, "zh-cn")
                   for part in _KEPT_AS_WRITTEN.split(text))


def normalize(text: str) -> str:
    """Return text folded to half-width, simplified lower case without emoji, punctuation or stray spaces."""
    folded = simplified(unicodedata.normalize("NFKC", text or "").lower().replace("\ufe0f", ""))
    folded = _EMOJI.sub(lambda m: _EMOJI_WORDS[m.group(0)], folded)
    kept: list[str] = []
    for index, char in enumerate(folded):
        if (unicodedata.category(char) in _KEEP_CATEGORIES
                or (char in _TIME_SEPARATORS and _between_digits(folded, index))):
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
    return _squeeze_spaces("".join(kept))


def _between_digits(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def _squeeze_spaces(text: str) -> str:
    # A space only separates two ASCII words ("sos 120"); between Chinese words it is noise ("报名 2").
    parts = _SPACES.split(text.strip())
    out = parts[0] if parts else ""
    for part in parts[1:]:
        if out and part and out[-1].isascii() and part[0].isascii():
            out += " "
        out += part
    return out


def fuzzy_syllable(syllable: str) -> str:
    """Collapse a toneless pinyin syllable so that common mishearings share one key."""
    syllable = _SYLLABLE_ALIASES.get(syllable, syllable)
    for long, short in _INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    for long, short in _FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


def sentence_keys(text: str) -> tuple[str, ...]:
    """Fuzzy pinyin keys for normalised text, one per character, polyphones read in context."""
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=_AS_IS)
    if len(syllables) != len(text):
        syllables = [lazy_pinyin(char, errors=_AS_IS)[0] for char in text]
    return tuple(_key(s) for s in syllables)


def _as_is(chunk: str) -> list[str]:
    """pypinyin's `errors` callback: characters without a reading stay themselves, one item each, so keys
    line up with characters. pypinyin accepts a list here (its docs and code); its stub says only str."""
    return list(chunk)


def _as_is_reading(char: str) -> list[list[str]]:
    """The same for `pinyin(heteronym=True)`: the character is its only reading."""
    return [[char]]


# As the stub's `errors` type, once here rather than at every call.
_AS_IS: Callable[[str], str] = _as_is  # type: ignore[assignment]  # pypinyin takes a list back; stub says str
_AS_IS_READING: Callable[[str], str] = _as_is_reading  # type: ignore[assignment]  # the same


@lru_cache(maxsize=2048)
def _key(syllable: str) -> str:
    # A few hundred syllables make up all messages: each is collapsed once (about a tenth of preparing a message).
    return fuzzy_syllable(syllable) if syllable.isascii() and syllable.isalpha() and len(syllable) > 1 else syllable


@lru_cache(maxsize=8192)
def char_readings(char: str) -> frozenset[str]:
    """Extra fuzzy readings of a common polyphone (着 zhao/zhe, 血 xue/xie); empty for other chars."""
    if char not in POLYPHONES:
        return frozenset()
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors=_AS_IS_READING)[0]
    return frozenset(_key(r) for r in readings)


def lattice(text: str, keys: tuple[str, ...], skip: str = "") -> tuple[frozenset[str], ...]:
    """Per character, its in-context key plus any other reading of a common polyphone not in skip."""
    return tuple((char_readings(char) if char not in skip else frozenset()) | {key}
                 for char, key in zip(text, keys, strict=False))


@lru_cache(maxsize=4096)
def phrase_variants(phrase: str) -> tuple[tuple[str, ...], ...]:
    """Every fuzzy reading of a lexicon phrase, so a polyphone (着, 血) matches any reading."""
    options = [sorted(reading) for reading in lattice(phrase, sentence_keys(phrase))]
    variants = {sentence_keys(phrase)}
    for combo in product(*options):
        variants.add(tuple(combo))
        if len(variants) >= _MAX_VARIANTS:
            break
    return tuple(sorted(variants))
