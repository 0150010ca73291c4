"""The main paths of the guided conversation, as transcripts replayed against the intake service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from intake.store import AuditEvent, Draft, SupportRequest
from tests.conftest import FakeClock
from tests.intake.transcript import (
    ABOUT_YOU,
    CHILD_SAM,
    CONCERN_FIRST,
    CONSENT_GIVEN,
    GREETING,
    NEGLECT_TEXT,
    NO_SPECIALS,
    Chat,
)


def chat(app: Flask, clock: FakeClock, user: str = "transcript-user") -> Chat:
    return Chat(app.extensions["intake"], clock, user=user)


def browse_neglect(page1: str = "", page2: str = "", ticked: str = "browse", page3: str = "") -> str:
    """The suggested signs passed over ('look through all the signs by area' or 'none of these'), then the neglect
    pages."""
    return f"""
bot: Does any of this describe what you have seen or been told?
you [tick]: {ticked}
bot: What are you worried about? Choose all that apply.
you [tick]: neglect
bot: Neglect and basic care (part 1 of 3). Which of these
you [tick]: {page1}
bot: Neglect and basic care (part 2 of 3)
you [tick]: {page2}
bot: Neglect and basic care (part 3 of 3)
you [tick]: {page3}
"""


SUGGESTED_NE_07 = """
bot: Does any of this describe what you have seen or been told?
bot+: Clothing regularly unwashed and hygiene problems noticed by others
you [tick]: ne_07
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
        + CONCERN_FIRST
        + ABOUT_YOU
        + CHILD_SAM
        + browse_neglect()
        + NO_SPECIALS
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


def test_concern_first_the_ticked_suggestion_decides_the_level_and_the_areas(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + ABOUT_YOU
        + CHILD_SAM
        + SUGGESTED_NE_07
        + NO_SPECIALS
        + CONSENT_GIVEN
        + """
bot: Please check your answers.
bot+: Signs of need (from what you said): Clothing regularly unwashed and hygiene problems noticed by others
bot+: Concern areas: Neglect and basic care
bot+: When and how often: Synthetic test concern
you [pick]: submit
bot: Your reference is RFS-2026-
"""
    )
    assert result.request is not None
    assert result.request["level"] == 3 and result.request["route"] == "early_help_intensive"
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.facts["indicators"] == ["ne_07"]
        assert stored.concern_categories == ["neglect"]
        assert stored.answers["concern_details"] == NEGLECT_TEXT
        assert stored.answers["child_first_name"] == "Sam" and stored.answers["child_last_name"] == "Testchild"
        assert stored.child_postcode == "FY1 1AA"
        assert stored.answers["interpreter_needed"] is False and stored.answers["existing_support"] == "none"
        assert stored.answers["allegation_against_professional"] is False and stored.answers["fgm_known"] is False
        assert stored.answers["consent"] == "given" and stored.answers["spoken_to_parents"] is True


def test_suggestions_are_never_ticked_for_the_person(app: Flask, clock: FakeClock) -> None:
    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU + CHILD_SAM)
    reply = c.pending[0]
    assert reply.input == "multi" and reply.hints["kind"] == "suggestions"
    values = [choice.value for choice in reply.choices]
    assert values[-2:] == ["none", "browse"] and "ne_07" in values
    assert "current" not in reply.hints
    assert reply.hints["progress"].startswith("What you are worried about, step 1 of")


@pytest.mark.parametrize(
    ("page1", "page2", "ticked", "level", "route", "seen"),
    [
        ("ne_01", "", "browse", 1, "universal_signpost", "Recommended level of need: 1 (Universal"),
        ("ne_02", "", "none", 2, "early_help_universal_plus", "Recommended level of need: 2"),
        ("ne_07", "", "browse", 3, "early_help_intensive", "Recommended level of need: 3"),
        ("", "ne_17", "ne_08, browse", 4, "hub_child_in_need", "Recommended level of need: 4"),
    ],
)
def test_browsing_by_area_and_none_of_these_lead_to_the_category_pages(
    app: Flask, clock: FakeClock, page1: str, page2: str, ticked: str, level: int, route: str, seen: str
) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + ABOUT_YOU
        + CHILD_SAM
        + browse_neglect(page1, page2, ticked)
        + NO_SPECIALS
        + CONSENT_GIVEN
        + REVIEW_AND_SUBMIT
        + "\n"
    )
    assert result.request is not None
    assert (result.request["level"], result.request["route"]) == (level, route)
    text = result.replies[0].text
    assert seen in text
    assert "by 10:00 on Wednesday 25 November" in text
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        expected = sorted({page1, page2, *[t.strip() for t in ticked.split(",")]} - {"", "browse", "none"})
        assert stored.facts["indicators"] == expected
        assert stored.concern_categories == ["neglect"]


def test_an_injury_a_disclosure_and_a_baby_bring_the_special_questions(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + """
you: no
bot: What has happened? In your own words
you: Synthetic test concern: the baby has unexplained injuries, bruises on both arms this morning.
"""
        + ABOUT_YOU
        + """
bot: What is the child's full name?
you: Alex Testbaby
bot: What is the child's date of birth?
you: 01/06/2026
bot: What is the child's gender?
you: girl
bot: What is the child's home address
you: skip
bot: What is the child's home postcode?
you: skip
bot: I have put Example Primary School as the school or setting
bot: Which of these apply?
you: none
bot: Who does the child live with?
you: both_parents
bot: Who are the parents or carers
you: Jo Testparent (mother)
bot: Does any of this describe what you have seen or been told?
you [tick]: ph_05
bot: Do any of these apply?
bot+: The child is not yet mobile
bot+: The child has told me, or someone else
bot+: female genital mutilation
bot+: someone who works or volunteers with children
you [tick]: non_mobile
bot: Have you talked to the parents or carers
you [pick]: not_sought_risk
bot: Please say briefly why asking the parents or carers would put the child at risk.
you: The stepfather would hurt the children more if he found out.
bot: Please check your answers.
bot+: Not yet mobile: Yes
you [pick]: submit
bot: Phone the hub now on 01632 960100
"""
    )
    assert result.request is not None
    assert result.request["level"] == 4 and result.request["route"] == "hub_child_protection"
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.facts["non_mobile"] is True and stored.facts["child_disclosed_harm"] is False
        assert stored.facts["consent"] == "not_sought_risk"
        assert stored.answers["allegation_against_professional"] is False


