"""CSV export of a dashboard table, safe to open in a spreadsheet.

Text a spreadsheet could run as a formula (CSV injection) is neutralised by intake.labels.neutralise, the guard the
audit trail's export uses too. Numbers stay numbers: percentages as 0-100, times in London as YYYY-MM-DD HH:MM.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from hub.dashboard.tables import HOURS, PERCENT, RATE, Cell, Table
from intake.labels import neutralise
from intake.working_day import LONDON


def cell_value(value: Any, kind: str) -> Any:
    """How a cell goes into a CSV."""
    if isinstance(value, Cell):
        return cell_value(value.value, value.kind)
    if value is None:
        return ""
    if kind == PERCENT:
        return round(value * 100, 1)
    if kind in (HOURS, RATE):
        return round(value, 2)
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    writer.writerows([cell_value(v, kind) for v, kind in zip(row, kinds, strict=True)] for row in table.rows)
    return out.getvalue()
