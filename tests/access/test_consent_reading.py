"""The consents of a case as the policy reads them (access/policy.py `consents_and_bases_of`):
each with its circle of services and named professionals, read for all consents at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.access.world import World

from samhandling.access import policy
from samhandling.access.models import Consent
from samhandling.organisations.models import Sector

pytestmark = pytest.mark.django_db


def test_each_consent_has_its_own_circle_as_django_reads_it(world: World) -> None:
    first = world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"],
                          professionals=[world.users["nurse"]])  # fmt: skip
    second = world.consent(sectors=[Sector.CHILD_WELFARE], between=["teacher", "caseworker"])
    _child, guardian, other_case = world.child_with_case(12)
    world.consent(sectors=[Sector.PPT], between=["teacher", "psychologist"], given_by=guardian,
                  case=other_case)  # another case's: not read  # fmt: skip

    with CaptureQueriesContext(connection) as reading:
        consents, _bases = policy.consents_and_bases_of(world.case)
    with CaptureQueriesContext(connection) as using:
        circles = {c.pk: ([s.pk for s in c.services.all()], [u.pk for u in c.professionals.all()])
                   for c in consents}  # fmt: skip

    assert [c.pk for c in consents][:2] == [second.pk, first.pk]  # newest first
    assert len(consents) == Consent.objects.filter(case=world.case).count()
    expected = {}
    for consent in Consent.objects.filter(case=world.case):
        services = consent.services.order_by("name", "pk").values_list("pk", flat=True)
        professionals = consent.professionals.order_by("pk").values_list("pk", flat=True)
        expected[consent.pk] = (list(services), list(professionals))
    assert circles == expected
    assert circles[first.pk][1] == [world.users["nurse"].pk]
    assert circles[second.pk][1] == []
    assert len(reading.captured_queries) == 4  # consents, their services, professionals, bases
    assert using.captured_queries == []


def test_a_case_without_consents_reads_no_circles(world: World) -> None:
    case = world.child_with_case(12)[2]
    with CaptureQueriesContext(connection) as reading:
        consents, bases = policy.consents_and_bases_of(case)
    assert (consents, bases) == ([], [])
    assert len(reading.captured_queries) == 2
