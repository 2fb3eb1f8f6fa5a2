"""Filling a WeChat template message by keyword type, without mangling what people must read.

Category templates (the only kind a new account gets) type every keyword by its name: `thing1` is
a `thing`, `time2` a `time`, `phone_number3` a `phone_number`. WeChat rejects a value that does not
fit its type with errcode 47003 (WECHAT.md §6, the 类目模板消息参数值内容限制 table):

| type | accepted |
|---|---|
| thing | ≤ 20 characters of text |
| number | ≤ 32 digits, a decimal point allowed |
| letter | ≤ 32 letters |
| symbol | ≤ 5 symbols |
| character_string | ≤ 32 digits, letters or symbols (no Chinese) |
| time | a 24-hour time, optionally with the date; a range joined by "~" |
| date | a date, optionally with the time; a range joined by "~" |
| amount | a currency sign and ≤ 10 digits, decimals and a trailing 元 allowed |
| phone_number | ≤ 17 digits and symbols |
| car_number | ≤ 8 characters |
| name | ≤ 10 Chinese characters, or ≤ 20 letters |
| phrase | ≤ 5 Chinese characters |
| const | one of the values approved for the template (≤ 20 characters) |

Config (`templates` in config.yaml): each notification kind names its `template_id` and `fields`,
keyword -> the name of a value in the row's template data. The type comes from the keyword's name;
a keyword whose name does not say it (a legacy `keyword1`) states it: `keyword1: {value: title,
type: thing}`. Only `thing` is shortened, meaningfully (filler dropped, a sentence kept from its start
with an ellipsis, never inside a number or a time); a value of any other type that does not fit is
left out rather than cut. A row's essentials (its phone, address and time, and for a critical kind
its whole first line) must each land whole in some field; when one does not, the title field says
what happened instead (catalogue `template_summary_<kind>`) and the full text waits for the user's
next message (models/core/outbox_hold.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bots.texts import catalog, t
from models.core.push_kinds import is_critical

LIMITS = {"thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32, "phone_number": 17,
          "car_number": 8, "phrase": 5, "const": 20}
TYPES = frozenset(LIMITS) | {"time", "date", "amount", "name"}
ESSENTIAL_VALUES = ("phone", "address", "when")
ELLIPSIS = "…"
# Where a shortened sentence may end: clause punctuation, closing brackets and spaces.
BOUNDARIES = "，。！？；：,.!?;:】）) "
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KEYWORD = re.compile(r"([a-z_]+?)_?(\d+)")
_CHECKS = {
    "number": re.compile(r"\d+(\.\d+)?"),
    "letter": re.compile(r"[A-Za-z]+"),
    "symbol": re.compile(r"[^\w\s" + HAN + r"]+"),
    "character_string": re.compile(r"[!-~]+"),
    "phone_number": re.compile(r"[0-9+\-() ]+"),
    "car_number": re.compile(r"[" + HAN + r"A-Z0-9][A-Z0-9]{4,6}[" + HAN + r"A-Z0-9]"),
    "phrase": re.compile(r"[" + HAN + r"]+"),
    "amount": re.compile(r"[¥$€£]?\d{1,10}(\.\d{1,2})?\u5143?"),
}


@dataclass(frozen=True)
class Field:
    """One keyword of a template: where its value comes from and which type WeChat checks."""

    keyword: str
    value: str
    type: str


@dataclass
class Filled:
    """The data to send, and whether it carries the row's essentials."""

    data: dict[str, str] = field(default_factory=dict)
    placed: set[str] = field(default_factory=set)  # value names shown whole
    complete: bool = True


def keyword_type(keyword: str) -> str | None:
    """The type a category template's keyword name carries (thing1 -> thing), or None."""
    found = _KEYWORD.fullmatch(keyword)
    if found and found.group(1) in TYPES:
        return found.group(1)
    return keyword if keyword in TYPES else None


