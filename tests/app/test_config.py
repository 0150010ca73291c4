"""Configuration is read in one place, with documented defaults."""

from __future__ import annotations

from pathlib import Path

from app.config import SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_give_an_embedded_sqlite_service() -> None:
    settings = load_settings(environ={})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.secret_key_generated and len(settings.secret_key) >= 32
    assert settings.integer("PORT") == 5000


def test_environment_and_overrides() -> None:
    settings = load_settings(environ={"PORT": "8080", "SECRET_KEY": "x" * 40}, overrides={"PORT": 9000})
    assert settings.integer("PORT") == 9000
    assert not settings.secret_key_generated


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for s in SETTINGS:
        assert f"`{s.env}`" in readme, f"{s.env} missing from the README's configuration table"
        assert f"{s.env}=" in example, f"{s.env} missing from .env.example"


def test_phone_numbers_from_the_environment_reach_the_conversation_and_the_decisions(database_url: str) -> None:
    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "HUB_URGENT_PHONE": "01632 960999",
            "EMERGENCY_DUTY_TEAM_PHONE": "01632 960888",
        }
    )
    rules = app.extensions["rules"]
    assert rules.contacts.hub_urgent_phone == "01632 960999"
    assert rules.contacts.emergency_duty_team_phone == "01632 960888"
    assert app.extensions["intake"].flow.hub_urgent_phone == "01632 960999"
    assert "01632 960999" in rules.routes["emergency"].next_steps + rules.routes["emergency"].timescale
    app.extensions["db"].dispose()
