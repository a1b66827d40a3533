"""Production settings: `manage.py check --deploy` passes with no warning, and the web server starts."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "SESSION_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="mot_coach.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="mot.example.com",
        DJANGO_DEBUG="0",
        **extra,
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_wrong_when_https_is_switched_off():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(SECURE_SSL_REDIRECT="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env.pop("DJANGO_SECRET_KEY")
    result = _manage("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr


def test_gunicorn_reads_its_configuration():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed in this environment")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", "mot_coach/gunicorn.conf.py", "mot_coach.wsgi"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
