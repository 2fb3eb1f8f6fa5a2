"""Coordinator side of events: 发布活动 / 发布培训 (a flow) and 签到 <编号> (attendance by numbers)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from bots import forms
from bots.flows.events.common import begin, is_admin, name_of, number_in, when
from bots.forms import Form, Invalid, Slot, Turn
from bots.nlu.numbers import NUMBER_RE, to_int
from bots.registry import Command
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.events import events as ev
from models.people.volunteers import SKILLS

ADMINS = frozenset({"admin", "county_admin"})
PLAIN_KINDS = ("lecture", "clinic", "activity")
KIND_CHOICES = [f"event_publish_{k}" for k in (*PLAIN_KINDS, "training")]
_CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}|[点时]")
_ALL = re.compile(r"^(全部|全都|都到了|全到了|所有人|都来了)[。！!]*$")
_DAYS = re.compile(rf"({NUMBER_RE})\s*(天|个月|月|年)")


def _publish_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    conv.choices = list(KIND_CHOICES)
    return t("events_publish_kinds")


def _starter(kind: str):
    def start(turn: Turn, conv: Conversation) -> str:
        if not is_admin(turn.user):
            return t("not_allowed")
        form = TRAINING if kind == "training" else PUBLISH
        return begin(form, turn, conv, {} if kind == "training" else {"kind": kind})
    return start


def _parse_kind(turn: Turn) -> str:
    return forms.pick(turn, PLAIN_KINDS, [t(f"events_kind_{k}") for k in PLAIN_KINDS])


def _parse_title(turn: Turn) -> str:
    text = turn.text.strip()
    if len(text) < 2 or turn.number is not None:
        raise Invalid()
    return text[:40]


def _moment(turn: Turn, need_clock: bool) -> datetime:
    window = turn.understanding.slots.get("time_window")
    if not window or (need_clock and not _CLOCK.search(turn.text)):
        raise Invalid()
    start = datetime.fromisoformat(window["start"])
    if start <= turn.ctx.now:
        raise Invalid()
    return start


def _parse_when(turn: Turn) -> str:
    return _moment(turn, need_clock=True).isoformat()


def _parse_place(turn: Turn) -> str:
    text = turn.text.strip()
    if not text or turn.number is not None:
        raise Invalid()
    return text[:60]


def _parse_capacity(turn: Turn) -> int:
    size = turn.number or number_in(turn.text)
    if not size or not 1 <= size <= 999:
        raise Invalid()
    return size


def _parse_deadline(turn: Turn) -> str:
    if turn.number == 1:
        return "default"
    return _moment(turn, need_clock=False).isoformat()


def _parse_qualification(turn: Turn) -> str:
    return forms.pick(turn, SKILLS, [t(f"events_qual_{q}") for q in SKILLS])


def _ask_qualification(turn: Turn) -> str:
    lines = [f"{n} {t(f'events_qual_{q}')}" for n, q in enumerate(SKILLS, 1)]
    return "\n".join([t("ask_event_training_qualification"), *lines])


def _parse_valid_days(turn: Turn) -> int:
    if turn.number in (1, 2):
        return 365 * turn.number
    found = _DAYS.search(turn.text)
    amount = to_int(found.group(1)) if found else None
    if not amount:
        raise Invalid()
    assert found is not None  # no match, no amount
    days = amount * {"天": 1, "个月": 30, "月": 30, "年": 365}[found.group(2)]
    if not 1 <= days <= 3650:
        raise Invalid()
    return days


def deadline_of(values: dict, tz) -> datetime:
    """The sign-up deadline: as given (never after the start), or by default 20:00 the evening before."""
    start = datetime.fromisoformat(values["when"])
    if values["deadline"] != "default":
        return min(datetime.fromisoformat(values["deadline"]), start)
    evening = datetime.combine(start.astimezone(tz).date() - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return evening.replace(hour=20)


def _new_event(values: dict, turn: Turn) -> ev.NewEvent:
    kind = values.get("kind", "training")
    return ev.NewEvent(village_id=turn.user.village_id, kind=kind, title=values["title"], place=values["place"],
                       starts_at=datetime.fromisoformat(values["when"]), capacity=values["capacity"],
                       signup_deadline=deadline_of(values, turn.ctx.tz),
                       qualification=values.get("qualification", ""), valid_days=values.get("valid_days"))


def _read_back(values: dict, turn: Turn) -> str:
    new = _new_event(values, turn)
    extra = t("events_publish_grants", qualification=t(f"events_qual_{new.qualification}"),
              days=new.valid_days) if new.qualification else ""
    return t("confirm_event_publish", kind=t(f"events_kind_{new.kind}"), title=new.title,
             when=when(new.starts_at, turn.ctx.tz), place=new.place, capacity=new.capacity,
             deadline=when(new.signup_deadline, turn.ctx.tz), extra=extra)


def _submit(values: dict, turn: Turn) -> str:
    new = _new_event(values, turn)
    if new.signup_deadline <= turn.ctx.now:
        return t("events_publish_deadline_past")
    event = ev.create_event(turn.ctx.session, new, creator=turn.user, now=turn.ctx.now)
    return t("events_published", number=event.id, title=event.title)


COMMON = (Slot("title", parse=_parse_title), Slot("when", parse=_parse_when), Slot("place", parse=_parse_place),
          Slot("capacity", parse=_parse_capacity), Slot("deadline", parse=_parse_deadline))
PUBLISH = Form(name="event_publish", composes=True, slots=(Slot("kind", parse=_parse_kind), *COMMON),
               read_back=_read_back, action=_submit)
TRAINING = Form(name="event_training", composes=True,
                slots=(*COMMON, Slot("qualification", parse=_parse_qualification, ask=_ask_qualification),
                       Slot("valid_days", parse=_parse_valid_days)),
                read_back=_read_back, action=_submit)


# --- attendance ---------------------------------------------------------------------------------

def _event_in_scope(turn: Turn, event_id: int) -> ev.Event | None:
    event = turn.ctx.session.get(ev.Event, event_id)
    if event is None or turn.user.has_role("county_admin"):
        return event
    return event if event.village_id in (None, turn.user.village_id) else None


def _roster(turn: Turn, event_id: int) -> list:
    return ev.attendees(turn.ctx.session, event_id)


def roster_text(turn: Turn, event: ev.Event) -> str:
    """The numbered check-in list of an event, ✓ for those already marked."""
    lines = [t("events_roll_line", n=n, name=name_of(user), party=signup.party_size,
               mark=t("events_roll_here") if signup.attended_at else "")
             for n, (signup, user) in enumerate(_roster(turn, id_of(event)), 1)]
    head = t("events_roll_head", title=event.title, when=when(event.starts_at, turn.ctx.tz), count=len(lines))
    return "\n".join([head, *lines, t("ask_event_checkin_who")])


def _parse_event(turn: Turn) -> int:
    event = _event_in_scope(turn, turn.number or 0)
    if event is None:
        raise Invalid()
    return id_of(event)


def _parse_who(turn: Turn) -> list[int]:
    # Positions in the roster; 0 stands for everyone. Checked against the roster at read-back.
    if _ALL.match(turn.text.strip()):
        return [0]
    numbers = [to_int(x) or 0 for x in re.findall(NUMBER_RE, turn.text)]
    if not numbers or any(not n or n > 500 for n in numbers):
        raise Invalid()
    return sorted(set(numbers))


def _chosen(turn: Turn, values: dict) -> list:
    roster = _roster(turn, values["event"])
    if values["who"] == [0]:
        return roster
    return [roster[n - 1] for n in values["who"] if 1 <= n <= len(roster)]


def _read_back_who(values: dict, turn: Turn) -> str:
    names = [name_of(user) for _, user in _chosen(turn, values)]
    if not names:
        return t("events_roll_nobody")
    return t("confirm_event_checkin", names="、".join(names), count=len(names))


def _submit_who(values: dict, turn: Turn) -> str:
    session, now = turn.ctx.session, turn.ctx.now
    event = row_of(session, ev.Event, values["event"])
    marked = sum(ev.mark_attended(session, signup, event, by=turn.user.openid, now=now)
                 for signup, _ in _chosen(turn, values))
    extra = (t("events_roll_trained", qualification=t(f"events_qual_{event.qualification}"))
             if event.qualification else "")
    return t("events_roll_done", count=marked, extra=extra)


CHECKIN = Form(name="event_checkin", slots=(Slot("event", parse=_parse_event), Slot("who", parse=_parse_who)),
               read_back=_read_back_who, action=_submit_who)


def _checkin_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    event = _event_in_scope(turn, to_int(match.group(1)) or 0)
    if event is None:
        return t("events_roll_not_found")
    if not _roster(turn, id_of(event)):
        return t("events_roll_empty", title=event.title)
    if not ev.roll_open(event, now=turn.ctx.now):
        return t("events_roll_too_early", title=event.title, when=when(event.starts_at, turn.ctx.tz))
    conv.flow, conv.step, conv.data, conv.choices = CHECKIN.name, "who", {"event": event.id, "_retries": 0}, []
    return roster_text(turn, event)


FORMS = (PUBLISH, TRAINING, CHECKIN)
INTENTS = {name: _starter(name.removeprefix("event_publish_")) for name in KIND_CHOICES}
COMMANDS = (
    Command("event_publish", re.compile(r"发布活动|新建活动|发活动"), _publish_command, roles=ADMINS),
    Command("event_training", re.compile(r"发布培训|新建培训"), lambda turn, conv, m: _starter("training")(turn, conv),
            roles=ADMINS),
    Command("event_checkin", re.compile(rf"签到\s*第?({NUMBER_RE})\s*(?:号)?(?:活动)?"), _checkin_command,
            roles=ADMINS),
)
