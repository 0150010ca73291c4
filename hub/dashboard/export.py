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

from sqlalchemy import String, case, cast, func, literal, or_, select, type_coerce
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
# byte), and Python only joins the lines.


def _text(value: Any) -> ColumnElement[str]:
    return type_coerce(value, String)


def _label(column: Any, names: Mapping[Any, str], missing: str | None) -> ColumnElement[str]:
    """Labels.agency / Labels.route (`missing` for no code) or Labels.level (`missing` None: every level has one)."""
    named = {code: name for code, name in names.items() if code or not missing}
    if missing is None:
        named = {code: f"{code} {name}" for code, name in named.items() if name}
    code_text = cast(column, String)
    labelled: Any = case(named, value=column, else_=code_text) if named else code_text
    if missing is None:
        return _text(labelled)
    return _text(case((or_(column.is_(None), column == ""), missing), else_=labelled))


def _neutralised(text: Any) -> ColumnElement[str]:
    return _text(case((func.substr(text, 1, 1).in_(FORMULA_STARTS), _text(literal("'")) + text), else_=text))


def _quoted(text: Any) -> ColumnElement[str]:
    """As csv.QUOTE_MINIMAL: in double quotes, doubled inside, when it holds a comma, a quote or a line break."""
    needs_quotes = or_(*(text.contains(c, autoescape=True) for c in (",", '"', "\r", "\n")))
    quoted = _text(literal('"')) + _text(func.replace(text, '"', '""')) + _text(literal('"'))
    return _text(case((needs_quotes, quoted), else_=text))


def _layer(query: Any, name: str, build: Callable[[Any], ColumnElement[str]]) -> Any:
    """Each cell worked out once: an expression that names its input several times would otherwise repeat the
    whole input expression each time (OFFSET 0 keeps PostgreSQL from folding the layers together)."""
    inner = query.offset(0).subquery(name)
    return select(*(build(c).label(c.name) if c.name.startswith("cell") else c for c in inner.c))


def repeat_list_csv(session: Session, period: Period, filters: Filters, labels: Labels) -> str:
    """What `table_csv(tables.repeats(...))` gives for a full export, every line written by the database."""
    pg = dialect.prepare(session)
    R, previous = figures.R, figures.PREVIOUS
    cells = [
        R.reference,
        dialect.london_minute(pg, R.received_at),
        _label(R.referring_agency, labels.agencies, "Not given"),
        _label(R.level, labels.levels, None),
        _label(R.route, labels.routes, "Not given"),
        previous.reference,
        dialect.london_minute(pg, previous.received_at),
    ]
    texts = figures.repeat_list_select(
        period,
        filters,
        *(_text(func.coalesce(c, "")).label(f"cell{i}") for i, c in enumerate(cells)),
        figures.R.received_at.label("received_at"),
        figures.R.id.label("id"),
    )
    quoted = _layer(_layer(texts, "cell_texts", _neutralised), "neutralised", _quoted).subquery("quoted")
    line: Any = quoted.c.cell0
    for i in range(1, len(cells)):
        line = _text(line + _text(literal(",")) + quoted.c[f"cell{i}"])
    query = select(line).order_by(quoted.c.received_at.desc(), quoted.c.id.desc())  # the list's own order
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([neutralise(c.header) for c in REPEAT_COLUMNS])
    lines = session.connection().execute(query).scalars()
    return header.getvalue() + "".join(f"{text}\r\n" for text in lines)
