"""The guided conversation: a pure state machine over questions.yaml (engine), and the same conversation a section
at a time for channels that show forms (sections).

Names are re-exported lazily: intake.validation imports this package's question and turn modules, and the engine
imports intake.validation, so importing the engine here eagerly would be circular.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Flow": "intake.conversation.flow",
    "Turn": "intake.conversation.turn",
    "Inbound": "intake.conversation.turn",
    "Reply": "intake.conversation.turn",
    "advance": "intake.conversation.engine",
    "current_question": "intake.conversation.engine",
    "start": "intake.conversation.engine",
    "SectionForm": "intake.conversation.sections",
    "section_form": "intake.conversation.sections",
    "advance_form": "intake.conversation.sections",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'intake.conversation' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
