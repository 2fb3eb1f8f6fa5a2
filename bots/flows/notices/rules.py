"""Notice settings from config and the texts a notice is rendered into (shared by the flow, jobs and CLI)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from bots.texts import t
from models.notices.broadcasts import Broadcast, Content, Limits
from models.notices.plan import PlanRules

AUDIENCE_OPTIONS = ["all", "role:elder", "role:family", "role:volunteer"]


def section(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `notices` config section (empty when absent: every key has a default here)."""
    return config.get("notices", {}) or {}


def limits(config: Mapping[str, Any]) -> Limits:
    """Content limits and allowed link domains."""
    cfg = section(config)
    return Limits(max_text=int(cfg.get("max_text_chars", 600)), max_title=int(cfg.get("max_title_chars", 64)),
                  allowed_domains=tuple(cfg.get("allowed_domains", ["mp.weixin.qq.com", "gov.cn"])))


def _clock_time(text: str) -> time:
    hour, minute = str(text).split(":")
    return time(int(hour), int(minute))


def plan_rules(config: Mapping[str, Any]) -> PlanRules:
    """Planning rules: quiet hours, template availability, the monthly mass quota, chunk sizes."""
    cfg = section(config)
    return PlanRules(
        tz=ZoneInfo(config.get("timezone", "Asia/Shanghai")),
        quiet_start=_clock_time(cfg.get("quiet_start", "21:00")), quiet_end=_clock_time(cfg.get("quiet_end", "07:00")),
        has_template="notice" in (config.get("templates") or {}),
        mass_per_month=int(cfg.get("mass_per_month", 4)), chunk=int(cfg.get("plan_chunk", 5000)),
        reserve=int((config.get("delivery") or {}).get("critical_reserve", 0)),
        batch_size=min(10_000, int(cfg.get("mass_batch_size", 10_000))),
        render=render, template_data=template_data,
    )


def template_per_day(config: Mapping[str, Any]) -> int:
    """The account's daily template-message quota (notices.template_per_day; 0: not checked)."""
    return int(section(config).get("template_per_day", 100_000))


def render(b: Broadcast) -> str:
    """The text a villager reads (customer-service and mass sends)."""
    if b.title:
        link = t("notices_link", url=b.url) if b.url else ""
        return t("notices_news_text", title=b.title, body=b.body, link=link).strip()
    return t("notices_text", body=b.body)


def template_data(b: Broadcast) -> dict[str, Any]:
    """Fields for the `notice` template (each cut at 20 characters by the sender)."""
    return {"title": b.title or b.body, "body": b.body, "url": b.url}


def parse_content(text: str) -> Content:
    """Text as-is, or a news item written `标题｜摘要｜链接｜封面图链接` (the last two optional)."""
    parts = [p.strip() for p in text.replace("|", "｜").split("｜")]
    if len(parts) < 2:
        return Content(body=text.strip())
    title, summary, url, cover = (parts + ["", "", ""])[:4]
    return Content(body=summary, title=title, url=url, cover_url=cover)


def audience_label(audience: str) -> str:
    """How an audience reads in Chinese."""
    kind, _, value = audience.partition(":")
    if kind == "tag":
        return t("notices_aud_tag", tag=value)
    if kind == "checkin":
        return t(f"notices_aud_checkin_{value}")
    return t(f"notices_aud_{value or 'all'}")


def describe_estimate(counts: Mapping[str, int], mass_per_month: int) -> str:
    """One or two lines: how many will receive it, and the mass-quota warning if any."""
    line = t("notices_estimate", total=counts.get("total", 0), custom=counts.get("custom", 0),
             template=counts.get("template", 0), mass=counts.get("mass", 0))
    if counts.get("mass_quota"):
        line += "\n" + t("notices_quota_warning", n=counts["mass_quota"], limit=mass_per_month)
    if counts.get("unsubscribed"):
        line += "\n" + t("notices_unsubscribed_note", n=counts["unsubscribed"])
    return line
