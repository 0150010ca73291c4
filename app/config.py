"""Configuration: the one place the environment is read, called from the app factory.

Every setting the service understands is listed here with its default, so the README table and `.env.example`
can be checked against one source.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SQLITE_PATH = Path("instance") / "earlyhelp.db"
# What .env.example shows: refused, since anyone who has read the repository knows it.
PLACEHOLDER_SECRET_KEY = "change-me-to-a-long-random-string"  # noqa: S105 (refused, not used)
MIN_SECRET_LENGTH = 32
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Where local development keeps the key it made, in Flask's instance folder (shared by every worker and the clock).
GENERATED_KEY_FILE = "secret_key"
AUDIT_CHECKPOINTS = "audit-checkpoints.log"


class ConfigurationError(RuntimeError):
    """A setting the service cannot start with; the message says what to set and how."""

    # The message names settings, never their values: safe to write to a log.
    safe_to_log = True


@dataclass(frozen=True)
class Setting:
    env: str
    default: Any
    help: str
    secret: bool = False


# The table the README documents. Later issues add their settings here and nowhere else.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{DEFAULT_SQLITE_PATH}",
        "SQLAlchemy URL; SQLite file by default, postgresql+psycopg://user@host/db in production",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs sessions and CSRF tokens: at least 32 random characters, the same in every process. Required unless "
        "PUBLIC_URL is a localhost address (local development keeps a generated one in the instance folder)",
        secret=True,
    ),
    Setting(
        "AUDIT_KEY",
        "",
        "Keys the audit log's hash chain (at least 32 random characters, never stored in the database); when empty "
        "a key is derived from SECRET_KEY for this purpose alone. Set it before rotating SECRET_KEY, to the key "
        "`earlyhelp audit key` prints, or older events no longer verify",
        secret=True,
    ),
    Setting(
        "AUDIT_CHECKPOINT_FILE",
        "",
        "Append-only file where the audit chain's newest event is recorded after every change (also written to the "
        "log); `audit-checkpoints.log` in the instance folder when empty. Keep it, or the log, where database "
        "administrators cannot rewrite it",
    ),
    Setting("PORT", "5000", "Port `earlyhelp serve` listens on"),
    Setting("HOST", "127.0.0.1", "Interface `earlyhelp serve` listens on"),
    Setting("PUBLIC_URL", "http://localhost:5000", "Address people use to reach the service (links in messages)"),
    Setting("RULES_FILE", "", "Threshold rules YAML; the bundled Blackpool rules when empty"),
    Setting("HUB_URGENT_PHONE", "", "The hub's urgent number; overrides the rules file"),
    Setting("EMERGENCY_DUTY_TEAM_PHONE", "", "Out-of-hours emergency duty team number; overrides the rules file"),
    Setting("START_CLOCK", "true", "Whether `earlyhelp serve` also starts the follow-up clock process"),
    Setting("SESSION_COOKIE_SECURE", "false", "Send cookies over HTTPS only (set true behind TLS)"),
    Setting("MAX_CONTENT_LENGTH", "262144", "Largest request body accepted, in bytes"),
    Setting("LOG_LEVEL", "INFO", "Python logging level"),
    Setting(
        "DATABASE_LOCK_TIMEOUT_SECONDS",
        "15",
        "How long a statement waits for a lock another connection holds before it fails (the person is told to "
        "send their answer again)",
    ),
    Setting(
        "CHAT_IDLE_TIMEOUT_MINUTES",
        "60",
        "A browser's chat identity ends after this many minutes without a request (its cookie also ends when the "
        "browser closes); an unfinished draft is then no longer reachable from that browser",
    ),
    Setting(
        "CHAT_RATE_LIMIT",
        "120/minute;2000/hour",
        "Requests per client address to the public chat API (limits syntax); 0 turns this limit off",
    ),
    Setting("SIGN_IN_RATE_LIMIT", "10/minute;50/hour", "Sign-in attempts per client address; 0 turns this limit off"),
    Setting(
        "SIGN_IN_ACCOUNT_LIMIT",
        "5/15 minutes",
        "Failed sign-ins per email address before it is held back (known and unknown emails alike), except from the "
        "address the account last signed in from",
    ),
    Setting(
        "RATE_LIMIT_STORAGE_URI",
        "",
        "Where rate-limit and sign-in back-off counts live, shared by every worker (e.g. redis://localhost:6379); "
        "each process's memory when empty, which counts per worker: set it in production",
    ),
    Setting(
        "PROXY_COUNT",
        "0",
        "How many reverse proxies sit in front of the service (trusts that many "
        "X-Forwarded-For/Proto hops, so rate limits and HTTPS detection see the real client)",
    ),
    Setting(
        "RETENTION_DAYS",
        "396",
        "Days after the hub's decision before a request's personal data is "
        "removed (13 months keeps the 12-month repeat-referral check working)",
    ),
    # Outbox and follow-ups (hub/outbox/sweep.py, hub/follow_ups/, app/clock.py).
    Setting("SWEEP_INTERVAL_SECONDS", "30", "How often the clock sweeps due follow-ups and outgoing messages"),
    Setting("OUTBOX_MAX_ATTEMPTS", "8", "Delivery attempts before an outgoing message is marked failed"),
    Setting("OUTBOX_RETRY_BASE_SECONDS", "60", "First retry delay; doubles after each failure, capped at an hour"),
    Setting("SWEEP_STUCK_MINUTES", "10", "A message or follow-up left running this long (a crash) is retried"),
    Setting("CLOCK_MISFIRE_GRACE_MINUTES", "5", "How late the clock may still run a job it missed"),
    Setting("EARLY_HELP_REVIEW_WEEKS", "", "Weeks after an early-help decision to check in on the first review"),
    Setting("DRAFT_REMINDER_WORKING_DAYS", "1", "Working days a draft may sit unfinished before a reminder"),
    Setting("DRAFT_RETENTION_DAYS", "30", "Days after which an unfinished draft and its answers are deleted"),
    Setting(
        "CHILD_POPULATION",
        "",
        "Children aged 0-17 in the council's area, for the dashboard's requests per 10,000 children (Blackpool: about "
        "30000); empty hides the rates",
    ),
    # Mail (hub/mail, app/mail.py): to referrers without a chat to answer in, one-time codes, the Monday summary.
    Setting(
        "MAIL_BACKEND",
        "console",
        "How mail is sent: notify (GOV.UK Notify), smtp, or console (logs who each mail is for and any one-time "
        "code, sends nothing: for development only)",
    ),
    Setting("MAIL_FROM", "", "The From address of mail sent by SMTP, e.g. request-for-support@council.example.org"),
    Setting("SMTP_HOST", "", "SMTP server (MAIL_BACKEND=smtp)"),
    Setting("SMTP_PORT", "587", "SMTP server port"),
    Setting("SMTP_USERNAME", "", "SMTP sign-in name; no sign-in when empty"),
    Setting("SMTP_PASSWORD", "", "SMTP password", secret=True),
    Setting("SMTP_STARTTLS", "true", "Switch the SMTP connection to TLS (STARTTLS) before signing in and sending"),
    Setting("NOTIFY_API_KEY", "", "GOV.UK Notify API key (MAIL_BACKEND=notify)", secret=True),
    Setting(
        "NOTIFY_BASE_URL",
        "https://api.notifications.service.gov.uk",
        "GOV.UK Notify's API address (a proxy, or a local stub in tests)",
    ),
    Setting(
        "NOTIFY_TEMPLATE_ID",
        "",
        "Notify email template used for every kind without its own: subject ((subject)), message ((body))",
    ),
    Setting("NOTIFY_TEMPLATE_EMAIL_CODE", "", "Notify template for one-time codes (personalisation: code, minutes)"),
    Setting("NOTIFY_TEMPLATE_REQUEST_ACKNOWLEDGEMENT", "", "Notify template for the acknowledgement to a referrer"),
    Setting("NOTIFY_TEMPLATE_REFERRER_OUTCOME", "", "Notify template for the hub's outcome to a referrer"),
    Setting("NOTIFY_TEMPLATE_WEEKLY_SUMMARY", "", "Notify template for the Monday summary to hub managers"),
    # Microsoft Teams (bot/teams, hub/notifiers/teams.py). Teams is switched on by TEAMS_APP_ID.
    Setting("TEAMS_APP_ID", "", "The bot's Microsoft app (client) id; empty runs the service without Teams"),
    Setting("TEAMS_APP_PASSWORD", "", "The bot's client secret (or use TEAMS_CERTIFICATE_FILE)", secret=True),
    Setting(
        "TEAMS_CERTIFICATE_FILE",
        "",
        "PEM file with the bot's private key and certificate, used instead of TEAMS_APP_PASSWORD",
        secret=True,
    ),
    Setting("TEAMS_TENANT_ID", "", "Microsoft Entra tenant of the (single-tenant) bot registration"),
    Setting(
        "TEAMS_OPENID_METADATA_URL",
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        "OpenID metadata whose jwks_uri has the keys that sign incoming Teams requests",
    ),
    Setting(
        "TEAMS_TOKEN_URL",
        "",
        "Client-credentials token endpoint; empty means https://login.microsoftonline.com/<TEAMS_TENANT_ID>"
        "/oauth2/v2.0/token (set it for a proxy or a test stub)",
    ),
    Setting(
        "TEAMS_HUB_CONVERSATION",
        "",
        "Where hub notifications go: <serviceUrl>v3/conversations/<conversation id> of the hub's channel or chat "
        "(the bot tells you the value when @mentioned there)",
    ),
    Setting("SLACK_SIGNING_SECRET", "", "Slack app's signing secret; Slack is off when empty", secret=True),
    Setting("SLACK_BOT_TOKEN", "", "Bot token for a single workspace (xoxb-...)", secret=True),
    Setting("SLACK_CLIENT_ID", "", "Slack app's client id, to install into several workspaces via /slack/install"),
    Setting("SLACK_CLIENT_SECRET", "", "Slack app's client secret (with SLACK_CLIENT_ID)", secret=True),
    Setting("SLACK_API_URL", "", "Base URL of Slack's Web API, ending in /; https://slack.com/api/ when empty"),
    Setting("SLACK_HUB_CHANNEL", "", "Hub channel id for new requests (TEAM:CHANNEL with several workspaces)"),
    Setting("SLACK_COMMAND", "/request-support", "Slash command that opens the intake form"),
    Setting("OIDC_ISSUER", "", "Hub single sign-on: the OpenID Connect issuer URL (discovery at /.well-known/...)"),
    Setting("OIDC_CLIENT_ID", "", "Hub single sign-on: the client (application) id registered with the provider"),
    Setting("OIDC_CLIENT_SECRET", "", "Hub single sign-on: the client secret", secret=True),
    Setting("OIDC_ROLES_CLAIM", "roles", "Hub single sign-on: the id_token claim listing hub roles"),
    Setting("HUB_IDLE_TIMEOUT_MINUTES", "30", "Hub sessions end after this many minutes without a request"),
    Setting(
        "HUB_SESSION_MAX_HOURS",
        "12",
        "Hub sessions end this many hours after sign-in however busy they are (a copied cookie cannot be kept alive)",
    ),
    # Verified referrers (intake/verification): partner lists the hub sees each referrer checked against.
    Setting(
        "REFERRER_EMAIL_DOMAINS",
        "sch.uk, nhs.net, nhs.uk, police.uk, gov.uk",
        "Partner email domains, comma-separated (subdomains count; add the council's own if not under gov.uk); "
        "an address outside them may still submit, and the hub sees it is not on the list; none turns the check off",
    ),
    Setting(
        "HUB_MANAGER_EMAILS",
        "",
        "Hub managers' work emails, comma-separated: the Monday summary's headline figures are mailed to each",
    ),
    Setting(
        "EMAIL_VERIFIED_DAYS",
        "30",
        "A browser that confirmed a work email with a mailed code is not asked for a code for that address again "
        "for this many days",
    ),
    Setting(
        "SLACK_PARTNER_TEAMS",
        "",
        "Partner Slack workspace ids, comma-separated, each optionally =name (T0123ABCD=Blackpool schools); "
        "empty keeps no Slack partner list",
    ),
    Setting(
        "TEAMS_PARTNER_TENANTS",
        "",
        "Partner Microsoft Entra tenant ids, comma-separated, each optionally =name; empty keeps no Teams partner list",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Typed view of the declared settings. Features read theirs with `get`/`flag`, declared in SETTINGS."""

    values: Mapping[str, str]
    secret_key: str
    secret_key_generated: bool = False

    def get(self, name: str) -> str:
        return self.values[name]

    def flag(self, name: str) -> bool:
        return self.values[name].strip().lower() in {"1", "true", "yes", "on"}

    def integer(self, name: str) -> int:
        return int(self.values[name])

    @property
    def database_url(self) -> str:
        return self.values["DATABASE_URL"]

    @property
    def public_url(self) -> str:
        return self.values["PUBLIC_URL"].rstrip("/")

    def audit_key(self) -> bytes:
        """AUDIT_KEY, or a key derived from SECRET_KEY for the audit chain only (never SECRET_KEY itself)."""
        if self.values["AUDIT_KEY"]:
            return self.values["AUDIT_KEY"].encode()
        derived = hmac.new(self.secret_key.encode(), b"earlyhelp audit chain key v1", hashlib.sha256).hexdigest()
        return derived.encode()  # as AUDIT_KEY=<the same hex> would give (`earlyhelp audit key` prints it)

    def audit_checkpoint_file(self, instance_path: str | Path) -> Path:
        return Path(self.values["AUDIT_CHECKPOINT_FILE"] or Path(instance_path) / AUDIT_CHECKPOINTS)

    @property
    def local_development(self) -> bool:
        return is_local_development(self.values)

    def flask_config(self) -> dict[str, Any]:
        limit = self.integer("MAX_CONTENT_LENGTH")
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": limit,
            "MAX_FORM_MEMORY_SIZE": limit,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.flag("SESSION_COOKIE_SECURE"),
        }


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    instance_path: str | Path | None = None,
) -> Settings:
    """Read every declared setting from the environment; `overrides` (keyed by env name) win, for tests.

    Without SECRET_KEY, local development gets a key made once and kept in `instance_path` (or, without one, made
    for this process only); anywhere else that is a ConfigurationError, as is a short or placeholder key."""
    env = dict(os.environ if environ is None else environ)
    if overrides:
        env.update({k: v if isinstance(v, str) else str(v) for k, v in overrides.items()})
    values: dict[str, str] = {}
    for s in SETTINGS:
        raw = env.get(s.env, "")
        values[s.env] = raw if raw != "" else ("" if s.default is None else str(s.default))
    if values["AUDIT_KEY"]:
        check_secret("AUDIT_KEY", values["AUDIT_KEY"])
    secret = values["SECRET_KEY"]
    if secret:
        check_secret("SECRET_KEY", secret)
        return Settings(values=values, secret_key=secret)
    if not is_local_development(values):
        raise ConfigurationError(
            f"SECRET_KEY is not set. Outside local development (PUBLIC_URL is {values['PUBLIC_URL']}) the service "
            f"needs a SECRET_KEY of at least {MIN_SECRET_LENGTH} random characters, the same for every process. "
            f"Make one with  {MAKE_A_KEY}  and set it in the environment."
        )
    key = generated_key(Path(instance_path)) if instance_path is not None else secrets.token_hex(32)
    return Settings(values=values, secret_key=key, secret_key_generated=True)


