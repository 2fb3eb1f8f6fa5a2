"""The fund ledger in the console (docs/funds.md): this month's entries and the open expenses of a village
in reach; record a donation, record an expense (or a draft, with its receipt), submit, approve / reject,
pay, cancel, and correct a donation or an expense with a published note.

Every action is the function `flask --app app funds …` calls (models/funds/ledger.py), with the logged-in
coordinator as the actor, so the same rules hold: only a coordinator of the village (or a county admin)
acts, whoever recorded an expense can neither approve nor reject it, a state moved meanwhile is refused.
Names are shown as the public ledger shows them (匿名 unless publication is allowed).
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import abort, make_response, request
from sqlmodel import Session, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.console.common import admin_in, blueprint, body_limit, page, rt, who
from app.console.scope import villages_of
from app.db import session_scope
from bots import notify
from bots.flows.funds.views import kind_label, ledger_link, month_label, state_label
from bots.texts import catalog, t
from models.base import id_of
from models.funds import ledger, receipts
from models.funds.chain import APPROVE, CANCEL, PAY, REJECT, SUBMIT, FundEntry
from models.funds.ledger import FundError, yuan
from models.funds.public import donor_shown
from models.funds.statement import month_of, monthly
from models.people.users import User, Village

bp = blueprint("console_funds", __name__)
REFUSED = {"funds_err_not_coordinator": 403, "funds_err_same_person": 409, "funds_err_state": 409,
           "funds_err_no_record": 404, "funds_err_not_expense": 404}
STEPS = {"submit": SUBMIT, "approve": APPROVE, "reject": REJECT, "pay": PAY, "cancel": CANCEL}
# An expense form carries the receipt and its redacted copy, each at most receipts.MAX_BYTES.
UPLOAD_LIMIT = 2 * receipts.MAX_BYTES + 64 * 1024


def _answer(text: str, ok: bool = True, status: int = 200):
    template = "_result.html" if request.headers.get("HX-Request") else "result.html"
    return make_response(page(template, text=text, ok=ok), status)


def _refused(exc: FundError):
    """The catalogue's text for a refusal (the console's own wording where the CLI's names its flags)."""
    params: dict[str, Any] = dict(exc.params)
    if "state" in params:
        params["state"] = state_label(params["state"])
    if "action" in params:
        params["action"] = t(f"funds_action_{params['action']}")
    own = f"console_web_{exc.code}"
    text = t(own if own in catalog("zh_CN") else exc.code, **params)
    return _answer(text, ok=False, status=REFUSED.get(exc.code, 400))


def _village(session: Session, admin: User, village_id: int) -> Village:
    """A village in the coordinator's reach, else 404 (as if it did not exist)."""
    found = next((v for v in villages_of(session, admin) if v.id == village_id), None)
    if found is None:
        abort(404)
    return found


def _line(session: Session, entry: FundEntry, record: FundEntry, state: str) -> dict[str, Any]:
    details = record.details or {}
    if record.kind == "expense":
        what = details.get("purpose", "")
    else:
        donor = donor_shown(session, record) or t("funds_anonymous")
        what = f"{donor}: {details['items']}" if details.get("items") else donor
    return {"id": entry.id, "record_id": record.id, "kind": kind_label(entry.kind), "amount": yuan(record.amount_fen),
            "what": what, "state": state_label(state), "at": entry.created_at}


def _recorder(session: Session, entry: FundEntry) -> User | None:
    return session.exec(select(User).where(User.openid == entry.actor)).first() if entry.actor else None


def _open_line(session: Session, admin: User, e: FundEntry) -> dict[str, Any]:
    details = e.details or {}
    return {"e": e, "recorder": who(_recorder(session, e)), "mine": e.actor == admin.openid,
            "amount": yuan(e.amount_fen), "purpose": details.get("purpose", ""),
            "category": t(f"funds_category_{details.get('category', 'other')}"),
            "receipt": bool(details.get("receipt_id"))}


