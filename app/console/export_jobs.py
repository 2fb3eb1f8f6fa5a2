"""Exports of big lists in the background, with progress: the same rows and files as /lists/<name>.csv."""
from __future__ import annotations

from app.console.common import admin_in, blueprint, local, page, rt
from app.console.export import csv_bytes, xlsx_bytes
from app.console.lists import LISTS, _filters
from app.console.progress import launch
from app.db import session_scope
from bots.texts import t
from models.console import jobs

bp = blueprint("console_export_jobs", __name__)

@bp.post("/lists/<name>.<any(csv, xlsx):kind>/job")
def start(name: str, kind: str):
    """Start exporting a list as filtered now; answer with the progress fragment."""
    listing = LISTS.get(name)
    if listing is None:
        return page("_result.html", text=t("console2_export_unknown"), ok=False), 404
    filters = _filters(listing)
    headers = [t(f"console_web_col_{c}") for c in listing.columns]
    filename = f"linli-{name}-{local(rt().clock(), '%Y%m%d')}.{kind}"

    def work(report):
        runtime = rt()
        with session_scope(runtime.engine) as session:
            rows = listing.rows(session, admin_in(session), filters, runtime.clock())
        report(0, len(rows))
        data = csv_bytes(headers, rows, report) if kind == "csv" else \
            xlsx_bytes(t(f"console_web_list_{name}"), headers, rows, report)
        report(len(rows), len(rows))
        return filename, data

    token = launch("export", name, work)
    with session_scope(rt().engine) as session:
        job = jobs.owned(session, token, admin_in(session).id or 0)
    assert job is not None  # written just above, by this coordinator
    return page("_job.html", job=job, percent=jobs.percent(job))
