"""Notices: 广播 (compose, preview, confirm), 通知/更多, 广播统计, 取消广播, 周报 opt-out, WeChat job events.

States (see notices.md): audience -> content -> when -> confirm (预览 sends a preview to
the admin) -> scheduled. The dispatch job plans the broadcast; nothing is sent from here.
"""
from __future__ import annotations

import re
from datetime import datetime

from bots import forms, intents, nlu
from bots.flows.notices import rules, views
from bots.flows.notices import story as notices_story
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.core import outbox
from models.notices import plan as notice_plan
from models.notices import track as notice_track
from models.notices.broadcasts import (
    ADMIN_ROLES,
    DIGEST_TOPIC,
    Broadcast,
    Content,
    NoticeError,
    check_content,
    compose,
    get_for,
    opt_in,
    opt_out,
    village_name,
)

TAG = re.compile(r"^标签[\s:：]*(?P<tag>\S{1,30})$")
NUMBER = r"\s*(?P<number>[0-9０-９]{1,9})"


def _is_county(turn: Turn) -> bool:
    return turn.user.has_role("county_admin")


def _audience(turn: Turn) -> dict:
    found = TAG.match(turn.text.strip())
    if found:
        return {"audience": f"tag:{found['tag']}", "county": False}
    options = ["全村", "老人", "家属", "志愿者"] + (["全县"] if _is_county(turn) else [])
    choice = nlu.parse_choice(turn.text, options)
    if choice is None:
        raise Invalid()
    if choice == 5:
        return {"audience": "all", "county": True}
    return {"audience": rules.AUDIENCE_OPTIONS[choice - 1], "county": False}


def _content(turn: Turn) -> dict:
    content = rules.parse_content(turn.text)
    if turn.number is not None and content.body.strip() == turn.text.strip() and len(content.body) < 3:
        raise Invalid()  # a bare number is an answer to something else, not a notice
    if check_content(content, rules.limits(turn.ctx.config)):
        raise Invalid()
    return content.__dict__


def _when(turn: Turn) -> dict:
    choice = nlu.parse_choice(turn.text, ["现在", "紧急"])
    if choice in (1, 2):
        return {"at": None, "urgent": choice == 2}
    window = turn.understanding.slots.get("time_window")
    if window and datetime.fromisoformat(window["start"]) > turn.ctx.now:
        return {"at": window["start"], "urgent": False}
    raise Invalid()


def _draft(values: dict, turn: Turn) -> Broadcast:
    """An unsaved broadcast, for the read-back estimate and the preview."""
    content = Content(**values["content"])
    village_id = None if values["audience"]["county"] else turn.user.village_id
    return Broadcast(village_id=village_id, author_openid=turn.user.openid, kind=content.kind, title=content.title,
                     body=content.body, url=content.url, cover_url=content.cover_url,
                     audience=values["audience"]["audience"], send_at=turn.ctx.now, created_at=turn.ctx.now)


def _when_text(values: dict, turn: Turn) -> str:
    when = values["when"]
    if when["at"]:
        return datetime.fromisoformat(when["at"]).astimezone(turn.ctx.tz).strftime("%m月%d日 %H:%M")
    if when["urgent"]:
        return t("notices_when_urgent")
    plan = rules.plan_rules(turn.ctx.config)
    return t("notices_when_now") + t("notices_quiet_note", start=plan.quiet_start.strftime("%H:%M"),
                                     end=plan.quiet_end.strftime("%H:%M"))


def _read_back(values: dict, turn: Turn) -> str:
    draft = _draft(values, turn)
    plan = rules.plan_rules(turn.ctx.config)
    counts = notice_plan.estimate(turn.ctx.session, draft, plan, now=turn.ctx.now)
    place = village_name(turn.ctx.session, draft.village_id) or t("notices_whole_county")
    return t("notices_read_back", village=place,
             audience=rules.audience_label(draft.audience), text=rules.render(draft), when=_when_text(values, turn),
             estimate=rules.describe_estimate(counts, plan.mass_per_month))


def _submit(values: dict, turn: Turn) -> str:
    draft, when, ctx = _draft(values, turn), values["when"], turn.ctx
    send_at = datetime.fromisoformat(when["at"]) if when["at"] else ctx.now
    try:
        row = compose(ctx.session, turn.user, Content(**values["content"]), audience=draft.audience,
                      village_id=draft.village_id, send_at=send_at, urgent=when["urgent"],
                      limits=rules.limits(ctx.config), now=ctx.now)
    except NoticeError as exc:
        return t(exc.code, **exc.params)
    start = notice_plan.quiet_until(row.send_at, rules.plan_rules(ctx.config)) if not row.urgent else None
    moment = start or row.send_at
    label = t("notices_starts_soon") if moment <= ctx.now else moment.astimezone(ctx.tz).strftime("%m月%d日 %H:%M")
    return t("notices_scheduled", number=row.id, when=label)


