"""One-time subscription messages: which templates the service sends, and the consents a person gave.

The mini-program calls wx.requestSubscribeMessage with template ids from GET /subscriptions and reports
the accepted ones to POST /subscriptions; each is one message delivery may send when the person has no
Official Account window (app/delivery.py, models/api/subscriptions.py).
"""
from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.api import context
from app.api.context import created, person, unit
from app.api.problems import Problem
from app.api.schemas import Body
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from models.api import subscriptions as subs

bp = Blueprint("api_subscriptions", __name__, url_prefix="/api/v1")
wire(bp)


class TemplateOut(BaseModel):
    template_id: str
    kinds: list[str] = Field(description="the notifications this template carries")
    outstanding: int = Field(description="consents I gave that no message has used yet")


class Subscriptions(BaseModel):
    items: list[TemplateOut]


class ConsentIn(Body):
    template_ids: list[str] = Field(min_length=1, max_length=10,
                                    description="the ids wx.requestSubscribeMessage answered 'accept' for")


def _templates() -> dict[str, list[str]]:
    """template id -> the notification kinds configured to use it."""
    found: dict[str, list[str]] = {}
    for kind, spec_ in (context.runtime().settings.get("miniapp.subscriptions") or {}).items():
        found.setdefault(str(spec_["template_id"]), []).append(kind)
    return found


def _out(counts: dict[str, int]) -> Subscriptions:
    return Subscriptions(items=[TemplateOut(template_id=template, kinds=sorted(kinds),
                                            outstanding=counts.get(template, 0))
                                for template, kinds in sorted(_templates().items())])


@bp.get("/subscriptions")
@spec.validate(resp=answers(200, Subscriptions, 403), tags=["subscriptions"], security=BEARER)
def templates():
    """The subscription templates to ask consent for, and how many of my consents are still unused."""
    with Session(context.runtime().engine) as session:
        person(session)
        return _out(subs.outstanding(session, context.caller().identity_id))


@bp.post("/subscriptions")
@spec.validate(json=ConsentIn, resp=answers(201, Subscriptions, 403, 422), tags=["subscriptions"], security=BEARER)
def consent():
    """Record the templates I accepted in wx.requestSubscribeMessage: one message each."""
    if (first := context.replay()) is not None:
        return first
    body: ConsentIn = context.request_json()
    known = _templates()
    unknown = [template for template in body.template_ids if template not in known]
    if unknown:
        raise Problem(422, "subscription_unknown", detail=", ".join(unknown)[:200])
    with unit() as session:
        person(session)
        counts = subs.record(session, context.caller().identity_id, body.template_ids, now=context.now())
        return created(session, _out(counts))