@bp.get("/funds")
def funds_page():
    """This month's entries and the pending expenses, with the forms to act."""
    runtime = rt()
    now, tz = runtime.clock(), runtime.tz
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        villages = villages_of(session, admin)
        if not villages:
            abort(404)
        chosen = request.args.get("village", type=int)
        village = _village(session, admin, chosen) if chosen is not None else villages[0]
        st = monthly(session, village, month_of(now, tz), tz)
        lines = [_line(session, li.entry, li.record, li.state) for li in st.lines]
        open_: dict[str, list[dict[str, Any]]] = {ledger.DRAFT: [], ledger.PENDING: [], ledger.APPROVED: []}
        for e, state in ledger.open_expenses(session, id_of(village)):
            open_[state].append(_open_line(session, admin, e))
        return page("funds.html", village=village, villages=villages, month=month_label(st.month), lines=lines,
                    drafts=open_[ledger.DRAFT], pending=open_[ledger.PENDING], approved=open_[ledger.APPROVED],
                    totals={"opening": yuan(st.opening_fen), "income": yuan(st.income_fen),
                                             "spending": yuan(st.spending_fen), "closing": yuan(st.closing_fen)},
                    channels=ledger.CHANNELS, categories=ledger.CATEGORIES,
                    public=ledger_link(runtime.settings.as_dict(), village.code))


def _tell(session: Session, notices) -> None:
    runtime = rt()
    notify.send(session, notices, now=runtime.clock(), tz=runtime.tz)


@bp.post("/funds/<int:village_id>/donations")
def donate(village_id: int):
    """Record a donation of money or goods, as `funds donate`; a named gift of a known person is their
    publication consent (models/funds/ledger.py)."""
    form = request.form
    donor, items = form.get("donor", "").strip(), form.get("items", "").strip()
    channel = form.get("channel", "cash")
    anonymous = form.get("anonymous") == "1"
    runtime = rt()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        village = _village(session, admin, village_id)
        try:
            ledger.coordinator(session, admin.openid, village)
            fen = ledger.parse_yuan(form.get("amount", ""), allow_zero=bool(items))
            gift = ledger.Gift(donor=donor, amount_fen=fen, consent=not anonymous, channel=channel, items=items,
                               note=form.get("note", ""), receipt_no=form.get("receipt_no", ""),
                               donor_openid=ledger.find_donor(session, village, donor) if donor else "")
            outcome = ledger.donate(session, village, gift, actor=admin.openid, now=runtime.clock(),
                                    link=ledger_link(runtime.settings.as_dict(), village.code))
        except FundError as exc:
            session.rollback()
            return _refused(exc)
        _tell(session, outcome.notices)
        entry = outcome.entry
        if items:
            text = t("funds_console_donated_in_kind", id=entry.id, donor=donor, items=items, amount=yuan(fen))
        else:
            text = t("funds_console_donated", id=entry.id, donor=donor, amount=yuan(fen),
                     channel=t(f"funds_channel_{channel}"))
        return _answer(text + (t("funds_console_anonymous") if anonymous else ""))


def _upload(name: str) -> tuple[bytes, str, str] | None:
    """An uploaded receipt file: (bytes, content type, file name), checked as the CLI checks a file."""
    file = request.files.get(name)
    if file is None or not file.filename:
        return None
    filename = PurePath(file.filename.replace("\\", "/")).name
    kind = receipts.content_type_of(filename)
    data = file.read(receipts.MAX_BYTES + 1)
    receipts.within_limit(len(data), filename)
    return data, kind, filename


def _receipt(session: Session, village: Village) -> dict[str, Any] | None:
    """Keep the uploaded receipt (and its redacted copy) with receipts.store, as `funds expense --receipt`."""
    original, redacted = _upload("receipt"), _upload("receipt_redacted")
    if original is None:
        if redacted is not None:
            raise FundError("funds_err_receipt_redacted_alone")
        return None
    stored = receipts.store(session, id_of(village), data=original[0], content_type=original[1],
                            filename=original[2], consent=request.form.get("receipt_consent") == "1",
                            redacted=redacted[0] if redacted else None, now=rt().clock(),
                            redacted_type=redacted[1] if redacted else "")
    return receipts.details(stored)


