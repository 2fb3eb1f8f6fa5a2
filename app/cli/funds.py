"""`flask --app app funds ...`: donations, expenses and their approval, corrections, the chain check, statements.

Command names and options are a contract (issue 13); `expense` prints `expense <id>` on a line of its own.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, col, func, select

from app.db import session_scope
from bots import notify
from bots.flows.funds.views import kind_label, ledger_link, state_label, summary
from bots.texts import t
from models.base import id_of
from models.funds import chain, ledger, receipts
from models.funds.chain import APPROVE, CANCEL, PAY, REJECT, SUBMIT, FundEntry
from models.funds.ledger import FundError, yuan
from models.funds.statement import monthly
from models.people.users import Village, village_by_code

funds_group = AppGroup("funds", help="The public fund ledger: donations, expenses, approval, corrections, checks.")


def _rt():
    return current_app.extensions["linli"]


class _Failed(click.ClickException):
    """A refused action: the catalogue's Chinese text, exit status 1."""


def _refuse(exc: FundError) -> _Failed:
    return _Failed(t(exc.code, **_labelled(exc.params)))


def _labelled(params: dict) -> dict:
    shown = dict(params)
    if "state" in shown:
        shown["state"] = state_label(shown["state"])
    if "action" in shown:
        shown["action"] = t(f"funds_action_{shown['action']}")
    return shown


def _village(session: Session, code: str) -> Village:
    village = village_by_code(session, code)
    if village is None:
        raise FundError("funds_err_no_village", code=code)
    return village


def _link(code: str) -> str:
    return ledger_link(_rt().settings.as_dict(), code)


def _tell(session: Session, notices) -> int:
    rt = _rt()
    return notify.send(session, notices, now=rt.clock(), tz=rt.settings.tz)


def _run(action):
    """Run an action in one transaction; a refusal rolls it back and exits non-zero with its text."""
    rt = _rt()
    try:
        with session_scope(rt.engine) as session:
            return action(session)
    except FundError as exc:
        raise _refuse(exc) from None


@funds_group.command("donate")
@click.option("--village", "code", required=True, help="village code")
@click.option("--donor", required=True, help="the donor's name (kept even when not published)")
@click.option("--amount", required=True, help="yuan (for a gift in kind: its estimated value)")
@click.option("--anonymous", is_flag=True, help="the donor did not consent to their name being published")
@click.option("--in-kind", "items", default="", help="a gift of goods: what was given")
@click.option("--note", default="")
@click.option("--channel", type=click.Choice(ledger.CHANNELS), default="cash", show_default=True)
@click.option("--receipt-no", default="", help="number of the receipt given to the donor")
@click.option("--date", "given_on", default="", help="day the gift was made, YYYY-MM-DD (default: today)")
@click.option("--openid", default="", help="the donor's openid, to thank them (default: found by name)")
def donate(code, donor, amount, anonymous, items, note, channel, receipt_no, given_on, openid):
    """Record a donation of money or goods."""
    def action(session):
        village = _village(session, code)
        fen = ledger.parse_yuan(amount, allow_zero=bool(items))
        gift = ledger.Gift(donor=donor, amount_fen=fen, consent=not anonymous, channel=channel, receipt_no=receipt_no,
                           items=items, note=note, given_on=_day(given_on),
                           donor_openid=openid or ledger.find_donor(session, village, donor))
        outcome = ledger.donate(session, village, gift, actor="cli", now=_rt().clock(), link=_link(village.code))
        entry = outcome.entry
        click.echo(t("funds_console_donation_id", id=entry.id))
        if items:
            click.echo(t("funds_console_donated_in_kind", id=entry.id, donor=donor, items=items, amount=yuan(fen)))
        else:
            click.echo(t("funds_console_donated", id=entry.id, donor=donor, amount=yuan(fen),
                         channel=t(f"funds_channel_{channel}")))
        if anonymous:
            click.echo(t("funds_console_anonymous"))
        if outcome.notices:
            click.echo(t("funds_console_notified", count=_tell(session, outcome.notices)))
    _run(action)


def _day(text: str) -> str:
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FundError("funds_err_date", date=text) from None


def _read(path: str | None) -> tuple[bytes, str] | None:
    if not path:
        return None
    kind = receipts.content_type_of(path)
    try:
        file = Path(path)
        receipts.within_limit(file.stat().st_size, path)
        return file.read_bytes(), kind
    except OSError:
        raise FundError("funds_err_receipt_file", path=path) from None


