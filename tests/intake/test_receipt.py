"""The receipt a referrer sees once the request has been sent: urgent first, the reference, at most three reasons,
and never an instruction to send the request again."""

from __future__ import annotations

from intake.receipt import MAX_REASONS, receipt_for

DECISION = {
    "route_label": "Child protection: phone the hub now",
    "phone_first": True,
    "reasons": [{"text": f"Reason {n}"} for n in range(1, 6)],
    "next_steps": "Phone the hub now on 01632 960100. Then fill in the Request for Support online form. "
    "Or email request.for.support@blackpool.example. Quote your reference.",
    "timescale": "The hub decides within one working day.",
}


def receipt(**changes: object) -> str:
    return receipt_for(
        "RFS-2026-000042",
        4,
        "hub_child_protection",
        {**DECISION, **changes},
        hub_phone="01632 960100",
        out_of_hours_phone="01632 960102",
        already_sent=("the Request for Support online form", "request.for.support@blackpool.example"),
        due_text="by 10:00 on Wednesday 25 November",
    ).text()


def test_what_to_do_now_comes_first_then_the_reference_level_and_route() -> None:
    text = receipt()
    assert text.startswith("Phone the hub now on 01632 960100")
    assert text.index("RFS-2026-000042") < text.index("Recommended level of need: 4 (Child protection")


def test_at_most_three_reasons_and_the_rest_left_to_the_hub_page() -> None:
    text = receipt()
    assert [f"- Reason {n}" in text for n in range(1, 6)] == [True] * MAX_REASONS + [False, False]
    assert "and 2 more, which the hub sees in full" in text


def test_it_never_says_to_fill_in_the_form_or_email_the_hub() -> None:
    text = receipt()
    assert "online form" not in text and "request.for.support@" not in text
    assert "Quote your reference." in text and "by 10:00 on Wednesday 25 November" in text


def test_no_phone_line_when_the_hub_need_not_be_phoned() -> None:
    text = receipt(phone_first=False, reasons=[{"text": "Only reason"}])
    assert text.startswith("Thank you. Your request has been sent to the hub. Your reference is RFS-2026-000042.")
    assert "more, which the hub sees" not in text


def test_a_child_in_immediate_danger_gets_999_before_the_hub() -> None:
    text = receipt_for(
        "RFS-2026-000043",
        4,
        "emergency",
        {**DECISION, "route_label": "Emergency: police and hub now"},
        hub_phone="01632 960100",
        out_of_hours_phone="01632 960102",
        immediate_danger=True,
    ).text()
    assert text.startswith("Call 999 now if you have not already. Then phone the hub on 01632 960100")
    assert text.index("999") < text.index("RFS-2026-000043")
