"""Numbers in every form elders send them, and picking one of several offered options."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from .lexicon import EXACT_COMMANDS
from .text import normalize, sentence_keys

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "壹": 1, "二": 2, "两": 2, "俩": 2, "贰": 2, "三": 3, "叁": 3,
          "仨": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
          "九": 9, "玖": 9}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)
NUMBER_RE = f"(?:\\d+|[{NUMERAL_CHARS}]+)"

# A whole message that is only a choice: "选2", "第一个", "就三号吧", "我要第2个". Voice input writes 第 as a
# homophone (地二个, 弟三个); one counts only with the measure word after the number, as 第 would have it.
_ORDINAL = rf"(?:第|[地弟递帝](?={NUMBER_RE}[个号项条位样种]))"
_CHOICE = re.compile(
    rf"^(?:我|俺|咱)?(?:就|那就)?(?:选|要|挑|点|按)?{_ORDINAL}?({NUMBER_RE})"
    r"(?:个|号|项|条|位|样|种|个吧)?(?:吧|啊|呀|哈|了|的|呗)*$")
_OPTION_PREFIX = re.compile(r"^(?:\d+|[一二三四五六七八九十]+)[.、:)）]?\s*")
_FUZZY_ACCEPT = 72.0
_FUZZY_MARGIN = 8.0


def chinese_to_int(numeral: str) -> int | None:
    """Value of a Chinese numeral such as 十二, 二十三, 一百零五, 壹; None if malformed."""
    if not numeral or any(c not in DIGITS and c not in UNITS for c in numeral):
        return None
    if not any(c in UNITS for c in numeral):
        return int("".join(str(DIGITS[c]) for c in numeral))
    total, pending = 0, None
    for char in numeral:
        if char in DIGITS:
            pending = DIGITS[char]
        else:
            total += (1 if pending is None else pending) * UNITS[char]
            pending = None
    return total + (pending or 0)


def to_int(token: str) -> int | None:
    """Value of an Arabic or Chinese number token."""
    return int(token) if token.isdigit() else chinese_to_int(token)


def parse_number(text: str) -> int | None:
    """The number a whole message stands for ("1", "１", "一", "第一个", "壹", "①", "选2"), else None."""
    match = _CHOICE.match(normalize(text))
    return to_int(match.group(1)) if match else None


def parse_choice(text: str, options: list[str]) -> int | None:
    """1-based index of the option the reply picks, by number or by the option's words; None if unsure."""
    number = parse_number(text)
    if number is not None:
        return number if 1 <= number <= len(options) else None
    reply = normalize(text)
    labels = [_OPTION_PREFIX.sub("", normalize(option)) for option in options]
    if not reply or not labels:
        return None
    for pick in (_exact, _contained, _same_answer, _by_sound):
        index = pick(reply, labels)
        if index is not None:
            return index + 1
    return None


def _exact(reply: str, labels: list[str]) -> int | None:
    hits = [i for i, label in enumerate(labels) if label == reply]
    return hits[0] if len(hits) == 1 else None


def _contained(reply: str, labels: list[str]) -> int | None:
    hits = [i for i, label in enumerate(labels) if label and (label in reply or reply in label)]
    if len(hits) == 1:
        return hits[0]
    # "我要陪同看病" names both "看病" and "陪同看病": the longer, more specific option wins.
    inside = sorted((len(labels[i]), i) for i in hits if labels[i] in reply)
    if len(inside) >= 2 and inside[-1][0] > inside[-2][0]:
        return inside[-1][1]
    return None


def _same_answer(reply: str, labels: list[str]) -> int | None:
    # "对" answers an offered "确认", "不要" an offered "不需要": same yes/no meaning.
    meaning = EXACT_COMMANDS.get(reply)
    if meaning not in ("affirm", "deny"):
        return None
    hits = [i for i, label in enumerate(labels) if EXACT_COMMANDS.get(label) == meaning]
    return hits[0] if len(hits) == 1 else None


def _by_sound(reply: str, labels: list[str]) -> int | None:
    heard = " ".join(sentence_keys(reply))
    scores = sorted(((_similarity(heard, " ".join(sentence_keys(label))), i) for i, label in enumerate(labels)),
                    reverse=True)
    best, index = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best >= _FUZZY_ACCEPT and best - runner_up >= _FUZZY_MARGIN:
        return index
    return None


def _similarity(heard: str, label: str) -> float:
    if not label:
        return 0.0
    whole = fuzz.ratio(heard, label)
    # Partial matches only count when the reply is long enough to be more than a stray syllable.
    part = fuzz.partial_ratio(heard, label) if min(len(heard), len(label)) >= 5 else 0.0
    return max(whole, part)
