"""Reads that may use a replica are routed by a database router (config/routers.py).

The decisions are tested on the router itself. The integration tests add a `replica` alias
that reads the default test database through a connection of its own, read-only as a standby
is (TEST MIRROR, as settings.py configures it), and install the router; they are transactional,
since a test inside a transaction would read everything from the primary.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, models, router, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from samhandling.access.models import Consent
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.catalogue.models import Instrument
from samhandling.config import routers
from samhandling.config.routers import PRIMARY, REPLICA, REPLICA_MODELS, ReplicaRouter
from samhandling.coordination.models import Case, LogEntry
from samhandling.insight.models import (
    Aggregate,
    Commentary,
    ImportBatch,
    Indicator,
    Observation,
    ObservationRevision,
    RegionCodeChange,
    ResearchDownload,
)
from samhandling.organisations.models import Membership, Organisation, Region
from samhandling.people.models import Person

SETTINGS_FILE = Path(routers.__file__).with_name("settings.py")
ROUTER = "samhandling.config.routers.ReplicaRouter"
PERSONAL_APPS = {"accounts", "people", "coordination", "access", "audit", "portal", "retention"}

on_the_replica = [Indicator, Observation, ObservationRevision, RegionCodeChange, Aggregate]
on_the_primary = [
    Region,
    Person,
    Case,
    LogEntry,
    Consent,
    AuditEvent,
    User,
    Session,
    Organisation,
    Membership,
    Instrument,
    Commentary,
    ImportBatch,
    ResearchDownload,
]


def replica_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in sorted(REPLICA_MODELS)]


def on(alias: str | None, model: type[models.Model]) -> models.Model:
    """An instance of the model as if read from `alias` (None: not saved)."""
    instance = model()
    instance._state.db = alias
    return instance


# --- the router's decisions -----------------------------------------------------------------


@pytest.mark.parametrize("model", on_the_replica, ids=lambda m: m._meta.label)
def test_public_figures_are_read_from_the_replica(model: type[models.Model]) -> None:
    assert ReplicaRouter().db_for_read(model) == REPLICA


@pytest.mark.parametrize("model", on_the_primary, ids=lambda m: m._meta.label)
def test_personal_data_decisions_and_edited_content_are_read_from_the_primary(
    model: type[models.Model],
) -> None:
    assert ReplicaRouter().db_for_read(model) == PRIMARY


def test_every_model_not_on_the_list_is_read_from_the_primary() -> None:
    chosen = ReplicaRouter()
    others = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in REPLICA_MODELS
    ]
    assert len(others) > 40
    assert {chosen.db_for_read(model) for model in others} == {PRIMARY}


def test_the_replica_list_names_models_that_hold_nothing_about_a_person() -> None:
    for model in replica_models():
        assert model._meta.app_label not in PERSONAL_APPS, model
        related = {
            field.related_model._meta.app_label
            for field in model._meta.get_fields()
            if field.is_relation and field.concrete and field.related_model is not None
        }
        assert not related & PERSONAL_APPS, model


def test_the_rate_limit_counters_in_the_database_cache_are_read_from_the_primary(
    settings: Any,
) -> None:
    counters = caches[settings.RATE_LIMIT_CACHE]
    if not isinstance(counters, BaseDatabaseCache):
        pytest.skip("the rate limits count in Redis")
    assert ReplicaRouter().db_for_read(counters.cache_model_class) == PRIMARY


def test_a_relation_followed_from_a_row_on_the_primary_is_read_from_the_primary() -> None:
    chosen = ReplicaRouter()
    assert chosen.db_for_read(Indicator, instance=on(PRIMARY, Observation)) == PRIMARY
    assert chosen.db_for_read(Indicator, instance=on(REPLICA, Observation)) == REPLICA
    assert chosen.db_for_read(Indicator, instance=on(None, Observation)) == REPLICA
    # A row of the replica never leads a read of anything else there.
    assert chosen.db_for_read(Region, instance=on(REPLICA, Observation)) == PRIMARY
    assert chosen.db_for_read(Person, instance=on(REPLICA, Aggregate)) == PRIMARY


@pytest.mark.parametrize("model", on_the_replica + on_the_primary, ids=lambda m: m._meta.label)
def test_every_write_goes_to_the_primary(model: type[models.Model]) -> None:
    chosen = ReplicaRouter()
    assert chosen.db_for_write(model) == PRIMARY
    assert chosen.db_for_write(model, instance=on(REPLICA, model)) == PRIMARY


def test_migrations_run_on_the_primary_only() -> None:
    chosen = ReplicaRouter()
    for app_label in ("insight", "organisations", "people", "audit"):
        assert chosen.allow_migrate(PRIMARY, app_label) is True
        assert chosen.allow_migrate(REPLICA, app_label) is False


def test_rows_from_the_primary_and_the_replica_may_refer_to_each_other() -> None:
    chosen = ReplicaRouter()
    assert chosen.allow_relation(on(REPLICA, Observation), on(PRIMARY, Region)) is True
    assert chosen.allow_relation(on(PRIMARY, Case), on(PRIMARY, Person)) is True
    assert chosen.allow_relation(on("elsewhere", Observation), on(PRIMARY, Region)) is None


# --- settings ----------------------------------------------------------------------------------


def load_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """settings.py run afresh with this environment (the running settings are not touched)."""
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_a_replica_url_there_is_one_database_and_no_router(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = load_settings(monkeypatch, DATABASE_URL="postgres://app@primary:5432/samhandling")
    assert list(loaded.DATABASES) == ["default"]
    assert not hasattr(loaded, "DATABASE_ROUTERS")


def test_a_replica_url_adds_a_read_only_replica_and_the_router(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://app@primary:5432/samhandling",
        DATABASE_REPLICA_URL="postgres://reader@standby:5432/samhandling",
    )
    replica = loaded.DATABASES["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "standby",
        "reader",
        "samhandling",
    )
    assert replica["OPTIONS"]["options"] == "-c default_transaction_read_only=on"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["CONN_HEALTH_CHECKS"] is True
    # Set up as the primary's connections are: statements prepared, no server-side cursors.
    assert replica["OPTIONS"]["prepare_threshold"] == 5
    assert replica["OPTIONS"]["server_side_binding"] is True
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert loaded.DATABASES["default"]["HOST"] == "primary"
    assert loaded.DATABASE_ROUTERS == [ROUTER]


@pytest.mark.parametrize(
    ("primary", "replica"),
    [
        ("sqlite:///var/a.sqlite3", "sqlite:///var/a.sqlite3"),
        ("sqlite:///var/a.sqlite3", "postgres://reader@standby:5432/samhandling"),
        ("postgres://app@primary:5432/samhandling", "sqlite:///var/a.sqlite3"),
    ],
)
def test_a_replica_is_a_postgresql_standby_of_postgresql(
    monkeypatch: pytest.MonkeyPatch, primary: str, replica: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        load_settings(monkeypatch, DATABASE_URL=primary, DATABASE_REPLICA_URL=replica)


# --- with a replica: the router installed ------------------------------------------------------


@pytest.fixture(scope="module")
def replica(django_db_setup: None) -> Iterator[str]:
    """The `replica` alias as settings.py makes it in tests: a mirror of the default test
    database, here through a read-only connection, with the router installed.

    Module-scoped, so that the alias exists before pytest-django checks the test's databases.
    """
    mirror = copy.deepcopy(connections[PRIMARY].settings_dict)
    mirror["TEST"] = {**mirror["TEST"], "MIRROR": PRIMARY}
    options = mirror.setdefault("OPTIONS", {})
    if connections[PRIMARY].vendor == "postgresql":
        options["options"] = "-c default_transaction_read_only=on"
    else:
        options["init_command"] = options.get("init_command", "") + " PRAGMA query_only=ON;"
    # With DATABASE_REPLICA_URL set, the alias exists already: put it back afterwards.
    configured = connections.settings.get(REPLICA)
    previous = connections[REPLICA] if configured is not None else None
    connections.settings[REPLICA] = mirror
    connections[REPLICA] = connections.create_connection(REPLICA)
    try:
        with override_settings(DATABASE_ROUTERS=[ROUTER]):
            yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        if configured is None:
            del connections.settings[REPLICA]
        else:
            connections.settings[REPLICA] = configured
            connections[REPLICA] = previous


with_replica = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])

# What the replica may be asked: the public figures, and the regions they join to.
PUBLIC_TABLES = {model._meta.db_table for model in on_the_replica} | {"organisations_region"}


def tables(queries: CaptureQueriesContext) -> set[str]:
    found: set[str] = set()
    for query in queries.captured_queries:
        found.update(re.findall(r'(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)', query["sql"]))
    return found


def low_income(*regions: Region) -> Indicator:
    indicator = Indicator.objects.create(
        code="low_income", name_nb="Lav inntekt", name_en="Low income",
        topic="living_conditions", unit="percent", better="lower", publisher="SSB",
    )  # fmt: skip
    for value, region in enumerate(regions, start=14):
        Observation.objects.create(
            indicator=indicator, region=region, period="2024", year=2024, value=Decimal(value)
        )
    return indicator


@with_replica
def test_knowledge_base_reads_use_the_replica_and_personal_reads_the_primary(
    replica: str, skien: Region, make_person: Callable[..., Person]
) -> None:
    created = low_income(skien)
    child = make_person("Replika", "Lesersen")
    assert Indicator.objects.all().db == REPLICA
    assert Region.objects.all().db == PRIMARY
    assert Person.objects.all().db == PRIMARY
    assert Case.objects.all().db == PRIMARY
    assert Commentary.objects.all().db == PRIMARY
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert list(Indicator.objects.all()) == [created]
        assert Observation.objects.get(indicator=created).region == skien
        assert Person.objects.get(pk=child.pk) == child
    assert tables(on_replica) == {"insight_indicator", "insight_observation"}


@with_replica
def test_inside_a_transaction_on_the_primary_every_read_is_from_the_primary(
    replica: str, skien: Region
) -> None:
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, transaction.atomic():
        assert router.db_for_read(Indicator) == PRIMARY
        created = low_income(skien)
        assert Indicator.objects.get(code="low_income") == created  # before the commit
        assert Observation.objects.filter(indicator=created).count() == 1
    assert on_replica.captured_queries == []
    assert router.db_for_read(Indicator) == REPLICA
    assert Indicator.objects.get(code="low_income") == created


@with_replica
def test_a_row_read_from_the_replica_is_saved_to_the_primary(replica: str) -> None:
    low_income()
    indicator = Indicator.objects.get(code="low_income")
    assert indicator._state.db == REPLICA
    indicator.name_en = "Persistent low income"
    indicator.save()
    assert indicator._state.db == PRIMARY
    assert Indicator.objects.using(PRIMARY).get(pk=indicator.pk).name_en == "Persistent low income"
    with pytest.raises(DatabaseError):  # the replica's connection takes no writes
        Indicator.objects.using(REPLICA).filter(pk=indicator.pk).update(name_en="x")


@with_replica
def test_the_public_municipal_profile_is_served_from_the_replica(
    replica: str, skien: Region, settings: Any
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    telemark = Region.objects.get(country="NO", kind="county", code="40")
    norway = Region.objects.get(kind="country", code="NO")
    low_income(skien, telemark, norway)
    client = Client()
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get("/knowledge/regions/4003/")
        search = client.get("/knowledge/?q=skie")  # a search: counted by the rate limit
    assert response.status_code == 200 and search.status_code == 200
    assert b"Lav inntekt" in response.content
    assert "insight_observation" in tables(on_replica)
    assert tables(on_replica) <= PUBLIC_TABLES
    assert "samhandling_rate_limit" in tables(on_primary)


@with_replica
def test_a_professional_s_case_page_reads_personal_data_from_the_primary(
    replica: str,
    teacher: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Case],
    signed_in: Callable[[User], Client],
) -> None:
    ChainHead.objects.get_or_create(pk=1)  # a transactional test before this one flushed it
    case = concern_by(make_person("Replika", "Lesersen"))
    client = signed_in(teacher)
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(f"/work/cases/{case.pk}/")
    assert response.status_code == 200
    assert b"Replika" in response.content
    assert {"people_person", "coordination_case"} <= tables(on_primary)
    assert tables(on_replica) <= PUBLIC_TABLES
    # The page's reads are in the chain on the primary: appended at the end by the request's
    # connection (SQLite), or while the page rendered on a connection of their own to the
    # primary (PostgreSQL, docs/audit.md). The replica is read-only: an append there fails.
    appended_here = "audit_auditevent" in tables(on_primary)
    assert appended_here == (connections[PRIMARY].vendor != "postgresql")
    read = AuditEvent.objects.using(PRIMARY).filter(
        request_id=response["X-Request-ID"], person_id=case.person_id, action="view"
    )
    assert read.exists()
