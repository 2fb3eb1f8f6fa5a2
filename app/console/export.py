"""CSV and XLSX files of a console list, for the civil-affairs office's monthly report."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a CSV as the machine's legacy code page unless it starts with a UTF-8 byte order mark.
BOM = "\ufeff"
# A cell starting with these runs as a formula in a spreadsheet (CSV injection); a quote keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


Report = Callable[[int, int], None]
# Rows written between two progress reports of a background export.
REPORT_EVERY = 200


def _quiet(done: int, total: int) -> None:
    return None


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence], report: Report = _quiet) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(headers)
    for number, row in enumerate(rows, 1):
        writer.writerow([_cell(v) for v in row])
        if number % REPORT_EVERY == 0:
            report(number, len(rows))
    return out.getvalue().encode("utf-8")


def csv_response(name: str, headers: Sequence[str], rows: Sequence[Sequence]) -> Response:
    return Response(csv_bytes(headers, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def xlsx_response(name: str, title: str, headers: Sequence[str], rows: Sequence[Sequence]) -> Response:
    return Response(xlsx_bytes(title, headers, rows), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def xlsx_bytes(title: str, headers: Sequence[str], rows: Sequence[Sequence], report: Report = _quiet) -> bytes:
    # Imported here: openpyxl (and the numpy it pulls in) would slow every process's start-up, the
    # worker's included, for a file few requests ask for.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = title[:31]
    sheet.append(list(headers))
    for number, row in enumerate(rows, 1):
        sheet.append([_cell(v) for v in row])
        if number % REPORT_EVERY == 0:
            report(number, len(rows))
    for index, header in enumerate(headers, 1):
        width = max([len(str(header))] + [len(str(row[index - 1])) for row in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width * 1.6))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
