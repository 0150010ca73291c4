"""A small hand-made set of requests whose dashboard figures are worked out by hand in the tests.

The period is the four weeks Monday 2 to Sunday 29 November 2026 (GMT, so UTC equals London time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.dashboard.figures import STATUTORY_OUTCOMES
from hub.dashboard.period import Period
from intake.repeat_requests import mark_repeat
from intake.store.referrer import Referrer
from intake.store.support_request import AWAITING_DECISION, DECIDED, SupportRequest

PERIOD = Period(date(2026, 11, 2), date(2026, 11, 29))
S17, S47 = list(STATUTORY_OUTCOMES)


def at(day: int, hour: int, month: int = 11, year: int = 2026, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def add_request(session: Session, referrer: Referrer, reference: str, **fields: Any) -> SupportRequest:
    decided = fields.get("decided_at") is not None
    row = SupportRequest(
        reference=reference,
        draft_id=f"draft-{reference}",
        referrer_id=referrer.id,
        channel="webchat",
        answers={},
        facts={},
        decision={},
        rules_version="test-rules",
        concern_categories=[],
        immediate_danger=False,
        status=DECIDED if decided else AWAITING_DECISION,
        **fields,
    )
    session.add(row)
    session.flush()
    mark_repeat(session, row, row.received_at)  # as the submit listener does
    return row


def make_referrer(session: Session) -> Referrer:
    referrer = Referrer(
        channel="webchat",
        channel_user_id="browser-test-1",
        name="Alex Testreferrer",
        agency="school",
        organisation="Testhill Primary",
        email="alex@example.org",
        created_at=at(1, 9, month=1, year=2025),
        updated_at=at(1, 9, month=1, year=2025),
    )
    session.add(referrer)
    session.flush()
    return referrer


CHILD_A = {"child_name_key": "sam testchild", "child_dob": date(2015, 1, 1), "child_postcode": "FY1 1AA"}
CHILD_B = {"child_name_key": "jo testchild", "child_dob": date(2012, 3, 3), "child_postcode": "FY2 2BB"}
# C was first referred under another name at another address; the same postcode and birthday match later.
CHILD_C_BEFORE = {"child_name_key": "kit testchild", "child_dob": date(2016, 5, 5), "child_postcode": "FY3 3CC"}
CHILD_C = {"child_name_key": "kit testbaby", "child_dob": date(2016, 5, 5), "child_postcode": "FY3 3CC"}
CHILD_D = {"child_name_key": "ash testchild", "child_dob": date(2018, 7, 7), "child_postcode": "FY4 4DD"}


def seed(session: Session) -> dict[str, SupportRequest]:
    """Six requests in the period (r1-r6) and three outside it."""
    ref = make_referrer(session)
    school = {"referring_agency": "school"}
    rows = {
        # Earlier requests, outside the period: r0 inside the 12 months before r4, r_old more than 12 months before r5.
        "r0": add_request(
            session,
            ref,
            "RFS-2026-000010",
            received_at=at(10, 10, month=1),
            referring_agency="gp",
            referring_organisation="Testford Surgery",
            level=2,
            route="early_help_universal_plus",
            **CHILD_C_BEFORE,
        ),
        "r_old": add_request(
            session,
            ref,
            "RFS-2025-000001",
            received_at=at(1, 10, month=10, year=2025),
            referring_agency="school",
            referring_organisation="Testbridge Academy",
            level=2,
            route="early_help_universal_plus",
            **CHILD_D,
        ),
        "r1": add_request(
            session,
            ref,
            "RFS-2026-000101",
            received_at=at(2, 10),
            **school,
            referring_organisation="Testhill Primary",
            level=2,
            route="early_help_universal_plus",
            decision_due_at=at(3, 10),
            decided_at=at(2, 14),
            hub_level=2,
            hub_outcome="early_help_universal_plus",
            feedback_sent_at=at(2, 15),
            **CHILD_A,
        ),
        "r2": add_request(
            session,
            ref,
            "RFS-2026-000102",
            received_at=at(3, 9),
            referring_agency="police",
            referring_organisation="Testshire Police",
            level=4,
            route="hub_child_protection",
            decision_due_at=at(4, 9),
            decided_at=at(3, 11),
            hub_level=4,
            hub_outcome=S47,
            feedback_sent_at=at(3, 12),
            **CHILD_B,
        ),
        # Same child as r1 a week later: a repeat. Decided two days later, late, and moved up a level.
        "r3": add_request(
            session,
            ref,
            "RFS-2026-000103",
            received_at=at(9, 10),
            **school,
            referring_organisation="Testhill Primary",
            level=3,
            route="early_help_intensive",
            decision_due_at=at(10, 10),
            decided_at=at(11, 10),
            hub_level=4,
            hub_outcome=S17,
            **CHILD_A,
        ),
        # Same postcode and date of birth as r0 in January: a repeat. Moved down a level.
        "r4": add_request(
            session,
            ref,
            "RFS-2026-000104",
            received_at=at(18, 10),
            referring_agency="gp",
            referring_organisation="Testford Surgery",
            level=3,
            route="early_help_intensive",
            decision_due_at=at(19, 10),
            decided_at=at(18, 20),
            hub_level=2,
            hub_outcome="early_help_universal_plus",
            feedback_sent_at=at(19, 10),
            **CHILD_C,
        ),
        # D's last request was over 12 months ago: not a repeat. Not decided yet.
        "r5": add_request(
            session,
            ref,
            "RFS-2026-000105",
            received_at=at(23, 10),
            **school,
            referring_organisation="Testbridge Academy",
            level=1,
            route="universal_signpost",
            decision_due_at=at(24, 10),
            **CHILD_D,
        ),
        # The last hour of the period; no date of birth, so never matched.
        "r6": add_request(
            session,
            ref,
            "RFS-2026-000106",
            received_at=at(29, 23),
            referring_agency="police",
            referring_organisation="Testshire Police",
            level=4,
            route="hub_child_in_need",
            decision_due_at=at(30, 10),
            child_name_key="lee testchild",
        ),
        # The first moment after the period.
        "r_after": add_request(
            session,
            ref,
            "RFS-2026-000107",
            received_at=at(30, 0),
            **school,
            referring_organisation="Testhill Primary",
            level=2,
            route="early_help_universal_plus",
            **CHILD_A,
        ),
    }
    return rows
