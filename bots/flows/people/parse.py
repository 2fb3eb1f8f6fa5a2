"""Reading the answers of the people flows: names, phones, villages, multi-choices, ages, contacts."""
from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, col, select

from bots.forms import Invalid, Turn
from bots.nlu import parse_choice, parse_number
from bots.nlu.numbers import DIGITS, NUMBER_RE, to_int
from models.base import id_of
from models.people.membership import normalize_mobile
from models.people.users import Village
from models.people.volunteers import SKILLS, SLOTS

_ALL_WORDS = ("都可以", "都行", "全部", "都会", "全都", "随时", "都能", "都有空", "每天都")
_NUMERIC_ONLY = re.compile(rf"^(?:{NUMBER_RE}|[\s,，、;；.。和])+$")
_NAME_PREFIX = re.compile(r"^(我叫|我是|叫|名字叫|名叫|姓名[:：]?|我的名字是)")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·]{2,12}$")
_NONE_WORDS = ("没有", "无", "没", "不用", "没得", "暂无", "不知道", "跳过")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_PHONE_IN_TEXT = re.compile(r"(?:\+?86)?1[3-9]\d{9}|0\d{9,11}")
_CONTACT_NOISE = re.compile(r"(?:电话号码是|电话是|号码是|手机号码|手机号|电话|手机|号码|[\s,，、;；:：.。])+")
_JOIN_DIGITS = re.compile(r"(?<=\d)[\s\-－—]+(?=\d)")

# Words that pick a skill, in SKILLS order.
SKILL_WORDS = {
    "errand": ("跑腿", "代办", "买东西", "买菜", "取药", "拿药", "办事", "代购"),
    "meal": ("送餐", "送饭", "做饭", "烧饭", "做菜", "助餐"),
    "medical": ("看病", "陪诊", "医", "护士", "护理"),
    "daily_care": ("照料", "照顾", "洗澡", "打扫", "家务", "擦身"),
    "repair": ("修", "电工", "水电", "木工"),
    "farm_work": ("农活", "种地", "种田", "收割", "地里", "干活"),
    "companionship": ("陪伴", "聊天", "说话", "唠嗑", "陪"),
}
_DAYS = {"weekday": ("工作日", "平时", "平常", "周一到周五", "上班", "星期一到星期五"),
         "weekend": ("周末", "星期六", "星期天", "星期日", "周六", "周日", "礼拜天", "双休")}
_BOTH_DAYS = ("每天", "天天", "一周", "整周")
_PARTS = {"morning": ("上午", "早上", "早晨", "上半天"), "afternoon": ("下午", "中午", "下半天"),
          "evening": ("晚上", "傍晚", "夜里", "晚间")}
_ALL_PARTS = ("全天", "一整天", "整天", "白天黑夜")


def fold(text: str) -> str:
    """Half-width, trimmed text."""
    return unicodedata.normalize("NFKC", text or "").strip()


def is_none(text: str) -> bool:
    """The user says there is nothing to tell ("没有", "无")."""
    return fold(text).rstrip("。.！!") in _NONE_WORDS


def name(turn: Turn) -> str:
    """A person's name: 2–12 letters, without "我叫"."""
    text = _NAME_PREFIX.sub("", fold(turn.text)).rstrip("。.！!")
    if not _NAME.match(text):
        raise Invalid()
    return text


def mobile(turn: Turn) -> str:
    """A mainland mobile number."""
    found = normalize_mobile(turn.text)
    if found is None:
        raise Invalid()
    return found


def phone_or_none(turn: Turn) -> str:
    """A mobile or landline number, or "" when the user has none."""
    if is_none(turn.text):
        return ""
    found = normalize_mobile(turn.text) or _landline(turn.text)
    if found is None:
        raise Invalid()
    return found


def _landline(text: str) -> str | None:
    digits = re.sub(r"[\s\-－—()（）]", "", fold(text))
    return digits if _LANDLINE.match(digits) else None


def pick_word(text: str, options: list[str]) -> int | None:
    """1-based option picked by number or by containing its word; no sound matching (侄子 is not 儿子)."""
    number = parse_number(text)
    if number is not None:
        return number if 1 <= number <= len(options) else None
    hits = sorted(((len(o), i) for i, o in enumerate(options) if o in text), reverse=True)
    return hits[0][1] + 1 if hits else None


def find_village(session: Session, text: str) -> Village | None:
    """The one village a reply names ("示范村", "示范"), else None."""
    wanted = fold(text).rstrip("。.！!").removeprefix("我是").removeprefix("我在")
    villages = list(session.exec(select(Village).order_by(col(Village.id))))
    exact = [v for v in villages if wanted in (v.name, v.code, v.name.removesuffix("村"))]
    if len(exact) == 1:
        return exact[0]
    near = [v for v in villages if len(wanted) >= 2 and (v.name in wanted or wanted in v.name)]
    return near[0] if len(near) == 1 else None