FORM = Form(name="broadcast", composes=True, slots=(Slot("audience", parse=_audience), Slot("content", parse=_content),
                                      Slot("when", parse=_when)), read_back=_read_back, action=_submit)


def _start_broadcast(turn: Turn, conv: Conversation, match: re.Match) -> str:
    if not (ADMIN_ROLES & turn.user.role_set):
        return views.list_notices(turn, conv)
    reply = forms.start(FORM, turn, conv)
    return t("ask_broadcast_audience_county") if _is_county(turn) and conv.step == "audience" else reply


def _preview(turn: Turn, conv: Conversation, match: re.Match) -> str:
    if conv.flow != FORM.name or conv.step != forms.CONFIRM:
        return t("notices_preview_none")
    draft = _draft({k: v for k, v in conv.data.items() if not k.startswith("_")}, turn)
    count = int(conv.data.get("_previews", 0)) + 1
    conv.data["_previews"] = count
    key = f"notice_preview:{turn.ctx.inbound_id or turn.user.openid}:{count}"
    outbox.enqueue(turn.ctx.session, key=key, openid=turn.user.openid, kind="notice_preview",
                   text=t("notices_preview_prefix") + rules.render(draft), now=turn.ctx.now, priority=outbox.URGENT)
    return t("notices_preview_sent")


def _list(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str:
    return views.list_notices(turn, conv)


def _more(turn: Turn, conv: Conversation, match: re.Match) -> str:
    answer = views.more(turn, conv)
    return answer if answer is not None else intents.route(turn, conv)


def _stats(turn: Turn, conv: Conversation, match: re.Match) -> str:
    number = views.number_of(match)
    return views.stats_text(turn, number) if number else views.recent_text(turn)


def _cancel(turn: Turn, conv: Conversation, match: re.Match) -> str:
    ctx = turn.ctx
    try:
        b = get_for(ctx.session, turn.user, int(match.group("number")))  # the pattern requires the number
    except NoticeError as exc:
        return t(exc.code, **exc.params)
    if b.status not in ("scheduled", "planning", "sending"):
        return t("notices_cancel_too_late", number=b.id)
    notice_track.sync_outbox(ctx.session, now=ctx.now, broadcast_id=b.id)
    counts = notice_plan.cancel_broadcast(ctx.session, b, now=ctx.now)
    return t("notices_cancelled", number=b.id, n=counts["deliveries"])


def _digest_off(turn: Turn, conv: Conversation, match: re.Match) -> str:
    done = opt_out(turn.ctx.session, turn.user.openid, DIGEST_TOPIC, now=turn.ctx.now)
    return t("notices_digest_optout" if done else "notices_digest_optout_again")


def _digest_on(turn: Turn, conv: Conversation, match: re.Match) -> str:
    done = opt_in(turn.ctx.session, turn.user.openid, DIGEST_TOPIC)
    return t("notices_digest_optin" if done else "notices_digest_optin_again")


def _mass_finished(message, ctx, user, conv) -> None:
    extra = message.extra
    notice_track.on_mass_job_finish(ctx.session, str(extra.get("MsgID", "")), str(extra.get("Status", "")),
                                    sent=_int(extra.get("SentCount")), errors=_int(extra.get("ErrorCount")),
                                    now=ctx.now)
    return None


def _template_finished(message, ctx, user, conv) -> None:
    extra = message.extra
    notice_track.on_template_finish(ctx.session, message.openid, str(extra.get("MsgID", "")),
                                    str(extra.get("Status", "")), now=ctx.now)
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ADMINS = frozenset(ADMIN_ROLES)
FEATURE = Feature(
    name="notices",
    forms=(FORM, notices_story.FORM),
    intents={"notice_query": lambda turn, conv: _list(turn, conv)},
    commands=(
        Command("notices_broadcast", re.compile(r"(发)?广播|发通知"), _start_broadcast),
        Command("notices_preview", re.compile(r"预览"), _preview, roles=ADMINS),
        Command("notices_stats", re.compile(r"广播统计" + NUMBER + "?"), _stats, roles=ADMINS),
        Command("notices_cancel", re.compile(r"(取消|撤回)广播" + NUMBER), _cancel, roles=ADMINS),
        Command("notices_list", re.compile(r"(看|查看)?(村里)?(通知|公告)"), _list),
        Command("notices_more", re.compile(r"更多(通知)?"), _more),
        Command("notices_digest_off", re.compile(r"退订(周报|简报)"), _digest_off),
        Command("notices_digest_on", re.compile(r"订阅(周报|简报)"), _digest_on),
        Command("notices_story", notices_story.TRIGGER, notices_story.start, roles=ADMINS),
    ),
    events={"masssendjobfinish": _mass_finished, "templatesendjobfinish": _template_finished},
)
