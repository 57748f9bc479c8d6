"""Each request's session and user, read by compiled queries (accounts/sessions.py and
accounts/backends.py): Django builds their SQL once, and they answer as Django's own do."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db.models.sql import compiler
from django.test import Client
from django.utils import timezone

from samhandling.accounts.backends import ModelBackend, signed_in_user
from samhandling.accounts.models import User
from samhandling.accounts.oidc import CitizenOIDCBackend
from samhandling.accounts.sessions import SessionStore


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The models whose SQL Django builds (SQLCompiler.as_sql), in order."""
    models: list[str] = []
    as_sql = compiler.SQLCompiler.as_sql

    def noted(self: compiler.SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        models.append(self.query.model.__name__ if self.query.model else "")
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", noted)
    yield models


def test_every_request_reads_its_session_and_user_without_building_their_sql_again(
    teacher: User, signed_in: Callable[[User], Client], built: list[str], settings: Any
) -> None:
    settings.COMPILED_QUERIES_VERIFY = False  # the suite's check builds every query's SQL
    client = signed_in(teacher)
    assert client.get("/").status_code == 200  # the first: the statements are made here
    built.clear()
    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 200
        assert response.wsgi_request.user == teacher
        assert response.wsgi_request.session.session_key == client.session.session_key
    assert "Session" not in built
    assert "User" not in built


def test_an_expired_session_is_not_read_and_gets_a_new_key(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    key = client.session.session_key
    store = SessionStore(key)
    assert store.load()  # unexpired: its data
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # as Django's: a new key is made when it is saved
    response = client.get("/work/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_unknown_session_key_reads_nothing() -> None:
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.django_db
def test_the_session_store_keeps_what_is_saved() -> None:
    store = SessionStore()
    store["language"] = "en"
    store.save()
    assert SessionStore(store.session_key).load() == {"language": "en"}


def test_the_user_a_session_names_is_read_as_the_backends_get_user_read_it(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    """A session holds the user's id as a string. An inactive or deleted user is signed out
    at their next request, by either backend."""
    for backend in (ModelBackend(), CitizenOIDCBackend()):
        assert backend.get_user(str(teacher.pk)) == teacher
        assert backend.get_user(teacher.pk) == teacher
    assert signed_in_user(str(teacher.pk + 1000)) is None
    client = signed_in(teacher)
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert ModelBackend().get_user(str(teacher.pk)) is None
    assert CitizenOIDCBackend().get_user(teacher.pk) is None
    response = client.get("/work/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
