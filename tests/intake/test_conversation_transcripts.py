"""The main paths of the guided conversation, as transcripts replayed against the intake service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from intake.store import AuditEvent, Draft, SupportRequest
from tests.conftest import FakeClock
from tests.intake.transcript import ABOUT_YOU, CHILD_SAM, CONCERN_WORDS, CONSENT_GIVEN, GREETING, Chat


def chat(app: Flask, clock: FakeClock, user: str = "transcript-user") -> Chat:
    return Chat(app.extensions["intake"], clock, user=user)


def neglect(page1: str = "", page2: str = "", page3: str = "") -> str:
    return f"""
bot: What are you worried about? Choose all that apply.
you [tick]: neglect
bot: Neglect and basic care (part 1 of 3). Which of these
you [tick]: {page1}
bot: Neglect and basic care (part 2 of 3)
you [tick]: {page2}
bot: Neglect and basic care (part 3 of 3)
you [tick]: {page3}
bot: Has the child told you, or someone else, that they are being hurt or abused?
you: no
bot: Is your concern about something done by someone who works or volunteers with children
you: no
"""


REVIEW_AND_SUBMIT = """
bot: Please check your answers.
you [pick]: submit
bot: Thank you. Your request has been sent to the hub. Your reference is RFS-2026-
"""


def test_emergency_says_999_then_the_hub_and_offers_to_carry_on(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + """
you: yes
bot: Call 999 now. Then phone the Blackpool Families Rock Request for Support Hub urgent line on 01632 960100.
bot+: at other times phone the emergency duty team on 01632 960102
bot: When you have made those calls, would you like to record the details here for the hub?
you: no
bot: Thank you. Keep a note of what you told the police and the hub.
"""
    )
    assert result.done
    with app.extensions["db"].reading() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
        assert actions == ["emergency.advised"]
        assert s.scalar(select(SupportRequest)) is None


def test_emergency_out_of_hours_gives_the_emergency_duty_team_then_records_the_details(
    app: Flask, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 28, 23, 30, tzinfo=UTC))  # Saturday night
    result = chat(app, clock).play(
        GREETING
        + """
you: yes
bot: Call 999 now. Then, because the hub is closed now, phone the emergency duty team on 01632 960102.
bot: record the details here
you: yes
"""
        + ABOUT_YOU
        + CHILD_SAM
        + neglect()
        + CONCERN_WORDS
        + CONSENT_GIVEN
        + """
bot: Please check your answers.
bot+: Child in immediate danger: Yes
you [pick]: submit
bot: Your reference is RFS-2026-000001
"""
    )
    assert result.request is not None
    assert result.request["route"] == "emergency" and result.request["level"] == 4
    with app.extensions["db"].reading() as s:
        assert s.scalars(select(AuditEvent.action)).all() == ["emergency.advised", "request.submitted"]


@pytest.mark.parametrize(
    ("page1", "page2", "consent", "level", "route", "seen"),
    [
        ("ne_01", "", "given", 1, "universal_signpost", "Recommended level of need: 1 (Universal"),
        ("ne_02", "", "given", 2, "early_help_universal_plus", "Recommended level of need: 2"),
        ("ne_07", "", "given", 3, "early_help_intensive", "Recommended level of need: 3"),
        ("", "ne_17", "given", 4, "hub_child_in_need", "Recommended level of need: 4"),
    ],
)
def test_each_level_of_need(
    app: Flask, clock: FakeClock, page1: str, page2: str, consent: str, level: int, route: str, seen: str
) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + CHILD_SAM
        + neglect(page1, page2)
        + CONCERN_WORDS
        + CONSENT_GIVEN
        + REVIEW_AND_SUBMIT
        + "\n"
    )
    assert result.request is not None
    assert (result.request["level"], result.request["route"]) == (level, route)
    text = result.replies[0].text
    assert seen in text
    # What happens next and by when, in Europe/London wording.
    assert "by 10:00 on Wednesday 25 November" in text
    assert "What happens next:" in text


def test_child_protection_disclosure_says_phone_the_hub_too(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + CHILD_SAM
        + """
bot: What are you worried about?
you [tick]: physical_harm
bot: Physical harm or injury (part 1 of 2)
you [tick]: ph_05
bot: Physical harm or injury (part 2 of 2)
you: none of these
bot: Has the child told you, or someone else, that they are being hurt or abused?
you: yes
bot: Has the girl told you that female genital mutilation (FGM) has been done to her
you: no
bot: Is your concern about something done by someone who works or volunteers with children
you: no
"""
        + CONCERN_WORDS
        + """
