"""CSV export of a dashboard table, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) could run as a formula in Excel or LibreOffice
(CSV injection); such text cells get a leading apostrophe, which spreadsheets show as plain text. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, literal, or_, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hub.dashboard import dialect, figures
from hub.dashboard.period import Filters, Period
from hub.dashboard.tables import DATETIME, PERCENT, REPEAT_COLUMNS, Labels, Table, cell_value
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


# The repeat list's CSV, written by the database ----------------------------------------------------------------
#
# A quarter's repeat list at a million requests is ~30,000 rows: turning them into Python objects, labelling them and
# writing them with the csv module cost over a second on the development machine, four times the query. So the
# database writes each line: the same cells as tables.repeats and cell_value (labels, London times), neutralised and
# quoted exactly as `neutralise` and csv.writer do (tests/hub/test_dashboard_export.py compares the two byte for
# byte), and Python only joins the lines. Labels are known before the query, so they go into it as finished cells;
# only stored text (references, unknown codes) is neutralised and quoted by the database, row by row.

QUOTE_WHEN = (",", '"', "\r", "\n")  # what makes csv.QUOTE_MINIMAL quote a cell, with "\r\n" line endings


def finished_cell(value: str) -> str:
    """A text cell exactly as neutralise and csv.writer (QUOTE_MINIMAL) write it in a row of several cells."""
    value = neutralise(value)
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in QUOTE_WHEN) else value


def _text(value: Any) -> ColumnElement[str]:
    return type_coerce(value, String)


def _cell(value: Any) -> ColumnElement[str]:
    """finished_cell in SQL, for stored text: None as empty, formula starts neutralised, quoted when needed."""
    text = _text(func.coalesce(value, ""))
    starts_a_formula = func.substr(text, 1, 1).in_(FORMULA_STARTS)
    # Constant patterns (none of these characters means anything to LIKE); contains() would build one per row.
    quote_for = [text.like(f"%{c}%") for c in QUOTE_WHEN]
    neutralised = _text(case((starts_a_formula, _text(literal("'")) + text), else_=text))
    quoted = _text(literal('"')) + _text(func.replace(neutralised, '"', '""')) + _text(literal('"'))
    # Nearly every value needs nothing (a reference like RFS-2026-000123): one flat check answers that, and only the
    # rest pay for neutralising and quoting. An apostrophe added in front never needs quoting.
    return _text(case((~or_(starts_a_formula, *quote_for), text), (or_(*quote_for), quoted), else_=neutralised))


def _label(column: Any, names: Mapping[Any, str], missing: str | None) -> ColumnElement[str]:
    """Labels.agency / Labels.route (`missing` for no code) or Labels.level (`missing` None: levels are never
    missing), as finished cells; a code without a label is shown as itself, finished by the database."""
    if missing is None:
        named = {code: finished_cell(f"{code} {name}") for code, name in names.items() if name}
    else:
        named = {code: finished_cell(name) for code, name in names.items() if code}
    unknown = _cell(cast(column, String))
    labelled: Any = case(named, value=column, else_=unknown) if named else unknown
    if missing is None:
        return _text(labelled)
    return _text(case((or_(column.is_(None), column == ""), finished_cell(missing)), else_=labelled))


def repeat_list_csv(session: Session, period: Period, filters: Filters, labels: Labels) -> str:
    """What `table_csv(tables.repeats(...))` gives for a full export, every line written by the database."""
    pg = dialect.prepare(session)
    R, previous = figures.R, figures.PREVIOUS
    cells = [
        _cell(R.reference),
        # London times as 'YYYY-MM-DD HH:MM': nothing in them to neutralise or quote.
        dialect.london_minute(pg, R.received_at),
        _label(R.referring_agency, labels.agencies, "Not given"),
        _label(R.level, labels.levels, None),
        _label(R.route, labels.routes, "Not given"),
        _cell(previous.reference),
        dialect.london_minute(pg, previous.received_at),
    ]
    line = cells[0]
    for cell in cells[1:]:
        line = _text(line + _text(literal(",")) + cell)
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([neutralise(c.header) for c in REPEAT_COLUMNS])
    lines = session.connection().execute(figures.repeat_list_select(period, filters, line)).scalars().all()
    return header.getvalue() + "".join(f"{text}\r\n" for text in lines)
