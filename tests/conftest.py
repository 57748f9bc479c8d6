"""Shared fixtures: regions, organisations, users in roles, persons built with the real services."""

from __future__ import annotations

import datetime
import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from samhandling.accounts.models import User
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Membership, Organisation, Region, Role, Sector
from samhandling.people import services as people
from samhandling.people.identity import synthetic_norwegian_id
from samhandling.people.models import FamilyRelation, Person

PASSWORD = "a-long-test-password-0-24"


def tamper(sql: str, params: list[object] | None = None) -> None:
    """Changes a table behind the ORM's back, as an attacker with database access would (on
    PostgreSQL with the append-only triggers switched off for the statement)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@contextmanager
def connections_other() -> Iterator[Any]:
    """A connection of its own to the test database (PostgreSQL), in autocommit."""
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                         port=settings["PORT"] or 5432, autocommit=True) as other:  # fmt: skip
        yield other


def terminated(backend: int) -> None:
    """Ends a PostgreSQL backend as a restart would, and waits until it has gone."""
    with connections_other() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.01)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Tests create and sign in thousands of users: argon2, slow on purpose (0.13 s a hash on
    the project's machine), would be most of the run. Production's hashers have their own test
    (tests/accounts/test_password_hashing.py), which puts them back."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _compiled_queries_checked() -> Iterator[None]:
    """Every call of a compiled query (config/compiled.py) is checked against the SQL Django
    makes of its values, so that a value that changes the SQL's text cannot go unnoticed."""
    with override_settings(COMPILED_QUERIES_VERIFY=True):
        yield


@pytest.fixture(autouse=True)
def _audit_checkpoint_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoint.json"


@pytest.fixture(autouse=True)
def _audit_chain_head(request: pytest.FixtureRequest) -> None:
    """A transactional test before this one may have flushed every table, the audit chain's
    head with them (a migration creates it): give a transactional test its head back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from samhandling.audit.models import ChainHead

    ChainHead.objects.get_or_create(pk=1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The region registry is reference data: loaded once into the test database. At the end
    the connections kept for the audit's batches are closed, before the test database is dropped."""
    with django_db_blocker.unblock():
        call_command("load_regions", stdout=io.StringIO())
    yield
    from samhandling.audit.services import close_appender

    with django_db_blocker.unblock():
        close_appender()


@pytest.fixture
def regions(db: None) -> None:
    if Region.objects.count() < 380:  # a transactional test flushed the database
        call_command("load_regions", stdout=io.StringIO())


@pytest.fixture
def skien(regions: None) -> Region:
    return Region.objects.get(country="NO", kind="municipality", code="4003")


@pytest.fixture
def porsgrunn(regions: None) -> Region:
    return Region.objects.get(country="NO", kind="municipality", code="4001")


@pytest.fixture
def make_service() -> Callable[..., Organisation]:
    def make(municipality: Region, sector: str = Sector.SCHOOL, name: str = "") -> Organisation:
        return Organisation.objects.create(
            name=name or f"{sector} {municipality.code}",
            kind=Organisation.Kind.SERVICE,
            sector=sector,
            municipality=municipality,
        )

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        organisation: Organisation | None = None,
        role: str = Role.PROFESSIONAL,
        username: str = "",
        **fields: Any,
    ) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(counter)}",
            password=PASSWORD,
            first_name=fields.pop("first_name", "Test"),
            last_name=fields.pop("last_name", "User"),
            **fields,
        )
        if organisation is not None:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make


@pytest.fixture
def teacher(
    skien: Region, make_service: Callable[..., Organisation], make_user: Callable[..., User]
) -> User:
    return make_user(make_service(skien, Sector.SCHOOL), Role.PROFESSIONAL, username="teacher")


@pytest.fixture
def teacher_actor(teacher: User) -> Actor:
    return actor_for(teacher)


@pytest.fixture
def outsider(
    porsgrunn: Region, make_service: Callable[..., Organisation], make_user: Callable[..., User]
) -> User:
    """A professional of another municipality."""
    return make_user(make_service(porsgrunn, Sector.SCHOOL), Role.PROFESSIONAL, username="outsider")


@pytest.fixture
def make_person(teacher_actor: Actor, skien: Region) -> Callable[..., Person]:
    rng = random.Random(7)

    def make(
        given_name: str = "Ola",
        family_name: str = "Nordmann",
        *,
        born: datetime.date = datetime.date(2012, 5, 17),
        by: Actor | None = None,
        **fields: Any,
    ) -> Person:
        return people.register_person(
            by=by or teacher_actor,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=born,
            municipality=fields.pop("municipality", skien),
            national_id=fields.pop("national_id", synthetic_norwegian_id(born, rng)),
            **fields,
        )

    return make


@pytest.fixture
def concern_by(teacher_actor: Actor) -> Callable[..., Any]:
    """Records a concern about a child, so that the actor (the teacher by default) has a case."""
    from samhandling.coordination import services as coordination

    def record(person: Person, by: Actor | None = None, text: str = "Sleeps in class") -> Any:
        return coordination.record_concern(person, by=by or teacher_actor, text=text).case

    return record


@pytest.fixture
def signed_in(settings: Any) -> Callable[[User], Client]:
    """A test client signed in through the real sign-in view (second factor off)."""
    settings.REQUIRE_2FA = False

    def sign_in(user: User) -> Client:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.content
        return client

    return sign_in


@pytest.fixture
def make_citizen(db: None) -> Callable[..., User]:
    """A citizen's account (as ID-porten or the demo sign-in would create), linked to the
    person's identity number."""
    from samhandling.accounts.models import CitizenIdentity

    def make(person: Person, username: str = "") -> User:
        user = User.objects.create_user(
            username=username or f"citizen-{person.pk}",
            first_name=person.given_name,
            last_name=person.family_name,
        )
        user.set_unusable_password()
        user.save()
        CitizenIdentity.objects.create(user=user, id_country="NO", national_id=person.national_id)
        return user

    return make


@pytest.fixture
def make_guardian(make_person: Callable[..., Person]) -> Callable[..., Person]:
    """A guardian with parental responsibility of `child`."""

    def make(child: Person, given_name: str = "Kari", **fields: Any) -> Person:
        guardian = make_person(given_name, child.family_name, born=datetime.date(1985, 3, 4),
                               **fields)  # fmt: skip
        FamilyRelation.objects.create(person=child, relative=guardian, kind="guardian",
                                      parental_responsibility=True,
                                      municipality_id=child.municipality_id)  # fmt: skip
        return guardian

    return make
