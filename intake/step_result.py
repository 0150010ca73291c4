"""What one step of a conversation gives back to the chat adapter that asked for it.

Place in the flow: adapter -> intake.service -> **StepResult** -> adapter (draws the replies, or the section forms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.conversation.sections import SectionForm
from intake.conversation.turn import Reply


class DraftNotFound(LookupError):
    pass


@dataclass(frozen=True)
class StepResult:
    draft_id: str
    replies: tuple[Reply, ...]
    done: bool = False
    request: dict[str, Any] | None = None
    # False when nothing was stored: a conversation offered but not yet answered, or a first answer re-asked.
    stored: bool = True
    # For channels that show forms (page / handle_page): the section forms to show now, the message for each answer
    # that could not be used (by question id), and the section shown again when the page is a revisit (Back).
    forms: tuple[SectionForm, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)
    revisit: str | None = None
    # The sections holding answers a form can show again, in order (for Back and the review's Change buttons).
    answered_sections: tuple[str, ...] = ()
