"""A consent is recorded as the family gave it: nobody widens it afterwards (access/models.py).

A wider sharing needs a new consent; the only change a recorded consent allows is withdrawal.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable

import pytest
from django.db import transaction
from django.utils import timezone
from tests.access.world import World

from samhandling.access.models import Consent, ImmutableScopeError, LegalBasis
from samhandling.coordination import services
from samhandling.organisations.models import Sector


@pytest.fixture
def consent(world: World) -> Consent:
    return world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"],
                         valid_to=timezone.localdate() + datetime.timedelta(days=30))  # fmt: skip


def widen_sectors(consent: Consent, world: World) -> None:
    consent.sectors = [*consent.sectors, Sector.CHILD_WELFARE]
    consent.save()


def append_a_sector(consent: Consent, world: World) -> None:
    consent.sectors.append(Sector.CHILD_WELFARE)
    consent.save()


def extend_valid_to(consent: Consent, world: World) -> None:
    consent.valid_to = timezone.localdate() + datetime.timedelta(days=3650)
    consent.save()


def drop_valid_to(consent: Consent, world: World) -> None:
    consent.valid_to = None
    consent.save()


def start_earlier(consent: Consent, world: World) -> None:
    consent.valid_from = consent.valid_from - datetime.timedelta(days=365)
    consent.save()


def change_purpose(consent: Consent, world: World) -> None:
    consent.purpose = "Anything at all"
    consent.save()


def add_a_service(consent: Consent, world: World) -> None:
    consent.services.add(world.org("caseworker"))


def replace_the_services(consent: Consent, world: World) -> None:
    consent.services.set([world.org("teacher"), world.org("caseworker")])


def add_a_professional(consent: Consent, world: World) -> None:
    consent.professionals.add(world.users["colleague"])


WIDENINGS: list[Callable[[Consent, World], None]] = [
    widen_sectors, append_a_sector, extend_valid_to, drop_valid_to, start_earlier, change_purpose,
    add_a_service, replace_the_services, add_a_professional,
]  # fmt: skip


@pytest.mark.parametrize("widen", WIDENINGS, ids=lambda widen: widen.__name__)
def test_a_professional_cannot_widen_a_recorded_consent(
    world: World, consent: Consent, widen: Callable[[Consent, World], None]
) -> None:
    with pytest.raises(ImmutableScopeError):
        widen(consent, world)


@pytest.mark.parametrize("widen", WIDENINGS, ids=lambda widen: widen.__name__)
def test_a_refused_widening_leaves_the_consent_as_it_was(
    world: World, consent: Consent, widen: Callable[[Consent, World], None]
) -> None:
    before = (list(consent.sectors), consent.valid_from, consent.valid_to, consent.purpose,
              set(consent.services.all()), set(consent.professionals.all()))  # fmt: skip
    # As in a request: the refused change rolls back to the savepoint around it.
    with contextlib.suppress(ImmutableScopeError), transaction.atomic():
        widen(consent, world)
    stored = Consent.objects.get(pk=consent.pk)
    after = (stored.sectors, stored.valid_from, stored.valid_to, stored.purpose,
             set(stored.services.all()), set(stored.professionals.all()))  # fmt: skip
    assert after == before


def test_withdrawal_is_the_one_change_a_consent_allows(world: World, consent: Consent) -> None:
    withdrawn = services.withdraw_consent(consent, by=world.teacher, reason="Changed my mind")
    assert withdrawn.status == "withdrawn"
    assert Consent.objects.get(pk=consent.pk).withdrawn_reason == "Changed my mind"


def test_withdrawing_twice_keeps_the_first_withdrawal(world: World, consent: Consent) -> None:
    first = services.withdraw_consent(consent, by=world.teacher, reason="First")
    again = services.withdraw_consent(consent, by=world.teacher, reason="Second")
    assert again.withdrawn_at == first.withdrawn_at
    assert again.withdrawn_reason == "First"


def test_a_consent_can_be_read_with_only_some_of_its_fields(consent: Consent) -> None:
    """Django reads related rows this way when it deletes a case or a person (the collector
    loads only the keys), and `.only()` / `.defer()` do it in queries."""
    loaded = Consent.objects.only("pk", "case").get(pk=consent.pk)
    assert loaded.pk == consent.pk


def test_deleting_a_case_deletes_its_consents(world: World, consent: Consent) -> None:
    world.case.delete()
    assert not Consent.objects.filter(pk=consent.pk).exists()


def test_what_a_legal_basis_names_cannot_be_changed(world: World) -> None:
    """ImmutableScopeError: "Raised when code tries to change what a consent or legal basis
    covers." A broader exchange needs a new legal basis."""
    basis = services.record_legal_basis(
        world.case, by=world.actor("nurse"), law=LegalBasis.Law.HEALTH_PERSONNEL_33,
        description="Duty to inform child welfare", from_service=world.org("nurse"),
        to_service=world.org("caseworker"), sectors=[Sector.SCHOOL_HEALTH],
    )  # fmt: skip
    basis.to_service = world.org("teacher")
    with pytest.raises(ImmutableScopeError):
        basis.save()
