"""What villagers and coordinators read about notices: the 通知 list and 广播统计."""
from __future__ import annotations

import re

from bots.commands import MAIN_MENU
from bots.flows.notices.rules import audience_label
from bots.forms import Turn
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.notices import track as notice_track
from models.notices.broadcasts import Broadcast, NoticeError, get_for, village_name

OFFSET = "notices_offset"
# Delivery reasons written by models/ and app/delivery.py -> catalogue key suffix.
REASONS = [("unsubscribed", "unsubscribed"), ("mass_quota", "mass_quota"), ("no_channel", "no_channel"),
           ("window closed", "window"), ("customer-service window closed", "window"),
           ("user does not follow", "not_following"), ("rejected by WeChat", "rejected"), ("gave up", "gave_up"),
           ("worker stopped", "interrupted"), ("mass job", "mass_job"), ("template job", "template_job"),
           ("cancelled", "cancelled"), ("single", "single")]
CHANNELS = ("custom", "template", "mass", "none")


def page_size(turn: Turn) -> int:
    """Notices per page (config notices.page_size, default 5)."""
    return int((turn.ctx.config.get("notices") or {}).get("page_size", 5))


def _snippet(b: Broadcast, limit: int = 60) -> str:
    text = f"【{b.title}】{b.body}" if b.title else b.body
    return text if len(text) <= limit else text[:limit] + "…"


def _date(turn: Turn, b: Broadcast) -> str:
    return b.send_at.astimezone(turn.ctx.tz).strftime("%m-%d")


def list_notices(turn: Turn, conv: Conversation, offset: int = 0) -> str:
    """Show a page of the user's notices, newest first."""
    size = page_size(turn)
    rows = notice_track.latest_for(turn.ctx.session, turn.user, offset=offset, limit=size + 1)
    if not rows:
        conv.data.pop(OFFSET, None)
        return t("notices_list_end") if offset else t("notices_list_empty")
    lines = [t("notices_list_title")] + [
        t("notices_list_item", n=offset + i + 1, date=_date(turn, b), text=_snippet(b))
        for i, b in enumerate(rows[:size])]
    lines.append(t("notices_list_more") if len(rows) > size else t("notices_list_end"))
    conv.data[OFFSET] = offset + size
    # Idle conversations are only stored when choices were offered; the main menu keeps numbers as they were.
    conv.choices = conv.choices or list(MAIN_MENU)
    return "\n".join(lines)


def more(turn: Turn, conv: Conversation) -> str | None:
    """The next page when the user was reading notices; None lets others answer 更多."""
    offset = conv.data.get(OFFSET)
    if conv.flow or offset is None:
        return None
    return list_notices(turn, conv, int(offset))


def reason_text(reason: str) -> str:
    """A delivery reason in words a coordinator understands."""
    for prefix, key in REASONS:
        if reason.startswith(prefix):
            return t(f"notices_reason_{key}")
    return reason


def stats_text(turn: Turn, number: int) -> str:
    """广播统计 <n>: sent / failed / pending per channel, with the reasons."""
    session = turn.ctx.session
    try:
        b = get_for(session, turn.user, number)
    except NoticeError as exc:
        return t(exc.code, **exc.params)
    notice_track.sync_outbox(session, now=turn.ctx.now, broadcast_id=b.id)
    report = notice_track.stats(session, id_of(b))
    lines = [t("notices_stats_title", number=b.id, status=t(f"notices_status_{b.status}"), total=b.recipients,
               village=village_name(session, b.village_id) or t("notices_whole_county"),
               audience=audience_label(b.audience))]
    lines += channel_lines(report["channels"])
    if report["reasons"]:
        lines.append(t("notices_stats_reasons"))
        merged: dict[str, int] = {}
        for reason, n in report["reasons"].items():
            merged[reason_text(reason)] = merged.get(reason_text(reason), 0) + n
        lines += [t("notices_stats_reason", reason=r, n=n) for r, n in sorted(merged.items(), key=lambda x: -x[1])]
    return "\n".join(lines)


def channel_lines(channels: dict[str, dict[str, int]]) -> list[str]:
    """One line per channel that has recipients."""
    lines = []
    for channel in CHANNELS:
        counts = channels.get(channel)
        if not counts:
            continue
        if channel == "none":
            lines.append(t("notices_stats_skipped", n=sum(counts.values())))
            continue
        line = t("notices_stats_line", channel=t(f"notices_channel_{channel}"), sent=counts.get("sent", 0),
                 failed=counts.get("failed", 0) + counts.get("skipped", 0) + counts.get("cancelled", 0),
                 pending=counts.get("pending", 0))
        if counts.get("uncertain"):
            line += t("notices_stats_uncertain", n=counts["uncertain"])
        lines.append(line)
    return lines


def recent_text(turn: Turn) -> str:
    """广播统计 without a number: the latest broadcasts the admin may see."""
    rows = notice_track.recent_for_admin(turn.ctx.session, turn.user)
    if not rows:
        return t("notices_stats_none")
    lines = [t("notices_stats_recent")] + [
        t("notices_stats_recent_item", number=b.id, date=_date(turn, b), text=_snippet(b, 20),
          status=t(f"notices_status_{b.status}")) for b in rows]
    return "\n".join(lines + [t("notices_stats_recent_hint")])


def number_of(match: re.Match) -> int | None:
    """The broadcast number in a command, if any."""
    raw = match.groupdict().get("number")
    return int(raw) if raw else None
