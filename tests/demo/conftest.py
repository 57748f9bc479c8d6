"""The seeded demo, shared by the demo tests.

Seeding takes a few seconds, so each module seeds once inside a transaction that is rolled back
at the end; each test runs in its own savepoint on top of it.
"""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from samhandling.organisations.models import Region


@pytest.fixture(scope="module")
def seeded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        if Region.objects.count() < 380:  # a transactional test flushed the database
            call_command("load_regions", stdout=io.StringIO())
        out = io.StringIO()
        call_command("seed_demo", "--seed", "2024", stdout=out)
        output = out.getvalue()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once: str, db: None) -> str:
    return seeded_once
