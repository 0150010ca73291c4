"""The questions as data: loaded from questions.yaml and checked once, so a typo fails at start-up, not mid-chat.

A Question says what to ask, what input it takes and when it applies (`ask_if`); the engine decides the order
and the validation package decides what a good answer is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from intake.conversation.turn import Choice

QUESTIONS_FILE = Path(__file__).with_name("questions.yaml")

# kind -> the input an adapter draws (buttons, checkboxes, a date picker or a text box).
KINDS = {
    "yes_no": "choice",
    "choice": "choice",
    "multi": "multi",
    "categories": "multi",
    "indicators": "multi",
    "suggestions": "multi",
    "checklist": "multi",
    "text": "text",
    "email": "text",
    "phone": "text",
    "postcode": "text",
    "number": "text",
    "date": "date",
    "due_date": "date",
    "confirm_profile": "choice",
    "review": "choice",
}
SECTIONS = ("safety", "about_you", "about_child", "concern", "consent", "review")
# What each section is called where a channel shows it ("About the child, step 3 of 6", a modal's or card's title).
SECTION_TITLES = {
    "safety": "Safety first",
    "about_you": "About you",
    "about_child": "About the child",
    "concern": "What you are worried about",
    "consent": "Talking to the family",
    "review": "Check and send",
}
# Values worked out from the answers that ask_if may test, besides the answers themselves. `email_codes`: the app
# wired a check for the `email_code` role (intake/verification/email_step.py), so that question can be answered.
DERIVED = ("child_age", "has_profile", "channel", "mentions", "areas", "browsing", "email_codes")
# The channels a conversation runs in (`channel` in ask_if): the browser chat, Slack, Teams.
CHANNELS = ("web", "slack", "teams")
_OPERATORS = {"any_of", "not_in", "under", "at_least"}
# What the engine relies on a question for; questions.yaml says which question plays each role.
ROLES = (
    "emergency_check",
    "emergency_carry_on",
    "unborn",
    "birth_date",
    "age_estimate",
    "adult_check",
    "email_code",
    "concern_text",
)
REQUIRED_ROLES = ("emergency_check", "unborn", "birth_date", "age_estimate")


@dataclass(frozen=True)
class Fill:
    """Choosing (or, with `chosen=False`, not choosing) `when` answers the question `target` with `value`."""

    when: str
    target: str
    value: Any
    chosen: bool = True


# What a free-text answer can also answer (see fills.py): a postcode in an address, a time in an account, a full name.
EXTRACTS = ("postcode", "when", "name")
NOTHING = object()  # `otherwise` not set


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    label: str = ""
    section: str = ""
    help: str | None = None
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    min_length: int = 1
    max_length: int = 500
    min_value: float | None = None
    max_value: float | None = None
    review: bool = True
    role: str | None = None
    # Left out of the hash (a dict cannot be hashed) so a Question can key the cache of its validation schema.
    ask_if: dict[str, Any] = field(default_factory=dict, hash=False)
    # Set on the pages an `indicators` question expands into: which category, which page of how many.
    category: str | None = None
    page: int = 0
    pages: int = 0
    # What choosing each choice answers elsewhere (a checklist folding several questions into one).
    fills: tuple[Fill, ...] = ()
    # The answer taken when ask_if does not hold (the question is not asked): the unborn question, asked only when
    # something points to a pregnancy, is otherwise No.
    otherwise: Any = field(default=NOTHING, hash=False, compare=False)
    # extract kind -> the question ids a free-text answer also answers when it contains them.
    extracts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # In the browser chat, answered from an earlier answer when the conditions hold (the child's school is the
    # teacher's own), and said so; a form shows it filled in instead.
    default_from: str | None = None
    default_if: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def input(self) -> str:
        return KINDS[self.kind]

    @property
    def short(self) -> str:
        return self.label or self.id.replace("_", " ").capitalize()

    def applies(self, values: Mapping[str, Any]) -> bool:
        """Whether this question is asked, given the answers so far plus the DERIVED values."""
        return conditions_hold(self.ask_if, values)

    def page_of(self, category: str, label: str, page: int, pages: int, choices: tuple[Choice, ...]) -> Question:
        """One page of an indicators question: one category's signs, at most ten at a time."""
        part = f" (part {page} of {pages})" if pages > 1 else ""
        return replace(
            self,
            id=f"{self.id}.{category}.{page}",
            label=f"{label}{part}",
            prompt=f"{label}{part}. {self.prompt}",
            choices=choices,
            category=category,
            page=page,
            pages=pages,
        )


