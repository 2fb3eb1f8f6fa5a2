"""Personal information rights by chat (docs/privacy.md): 导出我的信息, 导出老人信息 <n>, 注销, 撤回同意,
同意宣传 [n], 谁看过我的信息, 隐私政策.

Every command matches the whole message and runs before the intent guess, which is what used to take
导出我的信息 for a request to list notices (its 信息 reads like 消息 to the classifier).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bots import notify
from bots.flows.help.help import dispatch_rules_of
from bots.forms import Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.core.notify import Notice
from models.people import binding, membership
from models.people.users import FamilyLink, User
from models.privacy import access, consent, erasure, links, publication
from models.privacy import export as exporting

CONFIRM, KEEP = "privacy_erase_confirm", "privacy_erase_keep"
ASKED_AT = "_erase_asked_at"
PUBLISH_YES, PUBLISH_NO = "privacy_publication_yes", "privacy_publication_no"
PUBLISH_FOR, PUBLISH_AT = "_publication_for", "_publication_asked_at"
SHOWN_ACCESSES = 10
_END = r"[。！!？?]*"


def public_url(config: Any, path: str) -> str:
    """An absolute link when `privacy.public_base_url` is set, else the path alone."""
    base = str((config.get("privacy") or {}).get("public_base_url") or "").rstrip("/")
    return f"{base}{path}"


def signing_secret(config: Any) -> str:
    """The deployment's AppSecret (environment only) keys the download links."""
    return str((config.get("wechat") or {}).get("app_secret") or "")


def _link_relation(session, elder: User, family: User) -> str:
    row = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id,
                                                FamilyLink.family_id == family.id)).first()
    return row.relationship if row is not None else ""


