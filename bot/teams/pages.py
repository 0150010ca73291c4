"""The Teams intake a section at a time: which card comes next after Start, Continue, Back or Change.

Place in the flow: TeamsBot (the activity) -> **pages** -> IntakeService.page / handle_page / back_page (the
section forms, saved after every card) -> the conversation engine. The cards themselves are drawn by
section_cards (a section), review_card (the review, last) and cards (the result).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.teams import cards
from bot.teams.result_card import finished_card
from bot.teams.review_card import review_card, section_titles
from bot.teams.section_cards import FORM, answers_from, section_card
from intake.conversation.question import SECTION_TITLES, Question
from intake.service import IntakeService, Origin, StepResult

OUT_OF_DATE = "That card was out of date, so nothing on it was changed. Here is where you are now."


@dataclass
class Pages:
    intake: IntakeService

    def _question(self, qid: str) -> Question | None:
        flow = self.intake.flow
        for key in (qid, qid.split(".", 1)[0]):
            try:
                return flow.question(key)
            except KeyError:
                continue
        return None

    def submit(
        self, draft_id: str, data: Mapping[str, Any], now: datetime, owner: tuple[str, str], origin: Origin
    ) -> dict[str, Any]:
        """Continue, Back or Change on a section card (or Back / Change on the review card)."""
        command = data.get("command")
        section = data.get("section") if isinstance(data.get("section"), str) else ""
        if command == "back":
            result = self.intake.back_page(draft_id, now, section, bool(data.get("revisit")), owner=owner)
            return self.card(result)
        if command == "change":
            target = data.get(cards.CHANGE)
            revisit = target if isinstance(target, str) and target in SECTION_TITLES else None
            return self.card(self.intake.page(draft_id, now, owner=owner, revisit=revisit))
        questions = [q for q in data.get("questions") or [] if isinstance(q, str)]
        if not data.get("revisit"):
            # A card names the question it starts at; if the conversation has moved on since (the card pressed
            # twice, or answered in another window), nothing on it is applied.
            now_at = self.intake.page(draft_id, now, owner=owner)
            waiting = now_at.forms[0].ids[:1] if now_at.forms else ()
            if not now_at.done and tuple(questions[:1]) != waiting:
                return self.card(now_at, notice=OUT_OF_DATE)
        known = {q: self._question(q) for q in questions}
        kinds = {q: question.input for q, question in known.items() if question is not None}
        optional = {q for q, question in known.items() if question is not None and question.optional}
        answers, kept = answers_from(data, kinds, optional)
        if kept:
            # Left empty while changing it: the answer stays as stored (sent again, so a change is finished).
            stored = self.intake.page(draft_id, now, owner=owner, revisit=section or None)
            prefills = {k: v for form in stored.forms for k, v in form.prefills.items()}
            answers.update({q: prefills[q] for q in kept if q in prefills})
        result = self.intake.handle_page(draft_id, answers, now, owner=owner, origin=origin)
        typed = {q: v for q, v in answers.items() if q in result.errors}
        return self.card(result, typed=typed)

    def card(self, result: StepResult, *, notice: str | None = None, typed: Mapping[str, Any] | None = None) -> dict:
        """The card for where the conversation is now."""
        flow = self.intake.flow
        if result.done:
            return finished_card(result.replies, result.request)
        forms = result.forms
        notices = [r for r in result.replies if not cards.is_question(r)]
        if not forms:
            return cards.step_card(result.replies, result.draft_id, notice_text=notice)
        first = forms[0].questions[0] if forms[0].questions else None
        if first is not None and (first.hints or {}).get("kind") == "review":
            errors = [r.text for r in notices if r.error]
            return review_card(
                first,
                result.draft_id,
                sections=section_titles(flow),
                errors=errors,
                notice_text=notice,
                change_sections=[(s, SECTION_TITLES.get(s, s)) for s in result.answered_sections],
            )
        danger = flow.role_id("emergency_check")
        return section_card(
            forms,
            result.draft_id,
            errors=result.errors,
            typed=typed,
            notices=[r for r in notices if not r.error or not result.errors],
            notice_text=notice,
            revisit=result.revisit,
            can_go_back=danger not in forms[0].ids,
        )


def is_form_action(data: Mapping[str, Any]) -> bool:
    return data.get("verb") == FORM
