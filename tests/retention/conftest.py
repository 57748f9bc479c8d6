"""A small town for the retention tests: a school, a health service and child welfare in Skien,
a system administrator there and one in Porsgrunn, and cases built with the real services
(tests/retention/town.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.retention.town import Town

from samhandling.accounts.models import User
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people.models import Person


@pytest.fixture
def town(
    skien: Region,
    porsgrunn: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> Town:
    actor = actor_for(teacher)
    assert actor.organisation is not None
    health = make_service(skien, Sector.SCHOOL_HEALTH)
    child_welfare = make_service(skien, Sector.CHILD_WELFARE)
    skien_office = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    porsgrunn_office = Organisation.objects.create(
        name="Porsgrunn kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=porsgrunn
    )
    return Town(
        skien=skien,
        porsgrunn=porsgrunn,
        school=actor.organisation,
        health=health,
        child_welfare=child_welfare,
        teacher=teacher,
        nurse=make_user(health, Role.PROFESSIONAL, username="nurse"),
        caseworker=make_user(child_welfare, Role.PROFESSIONAL, username="caseworker"),
        admin=make_user(skien_office, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True),
        porsgrunn_admin=make_user(
            porsgrunn_office, Role.SYSTEM_ADMIN, username="padmin", is_staff=True
        ),
        make_person=make_person,
    )


@pytest.fixture
def retention_on(settings: Any) -> None:
    settings.RETENTION_ENABLED = True
