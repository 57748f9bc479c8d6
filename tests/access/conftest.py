"""The `world` fixture: see tests/access/world.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.access.world import World, born_years_ago

from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person


@pytest.fixture
def world(
    skien: Region,
    porsgrunn: Region,
    teacher: User,
    teacher_actor: Actor,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> World:
    school = teacher_actor.organisation
    assert school is not None
    orgs = {Sector.SCHOOL: school}
    for sector in (
        Sector.SCHOOL_HEALTH,
        Sector.CHILD_WELFARE,
        Sector.PPT,
        Sector.NAV,
        Sector.MENTAL_HEALTH,
    ):
        orgs[sector] = make_service(skien, sector)
    orgs["municipality"] = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    orgs["porsgrunn_school"] = make_service(porsgrunn, Sector.SCHOOL)
    orgs["porsgrunn_child_welfare"] = make_service(porsgrunn, Sector.CHILD_WELFARE)
    users = {"teacher": teacher}
    for name, org, role in (
        ("colleague", Sector.SCHOOL, Role.PROFESSIONAL),
        ("nurse", Sector.SCHOOL_HEALTH, Role.PROFESSIONAL),
        ("caseworker", Sector.CHILD_WELFARE, Role.PROFESSIONAL),
        ("ppt", Sector.PPT, Role.PROFESSIONAL),
        ("nav", Sector.NAV, Role.PROFESSIONAL),
        ("psychologist", Sector.MENTAL_HEALTH, Role.PROFESSIONAL),
        ("leader", Sector.SCHOOL, Role.SERVICE_LEADER),
        ("cw_leader", Sector.CHILD_WELFARE, Role.SERVICE_LEADER),
        ("analyst", "municipality", Role.ANALYST),
        ("outsider", "porsgrunn_school", Role.PROFESSIONAL),
        ("outsider_cw", "porsgrunn_child_welfare", Role.PROFESSIONAL),
        ("outsider_leader", "porsgrunn_school", Role.SERVICE_LEADER),
    ):
        users[name] = make_user(orgs[org], role, username=name)
    child = make_person("Sofie", "Barnesen", born=born_years_ago(12))
    result = services.record_concern(child, by=teacher_actor, text="Sleeps in class")
    assert result.case is not None
    guardian = make_person("Anne", "Barnesen", born=born_years_ago(40))
    people.relate(
        child,
        by=teacher_actor,
        relative=guardian,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    built = World(skien, porsgrunn, orgs, users, child, guardian, result.case, make_person)
    built.consent(sectors=[Sector.SCHOOL], between=["teacher", "nurse", "caseworker", "ppt"])
    for name in ("nurse", "caseworker", "ppt"):
        built.join(name)
    built.case.refresh_from_db()
    return built


@pytest.fixture(autouse=True)
def _messages_in_english() -> Any:
    """The rule tests match the policy's English messages (the UI default is bokmål)."""
    from django.utils import translation

    with translation.override("en"):
        yield
