"""The App Home tab: a way in ("Raise a concern"), unfinished drafts to resume, and the person's own requests.

Place in the flow: published when someone opens the app's Home (`app_home_opened`). It is private to that person,
so it may list their references and outcomes; it still shows no child's details.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from intake.my_requests import DraftLine, RequestLine
from intake.working_day import LONDON

RAISE_ACTION = "home_raise"
RESUME_ACTION = "home_resume"

STATUS_LABELS = {
    "awaiting_decision": "Waiting for the hub",
    "in_triage": "Being looked at by the hub",
    "decided": "Decided",
}


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


def _when(line_time: object) -> str:
    return line_time.astimezone(LONDON).strftime("%d %b %Y %H:%M")  # type: ignore[attr-defined]


def _request_line(r: RequestLine) -> str:
    status = STATUS_LABELS.get(r.status, r.status.replace("_", " "))
    text = f"{r.reference} · sent {_when(r.received_at)} · {status}"
    if r.hub_outcome:
        outcome = r.hub_outcome.replace("_", " ")
        text += f" · outcome: {outcome}" + (f" (level {r.hub_level})" if r.hub_level else "")
    else:
        text += f" · recommended level {r.level}: {r.route_label}"
    return text


def home_view(drafts: Sequence[DraftLine], requests: Sequence[RequestLine], hub_name: str) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=_plain("Raise a concern about a child")),
        SectionBlock(
            text=_plain(
                f"Tell the {hub_name} about a child you are worried about. The form asks one question at a time "
                "and saves every answer. If a child is in immediate danger, call 999 first."
            )
        ),
        ActionsBlock(
            block_id="home_start",
            elements=[ButtonElement(action_id=RAISE_ACTION, text=_plain("Raise a concern"), style="primary")],
        ),
    ]
    if drafts:
        blocks += [DividerBlock(), HeaderBlock(text=_plain("Carry on where you left off"))]
        for d in drafts:
            blocks.append(
                SectionBlock(
                    text=_plain(f"Started {_when(d.started_at)}, last saved {_when(d.updated_at)}"),
                    accessory=ButtonElement(action_id=RESUME_ACTION, text=_plain("Resume"), value=d.id),
                )
            )
    blocks += [DividerBlock(), HeaderBlock(text=_plain("My requests"))]
    if requests:
        blocks += [SectionBlock(text=_plain(_request_line(r))) for r in requests]
    else:
        blocks.append(SectionBlock(text=_plain("You have not raised any requests here yet.")))
    blocks.append(ContextBlock(elements=[_plain("The hub decides every request; you hear the outcome here.")]))
    return View(type="home", blocks=blocks)
