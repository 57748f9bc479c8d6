import io

import pytest
from django.core.management import call_command

from samhandling.accounts.models import User
from samhandling.organisations.models import Membership, Role
from samhandling.people.identity import is_synthetic_norwegian, validate_national_id
from samhandling.people.models import AddressProtection, FamilyRelation, Person


def seed(seed: int = 2024) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--seed", str(seed), stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(regions: None) -> None:
    seed()


def test_the_demo_has_one_professional_per_sector_and_every_other_role(seeded: None) -> None:
    from samhandling.organisations.models import Sector

    sectors = set(
        Membership.objects.filter(role=Role.PROFESSIONAL).values_list(
            "organisation__sector", flat=True
        )
    )
    assert sectors == set(Sector.values)
    for role in (Role.SERVICE_LEADER, Role.ANALYST, Role.DIRECTORATE_EDITOR, Role.SYSTEM_ADMIN):
        assert Membership.objects.filter(role=role).exists()


def test_the_demo_has_about_200_children_with_families(seeded: None) -> None:
    children = Person.objects.filter(relations__kind="parent").distinct()
    assert children.count() == 200
    assert FamilyRelation.objects.filter(kind="guardian", parental_responsibility=True).exists()
    assert Person.objects.filter(
        address_protection=AddressProtection.STRICTLY_CONFIDENTIAL
    ).exists()


def test_every_demo_person_has_a_valid_synthetic_identity_number(seeded: None) -> None:
    for person in Person.objects.all():
        assert is_synthetic_norwegian(person.national_id)
        validate_national_id(person.national_id, country="NO", date_of_birth=person.date_of_birth)


def test_a_second_run_adds_nothing(seeded: None) -> None:
    counts = (Person.objects.count(), User.objects.count(), FamilyRelation.objects.count())
    assert "0 children" in seed()
    assert counts == (Person.objects.count(), User.objects.count(), FamilyRelation.objects.count())


def test_the_same_seed_gives_the_same_people(seeded: None) -> None:
    first = list(
        Person.objects.order_by("national_id").values_list(
            "national_id", "given_name", "family_name", "date_of_birth"
        )
    )
    FamilyRelation.objects.all().delete()
    Person.objects.all().delete()
    seed()
    again = list(
        Person.objects.order_by("national_id").values_list(
            "national_id", "given_name", "family_name", "date_of_birth"
        )
    )
    assert first == again


def test_demo_login_list_prints_every_demo_user(seeded: None) -> None:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    for username in ("laerer", "helsesykepleier", "leder", "analytiker", "redaktor", "admin"):
        assert username in out.getvalue()
