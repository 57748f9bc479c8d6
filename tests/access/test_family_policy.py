"""The family as an actor in the one policy: the youth, the guardian and everyone else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.access.world import World, born_years_ago

from samhandling.access import policy
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Case, LogEntry, Visibility
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Sector
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db


def _citizen(make_citizen: Callable[..., User], person: Person) -> Actor:
    actor = actor_for(make_citizen(person))
    assert actor.is_citizen and actor.role == "citizen"
    return actor


def _entry(world: World, by: str, case: Case | None = None, **flags: object) -> LogEntry:
    return services.add_log_entry(
        case or world.case,
        by=world.actor(by),
        kind=LogEntry.Kind.CONVERSATION,
        text=f"Entry by {by}",
        **flags,  # type: ignore[arg-type]
    )


def test_a_guardian_sees_the_case_of_a_child_under_16_as_the_family_was_told(
    world: World, make_citizen: Callable[..., User]
) -> None:
    guardian = _citizen(make_citizen, world.guardian)
    shared = _entry(world, "teacher", family_visible=True)
    internal = _entry(world, "teacher")
    confidential = _entry(world, "nurse", family_visible=True, hidden_from_guardians=True)

    [access] = policy.family_cases(guardian)
    assert access.case == world.case and access.standing == "guardian"
    assert policy.decide(guardian, "view", world.case)
    assert policy.decide(guardian, "view", shared)
    assert policy.decide(guardian, "view", internal).reason == "not shared with the family"
    assert policy.decide(guardian, "view", confidential).reason == "confidential from guardians"


def test_the_family_cannot_do_casework(world: World, make_citizen: Callable[..., User]) -> None:
    guardian = _citizen(make_citizen, world.guardian)
    shared = _entry(world, "teacher", family_visible=True)
    for action in ("update", "close", "manage_team", "refer", "emergency"):
        assert not policy.decide(guardian, action, world.case)  # type: ignore[arg-type]
    assert not policy.decide(guardian, "update", shared)
    assert not policy.decide(guardian, "update", world.child)
    assert not Case.objects.filter(policy.cases_visible_to(guardian)).exists()
    assert not Person.objects.filter(policy.persons_visible_to(guardian)).exists()


def test_a_youth_from_16_sees_their_own_case_including_what_is_confidential_from_guardians(
    world: World, make_citizen: Callable[..., User]
) -> None:
    youth_person, guardian_person, case = world.child_with_case(16)
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"],
                  given_by=youth_person, case=case)  # fmt: skip
    world.join("nurse", case=case)
    health = _entry(world, "nurse", case, family_visible=True, hidden_from_guardians=True)
    youth = _citizen(make_citizen, youth_person)
    guardian = _citizen(make_citizen, guardian_person)

    [access] = policy.family_cases(youth)
    assert access.standing == "self" and access.person == youth_person
    assert policy.decide(youth, "view", health)
    # Without child welfare in the team, the guardian of a 16-year-old sees nothing of it.
    assert policy.family_cases(guardian) == []
    assert not policy.decide(guardian, "view", case)
    assert not policy.decide(guardian, "view", health)


def test_a_guardian_of_a_16_year_old_sees_only_what_child_welfare_shares(
    world: World, make_citizen: Callable[..., User]
) -> None:
    youth_person, guardian_person, case = world.child_with_case(16)
    world.consent(sectors=[Sector.SCHOOL, Sector.CHILD_WELFARE],
                  between=["teacher", "caseworker"], given_by=guardian_person,
                  case=case)  # fmt: skip
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"],
                  given_by=youth_person, case=case)  # fmt: skip
    world.join("nurse", case=case)
    world.join("caseworker", case=case)
    health = _entry(world, "nurse", case, family_visible=True)
    child_welfare = _entry(world, "caseworker", case, family_visible=True)
    guardian = _citizen(make_citizen, guardian_person)

    [access] = policy.family_cases(guardian)
    assert access.standing == "guardian_child_welfare"
    assert policy.decide(guardian, "view", child_welfare)
    assert not policy.decide(guardian, "view", health)
    # ... and from 18 nothing at all.
    youth_person.date_of_birth = born_years_ago(18)
    youth_person.save()
    case.refresh_from_db()
    assert not policy.decide(guardian, "view", case)


def test_nobody_sees_another_familys_case_or_data(
    world: World, make_citizen: Callable[..., User]
) -> None:
    _child, other_guardian_person, other_case = world.child_with_case(10)
    other_guardian = _citizen(make_citizen, other_guardian_person)
    guardian = _citizen(make_citizen, world.guardian)
    assert not policy.decide(other_guardian, "view", world.case)
    assert not policy.decide(guardian, "view", other_case)
    assert policy.decide(guardian, "view", world.child).reason == "guardian of a child under 16"
    assert policy.decide(guardian, "export", world.guardian).reason == "your own data"
    assert not policy.decide(other_guardian, "view", world.child)
    assert not policy.decide(other_guardian, "export", world.guardian)
    assert {p for p, _d in policy.family_persons(guardian)} == {world.guardian, world.child}


def test_the_access_log_of_a_youth_from_16_is_their_own(
    world: World, make_citizen: Callable[..., User]
) -> None:
    youth_person, guardian_person, _case = world.child_with_case(16)
    guardian = _citizen(make_citizen, guardian_person)
    youth = _citizen(make_citizen, youth_person)
    assert not policy.decide(guardian, "view", youth_person)
    assert policy.decide(youth, "export", youth_person)


def test_a_professional_is_never_a_citizen(world: World, make_citizen: Callable[..., User]) -> None:
    teacher = world.teacher
    assert not teacher.is_citizen
    assert policy.family_cases(teacher) == []
    # A closed case: the family still reads it, but adds nothing.
    guardian = _citizen(make_citizen, world.guardian)
    world.case.status = Case.Status.CLOSED
    assert policy.decide(guardian, "view", world.case)
    assert policy.decide(guardian, "voice", world.case).reason == "the case is closed"


def test_a_visibility_for_the_service_only_does_not_hide_what_is_shared_with_the_family(
    world: World, make_citizen: Callable[..., User]
) -> None:
    """Sharing with the family is the author's decision per entry, apart from the team's."""
    entry = services.add_log_entry(world.case, by=world.teacher, kind=LogEntry.Kind.NOTE,
                                   text="For the school and the family", family_visible=True,
                                   visibility=Visibility.SERVICE)  # fmt: skip
    guardian = _citizen(make_citizen, world.guardian)
    assert policy.decide(guardian, "view", entry)
    assert not policy.decide(world.actor("nurse"), "view", entry)
