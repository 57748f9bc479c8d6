"""Retention over the whole demo: every kind of record a case can hold, built by the demo with
the real services, goes with its case; child welfare cases stay until they may go; the audit
chain verifies and the anonymous aggregates do not change."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.utils import timezone

from samhandling.accounts.models import CitizenIdentity
from samhandling.audit import services as audit
from samhandling.coordination.models import Case
from samhandling.insight.models import Aggregate
from samhandling.organisations.models import Region
from samhandling.people.models import Person
from samhandling.retention import rules, services


@pytest.fixture(scope="module")
def seeded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        if Region.objects.count() < 380:  # a transactional test flushed the database
            call_command("load_regions", stdout=io.StringIO())
        call_command("seed_demo", "--seed", "2024", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def models_in_a_case() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to a case (or to a plan, which belongs to one)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_one and field.concrete and field.related_model is Case:
                found.append((model, f"{field.name}__in"))
            elif field.many_to_one and field.concrete and field.name == "plan":
                found.append((model, "plan__case__in"))
    return found


def test_every_closed_case_of_the_demo_goes_with_all_it_holds(
    seeded_once: None, db: None, settings: Any
) -> None:
    settings.RETENTION_ENABLED = True
    long_ago = timezone.now() - datetime.timedelta(days=6 * 365)
    # As if every demo case had ended six years ago and everyone was registered seven years ago.
    Case.objects.update(status=Case.Status.CLOSED, closed_at=long_ago)
    Person.objects.update(created_at=long_ago - datetime.timedelta(days=365))
    fields = ("municipality_id", "quarter", "measure", "category", "count", "value", "suppressed")
    figures = sorted(Aggregate.objects.values_list(*fields))
    assert figures  # the demo computes its aggregates
    child_welfare = set(
        Case.objects.filter(rules.involves_child_welfare()).values_list("pk", flat=True)
    )
    everything = set(Case.objects.values_list("pk", flat=True))
    assert child_welfare and everything - child_welfare
    parts = models_in_a_case()
    assert len(parts) >= 15

    planned = services.apply(dry_run=True)
    assert set(planned.cases) == everything - child_welfare
    report = services.apply(dry_run=False)
    assert report.cases == planned.cases and report.persons == planned.persons
    assert set(Case.objects.values_list("pk", flat=True)) == child_welfare
    for model, lookup in parts:
        orphans = model._default_manager.filter(**{lookup: report.cases})
        assert not orphans.exists(), model.__name__

    settings.RETENTION_KEEP_CHILD_WELFARE = False  # deposited in the archive
    services.apply(dry_run=False)
    assert not Case.objects.exists()
    for model, lookup in parts:
        in_a_case = {lookup.replace("__in", "__isnull"): False}
        assert not model._default_manager.filter(**in_a_case).exists(), model.__name__
    assert not Person.objects.exists()
    assert not CitizenIdentity.objects.exists()  # the demo citizens' accounts are closed
    result = audit.verify_chain()
    assert result.intact, result.problem
    assert sorted(Aggregate.objects.values_list(*fields)) == figures