def _day(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return t("privacy_day", month=local.month, day=local.day)


def _moment(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return t("privacy_moment", month=local.month, day=local.day, time=f"{local:%H:%M}")


# --- export -------------------------------------------------------------------------------------------------

def _others(session, user: User) -> list[User]:
    """Elders the user acts for other than themself (family exporting for them)."""
    return [e for e in binding.acts_for(session, user) if e.id != user.id]


def _export_reply(turn: Turn, subject: User) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    data = exporting.export_person(session, id_of(subject), now)
    profile = data["profile"]
    roles = "、".join(t(f"console_role_{r}") for r in profile.get("roles", []) if r in
                     ("elder", "family", "volunteer", "admin")) or t("privacy_role_none")
    lines = [t("privacy_export_head", name=profile.get("name") or t("people_unnamed")),
             t("privacy_export_profile", name=profile.get("name") or t("people_unnamed"),
               phone=profile.get("phone") or t("people_none"), roles=roles)]
    if "elder" in profile:
        lines.append(t("privacy_export_elder", address=profile["elder"]["address"] or t("people_none"),
                       health=profile["elder"]["health_notes"] or t("people_none")))
    lines.append(t("privacy_export_counts", **exporting.summary_counts(data)))
    token = links.sign(signing_secret(turn.ctx.config), subject_id=id_of(subject), requester_id=id_of(turn.user),
                        now=now)
    lines.append(t("privacy_export_link", url=public_url(turn.ctx.config, f"/privacy/export/{token}")))
    return "\n".join(lines)


def _export_mine(turn: Turn, conv: Conversation, match: re.Match) -> str:
    reply = _export_reply(turn, turn.user)
    others = _others(turn.ctx.session, turn.user)
    if others:
        picks = [t("privacy_export_pick_line", number=i, name=e.name or t("people_unnamed"))
                 for i, e in enumerate(others, start=1)]
        reply += "\n" + "\n".join([t("privacy_export_others"), *picks])
    return reply


def _export_elder(turn: Turn, conv: Conversation, match: re.Match) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    others = _others(session, turn.user)
    number = int(match.group(1)) if match.group(1) else (1 if len(others) == 1 else 0)
    if not 1 <= number <= len(others):
        return t("privacy_export_not_yours")
    elder = others[number - 1]
    reply = _export_reply(turn, elder)
    exported_for_elder(session, turn.user, elder, now=now, tz=turn.ctx.tz,
                       occasion=str(turn.ctx.inbound_id or int(now.timestamp())))
    return reply


def elders_exportable(session, user: User) -> list[User]:
    """The elders a person may export for (bound, acting for them), themself excluded."""
    return _others(session, user)


def exported_for_elder(session, family: User, elder: User, *, now: datetime, tz, occasion: str) -> None:
    """A family member exported an elder's data (chat or API): the access log records it and the elder is
    told, unless they have no WeChat. `occasion` keys the notice (one per message or API call)."""
    access.log_access(session, subject_id=id_of(elder), viewer_id=family.id, viewer_role="family",
                      what=access.CONTACT, reason=access.EXPORT, now=now)
    if not membership.is_offline(elder):
        relation = _link_relation(session, elder, family)
        who = family.name or t("someone", tail=family.openid[-4:])
        key = f"privacy_export:{elder.id}:{family.id}:{occasion}"
        notify.send(session, [Notice(elder.openid, "privacy_export", key, "privacy_export_told",
                                     {"who": who, "relation": relation or t("privacy_family")})], now=now, tz=tz)


# --- cancellation ---------------------------------------------------------------------------------------------

def _erase_ask(turn: Turn, conv: Conversation, match: re.Match) -> str:
    conv.data = {ASKED_AT: turn.ctx.now.isoformat()}
    conv.choices = [CONFIRM, KEEP]
    return t("privacy_erase_readback")


def _erase_confirm(turn: Turn, conv: Conversation) -> str:
    asked = conv.data.pop(ASKED_AT, None)
    idle = timedelta(minutes=float((turn.ctx.config.get("conversation") or {}).get("idle_minutes", 30)))
    if asked is None or turn.ctx.now - datetime.fromisoformat(asked) > idle:
        return t("privacy_erase_expired")
    cancel_account(turn.ctx.session, turn.user, now=turn.ctx.now, tz=turn.ctx.tz, rules=dispatch_rules_of(turn),
                   keep_inbound_id=turn.ctx.inbound_id)
    conv.data, conv.choices = {}, []
    return t("privacy_erase_done")


def cancel_account(session, user: User, *, now: datetime, tz, rules, keep_inbound_id: int | None = None
                   ) -> erasure.Erasure:
    """注销 of one's own account (chat and API): recorded, carried out in this transaction, people told; the
    `privacy.erase` job sweeps what is written for the old openid afterwards and closes the request."""
    request = erasure.request_erasure(session, user, by=user, now=now, tz=tz)
    notices = erasure.erase(session, request, now=now, rules=rules, keep_inbound_id=keep_inbound_id)
    notify.send(session, notices, now=now, tz=tz)
    return request


def _erase_keep(turn: Turn, conv: Conversation) -> str:
    conv.data.pop(ASKED_AT, None)
    return t("privacy_erase_kept")


def _erase_by_words(turn: Turn, conv: Conversation, match: re.Match) -> str | None:
    # 确认注销 answers the read-back like 1 does; without a pending read-back it is the request itself.
    if ASKED_AT in conv.data:
        return _erase_confirm(turn, conv)
    return _erase_ask(turn, conv, match)


# --- consent ----------------------------------------------------------------------------------------------------

def _whose(elder: User, viewer: User) -> str:
    return t("privacy_whose_self") if elder.id == viewer.id else (elder.name or t("people_unnamed"))


def _withdrawable(session, user: User) -> list[tuple[User, consent.Consent]]:
    people = [user] + _others(session, user)
    return [(person, row) for person in people for row in consent.active(session, id_of(person))]


def _by(row: consent.Consent) -> str:
    if row.relationship == publication.VIA_COORDINATOR:
        return t("privacy_by_coordinator")
    return t("privacy_by_proxy", relation=row.relationship) if row.relationship else t("privacy_by_self")


def _consents(turn: Turn, conv: Conversation, match: re.Match) -> str:
    session = turn.ctx.session
    found = _withdrawable(session, turn.user)
    if match.group(1):
        return _withdraw(turn, found, int(match.group(1)))
    if not found:
        return t("privacy_consents_none")
    lines = [t("privacy_consent_line", number=i, whose=_whose(person, turn.user),
               purpose=t(f"privacy_purpose_{row.purpose}"), by=_by(row),
               when=_day(row.given_at, turn.ctx.tz))
             for i, (person, row) in enumerate(found, start=1)]
    return "\n".join([t("privacy_consents_head"), *lines])


def _withdraw(turn: Turn, found: list[tuple[User, consent.Consent]], number: int) -> str:
    if not 1 <= number <= len(found):
        return t("privacy_consent_not_found", number=number)
    person, row = found[number - 1]
    if row.purpose == consent.SERVICE:
        return t("privacy_consent_service")
    session, now = turn.ctx.session, turn.ctx.now
    consent.withdraw(session, id_of(row), id_of(turn.user), now=now)
    if row.purpose == consent.HEALTH_NOTES:
        membership.forget_health_notes(session, person, now=now)
    return t("privacy_consent_withdrawn", whose=_whose(person, turn.user), purpose=t(f"privacy_purpose_{row.purpose}"))


# --- publication (同意宣传) ------------------------------------------------------------------------------------

def _publishable(session, user: User) -> list[User]:
    """Whose publication consent the person may answer: themself if an elder, and the elders they act for."""
    return ([user] if membership.is_elder(session, user) else []) + _others(session, user)


def _publication_ask(turn: Turn, conv: Conversation, match: re.Match) -> str:
    people = _publishable(turn.ctx.session, turn.user)
    if not people:
        return t("privacy_publication_nobody")
    number = int(match.group(1)) if match.group(1) else (1 if len(people) == 1 else 0)
    if not match.group(1) and len(people) > 1:
        picks = [t("privacy_export_pick_line", number=i, name=_whose(p, turn.user)) for i, p in enumerate(people, 1)]
        return "\n".join([t("privacy_publication_pick"), *picks])
    if not 1 <= number <= len(people):
        return t("privacy_publication_not_yours")
    subject = people[number - 1]
    conv.data = {PUBLISH_FOR: subject.id, PUBLISH_AT: turn.ctx.now.isoformat()}
    conv.choices = [PUBLISH_YES, PUBLISH_NO]
    return t("privacy_publication_ask", whose=_whose(subject, turn.user))


def _publication_answer(turn: Turn, conv: Conversation, granted: bool) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    subject_id, asked = conv.data.pop(PUBLISH_FOR, None), conv.data.pop(PUBLISH_AT, None)
    idle = timedelta(minutes=float((turn.ctx.config.get("conversation") or {}).get("idle_minutes", 30)))
    subject = next((p for p in _publishable(session, turn.user) if p.id == subject_id), None)
    if subject is None or asked is None or now - datetime.fromisoformat(asked) > idle:
        return t("privacy_publication_expired")
    relationship = "" if subject.id == turn.user.id else (_link_relation(session, subject, turn.user)
                                                         or t("privacy_family"))
    consent.record(session, id_of(subject), consent.PUBLICATION, granted=granted, given_by=id_of(turn.user),
                   relationship=relationship, now=now)
    key = "privacy_publication_granted" if granted else "privacy_publication_declined"
    return t(key, whose=_whose(subject, turn.user))


def _publication_yes(turn: Turn, conv: Conversation) -> str | None:
    return _publication_answer(turn, conv, True) if PUBLISH_FOR in conv.data else None


def _publication_no(turn: Turn, conv: Conversation) -> str | None:
    return _publication_answer(turn, conv, False) if PUBLISH_FOR in conv.data else None


# --- who looked ---------------------------------------------------------------------------------------------------

def _accesses(turn: Turn, conv: Conversation, match: re.Match) -> str:
    session, user = turn.ctx.session, turn.user
    people = [user] + _others(session, user)
    parts = []
    for person in people:
        entries = access.accesses_of(session, person.id, limit=SHOWN_ACCESSES)
        whose = _whose(person, user)
        if not entries:
            parts.append(t("privacy_accesses_none", whose=whose))
            continue
        lines = [t("privacy_accesses_head", whose=whose, count=len(entries))]
        lines += [_access_line(session, entry, turn) for entry in entries]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def _access_line(session, entry: access.AccessEntry, turn: Turn) -> str:
    viewer = session.get(User, entry.viewer_id) if entry.viewer_id else None
    role_key = f"privacy_viewer_role_{entry.viewer_role}"
    return t("privacy_access_line", when=_moment(entry.at, turn.ctx.tz),
             role=t(role_key) if role_key in _catalog() else "", viewer=(viewer.name if viewer else entry.viewer_name),
             reason=t(f"privacy_reason_{entry.reason}"),
             ref=t("privacy_access_ref", ref=entry.ref) if entry.reason == access.CLAIM and entry.ref else "",
             what=t(f"privacy_what_{entry.what}"))


def _catalog() -> dict[str, str]:
    from bots.texts import catalog

    return catalog("zh_CN")


# --- the notice -----------------------------------------------------------------------------------------------------

def _notice(turn: Turn, conv: Conversation, match: re.Match) -> str:
    return t("privacy_notice_chat", url=public_url(turn.ctx.config, "/privacy"))


FEATURE = Feature(
    name="privacy",
    intents={CONFIRM: _erase_confirm, KEEP: _erase_keep, PUBLISH_YES: _publication_yes, PUBLISH_NO: _publication_no},
    commands=(
        Command("privacy_export", re.compile(r"(?:导出我的信息|导出我的资料|下载我的信息)" + _END), _export_mine),
        Command("privacy_export_elder", re.compile(r"导出老人(?:的)?信息\s*(\d*)" + _END), _export_elder),
        Command("privacy_erase", re.compile(r"(?:注销|注销账号|注销帐号|我要注销)" + _END), _erase_ask),
        Command("privacy_erase_confirm", re.compile(r"确认注销" + _END), _erase_by_words),
        Command("privacy_consents", re.compile(r"撤回同意\s*(\d*)" + _END), _consents),
        Command("privacy_publication", re.compile(r"同意宣传\s*(\d*)" + _END), _publication_ask),
        Command("privacy_accesses", re.compile(r"(?:谁看过我的信息|谁看了我的信息|谁看过我的资料)" + _END), _accesses),
        Command("privacy_notice", re.compile(r"(?:隐私政策|隐私)" + _END), _notice),
    ),
)