def test_the_route_deciding_questions_are_asked_whatever_the_account_says(app: Flask, clock: FakeClock) -> None:
    """Someone who works with children is always asked about; FGM whenever the child is a girl (or not known)."""
    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU + CHILD_SAM + SUGGESTED_NE_07)
    offered = [choice.value for choice in c.pending[0].choices]
    assert offered == ["fgm", "professional", "none"]
    boy = CHILD_SAM.replace("you: girl", "you: boy")
    c = chat(app, clock, user="another-referrer")
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU + boy + SUGGESTED_NE_07)
    assert [choice.value for choice in c.pending[0].choices] == ["professional", "none"]
    result = c.play(
        """
bot: Do any of these apply?
you [tick]: professional
"""
        + CONSENT_GIVEN
        + """
bot: Please check your answers.
bot+: About someone who works with children: Yes
you [pick]: submit
bot: Your reference is
"""
    )
    assert result.request is not None and result.request["route"] == "lado"


def test_consent_refused_is_recorded_and_explained(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + ABOUT_YOU
        + CHILD_SAM
        + SUGGESTED_NE_07
        + NO_SPECIALS
        + """
bot: Have you talked to the parents or carers
you: Yes, and they do not agree
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
        + """
you: no
bot: What has happened?
you: Synthetic test concern: the mother-to-be is pregnant, drinks most days and missed two scans since August.
"""
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
bot: Which of these apply?
you [tick]: language, interpreter
bot: What is the main language spoken at home?
you: Polish
bot: Who are the parents or carers (for an unborn baby, the parents-to-be)?
you: Kim Testmother, mother-to-be, 20
bot: Does any of this describe what you have seen or been told?
you [tick]: browse
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
bot: Do any of these apply?
you [tick]: none
"""
        + CONSENT_GIVEN
        + """
bot: Please check your answers.
bot+: Due date: 10/03/2027
bot+: Interpreter needed: Yes
bot+: Main language at home: Polish
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


def test_a_teacher_is_not_asked_about_an_unborn_baby_unless_the_account_mentions_one(
    app: Flask, clock: FakeClock
) -> None:
    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU)
    assert "full name" in c.pending[0].text
    health = ABOUT_YOU.replace("you: school", "you: health_visiting")
    c = chat(app, clock, user="health-visitor")
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + health)
    assert "unborn baby" in c.pending[0].text


def test_adult_gets_adult_services_advice_and_can_correct_the_date(app: Flask, clock: FakeClock) -> None:
    result = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + ABOUT_YOU
        + """
bot: What is the child's full name?
you: Sam Testchild
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
    c.play(
        GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU + CHILD_SAM + SUGGESTED_NE_07 + NO_SPECIALS + CONSENT_GIVEN
    )
    result = c.play(
        """
bot: Please check your answers.
bot+: Postcode: FY1 1AA
you: change postcode
bot: What is the child's home postcode?
bot+: Your answer now: FY1 1AA.
you: FY2 0AB
bot: Please check your answers.
bot+: Postcode: FY2 0AB
you: change your agency
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
bot: Please check your answers.
bot+: Concern areas: Neglect and basic care; School and learning
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
        assert stored.facts["indicators"] == ["ne_07"]
        assert stored.concern_categories == ["neglect", "education"]


def test_a_draft_is_resumed_after_a_restart(app: Flask, clock: FakeClock, database_url: str) -> None:
    from app import create_app

    c = chat(app, clock)
    c.play(GREETING + "you: no\n" + CONCERN_FIRST + ABOUT_YOU)
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
bot: What is the child's full name?
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
        + "you: no\n"
        + CONCERN_FIRST
        + """
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
you: perhaps
bot: I did not understand 'perhaps'. Please answer Yes or No.
bot: First, is the child in immediate danger right now?
you: no
bot: What has happened?
you: back
bot: First, is the child in immediate danger right now?
you: no
bot: What has happened?
you: Synthetic test concern: Sam came in hungry this morning again.
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
bot: What has happened?
"""
    )


def test_a_returning_referrer_confirms_their_details(app: Flask, clock: FakeClock) -> None:
    chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + ABOUT_YOU
        + CHILD_SAM
        + SUGGESTED_NE_07
        + NO_SPECIALS
        + CONSENT_GIVEN
        + REVIEW_AND_SUBMIT
    )
    clock.advance(days=7)
    second = chat(app, clock).play(
        GREETING
        + "you: no\n"
        + CONCERN_FIRST
        + """
bot: About you. Are these still your details?
bot+: - Your email: alex@example.org
you [pick]: yes
bot: This browser confirmed alex@example.org with a code in the last 30 days
bot: What is the child's full name?
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
bot: What is the child's full name?
"""
    )
    assert not second.done
    with app.extensions["db"].reading() as s:
        draft = s.scalars(select(Draft).where(Draft.status == "open")).one()
        assert draft.state["answers"]["referrer_role"] == "Headteacher"
        assert draft.state["answers"]["referrer_name"] == "Alex Example"
        assert draft.state["answers"]["referrer_phone"] == "01632 960999"
