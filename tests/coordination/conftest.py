"""The people and services around one child, for the coordination pages' tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.coordination.casework import Casework

from samhandling.accounts.models import User
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person


@pytest.fixture
def casework(
    skien: Region,
    teacher: User,
    teacher_actor: Actor,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> Casework:
    school = teacher_actor.organisation
    assert school is not None
    health = make_service(skien, Sector.SCHOOL_HEALTH, "Skolehelsetjenesten")
    ppt = make_service(skien, Sector.PPT, "PPT Skien")
    child = make_person("Sofie", "Testesen")
    case = concern_by(child)
    mother = make_person("Mor", "Testesen", born=datetime.date(1985, 2, 3))
    people.relate(
        child,
        by=teacher_actor,
        relative=mother,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    return Casework(
        child=child,
        mother=mother,
        case=case,
        school=school,
        health=health,
        ppt=ppt,
        teacher=teacher,
        nurse=make_user(health, Role.PROFESSIONAL, username="nurse"),
        adviser=make_user(ppt, Role.PROFESSIONAL, username="adviser"),
        leader=make_user(school, Role.SERVICE_LEADER, username="leader"),
    )


@pytest.fixture
def client_for(signed_in: Callable[[User], Client]) -> Callable[[User], Client]:
    """A signed-in client that reads the pages in English."""

    def make(user: User) -> Client:
        client = signed_in(user)
        client.cookies["django_language"] = "en"
        return client

    return make
