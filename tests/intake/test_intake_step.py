"""One step of a conversation (`IntakeService.handle`): it acts only on the stored draft of the person acting."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from intake.conversation.turn import Inbound
from intake.service import DraftNotFound, IntakeService
from intake.store import Draft
from tests.conftest import FakeClock


def _service(app: Flask) -> IntakeService:
    return app.extensions["intake"]


def _answers(app: Flask, draft_id: str) -> dict:
    with app.extensions["db"].reading() as s:
        draft = s.get(Draft, draft_id)
        assert draft is not None
        return draft.state["answers"]


def test_someone_elses_draft_is_not_found(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    draft_id = service.open_conversation("slack", "T1:U1", clock()).draft_id
    service.handle(draft_id, Inbound(choice="no"), clock(), owner=("slack", "T1:U1"))
    with pytest.raises(DraftNotFound):
        service.handle(draft_id, Inbound(text="Alex Example"), clock(), owner=("slack", "T1:U2"))
    assert "referrer_name" not in _answers(app, draft_id)


def test_a_deleted_draft_is_not_found(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    draft_id = service.open_conversation("webchat", "person-1", clock()).draft_id
    service.handle(draft_id, Inbound(choice="no"), clock())
    with app.extensions["db"].transaction() as s:
        s.execute(delete(Draft).where(Draft.id == draft_id))
    with pytest.raises(DraftNotFound):
        service.handle(draft_id, Inbound(text="Alex Example"), clock())
