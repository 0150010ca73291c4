"""Signing in to and out of the hub: local accounts (email + password, with back-off) and OpenID Connect single sign-on.

Place in the flow: a hub page without a session -> **sign-in** -> hub.staff checks the password or maps the identity
provider's answer to an account -> hub.auth starts the session -> back to the page asked for. Every attempt is in the
audit log (who, when, outcome), never the password.

Single sign-on uses Authlib with the provider's discovery document (`OIDC_ISSUER` + /.well-known/openid-configuration):
authorisation code flow, state and nonce checked, the id_token's signature checked against the provider's JWKS.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from hub.auth import csrf, current_staff, now, sign_in_session, sign_out_session
from hub.sign_in_guard import SignInGuard
from hub.staff import AccountError, SsoSignIn, StaffAccount, authenticate, end_sessions, sso_account, sso_key
from intake.store import audit

log = logging.getLogger(__name__)

blueprint = Blueprint("hub_sign_in", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/hub/static")  # fmt: skip

SSO_CLIENT = "sso"


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254, message="Enter a shorter email")],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=1000, message="Password too long")]
    )


def init_sso(app: Flask) -> None:
    """Register the identity provider when OIDC_ISSUER is set; the sign-in page then offers single sign-on."""
    settings = app.extensions["settings"]
    issuer = settings.get("OIDC_ISSUER").rstrip("/")
    app.extensions["hub_sso"] = None
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        SSO_CLIENT,
        client_id=settings.get("OIDC_CLIENT_ID"),
        client_secret=settings.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "timeout": 10},
    )
    app.extensions["hub_sso"] = oauth.create_client(SSO_CLIENT)


def _safe_next(value: str | None) -> str:
    # Only back to a hub page on this site: never an open redirect.
    if value and value.startswith("/hub") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("hub_queue.queue")


@blueprint.route("/hub/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if current_staff() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    notice = session.pop("hub_notice", None)
    error: str | None = None
    status = 200
    if request.method == "POST":
        csrf.protect()
        if form.validate():
            failed = _password_sign_in(form.email.data or "", form.password.data or "")
            if failed is None:
                return redirect(_safe_next(request.args.get("next")))
            error, status = failed
    status = (status if error else 400) if request.method == "POST" else 200
    return render_template(
        "hub/sign_in.html", form=form, error=error, notice=notice, sso=current_app.extensions.get("hub_sso")
    ), status


WRONG = "The email address or password is not right. Check them and try again."
HELD_BACK = (
    "There have been too many failed attempts to sign in with this email address. Wait a few minutes and try again, "
    "or sign in from the computer you usually use."
)


def _password_sign_in(email: str, password: str) -> tuple[str, int] | None:
    """Sign in, or return the message to show and its status. No message says whether the email exists."""
    guard: SignInGuard = current_app.extensions["sign_in_guard"]
    address = request.remote_addr or "unknown"
    with current_app.extensions["db"].transaction() as s:
        result = authenticate(s, email, password, now(), held_back=lambda a: guard.held_back(email, address, a))
        account = result.account
        if account is not None:
            guard.succeeded(email, address, account)
            sign_in_session(account)
        elif result.outcome != "held_back":
            guard.failed(email)
        actor = f"staff:{account.email}" if account else "anonymous"
        action = "staff.signed_in" if account else "staff.sign_in_failed"
        detail: dict[str, Any] = {"method": "password", "outcome": result.outcome}
        if account is None:
            # Never the text typed as the email (people type passwords there): a keyed tag matches it to a known
            # address (hub.sign_in_guard), and the account id says which account a failure was against.
            detail["email_tag"] = guard.email_tag(email)
            if result.account_id is not None:
                detail["account_id"] = result.account_id
        audit.record(s, at=now(), actor=actor, action=action, detail=detail)
    if result.outcome == "ok":
        return None
    if result.outcome == "held_back":
        return HELD_BACK, 429
    return WRONG, 400


@blueprint.get("/hub/sign-in/sso")
def sso_start() -> Any:
    client = current_app.extensions.get("hub_sso")
    if client is None:
        return redirect(url_for("hub_sign_in.sign_in"))
    session["hub_next"] = _safe_next(request.args.get("next"))
    redirect_uri = current_app.extensions["settings"].public_url + url_for("hub_sign_in.sso_callback")
    try:
        return client.authorize_redirect(redirect_uri)
    except Exception:
        log.exception("single sign-on: the identity provider could not be reached")
        return _sso_failed("Single sign-on is not available just now. Try again in a minute.")


@blueprint.get("/hub/sign-in/callback")
def sso_callback() -> Any:
    client = current_app.extensions.get("hub_sso")
    if client is None:
        return redirect(url_for("hub_sign_in.sign_in"))
    if request.args.get("error"):
        return _sso_failed("Single sign-on did not complete. Try again, or ask your administrator for access.")
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
    except Exception as err:
        # Wrong state, bad signature, expired token, provider down: all mean no session.
        log.warning("single sign-on failed: %s", type(err).__name__)
        return _sso_failed("Single sign-on did not complete. Try again.")
    settings = current_app.extensions["settings"]
    email = str(claims.get("email") or claims.get("preferred_username") or "")
    roles_claim = claims.get(settings.get("OIDC_ROLES_CLAIM"), [])
    roles = [roles_claim] if isinstance(roles_claim, str) else [str(r) for r in roles_claim or []]
    key = sso_key(claims, settings.get("OIDC_ISSUER").rstrip("/"))
    nxt = session.pop("hub_next", None)
    with current_app.extensions["db"].transaction() as s:
        try:
            result = sso_account(s, key=key, email=email, name=claims.get("name"), claimed_roles=roles, now=now())
        except AccountError:
            result = SsoSignIn(None, "no_role")
        account = result.account
        if account is not None:
            sign_in_session(account)
        detail: dict[str, Any] = {"method": "oidc", "outcome": result.outcome, "email": email.casefold()[:254]}
        if key is not None and result.outcome in ("linked", "created", "other_identity"):
            detail["sso_key"] = f"{key[0]} {key[1]}"[:300]
        audit.record(
            s,
            at=now(),
            actor=f"staff:{account.email}" if account else "anonymous",
            action="staff.signed_in" if account else "staff.sign_in_failed",
            detail=detail,
        )
    if account is None:
        if result.outcome == "other_identity":
            return _sso_failed(
                "Your sign-in could not be matched to a hub account. Ask your administrator to check your access."
            )
        return _sso_failed(
            "You signed in, but your account has no hub role. Ask your administrator to give you access."
        )
    return redirect(_safe_next(nxt))


def _sso_failed(message: str) -> tuple[str, int]:
    form = SignInForm()
    return render_template(
        "hub/sign_in.html", form=form, error=message, notice=None, sso=current_app.extensions.get("hub_sso")
    ), 400


@blueprint.post("/hub/sign-out")
def sign_out() -> Response:
    staff = current_staff()
    if staff is not None:
        # Only a real session needs protecting; an expired one is already signed out.
        csrf.protect()
        # Signing out ends every session of this person (a copied cookie, another browser), not just this one.
        with current_app.extensions["db"].transaction() as s:
            account = s.get(StaffAccount, staff.id)
            if account is not None:
                end_sessions(account, now())
            audit.record(s, at=now(), actor=staff.actor, action="staff.signed_out", detail={"sessions": "all"})
    sign_out_session()
    session["hub_notice"] = "You have signed out."
    return redirect(url_for("hub_sign_in.sign_in"))
