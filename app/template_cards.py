"""A template message as the person sees it in WeChat: a card with a title and labelled lines.

WeChat shows a template's keywords under the names given when the template was chosen (通知内容,
时间, ...), never as `thing1`. Those names are per account, so they come from the `templates` config:
`title` for the card and `label` on a keyword written as `{value, type, label}`. Without them the
catalogue's name for the value (`template_label_<value>`) is used, and the keyword itself as a last
resort. Used by the console's broadcast preview and the development sandbox.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app import template_fields
from bots.texts import DEFAULT_LANG, catalog, t


@dataclass
class Card:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


def _label(keyword: str, value: str, target: Any) -> str:
    if isinstance(target, Mapping) and isinstance(target.get("label"), str) and target["label"].strip():
        return target["label"].strip()
    key = f"template_label_{value}"
    return t(key) if key in catalog(DEFAULT_LANG) else keyword


def labels(kind: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """keyword -> the name a person reads beside its value."""
    raw = spec.get("fields") or {"thing1": "title"}
    fields = template_fields.parse_fields(kind, spec)
    return {f.keyword: _label(f.keyword, f.value, raw.get(f.keyword)) for f in fields}


def title_of(kind: str, spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    key = f"template_title_{kind}"
    return t(key) if key in catalog(DEFAULT_LANG) else t("template_title_default")


def card_of(kind: str, spec: Mapping[str, Any], data: Mapping[str, Any], url: str = "") -> Card:
    """The card of a sent template message from its data ({keyword: {value}} as WeChat takes it)."""
    names = labels(kind, spec) if kind else {}  # an unknown template: its keywords are all we know
    rows = []
    for keyword, item in data.items():
        value = item.get("value") if isinstance(item, Mapping) else item
        rows.append((names.get(keyword, keyword), "" if value is None else str(value)))
    return Card(title=title_of(kind, spec), rows=rows, url=url)


def find(templates: Mapping[str, Any] | None, template_id: str) -> tuple[str, Mapping[str, Any]] | None:
    """The configured kind and entry of a template id, or None."""
    for kind, spec in (templates or {}).items():
        if isinstance(spec, Mapping) and spec.get("template_id") == template_id:
            return kind, spec
    return None


def preview(kind: str, spec: Mapping[str, Any], text: str, values: Mapping[str, Any] | None, tz: ZoneInfo) -> Card:
    """The card a push of `kind` would become, filled exactly as app/delivery.py fills it."""
    filled = template_fields.fill(kind, spec, text, values, tz)
    return card_of(kind, spec, filled.data, url=str(spec.get("url") or ""))
