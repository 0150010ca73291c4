"""SECRET_KEY: required outside local development, never short or the .env.example placeholder; local development
makes one once and every process shares it; `earlyhelp` reads a .env file."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from app import create_app
from app.config import PLACEHOLDER_SECRET_KEY, ConfigurationError, generated_key, load_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD = "k" * 32
DEPLOYED = {"PUBLIC_URL": "https://hub.example.org"}


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        (DEPLOYED, "SECRET_KEY is not set"),
        ({"SESSION_COOKIE_SECURE": "true"}, "SECRET_KEY is not set"),  # behind TLS: not local development
        ({**DEPLOYED, "SECRET_KEY": PLACEHOLDER_SECRET_KEY}, "example value from .env.example"),
        ({"SECRET_KEY": PLACEHOLDER_SECRET_KEY}, "example value from .env.example"),  # refused locally too
        ({**DEPLOYED, "SECRET_KEY": "k" * 31}, "too short"),
        ({"SECRET_KEY": "dev"}, "too short"),
    ],
)
def test_the_service_refuses_to_start_without_a_good_key(environ: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(environ=environ)
    message = str(refused.value)
    assert says in message
    assert "secrets.token_hex(32)" in message  # how to make one
    assert PLACEHOLDER_SECRET_KEY not in message.replace("from .env.example", "")


def test_the_app_factory_refuses_too(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app({"DATABASE_URL": database_url, "TESTING": True, **DEPLOYED})


def test_a_long_enough_key_is_accepted() -> None:
    settings = load_settings(environ={**DEPLOYED, "SECRET_KEY": GOOD})
    assert settings.secret_key == GOOD and not settings.secret_key_generated


def _key_in(folder: str) -> str:
    return generated_key(Path(folder))


def test_local_development_makes_one_key_and_every_process_shares_it(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(_key_in, [str(tmp_path)] * 8))
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 32
    assert load_settings(environ={}, instance_path=tmp_path).secret_key == key  # and the next run
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no half-written files left


def test_gunicorn_outside_local_development_without_a_key_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PUBLIC_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", PUBLIC_URL="https://hub.example.org")
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "app:create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "SECRET_KEY is not set" in run.stderr and "secrets.token_hex(32)" in run.stderr


def test_earlyhelp_reads_a_dotenv_file_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PUBLIC_URL=https://hub.example.org\nDATABASE_URL=sqlite:///from-dotenv.db\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PUBLIC_URL", "DATABASE_URL")}
    earlyhelp = str(Path(sys.executable).parent / "earlyhelp")
    refused = subprocess.run([earlyhelp, "users", "list"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stderr + refused.stdout

    env["PUBLIC_URL"] = "http://localhost:5000"  # set in the environment: wins over .env
    env["SECRET_KEY"] = GOOD
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'env.db'}"
    subprocess.run([earlyhelp, "db", "upgrade"], cwd=tmp_path, env=env, check=True, capture_output=True)
    listed = subprocess.run([earlyhelp, "users", "list"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert (tmp_path / "env.db").exists() and not (tmp_path / "from-dotenv.db").exists()