@bp.post("/funds/<int:village_id>/expenses")
@body_limit(UPLOAD_LIMIT)
def record_expense(village_id: int):
    """Record an expense, as `funds expense`: pending until a second coordinator approves it, or a draft;
    with a receipt (the original kept privately, a redacted copy or consent for the public)."""
    form = request.form
    category = form.get("category", "other")
    draft = form.get("draft") == "1"
    runtime = rt()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        village = _village(session, admin, village_id)
        try:
            fen = ledger.parse_yuan(form.get("amount", ""))
            ledger.coordinator(session, admin.openid, village)
            spending = ledger.Spending(purpose=form.get("purpose", ""), amount_fen=fen, category=category,
                                       note=form.get("note", ""), draft=draft, receipt=_receipt(session, village))
            outcome = ledger.record_expense(session, village, spending, by=admin.openid, now=runtime.clock(),
                                            link=ledger_link(runtime.settings.as_dict(), village.code))
        except FundError as exc:
            session.rollback()
            return _refused(exc)
        _tell(session, outcome.notices)
        key = "console_web_funds_expense_draft" if draft else "funds_console_expense"
        text = t(key, id=outcome.entry.id, purpose=spending.purpose.strip(), amount=yuan(fen),
                 category=t(f"funds_category_{category}"))
        return _answer(text + (t("console_web_funds_receipt_kept") if spending.receipt else ""))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A body over UPLOAD_LIMIT (or a plain form over the app's limit): the reason, not a bare 413."""
    return _answer(t("console_web_funds_err_body_big", mb=receipts.MAX_BYTES // (1024 * 1024)), ok=False,
                   status=400)


def _number(text: str) -> int:
    text = text.strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise FundError("funds_err_record_id", text=text)
    return int(text)


def _in_reach(session: Session, admin: User, record_id: int) -> tuple[FundEntry, Village]:
    """A donation or expense of a village in the coordinator's reach (404 otherwise, as if it did not exist)."""
    entry = ledger.record(session, record_id)
    village = session.get(Village, entry.village_id)
    if village is None or village.id not in {v.id for v in villages_of(session, admin)}:
        abort(404)
    return entry, village


@bp.post("/funds/expenses/<int:record_id>/<any(submit, approve, reject, pay, cancel):action>")
def decide(record_id: int, action: str):
    """提交 / 批准 / 驳回 / 支付 / 撤销 an expense, as `funds submit|approve|reject|pay|cancel`: a rejection
    says why; whoever recorded it can neither approve nor reject it."""
    runtime = rt()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        try:
            entry, village = _in_reach(session, admin, record_id)
            outcome = ledger.step(session, record_id, STEPS[action], by=admin.openid, now=runtime.clock(),
                                  why=request.form.get("why", ""),
                                  link=ledger_link(runtime.settings.as_dict(), village.code))
        except FundError as exc:
            session.rollback()
            return _refused(exc)
        _tell(session, outcome.notices)
        return _answer(t("funds_console_step", id=id_of(entry), purpose=(entry.details or {}).get("purpose", ""),
                         amount=yuan(entry.amount_fen), state=state_label(ledger.state_of(session, entry))))


@bp.post("/funds/corrections")
def correct():
    """更正: reverse a donation or an expense (form field `record_id`) with a published correction note
    (`why`), as `funds correct`."""
    runtime = rt()
    why = request.form.get("why", "")
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        try:
            record_id = _number(request.form.get("record_id", ""))
            _in_reach(session, admin, record_id)
            outcome = ledger.correct(session, record_id, why=why, by=admin.openid, now=runtime.clock())
        except FundError as exc:
            session.rollback()
            return _refused(exc)
        return _answer(t("funds_console_corrected", id=record_id, amount=yuan(outcome.entry.amount_fen),
                         why=why.strip(), entry=outcome.entry.id))
