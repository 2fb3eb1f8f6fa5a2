"""Family binding by chat: 绑定码 (make a code), 绑定 123456 (use it), 1/2 or 同意绑定 <n> (the elder's side
confirms), 我的家人, 解绑 <n>.

States of `绑定 <code>` (see family.md): code checked at once -> relation -> name -> confirm -> the elder's
side is asked -> 1 bound / 2 refused / nothing for 24 h: lapsed.
"""
from __future__ import annotations

import re

from bots import acting, forms, nlu, notify
from bots.flows.people import parse
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Command
from bots.state import Conversation, SqlStore
from bots.texts import t
from models.base import id_of, row_of
from models.help import requests as hr
from models.help.alarms import elders_of
from models.people import binding, membership
from models.people.users import User

BIND, CODE_FOR = "family_bind", "family_code"
# Offered to whoever must confirm a binding, so that their bare 1 or 2 answers it (and a later question
# that offers other choices, such as the morning greeting, takes the bare numbers back).
CONSENT_CHOICES = ["binding_accept", "binding_refuse"]
RELATIONS = ["儿子", "女儿", "儿媳", "女婿", "孙子女", "老伴", "其他亲友"]
_CODE = re.compile(r"\d{6}")
_WORDS = re.compile(r"不?同意[。！!]*")


def _name(user: User) -> str:
    return user.name or t("people_unnamed")


# --- making a code -------------------------------------------------------------------------------------

def _issue(turn: Turn, elder: User) -> str:
    code = binding.issue_code(turn.ctx.session, elder, turn.user, now=turn.ctx.now)
    key = "people_code_self" if elder.id == turn.user.id else "people_code_for"
    return t(key, code=code.code, name=_name(elder))


def _code_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """绑定码 [n]: an elder (or family acting for one) gets a code; a coordinator names the elder by number."""
    session, user = turn.ctx.session, turn.user
    if match.group(1) and not membership.is_coordinator(user):
        return bind_with(turn, conv, match.group(1))  # "绑定码123456" from a family member: they mean to bind
    if match.group(1):
        elder = session.get(User, int(match.group(1)))
        if elder is None or not membership.in_scope(user, elder) or not membership.is_elder(session, elder):
            return t("people_elder_not_found", number=match.group(1))
        return _issue(turn, elder)
    candidates = acting.elders_for(session, user)
    if not candidates:
        return t("people_admin_code_hint") if membership.is_coordinator(user) else t("people_code_not_elder")
    if len(candidates) == 1:
        return _issue(turn, candidates[0])
    return acting.start(CODE_FORM, turn, conv)


def _code_read_back(values: dict, turn: Turn) -> str:
    elder = acting.chosen_elder(values, turn)
    return t("confirm_family_code", name=label_for(elder, turn.user))


def label_for(elder: User, viewer: User) -> str:
    """The elder as the viewer knows them (我自己 or the name)."""
    return acting.label(elder, viewer)


def _code_submit(values: dict, turn: Turn) -> str:
    try:
        return _issue(turn, acting.chosen_elder(values, turn))
    except PermissionError:
        return t("people_not_bound_any_more")


CODE_FORM = Form(name=CODE_FOR, slots=(acting.elder_slot("ask_family_code_elder"),), read_back=_code_read_back,
                 action=_code_submit)


# --- using a code --------------------------------------------------------------------------------------

def _relation(turn: Turn) -> str:
    text = parse.fold(turn.text).rstrip("。.！!")
    choice = parse.pick_word(text, RELATIONS)
    if choice is not None:
        return RELATIONS[choice - 1]
    text = re.sub(r"^(我是(他|她|老人)?的?)", "", text)
    if not 1 <= len(text) <= 6 or any(c.isdigit() for c in text):
        raise Invalid()
    return text


def _prefill_relation(turn: Turn) -> str | None:
    rest = _CODE.sub("", parse.fold(turn.text)).replace("绑定", "").strip(" ，,。")
    return next((r for r in RELATIONS[:-1] if r in rest), None)


def _limits(turn: Turn) -> binding.Limits:
    return binding.limits_from_config(dict(turn.ctx.config))


def _send(turn: Turn, notices) -> None:
    notify.send(turn.ctx.session, notices, now=turn.ctx.now, tz=turn.ctx.tz)