def parse_fields(kind: str, spec: Mapping[str, Any]) -> list[Field]:
    """The fields of one `templates` entry; ValueError naming the key when one is wrong."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("template_id"), str) or not spec["template_id"]:
        raise ValueError(f"templates.{kind}.template_id: required")
    raw = spec.get("fields") or {"thing1": "title"}
    if not isinstance(raw, Mapping):
        raise ValueError(f"templates.{kind}.fields: expected a mapping of keyword -> value name")
    fields = []
    for keyword, target in raw.items():
        if isinstance(target, str):
            value, kind_of = target, keyword_type(str(keyword))
        elif isinstance(target, Mapping) and isinstance(target.get("value"), str):
            value, kind_of = target["value"], target.get("type") or keyword_type(str(keyword))
        else:
            raise ValueError(f"templates.{kind}.fields.{keyword}: expected a value name or {{value, type}}")
        if kind_of not in TYPES:
            raise ValueError(f"templates.{kind}.fields.{keyword}: unknown keyword type {kind_of!r}; name it as "
                             f"{{value: {value}, type: thing}} (types: {', '.join(sorted(TYPES))})")
        fields.append(Field(str(keyword), value, kind_of))
    return fields


def fill(kind: str, spec: Mapping[str, Any], text: str, values: Mapping[str, Any] | None, tz: ZoneInfo) -> Filled:
    """Format each field by its type; when an essential does not fit, the title says what happened."""
    fields = parse_fields(kind, spec)
    values = dict(values or {})
    values.setdefault("title", text.strip().splitlines()[0] if text.strip() else "")
    values.setdefault("text", text)
    filled = Filled()
    for f in fields:
        raw = values.get(f.value)
        if raw in (None, ""):
            continue
        shown, whole = format_value(f.type, raw, tz)
        if shown is None:
            continue
        filled.data[f.keyword] = shown
        if whole:
            filled.placed.add(f.value)
    needed = [name for name in ESSENTIAL_VALUES if values.get(name) not in (None, "")]
    if is_critical(kind):
        needed.append("title")
    filled.complete = all(name in filled.placed for name in needed)
    if not filled.complete:
        _say_what_happened(kind, fields, filled)
    return filled


def _say_what_happened(kind: str, fields: list[Field], filled: Filled) -> None:
    things = [f for f in fields if f.type == "thing"]
    if not things:
        return
    target = next((f for f in things if f.value == "title"), things[0])
    key = f"template_summary_{kind}"
    filled.data[target.keyword] = t(key) if key in catalog("zh_CN") else t("template_summary")


def format_value(type_: str, raw: Any, tz: ZoneInfo) -> tuple[str | None, bool]:
    """(the value as the type accepts it, or None to leave it out; whether it is shown whole)."""
    text = " ".join(str(raw).split())
    if type_ == "thing":
        return shorten(text, LIMITS["thing"])
    if type_ in ("time", "date"):
        shown = moment_text(text, tz, with_time=type_ == "time")
        return shown, shown is not None
    if type_ == "phone_number":
        text = text.replace(" ", "")
    if type_ == "number":
        text = text.lstrip("#")
    if not valid(type_, text):
        return None, False
    return text, True


def valid(type_: str, text: str) -> bool:
    """Whether WeChat accepts `text` for a keyword of this type (time and date: see moment_text)."""
    if not text:
        return False
    if type_ == "name":  # mixed Chinese and letters counts as a Chinese name
        return len(text) <= (10 if re.search(f"[{HAN}]", text) else 20)
    limit = LIMITS.get(type_)
    if limit is not None and len(text) > limit:
        return False
    check = _CHECKS.get(type_)
    return check.fullmatch(text) is not None if check else True


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """Fit a sentence into `limit` characters: drop filler, then keep its start with an ellipsis.

    Returns (text, whole): whole is False when words were cut. A cut never falls inside a number or a
    time; "08:00-12:0" is exactly what this avoids.
    """
    if len(text) <= limit:
        return text, True
    for filler in t("template_filler").split("|"):
        if filler:
            text = text.replace(filler, "")
    text = " ".join(text.split()).rstrip(" ，,：:；;")
    if len(text) <= limit:
        return text, True
    room = limit - len(ELLIPSIS)
    head = text[:room]
    boundary = max((i for i, ch in enumerate(head) if ch in BOUNDARIES and not _inside_number(text, i)
                    and not _inside_number(text, i + 1)), default=-1)
    if boundary >= room // 2:
        head = head[:boundary + 1] if head[boundary] in "】）)" else head[:boundary]
    else:
        while head and _inside_number(text, len(head)):
            head = head[:-1]
    return head.rstrip(" ，,：:；;") + ELLIPSIS, False


def _inside_number(text: str, cut: int) -> bool:
    """Whether cutting before text[cut] splits a run of digits, times or phone numbers."""
    numeric = "0123456789:-.~+"
    return cut < len(text) and text[cut] in numeric and text[cut - 1] in numeric


def moment_text(text: str, tz: ZoneInfo, *, with_time: bool) -> str | None:
    """An ISO moment or 'start/end' interval as WeChat's time or date type wants it, or None."""
    try:
        points = [datetime.fromisoformat(part).astimezone(tz) for part in text.split("/")]
    except ValueError:
        return None
    if not 1 <= len(points) <= 2:
        return None
    first = _point(points[0], with_time, with_date=True)
    if len(points) == 1:
        return first
    same_day = points[0].date() == points[1].date()
    if same_day and not with_time:
        return first
    return first + "~" + _point(points[1], with_time, with_date=not same_day)


def _point(moment: datetime, with_time: bool, with_date: bool) -> str:
    date = t("template_date", year=moment.year, month=moment.month, day=moment.day)
    if not with_time:
        return date
    clock = f"{moment:%H:%M}"
    return f"{date} {clock}" if with_date else clock
