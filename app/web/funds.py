"""The public fund ledger, no login: the month's statement as a mobile page, JSON and CSV, and receipts
as the public may see them (`models/funds/public.py` decides what that is)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from sqlmodel import Session

from bots.flows.funds.views import kind_label, ledger_link, month_label, state_label
from bots.texts import DEFAULT_LANG, catalog, t
from models.funds.ledger import FundError
from models.funds.public import public_statement
from models.funds.receipts import FundReceipt, public_copy, public_type
from models.funds.statement import month_of, monthly
from models.people.users import village_by_code

bp = Blueprint("public_funds", __name__)
ENTRY_KEYS = ("kind", "record_kind")


def _rt():
    return current_app.extensions["linli"]


class _Refused(Exception):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(error)
        self.status, self.error, self.message = status, error, message


def _statement(code: str) -> dict[str, Any]:
    rt = _rt()
    tz = rt.settings.tz
    month = request.args.get("month") or month_of(rt.clock(), tz)
    with Session(rt.engine) as session:
        village = village_by_code(session, code)
        if village is None:
            raise _Refused(404, "no_such_village", t("funds_page_no_village", code=code))
        try:
            st = monthly(session, village, month, tz)
        except FundError:
            raise _Refused(400, "bad_month", t("funds_page_bad_month", month=month)) from None
        return _labelled(public_statement(session, st, tz))


def _labelled(data: dict[str, Any]) -> dict[str, Any]:
    """Add the Chinese names of codes, so the JSON reads on its own and the page needs no lookups."""
    for row in data["income"]:
        row["label"] = t(f"funds_channel_{row['source']}")
    for row in data["spending"] + data["pending"]:
        row["label"] = t(f"funds_category_{row['category']}")
    for row in data["pending"]:
        row["state_label"] = state_label(row["state"])
    for row in data["entries"]:
        row["kind_label"], row["state_label"] = kind_label(row["kind"]), state_label(row["state"])
        if row.get("channel"):
            row["channel_label"] = t(f"funds_channel_{row['channel']}")
        if row.get("category"):
            row["category_label"] = t(f"funds_category_{row['category']}")
        if row.get("receipt"):
            row["receipt"]["url"] = (f"/public/{data['village']['code']}/funds/receipts/{row['receipt']['id']}"
                                     if row["receipt"]["public"] else None)
    data["month_label"] = month_label(data["month"])
    return data


def _refused_page(exc: _Refused) -> Response:
    return Response(exc.message, status=exc.status, mimetype="text/plain")


@bp.get("/public/<code>/funds")
def page(code: str):
    """The month's statement in the 村务公开 form, for a phone."""
    try:
        data = _statement(code)
    except _Refused as exc:
        return _refused_page(exc)
    year, number = (int(x) for x in data["month"].split("-"))
    prev = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
    following = f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
    return render_template("funds.html", data=data, T=_page_texts(), prev=prev, following=following,
                           title=t("funds_page_title", village=data["village"]["name"]),
                           month_title=t("funds_page_month", year=year, month=number),
                           chain=t("funds_page_chain", seq=data["chain"]["last_seq"],
                                   hash=data["chain"]["last_hash"][:16]),
                           link=ledger_link({}, code))


def _page_texts() -> dict[str, str]:
    prefix = "funds_page_"
    return {key[len(prefix):]: t(key) for key in catalog(DEFAULT_LANG) if key.startswith(prefix) and "{" not in
            catalog(DEFAULT_LANG)[key]} | {"anonymous": t("funds_anonymous")}


@bp.get("/public/<code>/funds.json")
def as_json(code: str):
    """The same statement as data."""
    try:
        return _json(_statement(code), 200)
    except _Refused as exc:
        return _json({"error": exc.error, "message": exc.message}, exc.status)


def _json(data: dict[str, Any], status: int) -> Response:
    # Chinese as characters, not \u escapes: the document is meant to be read as well as parsed.
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


@bp.get("/public/<code>/funds.csv")
def as_csv(code: str):
    """Every entry of the month as a spreadsheet (UTF-8 with BOM, so Excel shows the Chinese)."""
    try:
        data = _statement(code)
    except _Refused as exc:
        return _refused_page(exc)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(t("funds_csv_header").split(","))
    for row in data["entries"]:
        donor = row.get("donor") or t("funds_anonymous")
        what = row.get("purpose") or (f"{donor}: {row['items']}" if row.get("items") else donor)
        how = row.get("category_label") or row.get("channel_label") or ""
        writer.writerow([row["date"], row["id"], row["kind_label"], row["amount"]["yuan"], row["effect"]["yuan"],
                         what, how, row["state_label"], row.get("note") or ""])
    name = f"funds-{data['village']['code']}-{data['month']}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/public/<code>/funds/receipts/<int:receipt_id>")
def receipt(code: str, receipt_id: int):
    """A receipt as the public may see it: the original with consent, else the redacted copy."""
    with Session(_rt().engine) as session:
        village = village_by_code(session, code)
        row = session.get(FundReceipt, receipt_id)
        body = public_copy(row) if row is not None and village is not None and row.village_id == village.id else None
        if body is None or row is None:
            return Response(t("funds_page_no_receipt"), status=404, mimetype="text/plain")
        kind = public_type(row)
    kind = kind + "; charset=utf-8" if kind == "text/plain" else kind
    return Response(body, content_type=kind, headers={"X-Content-Type-Options": "nosniff",
                                                       "Content-Security-Policy": "default-src 'none'",
                                                       "Content-Disposition": "inline"})
