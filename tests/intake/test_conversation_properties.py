"""Property tests: whatever a person sends, the conversation neither crashes nor loses an answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.conversation import engine
from intake.conversation.turn import CANCELLED, Inbound
from routing import load_rules

FLOW = engine.Flow.build(load_rules())
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "'; DROP TABLE drafts; --",
            "<!channel>",
            "\x00",
            "\u00e9\u0301\u200b\ufeff",  # combining accent, zero-width space, byte-order mark
            "31/02/2020",
            "99/99/9999",
            "yes",
            "no",
            "1",
            "1, 2, 3",
            "none",
            "skip",
            "FY1 1AA",
            "a@b.example.org",
            "x" * 5000,
            "change 3",
            "back",
            "help",
        ]
    ),
)


@st.composite
def inbound_for(draw: st.DrawFn, offered: list[str]) -> Inbound:
    kind = draw(st.sampled_from(["text", "choice", "choices", "offered", "offered_many"]))
    if kind == "text":
        return Inbound(text=draw(hostile_text))
    if kind == "choice":
        return Inbound(choice=draw(st.text(max_size=50)))
    if kind == "choices":
        return Inbound(choices=tuple(draw(st.lists(st.text(max_size=30), max_size=5))))
    if kind == "offered" and offered:
        return Inbound(choice=draw(st.sampled_from(offered)))
    if offered:
        return Inbound(choices=tuple(draw(st.lists(st.sampled_from(offered), max_size=4))))
    return Inbound(text=draw(hostile_text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_input_crashes_the_conversation_or_loses_an_answer(data: st.DataObject) -> None:
    turn = engine.start(FLOW, NOW)
    state = turn.state
    for _ in range(data.draw(st.integers(min_value=1, max_value=40))):
        if state.get("status") != "open":
            break
        offered = [c.value for c in turn.replies[-1].choices] if turn.replies else []
        inbound = data.draw(inbound_for(offered))
        before = dict(state["answers"])
        asked = state.get("step")
        changing = state.get("changing")
        turn = engine.advance(FLOW, state, inbound, NOW)
        json.dumps(turn.state)  # always storable as it is
        assert turn.replies or turn.action, "every turn says something or ends"
        is_command = engine.command_of(inbound) is not None
        # Choosing to correct an adult's date of birth is the one answer that clears earlier answers, on purpose.
        if not is_command and turn.action != CANCELLED and asked != "adult_next":
            filled = state.get("filled", {})
            for key, value in before.items():
                if key == changing:
                    continue  # the person asked to change this answer
                if filled.get(key) == asked:
                    continue  # filled by the answer just given again (a checklist re-ticked): theirs to change
                assert turn.state["answers"].get(key) == value, f"answer {key} was lost"
        state = turn.state
