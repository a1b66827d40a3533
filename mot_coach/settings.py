"""MOT Coach settings, read from the environment (see .env.example).

Defaults are for a developer's machine: SQLite and an embedded filesystem broker, so a fresh
checkout runs with no services. Production sets DATABASE_URL and REDIS_URL, and must set
DJANGO_SECRET_KEY: without DEBUG a missing secret stops start-up rather than running insecurely.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment or .env "
            "(or set DJANGO_DEBUG=1 on a development machine)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "calls",
    "coaching",
    "dashboards",
    "privacy",
    "qa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "privacy.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as Axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mot_coach.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "mot_coach.wsgi.application"
ASGI_APPLICATION = "mot_coach.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker share the file: wait for a lock rather than fail at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    # A file, not memory, so that a test's Celery worker process sees the test database; one per
    # test run, so two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calls:home"
LOGOUT_REDIRECT_URL = "login"

# Axes first: it refuses a locked-out account or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling (django-axes; accounts/lockout.py) ----------------------------------------
# An account is locked after AXES_FAILURE_LIMIT wrong passwords, an address (a whole office behind
# one NAT) after AXES_ADDRESS_FAILURE_LIMIT; both for the web login, the admin and /api/auth/token/.
# The lock lifts AXES_COOLOFF_TIME after the last failure, or when an admin unlocks the user.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies, how many: the client's address is then read from X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "mot_coach.net.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Korean first, English selectable; times in Seoul unless a deployment says otherwise.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
# Zero-padded YYYY-MM-DD HH:MM in both languages (mot_coach/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["mot_coach.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Recordings are private: MEDIA_ROOT is never served by URL, only through a permission-checked view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or VAR_DIR / "media")

# Where recordings are stored (calls/storage.py). "local": MEDIA_ROOT on this machine (one machine,
# or a shared filesystem mounted at the same path everywhere). "s3": an S3-compatible bucket (AWS
# S3, MinIO, Ceph, ...) through django-storages, so web and workers on several machines share them.
# Either way recordings are served only through the permission-checked view, never by bucket URL.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Unset for AWS itself; e.g. http://minio:9000 for MinIO.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Unset: boto3 finds credentials itself (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the
            # environment, an instance role, ~/.aws).
            "access_key": env.str("AWS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # "path" for MinIO
            "location": env.str("AWS_LOCATION", default=""),  # a key prefix inside the bucket
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,
            # Our names are unique keys (a random hex per recording): never renamed, no extra lookup.
            "file_overwrite": True,
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
# Local scratch space for uploads being checked and for the decoder's copy of a file on S3
# (empty: the system's temporary directory). Needs room for a few recordings per worker.
RECORDING_TEMP_DIR = env.str("RECORDING_TEMP_DIR", default="")
# No URL serves this prefix (there is no media route); Django's test live server needs a value.
MEDIA_URL = "/private-media/"

# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "calls.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    # Token first, so an anonymous API call answers 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mot_coach.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "MOT Coach API",
    "DESCRIPTION": "Call logging, recordings, transcripts, tone flags and coaching.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: nothing is fetched from a CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "GET_MOCK_REQUEST": "mot_coach.schema.mock_request",
    # The errors each operation can answer with (400, 401, 403, 404, ...), not only its success.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mot_coach.schema.declare_error_responses",
    ],
    # One name per choice set, so that the schema's enums are stable rather than hash-suffixed.
    "ENUM_NAME_OVERRIDES": {
        "SpeakerEnum": "calls.models.Speaker",
        "RuleSpeakerEnum": "calls.models.RuleSpeaker",
        "CategoryEnum": "calls.models.Category",
        "RecordingStatusEnum": "calls.models.RecordingStatus",
        "ReviewStatusEnum": "calls.models.ReviewStatus",
        "SuggestionStatusEnum": "coaching.models.SuggestionStatus",
    },
}

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # An unreachable (not refusing) Redis must not hold a web request for minutes: the outbox keeps
    # the message, so give up on connecting quickly.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
else:
    # kombu's filesystem transport: a real broker with no server, for the zero-setup default.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The transport polls its folder; the default second per stage adds up over a chain.
        "polling_interval": 0.2,
    }
    # The transport expects its folders to exist, in the web process (which enqueues) and the worker.
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task is acknowledged only once it finished, and re-queued if its worker died mid-way; the
# stages are idempotent, and an attempt counter on the recording stops a poison file looping.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool child loads Whisper and Kiwi in worker_process_init before it reports UP; under load that
# takes far longer than Celery's 4 s default, and the parent would kill it ("Timed out waiting for
# UP message") and fork another, forever.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env.float("CELERY_WORKER_PROC_ALIVE_TIMEOUT", default=120.0)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"calls.tasks.recording_transcribe": {"queue": "transcription"}}
# Transcription is bounded by the duration cap; the hard limit allows a slow real-time factor.
TRANSCRIPTION_SOFT_TIME_LIMIT = env.int("TRANSCRIPTION_SOFT_TIME_LIMIT", default=3 * 3600)
TRANSCRIPTION_TIME_LIMIT = TRANSCRIPTION_SOFT_TIME_LIMIT + 300
if REDIS_URL:
    # Redis re-delivers an unacknowledged task after this long: it must outlast the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = TRANSCRIPTION_TIME_LIMIT + 600

# --- Recordings and transcription ---------------------------------------------------------------
RECORDING_MAX_BYTES = env.int("RECORDING_MAX_BYTES", default=200 * 1024 * 1024)
RECORDING_MAX_SECONDS = env.int("RECORDING_MAX_SECONDS", default=2 * 3600)
RECORDING_MAX_DECODED_BYTES = env.int("RECORDING_MAX_DECODED_BYTES", default=2 * 1024**3)
RECORDING_MAX_ATTEMPTS = env.int("RECORDING_MAX_ATTEMPTS", default=3)
# A recording that has not moved (status or progress) for max(MIN, FACTOR × its duration) seconds
# is stuck (its worker died, its message was lost): the sweeper, run every SWEEP_INTERVAL seconds
# by Celery beat, queues it again — at most RECORDING_MAX_ATTEMPTS times.
RECORDING_STALL_MIN_SECONDS = env.float("RECORDING_STALL_MIN_SECONDS", default=10 * 60)
RECORDING_STALL_FACTOR = env.float("RECORDING_STALL_FACTOR", default=1.0)
RECORDING_SWEEP_INTERVAL = env.float("RECORDING_SWEEP_INTERVAL", default=60)
# Messages the broker did not take at commit (it was down) are sent again this often.
OUTBOX_DISPATCH_INTERVAL = env.float("OUTBOX_DISPATCH_INTERVAL", default=10)
CELERY_BEAT_SCHEDULE = {
    # A tick that waited longer than its interval behind busy workers is dropped, not piled up.
    "recordings-sweep": {
        "task": "calls.tasks.recordings_sweep",
        "schedule": RECORDING_SWEEP_INTERVAL,
        "options": {"expires": RECORDING_SWEEP_INTERVAL},
    },
    "outbox-dispatch": {
        "task": "calls.tasks.outbox_dispatch",
        "schedule": OUTBOX_DISPATCH_INTERVAL,
        "options": {"expires": OUTBOX_DISPATCH_INTERVAL},
    },
}
# Retention (per team, see calls.retention): once a day, at night, Seoul time.
CELERY_BEAT_SCHEDULE["retention-apply"] = {
    "task": "calls.tasks.retention_apply",
    "schedule": crontab(hour=env.int("RETENTION_HOUR", default=3), minute=30),
}
# The access log's own retention (privacy/): rows older than ACCESS_LOG_RETENTION_DAYS, never
# younger than two years.
CELERY_BEAT_SCHEDULE["access-log-purge"] = {
    "task": "privacy.access_log_purge",
    "schedule": crontab(hour=env.int("RETENTION_HOUR", default=3), minute=45),
}
# QA sampling (qa/): last week's calls into the evaluators' queues; daily, so a missed Monday
# catches up (a re-run of the same week adds nothing).
CELERY_BEAT_SCHEDULE["qa-sampling"] = {
    "task": "qa.tasks.qa_sampling_weekly",
    "schedule": crontab(hour=env.int("QA_SAMPLING_HOUR", default=6), minute=10),
}
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))

WHISPER_MODEL_DIR = env.str("WHISPER_MODEL_DIR", default="")
WHISPER_BUNDLED_MODEL_DIR = VAR_DIR / "models" / "whisper-base"
WHISPER_COMPUTE_TYPE = env.str("WHISPER_COMPUTE_TYPE", default="int8")
WHISPER_BEAM_SIZE = env.int("WHISPER_BEAM_SIZE", default=5)
WHISPER_LANGUAGE = env.str("WHISPER_LANGUAGE", default="ko")
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=0)
# Whisper windows decoded together (0 = one at a time, as bare faster-whisper). Each window of the
# batch holds its own 1500x1500 attention maps: 4 keeps a base-model worker under 1.5 GB.
WHISPER_BATCH_SIZE = env.int("WHISPER_BATCH_SIZE", default=4)
# Mono calls: below this confidence in who is the agent (speech.speakers), the call is not scored
# for the agent and its page says the speakers are uncertain.
SPEAKER_CONFIDENCE_THRESHOLD = env.float("SPEAKER_CONFIDENCE_THRESHOLD", default=0.5)
# Load the model when a worker process starts rather than on its first recording.
WHISPER_PRELOAD = env.bool("WHISPER_PRELOAD", default=True)

# --- Tone analysis and coaching -----------------------------------------------------------------
DEAD_AIR_SECONDS = env.float("DEAD_AIR_SECONDS", default=5.0)
COACHING_SUGGESTION_RATE = env.float("COACHING_SUGGESTION_RATE", default=5.0)  # flags per 100 calls
COACHING_SUGGESTION_DAYS = env.int("COACHING_SUGGESTION_DAYS", default=30)
# The learned tone model beside the rulebook (tone/model.py). Off: the rules alone decide.
TONE_MODEL_ENABLED = env.bool("TONE_MODEL_ENABLED", default=True)
# Development sets retraining may use besides the corpus (tone_dev.jsonl, the MIT curse set).
TONE_SHARED_DATA = env.str("TONE_SHARED_DATA", default=str(BASE_DIR.parent / "shared" / "data"))
# Supervisors are alerted to customer abuse of this severity or above (with the evidence).
ABUSE_ALERT_MIN_SEVERITY = env.str("ABUSE_ALERT_MIN_SEVERITY", default="medium")

# --- Personal data (privacy/, pii/) -------------------------------------------------------------
# The access log (개인정보 접속기록) is kept at least two years: a smaller value is raised to that
# floor, and on PostgreSQL a trigger refuses to delete younger rows whatever the application does.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=730)
# One playback is many Range requests: one row per user, recording and address in this window.
ACCESS_LOG_AUDIO_WINDOW_SECONDS = env.int("ACCESS_LOG_AUDIO_WINDOW_SECONDS", default=1800)

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mot-coach@localhost")

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # HTTPS only: plain HTTP is redirected and browsers are told to stay on HTTPS for a year.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is a commitment for the whole domain, made by its
        # owner (set SECURE_HSTS_PRELOAD=1), not a default; so its reminder is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
if TRUSTED_PROXY_COUNT:
    # The proxy terminates TLS and says so; without this the HTTPS redirect would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
