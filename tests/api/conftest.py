"""Fixtures for the API tests: tokens, services of the child's municipality, their people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.api.support import ApiClient, api_client_for

from samhandling.accounts.models import User
from samhandling.organisations.models import Organisation, Region, Role, Sector


@pytest.fixture
def api_as() -> Callable[[User], ApiClient]:
    """An API client with a fresh bearer token for the user."""
    return api_client_for


@pytest.fixture
def school(teacher: User) -> Organisation:
    membership = teacher.memberships.get()
    return membership.organisation


@pytest.fixture
def ppt(skien: Region, make_service: Callable[..., Organisation]) -> Organisation:
    return make_service(skien, Sector.PPT, name="PPT Skien")


@pytest.fixture
def health(skien: Region, make_service: Callable[..., Organisation]) -> Organisation:
    return make_service(skien, Sector.SCHOOL_HEALTH, name="Helsestasjon for ungdom")


@pytest.fixture
def psychologist(ppt: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(ppt, Role.PROFESSIONAL, username="psychologist")


@pytest.fixture
def nurse(health: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(health, Role.PROFESSIONAL, username="nurse")


@pytest.fixture
def headteacher(school: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(school, Role.SERVICE_LEADER, username="headteacher")
