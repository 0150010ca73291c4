"""Pages for channels that show forms (a Slack modal, a Teams card): which section forms go on one page, a section
shown again with its answers filled in (Back, or Change from the review), and a page's answers applied.

Place in the flow: adapter -> IntakeService.page / handle_page -> **form_pages** -> the section API
(intake.conversation.sections) -> the pure engine. Nothing here decides what is asked; it only groups what the
section API says is asked now, so the chat, Slack and Teams ask the same questions.

- The safety question is asked first and alone in the conversation, but on a form it shares the first page with the
  section that follows a "no": the person sees "is the child in immediate danger?" at the top and can carry on
  below. A "yes" still stops everything for the 999 advice: then only what was filled in is kept, and nothing left
  empty below stands in the advice's way. The page with the advice asks "record the details now?" above the
  section that follows a "yes" in the same way.
- The signs of need come first from the referrer's own account: the "What you are worried about" page shows the
  signs suggested from what they wrote (never ticked for them) and not the areas, which the ticked signs answer.
  Only "None of these" or "Look through all the signs by area" leads to the areas, then the signs per area, on
  the pages after it (as in the browser chat).
- Back shows a section again with every answer in it, so going back never throws an answer away (the chat's
  'back' forgets the last answer; a form keeps it until it is changed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from intake.conversation import engine
from intake.conversation.fills import BROWSE, NONE
from intake.conversation.flow import Flow
from intake.conversation.plan import plan
from intake.conversation.question import SECTION_TITLES
from intake.conversation.sections import SectionForm, advance_form, is_control, section_form
from intake.conversation.turn import Reply, Turn
from intake.conversation.wording import ask

# A page the person reaches by going back: the section it shows again.
Revisit = str
# The safety questions that share their page with what follows, and the answer that leads there: "is the child in
# immediate danger?" (no), and after the 999 advice "record the details now?" (yes).
_CARRY_ON = {"emergency_check": "no", "emergency_carry_on": "yes"}
_NO_CONDITIONS = SimpleNamespace(ask_if={})
# Above the concern areas when they follow the suggested signs as their fallback.
_AREAS_LEAD = "If none of the signs above fits, or to look through all the signs by area:"


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def page(flow: Flow, state: Mapping[str, Any], now: datetime, *, revisit: Revisit | None = None) -> list[SectionForm]:
    """The forms to show together now, in order (or, with `revisit`, that section again, answers filled in)."""
    if revisit is not None:
        again = revisit_form(flow, state, now, revisit)
        if again is not None:
            return [_signs_first(flow, state, again)]
    return [_signs_first(flow, state, form) for form in _forms(flow, state, now)]


def _forms(flow: Flow, state: Mapping[str, Any], now: datetime) -> list[SectionForm]:
    state = engine.normalise(state)
    form = section_form(flow, state, now, conditional=True)
    for role, usual in _CARRY_ON.items():
        qid = flow.role_id(role)
        if form.ids == (qid,) and state["answers"].get(qid) is None:
            ahead = advance_form(flow, state, {qid: usual}, now)
            if not ahead.errors and ahead.action is None:
                nxt = section_form(flow, ahead.state, now, conditional=True)
                return [form, *_with_what_follows(flow, ahead.state, nxt, now)]
    return _with_what_follows(flow, state, form, now)


def _signs_first(flow: Flow, state: Mapping[str, Any], form: SectionForm) -> SectionForm:
    """While the suggested signs are on the form unanswered (or answered with signs), the signs by area are not: the
    concern areas follow the suggestions as the fallback, optional, for 'None of these' or 'Look through all the
    signs by area' (the ticked signs answer the areas), and the signs of the areas chosen come on the next page."""
    kinds = {q.id: q.kind for q in flow.questions}
    suggestions = [qid for qid in form.ids if kinds.get(qid) == "suggestions"]
    if not suggestions:
        return form
    picked = engine.normalise(state)["answers"].get(suggestions[0])
    if picked is not None and (BROWSE in picked or NONE in picked):
        return form
    kept: list[Reply] = []
    for reply in form.questions:
        kind = kinds.get((reply.question_id or "").split(".", 1)[0])
        if kind == "indicators":
            continue
        if kind == "categories":
            reply = dataclasses.replace(
                reply, text=f"{_AREAS_LEAD} {reply.text}", hints={**reply.hints, "conditional": True}
            )
        kept.append(reply)
    shown = {r.question_id for r in kept}
    return dataclasses.replace(
        form, questions=tuple(kept), prefills={k: v for k, v in form.prefills.items() if k in shown}
    )


