"""Time words (明天上午, 下周三, 八点半, 下午三点) turned into a concrete window in Asia/Shanghai."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .numbers import NUMBER_RE, to_int

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHOLE_DAY = (6, 20)
CLOCK_SPAN = timedelta(hours=2)
SOON_SPAN = timedelta(hours=2)

DAY_OFFSETS = {"大后天": 3, "后天": 2, "明天": 1, "明儿": 1, "明日": 1, "明早": 1, "明晚": 1, "明个": 1,
               "今天": 0, "今儿": 0, "今日": 0, "今早": 0, "今晚": 0, "今个": 0}
# (start hour, end hour); 24 stands for midnight at the end of the day.
PARTS = {"凌晨": (0, 6), "早上": (6, 9), "早晨": (6, 9), "清早": (6, 9), "一早": (6, 9), "大清早": (6, 9),
         "明早": (6, 9), "今早": (6, 9), "上午": (8, 12), "头午": (8, 12), "前半晌": (8, 12),
         "中午": (11, 13), "晌午": (11, 13), "午饭": (11, 13), "中饭": (11, 13), "下午": (13, 18),
         "后晌": (13, 18), "后半晌": (13, 18), "午后": (13, 18), "傍晚": (17, 19), "晚饭": (17, 19),
         "晚上": (18, 21), "今晚": (18, 21), "明晚": (18, 21), "夜里": (18, 21), "黑了": (18, 21)}
AFTERNOON_PARTS = {"下午", "后晌", "后半晌", "午后", "傍晚", "晚饭", "晚上", "今晚", "明晚", "夜里", "黑了"}
SOON_WORDS = ("马上", "现在", "立刻", "赶紧", "这会儿", "一会儿", "待会", "等会")
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}

_DAY_RE = re.compile("|".join(sorted(DAY_OFFSETS, key=len, reverse=True)))
_WEEK_RE = re.compile(r"(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天七1-7])")
_WEEKEND_RE = re.compile(r"(下个?|这个?|本)?(?:周末|礼拜天|星期天)")
_DATE_RE = re.compile(rf"({NUMBER_RE})月({NUMBER_RE})[号日]")
_PART_RE = re.compile("|".join(sorted(PARTS, key=len, reverse=True)))
_CLOCK_RE = re.compile(
    rf"(\d{{1,2}}):(\d{{2}})|({NUMBER_RE})点(?:钟)?(半|一刻|三刻|过?({NUMBER_RE})分?)?")
_SOON_RE = re.compile("|".join(SOON_WORDS))
_HOURS_LATER_RE = re.compile(rf"({NUMBER_RE})个?(?:小时|钟头)(?:以?后)")


@dataclass
class _Found:
    """Pieces of a time expression, each with where it was in the text."""

    day: date | None = None
    part: str | None = None
    clock: time | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def time_window(text: str, now: datetime) -> dict[str, str] | None:
    """Window {start, end, label} for the time words in normalised text, or None if there are none."""
    local_now = now.astimezone(SHANGHAI)
    found = _found(text, local_now)
    if found.spans:
        window = _window(found, local_now)
        if window:
            return _as_dict(*window, _label(text, found.spans))
    return _relative(text, local_now)


def _found(text: str, now: datetime) -> _Found:
    found = _Found()
    found.day = _find_day(text, now.date(), found.spans)
    part = _PART_RE.search(text)
    if part:
        found.part = part.group()
        found.spans.append(part.span())
    found.clock = _find_clock(text, found)
    return found


def _find_day(text: str, today: date, spans: list[tuple[int, int]]) -> date | None:
    for finder in (_weekday, _weekend, _month_day, _day_word):
        hit = finder(text, today)
        if hit:
            spans.append(hit[1])
            return hit[0]
    return None


def _day_word(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    match = _DAY_RE.search(text)
    return (today + timedelta(days=DAY_OFFSETS[match.group()]), match.span()) if match else None


def _weekday(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    match = _WEEK_RE.search(text)
    if not match:
        return None
    return _week_date(today, WEEKDAYS[match.group(2)], match.group(1)), match.span()


def _weekend(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    match = _WEEKEND_RE.search(text)
    if not match:
        return None
    day = 6 if "天" in match.group() else 5
    return _week_date(today, day, match.group(1)), match.span()


def _week_date(today: date, weekday: int, which: str | None) -> date:
    monday = today - timedelta(days=today.weekday())
    if which and which.startswith("下"):
        return monday + timedelta(days=7 + weekday)
    candidate = monday + timedelta(days=weekday)
    # A bare "周一" said on a Wednesday means the coming Monday; "这周一" keeps this week.
    if candidate < today and not which:
        candidate += timedelta(days=7)
    return candidate


def _month_day(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    match = _DATE_RE.search(text)
    if not match:
        return None
    month, day = to_int(match.group(1)), to_int(match.group(2))
    try:
        candidate = date(today.year, month or 0, day or 0)
    except ValueError:
        return None
    if candidate < today:
        candidate = candidate.replace(year=today.year + 1)
    return candidate, match.span()


def _find_clock(text: str, found: _Found) -> time | None:
    for match in _CLOCK_RE.finditer(text):
        if match.group(1):
            hour, minute = int(match.group(1)), int(match.group(2))
        elif _looks_like_clock(text, match, found):
            hour, minute = to_int(match.group(3)) or 0, _minutes(match.group(4), match.group(5))
        else:
            continue
        if hour <= 24 and minute < 60:
            found.spans.append(match.span())
            return time(hour % 24, minute)
    return None


def _looks_like_clock(text: str, match: re.Match[str], found: _Found) -> bool:
    # "快一点" / "买一点药" use 一点 as "a little"; only trust it next to other time words.
    if match.group(3) != "一" or match.group(4):
        return True
    return any(end == match.start() for _, end in found.spans or [])


def _minutes(fraction: str | None, number: str | None) -> int:
    if not fraction:
        return 0
    if number:
        return to_int(number) or 0
    return {"半": 30, "一刻": 15, "三刻": 45}.get(fraction, 0)


def _window(found: _Found, now: datetime) -> tuple[datetime, datetime] | None:
    if found.clock is not None:
        start = _clock_start(found, found.clock, now)
        return start, start + CLOCK_SPAN
    if found.part is not None:
        return _part_window(found, found.part, now)
    if found.day is not None:
        return _at(found.day, WHOLE_DAY[0]), _at(found.day, WHOLE_DAY[1])
    return None


def _clock_start(found: _Found, clock: time, now: datetime) -> datetime:
    hour, minute = clock.hour, clock.minute
    if found.part:
        hour = _hour_in_part(hour, found.part)
    elif found.day is not None and 1 <= hour <= 6:
        hour += 12  # "明天三点" means the afternoon: nobody books help at 3 a.m.
    if found.day is not None or found.part:
        day = found.day or _first_day_not_over(now, hour)
        return _at(day, hour, minute)
    return _next_occurrence(now, hour, minute)


def _hour_in_part(hour: int, part: str) -> int:
    if part in AFTERNOON_PARTS and hour < 12:
        return hour + 12
    if part in ("中午", "晌午", "午饭", "中饭") and hour <= 2:
        return hour + 12
    return hour


def _first_day_not_over(now: datetime, hour: int) -> date:
    return now.date() if hour >= now.hour else now.date() + timedelta(days=1)


def _next_occurrence(now: datetime, hour: int, minute: int) -> datetime:
    # "八点半" with no other word: the next 8:30 or 20:30 that is still ahead, never at night.
    hours = [hour] + ([hour + 12] if hour < 12 else [])
    candidates = [_at(now.date() + timedelta(days=d), h, minute) for d in (0, 1) for h in hours if 6 <= h <= 22]
    ahead = [c for c in candidates if c >= now]
    return min(ahead) if ahead else _at(now.date() + timedelta(days=1), hour, minute)


def _part_window(found: _Found, part: str, now: datetime) -> tuple[datetime, datetime]:
    first, last = PARTS[part]
    day = found.day
    if day is None:
        day = now.date() if _at(now.date(), last) > now else now.date() + timedelta(days=1)
    return _at(day, first), _at(day, last)


def _relative(text: str, now: datetime) -> dict[str, str] | None:
    later = _HOURS_LATER_RE.search(text)
    if later:
        start = _minute(now) + timedelta(hours=to_int(later.group(1)) or 0)
        return _as_dict(start, start + SOON_SPAN, later.group())
    soon = _SOON_RE.search(text)
    if soon:
        return _as_dict(_minute(now), _minute(now) + SOON_SPAN, soon.group())
    return None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    if hour >= 24:
        return datetime.combine(day + timedelta(days=1), time(hour - 24, minute), SHANGHAI)
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def _label(text: str, spans: list[tuple[int, int]]) -> str:
    return "".join(text[start:end] for start, end in sorted(set(spans)))


def _as_dict(start: datetime, end: datetime, label: str) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat(), "label": label}
