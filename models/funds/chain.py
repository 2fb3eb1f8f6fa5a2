"""The append-only, hash-chained fund entries of a village, and the check that nobody changed them.

Every fact of the ledger (a donation, an expense, each step of its approval, a correction) is one
entry. An entry's hash covers its canonical content and the hash of the entry before it, so changing
an amount, deleting an entry or moving one to another place breaks the chain at that entry. The
village's head row holds the last sequence number and hash: deleting the newest entries breaks that.
Appends take the head row's lock, so two writers cannot both extend the chain from the same entry.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, insert_ignore, json_field, utc_field

GENESIS = "0" * 64

# Kinds of entries. A record (donation, in-kind gift, expense) carries an amount; the others act on a
# record named by `ref_id`.
DONATION, IN_KIND, EXPENSE = "donation", "in_kind", "expense"
SUBMIT, APPROVE, REJECT, PAY, CANCEL, CORRECTION = "submit", "approve", "reject", "pay", "cancel", "correction"
RECORDS = (DONATION, IN_KIND, EXPENSE)
STEPS = (SUBMIT, APPROVE, REJECT, PAY, CANCEL, CORRECTION)


class FundEntry(SQLModel, table=True):
    """One fact of a village's ledger. Never updated or deleted: mistakes are reversed by a correction."""

    __tablename__ = "fund_entries"
    __table_args__ = (sa.UniqueConstraint("village_id", "seq", name="uq_fund_entry_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="villages.id", index=True)
    seq: int
    kind: str = Field(max_length=16)
    amount_fen: int = Field(default=0)
    ref_id: int | None = Field(default=None, index=True)
    actor: str = Field(default="", max_length=64)
    details: dict[str, Any] | None = json_field()
    created_at: datetime = utc_field()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class FundChain(SQLModel, table=True):
    """The head of a village's chain: what the newest entry must be."""

    __tablename__ = "fund_chains"

    village_id: int = Field(primary_key=True, foreign_key="villages.id")
    last_seq: int = Field(default=0)
    last_hash: str = Field(default=GENESIS, max_length=64)


def moment_text(moment: datetime) -> str:
    """A timestamp as the hash sees it: UTC, microseconds, so both databases give the same text."""
    return as_utc(moment).astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry: FundEntry) -> str:
    """The entry's content as one stable text: sorted keys, no spaces, UTF-8 as is."""
    content = {"village_id": entry.village_id, "seq": entry.seq, "kind": entry.kind, "amount_fen": entry.amount_fen,
               "ref_id": entry.ref_id, "actor": entry.actor, "details": entry.details or {},
               "at": moment_text(entry.created_at)}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: FundEntry, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the canonical content."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def lock_head(session: Session, village_id: int) -> FundChain:
    """Take the village's chain for this transaction (row lock on PostgreSQL; SQLite's writer lock)."""
    insert_ignore(session, FundChain, {"village_id": village_id, "last_seq": 0, "last_hash": GENESIS})
    query = select(FundChain).where(FundChain.village_id == village_id).with_for_update()
    head = session.exec(query.execution_options(populate_existing=True)).one()
    return head


def append(session: Session, head: FundChain, *, kind: str, now: datetime, amount_fen: int = 0,
           ref_id: int | None = None, actor: str = "", details: dict[str, Any] | None = None) -> FundEntry:
    """Add an entry after the head (taken with `lock_head` in this transaction)."""
    if amount_fen < 0:
        raise ValueError("entries carry amounts as positive numbers; the kind says which way money moves")
    entry = FundEntry(village_id=head.village_id, seq=head.last_seq + 1, kind=kind, amount_fen=amount_fen,
                      ref_id=ref_id, actor=actor, details=details or {}, created_at=as_utc(now),
                      prev_hash=head.last_hash, hash="")
    entry.hash = entry_hash(entry, head.last_hash)
    session.add(entry)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class Break:
    """Where a chain stops being what it claims: the first entry that does not check, and why.

    `reason`: `content` (the entry's hash does not match what it says now), `link` (it does not follow
    the entry before it: one was removed or moved), `gap` (a sequence number is missing), `head` (the
    newest entries are gone), `receipt` (a receipt file no longer matches the hash the entry recorded).
    """

    village_id: int
    seq: int
    entry_id: int | None
    reason: str


def verify(session: Session, *, receipt_hashes=None) -> Break | None:
    """Recompute every village's chain from the start; the first break, or None when all hold.

    `receipt_hashes(entry)` may return (receipt id, expected, actual) pairs to compare too.
    """
    villages = set(session.exec(select(FundChain.village_id))) | set(session.exec(select(FundEntry.village_id)))
    for village_id in sorted(villages):
        found = verify_village(session, village_id, receipt_hashes=receipt_hashes)
        if found is not None:
            return found
    return None


def verify_village(session: Session, village_id: int, *, receipt_hashes=None) -> Break | None:
    """Walk one chain in sequence order."""
    query = select(FundEntry).where(FundEntry.village_id == village_id).order_by(col(FundEntry.seq))
    previous, expected_seq = GENESIS, 1
    for entry in session.exec(query):
        if entry.seq != expected_seq:
            return Break(village_id, expected_seq, entry.id, "gap")
        if entry.prev_hash != previous:
            return Break(village_id, entry.seq, entry.id, "link")
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            return Break(village_id, entry.seq, entry.id, "content")
        for _, wanted, actual in (receipt_hashes(entry) if receipt_hashes else ()):
            if wanted != actual:
                return Break(village_id, entry.seq, entry.id, "receipt")
        previous, expected_seq = entry.hash, expected_seq + 1
    head = session.get(FundChain, village_id)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != previous):
        return Break(village_id, expected_seq, None, "head")
    return None


def head_hash(session: Session, village_id: int, *, until: datetime | None = None) -> tuple[int, str]:
    """The last sequence number and hash of a chain, optionally as it stood before a moment."""
    query = select(FundEntry.seq, FundEntry.hash).where(FundEntry.village_id == village_id)
    if until is not None:
        query = query.where(col(FundEntry.created_at) < as_utc(until))
    row = session.exec(query.order_by(col(FundEntry.seq).desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)
