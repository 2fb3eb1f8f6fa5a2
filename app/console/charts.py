"""Charts: requests per week by category, median time to claim, check-in on-time rate, volunteer hours per
month, delivery success by channel (Chart.js, vendored from npm under static/vendor)."""
from __future__ import annotations

import json

from flask import jsonify

from app.console.common import admin_in, blueprint, page, rt
from app.console.scope import villages_of
from app.db import session_scope
from bots import notify
from bots.texts import t
from models.base import id_of
from models.console import stats

bp = blueprint("console_charts", __name__)


def figures() -> dict:
    runtime = rt()
    now, tz = runtime.clock(), runtime.tz
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        villages = None if admin.has_role("county_admin") else [id_of(v) for v in villages_of(session, admin)]
        per_week = stats.requests_per_week(session, villages, now=now, tz=tz)
        categories = sorted({c for counts in per_week.values() for c in counts})
        claim = stats.median_claim_minutes(session, villages, now=now, tz=tz)
        checkin = stats.checkin_on_time_rate(session, villages, now=now, tz=tz)
        hours = stats.volunteer_hours_per_month(session, villages, now=now, tz=tz)
        channels = stats.delivery_by_channel(session, villages, now=now)
    labels = [w.strftime("%m-%d") for w in per_week]
    return {
        "requests": {"labels": labels, "datasets": [
            {"label": notify.category_label(c), "data": [per_week[w][c] for w in per_week]} for c in categories]},
        "claim": {"labels": labels, "datasets": [{"label": t("console_web_chart_claim"),
                                                  "data": list(claim.values())}]},
        "checkin": {"labels": labels, "datasets": [{"label": t("console_web_chart_checkin"),
                                                    "data": [None if r is None else round(r * 100, 1)
                                                             for r in checkin.values()]}]},
        "hours": {"labels": list(hours), "datasets": [{"label": t("console_web_chart_hours"),
                                                        "data": list(hours.values())}]},
        "delivery": {"labels": list(channels), "datasets": [
            {"label": t("console_web_chart_sent"), "data": [c["sent"] for c in channels.values()]},
            {"label": t("console_web_chart_lost"), "data": [c["lost"] for c in channels.values()]}]},
    }


@bp.get("/charts")
def charts():
    # "<" escaped so no text can close the script element the JSON sits in.
    return page("charts.html", data=json.dumps(figures(), ensure_ascii=False).replace("<", "\\u003c"))


@bp.get("/charts.json")
def charts_json():
    return jsonify(figures())
