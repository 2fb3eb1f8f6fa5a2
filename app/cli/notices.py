"""`flask --app app notices ...`: compose, preview, list, report, cancel broadcasts; tags; success stories."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import col, select

from app.db import session_scope
from app.wechat_api import WeChatAPIError
from bots.flows.notices import rules
from bots.texts import t
from models.base import id_of
from models.notices import digest as notice_digest
from models.notices import plan as notice_plan
from models.notices import track as notice_track
from models.notices.broadcasts import AudienceTag, Broadcast, Content, NoticeError, compose, get_for, village_name
from models.people.users import User, village_by_code

notices_group = AppGroup("notices", help="Notices and publicity (broadcasts, reports, tags, success stories).")


def _rt():
    return current_app.extensions["linli"]


def _actor(session, openid: str) -> User:
    user = session.exec(select(User).where(User.openid == openid)).first()
    if user is None:
        raise click.ClickException(t("console_no_user", openid=openid))
    return user


def _fail(exc: NoticeError) -> click.ClickException:
    return click.ClickException(t(exc.code, **exc.params))


def _where(session, village_id: int | None) -> str:
    return village_name(session, village_id) or t("notices_whole_county")


def _at(moment: datetime, rt) -> str:
    return f"{moment.astimezone(rt.settings.tz):%m-%d %H:%M}"


def _village_id(session, code: str | None, county: bool, actor: User) -> int | None:
    if county:
        return None
    if code:
        village = village_by_code(session, code)
        if village is None:
            raise click.ClickException(t("console_no_village", code=code))
        return village.id
    return actor.village_id


@notices_group.command("compose")
@click.option("--as", "author", required=True, help="openid of the admin sending it (permissions, preview)")
@click.option("--text", "body", default=None, help="text notice, or the news item's summary")
@click.option("--title", default="", help="news item title (makes it a news item)")
@click.option("--url", default="", help="news item link")
@click.option("--cover", default="", help="news item cover image URL")
@click.option("--audience", default="all", show_default=True, help="all | elder | family | volunteer | tag:NAME")
@click.option("--village", "village_code", default=None, help="village code (default: the admin's village)")
@click.option("--county", is_flag=True, help="every village (county admins only)")
@click.option("--at", "at_text", default=None, help="ISO time to send, e.g. 2026-12-02T08:00+08:00")
@click.option("--urgent", is_flag=True, help="send even in quiet hours")
@click.option("--preview", is_flag=True, help="send a preview to the admin first (WeChat mass preview)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def compose_command(author, body, title, url, cover, audience, village_code, county, at_text, urgent, preview, yes):
    """Compose a broadcast: check, estimate (quota warning), preview, confirm."""
    rt, now = _rt(), _rt().clock()
    if not body:
        raise click.BadParameter(t("console_notice_text_required"), param_hint="--text")
    audience = audience if audience == "all" or ":" in audience else f"role:{audience}"
    send_at = datetime.fromisoformat(at_text) if at_text else now
    if send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=rt.settings.tz)
    content, config = Content(body=body, title=title, url=url, cover_url=cover), rt.settings.as_dict()
    with session_scope(rt.engine) as session:
        actor = _actor(session, author)
        draft = Broadcast(village_id=_village_id(session, village_code, county, actor), author_openid=author,
                          title=title, body=body, url=url, audience=audience, send_at=now, created_at=now)
        plan = rules.plan_rules(config)
        counts = notice_plan.estimate(session, draft, plan, now=now)
        click.echo(t("console_notice_audience", where=_where(session, draft.village_id),
                     audience=rules.audience_label(audience)))
        click.echo(t("console_notice_content", content=rules.render(draft)))
        click.echo(rules.describe_estimate(counts, plan.mass_per_month))
    if preview:
        _send_preview(rt, author, rules.render(draft))
    if not yes and not click.confirm(t("console_notice_confirm")):
        raise click.ClickException(t("console_notice_abandoned"))
    with session_scope(rt.engine) as session:
        try:
            row = compose(session, _actor(session, author), content, audience=audience, village_id=draft.village_id,
                          send_at=send_at, urgent=urgent, limits=rules.limits(config), now=now)
        except NoticeError as exc:
            raise _fail(exc) from None
        click.echo(t("console_notice_scheduled", id=row.id, at=_at(row.send_at, rt)))


def _broadcast(session, broadcast_id: int) -> Broadcast:
    """The broadcast with this number, or a clear error for the operator."""
    found = session.get(Broadcast, broadcast_id)
    if found is None:
        raise click.ClickException(t("console_no_broadcast", id=broadcast_id))
    return found


def _send_preview(rt, openid: str, text: str) -> None:
    try:
        rt.wechat.mass_preview(openid, text)
    except WeChatAPIError as exc:
        raise click.ClickException(t("console_preview_failed", errcode=exc.errcode, errmsg=exc.errmsg)) from None
    click.echo(t("console_preview_sent", openid=openid))


@notices_group.command("preview")
@click.argument("broadcast_id", type=int)
def preview_command(broadcast_id: int):
    """Send a composed broadcast's preview to its author."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        b = _broadcast(session, broadcast_id)
        openid, text = b.author_openid, rules.render(b)
    _send_preview(rt, openid, text)


