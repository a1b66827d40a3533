"""OpenAPI schema pieces: building it outside a request, and the error answers every operation gives.

Building outside a request (`manage.py check --deploy`, `spectacular`): our querysets are scoped to
the requesting user; with no request drf-spectacular would ask them as an anonymous user, fail,
and guess every path parameter's type. There the schema is built as an unsaved administrator who
sees everything: no row is read, only the models are looked up.

Error answers: drf-spectacular documents only the success of an operation. A client must also
expect the errors DRF and our exception handler give, so `declare_error_responses` adds them where
they can happen (tests/test_api_schema.py checks every answer against this with schemathesis).
"""

from drf_spectacular.plumbing import build_mock_request


def mock_request(method, path, view, original_request, **kwargs):
    request = build_mock_request(method, path, view, original_request, **kwargs)
    if original_request is None:
        from accounts.models import Role, User

        request.user = User(pk=0, username="schema", role=Role.ADMIN, is_superuser=True)
    return request


ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "`detail`: a message (401, 403, 404, 409, 413, 415, 429); or, for invalid input (400), the "
        "messages of each field by its name (`non_field_errors` for the whole request)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: each field's messages.",
    "401": "Not signed in (no or an invalid token).",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object within your scope (or no such page).",
    "409": "Conflicts with the object's state (or the same file was already uploaded).",
    "413": "The file is larger than the limit.",
    "415": "The body's media type or the file's content is not accepted.",
    "429": "Too many failed logins: locked for a while.",
}

# Errors an operation gives besides the generic ones, by its operationId.
EXTRA_ERRORS = {
    "auth_token_create": ("400", "429"),
    "recordings_create": ("409", "413", "415"),
    "recordings_retry_create": ("409",),
    "flag_reviews_create": ("404",),
    "moment_comments_create": ("404",),
    "coaching_practice_create": ("404",),
    # Completing needs every practice item passed; approving, a suggestion still open.
    "coaching_assignments_complete_create": ("400",),
    "coaching_suggestions_approve_create": ("400",),
    "coaching_suggestions_ignore_create": ("400",),
    # QA: the call, scorecard, flag or evaluation named in the body may be out of scope (404);
    # a submitted, closed or decided object refuses the change (400).
    "qa_evaluations_create": ("404",),
    "qa_disputes_create": ("404",),
    "qa_evaluations_submit_create": ("400",),
    "qa_evaluations_acknowledge_create": ("400",),
    "qa_disputes_reply_create": ("400",),
    "qa_disputes_decide_create": ("400",),
    "qa_scorecards_new_version_create": ("400",),
}
# Operations anyone may call (no 401/403).
PUBLIC = {"auth_token_create"}


def declare_error_responses(result, generator, request, public):
    """Postprocessing hook: add the error responses each operation can give, with one shared schema.

    401 and 403 wherever a login is needed; 400 where there is input (a body or query parameters,
    including filters, ordering and page); 404 where an object is named in the path or a page is
    asked for; 415 where a body is read; and the few operation-specific ones in EXTRA_ERRORS.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            op_id = operation.get("operationId", "")
            parameters = operation.get("parameters", [])
            codes = set(EXTRA_ERRORS.get(op_id, ()))
            if op_id not in PUBLIC:
                codes |= {"401", "403"}
            if operation.get("requestBody") or any(p.get("in") == "query" for p in parameters):
                codes.add("400")
            if operation.get("requestBody"):
                codes.add("415")
            if any(p.get("in") == "path" for p in parameters) or any(
                p.get("in") == "query" and p.get("name") == "page" for p in parameters
            ):
                codes.add("404")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
