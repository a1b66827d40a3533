"""gunicorn settings for production: `gunicorn -c mot_coach/gunicorn.conf.py mot_coach.wsgi`.

Threads rather than processes beyond a few: requests mostly wait on PostgreSQL or stream audio.
Put a reverse proxy (nginx) in front that terminates TLS and buffers uploads, so a slow client
sending a 200 MB recording does not hold a worker; set TRUSTED_PROXY_COUNT=1 then.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Uploads up to RECORDING_MAX_BYTES and long audio streams: more than the default 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes), staggered.
max_requests = 2000
max_requests_jitter = 200
# X-Forwarded-* is believed only from these addresses (the proxy); the app reads the client's
# address itself (mot_coach/net.py, TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
