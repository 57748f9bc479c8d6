"""A confidential or strictly confidential address is never shown, on any page, to anyone."""

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from routes import project_routes

from samhandling.accounts.models import User
from samhandling.coordination.models import Case
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Role
from samhandling.people.models import AddressProtection, Person
from samhandling.portal import services as portal
from samhandling.portal.tasks import build_data_export

STREET = "Hemmeligveien 77"
POSTCODE = "3799"
# The postcode as a word of its own: a random CSRF token or hash may hold the four digits.
POSTCODE_SHOWN = re.compile(rf"(?<![A-Za-z0-9]){POSTCODE}(?![A-Za-z0-9])")


@pytest.fixture
def protected(
    make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> dict[str, Person]:
    persons: dict[str, Person] = {
        level: make_person(
            f"Skjermet{level.title()}",
            "Barn",
            born=datetime.date(2013, 3, 3),
            address_protection=level,
            street_address=STREET,
            postcode=POSTCODE,
            post_town="Hemmelig",
        )
        for level in (AddressProtection.CONFIDENTIAL, AddressProtection.STRICTLY_CONFIDENTIAL)
    }
    for person in persons.values():
        concern_by(person)
    return persons


def every_page(client: Client, person_ids: list[int]) -> list[tuple[str, str]]:
    pages = []
    for route, _name in project_routes():
        urls = (
            [re.sub(r"<int:\w+>", str(pk), route) for pk in person_ids] if "<" in route else [route]
        )
        for url in urls:
            response = client.get("/" + url)
            pages.append((url, response.content.decode(errors="replace")))
    search = client.post("/people/", {"query": "Barn"})
    pages.append(("people search", search.content.decode()))
    return pages


def test_no_page_shows_a_protected_address_to_any_role(
    protected: dict[str, Person],
    teacher: User,
    skien: Region,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    municipality = Organisation.objects.create(
        name="Kommunen", kind="municipality", municipality=skien
    )
    users = [teacher] + [
        make_user(municipality, role, username=role, is_staff=role == Role.SYSTEM_ADMIN)
        for role in (Role.SERVICE_LEADER, Role.ANALYST, Role.SYSTEM_ADMIN)
    ]
    ids = [p.pk for p in protected.values()]
    checked = 0
    for user in users:
        for url, body in every_page(signed_in(user), ids):
            assert STREET not in body, (user.username, url)
            assert not POSTCODE_SHOWN.search(body), (user.username, url)
            assert "Hemmelig<" not in body and "Hemmelig " not in body, (user.username, url)
            checked += 1
    assert checked >= 20


def test_no_family_page_or_export_shows_a_protected_address_to_the_guardian(
    protected: dict[str, Person],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    settings: Any,
) -> None:
    """Not even to the guardian: the export says the address is protected, and no more."""
    settings.REQUIRE_2FA = False
    for child in protected.values():
        user = make_citizen(make_guardian(child))
        export = portal.request_export(actor_for(user), child, language="nb")
        assert build_data_export.call(str(export.pk), "nb") == "ready"
        case = Case.objects.get(person=child)
        client = Client()
        client.force_login(user)
        pages = [reverse("portal:home"), reverse("portal:case", args=[case.pk]),
                 reverse("portal:consents"), reverse("portal:access_log", args=[child.pk]),
                 reverse("portal:exports")] + [
            reverse(f"portal:{name}", args=[export.pk])
            for name in ("export", "export_progress", "export_print", "export_download")
        ]  # fmt: skip
        for url in pages:
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 200, url
            assert STREET not in body and not POSTCODE_SHOWN.search(body), url
            assert "Hemmelig<" not in body and '"Hemmelig"' not in body, url


def test_a_strictly_confidential_person_page_hides_the_home_municipality(
    protected: dict[str, Person], teacher: User, signed_in: Callable[[User], Client]
) -> None:
    person = protected[AddressProtection.STRICTLY_CONFIDENTIAL]
    body = signed_in(teacher).get(f"/people/{person.pk}/").content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    assert "SkjermetStrict" in main
    assert person.municipality.display_name not in main
    assert person.municipality.name not in main


def test_a_confidential_person_page_says_the_address_is_protected(
    protected: dict[str, Person], teacher: User, signed_in: Callable[[User], Client]
) -> None:
    person = protected[AddressProtection.CONFIDENTIAL]
    client = signed_in(teacher)
    client.cookies["django_language"] = "en"
    body = client.get(f"/people/{person.pk}/").content.decode()
    assert "Confidential address. The address is not shown." in body
