"""The intake service: runs one step of a conversation against the stored draft, and submits a finished one.

This is the seam every chat adapter calls. Each call is one short transaction: load the draft, advance the pure
conversation, save the new state, and, on submission, store the request, its routing decision, its audit event and
whatever the hub wants to hear about it (outbox rows added by listeners) together, so none exists without the rest.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from intake import form_pages
from intake.conversation import engine
from intake.conversation.sections import SectionForm
from intake.conversation.turn import CANCELLED, CLOSED, SUBMIT, Inbound, Reply, Turn
from intake.receipt import receipt_for
from intake.request_facts import facts_from_answers
from intake.store import audit
from intake.store.database import Database
from intake.store.draft import CANCELLED as DRAFT_CANCELLED
from intake.store.draft import OPEN, SUBMITTED, Draft, conversation_tag
from intake.store.draft_step import DraftSteps
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest, format_reference, name_key
from intake.verification import Partners
from intake.verification.at_submission import Origin, verify_referrer
from intake.verification.email_step import EmailCodeStep, confirmed_at
from intake.working_day import LONDON, working_deadline
from routing import evaluate

log = logging.getLogger(__name__)

# Called inside the submission transaction, so what a listener adds (outbox rows, follow-ups) commits with the
# request or not at all.
SubmitListener = Callable[[Session, SupportRequest, datetime], None]
# One step of the pure conversation on a stored state: a message (engine.advance) or a page (form_pages.apply_page).
Step = Callable[[dict[str, Any]], Turn]


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


@dataclass
class IntakeService:
    db: Database
    flow: engine.Flow
    listeners: list[SubmitListener] = field(default_factory=list)
    # The council's partner lists, each request's referrer is checked against at submission.
    partners: Partners = field(default_factory=Partners)
    # The browser chat's emailed-code step (intake/verification/email_step.py); None: no code is asked for.
    email_step: EmailCodeStep | None = None
    steps: DraftSteps = field(init=False)

    def __post_init__(self) -> None:
        self.steps = DraftSteps(self.db.engine)

    # -- conversations ---------------------------------------------------------------------------------------------

    def open_conversation(
        self, channel: str, channel_user_id: str, now: datetime, address: dict[str, Any] | None = None
    ) -> StepResult:
        """Resume this person's open draft on any channel, or start a new one with their remembered details."""
        with self.db.transaction() as s:
            referrer = self._referrer(s, channel, channel_user_id)
            if address and referrer is not None:
                referrer.address = address
            existing = self._open_draft(s, channel, channel_user_id)
            if existing is not None:
                return self._welcome_back(existing, now)
            turn = engine.start(
                self.flow, now, referrer.profile() if referrer else None, channel=conversation_channel(channel)
            )
            draft = Draft(
                id=str(uuid.uuid4()),
                channel=channel,
                channel_user_id=channel_user_id,
                referrer_id=referrer.id if referrer else None,
                status=OPEN,
                step=turn.state["step"],
                state=turn.state,
                created_at=now,
                updated_at=now,
            )
            s.add(draft)
            return StepResult(draft.id, turn.replies)

    def resume_or_offer(self, channel: str, channel_user_id: str, now: datetime, offered: str | None) -> StepResult:
        """This person's open draft, resumed; or, when they have none, the first question of a new conversation that
        is stored only when they answer it (`handle(..., start=True)`), so a visit writes nothing.

        `offered` is the id offered to them last time; it is offered again unless a draft has taken it since."""
        with self.db.reading() as s:
            existing = self._open_draft(s, channel, channel_user_id)
            if existing is not None:
                return self._welcome_back(existing, now)
            if offered is None or s.get(Draft, offered) is not None:
                offered = str(uuid.uuid4())
            return StepResult(offered, self._begin(s, channel, channel_user_id, now).replies, stored=False)

    def _begin(self, s: Session, channel: str, channel_user_id: str, now: datetime) -> engine.Turn:
        referrer = self._referrer(s, channel, channel_user_id)
        return engine.start(
            self.flow, now, referrer.profile() if referrer else None, channel=conversation_channel(channel)
        )

    @staticmethod
    def _open_draft(s: Session, channel: str, channel_user_id: str) -> Draft | None:
        return s.scalar(
            select(Draft)
            .where(Draft.channel == channel, Draft.channel_user_id == channel_user_id, Draft.status == OPEN)
            .order_by(Draft.updated_at.desc())
            .limit(1)
        )

    def _welcome_back(self, draft: Draft, now: datetime) -> StepResult:
        return StepResult(
            draft.id,
            (
                Reply(text="Welcome back. Your answers so far are saved; here is where you left off."),
                engine.current_question(self.flow, draft.state, now),
            ),
        )

    def current(
        self, draft_id: str, now: datetime, *, owner: tuple[str, str] | None = None, start: bool = False
    ) -> StepResult:
        """Where the conversation is. With `owner`, anyone else's draft is DraftNotFound; with `start`, an id offered
        by `resume_or_offer` and not yet answered shows its first question."""
        with self.db.reading() as s:
            draft = s.get(Draft, draft_id)
            if draft is None and start and owner is not None:
                return StepResult(draft_id, self._begin(s, *owner, now).replies, stored=False)
            if draft is None or (owner is not None and (draft.channel, draft.channel_user_id) != owner):
                raise DraftNotFound(draft_id)
            if draft.status == SUBMITTED:
                request = s.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
                if request is None:
                    return StepResult(draft_id, (), done=True)
                return self._submitted_result(draft_id, request, now)
            if draft.status != OPEN:
                return StepResult(draft_id, (Reply(text="This conversation has finished."),), done=True)
            return StepResult(draft_id, (engine.current_question(self.flow, draft.state, now),))

    def question(self, draft_id: str, now: datetime) -> Reply | None:
        """The step the draft is waiting for (its question, resolved choices and hints), or None once finished."""
        with self.db.reading() as s:
            draft = s.get(Draft, draft_id)
            if draft is None:
                raise DraftNotFound(draft_id)
            if draft.status != OPEN:
                return None
            return engine.current_question(self.flow, draft.state, now)

    def handle(
        self,
        draft_id: str,
        inbound: Inbound,
        now: datetime,
        *,
        owner: tuple[str, str] | None = None,
        start: bool = False,
        origin: Origin | None = None,
    ) -> StepResult:
        """One thing the person did. Safe to retry: a repeated submit returns the request made the first time.

        `owner` (channel, channel_user_id), when an adapter knows who is acting, must be the draft's identity:
        anyone else's draft is DraftNotFound, so a forged or leaked draft id cannot touch another person's draft.
        `start` (with `owner`): the id was offered by `resume_or_offer`, and a first answer to it stores the draft.
        `origin` is what the platform vouches for about the sender's organisation (`teams_tenant`), recorded with
        the request if this step submits it."""

        def step(state: dict[str, Any]) -> Turn:
            return engine.advance(self.flow, state, inbound, now)

        try:
            return self._handle(draft_id, step, now, owner, origin, start and owner is not None, inbound=inbound)
        except (StaleDataError, IntegrityError):
            # Another delivery of the same message won the race; report what it did.
            log.info("conversation %s changed under us; answering from the stored state", conversation_tag(draft_id))
            return self.current(draft_id, now, owner=owner)

    # -- forms (Slack modals, Teams cards) -----------------------------------------------------------------------

    def page(
        self, draft_id: str, now: datetime, *, owner: tuple[str, str] | None = None, revisit: str | None = None
    ) -> StepResult:
        """The page to show now: the section forms the conversation is waiting on (or, with `revisit`, that section
        again with its answers filled in). A finished conversation comes back as `current` says it."""
        with self.db.reading() as s:
            draft = s.get(Draft, draft_id)
            if draft is None or (owner is not None and (draft.channel, draft.channel_user_id) != owner):
                raise DraftNotFound(draft_id)
            if draft.status == OPEN:
                forms = form_pages.page(self.flow, draft.state, now, revisit=revisit)
                shown = revisit if revisit is not None and forms and forms[0].section == revisit else None
                answered = tuple(form_pages.sections_answered(self.flow, draft.state, now))
                return StepResult(draft_id, (), forms=tuple(forms), revisit=shown, answered_sections=answered)
        return self.current(draft_id, now, owner=owner)

    def back_page(
        self, draft_id: str, now: datetime, shown: str, revisited: bool, *, owner: tuple[str, str] | None = None
    ) -> StepResult:
        """The page Back leads to from a page showing section `shown` (nothing is changed or forgotten)."""
        with self.db.reading() as s:
            draft = s.get(Draft, draft_id)
            if draft is None or (owner is not None and (draft.channel, draft.channel_user_id) != owner):
                raise DraftNotFound(draft_id)
            target = None
            if draft.status == OPEN:
                target = form_pages.back_from(self.flow, draft.state, now, shown, revisited)
        return self.page(draft_id, now, owner=owner, revisit=target)

    def handle_page(
        self,
        draft_id: str,
        answers: dict[str, Any],
        now: datetime,
        *,
        owner: tuple[str, str] | None = None,
        origin: Origin | None = None,
    ) -> StepResult:
        """What came back from a page (question id -> what was entered), applied and saved in one step: every valid
        answer is kept even when another needs a second try (`errors`), and the next page comes back in `forms`."""

        def step(state: dict[str, Any]) -> Turn:
            return form_pages.apply_page(self.flow, state, answers, now)

        try:
            return self._handle(draft_id, step, now, owner, origin, draw=True)
        except (StaleDataError, IntegrityError):
            log.info("conversation %s changed under us; answering from the stored state", conversation_tag(draft_id))
            return self.page(draft_id, now, owner=owner)

    def _drawn(self, draft_id: str, turn: Turn, now: datetime, draw: bool) -> StepResult:
        if not draw:
            return StepResult(draft_id, turn.replies)
        forms = tuple(form_pages.page(self.flow, turn.state, now)) if turn.state.get("status", "open") == "open" else ()
        # What a page shows besides its forms: the notices (the 999 advice, "kept your answer"), never a question.
        notices = tuple(r for r in turn.replies if r.input == "none" and not r.error)
        answered = tuple(form_pages.sections_answered(self.flow, turn.state, now)) if forms else ()
        return StepResult(draft_id, notices, forms=forms, errors=dict(turn.errors), answered_sections=answered)

    def _handle(
        self,
        draft_id: str,
        step: Step,
        now: datetime,
        owner: tuple[str, str] | None = None,
        origin: Origin | None = None,
        start: bool = False,
        draw: bool = False,
        inbound: Inbound | None = None,
    ) -> StepResult:
        # Most answers only move the conversation on: one read and one version-guarded write, no transaction.
        # Anything more (an emergency to audit, a submission, a cancellation, a finished draft) takes the
        # transactional path below, which works it out again from the stored draft.
        with self.steps.connection() as conn:
            draft = conn.load(draft_id)
            if draft is None and start:
                pass  # the first answer to an offered conversation: stored below, with the draft
            elif draft is None or (owner is not None and (draft.channel, draft.channel_user_id) != owner):
                raise DraftNotFound(draft_id)
            elif draft.status == OPEN:
                emergency_check = self.flow.roles["emergency_check"]
                was_emergency = draft.state.get("answers", {}).get(emergency_check)
                turn = step(draft.state)
                newly_emergency = turn.answers.get(emergency_check) and not was_emergency
                step_codes = self.email_step
                codes = inbound is not None and step_codes is not None and step_codes.involved(draft.state, turn.state)
                if turn.action is None and not newly_emergency and not codes:
                    # A re-asked question (a bad answer, 'help', a stale form) changes nothing worth a write.
                    if turn.state != draft.state and not conn.save(draft, turn.state, now):
                        raise StaleDataError(f"draft {draft_id} was saved by another request")
                    return self._drawn(draft_id, turn, now, draw)
        return self._handle_in_transaction(draft_id, step, now, owner, origin, start, draw, inbound)

    def _handle_in_transaction(
        self,
        draft_id: str,
        step: Step,
        now: datetime,
        owner: tuple[str, str] | None = None,
        origin: Origin | None = None,
        start: bool = False,
        draw: bool = False,
        inbound: Inbound | None = None,
    ) -> StepResult:
        with self.db.transaction() as s:
            draft = s.get(Draft, draft_id)
            if draft is None and start and owner is not None:
                begun = self._begin(s, *owner, now)
                first = step(begun.state)
                if first.action is None and first.state == begun.state:
                    return StepResult(draft_id, first.replies, stored=False)  # re-asked: still nothing to keep
                draft = self._new_draft(s, draft_id, owner, begun.state, now)
            if draft is None or (owner is not None and (draft.channel, draft.channel_user_id) != owner):
                raise DraftNotFound(draft_id)
            if draft.status == SUBMITTED:
                request = s.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
                assert request is not None
                return self._submitted_result(draft_id, request, now)
            if draft.status != OPEN:
                return StepResult(
                    draft_id,
                    (Reply(text="This conversation has finished. Start a new one to raise another concern."),),
                    done=True,
                )
            was_emergency = draft.state.get("answers", {}).get(self.flow.roles["emergency_check"])
            turn = self._advance(s, draft, step, inbound, origin, now)
            draft.state = turn.state
            draft.step = turn.state.get("step")
            draft.updated_at = now
            if turn.answers.get(self.flow.roles["emergency_check"]) and not was_emergency:
                audit.record(
                    s,
                    at=now,
                    actor=self._actor(draft),
                    action="emergency.advised",
                    detail={"conversation": conversation_tag(draft.id), "channel": draft.channel},
                )
            if turn.action == SUBMIT:
                submitted = self._submit(s, draft, now, origin)
                if isinstance(submitted, SupportRequest):
                    return self._submitted_result(draft_id, submitted, now)
                draft.state = submitted.state
                draft.step = submitted.state.get("step")
                return self._drawn(draft_id, submitted, now, draw)
            if turn.action in (CANCELLED, CLOSED):
                draft.status = DRAFT_CANCELLED if turn.action == CANCELLED else "closed"
                if turn.action == CANCELLED:
                    draft.state = {"answers": {}, "status": "cancelled"}
                return StepResult(draft_id, turn.replies, done=True)
            return self._drawn(draft_id, turn, now, draw)

    def _advance(
        self, s: Session, draft: Draft, step: Step, inbound: Inbound | None, origin: Origin | None, now: datetime
    ) -> Turn:
        """One step of the conversation, with the emailed-code step around it when the app has one (one question at
        a time only: the browser chat)."""
        codes = self.email_step
        if codes is None or inbound is None:
            return step(draft.state)
        # The browser's long-lived token (bot/webchat), so a confirmation is remembered beyond this session.
        token = (origin or {}).get("browser") or f"{draft.channel}:{draft.channel_user_id}"
        state = engine.normalise(draft.state)
        early = codes.before(s, state, inbound, token, now)
        if isinstance(early, Turn):
            return early
        return codes.after(s, engine.advance(self.flow, state, early or inbound, now), token, now)

    def _new_draft(
        self, s: Session, draft_id: str, owner: tuple[str, str], state: dict[str, Any], now: datetime
    ) -> Draft:
        referrer = self._referrer(s, *owner)
        draft = Draft(
            id=draft_id,
            channel=owner[0],
            channel_user_id=owner[1],
            referrer_id=referrer.id if referrer else None,
            status=OPEN,
            step=state["step"],
            state=state,
            created_at=now,
            updated_at=now,
        )
        s.add(draft)
        s.flush()  # a second first answer racing this one fails here and is answered from what this one stored
        return draft

    def open_draft(self, channel: str, channel_user_id: str) -> str | None:
        """The id of this identity's open draft, without starting one (a typed 'hello' must not become an answer)."""
        with self.db.reading() as s:
            return s.scalar(
                select(Draft.id)
                .where(Draft.channel == channel, Draft.channel_user_id == channel_user_id, Draft.status == OPEN)
                .order_by(Draft.updated_at.desc())
                .limit(1)
            )

    def remember_address(self, channel: str, channel_user_id: str, address: dict[str, Any], now: datetime) -> bool:
        """Keep how to reach this referrer in their own chat (for the hub's outcome later). False if unknown."""
        with self.db.transaction() as s:
            referrer = self._referrer(s, channel, channel_user_id)
            if referrer is None:
                return False
            if referrer.address != address:
                referrer.address = address
                referrer.updated_at = now
            return True

    # -- submission ------------------------------------------------------------------------------------------------

    def _submit(
        self, s: Session, draft: Draft, now: datetime, origin: Origin | None = None
    ) -> SupportRequest | engine.Turn:
        """Store the request, or, when the stored answers do not make a valid request, the turn that re-asks."""
        today = now.astimezone(LONDON).date()
        answers, problems = engine.submission_problems(self.flow, draft.state, today)
        if problems:
            log.warning(
                "conversation %s failed validation at submission (%s)", conversation_tag(draft.id), problems[0].key
            )
            return engine.reask(self.flow, draft.state, problems[0], today)
        rules = self.flow.rules
        facts = facts_from_answers(answers, today)
        decision = evaluate(rules, facts)
        verification = verify_referrer(s, self.partners, draft, answers, origin, confirmed_at(self.flow, draft.state))
        referrer = self._remember_referrer(s, draft, answers, now)
        request = SupportRequest(
            draft_id=draft.id,
            referrer_id=referrer.id,
            channel=draft.channel,
            received_at=now,
            immediate_danger=bool(answers.get("immediate_danger")),
            referring_agency=answers.get("referrer_agency"),
            referring_organisation=answers.get("referrer_organisation"),
            child_first_name=_known(answers.get("child_first_name")),
            # The clean answers to the steps that applied: exactly what the person saw at review.
            child_last_name=_known(answers.get("child_last_name")),
            child_dob=_date(answers.get("child_dob")),
            child_due_date=_date(answers.get("child_due_date")),
            child_postcode=answers.get("child_postcode"),
            concern_categories=list(answers.get("concern_categories") or []),
            answers=answers,
            facts=facts.to_dict(),
            level=decision.level,
            route=decision.route,
            decision=decision.to_dict(),
            rules_version=decision.rules_version,
            decision_due_at=working_deadline(now, rules.timescales.decision_working_days, rules.contacts.hub_hours),
            verified_by=verification.key,
            verification=verification.to_dict(),
        )
        request.child_name_key = name_key(request.child_first_name, request.child_last_name)
        s.add(request)
        s.flush()
        request.reference = format_reference(today.year, request.id)
        draft.status = SUBMITTED
        draft.referrer_id = referrer.id
        audit.record(
            s,
            at=now,
            actor=f"referrer:{referrer.id}",
            action="request.submitted",
            request_id=request.id,
            detail={
                "reference": request.reference,
                "level": request.level,
                "route": request.route,
                "rules_version": request.rules_version,
                "channel": request.channel,
                "verified_by": request.verified_by,
            },
        )
        for listener in self.listeners:
            listener(s, request, now)
        s.flush()
        log.info("request %s submitted: level %s, route %s", request.reference, request.level, request.route)
        return request

    def _submitted_result(self, draft_id: str, request: SupportRequest, now: datetime) -> StepResult:
        d = request.decision
        reasons = [r["text"] for r in d.get("reasons", [])]
        contacts = self.flow.rules.contacts
        shown = receipt_for(
            request.reference or "",
            request.level,
            request.route,
            d,
            hub_phone=self.flow.hub_urgent_phone,
            out_of_hours_phone=self.flow.emergency_duty_team_phone,
            already_sent=(contacts.portal, contacts.hub_email),
            due_text=deadline_words(request.decision_due_at, now) if request.decision_due_at else None,
        )
        text = shown.text()
        return StepResult(
            draft_id,
            (Reply(text=text, hints={"reference": request.reference, "level": request.level}),),
            done=True,
            request={
                "reference": request.reference,
                "level": request.level,
                "route": request.route,
                "route_label": d.get("route_label"),
                "reasons": reasons,
                "next_steps": d.get("next_steps"),
                "timescale": d.get("timescale"),
                "phone_first": bool(d.get("phone_first")),
                "decision_due_at": request.decision_due_at.isoformat() if request.decision_due_at else None,
                "decision_due_text": deadline_words(request.decision_due_at, now) if request.decision_due_at else None,
                # What the referrer is told, for channels that draw it (the Teams result card).
                "receipt": asdict(shown),
            },
        )

    # -- referrers -------------------------------------------------------------------------------------------------

    @staticmethod
    def _referrer(s: Session, channel: str, channel_user_id: str) -> Referrer | None:
        return s.scalar(
            select(Referrer).where(Referrer.channel == channel, Referrer.channel_user_id == channel_user_id)
        )

    def _remember_referrer(self, s: Session, draft: Draft, answers: dict[str, Any], now: datetime) -> Referrer:
        referrer = self._referrer(s, draft.channel, draft.channel_user_id)
        if referrer is None:
            referrer = Referrer(channel=draft.channel, channel_user_id=draft.channel_user_id, created_at=now)
            s.add(referrer)
        referrer.name = answers.get("referrer_name") or referrer.name
        referrer.role = answers.get("referrer_role") or referrer.role
        referrer.agency = answers.get("referrer_agency") or referrer.agency
        referrer.organisation = answers.get("referrer_organisation") or referrer.organisation
        referrer.phone = answers.get("referrer_phone") or referrer.phone
        referrer.email = answers.get("referrer_email") or referrer.email
        referrer.updated_at = now
        s.flush()
        return referrer

    @staticmethod
    def _actor(draft: Draft) -> str:
        return f"referrer:{draft.referrer_id}" if draft.referrer_id else f"{draft.channel}:draft"


def conversation_channel(channel: str) -> str:
    """The conversation's name for a draft's channel (questions may ask_if on it): the browser chat is 'web'."""
    return "web" if channel == "webchat" else channel


def deadline_words(at: datetime, now: datetime) -> str:
    """'by 10:00 on Wednesday 25 November' in Europe/London (the year too when it is not this year's)."""
    local = at.astimezone(LONDON)
    year = f" {local.year}" if local.year != now.astimezone(LONDON).year else ""
    return f"by {local:%H:%M} on {local:%A} {local.day} {local:%B}{year}"


def _known(value: Any) -> str | None:
    if not value or str(value).strip().casefold() in {"unknown", "not known", "skip"}:
        return None
    return str(value).strip()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
