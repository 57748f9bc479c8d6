from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import PASSWORD

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent

NEUTRAL = "The username or password is wrong."


def post_login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_correct_password_signs_in_and_is_audited(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = Client()
    response = post_login(client, "teacher", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        action="login", actor_id=teacher.pk, outcome="granted"
    ).exists()


def test_wrong_password_and_unknown_user_get_the_same_neutral_message(teacher: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    wrong = post_login(client, "teacher", "wrong-password")
    unknown = post_login(client, "nobody-here", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    assert NEUTRAL in wrong.content.decode()
    assert NEUTRAL in unknown.content.decode()
    assert AuditEvent.objects.filter(action="login", outcome="refused").count() == 2


def test_the_neutral_message_is_in_norwegian_by_default(teacher: User) -> None:
    response = post_login(Client(), "teacher", "wrong-password")
    assert response["Content-Language"] == "nb"
    assert NEUTRAL not in response.content.decode()


def test_repeated_failures_lock_the_username_even_for_the_right_password(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(client, "teacher", "wrong-password")
    locked = post_login(client, "teacher", PASSWORD)
    assert locked.status_code == 401
    assert not client.session.get("_auth_user_id")


def test_the_lock_out_applies_to_unknown_usernames_too(db: None, settings: Any) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(client, "ghost", "x")
    assert "Too many failed attempts" in post_login(client, "ghost", "x").content.decode()


def test_sign_out_is_a_post_and_ends_the_session(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor_id=teacher.pk).exists()


def _age_session(client: Client, *, idle: int = 0, total: int = 0) -> None:
    session = client.session
    now = timezone.now().timestamp()
    session["last_seen_at"] = now - idle
    session["signed_in_at"] = now - total
    session.save()


def test_a_session_ends_after_15_minutes_idle(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    _age_session(client, idle=14 * 60, total=14 * 60)
    assert client.get("/").status_code == 200
    _age_session(client, idle=15 * 60 + 1, total=20 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_session_in_use_is_written_back_at_most_once_a_minute(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    _age_session(client, idle=61, total=61)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    moved_to = client.session["last_seen_at"]
    assert timezone.now().timestamp() - moved_to < 5
    with CaptureQueriesContext(connection) as second:
        assert client.get("/").status_code == 200
    assert client.session["last_seen_at"] == moved_to
    assert any('UPDATE "django_session"' in q["sql"] for q in first.captured_queries)
    assert not any('UPDATE "django_session"' in q["sql"] for q in second.captured_queries)


def test_a_session_without_an_idle_clock_gets_one_at_its_first_request(teacher: User) -> None:
    client = Client()
    client.force_login(teacher)  # a session made without services.sign_in
    assert "last_seen_at" not in client.session
    client.get("/")  # whatever it answers (the second factor is due), the clock starts
    assert timezone.now().timestamp() - client.session["last_seen_at"] < 5


def test_a_session_ends_after_12_hours_however_active(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    _age_session(client, idle=10, total=12 * 3600 + 1)
    assert client.get("/").status_code == 302


def test_the_session_cookie_expires_within_12_hours(teacher: User, settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.fixture
def two_factor(settings: Any) -> None:
    settings.REQUIRE_2FA = True


def _current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def test_a_professional_must_set_up_a_second_factor_before_anything_else(
    teacher: User, two_factor: None
) -> None:
    client = Client()
    post_login(client, "teacher", PASSWORD)
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"] == "/accounts/second-factor/"
    page = client.get("/accounts/second-factor/")
    assert b"<svg" in page.content  # the QR code
    device = TOTPDevice.objects.get(user=teacher, confirmed=False)
    assert client.post("/accounts/second-factor/", {"token": "12345"}).status_code == 400
    response = client.post("/accounts/second-factor/", {"token": _current_code(device)})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_wrong_code_is_refused_with_a_field_message(teacher: User, two_factor: None) -> None:
    device = TOTPDevice.objects.create(user=teacher, confirmed=True, name="app")
    client = Client()
    client.cookies["django_language"] = "en"
    post_login(client, "teacher", PASSWORD)
    good = _current_code(device)
    wrong = "000000" if good != "000000" else "111111"
    response = client.post("/accounts/second-factor/", {"token": wrong})
    assert response.status_code == 400
    assert "The code is wrong or has expired" in response.content.decode()
    assert client.get("/").status_code == 302


def test_analysts_and_editors_need_no_second_factor(
    skien: Any, make_user: Callable[..., User], two_factor: None
) -> None:
    from samhandling.organisations.models import Organisation, Role

    municipality = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    make_user(municipality, Role.ANALYST, username="analyst")
    client = Client()
    post_login(client, "analyst", PASSWORD)
    assert client.get("/").status_code == 200


def test_an_open_redirect_after_sign_in_is_refused(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    response = Client().post(
        "/accounts/login/?next=https://evil.example/", {"username": "teacher", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_after_the_middleware_the_request_holds_the_user_itself(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    """Not the lazy objects around it (Django's and django-otp's): a page reads the user
    hundreds of times. django-otp's verification state is still on it."""
    response = signed_in(teacher).get("/work/")
    assert response.status_code == 200
    request = response.wsgi_request
    assert type(request.user) is User
    assert request.actor.user is request.user  # type: ignore[attr-defined]
    assert callable(request.user.is_verified)  # type: ignore[attr-defined]
