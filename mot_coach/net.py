"""The client's address, read the same way by the login lockout and the access log."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` reverse proxies the address the first of them saw.

    Only the right-most entries of X-Forwarded-For were written by our proxies; anything further
    left came from the client and could be forged, so it is never trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
