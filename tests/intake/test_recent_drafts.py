"""Each process remembers the drafts it last read or wrote, to skip a read; what it remembers is never trusted alone.

Two `IntakeService`s over one database stand for two web processes: each has its own memory, as gunicorn workers do.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from intake.conversation.turn import Inbound
from intake.service import DraftNotFound, IntakeService
from intake.store import Draft
from intake.store.draft_step import DraftStep, DraftSteps, RecentDrafts
from tests.conftest import FakeClock
from tests.intake.test_intake_submission import TO_REVIEW
from tests.intake.transcript import Chat


def _service(app: Flask) -> IntakeService:
    return app.extensions["intake"]


def _other_process(app: Flask) -> IntakeService:
    first = _service(app)
    return IntakeService(first.db, first.flow)


def _stored(app: Flask, draft_id: str) -> Draft:
    with app.extensions["db"].reading() as s:
        draft = s.get(Draft, draft_id)
        assert draft is not None
        s.expunge(draft)
        return draft


def _counting_reads(service: IntakeService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    load = DraftSteps.load

    def counted(self: DraftSteps, pooled: Any, draft_id: str) -> DraftStep | None:
        if self is service.steps:
            reads.append(draft_id)
        return load(self, pooled, draft_id)

    monkeypatch.setattr(DraftSteps, "load", counted)
    return reads


def test_what_is_remembered_is_what_is_stored_after_every_step(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    chat = Chat(service, clock).open()
    assert chat.draft_id is not None
    checked = 0
    original = service.handle

    def handle_and_compare(draft_id: str, inbound: Inbound, now: Any, **kwargs: Any) -> Any:
        nonlocal checked
        result = original(draft_id, inbound, now, **kwargs)
        remembered = service.steps.recent.get(draft_id)
        stored = _stored(app, draft_id)
        if remembered is not None:
            # JSON-equal, not merely equal: the next step works from this as if it had been read back.
            assert remembered.state == stored.state
            assert remembered.version == stored.version
            assert remembered.status == stored.status
            checked += 1
        return result

    service.handle = handle_and_compare  # type: ignore[method-assign]
    chat.play(TO_REVIEW)
    assert checked > 20  # the whole walk, not a step or two


def test_the_next_answer_skips_the_read(app: Flask, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(app)
    draft_id = service.open_conversation("webchat", "person-1", clock()).draft_id
    reads = _counting_reads(service, monkeypatch)
    service.handle(draft_id, Inbound(choice="no"), clock())
    service.handle(draft_id, Inbound(text="Alex Example"), clock())
    service.handle(draft_id, Inbound(text="back"), clock())
    assert reads == [draft_id]  # the first answer reads; the next two work from what the process remembers
    assert _stored(app, draft_id).state["step"] == "referrer_name"


def test_an_answer_taken_by_another_process_is_worked_out_from_the_stored_draft(app: Flask, clock: FakeClock) -> None:
    here, there = _service(app), _other_process(app)
    draft_id = here.open_conversation("webchat", "person-1", clock()).draft_id
    here.handle(draft_id, Inbound(choice="no"), clock())  # here remembers the draft at 'referrer_name'
    there.handle(draft_id, Inbound(text="Alex Example"), clock())  # another worker takes the next answer
    result = here.handle(draft_id, Inbound(text="Designated safeguarding lead"), clock())
    # Here's memory was a step behind: its write must not land, and the answer goes to the question now asked.
    answers = _stored(app, draft_id).state["answers"]
    assert answers["referrer_name"] == "Alex Example"
    assert answers["referrer_role"] == "Designated safeguarding lead"
    assert "organisation" in result.replies[-1].text.lower() or "agency" in result.replies[-1].text.lower()


def test_a_doubled_message_is_applied_once_when_memory_loses_the_race(app: Flask, clock: FakeClock) -> None:
    here, there = _service(app), _other_process(app)
    draft_id = here.open_conversation("webchat", "person-1", clock()).draft_id
    here.handle(draft_id, Inbound(choice="no"), clock())  # here remembers the draft at 'referrer_name'
    there.handle(draft_id, Inbound(text="Alex Example"), clock())  # a retried delivery lands on the other worker
    version = _stored(app, draft_id).version
    result = here.handle(draft_id, Inbound(text="Alex Example"), clock())  # ...and the original here, from memory
    stored = _stored(app, draft_id)
    # Not applied again as the answer to the next question (the role): the loser reports what is stored.
    assert "referrer_role" not in stored.state["answers"]
    assert stored.version == version
    assert "role" in " ".join(r.text for r in result.replies).lower()


def test_a_reasked_question_comes_from_the_stored_draft_not_memory(app: Flask, clock: FakeClock) -> None:
    here, there = _service(app), _other_process(app)
    draft_id = here.open_conversation("webchat", "person-1", clock()).draft_id
    here.handle(draft_id, Inbound(choice="no"), clock())  # here remembers 'referrer_name'
    there.handle(draft_id, Inbound(text="Alex Example"), clock())  # the draft moves on to 'referrer_role'
    stored_before = _stored(app, draft_id)
    result = here.handle(draft_id, Inbound(text="help"), clock())
    # Help writes nothing, so nothing proves memory current: the reply must be about the question really waiting.
    assert "role" in " ".join(r.text for r in result.replies).lower()
    assert "full name" not in " ".join(r.text for r in result.replies).lower()
    assert _stored(app, draft_id).version == stored_before.version


def test_a_remembered_draft_that_was_deleted_is_not_found(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    draft_id = service.open_conversation("webchat", "person-1", clock()).draft_id
    service.handle(draft_id, Inbound(choice="no"), clock())
    assert service.steps.recent.get(draft_id) is not None
    with app.extensions["db"].transaction() as s:
        s.execute(delete(Draft).where(Draft.id == draft_id))
    with pytest.raises(DraftNotFound):
        service.handle(draft_id, Inbound(text="Alex Example"), clock())
    assert service.steps.recent.get(draft_id) is None


def test_someone_elses_remembered_draft_is_not_found(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    draft_id = service.open_conversation("slack", "T1:U1", clock()).draft_id
    service.handle(draft_id, Inbound(choice="no"), clock(), owner=("slack", "T1:U1"))
    with pytest.raises(DraftNotFound):
        service.handle(draft_id, Inbound(text="Alex Example"), clock(), owner=("slack", "T1:U2"))
    assert "referrer_name" not in _stored(app, draft_id).state["answers"]


def test_an_emergency_goes_the_transactional_way_and_is_forgotten(app: Flask, clock: FakeClock) -> None:
    service = _service(app)
    draft_id = service.open_conversation("webchat", "person-1", clock()).draft_id
    service.handle(draft_id, Inbound(choice="no"), clock())
    service.handle(draft_id, Inbound(text="back"), clock())
    assert service.steps.recent.get(draft_id) is not None
    result = service.handle(draft_id, Inbound(choice="yes"), clock())
    assert "999" in " ".join(r.text for r in result.replies)
    assert service.steps.recent.get(draft_id) is None
    # The next answer reads the draft the transactional path wrote, and carries on from there.
    service.handle(draft_id, Inbound(text="Alex Example"), clock())
    assert _stored(app, draft_id).state["answers"]["immediate_danger"] is True


def _step(draft_id: str, version: int = 1) -> DraftStep:
    return DraftStep(draft_id, "webchat", "person", "open", {"answers": {}}, version)


def test_memory_is_bounded_and_keeps_the_most_recently_used() -> None:
    recent = RecentDrafts(size=3)
    for name in ("a", "b", "c"):
        recent.keep(_step(name))
    assert recent.get("a") is not None  # 'a' is now the most recent
    recent.keep(_step("d"))
    assert recent.get("b") is None
    assert {n for n in "acd" if recent.get(n) is not None} == {"a", "c", "d"}
    recent.keep(_step("c", version=2))
    assert recent.get("c") == _step("c", version=2)
    recent.forget("c")
    assert recent.get("c") is None
