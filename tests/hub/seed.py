"""Synthetic requests stored straight into the database, for hub tests that do not need the conversation."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.store import Referrer, SupportRequest
from intake.store.support_request import format_reference
from intake.working_day import working_deadline

_ids = itertools.count(1)


def make_request(
    session: Session,
    now: datetime,
    *,
    channel: str = "webchat",
    address: dict[str, Any] | None = None,
    level: int = 3,
    route: str = "early_help_intensive",
    decision_due_at: datetime | None = None,
) -> SupportRequest:
    n = next(_ids)
    referrer = Referrer(
        channel=channel,
        channel_user_id=f"{channel}-user-{n}",
        name="Alex Example",
        agency="school",
        email="alex@school.example.org",
        address=address,
        created_at=now,
        updated_at=now,
    )
    session.add(referrer)
    session.flush()
    request = SupportRequest(
        draft_id=str(uuid.uuid4()),
        referrer_id=referrer.id,
        channel=channel,
        received_at=now,
        referring_agency="school",
        child_first_name="Sam",
        child_last_name="Testchild",
        child_postcode="FY1 1AA",
        concern_categories=["neglect"],
        answers={"concern_details": "Synthetic test concern."},
        facts={},
        level=level,
        route=route,
        decision={"route_label": route.replace("_", " "), "reasons": [], "timescale": "Within one working day."},
        rules_version="test-rules",
        decision_due_at=decision_due_at or working_deadline(now, 1),
    )
    session.add(request)
    session.flush()
    request.reference = format_reference(now.year, request.id)
    session.flush()
    return request
