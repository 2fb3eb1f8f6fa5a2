"""Family binding by chat: 绑定码 (make a code), 绑定 123456 (use it), 我的家人, 解绑 <n>.

States of `绑定 <code>` (see family.md): code checked at once -> relation -> confirm -> bound.
"""
from __future__ import annotations

import re

from models import binding, membership
from models.people import User

from bots import acting, forms
from bots.flows import people_parse as parse
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Command
from bots.state import Conversation
from bots.texts import t

BIND, CODE_FOR = "family_bind", "family_code"
RELATIONS = ["儿子", "女儿", "儿媳", "女婿", "孙子女", "老伴", "其他亲友"]
_CODE = re.compile(r"\d{6}")


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


def _code_slot(turn: Turn) -> str:
    found = _CODE.search(parse.fold(turn.text))
    if found is None:
        raise Invalid()
    status, _ = binding.check(turn.ctx.session, turn.user, found.group(), now=turn.ctx.now)
    if status != binding.OK:
        raise Invalid()
    return found.group()


def _bind_read_back(values: dict, turn: Turn) -> str:
    _, row = binding.lookup(turn.ctx.session, values["code"], now=turn.ctx.now)
    elder = turn.ctx.session.get(User, row.elder_id)
    return t("confirm_family_bind", name=_name(elder), relation=values["relation"], who=values["name"])


def _bind_submit(values: dict, turn: Turn) -> str:
    user = turn.user
    user.name = user.name or values["name"]
    notice = t("people_bound_notice", who=values["name"], relation=values["relation"])
    status, elder = binding.redeem(turn.ctx.session, user, values["code"], values["relation"],
                                   now=turn.ctx.now, notice=notice)
    if status != binding.OK:
        return _refusal(status, elder)
    return t("people_bound", name=_name(elder))


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
    status, elder = binding.check(turn.ctx.session, turn.user, code, now=turn.ctx.now)
    if status != binding.OK:
        return _refusal(status, elder)
    conv.flow, conv.step, conv.choices = BIND, "", []
    conv.data = {"code": code, "relation": _prefill_relation(turn), "name": turn.user.name or None}
    conv.data = {k: v for k, v in conv.data.items() if v}
    return forms.advance(BIND_FORM, turn, conv)


def _bind_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    return bind_with(turn, conv, parse.fold(match.group(1)))


def _bind_intent(turn: Turn, conv: Conversation) -> str:
    code = turn.understanding.slots.get("code")
    return bind_with(turn, conv, parse.fold(code) if code else None)


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
    binding.unbind(turn.ctx.session, turn.user, row.id, now=turn.ctx.now, notice=notice)
    return t("people_unbound", name=_name(other))


COMMANDS = (
    Command("family_code", re.compile(r"(?:生成绑定码|绑定码|要绑定码|我要绑定码|家属绑定码)\s*(\d+)?[。！!]*"),
            _code_command),
    Command("family_bind", re.compile(r"(?:绑定|绑定家人|绑定老人|绑)\s*(\d{6})[。！!]*"), _bind_command),
    Command("family_list", re.compile(r"(?:我的家人|家人列表|我的绑定|绑定列表|查看绑定)[。！!]*"), _list),
    Command("family_unbind", re.compile(r"(?:解绑|解除绑定|取消绑定)\s*(\d+)?[。！!]*"), _unbind),
)
FORMS = (BIND_FORM, CODE_FORM)
INTENTS = {"bind_family": _bind_intent}