def conditions_hold(conditions: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    for key, wanted in conditions.items():
        if key == "any":
            if not any(conditions_hold(group, values) for group in wanted):
                return False
            continue
        if key == "all":
            if not all(conditions_hold(group, values) for group in wanted):
                return False
            continue
        if key not in values:
            return False
        if not _holds(values[key], wanted):
            return False
    return True


def _holds(have: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return have in wanted
    if isinstance(wanted, dict):
        for op, arg in wanted.items():
            if op == "any_of" and not (isinstance(have, list) and set(have) & set(arg)):
                return False
            if op == "not_in" and (have is None or have in arg):
                return False
            if op == "under" and not (isinstance(have, int | float) and have < arg):
                return False
            if op == "at_least" and not (isinstance(have, int | float) and have >= arg):
                return False
        return True
    return have == wanted


class QuestionFileError(ValueError):
    pass


def _check_conditions(where: str, conditions: Any, seen: set[str]) -> None:
    if not isinstance(conditions, dict):
        raise QuestionFileError(f"{where}: ask_if must be a mapping")
    for key, wanted in conditions.items():
        if key in ("any", "all"):
            if not isinstance(wanted, list) or not wanted:
                raise QuestionFileError(f"{where}: ask_if '{key}' needs a list of condition groups")
            for group in wanted:
                _check_conditions(where, group, seen)
            continue
        if key not in seen and key not in DERIVED:
            raise QuestionFileError(f"{where}: ask_if refers to {key!r}, which is not asked before it")
        if isinstance(wanted, dict) and not set(wanted) <= _OPERATORS:
            raise QuestionFileError(f"{where}: unknown ask_if operator in {sorted(wanted)}")


def _fills(where: str, item: Mapping[str, Any], known: set[str]) -> tuple[Fill, ...]:
    out: list[Fill] = []
    for c in item.get("choices", ()):
        for key, chosen in (("fills", True), ("otherwise", False)):
            for target, value in (c.get(key) or {}).items():
                if target not in known:
                    raise QuestionFileError(f"{where}: choice {c['value']!r} fills unknown question {target!r}")
                out.append(Fill(str(c["value"]), target, value, chosen))
    return tuple(out)


def load_questions(path: Path = QUESTIONS_FILE) -> tuple[Question, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise QuestionFileError(f"{path.name}: expected a list of questions")
    questions: list[Question] = []
    seen: set[str] = set()
    seen_all = {str(item.get("id")) for item in raw if isinstance(item, dict)}
    roles: dict[str, str] = {}
    for i, item in enumerate(raw):
        where = f"{path.name}: question {i + 1}"
        if not isinstance(item, dict) or "id" not in item or "kind" not in item or "prompt" not in item:
            raise QuestionFileError(f"{where}: needs id, kind and prompt")
        where = f"{where} ({item['id']})"
        if item["kind"] not in KINDS:
            raise QuestionFileError(f"{where}: unknown kind {item['kind']!r}")
        if item["id"] in seen or not item["id"].isidentifier():
            raise QuestionFileError(f"{where}: duplicate or malformed id")
        if item.get("section", "") not in SECTIONS:
            raise QuestionFileError(f"{where}: section must be one of {', '.join(SECTIONS)}")
        if item.get("role") is not None and item["role"] not in ROLES:
            raise QuestionFileError(f"{where}: unknown role {item['role']!r} (one of {', '.join(ROLES)})")
        if item.get("role") is not None and item["role"] in roles:
            raise QuestionFileError(f"{where}: role {item['role']!r} is already {roles[item['role']]!r}'s")
        if item.get("role") is not None:
            roles[item["role"]] = item["id"]
        if item["kind"] in ("choice", "multi", "checklist") and not item.get("choices"):
            raise QuestionFileError(f"{where}: a {item['kind']} question needs choices")
        _check_conditions(where, item.get("ask_if", {}), seen)
        _check_conditions(where, item.get("default_if", {}), seen)
        if item.get("default_from") is not None and item["default_from"] not in seen:
            raise QuestionFileError(f"{where}: default_from must name a question asked before it")
        seen.add(item["id"])
        choices = tuple(Choice(str(c["value"]), str(c["label"])) for c in item.get("choices", ()))
        fills = _fills(where, item, seen_all)
        extracts = tuple((kind, tuple(targets)) for kind, targets in (item.get("extracts") or {}).items())
        if any(kind not in EXTRACTS for kind, _ in extracts):
            raise QuestionFileError(f"{where}: extracts must be among {', '.join(EXTRACTS)}")
        if item["kind"] == "yes_no":
            choices = (Choice("yes", "Yes"), Choice("no", "No"))
        if item["kind"] == "confirm_profile":
            choices = (Choice("yes", "Yes, these are right"), Choice("change", "No, change them"))
        if item["kind"] == "review":
            choices = (Choice("submit", "Submit"), Choice("cancel", "Cancel this request"))
        questions.append(
            Question(
                id=item["id"],
                kind=item["kind"],
                prompt=item["prompt"],
                label=item.get("label", ""),
                section=item["section"],
                help=item.get("help"),
                choices=choices,
                optional=bool(item.get("optional", False)),
                min_length=int(item.get("min_length", 1)),
                max_length=int(item.get("max_length", 500)),
                min_value=item.get("min"),
                max_value=item.get("max"),
                review=bool(item.get("review", True)),
                role=item.get("role"),
                ask_if=dict(item.get("ask_if", {})),
                fills=fills,
                otherwise=item.get("otherwise", NOTHING),
                extracts=extracts,
                default_from=item.get("default_from"),
                default_if=dict(item.get("default_if", {})),
            )
        )
    ids = [q.id for q in questions]
    for q in questions:
        later = set(ids[ids.index(q.id) + 1 :])
        targets = {f.target for f in q.fills} | {t for _, ts in q.extracts for t in ts}
        if not targets <= later:
            raise QuestionFileError(f"{q.id}: fills or extracts {sorted(targets - later)}, not asked after it")
    if not questions or questions[0].role != "emergency_check":
        raise QuestionFileError(f"{path.name}: the first question must be the emergency_check (safety first)")
    missing = [r for r in REQUIRED_ROLES if r not in roles]
    if missing:
        raise QuestionFileError(f"{path.name}: no question has the role {', '.join(missing)}")
    if questions[-1].kind != "review":
        raise QuestionFileError(f"{path.name}: the last question must be the review")
    return tuple(questions)
