"""Personal information rights through the token door (docs/privacy.md): the export of my data, or of an
elder I act for, and 注销 — the functions the chat's 导出我的信息 / 导出老人信息 / 注销 use."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from app.api import context, schemas
from app.api.context import local, person, unit
from app.api.problems import Problem
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.privacy import privacy as privacy_chat
from bots.texts import t
from models.base import id_of
from models.help import dispatch
from models.people.users import User
from models.privacy import export as exporting
from models.privacy import links

# Its own blueprint (the token door's authenticator is plugged in by app/api/routes.py, registered first).
bp = Blueprint("api_privacy", __name__, url_prefix="/api/v1")
wire(bp)


def _config() -> dict:
    return dict(context.runtime().config)


def _download(subject_id: int, requester_id: int) -> tuple[str | None, datetime | None]:
    """The signed 24-hour download link the chat gives too; none when the deployment has no secret to sign with."""
    secret = privacy_chat.signing_secret(_config())
    if not secret:
        return None, None
    now = context.now()
    token = links.sign(secret, subject_id=subject_id, requester_id=requester_id, now=now)
    return privacy_chat.public_url(_config(), f"/privacy/export/{token}"), local(now + links.VALID_FOR)


@bp.get("/privacy/export")
@spec.validate(query=schemas.ExportQuery, resp=answers(200, schemas.PrivacyExport, 403, 404, 422), tags=["privacy"],
               security=BEARER)
def privacy_export():
    """Everything held about me (导出我的信息), or about an elder I act for: the elder is told, and the export
    is in their access log, as in the chat."""
    query_in: schemas.ExportQuery = context.request_query()
    now = context.now()
    with unit() as session:
        user = person(session)
        subject: User | None = user
        if query_in.elder_id not in (None, user.id):
            subject = next((e for e in privacy_chat.elders_exportable(session, user) if e.id == query_in.elder_id),
                           None)
            if subject is None:
                raise Problem(404)  # not an elder I act for: the same answer whether the person exists or not
            privacy_chat.exported_for_elder(session, user, subject, now=now, tz=context.runtime().tz,
                                            occasion=f"api:{context.caller().identity_id}:{now.timestamp():.0f}")
        assert subject is not None  # myself, or the elder found above
        data = exporting.export_person(session, id_of(subject), now)
        url, expires = _download(id_of(subject), id_of(user))
        return schemas.PrivacyExport(**data, download_url=url, download_expires_at=expires)


@bp.post("/privacy/deletion")
@spec.validate(resp=answers(202, schemas.DeletionOut, 403), tags=["privacy"], security=BEARER)
def privacy_deletion():
    """注销 my account, as the chat's 注销 after its read-back (the app shows the read-back first): personal
    data erased or anonymised now, people told; this login and every other mini-program login of mine end."""
    now = context.now()
    with unit() as session:
        user = person(session)
        rules = dispatch.dispatch_rules(_config(), context.runtime().tz)
        request = privacy_chat.cancel_account(session, user, now=now, tz=context.runtime().tz, rules=rules)
        return schemas.DeletionOut(status="erased", message=t("privacy_erase_done"),
                                   requested_at=local(request.requested_at), erased_at=local(request.erased_at),
                                   completes_by=local(request.due_at), token_revoked=True), 202
