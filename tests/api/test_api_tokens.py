"""Who may call the API: a bearer token issued by an administrator, or the signed-in session."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.api.support import ApiClient

from samhandling.accounts import tokens
from samhandling.accounts.models import ApiToken, User
from samhandling.audit.models import AuditEvent
from samhandling.organisations.models import Organisation, Role

PASSWORD = "a-long-test-password-0-24"  # as in tests/conftest.py


def test_anonymous_requests_get_401_with_a_bearer_challenge(db: None) -> None:
    response = ApiClient().get("/cases")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()) == {"detail"}


def test_an_anonymous_write_is_401_not_a_csrf_failure(db: None) -> None:
    response = ApiClient(client=Client(enforce_csrf_checks=True)).post("/cases", {})
    assert response.status_code == 401


def test_a_bearer_token_authenticates_as_its_user(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    response = ApiClient(token=token).get("/cases")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}


def test_only_a_hash_of_the_token_is_stored(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    stored = ApiToken.objects.get(user=teacher)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in vars(stored).values()}
    assert token.startswith("s024_") and len(token) > 40


def test_an_unknown_or_mangled_token_is_401(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "s024_", "nonsense", ""):
        assert ApiClient(token=wrong).get("/cases").status_code == 401
    response = ApiClient().get("/cases", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 401


def test_a_revoked_token_stops_working_at_once(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    client = ApiClient(token=token)
    assert client.get("/cases").status_code == 200
    tokens.revoke_token(ApiToken.objects.get(user=teacher))
    assert client.get("/cases").status_code == 401


def test_an_expired_token_is_refused(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem", days=1)
    ApiToken.objects.filter(user=teacher).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert ApiClient(token=token).get("/cases").status_code == 401


def test_a_deactivated_user_s_token_is_refused(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert ApiClient(token=token).get("/cases").status_code == 401


def test_use_is_recorded_and_refusals_are_audited(teacher: User) -> None:
    token = tokens.issue_token(teacher, name="fagsystem")
    ApiClient(token=token).get("/cases")
    assert ApiToken.objects.get(user=teacher).last_used_at is not None
    ApiClient(token="s024_wrong").get("/cases")
    refused = AuditEvent.objects.filter(action="login", outcome="refused", channel="api")
    assert refused.count() == 1


def test_a_token_lives_at_most_a_year(teacher: User) -> None:
    with pytest.raises(ValueError):
        tokens.issue_token(teacher, name="forever", days=1000)


def test_the_command_prints_the_token_once_and_it_works(teacher: User) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "issue_token", "teacher", "--name", "fagsystem", "--days", "30", stdout=out, stderr=err
    )
    token = out.getvalue().strip()
    assert token.startswith("s024_") and token not in err.getvalue()
    stored = ApiToken.objects.get(user=teacher)
    assert stored.name == "fagsystem"
    assert stored.expires_at is not None
    assert 29 <= (stored.expires_at - timezone.now()).days <= 30
    assert ApiClient(token=token).get("/cases").status_code == 200


def test_the_admin_lists_tokens_read_only_and_revokes_them(
    teacher: User, skien: Any, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    municipality = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    admin = make_user(
        municipality, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True, is_superuser=True
    )
    token = tokens.issue_token(teacher, name="fagsystem")
    stored = ApiToken.objects.get(user=teacher)
    client = signed_in(admin)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "fagsystem" in listing.content.decode()
    assert stored.token_hash not in listing.content.decode()
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert ApiClient(token=token).get("/cases").status_code == 401


# --- the browser's session ----------------------------------------------------------------


def _sign_in(user: User) -> Client:
    """A client that enforces CSRF like a browser, signed in through the real form."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 302
    return client


def test_the_session_reads_without_a_csrf_token(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    assert ApiClient(client=_sign_in(teacher)).get("/cases").status_code == 200


def test_a_session_write_needs_the_csrf_token(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = _sign_in(teacher)
    body = {"query": "Nordmann"}
    refused = ApiClient(client=client).post("/persons/search", body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    csrf = client.cookies["csrftoken"].value
    assert ApiClient(client=client, csrf=csrf).post("/persons/search", body).status_code == 200


def test_a_session_without_the_second_factor_is_refused_like_anonymous(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = True
    client = _sign_in(teacher)
    assert ApiClient(client=client).get("/cases").status_code == 401


def test_a_session_with_the_second_factor_verified_is_accepted(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=teacher, confirmed=True, name="app")
    client = _sign_in(teacher)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    csrf = client.cookies["csrftoken"].value
    verified = client.post(
        "/accounts/second-factor/", {"token": f"{totp.token():06d}", "csrfmiddlewaretoken": csrf}
    )
    assert verified.status_code == 302
    assert ApiClient(client=client).get("/cases").status_code == 200


def test_a_token_counts_as_verified_when_the_second_factor_is_required(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = True
    token = tokens.issue_token(teacher, name="fagsystem")
    assert ApiClient(token=token).get("/cases").status_code == 200


def test_api_calls_are_audited_on_the_api_channel(teacher: User, make_person: Any) -> None:
    person = make_person()
    token = tokens.issue_token(teacher, name="fagsystem")
    response = ApiClient(token=token).post("/cases", {"person_id": person.pk, "text": "Tired"})
    assert response.status_code == 201
    event = AuditEvent.objects.filter(object_type="coordination.case", action="create").get()
    assert event.channel == "api"
    assert event.actor_id == teacher.pk
