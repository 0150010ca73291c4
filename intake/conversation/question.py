"""The questions as data: loaded from questions.yaml and checked once, so a typo fails at start-up, not mid-chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from intake.conversation.turn import Choice

QUESTIONS_FILE = Path(__file__).with_name("questions.yaml")

KINDS = {
    "yes_no": "choice",
    "choice": "choice",
    "multi": "multi",
    "categories": "multi",
    "indicators": "multi",
    "text": "text",
    "email": "text",
    "phone": "text",
    "postcode": "text",
    "number": "text",
    "date": "date",
    "review": "choice",
}


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    section: str = ""
    help: str | None = None
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    min_length: int = 1
    max_length: int = 500
    allow_future: bool = False
    ask_if: dict[str, Any] = field(default_factory=dict)

    @property
    def input(self) -> str:
        return KINDS[self.kind]

    def applies(self, answers: dict[str, Any]) -> bool:
        for key, wanted in self.ask_if.items():
            have = answers.get(key)
            if isinstance(wanted, list):
                if have not in wanted:
                    return False
            elif have != wanted:
                return False
        return True


class QuestionFileError(ValueError):
    pass


def load_questions(path: Path = QUESTIONS_FILE) -> tuple[Question, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise QuestionFileError(f"{path.name}: expected a list of questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{path.name}: question {i + 1}"
        if not isinstance(item, dict) or "id" not in item or "kind" not in item or "prompt" not in item:
            raise QuestionFileError(f"{where}: needs id, kind and prompt")
        if item["kind"] not in KINDS:
            raise QuestionFileError(f"{where} ({item['id']}): unknown kind {item['kind']!r}")
        if item["id"] in seen:
            raise QuestionFileError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        for key in item.get("ask_if", {}):
            if key not in seen:
                raise QuestionFileError(f"{where} ({item['id']}): ask_if refers to {key!r}, not asked before it")
        choices = tuple(Choice(str(c["value"]), str(c["label"])) for c in item.get("choices", ()))
        if item["kind"] == "yes_no":
            choices = (Choice("yes", "Yes"), Choice("no", "No"))
        questions.append(
            Question(
                id=item["id"],
                kind=item["kind"],
                prompt=item["prompt"],
                section=item.get("section", ""),
                help=item.get("help"),
                choices=choices,
                optional=bool(item.get("optional", False)),
                min_length=int(item.get("min_length", 1)),
                max_length=int(item.get("max_length", 500)),
                allow_future=bool(item.get("allow_future", False)),
                ask_if=dict(item.get("ask_if", {})),
            )
        )
    return tuple(questions)