bot: Have you spoken to the parents or carers
you: no
bot: Why have you not spoken to them?
you [pick]: not_sought_risk
bot: Please say briefly why asking the parents or carers would put the child at risk.
you: Sam said her stepfather would hurt her more if he found out she had told anyone.
bot: Please check your answers.
bot+: Why asking would put the child at risk: Sam said her stepfather
you [pick]: submit
bot: please also phone the hub now on 01632 960100
"""
    )
    assert result.request is not None
    assert result.request["level"] == 4 and result.request["route"] == "hub_child_protection"
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.facts["consent"] == "not_sought_risk"
        assert stored.facts["child_disclosed_harm"] is True
        assert stored.answers["consent_risk_reason"].startswith("Sam said her stepfather")


def test_consent_refused_is_recorded_and_explained(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + CHILD_SAM
        + neglect("ne_07")
        + CONCERN_WORDS
        + """
bot: Have you spoken to the parents or carers
you: yes
bot: Do they agree to this request for support?
you: No, they do not agree
"""
        + REVIEW_AND_SUBMIT
    )
    assert result.request is not None
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.facts["consent"] == "refused"
        assert any(r["code"] == "consent_refused" for r in stored.decision["reasons"])


def test_unborn_baby(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + """
bot: Is your concern about an unborn baby?
you: yes
bot: What is the child's last name (for an unborn baby, the mother's last name)?
you: Testmother
bot: When is the baby due?
you: 01/12/2030
bot: That is more than ten months away.
bot: When is the baby due?
you: 10/03/2027
bot: What is the child's home address
you: skip
bot: What is the child's home postcode?
you: FY1 1AA
bot: What is the main language spoken at home?
you: Polish
bot: Will the child or family need an interpreter
you: yes
bot: Who are the parents or carers (for an unborn baby, the parents-to-be)?
you: Kim Testmother, mother-to-be, 20
bot: Who else lives in the household
you: skip
bot: Does the child already have a social worker or an early help plan?
you: no
bot: What are you worried about?
you [tick]: parental_factors
bot: Parents' own difficulties (part 1 of 3)
you: none
bot: Parents' own difficulties (part 2 of 3)
you [tick]: pa_07
bot: Parents' own difficulties (part 3 of 3)
you: none
bot: Pre-birth (unborn baby)
you: none
bot: Is your concern about something done by someone who works or volunteers with children
you: no
bot: In your own words, what have you seen or heard that worries you?
you: Synthetic test concern: mother-to-be says she drinks most days and has missed two scans.
bot: When did this happen, and how often?
you: Since August, most days
"""
        + CONSENT_GIVEN
        + """
bot: Please check your answers.
bot+: Due date: 10/03/2027
you [pick]: submit
bot: Your reference is
"""
    )
    assert result.request is not None and result.request["level"] == 4
    assert "pre-birth assessment" in result.replies[0].text
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.facts["unborn"] is True and stored.facts["child_age_years"] is None
        assert stored.child_due_date is not None and stored.child_dob is None
        assert stored.child_first_name is None


def test_adult_gets_adult_services_advice_and_can_correct_the_date(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + """
bot: Is your concern about an unborn baby?
you: no
bot: What is the child's first name?
you: Sam
bot: What is the child's last name
you: Testchild
bot: What is the child's date of birth?
you: 01/01/2000
bot: This person is 18 or over, so the children's hub cannot take the request. Please contact adult social care
you [pick]: change
bot: What is the child's date of birth?
you: skip
bot: About how old is the child, in years?
you: about 19
bot: This person is 18 or over
you: Finish
bot: Nothing has been sent. For someone aged 18 or over, contact adult social care
"""
    )
    assert result.done and result.request is None
    with app.extensions["db"].reading() as s:
        assert s.scalar(select(SupportRequest)) is None


def test_changing_answers_at_review(app: Flask, clock: FakeClock) -> None:
    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + ABOUT_YOU + CHILD_SAM + neglect("ne_02") + CONCERN_WORDS + CONSENT_GIVEN)
    result = c.play(
        """
