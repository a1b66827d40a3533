"""Building the OpenAPI schema outside a request (`manage.py check --deploy`, `spectacular`).

Our querysets are scoped to the requesting user; with no request drf-spectacular would ask them
as an anonymous user, fail, and guess every path parameter's type. Here the schema is built as
an unsaved administrator who sees everything: no row is read, only the models are looked up.
"""

from drf_spectacular.plumbing import build_mock_request


def mock_request(method, path, view, original_request, **kwargs):
    request = build_mock_request(method, path, view, original_request, **kwargs)
    if original_request is None:
        from accounts.models import Role, User

        request.user = User(pk=0, username="schema", role=Role.ADMIN, is_superuser=True)
    return request