@funds_group.command("expense")
@click.option("--village", "code", required=True, help="village code")
@click.option("--amount", required=True, help="yuan")
@click.option("--purpose", required=True, help="what the money is for (published)")
@click.option("--by", "by", required=True, help="openid of the coordinator recording it")
@click.option("--receipt", default=None, help="receipt file (photo, PDF or text), kept privately")
@click.option("--receipt-redacted", default=None, help="a copy with personal details removed, for the public")
@click.option("--receipt-consent", is_flag=True, help="the people on the receipt agreed to its publication as is")
@click.option("--category", type=click.Choice(ledger.CATEGORIES), default="other", show_default=True)
@click.option("--draft", is_flag=True, help="keep as a draft (submit later with funds submit)")
@click.option("--note", default="")
def expense(code, amount, purpose, by, receipt, receipt_redacted, receipt_consent, category, draft, note):
    """Record an expense; another coordinator approves it. Prints `expense <id>`."""
    def action(session):
        rt = _rt()
        village = _village(session, code)
        fen = ledger.parse_yuan(amount)
        ledger.coordinator(session, by, village)
        original, redacted = _read(receipt), _read(receipt_redacted)
        stored = None
        if original is not None:
            stored = receipts.store(session, id_of(village), data=original[0], content_type=original[1],
                                    filename=Path(receipt).name, consent=receipt_consent,
                                    redacted=redacted[0] if redacted else None, now=rt.clock(),
                                    redacted_type=redacted[1] if redacted else "")
        spending = ledger.Spending(purpose=purpose, amount_fen=fen, category=category, draft=draft, note=note,
                                   receipt=receipts.details(stored) if stored else None)
        outcome = ledger.record_expense(session, village, spending, by=by, now=rt.clock(), link=_link(village.code))
        entry = outcome.entry
        click.echo(t("funds_console_expense_id", id=entry.id))
        key = "funds_console_expense_draft" if draft else "funds_console_expense"
        click.echo(t(key, id=entry.id, purpose=purpose, amount=yuan(fen), category=t(f"funds_category_{category}")))
        if outcome.notices:
            click.echo(t("funds_console_notified", count=_tell(session, outcome.notices)))
    _run(action)


def _step(kind: str, record_id: int, by: str, why: str = "") -> None:
    def action(session):
        entry = ledger.record(session, record_id)
        village = session.get(Village, entry.village_id)
        outcome = ledger.step(session, record_id, kind, by=by, now=_rt().clock(), why=why, link=_link(village.code))
        click.echo(t("funds_console_step", id=record_id, purpose=(entry.details or {}).get("purpose", ""),
                     amount=yuan(entry.amount_fen), state=state_label(ledger.state_of(session, entry))))
        if outcome.notices:
            click.echo(t("funds_console_notified", count=_tell(session, outcome.notices)))
    _run(action)


@funds_group.command("submit")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--by", "by", required=True)
def submit(record_id, by):
    """Submit a draft expense for approval."""
    _step(SUBMIT, record_id, by)


@funds_group.command("approve")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--by", "by", required=True, help="openid of a coordinator other than the one who recorded it")
def approve(record_id, by):
    """Approve a pending expense (not by whoever recorded it)."""
    _step(APPROVE, record_id, by)


@funds_group.command("reject")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--by", "by", required=True)
@click.option("--why", required=True)
def reject(record_id, by, why):
    """Reject a pending expense, saying why."""
    _step(REJECT, record_id, by, why)


@funds_group.command("pay")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--by", "by", required=True)
def pay(record_id, by):
    """Record that an approved expense was paid."""
    _step(PAY, record_id, by)


@funds_group.command("cancel")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--by", "by", required=True)
@click.option("--why", default="")
def cancel(record_id, by, why):
    """Withdraw an expense not yet paid."""
    _step(CANCEL, record_id, by, why)


@funds_group.command("correct")
@click.argument("record_id", metavar="ID", type=int)
@click.option("--why", required=True, help="the correction note, published with the entry")
@click.option("--by", "by", default="cli", help="openid of the coordinator making it")
def correct(record_id, why, by):
    """Reverse a donation or an expense with a published correction note."""
    def action(session):
        outcome = ledger.correct(session, record_id, why=why, by=by, now=_rt().clock())
        click.echo(t("funds_console_corrected", id=record_id, amount=yuan(outcome.entry.amount_fen), why=why,
                     entry=outcome.entry.id))
    _run(action)


@funds_group.command("verify")
def verify():
    """Recompute every chain; exit 1 naming the first entry that does not check."""
    with Session(_rt().engine) as session:
        broken = chain.verify(session, receipt_hashes=lambda entry: receipts.check(session, entry.details or {}))
        if broken is not None:
            village = session.get(Village, broken.village_id)
            raise _Failed(t("funds_console_broken", village=village.name if village else broken.village_id,
                            seq=broken.seq, id=broken.entry_id if broken.entry_id is not None else "-",
                            reason=t(f"funds_reason_{broken.reason}")))
        entries = session.exec(select(func.count()).select_from(FundEntry)).one()
        villages = session.exec(select(func.count(func.distinct(col(FundEntry.village_id))))).one()
    click.echo(t("funds_console_verified", villages=villages, entries=entries))


@funds_group.command("statement")
@click.option("--village", "code", required=True)
@click.option("--month", required=True, help="YYYY-MM")
def statement(code, month):
    """The month's statement: balances, income by source, spending by category, every entry."""
    rt = _rt()
    tz = rt.settings.tz

    def action(session):
        village = _village(session, code)
        st = monthly(session, village, month, tz)
        click.echo(summary(st, ledger_link(rt.settings.as_dict(), code, month)))
        for source, fen in sorted(st.income.items()):
            click.echo(f"  + {t(f'funds_channel_{source}')} {yuan(fen)}")
        for category, fen in sorted(st.spending.items()):
            click.echo(f"  - {t(f'funds_category_{category}')} {yuan(fen)}")
        for line in st.lines:
            details = line.record.details or {}
            what = details.get("purpose") or (details.get("donor") if details.get("consent") else t("funds_anonymous"))
            note = (line.entry.details or {}).get("why", "") if line.entry.kind != line.record.kind else ""
            click.echo(t("funds_console_statement_line", date=line.entry.created_at.astimezone(tz).date().isoformat(),
                         number=line.entry.id, kind=kind_label(line.entry.kind), amount=yuan(line.record.amount_fen),
                         what=" ".join(x for x in (what, note) if x), state=state_label(line.state)))
    _run(action)


COMMANDS = [funds_group]
