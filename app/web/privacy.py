"""The public privacy door: the privacy notice (/privacy) and export downloads by signed link
(/privacy/export/<token>, JSON, or CSV with ?format=csv), valid 24 hours (docs/privacy.md).

A download is read when the link is opened, so a link opened after the person cancelled their account
returns nothing personal; a family member's link stops working once they are no longer bound.
"""
from __future__ import annotations

import json
from html import escape

from flask import Blueprint, Response, current_app, request

from app.db import session_scope
from bots.flows.privacy.privacy import signing_secret
from bots.texts import t
from models.people import binding
from models.people.users import User
from models.privacy import export as exporting
from models.privacy import links

bp = Blueprint("privacy", __name__)
_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-size:18px;line-height:1.7;max-width:40em;margin:1em auto;padding:0 1em">
<h1 style="font-size:1.4em">{title}</h1>
{paragraphs}
</body></html>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in body.splitlines() if line.strip())
    html = _PAGE.format(title=escape(title), paragraphs=paragraphs)
    return Response(html, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.get("/privacy")
def notice():
    """The privacy notice (隐私政策), with the retention periods configured."""
    settings = current_app.extensions["linli"].settings
    body = t("privacy_page_body", inbound_days=settings["webhook.inbound_retention_days"],
             conversation_days=settings["privacy.retention.conversation_days"],
             audio_days=settings["privacy.retention.audio_days"])
    return _page(t("privacy_page_title"), body)


@bp.get("/privacy/export/<token>")
def download(token: str):
    """The export a signed link grants, while it is valid and the requester may still see it."""
    rt = current_app.extensions["linli"]
    now = rt.clock()
    grant = links.verify(signing_secret(rt.config), token, now=now)
    if grant is None:
        return _page(t("privacy_page_title"), t("privacy_export_invalid"), 404)
    with session_scope(rt.engine) as session:
        requester, subject = session.get(User, grant.requester_id), session.get(User, grant.subject_id)
        allowed = requester is not None and subject is not None and (
            requester.id == subject.id or binding.may_act_for(session, requester, subject))
        data = exporting.export_person(session, grant.subject_id, now) if allowed else None
    if data is None:
        return _page(t("privacy_page_title"), t("privacy_export_invalid"), 404)
    stamp = now.astimezone(rt.tz).strftime("%Y%m%d")
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    if request.args.get("format") == "csv":
        headers["Content-Disposition"] = f'attachment; filename="linli-{stamp}.csv"'
        # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
        return Response("\ufeff" + exporting.to_csv(data), mimetype="text/csv", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="linli-{stamp}.json"'
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json", headers=headers)