def village(turn: Turn) -> int:
    """The id of the village the reply names."""
    found = find_village(turn.ctx.session, turn.text)
    if found is None:
        raise Invalid()
    return id_of(found)


def multi_choice(text: str, count: int, words: list[tuple[str, ...]]) -> list[int] | None:
    """1-based picks from a numbered list: "1 3 5", "1、3", "135", "一三五", option words, "都可以"."""
    text = fold(text)
    if any(word in text for word in _ALL_WORDS):
        return list(range(1, count + 1))
    if _NUMERIC_ONLY.match(text):
        return _numbers(text, count)
    picks = [i + 1 for i, options in enumerate(words) if any(word in text for word in options)]
    return picks or None


def _numbers(text: str, count: int) -> list[int] | None:
    picks: list[int] = []
    for token in re.findall(NUMBER_RE, text):
        value = to_int(token)
        if value is not None and 1 <= value <= count:
            picks.append(value)
        elif all(c.isdigit() or c in DIGITS for c in token):  # "135" / "一三五": one digit per pick
            picks += [int(c) if c.isdigit() else DIGITS[c] for c in token]
        else:
            return None
    if not picks or any(not 1 <= p <= count for p in picks):
        return None
    return sorted(set(picks))


def skills(turn: Turn) -> list[str]:
    """Skill keys from a numbered multi-choice answer."""
    picks = multi_choice(turn.text, len(SKILLS), [SKILL_WORDS[s] for s in SKILLS])
    if not picks:
        raise Invalid()
    return [SKILLS[p - 1] for p in picks]


def availability(turn: Turn) -> list[str]:
    """Availability slots from numbers (1–6) or words such as "周末上午", "每天晚上", "平时"."""
    text = fold(turn.text)
    found = _slot_words(text)  # words first: "周末都行" means weekends, not everything
    if found:
        return found
    picks = multi_choice(text, len(SLOTS), [()] * len(SLOTS))
    if not picks:
        raise Invalid()
    return [SLOTS[p - 1] for p in picks]


def _slot_words(text: str) -> list[str]:
    days = [d for d, words in _DAYS.items() if any(w in text for w in words)]
    parts = [p for p, words in _PARTS.items() if any(w in text for w in words)]
    if any(w in text for w in _BOTH_DAYS):
        days = list(_DAYS)
    if any(w in text for w in _ALL_PARTS):
        parts = list(_PARTS)
    if not days and not parts:
        return []
    days, parts = days or list(_DAYS), parts or list(_PARTS)
    return [slot for slot in SLOTS if slot.split("_")[0] in days and slot.split("_", 1)[1] in parts]


def age(turn: Turn) -> int:
    """An elder's age in years (40–120), from "78", "七十八岁", "78岁了"."""
    found = re.search(NUMBER_RE, fold(turn.text))
    value = to_int(found.group()) if found else None
    if value is None or not 40 <= value <= 120:
        raise Invalid()
    return value


def address(turn: Turn) -> str:
    """A home address as written (at least a few characters)."""
    text = fold(turn.text)
    if len(text) < 3 or parse_number(text) is not None:
        raise Invalid()
    return text[:200]


def yes_no(turn: Turn, yes_words: tuple[str, ...], no_words: tuple[str, ...]) -> bool:
    """1/yes → True, 2/no → False, else Invalid."""
    text = fold(turn.text)
    choice = parse_choice(text, ["是", "不是"]) if parse_number(text) is not None else None
    if choice is None and any(w in text for w in no_words):
        choice = 2
    if choice is None and any(w in text for w in yes_words):
        choice = 1
    if choice is None:
        choice = {"affirm": 1, "deny": 2}.get(turn.understanding.intent)
    if choice is None:
        raise Invalid()
    return choice == 1


def contacts(turn: Turn) -> list[dict[str, str]]:
    """Emergency contacts: each a name (or "儿子王建国") followed by a phone number."""
    text = _JOIN_DIGITS.sub("", fold(turn.text))
    found, start = [], 0
    for match in _PHONE_IN_TEXT.finditer(text):
        label = _CONTACT_NOISE.sub(" ", text[start:match.start()]).strip()
        phone = normalize_mobile(match.group()) or match.group()
        found.append({"name": label[-20:].strip(), "phone": phone})
        start = match.end()
    if not found or not all(c["name"] for c in found):
        raise Invalid()
    return found[:5]
