"""The repeat list's CSV: every repeat, labelled, in London time, safe to open in a spreadsheet, and quoted so that
awkward values (formula starts, commas, quotes, line breaks) survive."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dashboard.export import table_csv
from hub.dashboard.period import Filters, Period
from hub.dashboard.tables import FigureSet, repeats
from intake.labels import Labels
from intake.store.database import Database
from intake.store.referrer import Referrer
from tests.hub.dashboard_data import PERIOD, add_request, at, seed

LABELS = Labels(
    agencies={"school": "School, or college", "police": 'The "police"', "gp": "=GP practice"},
    routes={"early_help_intensive": "Intensive\r\nearly help", "hub_child_in_need": "-Child in need"},
    outcomes={},
    levels={1: "Universal", 2: "", 3: "+Intensive"},  # level 2 has no name: shown as the number alone
)

# Awkward values a spreadsheet or the CSV quoting could trip on: formula starts, commas, quotes, line breaks,
# unknown and empty codes, a level without a name, and times either side of the clocks changing.
AWKWARD = [
    {"reference": "=1+1", "referring_agency": "", "route": 'a "quoted" route', "level": 2},
    {"reference": "RFS,2026", "referring_agency": "@unknown", "route": "line\nbreak", "level": 5},
    {"reference": None, "referring_agency": None, "route": "\tTab", "level": 1},
    {"reference": "RFS-2026-000903", "referring_agency": "police", "route": "hub_child_in_need", "level": 3},
]


def _add_awkward(session: Session) -> None:
    ref = session.scalars(select(Referrer)).one()  # the one seed() made
    for i, fields in enumerate(AWKWARD):
        child = {"child_name_key": f"awkward child {i}", "child_dob": date(2014, 2, 2), "child_postcode": f"FY9 {i}ZZ"}
        # The earlier request in British Summer Time, the repeat in November (GMT).
        add_request(
            session,
            ref,
            f"RFS-2026-0009{i}0",
            received_at=at(28, 23, month=6, minute=30 + i),
            level=2,
            route="x",
            **child,
        )
        rest = {k: v for k, v in fields.items() if k != "reference"}
        add_request(session, ref, fields["reference"], received_at=at(3 + i, 23, minute=59), **rest, **child)


def _csv(session: Session, period: Period, filters: Filters, labels: Labels) -> str:
    return table_csv(repeats(FigureSet(session, period, filters, labels, 0, full=True)))


def test_the_repeat_list_csv_carries_awkward_values_safely(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as s:
        seed(s)
        _add_awkward(s)
    with db.reading() as s:
        written = _csv(s, PERIOD, Filters(), LABELS)
        plain = _csv(s, PERIOD, Filters(), Labels())
        police = _csv(s, PERIOD, Filters(agency="police"), LABELS)
        empty = _csv(s, Period(date(2020, 1, 6), date(2020, 1, 12)), Filters(), LABELS)
    db.dispose()
    rows = list(csv.reader(io.StringIO(written, newline="")))
    assert len(rows) == 1 + 2 + len(AWKWARD)  # the header, the two repeats of seed() and the awkward ones
    assert [
        "'=1+1",
        "2026-11-03 23:59",
        "Not given",
        "2",
        'a "quoted" route',
        "RFS-2026-000900",
        "2026-06-29 00:30",
    ] in rows
    assert '"RFS,2026",2026-11-04 23:59,\'@unknown,5,"line\nbreak"' in written
    # A label or stored code that starts a formula is neutralised; labels with commas, quotes or line breaks quoted.
    assert ',\'=GP practice,3 +Intensive,"Intensive\r\nearly help",RFS-2026-000010,2026-01-10 10:00\r\n' in written
    assert ',"The ""police""",3 +Intensive,\'-Child in need,RFS-2026-000930,2026-06-29 00:33\r\n' in written
    assert ",Not given,1 Universal,'\tTab," in written
    assert ",'@unknown,5," in plain and ',Not given,2,"a ""quoted"" route",' in plain
    assert police.count("\r\n") == 2  # the header and the one police repeat
    assert empty == "Reference,Received,Referring agency,Recommended level,Recommended route,Previous request," + (
        "Previous received\r\n"
    )
