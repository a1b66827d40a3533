"""The production files say what the README says: compose runs web (gunicorn), workers on both
queues, exactly one beat, PostgreSQL and Redis; the image prepares the model at build; the storage
setting picks local disk or S3 and refuses anything else."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_has_web_worker_beat_postgres_and_redis():
    services = _compose()["services"]

    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert "gunicorn -c mot_coach/gunicorn.conf.py mot_coach.wsgi" in services["web"]["command"]
    # A worker that does not consume the transcription queue would leave every upload queued.
    assert "-Q default,transcription" in services["worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A mot_coach beat")
    assert "deploy" not in services["beat"]  # no replicas: one beat for the whole deployment


def test_compose_migrates_and_checks_the_deployment_before_serving():
    services = _compose()["services"]

    assert "migrate --noinput" in services["migrate"]["command"]
    assert "check --deploy" in services["migrate"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_services_share_the_recordings_and_the_settings():
    services = _compose()["services"]

    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert "STORAGE_BACKEND" in env
        assert "media:/app/var/media" in services[name]["volumes"]


def test_the_image_installs_ffmpeg_and_prepares_the_model_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "ffmpeg" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "manage.py prepare_models" in dockerfile
    assert "USER app" in dockerfile


def _settings_with(**env) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.STORAGES['default'])"
    clean = {k: v for k, v in os.environ.items() if k not in ("STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "mot_coach.settings", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_storage_backend_s3_configures_django_storages_from_the_environment():
    result = _settings_with(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="calls",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_S3_ADDRESSING_STYLE="path",
    )

    assert result.returncode == 0, result.stderr
    assert "storages.backends.s3.S3Storage" in result.stdout
    assert "'bucket_name': 'calls'" in result.stdout and "'endpoint_url': 'http://minio:9000'" in result.stdout


def test_storage_backend_defaults_to_local_disk_and_refuses_unknown_values():
    local = _settings_with()
    unknown = _settings_with(STORAGE_BACKEND="ftp")
    no_bucket = _settings_with(STORAGE_BACKEND="s3")

    assert "FileSystemStorage" in local.stdout
    assert unknown.returncode != 0 and "STORAGE_BACKEND" in unknown.stderr
    assert no_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