def _check(turn: Turn, code: str) -> binding.Attempt:
    attempt = binding.check(turn.ctx.session, turn.user, code, now=turn.ctx.now, limits=_limits(turn))
    _send(turn, attempt.notices)  # a burst of wrong codes alerts the coordinators
    return attempt


def _code_slot(turn: Turn) -> str:
    found = _CODE.search(parse.fold(turn.text))
    if found is None:
        raise Invalid()
    if _check(turn, found.group()).status != binding.OK:
        raise Invalid()
    return found.group()


def _bind_read_back(values: dict, turn: Turn) -> str:
    _, row = binding.lookup(turn.ctx.session, values["code"], now=turn.ctx.now)
    assert row is not None
    elder = row_of(turn.ctx.session, User, row.elder_id)
    return t("confirm_family_bind", name=_name(elder), relation=values["relation"], who=values["name"])


def _bind_submit(values: dict, turn: Turn) -> str:
    user = turn.user
    user.name = user.name or values["name"]
    attempt = binding.redeem(turn.ctx.session, user, values["code"], values["relation"], now=turn.ctx.now,
                             limits=_limits(turn))
    if attempt.status != binding.ASKED:
        return _refusal(attempt.status, attempt.elder)
    assert attempt.pending is not None and attempt.elder is not None  # ASKED comes with both
    _send(turn, attempt.notices)
    if attempt.pending.asked_id is not None:
        _offer_consent(turn, row_of(turn.ctx.session, User, attempt.pending.asked_id))
    return t("people_bind_asked", name=_name(attempt.elder))


def _offer_consent(turn: Turn, asked: User) -> None:
    """The asked person's next bare 1/2 answers the binding question, unless they are in a flow."""
    store = SqlStore(turn.ctx.session)
    conv = store.load(asked.openid)
    if not conv.active:
        conv.choices = list(CONSENT_CHOICES)
        store.save(asked.openid, conv, turn.ctx.now)


BIND_FORM = Form(name=BIND, slots=(Slot("code", parse=_code_slot),
                                   Slot("relation", parse=_relation, prefill=_prefill_relation),
                                   Slot("name", parse=parse.name, prefill=lambda turn: turn.user.name or None)),
                 read_back=_bind_read_back, action=_bind_submit)


def _refusal(status: str, elder: User | None) -> str:
    return t(f"people_bind_{status}", name=_name(elder) if elder else "")


def bind_with(turn: Turn, conv: Conversation, code: str | None) -> str:
    """Check a code at once (a clear answer when it cannot work), then ask the relationship and confirm."""
    if not code or len(code) != 6:
        return t("people_bind_how")
    attempt = _check(turn, code)
    if attempt.status != binding.OK:
        return _refusal(attempt.status, attempt.elder)
    conv.flow, conv.step, conv.choices = BIND, "", []
    conv.data = {"code": code, "relation": _prefill_relation(turn), "name": turn.user.name or None}
    conv.data = {k: v for k, v in conv.data.items() if v}
    return forms.advance(BIND_FORM, turn, conv)


def _bind_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    return bind_with(turn, conv, parse.fold(match.group(1)))


def _bind_intent(turn: Turn, conv: Conversation) -> str:
    code = turn.understanding.slots.get("code")
    return bind_with(turn, conv, parse.fold(code) if code else None)


# --- confirming: the elder's side says yes or no ----------------------------------------------------------

def _answer(turn: Turn, conv: Conversation, match: re.Match) -> str | None:
    """1/2 or 同意/不同意 from someone asked to confirm a binding, when it answers that question: the words
    always do; a bare digit only while no other question offering numbers came after it."""
    worded = _WORDS.fullmatch(parse.fold(turn.text)) is not None
    if conv.active or (not worded and conv.choices and conv.choices != CONSENT_CHOICES):
        return None  # a flow in progress, or a later question offered other choices
    session, now = turn.ctx.session, turn.ctx.now
    waiting = binding.asked_of(session, turn.user, now=now)
    choice = nlu.parse_choice(turn.text, ["同意", "不同意"])
    if choice is None or (waiting and not worded and _rating_asked_since(turn, waiting[-1])):
        return None
    if not waiting:
        if conv.choices != CONSENT_CHOICES:
            return None
        conv.choices = []
        return t("people_consent_none_waiting")  # it lapsed (or someone else answered) since it was asked
    conv.choices = []
    if len(waiting) > 1:
        return _list_waiting(turn, waiting)
    return _decide(turn, id_of(waiting[0]), accept=choice == 1)


