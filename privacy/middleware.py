from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import current_request


class RequestContextMiddleware:
    """Remember the request for the access log's signal handlers (who changed a role, from where)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
