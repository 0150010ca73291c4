"""One card per section of the intake: every question of the section the person can answer now, each with its
label, its hint and, after a bad answer, the message right under it; Continue, Back, and the review card last.

Place in the flow: the intake service says which section forms to show (`IntakeService.page`, built on the
conversation's section API `intake.conversation.sections`); this module only draws them. What comes back is read
by `answers_from`: each input is named after its question, so the engine validates each answer as it always does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.teams.cards import (
    action,
    card,
    card_wording,
    clear_toggle,
    error_line,
    field,
    heading,
    notice,
    progress_line,
    text_runs,
    urgent,
)
from intake.conversation.sections import SectionForm
from intake.conversation.turn import Reply

FORM = "form"
SAFETY_ROLES = ("emergency_check", "emergency_carry_on")
# Input ids: a question's answer, and its "clear this answer" tick.
ANSWER_PREFIX = "a:"
CLEAR_PREFIX = "clear:"


def input_id(question_id: str) -> str:
    return f"{ANSWER_PREFIX}{question_id}"


def _shown_value(reply: Reply, value: Any) -> Any:
    """A prefilled or typed value as the input takes it (a stored True is the "yes" radio)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _label(reply: Reply, form: SectionForm) -> tuple[str, str]:
    """The question as its input's label (its first paragraph, without the section's name the card's heading
    already says), and what the engine says after it (the details to confirm), shown as plain text."""
    text = card_wording(reply.text)
    lead = f"{form.title}. "
    text = text[len(lead) :] if text.casefold().startswith(lead.casefold()) else text
    label, _, rest = text.partition("\n\n")
    return label.strip(), rest.strip()


def section_card(
    forms: Sequence[SectionForm],
    draft_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, Any] | None = None,
    notices: Sequence[Reply] = (),
    notice_text: str | None = None,
    revisit: str | None = None,
    can_go_back: bool = True,
) -> dict[str, Any]:
    """The card for one page: its section forms in order (the safety question shares the first page).

    `typed` holds what the person entered last time for answers that need another try, so nothing they typed
    disappears; `revisit` names the section when the page shows answered questions again (Back, Change)."""
    errors = errors or {}
    typed = typed or {}
    body: list[dict[str, Any]] = []
    if notice_text:
        body.append(notice(notice_text))
    for reply in notices:
        if (reply.hints or {}).get("emergency"):
            body.append(urgent(reply.text))
        else:
            body += text_runs(card_wording(reply.text))
    shown: list[str] = []
    filled: list[str] = []
    # With the safety question on the card, nothing else may stop Continue in the client: a "yes" must reach the
    # 999 advice at once. Those fields are checked by the service instead (errors come back under them).
    safety = any((r.hints or {}).get("role") in SAFETY_ROLES for form in forms for r in form.questions)
    for form in forms:
        body.append(heading(form.title))
        if form.steps > 1 and form.step > 1 and not revisit:
            body.append(progress_line(f"Continuing: question {form.step} of {form.steps} in this section"))
        for reply in form.questions:
            qid = reply.question_id or ""
            shown.append(qid)
            value = typed.get(qid, form.prefills.get(qid))
            if qid in form.prefills:
                filled.append(qid)
            label, said = _label(reply, form)
            element = field(reply, input_id(qid), value=_shown_value(reply, value), label=label)
            if (reply.hints or {}).get("conditional"):
                element["isRequired"] = False  # asked only if an answer above makes it apply
                element["label"] += " (only if it applies)"
            elif safety and (reply.hints or {}).get("role") not in SAFETY_ROLES:
                element["isRequired"] = False
            element["spacing"] = "large"
            if said:
                body += text_runs(said)
                element["spacing"] = "small"
            body.append(element)
            if qid in errors:
                body.append(error_line(errors[qid]))
            if qid in form.prefills and (reply.hints or {}).get("optional") and reply.input != "multi":
                body.append(clear_toggle(reply, f"{CLEAR_PREFIX}{qid}"))
            if reply.help:
                body += text_runs(card_wording(reply.help), subtle=True)
    section = forms[-1].section if forms else ""
    base = {
        "verb": FORM,
        "draft": draft_id,
        "section": section,
        "questions": shown,
        "filled": filled,
        "revisit": bool(revisit),
    }
    actions = [action("Continue", base, style="positive")]
    if can_go_back:
        actions.append(action("Back", {**base, "command": "back"}, inputs=False))
    return card(body, actions)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def answers_from(
    data: Mapping[str, Any], kinds: Mapping[str, str], optional: set[str]
) -> tuple[dict[str, Any], set[str]]:
    """The answers a section card sent back, by question id, for the section API, and the ids to keep as stored.

    `kinds` is each shown question's input kind (multi answers come back comma-separated). An optional answer
    that was filled in and is now left empty is to be kept as it was (the caller puts the stored answer back);
    only its Clear tick clears it. An optional answer never given and left empty is sent empty: the engine takes
    that as "not known". A list unticked completely is an answer ("none of these"), never kept."""
    questions = [q for q in data.get("questions") or [] if isinstance(q, str)]
    filled = {q for q in data.get("filled") or [] if isinstance(q, str)}
    out: dict[str, Any] = {}
    kept: set[str] = set()
    for qid in questions:
        raw = data.get(input_id(qid))
        if data.get(f"{CLEAR_PREFIX}{qid}") == "true" and qid in optional:
            out[qid] = [] if kinds.get(qid) == "multi" else ""
            continue
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str | list):
            raw = ""
        if kinds.get(qid) == "multi":
            items = raw if isinstance(raw, list) else raw.split(",")
            value: Any = [str(v).strip()[:200] for v in items[:200] if str(v).strip()]
        else:
            value = raw[:5000] if isinstance(raw, str) else ""
        if _blank(value) and qid in filled and qid in optional and kinds.get(qid) != "multi":
            kept.add(qid)  # left empty while changing: keep the answer
            continue
        out[qid] = value
    return out, kept
