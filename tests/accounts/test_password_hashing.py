"""Production hashes passwords with argon2; the suite uses a fast hasher (tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client, override_settings

from samhandling.accounts.models import User
from samhandling.config import settings as production

PASSWORD = "a-long-test-password-0-24"


def test_production_hashes_with_argon2_and_still_reads_pbkdf2() -> None:
    assert production.PASSWORD_HASHERS == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.mark.django_db
def test_a_user_created_and_signed_in_with_production_hashers_has_an_argon2_hash() -> None:
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS, REQUIRE_2FA=False):
        user = User.objects.create_user(username="hashed", password=PASSWORD)
        user.refresh_from_db()
        assert identify_hasher(user.password).algorithm == "argon2"
        assert PASSWORD not in user.password
        assert check_password(PASSWORD, user.password)
        assert not check_password(PASSWORD + "x", user.password)
        response = Client().post("/accounts/login/", {"username": "hashed", "password": PASSWORD})
        assert response.status_code == 302


@pytest.mark.django_db
def test_a_pbkdf2_hash_from_before_is_upgraded_to_argon2_at_sign_in() -> None:
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS, REQUIRE_2FA=False):
        user = User.objects.create_user(username="older", password=None)
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
        ):
            user.set_password(PASSWORD)
            user.save()
        assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
        response = Client().post("/accounts/login/", {"username": "older", "password": PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert identify_hasher(user.password).algorithm == "argon2"
