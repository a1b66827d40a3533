"""Brute force on the web login and the token endpoint: django-axes with a limit per account and per address."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.lockout import login_unlock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "pw-for-tests"


def _web_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _token(api, username: str, password: str, ip: str = "10.0.0.1"):
    return api.post("/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_wrong_web_logins_lock_the_account_and_then_the_right_password_is_refused():
    user = UserFactory(username="kim")
    client = Client()
    answers = [_web_login(client, "kim", f"wrong-{i}").status_code for i in range(10)]
    assert answers[:9] == [200] * 9  # the form again, with its error
    assert answers[9] == 429

    locked = _web_login(client, "kim", RIGHT)

    assert locked.status_code == 429
    assert "로그인이 잠겼습니다" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.last_login is None


def test_an_admin_unlock_lets_the_right_password_in_at_once():
    UserFactory(username="kim")
    client = Client()
    for i in range(10):
        _web_login(client, "kim", f"wrong-{i}")
    assert _web_login(client, "kim", RIGHT).status_code == 429

    login_unlock(username="kim")

    response = _web_login(client, "kim", RIGHT)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_ten_wrong_token_requests_lock_the_api_with_a_429_in_korean(api):
    UserFactory(username="lee")
    codes = [_token(api, "lee", f"wrong-{i}").status_code for i in range(9)]
    assert codes == [400] * 9

    tenth = _token(api, "lee", "wrong-10")
    right = _token(api, "lee", RIGHT)

    assert tenth.status_code == 429
    assert right.status_code == 429
    assert "로그인" in right.json()["detail"]
    assert "token" not in right.json()


def test_the_lock_is_per_account_so_a_colleague_at_the_same_address_still_logs_in(api):
    UserFactory(username="lee")
    UserFactory(username="park")
    for i in range(10):
        _token(api, "lee", f"wrong-{i}")

    assert _token(api, "park", RIGHT).status_code == 200


def test_the_account_lock_holds_from_another_address(api):
    UserFactory(username="lee")
    for i in range(10):
        _token(api, "lee", f"wrong-{i}", ip="10.0.0.1")

    assert _token(api, "lee", RIGHT, ip="10.9.9.9").status_code == 429


def test_an_address_guessing_many_accounts_is_locked_at_its_own_limit(api, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    UserFactory(username="victim")
    for i in range(20):  # two wrong passwords each for ten accounts: no single account is locked
        _token(api, f"guess{i // 2}", "wrong", ip="203.0.113.7")

    assert _token(api, "victim", RIGHT, ip="203.0.113.7").status_code == 429
    assert _token(api, "victim", RIGHT, ip="10.0.0.1").status_code == 200


def test_the_lock_lifts_after_the_cool_off(api, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    UserFactory(username="lee")
    for i in range(10):
        _token(api, "lee", f"wrong-{i}")
    assert _token(api, "lee", RIGHT).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    assert _token(api, "lee", RIGHT).status_code == 200


def test_a_right_password_forgets_earlier_typos(api):
    UserFactory(username="lee")
    for i in range(9):
        _token(api, "lee", f"wrong-{i}")
    assert _token(api, "lee", RIGHT).status_code == 200

    assert _token(api, "lee", "one-more-typo").status_code == 400
    assert _token(api, "lee", RIGHT).status_code == 200


def test_the_unlock_action_in_the_user_admin_unlocks(api, client):
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    user = UserFactory(username="lee")
    for i in range(10):
        _token(api, "lee", f"wrong-{i}")
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_login", "_selected_action": [user.pk]}
    )

    assert response.status_code == 302
    assert _token(api, "lee", RIGHT).status_code == 200


def test_the_admin_login_is_locked_the_same_way():
    UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    for i in range(10):
        client.post(reverse("admin:login"), {"username": "root", "password": f"wrong-{i}"})

    response = client.post(reverse("admin:login"), {"username": "root", "password": RIGHT})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