@notices_group.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int):
    """Show the latest broadcasts with their status."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        rows = session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)).all()
        for b in rows:
            click.echo(t("console_broadcast_line", id=b.id, status=b.status, at=_at(b.send_at, rt),
                         where=_where(session, b.village_id), audience=b.audience, recipients=b.recipients,
                         title=(b.title or b.body)[:30]))


@notices_group.command("stats")
@click.argument("broadcast_id", type=int)
def stats_command(broadcast_id: int):
    """Sent / failed / pending per channel, with failure reasons."""
    from bots.flows.notices.views import channel_lines, reason_text

    rt = _rt()
    with session_scope(rt.engine) as session:
        b = _broadcast(session, broadcast_id)
        notice_track.sync_outbox(session, now=rt.clock(), broadcast_id=b.id)
        report = notice_track.stats(session, id_of(b))
        click.echo(t("console_broadcast_stats", id=b.id, status=b.status, recipients=b.recipients))
        for line in channel_lines(report["channels"]):
            click.echo(line)
        for reason, n in sorted(report["reasons"].items(), key=lambda x: -x[1]):
            click.echo(t("console_broadcast_reason", reason=reason_text(reason), code=reason, count=n))


@notices_group.command("cancel")
@click.argument("broadcast_id", type=int)
@click.option("--as", "author", required=True, help="openid of the admin cancelling it")
def cancel_command(broadcast_id: int, author: str):
    """Cancel a broadcast: what has not been sent yet is not sent."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        try:
            b = get_for(session, _actor(session, author), broadcast_id)
        except NoticeError as exc:
            raise _fail(exc) from None
        if b.status not in ("scheduled", "planning", "sending"):
            raise click.ClickException(t("console_broadcast_not_cancellable", id=b.id, status=b.status))
        notice_track.sync_outbox(session, now=rt.clock(), broadcast_id=b.id)
        counts = notice_plan.cancel_broadcast(session, b, now=rt.clock())
    click.echo(t("console_broadcast_cancelled", id=broadcast_id, count=counts["deliveries"]))


@notices_group.command("tag")
@click.argument("tag")
@click.argument("openids", nargs=-1, required=True)
def tag_command(tag: str, openids: tuple[str, ...]):
    """Put a local tag on users (an audience for `--audience tag:NAME`)."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        rows = [{"tag": tag, "openid": o, "wechat_tag_id": None} for o in openids]
        notice_plan.bulk_insert_ignore(session, AudienceTag, rows)
    click.echo(t("console_tag_added", tag=tag, count=len(openids)))


@notices_group.command("tag-sync")
@click.argument("tag")
def tag_sync_command(tag: str):
    """Create the tag on WeChat and tag its members (50 per call), so mass sends can go by tag."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        openids = list(session.exec(select(AudienceTag.openid).where(AudienceTag.tag == tag)))
    try:
        tag_id = rt.wechat.list_tags().get(tag) or rt.wechat.create_tag(tag)
        for i in range(0, len(openids), 50):
            rt.wechat.tag_users(tag_id, openids[i:i + 50])
    except WeChatAPIError as exc:
        raise click.ClickException(t("console_tag_sync_failed", errcode=exc.errcode, errmsg=exc.errmsg)) from None
    with session_scope(rt.engine) as session:
        for row in session.exec(select(AudienceTag).where(AudienceTag.tag == tag)):
            row.wechat_tag_id = tag_id
            session.add(row)
    click.echo(t("console_tag_synced", tag=tag, tag_id=tag_id, count=len(openids)))


@notices_group.command("story")
@click.argument("request_ref")
@click.argument("text")
@click.option("--as", "author", required=True, help="openid of the coordinator")
@click.option("--consent", is_flag=True, help="the elder agreed in person to be named (recorded as their "
              "publication consent); without it the digest tells the story anonymised")
def story_command(request_ref: str, text: str, author: str, consent: bool):
    """Mark a success story for the weekly digest."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        try:
            story = notice_digest.mark_story(session, _actor(session, author), request_ref=request_ref, text=text,
                                             elder_consent=consent, now=rt.clock())
        except NoticeError as exc:
            raise _fail(exc) from None
        click.echo(t("console_story_marked", id=story.id))


COMMANDS = [notices_group]
