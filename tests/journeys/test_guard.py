"""The journeys' error guard itself: it must fail on what it is there to catch."""

from types import SimpleNamespace

import pytest

from tests.journeys.conftest import Guard


def _response(status: int, url: str):
    return SimpleNamespace(status=status, url=url, request=SimpleNamespace(method="GET"))


def _console(text: str, kind: str = "error"):
    return SimpleNamespace(type=kind, text=text, location={"url": "http://x/"})


def test_an_unexpected_error_response_or_console_error_fails_the_check():
    guard = Guard()
    guard._response(_response(200, "http://x/ok/"))
    guard._console(_console("just a warning", kind="warning"))
    guard.check()
    guard._response(_response(404, "http://x/missing/"))
    guard._console(_console("Uncaught TypeError: x is undefined"))
    with pytest.raises(AssertionError, match="HTTP 404 GET http://x/missing/"):
        guard.check()
    assert any("TypeError" in problem for problem in guard.problems)


def test_an_allowed_refusal_passes_only_where_allowed_and_must_happen():
    guard = Guard()
    with guard.allow(400, "/rules/test/"):
        guard._response(_response(400, "http://x/rules/test/"))
        guard._console(_console("Failed to load resource: the server responded with a status of 400 (Bad Request)"))
    guard.check()
    guard._response(_response(400, "http://x/rules/test/"))  # no longer allowed
    with pytest.raises(AssertionError):
        guard.check()
    with pytest.raises(AssertionError, match="none came"), Guard().allow(403, "/never/"):
        pass