def check_secret(name: str, value: str) -> None:
    if value.strip() == PLACEHOLDER_SECRET_KEY:
        raise ConfigurationError(
            f"{name} is the example value from .env.example, which anyone can read. Make a real one with  "
            f"{MAKE_A_KEY}  and set it in the environment."
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"{name} is too short to be safe ({len(value)} characters; at least {MIN_SECRET_LENGTH} are needed, or "
            f"anyone could guess it and forge a hub manager's session). Make one with  {MAKE_A_KEY}  and set it in "
            "the environment."
        )


def is_local_development(values: Mapping[str, str]) -> bool:
    """The service runs for its developer only: reached at a localhost address, over plain HTTP."""
    host = urlsplit(values["PUBLIC_URL"]).hostname or ""
    secure = values["SESSION_COOKIE_SECURE"].strip().lower() in {"1", "true", "yes", "on"}
    return host in LOCAL_HOSTS and not secure


def generated_key(instance_path: Path) -> str:
    """Local development's key: made once and kept in the instance folder, so every worker, the clock and the next
    run share it. Whoever writes it first wins; the others read what it wrote (never a half-written file)."""
    path = instance_path / GENERATED_KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    draft = instance_path / f".{GENERATED_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"{path} does not hold a usable key: delete it and start again to make a new one.")
    return key
