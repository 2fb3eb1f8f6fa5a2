"""Receipt files of expenses: the original kept privately, and what the public may see of it.

A receipt often carries a name, a phone number or a bank account. The public sees the original only
when the people on it consented; otherwise a copy with those details removed (given by the
coordinator, or for a text receipt made here with `redact`), else nothing but the fact that one is on
file. The entry that records the expense holds the SHA-256 of both files, so `funds verify` notices a
file swapped afterwards.
"""
from __future__ import annotations

import hashlib
import mimetypes
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from models.base import as_utc, utc_field
from models.funds.ledger import FundError
from models.people.redact import redact

MAX_BYTES = 5 * 1024 * 1024
PUBLIC_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain")


class FundReceipt(SQLModel, table=True):
    __tablename__ = "fund_receipts"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="villages.id", index=True)
    filename: str = Field(default="", max_length=200)
    content_type: str = Field(max_length=64)
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    consent: bool = Field(default=False)
    # The copy with personal details removed; None when there is none (and no consent).
    public_data: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    public_sha256: str = Field(default="", max_length=64)
    public_content_type: str = Field(default="", max_length=64)
    created_at: datetime = utc_field()


def content_type_of(filename: str) -> str:
    """The type a receipt is kept and served as, judged by its name (never by what a client claims);
    FundError unless a photo, a PDF or a text file."""
    kind = mimetypes.guess_type(filename)[0] or ""
    if kind not in PUBLIC_TYPES:
        raise FundError("funds_err_receipt_type", path=filename)
    return kind


def within_limit(size: int, filename: str) -> None:
    """FundError for a receipt file over MAX_BYTES."""
    if size > MAX_BYTES:
        raise FundError("funds_err_receipt_big", path=filename)


def digest(data: bytes | None) -> str:
    """SHA-256 of a file, '' for none."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def store(session: Session, village_id: int, *, data: bytes, content_type: str, filename: str, consent: bool,
          redacted: bytes | None, now: datetime, redacted_type: str = "") -> FundReceipt:
    """Keep a receipt; a text receipt without consent or a redacted copy gets one made by `redact`."""
    if len(data) > MAX_BYTES or (redacted is not None and len(redacted) > MAX_BYTES):
        raise ValueError("receipt too large")
    if redacted is None and not consent and content_type == "text/plain":
        redacted = redact(data.decode("utf-8", errors="replace")).encode("utf-8")
        redacted_type = content_type
    row = FundReceipt(village_id=village_id, filename=filename[:200], content_type=content_type,
                      sha256=digest(data), data=data, consent=consent,
                      public_data=None if consent else redacted, public_sha256="" if consent else digest(redacted),
                      public_content_type=content_type if consent else (redacted_type if redacted else ""),
                      created_at=as_utc(now))
    session.add(row)
    session.flush()
    return row


def public_copy(receipt: FundReceipt) -> bytes | None:
    """What the public may see: the original with consent, else the redacted copy, else nothing."""
    return receipt.data if receipt.consent else receipt.public_data


def public_type(receipt: FundReceipt) -> str:
    """The content type of what `public_copy` returns."""
    return receipt.content_type if receipt.consent else receipt.public_content_type


def details(receipt: FundReceipt) -> dict:
    """What the expense entry records about its receipt (and so what the chain protects)."""
    return {"receipt_id": receipt.id, "receipt_sha256": receipt.sha256, "receipt_consent": receipt.consent,
            "receipt_public_sha256": receipt.public_sha256}


def check(session: Session, entry_details: dict) -> list[tuple[int, str, str]]:
    """(receipt id, recorded hash, hash of the stored file) for the files an entry names."""
    receipt_id = entry_details.get("receipt_id")
    if not receipt_id:
        return []
    row = session.get(FundReceipt, receipt_id)
    if row is None:
        return [(receipt_id, entry_details.get("receipt_sha256", ""), "")]
    return [(receipt_id, entry_details.get("receipt_sha256", ""), digest(row.data)),
            (receipt_id, entry_details.get("receipt_public_sha256", ""), digest(row.public_data))]
