"""Composition root: builds the Flask app from configuration and wires adapters, intake, routing and hub together.

Nothing is built at import time: `create_app()` reads the environment (through app.config, the one place that
does), opens the database, loads the threshold rules and registers every channel that is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from app import logs, security
from app.cli.audit import register_audit_job
from app.config import Settings, load_settings
from app.mail import register_mail
from app.retention_job import register_retention_job
from app.slack import register_slack
from bot.webchat import blueprint as webchat_blueprint
from bot.webchat.my_requests import blueprint as my_requests_blueprint
from hub import follow_ups, new_request
from hub.auth import HUB_MANAGER, add_nav_link
from hub.dashboard.pages import init_dashboard, parse_child_population
from hub.failed_messages import blueprint as failed_messages_blueprint
from hub.notifier import Notifier
from hub.notifiers.console import ConsoleNotifier
from hub.notifiers.webchat import WebchatNotifier
from hub.outbox import RetryPolicy
from hub.sign_in_guard import SignInGuard
from hub.web import init_hub
from intake.conversation.engine import Flow
from intake.labels import Labels, when
from intake.repeat_requests import mark_repeat
from intake.service import IntakeService
from intake.store.audit import SEAL_INFO, AuditSeal
from intake.store.database import Database
from intake.verification import Partners
from intake.verification.email_code import CodePolicy
from intake.verification.email_step import EmailCodeStep
from intake.working_day import DEFAULT_HUB_HOURS
from routing import load_rules

_ERROR_PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ message }}</p><p><a href="/">Go to the start</a></p></main></body></html>"""


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` holds setting overrides by env name, plus CLOCK (a callable) for tests."""
    test_config = dict(test_config or {})
    clock: Callable[[], datetime] = test_config.pop("CLOCK", None) or (lambda: datetime.now(UTC))
    testing = bool(test_config.pop("TESTING", False))
    # Tests run Slack's after-the-ack work inline, so they can assert on it without waiting.
    slack_executor = test_config.pop("SLACK_LISTENER_EXECUTOR", None)
    # ... and may deliver send-now mail (one-time codes) inline rather than on the background pool.
    send_now_executor = test_config.pop("OUTBOX_SEND_NOW_EXECUTOR", None)
    # ... and may fix the one-time codes mailed to referrers, so a test can type one.
    make_code = test_config.pop("EMAIL_CODE_MAKER", None)
    app = Flask(__name__, instance_relative_config=True)
    security.install_input_checks(app)
    settings = load_settings(overrides=test_config, instance_path=app.instance_path)
    app.config.update(settings.flask_config())
    app.config["TESTING"] = testing
    logs.install(settings.get("LOG_LEVEL"))
    logging.getLogger("alembic").setLevel(logging.WARNING)

    # The audit chain's key and checkpoint file ride on every session (intake.store.audit).
    seal = AuditSeal.for_database(
        settings.audit_key(), settings.database_url, settings.audit_checkpoint_file(app.instance_path)
    )
    db = Database(
        settings.database_url,
        lock_timeout=float(settings.get("DATABASE_LOCK_TIMEOUT_SECONDS")),
        session_info={SEAL_INFO: seal},
    )
    # Numbers set in the environment win over the rules file's, in the conversation and in decision texts alike.
    contacts = {
        key: value
        for key, value in (
            ("hub_urgent_phone", settings.get("HUB_URGENT_PHONE")),
            ("emergency_duty_team_phone", settings.get("EMERGENCY_DUTY_TEAM_PHONE")),
        )
        if value
    }
    rules = load_rules(settings.get("RULES_FILE") or None, contacts=contacts or None)
    # The browser chat confirms the referrer's work email with a code mailed to it (intake/verification/).
    email_step = EmailCodeStep(
        CodePolicy(
            key=settings.secret_key.encode(),
            remember_days=settings.integer("EMAIL_VERIFIED_DAYS"),
            **({"make_code": make_code} if make_code else {}),
        )
    )
    flow = Flow.build(rules, role_checks={"email_code": email_step.check})
    email_step.flow = flow
    partners = Partners.parse(
        settings.get("REFERRER_EMAIL_DOMAINS"),
        settings.get("SLACK_PARTNER_TEAMS"),
        settings.get("TEAMS_PARTNER_TENANTS"),
    )
    intake = IntakeService(db=db, flow=flow, listeners=[mark_repeat], partners=partners, email_step=email_step)

    app.extensions["settings"] = settings
    app.extensions["db"] = db
    app.extensions["audit_seal"] = seal
    app.extensions["rules"] = rules
    app.extensions["intake"] = intake
    app.extensions["email_codes"] = email_step.policy
    # The words every channel shows for stored codes (intake.labels), from the questions and the rules.
    app.extensions["labels"] = Labels.of(flow.question("referrer_agency").choices, rules)
    app.jinja_env.globals["labels"] = app.extensions["labels"]
    app.extensions["clock"] = clock
    app.extensions["chat_idle_seconds"] = settings.integer("CHAT_IDLE_TIMEOUT_MINUTES") * 60
    app.extensions.setdefault("clock_jobs", []).extend([register_retention_job, register_audit_job])
    _register_outbox(app, settings, db, intake, clock, rules)
    register_mail(app, executor=send_now_executor)

    app.register_blueprint(webchat_blueprint)
    app.register_blueprint(my_requests_blueprint)
    init_hub(app)
    init_dashboard(app, parse_child_population(settings.get("CHILD_POPULATION")))
    app.register_blueprint(failed_messages_blueprint)
    add_nav_link(app, "hub_messages.failed", "Failed messages", HUB_MANAGER)
    register_slack(app, listener_executor=slack_executor)
    # Inside the proxy fix, so the headers see the scheme the client really used.
    security.install_headers(app, settings)
    if settings.integer("PROXY_COUNT"):
        hops = settings.integer("PROXY_COUNT")
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    limits = security.RateLimits(settings.get("RATE_LIMIT_STORAGE_URI") or "memory://")
    chat_limit = security.chat_limit(settings)
    if chat_limit:
        for endpoint in (
            "webchat.create_conversation",
            "webchat.post_message",
            "webchat.form_post",
            "my_requests.ask_for_code",
            "my_requests.confirm_code",
        ):
            limits.apply(app, endpoint, chat_limit)
    if settings.get("TEAMS_APP_ID"):
        _register_teams(app, settings, intake, clock)
    # Password guessing is slowed per address here and per email typed by the sign-in guard (hub.sign_in_guard),
    # both counted in RATE_LIMIT_STORAGE_URI so every worker shares them.
    app.extensions["sign_in_guard"] = SignInGuard(
        settings.get("RATE_LIMIT_STORAGE_URI") or "memory://", settings.get("SIGN_IN_ACCOUNT_LIMIT"), seal
    )
    sign_in_limit = security.sign_in_limit(settings)
    if sign_in_limit:
        limits.apply(app, "hub_sign_in.sign_in", sign_in_limit, methods={"POST"})
    _register_errors(app)
    _register_filters(app)
    _register_commands(app)
    return app


def _register_outbox(
    app: Flask, settings: Settings, db: Database, intake: IntakeService, clock: Callable[[], datetime], rules: Any
) -> None:
    """Outgoing messages, the hub's alerts and the follow-ups. Slack and Teams set-up add their notifier and their
    hub and manager destinations to these lists (`HubDestination(channel, recipient)`)."""
    from app.clock import follow_ups_step, outbox_step, register_sweeps

    notifiers: dict[str, Notifier] = {"console": ConsoleNotifier(), "webchat": WebchatNotifier(db, clock)}
    hub_destinations = [new_request.HubDestination("console", {"log": "hub"})]
    manager_destinations = [new_request.HubDestination("console", {"log": "managers"})]
    retry = RetryPolicy(
        max_attempts=settings.integer("OUTBOX_MAX_ATTEMPTS"),
        base_delay=timedelta(seconds=settings.integer("OUTBOX_RETRY_BASE_SECONDS")),
        stuck_after=timedelta(minutes=settings.integer("SWEEP_STUCK_MINUTES")),
    )
    timescales = rules.timescales
    plan = follow_ups.FollowUpPlan(
        decision_working_days=timescales.decision_working_days if timescales else 1,
        referrer_feedback_working_days=timescales.referrer_feedback_working_days if timescales else 1,
        early_help_assessment_start_working_days=(
            timescales.early_help_assessment_start_working_days if timescales else 10
        ),
        early_help_review_weeks=(
            settings.integer("EARLY_HELP_REVIEW_WEEKS")
            if settings.get("EARLY_HELP_REVIEW_WEEKS")
            else (timescales.early_help_review_weeks if timescales else 6)
        ),
        draft_reminder_working_days=settings.integer("DRAFT_REMINDER_WORKING_DAYS"),
        draft_retention_days=settings.integer("DRAFT_RETENTION_DAYS"),
        hours=rules.contacts.hub_hours or DEFAULT_HUB_HOURS,
        hub_destinations=hub_destinations,
        manager_destinations=manager_destinations,
        summary_mail=tuple(a.strip() for a in settings.get("HUB_MANAGER_EMAILS").split(",") if a.strip()),
        public_url=settings.public_url,
        retry=retry,
    )
    app.extensions["notifiers"] = notifiers
    app.extensions["hub_destinations"] = hub_destinations
    app.extensions["manager_destinations"] = manager_destinations
    app.extensions["outbox_policy"] = retry
    app.extensions["follow_ups"] = plan
    intake.listeners.append(new_request.listener(hub_destinations, settings.public_url, then=[plan.after_submit]))
    # Follow-ups first: what they enqueue is delivered by the outbox step in the same pass.
    app.extensions["sweeps"] = [("follow_ups", follow_ups_step), ("outbox", outbox_step)]
    app.extensions.setdefault("clock_jobs", []).append(register_sweeps)


def _register_teams(app: Flask, settings: Settings, intake: IntakeService, clock: Callable[[], datetime]) -> None:
    """Teams is on when TEAMS_APP_ID is set: the /api/messages endpoint and the connector for sending into Teams."""
    from bot.teams import TeamsBot, TokenValidator
    from bot.teams import blueprint as teams_blueprint
    from hub.new_request import HubDestination
    from hub.notifiers.teams import TeamsConnector, TeamsNotifier, default_token_url, hub_address

    app_id = settings.get("TEAMS_APP_ID")
    tenant = settings.get("TEAMS_TENANT_ID")
    connector = TeamsConnector(
        app_id,
        settings.get("TEAMS_TOKEN_URL") or default_token_url(tenant),
        password=settings.get("TEAMS_APP_PASSWORD"),
        certificate_file=settings.get("TEAMS_CERTIFICATE_FILE"),
    )
    hub = None
    if settings.get("TEAMS_HUB_CONVERSATION"):
        hub = hub_address(settings.get("TEAMS_HUB_CONVERSATION"), tenant, f"28:{app_id}")
        if hub is None:
            raise ValueError("TEAMS_HUB_CONVERSATION must look like <serviceUrl>v3/conversations/<conversation id>")
    app.extensions["teams_connector"] = connector
    app.extensions["notifiers"]["teams"] = TeamsNotifier(
        connector, settings.public_url, app.extensions["db"], app.extensions["labels"]
    )
    if hub is not None:
        app.extensions["hub_destinations"].append(HubDestination("teams", hub))
    app.extensions["teams_hub"] = hub
    app.extensions["teams_validator"] = TokenValidator(app_id, settings.get("TEAMS_OPENID_METADATA_URL"))
    app.extensions["teams"] = TeamsBot(
        intake=intake,
        send=connector.send,
        clock=clock,
        hub_conversation_id=hub["conversation_id"] if hub else None,
        claim_handler=_claim_handler(app.extensions["db"]),
    )
    app.register_blueprint(teams_blueprint)


def _claim_handler(db: Database) -> Callable[[int, str, datetime], str | None]:
    """Claim from a chat button: triage.claim in its own transaction; a refusal comes back as a sentence."""
    from sqlalchemy.exc import OperationalError

    from intake import triage

    def claim(request_id: int, actor: str, now: datetime) -> str | None:
        try:
            with db.transaction() as s:
                triage.claim(s, request_id, actor, now)
        except triage.TriageError as err:
            return str(err)
        except OperationalError:
            return "The hub's database is not answering just now. Try again in a minute."
        return None

    return claim


def _wants_json() -> bool:
    return request.path.startswith(("/chat/", "/api/")) or request.accept_mimetypes.best == "application/json"


def _register_errors(app: Flask) -> None:
    messages = {
        400: "The request could not be understood. Check what you sent and try again.",
        404: "There is nothing at this address. Check the link, or go to the start.",
        405: "That action is not allowed here.",
        413: "That was too large to accept. Shorten it and try again.",
        429: "Too many requests. Wait a minute and try again.",
    }

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[Response | str, int, list[tuple[str, str]]]:
        code = err.code or 500
        message = messages.get(code, err.description or "Something went wrong.")
        # The exception's own headers say when to come back (429) or what is allowed (405).
        kept = [(name, value) for name, value in err.get_headers() if name in ("Retry-After", "Allow")]
        if _wants_json():
            return jsonify({"error": message}), code, kept
        return render_template_string(_ERROR_PAGE, title=err.name, message=message), code, kept

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> tuple[Response | str, int]:
        # Never a stack trace to the person; the log has it (with no request body, which may hold concern details).
        # The traceback is logged without any exception's message (app.logs), and the path without a conversation id.
        app.logger.exception("unhandled error on %s %s", request.method, logs.redact_path(request.path))
        message = (
            "Sorry, something went wrong on our side and it has been logged. Your saved answers are safe. "
            "Please try again in a minute. If a child is in immediate danger, call 999."
        )
        if _wants_json():
            return jsonify({"error": message}), 500
        return render_template_string(_ERROR_PAGE, title="Sorry, something went wrong", message=message), 500


def _register_filters(app: Flask) -> None:
    app.template_filter("london")(when)


def _register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
