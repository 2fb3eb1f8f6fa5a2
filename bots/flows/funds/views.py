"""How the ledger reads in chat and on the console: the link to the public page and the month's summary."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bots.texts import t
from models.funds.ledger import yuan
from models.funds.statement import Statement, monthly
from models.people.users import Village


def ledger_link(config: Mapping[str, Any], code: str, month: str = "") -> str:
    """The public page of a village's ledger, absolute when `funds.public_base_url` is set."""
    base = str((config.get("funds") or {}).get("public_base_url", "") or "").rstrip("/")
    return f"{base}/public/{code}/funds" + (f"?month={month}" if month else "")


def month_label(month: str) -> str:
    """2026-12 -> 2026年12月."""
    year, number = month.split("-")
    return t("funds_month_label", year=year, month=int(number))


def summary(st: Statement, link: str) -> str:
    """The month in five lines and the link (chat 账目 and the monthly push)."""
    pending = t("funds_summary_pending", count=len(st.pending), amount=yuan(st.pending_fen)) if st.pending else ""
    return t("funds_summary", village=st.village.name, month=month_label(st.month), opening=yuan(st.opening_fen),
             income=yuan(st.income_fen), spending=yuan(st.spending_fen), closing=yuan(st.closing_fen),
             pending=pending, link=link)


def month_summary(session: Session, village: Village, month: str, tz: ZoneInfo, config: Mapping[str, Any]) -> str:
    """Compute and render one month's summary."""
    return summary(monthly(session, village, month, tz), ledger_link(config, village.code, month))


def state_label(state: str) -> str:
    return t(f"funds_state_{state}") if state else ""


def kind_label(kind: str) -> str:
    return t(f"funds_kind_{kind}")
