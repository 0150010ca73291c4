"""Every hub page checks the role: anonymous -> sign-in, too junior -> 403, and roles nest."""

from __future__ import annotations

import re

from flask import Blueprint, Flask
from flask.testing import FlaskClient

from hub.auth import require_role
from hub.staff import has_role
from tests.conftest import sign_in_as

# Pages anyone may reach: the sign-in pages themselves and static files.
PUBLIC_HUB_ENDPOINTS = {
    "hub_sign_in.sign_in",
    "hub_sign_in.sso_start",
    "hub_sign_in.sso_callback",
    "hub_sign_in.sign_out",
    "hub_sign_in.static",
}


def test_every_hub_view_declares_its_roles(app: Flask) -> None:
    hub_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/hub")]
    assert hub_rules
    for rule in hub_rules:
        if rule.endpoint in PUBLIC_HUB_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_roles", None), f"{rule.rule} ({rule.endpoint}) has no require_role"


def test_every_protected_get_page_redirects_anonymous_people_to_sign_in(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/hub") or rule.endpoint in PUBLIC_HUB_ENDPOINTS:
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        path = re.sub(r"<\w+>", "x", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/hub/sign-in")


def test_roles_nest() -> None:
    assert has_role("admin", "hub_manager") and has_role("admin", "hub_worker")
    assert has_role("hub_manager", "hub_worker") and not has_role("hub_manager", "admin")
    assert not has_role("hub_worker", "hub_manager")
    assert has_role("hub_worker", "hub_worker", "admin")  # any listed role (or above) will do
    assert not has_role(None, "hub_worker") and not has_role("visitor", "hub_worker")


def _guarded_app(app: Flask) -> Flask:
    probe = Blueprint("probe", __name__)

    @probe.route("/hub/probe/manager", methods=["GET", "POST"])
    @require_role("hub_manager")
    def manager_only() -> str:
        return "manager page"

    @probe.get("/hub/probe/admin")
    @require_role("admin")
    def admin_only() -> str:
        return "admin page"

    app.register_blueprint(probe)
    return app


def test_require_role_refuses_too_junior_roles_with_403(app: Flask) -> None:
    _guarded_app(app)
    worker, manager, admin = app.test_client(), app.test_client(), app.test_client()
    sign_in_as(app, worker, "hub_worker")
    sign_in_as(app, manager, "hub_manager")
    sign_in_as(app, admin, "admin")
    refused = worker.get("/hub/probe/manager")
    assert refused.status_code == 403
    assert "You do not have access" in refused.get_data(as_text=True)
    assert manager.get("/hub/probe/manager").get_data(as_text=True) == "manager page"
    assert manager.get("/hub/probe/admin").status_code == 403
    assert admin.get("/hub/probe/manager").status_code == 200
    assert admin.get("/hub/probe/admin").status_code == 200


def test_require_role_checks_csrf_on_posts(app: Flask) -> None:
    _guarded_app(app)
    manager = app.test_client()
    sign_in_as(app, manager, "hub_manager")
    assert manager.post("/hub/probe/manager").status_code == 400
    page = manager.get("/hub/requests").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert manager.post("/hub/probe/manager", data={"csrf_token": token}).status_code == 200


def test_require_role_needs_a_role() -> None:
    import pytest

    with pytest.raises(ValueError):
        require_role()
