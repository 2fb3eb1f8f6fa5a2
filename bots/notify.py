"""Render the domain's Notices in the user's language and put them in the outbox."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bots.texts import t
from models.core import outbox
from models.core.notify import Notice

WEEKDAYS = "一二三四五六日"


def when(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """A time window as people say it: 12月2日(周三) 08:00-12:00."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    day = f"{a.month}月{a.day}日(周{WEEKDAYS[a.weekday()]})"
    if (b - a).total_seconds() >= 86400 - 60 or a.date() != b.date():
        end_day = f"{b.month}月{b.day}日 " if a.date() != b.date() else ""
        return f"{day} {a:%H:%M} 至 {end_day}{b:%H:%M}"
    return f"{day} {a:%H:%M}-{b:%H:%M}"


def category_label(category: str | None) -> str:
    """The Chinese name of a help category."""
    return t(f"category_{category or 'other'}")


# Values the domain leaves empty are shown with a catalogue default (e.g. the hidden address in an offer).
DEFAULTED = ("elder", "volunteer", "phone", "notes", "place", "address")


def _values(params: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    shown = dict(params)
    for name in DEFAULTED:
        if name in shown and shown[name] in (None, ""):
            shown[name] = t(f"default_{name}")
    if "window" in shown:
        start, end = shown["window"]
        shown["window"] = when(start, end, tz)
    if "category" in shown:
        shown["category"] = category_label(shown["category"])
    return shown


def render(notice: Notice, tz: ZoneInfo) -> str:
    """The text of a notice."""
    return t(notice.text_key, **_values(notice.params, tz))


def template_values(notice: Notice, text: str) -> dict[str, str]:
    """The values a template form may show, whole: app/template_fields.py fits each to its keyword's type.

    `title` is the text's first line; `when` a window as an ISO 'start/end' interval (a time keyword
    shows it as a date-time range); empty values are left out rather than given a placeholder.
    """
    values = {"title": text.strip().splitlines()[0] if text.strip() else ""}
    for name, value in notice.params.items():
        if name == "window" and value:
            values["when"] = "/".join(moment.isoformat() for moment in value)
        elif name == "category":
            values[name] = category_label(value)
        elif isinstance(value, datetime):
            values[name] = value.isoformat()
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
            values[name] = str(value)
    return values


def send(session: Session, notices: Iterable[Notice], *, now: datetime, tz: ZoneInfo) -> int:
    """Queue each notice once (its key), in the caller's transaction; return how many were new."""
    rows = []
    rendered: tuple[str, dict[str, Any], str, dict[str, str]] | None = None
    for notice in notices:
        # The offers of one request share their text key and params: rendered once.
        if rendered is None or rendered[0] != notice.text_key or rendered[1] is not notice.params:
            text = render(notice, tz)
            rendered = (notice.text_key, notice.params, text, template_values(notice, text))
        rows.append(outbox.row(key=notice.key, openid=notice.openid, kind=notice.kind, text=rendered[2], now=now,
                               priority=notice.priority, template_data=dict(rendered[3])))
    return outbox.enqueue_many(session, rows)
