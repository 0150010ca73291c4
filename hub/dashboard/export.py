"""CSV export of a dashboard table, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) could run as a formula in Excel or LibreOffice
(CSV injection); such text cells get a leading apostrophe, which spreadsheets show as plain text. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from hub.dashboard.tables import DATETIME, PERCENT, Table, cell_value
from intake.working_day import LONDON

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _converter(kind: str) -> Callable[[Any], Any]:
    """`neutralise(cell_value(value, kind))`, with instants in a DATETIME column written without strftime (the
    same text, several times faster: a repeat list can hold tens of thousands of them)."""
    if kind == DATETIME:

        def convert(value: Any) -> Any:
            if type(value) is datetime and value.year >= 1000:
                return value.astimezone(LONDON).isoformat(" ", "minutes")[:16]
            return neutralise(cell_value(value, kind))

        return convert
    return lambda value: neutralise(cell_value(value, kind))


def _column(values: Sequence[Any], kind: str) -> list[Any]:
    """One column's cells as they go into the CSV. Text and whole numbers, most cells of the long tables, are
    handled inline (they come out of cell_value unchanged); everything else goes through the converter."""
    convert = _converter(kind)
    counts = kind != PERCENT  # a share is stored as a fraction and written as a percentage, even when whole
    return [
        ("'" + v if v.startswith(FORMULA_STARTS) else v)
        if type(v) is str
        else v
        if type(v) is int and counts
        else convert(v)
        for v in values
    ]


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    if table.rows:
        # Column by column, so each column's kind is looked at once rather than once per cell.
        columns = zip(*table.rows, strict=True)
        cells = [_column(values, column.kind) for values, column in zip(columns, table.columns, strict=True)]
        writer.writerows(zip(*cells, strict=True))
    return out.getvalue()