bot: Please check your answers.
bot+: 14. Postcode: FY1 1AA
you: change postcode
bot: What is the child's home postcode?
bot+: Your answer now: FY1 1AA.
you: FY2 0AB
bot: Please check your answers.
bot+: 14. Postcode: FY2 0AB
you: change 4
bot: Which kind of organisation do you work for?
you: back
bot: Kept your answer.
bot: Please check your answers.
you: change concern areas
bot: What are you worried about?
you [tick]: neglect, sport
bot: 'sport' is not one of the options.
bot: What are you worried about?
you [tick]: neglect, education
bot: School and learning (part 1 of 2)
you [tick]: ed_03
bot: School and learning (part 2 of 2)
you: none
bot: Please check your answers.
bot+: School and learning (part 1 of 2): Occasional truancy
you: change nonsense
bot: I could not find an answer called 'nonsense'.
bot: Please check your answers.
you [pick]: submit
bot: Your reference is
"""
    )
    assert result.request is not None
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.child_postcode == "FY2 0AB"
        assert stored.facts["indicators"] == ["ed_03", "ne_02"]
        assert stored.concern_categories == ["neglect", "education"]


def test_a_draft_is_resumed_after_a_restart(app: Flask, clock: FakeClock, database_url: str) -> None:
    from app import create_app

    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + ABOUT_YOU + "bot: Is your concern about an unborn baby?\nyou: no\n")
    app.extensions["db"].dispose()
    # A new app on the same database: the process restarted.
    clock.advance(hours=20)
    again = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    try:
        resumed = chat(again, clock)
        result = resumed.play(
            """
bot: Welcome back. Your answers so far are saved
bot: What is the child's first name?
you: Sam
bot: What is the child's last name
"""
        )
        assert resumed.draft_id == c.draft_id
        assert result.draft_id == c.draft_id
    finally:
        again.extensions["db"].dispose()


def test_cancelling_discards_the_draft(app: Flask, clock: FakeClock) -> None:
    c = chat(app, clock)
    result = c.play(
        GREETING
        + """
you: no
bot: What is your full name?
you: Alex Example
bot: What is your role?
you: cancel
bot: Cancelled. Nothing was sent to the hub
"""
    )
    assert result.done
    with app.extensions["db"].reading() as s:
        draft = s.get(Draft, c.draft_id)
        assert draft is not None and draft.status == "cancelled"
        assert "Alex Example" not in str(draft.state)
    # A new conversation starts afresh.
    fresh = chat(app, clock).open()
    assert fresh.draft_id != c.draft_id


def test_start_again_back_and_help(app: Flask, clock: FakeClock) -> None:
    chat(app, clock).play(
        GREETING
        + """
you: help
bot: Immediate danger means the child could be seriously harmed
bot: First, is the child in immediate danger right now?
you: back
bot: This is the first question.
bot: First, is the child in immediate danger right now?
you: no
bot: What is your full name?
you: Alex Example
bot: What is your role?
you: back
bot: What is your full name?
you: Alex Other
bot: What is your role?
you: maybe
bot: What is the name of your organisation
"""
        if False
        else GREETING
        + """
you: help
bot: Immediate danger means the child could be seriously harmed
bot: First, is the child in immediate danger right now?
you: back
bot: This is the first question.
bot: First, is the child in immediate danger right now?
you: perhaps
bot: I did not understand 'perhaps'. Please answer Yes or No.
bot: First, is the child in immediate danger right now?
you: no
bot: What is your full name?
you: Alex Example
bot: What is your role?
you: back
bot: What is your full name?
you: Alex Other
bot: What is your role?
you: help
bot: You can also type 'back'
bot: What is your role?
you: start again
bot: Starting again. Nothing has been sent.
bot: First, is the child in immediate danger right now?
you: no
bot: What is your full name?
"""
    )


def test_a_returning_referrer_confirms_their_details(app: Flask, clock: FakeClock) -> None:
    chat(app, clock).play(
        GREETING
        + "you: no\n"
        + ABOUT_YOU
        + CHILD_SAM
        + neglect("ne_02")
        + CONCERN_WORDS
        + CONSENT_GIVEN
        + REVIEW_AND_SUBMIT
    )
    clock.advance(days=7)
    second = chat(app, clock).play(
        GREETING
        + """
you: no
bot: About you. Are these still your details?
bot+: - Your email: alex@example.org
you [pick]: yes
bot: This browser confirmed alex@example.org with a code in the last 30 days
bot: Is your concern about an unborn baby?
you: back
bot: Are these still your details?
you [pick]: change
bot: What is your full name?
bot+: Last time you said: Alex Example. Type 'same' to keep it.
you: same
bot: What is your role?
you: Headteacher
bot: Which kind of organisation
you: same
bot: What is the name of your organisation
you: same
bot: What phone number
you: 01632 960999
bot: What is your work email address?
you: same
bot: This browser confirmed alex@example.org
bot: Is your concern about an unborn baby?
"""
    )
    assert not second.done
    with app.extensions["db"].reading() as s:
        draft = s.scalars(select(Draft).where(Draft.status == "open")).one()
        assert draft.state["answers"]["referrer_role"] == "Headteacher"
        assert draft.state["answers"]["referrer_name"] == "Alex Example"
        assert draft.state["answers"]["referrer_phone"] == "01632 960999"
