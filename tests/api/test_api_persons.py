"""Persons over the API: searched by POST, registered with a duplicate check, read with standing."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

from tests.api.support import ApiClient

from samhandling.accounts.models import User
from samhandling.people.identity import synthetic_norwegian_id
from samhandling.people.models import AddressProtection, Person

BORN = datetime.date(2013, 4, 2)


def new_person(**fields: Any) -> dict[str, Any]:
    number = synthetic_norwegian_id(BORN, random.Random(fields.pop("seed", 1)))
    return {
        "given_name": "Kari",
        "family_name": "Nordmann",
        "date_of_birth": BORN.isoformat(),
        "national_id": number,
        **fields,
    }


def test_search_is_a_post_and_shows_names_and_birth_dates_only(
    teacher: User, make_person: Callable[..., Person], api_as: Callable[[User], ApiClient]
) -> None:
    make_person("Ola", "Nordmann", street_address="Storgata 1", postcode="3701")
    api = api_as(teacher)
    response = api.post("/persons/search", {"query": "nordmann"})
    assert response.status_code == 200
    [found] = response.json()
    assert set(found) == {"id", "given_name", "family_name", "date_of_birth"}
    assert api.get("/persons/search").status_code == 405


def test_search_needs_two_characters(teacher: User, api_as: Callable[[User], ApiClient]) -> None:
    response = api_as(teacher).post("/persons/search", {"query": " a "})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["query"]


def test_search_stays_in_the_caller_s_municipality(
    outsider: User, make_person: Callable[..., Person], api_as: Callable[[User], ApiClient]
) -> None:
    make_person("Ola", "Nordmann")
    assert api_as(outsider).post("/persons/search", {"query": "Nordmann"}).json() == []


def test_registering_a_person_returns_201_without_any_address(
    teacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post("/persons", new_person(address_protection="strict"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["given_name"] == "Kari"
    assert body["home_municipality"] is None  # strictly confidential: not even the municipality
    assert not {"street_address", "postcode", "post_town"} & set(body)
    person = Person.objects.get(pk=body["id"])
    assert person.address_protection == AddressProtection.STRICTLY_CONFIDENTIAL


def test_the_api_does_not_take_addresses(
    teacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post("/persons", new_person(street_address="Storgata 1"))
    assert response.status_code == 422
    assert "street_address" in response.json()["errors"]


def test_registering_with_field_errors_is_422_per_field(
    teacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(
        "/persons", new_person(national_id="12345678901", given_name="x" * 101)
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"given_name"}  # the schema speaks first; then the model
    response = api_as(teacher).post("/persons", new_person(national_id="12345678901"))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["national_id"]


def test_a_possible_duplicate_is_409_with_the_candidates_unless_confirmed(
    teacher: User, make_person: Callable[..., Person], api_as: Callable[[User], ApiClient]
) -> None:
    existing = make_person("Kari", "Nordmann", born=BORN)
    api = api_as(teacher)
    response = api.post("/persons", new_person(seed=99))
    assert response.status_code == 409
    assert response.json()["candidates"] == [existing.pk]
    confirmed = api.post("/persons", new_person(seed=99, confirm_new=True))
    assert confirmed.status_code == 201


def test_a_person_is_readable_only_with_standing_in_a_case(
    teacher: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    api_as: Callable[[User], ApiClient],
) -> None:
    person = make_person("Ola", "Nordmann")
    api = api_as(teacher)
    missing = api.get("/persons/999999")
    assert api.get(f"/persons/{person.pk}").json() == missing.json()
    assert missing.status_code == 404
    concern_by(person)
    response = api.get(f"/persons/{person.pk}")
    assert response.status_code == 200
    assert response.json()["home_municipality"]["code"] == "4003"
    assert response.json()["family"] == []


def test_an_analyst_cannot_register_persons(
    skien: Any, make_user: Callable[..., User], api_as: Callable[[User], ApiClient]
) -> None:
    from samhandling.organisations.models import Organisation, Role

    office = Organisation.objects.create(name="Kommunen", kind="municipality", municipality=skien)
    analyst = make_user(office, Role.ANALYST, username="analyst")
    response = api_as(analyst).post("/persons", new_person())
    assert response.status_code == 403
    assert api_as(analyst).post("/persons/search", {"query": "Nordmann"}).json() == []


def test_a_search_longer_than_the_schema_allows_is_refused_whitespace_included(
    teacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    """maxLength holds for the text as sent: 100 letters between two newlines are 102."""
    response = api_as(teacher).post("/persons/search", {"query": "\n" + "a" * 100 + "\n"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["query"]
    assert (
        api_as(teacher).post("/persons/search", {"query": " " + "a" * 98 + " "}).status_code == 200
    )
