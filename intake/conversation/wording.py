"""What the bot says: a question drawn as a Reply (with its choices resolved and hints for richer adapters), the
answers shown back at review, and the 999 advice.

Place in the flow: the engine decides what comes next and calls here to put it into words; adapters draw the
Reply. The wording itself lives in questions.yaml; this module only assembles it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from intake.conversation.flow import Flow
from intake.conversation.plan import choices_for
from intake.conversation.question import SECTION_TITLES, Question
from intake.conversation.turn import Reply
from intake.working_day import hub_is_open


def display_answer(flow: Flow, question: Question, value: Any, answers: Mapping[str, Any]) -> str:
    if value is None or value == []:
        return "None" if question.input == "multi" else "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    labels = {c.value: c.label for c in choices_for(flow, question, answers)}
    if isinstance(value, list):
        return "; ".join(labels.get(v, v) for v in value)
    if question.kind in ("date", "due_date"):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return labels.get(str(value), str(value))


def review_items(flow: Flow, steps: list[Question], answers: Mapping[str, Any]) -> list[tuple[int, Question, str]]:
    """The numbered answers shown back at review; the numbers are what `change 3` refers to."""
    items = []
    for q in steps:
        if q.review and q.id in answers:
            items.append((len(items) + 1, q, display_answer(flow, q, answers[q.id], answers)))
    return items


def review_text(flow: Flow, steps: list[Question], answers: Mapping[str, Any]) -> str:
    return "\n".join(f"{n}. {q.short}: {shown}" for n, q, shown in review_items(flow, steps, answers))


def profile_text(flow: Flow, profile: Mapping[str, Any]) -> str:
    lines = []
    for q in flow.questions:
        if q.section == "about_you" and q.id in profile:
            lines.append(f"- {q.short}: {display_answer(flow, q, profile[q.id], profile)}")
    return "\n".join(lines)


def ask(flow: Flow, question: Question, state: Mapping[str, Any], steps: list[Question]) -> Reply:
    answers = state.get("answers", {})
    text = question.prompt
    if question.kind == "review":
        text = f"{question.prompt}\n\n{review_text(flow, steps, answers)}"
    elif question.kind == "confirm_profile":
        text = f"{question.prompt}\n\n{profile_text(flow, state.get('profile') or {})}"
    hints: dict[str, Any] = {
        "kind": question.kind,
        "section": question.section,
        "label": question.short,
        "optional": question.optional,
        "min_length": question.min_length,
        "max_length": question.max_length,
    }
    if question.role:
        hints["role"] = question.role
    hints.update(progress(question, steps, state))
    if question.min_value is not None or question.max_value is not None:
        hints.update(min=question.min_value, max=question.max_value)
    if question.category:
        hints.update(category=question.category, page=question.page, pages=question.pages)
    if state.get("changing") == question.id and question.id in answers:
        current = display_answer(flow, question, answers[question.id], answers)
        text += f"\n\nYour answer now: {current}. Send the new answer, or type 'back' to keep it."
        hints["current"] = current
    profile = state.get("profile") or {}
    if question.section == "about_you" and question.id in profile and question.id not in answers:
        current = display_answer(flow, question, profile[question.id], profile)
        text += f"\n\nLast time you said: {current}. Type 'same' to keep it."
        hints["current"] = current
    return Reply(
        text=text,
        choices=choices_for(flow, question, answers),
        input=question.input,
        question_id=question.id,
        help=question.help,
        hints=hints,
    )


def progress(question: Question, steps: list[Question], state: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Where this question sits: its section's title and "step k of n" among the questions of this stretch of the
    section (the run of steps in a row with the same section) that the person answers themselves: a question filled
    from another answer, or that an unanswered checklist or free text before it will fill, is not counted."""
    filled = set((state or {}).get("filled") or {})
    answers = (state or {}).get("answers") or {}
    index = next((n for n, q in enumerate(steps) if q.id == question.id), None)
    run: list[Question] = []
    if index is not None:
        start = index
        while start > 0 and steps[start - 1].section == question.section:
            start -= 1
        end = index
        while end + 1 < len(steps) and steps[end + 1].section == question.section:
            end += 1
        run = steps[start : end + 1]
    predicted: set[str] = set()
    mine: list[str] = []
    for q in run:
        if q.id != question.id and (q.id in filled or q.id in predicted):
            continue
        mine.append(q.id)
        if q.id not in answers:
            predicted |= {f.target for f in q.fills} | {t for _, ts in q.extracts for t in ts}
            if q.kind == "suggestions":  # the ticked signs answer the concern areas
                predicted |= {x.id for x in run if x.kind == "categories"}
    number = mine.index(question.id) + 1 if question.id in mine else 1
    total = max(number, len(mine))
    title = SECTION_TITLES.get(question.section, question.section)
    return {
        "section_title": title,
        "step": number,
        "steps": total,
        "progress": f"{title}, step {number} of {total}" if total > 1 else title,
    }


def emergency_reply(flow: Flow, now: datetime) -> Reply:
    contacts = flow.rules.contacts
    hub, edt = flow.hub_urgent_phone, flow.emergency_duty_team_phone
    if hub_is_open(now, contacts.hub_hours):
        then = f"Then phone the {contacts.hub_name} urgent line on {hub}."
    else:
        then = f"Then, because the hub is closed now, phone the emergency duty team on {edt}."
    return Reply(
        text=f"Call 999 now. {then} Do not wait for this chat. Tell the police if the child needs protecting "
        f"straight away.\n\nThe hub's urgent line is {hub} when the hub is open ({contacts.hours_text()}); at "
        f"other times phone the emergency duty team on {edt}.",
        question_id=flow.role_id("emergency_check"),
        hints={"emergency": True, "hub_urgent_phone": hub, "emergency_duty_team_phone": edt},
    )
