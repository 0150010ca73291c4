"""CSV export of a dashboard table, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) could run as a formula in Excel or LibreOffice
(CSV injection); such text cells get a leading apostrophe, which spreadsheets show as plain text. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from hub.dashboard.tables import Table, cell_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [neutralise(cell_value(value, column.kind)) for value, column in zip(row, table.columns, strict=True)]
        )
    return out.getvalue()
