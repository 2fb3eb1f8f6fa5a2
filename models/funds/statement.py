"""The monthly statement in the 村务公开 form: opening balance, income by source, spending by category,
closing balance, and every entry of the month.

Money counts when it is decided: a donation when recorded, an expense when a second coordinator
approves it (paying it later moves no more money out of the fund). Pending expenses are listed as
pending and not subtracted. A correction counts in the month it is made, with its note, so a
statement once published never changes; in-kind gifts are listed with their estimated value but are
not money in the fund.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.base import id_of
from models.funds import chain
from models.funds.chain import APPROVE, CANCEL, CORRECTION, DONATION, EXPENSE, IN_KIND, FundEntry
from models.funds.ledger import APPROVED, PAID, PENDING, FundError, state_after
from models.people.users import Village

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Line:
    """One entry of the month as the public reads it."""

    entry: FundEntry
    record: FundEntry  # the donation or expense the entry is (or acts on)
    effect_fen: int  # what it did to the fund's balance
    state: str  # the record's state at the end of the month


@dataclass
class Statement:
    village: Village
    month: str
    start: datetime
    end: datetime
    opening_fen: int = 0
    income: dict[str, int] = field(default_factory=dict)  # channel -> fen
    spending: dict[str, int] = field(default_factory=dict)  # category -> fen
    in_kind: list[FundEntry] = field(default_factory=list)
    pending: list[FundEntry] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    head: tuple[int, str] = (0, chain.GENESIS)

    @property
    def income_fen(self) -> int:
        return sum(self.income.values())

    @property
    def spending_fen(self) -> int:
        return sum(self.spending.values())

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.income_fen - self.spending_fen

    @property
    def pending_fen(self) -> int:
        return sum(e.amount_fen for e in self.pending)


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in the village's time zone."""
    found = MONTH.match(month or "")
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
        raise FundError("funds_err_month", month=month)
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return start, end


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    """YYYY-MM of a moment, in the village's time zone."""
    return moment.astimezone(tz).strftime("%Y-%m")


def previous_month(moment: datetime, tz: ZoneInfo) -> str:
    """The month before the one this moment falls in."""
    local = moment.astimezone(tz)
    return f"{local.year - 1}-12" if local.month == 1 else f"{local.year}-{local.month - 1:02d}"


def monthly(session: Session, village: Village, month: str, tz: ZoneInfo) -> Statement:
    """The statement of one month, computed from the chain."""
    start, end = month_bounds(month, tz)
    entries = list(session.exec(select(FundEntry).where(FundEntry.village_id == village.id,
                                                        col(FundEntry.created_at) < end)
                                .order_by(col(FundEntry.seq))))
    records = {id_of(e): e for e in entries if e.kind in chain.RECORDS}
    steps: dict[int, list[FundEntry]] = {}
    report = Statement(village=village, month=month, start=start, end=end, head=chain.head_hash(
        session, id_of(village), until=end))
    for entry in entries:
        record = records.get(entry.ref_id) if entry.ref_id is not None else entry
        if record is None:
            continue
        before = state_after(record, steps.get(id_of(record), []))
        if entry.ref_id is not None:
            steps.setdefault(id_of(record), []).append(entry)
        effect = _effect(entry, record, before)
        if entry.created_at < start:
            report.opening_fen += effect
            continue
        details = record.details or {}
        if record.kind == DONATION and effect:
            channel = details.get("channel", "cash")
            report.income[channel] = report.income.get(channel, 0) + effect
        elif record.kind == EXPENSE and effect:
            category = details.get("category", "other")
            report.spending[category] = report.spending.get(category, 0) - effect
        elif entry.kind == IN_KIND:
            report.in_kind.append(entry)
        report.lines.append(Line(entry, record, effect, ""))
    final = {rid: state_after(r, steps.get(rid, [])) for rid, r in records.items()}
    report.lines = [Line(li.entry, li.record, li.effect_fen, final[id_of(li.record)]) for li in report.lines
                    if not _hidden(li.record, final)]
    report.pending = [r for rid, r in records.items() if r.kind == EXPENSE and final[rid] == PENDING]
    return report


def _hidden(record: FundEntry, final: dict[int, str]) -> bool:
    """A draft nobody submitted is the coordinator's notebook, not the ledger."""
    return record.kind == EXPENSE and final[id_of(record)] == "draft"


def _effect(entry: FundEntry, record: FundEntry, before: str) -> int:
    """What one entry does to the balance, given the record's state just before it."""
    if entry.kind == DONATION:
        return entry.amount_fen
    if entry.kind == APPROVE and before == PENDING:
        return -record.amount_fen
    if entry.kind == CORRECTION and record.kind == DONATION:
        return -record.amount_fen
    if entry.kind in (CORRECTION, CANCEL) and record.kind == EXPENSE and before in (APPROVED, PAID):
        return record.amount_fen
    return 0
