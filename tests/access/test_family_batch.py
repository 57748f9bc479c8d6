"""The family's lists decide every case and person at once (a fixed number of queries), and
decide exactly as the one-at-a-time rules do: the youth from 16, the guardian with parental
responsibility under 16, from 16 to 18 only while child welfare is in the team, never
without parental responsibility."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.access.world import World, born_years_ago

from samhandling.access import policy
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Case, TeamMember
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person

pytestmark = pytest.mark.django_db


def child_of(
    world: World,
    guardian: Person,
    years: int,
    *,
    responsibility: bool = True,
    child_welfare: str = "",
    days: int = 100,
) -> Case:
    """A child of the guardian with a case; `child_welfare`: "" (never in the team), "team"
    (in it) or "left" (joined and left)."""
    child = world.make_person("Barn", f"Batch{years}{child_welfare}{responsibility}",
                              born=born_years_ago(years, days))  # fmt: skip
    result = services.record_concern(child, by=world.teacher, text="Worried")
    assert result.case is not None
    case = result.case
    people.relate(child, by=world.teacher, relative=guardian, kind=FamilyRelation.Kind.GUARDIAN,
                  parental_responsibility=responsibility)  # fmt: skip
    if child_welfare:
        consenting = guardian if responsibility else child
        if years < 18 and not responsibility:  # the other guardian, who has responsibility
            consenting = world.make_person("Annen", child.family_name, born=born_years_ago(41))
            people.relate(child, by=world.teacher, relative=consenting,
                          kind=FamilyRelation.Kind.GUARDIAN,
                          parental_responsibility=True)  # fmt: skip
        elif years >= 18:
            consenting = child
        world.consent(sectors=[Sector.SCHOOL, Sector.CHILD_WELFARE],
                      between=["teacher", "caseworker"], given_by=consenting,
                      case=case)  # fmt: skip
        world.join("caseworker", case=case)
    if child_welfare == "left":
        TeamMember.objects.filter(case=case, organisation=world.org("caseworker")).update(
            left_at=timezone.now()
        )
    return case


@pytest.fixture
def family(world: World, make_citizen: Callable[..., User]) -> Actor:
    """The guardian of world.child (under 16) and of children of every kind besides."""
    guardian = world.guardian
    child_of(world, guardian, 10)
    child_of(world, guardian, 12, responsibility=False)
    child_of(world, guardian, 15, days=-3)  # turns 16 in three days: still under 16
    child_of(world, guardian, 16, days=3)  # turned 16 three days ago
    child_of(world, guardian, 17, child_welfare="team")
    child_of(world, guardian, 17, child_welfare="left")
    child_of(world, guardian, 17, child_welfare="team", responsibility=False)
    child_of(world, guardian, 18, child_welfare="team")
    return actor_for(make_citizen(guardian))


def one_at_a_time(actor: Actor) -> dict[int, tuple[str, str, int | None]]:
    result = {}
    for case in Case.objects.order_by("pk"):
        access = policy.family_access(actor, case)
        if access.standing:
            result[case.pk] = (access.standing, access.reason, getattr(access.person, "pk", None))
    return result


def all_at_once(actor: Actor) -> dict[int, tuple[str, str, int | None]]:
    return {
        a.case.pk: (a.standing, a.reason, getattr(a.person, "pk", None))
        for a in policy.family_cases(actor)
    }


def test_the_family_case_list_decides_as_each_case_would_be_decided(
    world: World, family: Actor
) -> None:
    listed = all_at_once(family)
    assert listed == one_at_a_time(family)
    standings = sorted(standing for standing, _reason, _person in listed.values())
    assert standings == ["guardian", "guardian", "guardian", "guardian_child_welfare"]


def test_a_youth_of_16_sees_their_own_case_in_the_list(
    world: World, make_citizen: Callable[..., User]
) -> None:
    youth_person, guardian_person, case = world.child_with_case(16)
    youth = actor_for(make_citizen(youth_person))
    assert (
        all_at_once(youth)
        == one_at_a_time(youth)
        == {case.pk: ("self", "the case is about you", youth_person.pk)}
    )
    guardian = actor_for(make_citizen(guardian_person))
    assert all_at_once(guardian) == one_at_a_time(guardian) == {}


def test_the_family_persons_are_those_the_person_rule_allows(world: World, family: Actor) -> None:
    listed = policy.family_persons(family)
    decided = {
        person.pk: policy.family_person_decision(family, person) for person in Person.objects.all()
    }
    allowed = {pk for pk, decision in decided.items() if decision}
    assert {person.pk for person, _decision in listed} == allowed
    assert all(decision == decided[person.pk] for person, decision in listed)
    ages = sorted(person.age_on(timezone.localdate()) for person, _d in listed)
    assert len(ages) == 4 and ages[-1] >= 30 and all(age < 16 for age in ages[:-1])


def queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_family_lists_cost_the_same_however_many_children(world: World, family: Actor) -> None:
    cases_before = queries(lambda: policy.family_cases(family))
    persons_before = queries(lambda: policy.family_persons(family))
    for years in (9, 11, 13):
        child_of(world, world.guardian, years)
    for _ in range(2):
        child_of(world, world.guardian, 17, child_welfare="team")
    assert queries(lambda: policy.family_cases(family)) == cases_before
    assert queries(lambda: policy.family_persons(family)) == persons_before