def _without_unneeded_areas(flow: Flow, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A page's answers without a blank areas field when signs were ticked among the suggestions (they answer it)."""
    out = dict(answers)
    suggestions = next((q.id for q in flow.questions if q.kind == "suggestions"), None)
    areas = next((q.id for q in flow.questions if q.kind == "categories"), None)
    picked = out.get(suggestions) if suggestions else None
    if areas in out and _blank(out[areas]) and picked and BROWSE not in picked and NONE not in picked:
        out.pop(areas)
    return out


def _account(flow: Flow) -> tuple[str, ...]:
    concern = flow.role_id("concern_text")
    return (concern,) if concern else ()


def _with_what_follows(flow: Flow, state: Mapping[str, Any], form: SectionForm, now: datetime) -> list[SectionForm]:
    """The form's whole section; but when the form is the referrer's account alone (asked right after the danger
    check), the account and the section after it, so the account costs no page of its own."""
    if form.ids != _account(flow) or not form.ids or form.ids[0] in engine.normalise(state)["answers"]:
        return [_whole_section(flow, state, form, now)]
    placeholder = "x" * max(flow.question(form.ids[0]).min_length, 1)  # only to see which section comes next
    ahead = advance_form(flow, state, {form.ids[0]: placeholder}, now)
    if ahead.errors or ahead.action is not None:
        return [form]
    nxt = section_form(flow, ahead.state, now, conditional=True)
    return [form, _whole_section(flow, ahead.state, nxt, now)]


def _whole_section(flow: Flow, state: Mapping[str, Any], form: SectionForm, now: datetime) -> SectionForm:
    """`_joined` until nothing more joins (an estimate of age asked when no date of birth is known, then the rest)."""
    for _ in range(4):
        joined = _joined(flow, state, form, now)
        if joined is form:
            break
        form = joined
    return form


def _joined(flow: Flow, state: Mapping[str, Any], form: SectionForm, now: datetime) -> SectionForm:
    """The form, with the rest of its section when only a control question that seldom applies stands between them
    (the adult check, asked only when the child turns out to be 18 or over, splits "About the child" in two).

    What follows is worked out twice, as if the form's yes/no questions were all answered "no" and all "yes" (the
    rest left empty), and both are shown: the unborn baby's due date as well as the born child's school. That only
    decides what is shown. Every answer is still applied as given, in order, and one that does not apply is ignored;
    if the control question does apply, the conversation stops there, keeps the answers below it, and the next page
    asks it."""
    if any(is_control(q) for q in _questions(flow, form)):
        return form
    found: dict[str, Any] = {}
    prefills: dict[str, Any] = {}
    steps_seen = form.steps
    for stand_in in (False, True):
        more = _continuation(flow, state, form, now, stand_in)
        if more is None:
            continue
        steps_seen = max(steps_seen, more.steps)
        prefills.update(more.prefills)
        for reply in more.questions:
            found.setdefault(reply.question_id or "", reply)
    if not found:
        return form
    order = {q.id: n for n, q in enumerate(flow.questions)}
    by_id = {q.id: q for q in flow.questions}

    def base(qid: str) -> str:
        return qid.split(".", 1)[0]

    # What was worked out from stand-in answers may not apply once the real ones are in: a field that depends on
    # any answer is conditional (optional on the form; the conversation asks again for whatever it still needs).
    joined = tuple(
        dataclasses.replace(r, hints={**r.hints, "conditional": True})
        if (by_id.get(base(qid)) or _NO_CONDITIONS).ask_if
        else r
        for qid, r in sorted(found.items(), key=lambda item: (order.get(base(item[0]), len(order)), item[0]))
    )
    return SectionForm(
        section=form.section,
        title=form.title,
        step=form.step,
        steps=steps_seen,
        questions=form.questions + joined,
        prefills={**form.prefills, **prefills},
    )


def _continuation(
    flow: Flow, state: Mapping[str, Any], form: SectionForm, now: datetime, stand_in: bool
) -> SectionForm | None:
    ahead = engine.normalise(state)
    for q in _questions(flow, form):
        if q.id not in ahead["answers"]:
            ahead["answers"][q.id] = stand_in if q.kind == "yes_no" else None
    steps = plan(flow, ahead, engine.today_in_london(now))
    # Only the question right after the form in the plan: never one from further on (a later question's choices
    # may depend on answers in between, such as the concern's areas on whether the baby is born).
    shown = [n for n, q in enumerate(steps) if q.id in form.ids]
    after = steps[shown[-1] + 1 :] if shown else []
    nxt = after[0] if after else None
    if nxt is None or is_control(nxt) or nxt.section != form.section or nxt.id in ahead["answers"]:
        return None
    more = section_form(flow, {**ahead, "step": nxt.id}, now, conditional=True)
    if more.section != form.section or any(q in form.ids for q in more.ids):
        return None
    return more


def _questions(flow: Flow, form: SectionForm) -> list[Any]:
    by_id = {q.id: q for q in flow.questions}
    return [by_id.get(i.split(".", 1)[0]) for i in form.ids if by_id.get(i.split(".", 1)[0]) is not None]


def apply_page(flow: Flow, state: Mapping[str, Any], answers: Mapping[str, Any], now: datetime) -> Turn:
    """Apply what came back from a page, as `advance_form` applies a form's answers.

    When the page says the child is in immediate danger, only the answers given are kept: a required field left
    empty below must not put an error in front of the 999 advice."""
    answers = _without_unneeded_areas(flow, answers)
    danger = flow.role_id("emergency_check")
    before = engine.normalise(state)["answers"].get(danger)
    turn = advance_form(flow, state, answers, now)
    if turn.answers.get(danger) is True and before is not True:
        given = {k: v for k, v in answers.items() if not _blank(v)}
        turn = advance_form(flow, state, given, now)
    return turn


def sections_answered(flow: Flow, state: Mapping[str, Any], now: datetime) -> list[str]:
    """The sections, in order, that hold an answer a form can show again (control questions are not shown again)."""
    state = engine.normalise(state)
    answers = state["answers"]
    out: list[str] = []
    for q in plan(flow, state, engine.today_in_london(now)):
        if q.id in answers and not is_control(q) and q.section not in out:
            out.append(q.section)
    return out


def back_from(flow: Flow, state: Mapping[str, Any], now: datetime, shown: str, revisited: bool) -> Revisit | None:
    """Where Back goes from a page showing section `shown`: the same section with its answers, when part of it was
    answered on an earlier page; otherwise the section before it. None when there is nothing before."""
    answered = sections_answered(flow, state, now)
    if not revisited and shown in answered:
        return shown
    before = [s for s in answered if _order(s) < _order(shown)]
    return before[-1] if before else None


def _order(section: str) -> int:
    names = list(SECTION_TITLES)
    return names.index(section) if section in names else len(names)


def revisit_form(flow: Flow, state: Mapping[str, Any], now: datetime, section: str) -> SectionForm | None:
    """Every question of `section` that applies now (control questions apart), each answer filled in."""
    state = engine.normalise(state)
    steps = plan(flow, state, engine.today_in_london(now))
    chosen = [q for q in steps if q.section == section and not is_control(q)]
    if not chosen:
        return None
    answers = state["answers"]
    replies = tuple(ask(flow, q, state, steps) for q in chosen)
    return SectionForm(
        section=section,
        title=SECTION_TITLES.get(section, section),
        step=1,
        steps=len(chosen),
        questions=replies,
        prefills={q.id: answers[q.id] for q in chosen if q.id in answers},
    )