def _rating_asked_since(turn: Turn, row: binding.PendingBinding) -> bool:
    """A visit finished after the binding question asks for 1–5: a bare number is the rating then."""
    elders = [turn.user.id] + [e.id for e in elders_of(turn.ctx.session, turn.user)]
    request = hr.awaiting_rating(turn.ctx.session, elders)
    return request is not None and request.done_at is not None and request.done_at > row.created_at


def _list_waiting(turn: Turn, waiting: list[binding.PendingBinding]) -> str:
    session = turn.ctx.session
    lines = [t("people_bind_waiting_line", number=row.id, who=_name(row_of(session, User, row.family_id)),
               name=_name(row_of(session, User, row.elder_id)), relation=row.relationship) for row in waiting]
    return t("people_bind_waiting_list", lines="\n".join(lines))


def _decide_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """同意绑定 <n> / 拒绝绑定 <n>: the elder, whoever was asked, or a coordinator answers by number."""
    return _decide(turn, int(parse.fold(match.group(2))), accept=match.group(1) == "同意")


def _decide(turn: Turn, pending_id: int, accept: bool) -> str:
    attempt = binding.decide(turn.ctx.session, pending_id, turn.user, accept, now=turn.ctx.now)
    _send(turn, attempt.notices)
    if attempt.status in (binding.ACCEPTED, binding.REFUSED):
        row = turn.ctx.session.get(binding.PendingBinding, pending_id)
        assert row is not None and attempt.elder is not None  # decided: the binding and its elder exist
        who = _name(row_of(turn.ctx.session, User, row.family_id))
        name = t("people_you") if attempt.elder.id == turn.user.id else _name(attempt.elder)
        return t(f"people_consent_{attempt.status}", who=who, relation=row.relationship, name=name)
    return t(f"people_consent_{attempt.status}", number=pending_id)


# --- listing and unbinding -----------------------------------------------------------------------------

def _links_text(turn: Turn) -> str | None:
    links = binding.links_of(turn.ctx.session, turn.user)
    if not links:
        return None
    lines = []
    for i, (row, other, side) in enumerate(links, start=1):
        key = "people_link_elder" if side == "elder" else "people_link_family"
        lines.append(t(key, number=i, name=_name(other), relation=row.relationship or t("people_relation_unknown")))
    return "\n".join(lines)


def _list(turn: Turn, conv: Conversation, match: re.Match) -> str:
    listed = _links_text(turn)
    return t("people_links", links=listed) if listed else t("people_no_links")


def _unbind(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """解绑 alone lists the bindings; 解绑 <n> removes the n-th and tells the other side."""
    links = binding.links_of(turn.ctx.session, turn.user)
    number = match.group(1)
    if not links:
        return t("people_no_links")
    if number is None:
        return t("people_unbind_list", links=_links_text(turn))
    index = int(parse.fold(number))
    if not 1 <= index <= len(links):
        return t("people_unbind_list", links=_links_text(turn))
    row, other, _ = links[index - 1]
    notice = t("people_unbound_notice", who=_name(turn.user))
    binding.unbind(turn.ctx.session, turn.user, id_of(row), now=turn.ctx.now, notice=notice)
    return t("people_unbound", name=_name(other))


COMMANDS = (
    # Before the other features' commands (a pending rating would take a bare 1); it declines unless a binding
    # question is what the 1 or 2 answers.
    Command("family_answer", re.compile(r"(?:[12１２一二]|同意|不同意)[。！!]*"), _answer, first=True),
    Command("family_decide", re.compile(r"(同意|拒绝|不同意)绑定\s*#?\s*([0-9０-９]+)[。！!]*"), _decide_command),
    Command("family_code", re.compile(r"(?:生成绑定码|绑定码|要绑定码|我要绑定码|家属绑定码)\s*(\d+)?[。！!]*"),
            _code_command),
    Command("family_bind", re.compile(r"(?:绑定|绑定家人|绑定老人|绑)\s*(\d{6})[。！!]*"), _bind_command),
    Command("family_list", re.compile(r"(?:我的家人|家人列表|我的绑定|绑定列表|查看绑定)[。！!]*"), _list),
    Command("family_unbind", re.compile(r"(?:解绑|解除绑定|取消绑定)\s*(\d+)?[。！!]*"), _unbind),
)
FORMS = (BIND_FORM, CODE_FORM)
INTENTS = {"bind_family": _bind_intent}
