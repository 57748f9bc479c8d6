"""Errors over the API: one JSON shape, field by field, in bokmål unless English was chosen; bad
input is a 4xx and never a 500; the OpenAPI document lists every route; no protected address."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.api.support import ApiClient

from samhandling.accounts.models import User
from samhandling.organisations.models import Organisation
from samhandling.people.models import AddressProtection, Person

REQUIRED_NB = "Feltet er påkrevet."
REQUIRED_EN = "This field is required."


@pytest.fixture
def case_id(
    make_person: Callable[..., Person], concern_by: Callable[..., Any], teacher: User
) -> int:
    case = concern_by(make_person())
    return int(case.pk)


def test_a_missing_field_is_422_in_bokmal_by_default(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(f"/cases/{case_id}/log-entries", {"kind": "note"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"text": [REQUIRED_NB]}
    assert body["detail"]
    assert response["Content-Language"] == "nb"


def test_the_browser_s_accept_language_is_not_followed(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(
        f"/cases/{case_id}/log-entries", {"kind": "note"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["errors"] == {"text": [REQUIRED_NB]}


def test_the_language_cookie_gives_english(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(teacher)
    api.client.cookies["django_language"] = "en"
    response = api.post(f"/cases/{case_id}/log-entries", {"kind": "note"})
    assert response.json()["errors"] == {"text": [REQUIRED_EN]}
    assert response["Content-Language"] == "en"


def test_lang_en_in_the_query_gives_english(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(f"/cases/{case_id}/log-entries?lang=en", {"kind": "note"})
    assert response.json()["errors"] == {"text": [REQUIRED_EN]}


def test_a_service_s_own_rule_is_reported_on_its_field(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(teacher)
    api.client.cookies["django_language"] = "en"
    version = api.get(f"/cases/{case_id}").json()["version"]
    response = api.patch(
        f"/cases/{case_id}/level", {"level": 1, "reason": "  ", "expected_version": version}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"reason": ["Say why the level changes."]}


def test_service_fields_are_named_as_in_the_request(
    teacher: User, school: Organisation, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(
        "/referrals",
        {
            "case_id": case_id,
            "to_service_id": school.pk,
            "reason": "Help",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"to_service_id", "consent_id"}


def test_a_general_error_is_under_all_with_the_message_as_detail(
    headteacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(headteacher)
    api.client.cookies["django_language"] = "en"
    response = api.post(f"/cases/{case_id}/approve-close")  # the case is not waiting for it
    assert response.status_code == 422
    message = "The case is not waiting for approval to close."
    assert response.json() == {"detail": message, "errors": {"__all__": [message]}}


def test_a_refusal_on_a_visible_case_is_403_with_the_reason(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(teacher)
    assert api.post(f"/cases/{case_id}/approve-close").status_code == 403
    assert api.post(f"/cases/{case_id}/close", {"reason": "Fine now"}).json()["status"] == "closed"
    refused = api.post(f"/cases/{case_id}/log-entries", {"kind": "note", "text": "x"})
    assert refused.status_code == 403
    assert refused.json()["reason"] == "the case is closed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "note", "text": "x" * 10_001}, "text"),
        ({"kind": "note", "text": "a\x00b"}, "text"),
        ({"kind": "poem", "text": "x"}, "kind"),
        ({"kind": "note", "text": 12}, "text"),
        ({"kind": "note", "text": "x", "occurred_on": "yesterday"}, "occurred_on"),
        ({"kind": "note", "text": "x", "visible_sectors": ["school"] * 50}, "visible_sectors"),
        ({"kind": "note", "text": "x", "visible_sectors": ["bakery"]}, "visible_sectors.0"),
        ({"kind": "note", "text": "x", "family_visible": "maybe"}, "family_visible"),
        ({"kind": "note", "text": "x", "author": 1}, "author"),
    ],
)
def test_bad_input_is_422_on_the_field(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient], body: Any, field: str
) -> None:
    response = api_as(teacher).post(f"/cases/{case_id}/log-entries", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_an_id_that_cannot_exist_is_404_in_the_path_and_422_in_the_body(
    teacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(teacher)
    assert api.get(f"/cases/{2**70}").status_code == 404
    assert api.get("/cases/0").status_code == 404
    response = api.post("/cases", {"person_id": 2**70, "text": "x"})
    assert response.status_code == 422 and "person_id" in response.json()["errors"]
    assert api.post("/cases", {"person_id": 2**40, "text": "x"}).status_code == 404
    assert api.get(f"/cases?offset={2**70}").status_code == 422
    assert api.get("/cases?limit=abc").status_code == 422


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T23:00"]
)
def test_a_time_the_database_cannot_hold_is_422(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient], starts_at: str
) -> None:
    response = api_as(teacher).post(f"/cases/{case_id}/meetings", {"starts_at": starts_at})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["starts_at"]


def test_a_body_that_is_not_json_is_400_in_json(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(teacher).post(f"/cases/{case_id}/log-entries", "{not json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    listed = api_as(teacher).post(f"/cases/{case_id}/log-entries", [1, 2])
    assert listed.status_code == 422


HOSTILE_VALUES: list[Any] = [
    None,
    -1,
    0,
    2**64,
    "x" * 30_000,
    "\x00",
    [],
    {},
    True,
    1.5,
    "2030-02-30",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
]


def test_no_route_answers_500_to_hostile_input(
    teacher: User, case_id: int, api_as: Callable[[User], ApiClient]
) -> None:
    """A small fuzz over every operation of the OpenAPI document: each body field in turn."""
    api = api_as(teacher)
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    schemas = document["components"]["schemas"]
    checked = 0
    for path, operations in document["paths"].items():
        for id_value in (case_id, 999_999):
            url = path.replace("/api/v1", "")
            for name in (
                "case_id",
                "entry_id",
                "member_id",
                "consent_id",
                "referral_id",
                "transition_id",
                "person_id",
            ):
                url = url.replace("{" + name + "}", str(id_value))
            for method, operation in operations.items():
                fields = _body_fields(operation, schemas)
                bodies: list[Any] = [None] if not fields else [{}, [], "text"]
                bodies += [{field: value} for field in fields for value in HOSTILE_VALUES]
                for body in bodies:
                    args = () if method in ("get", "delete") else (body,)
                    response = getattr(api, method)(url, *args)
                    assert response.status_code < 500, (method, url, body)
                    checked += 1
    assert checked > 1000


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    if not ref:
        return []
    return list(schemas[ref.rsplit("/", 1)[1]].get("properties", {}))


# --- the OpenAPI document -----------------------------------------------------------------

CATALOGUE_KINDS = ("instruments", "initiatives", "networks", "practices", "resources")
PATHS = {
    "/api/v1/persons/search": {"post"},
    "/api/v1/persons": {"post"},
    "/api/v1/persons/{person_id}": {"get"},
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/{case_id}": {"get"},
    "/api/v1/cases/{case_id}/level": {"patch"},
    "/api/v1/cases/{case_id}/close": {"post"},
    "/api/v1/cases/{case_id}/approve-close": {"post"},
    "/api/v1/cases/{case_id}/reopen": {"post"},
    "/api/v1/cases/{case_id}/log-entries": {"get", "post"},
    "/api/v1/cases/{case_id}/log-entries/{entry_id}/corrections": {"post"},
    "/api/v1/cases/{case_id}/team": {"get", "post"},
    "/api/v1/cases/{case_id}/team/{member_id}": {"delete"},
    "/api/v1/cases/{case_id}/consents": {"get", "post"},
    "/api/v1/consents/{consent_id}/withdraw": {"post"},
    "/api/v1/cases/{case_id}/plan": {"get", "patch"},
    "/api/v1/cases/{case_id}/voices": {"post"},
    "/api/v1/cases/{case_id}/plan/goals": {"post"},
    "/api/v1/cases/{case_id}/plan/measures": {"post"},
    "/api/v1/cases/{case_id}/plan/evaluations": {"post"},
    "/api/v1/cases/{case_id}/meetings": {"get", "post"},
    "/api/v1/referrals": {"get", "post"},
    "/api/v1/referrals/{referral_id}": {"get"},
    "/api/v1/referrals/{referral_id}/received": {"post"},
    "/api/v1/referrals/{referral_id}/accept": {"post"},
    "/api/v1/referrals/{referral_id}/decline": {"post"},
    "/api/v1/referrals/{referral_id}/complete": {"post"},
    "/api/v1/transitions": {"get", "post"},
    "/api/v1/transitions/{transition_id}/complete": {"post"},
    # the knowledge base (public)
    "/api/v1/regions": {"get"},
    "/api/v1/indicators": {"get"},
    "/api/v1/regions/{code}/profile": {"get"},
    "/api/v1/aggregates": {"get"},
    # the catalogue (public, read only)
    **{f"/api/v1/{kind}": {"get"} for kind in CATALOGUE_KINDS},
    **{f"/api/v1/{kind}/{{id}}": {"get"} for kind in CATALOGUE_KINDS},
}
# Official statistics and suppressed aggregates need no sign-in. Named one by one, so that an
# operation that forgot its authentication still fails the check below.
PUBLIC_OPERATIONS = {
    "list_regions", "list_indicators", "get_profile", "get_aggregates",
    *(f"list_{kind}" for kind in CATALOGUE_KINDS),
    *(f"get_{kind.removesuffix('s')}" for kind in CATALOGUE_KINDS),
}  # fmt: skip


def test_the_openapi_document_is_json_and_lists_every_route(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"] == {**document["info"], "title": "Samhandling 0–24", "version": "1"}
    assert {path: set(ops) for path, ops in document["paths"].items()} == PATHS
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    public = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation["operationId"] in PUBLIC_OPERATIONS:
                public.add(operation["operationId"])
                assert not operation.get("security"), (method, path)
                assert "401" not in operation["responses"], (method, path)
                continue
            assert "401" in operation["responses"], (method, path)
            assert operation["security"], (method, path)
    assert public == PUBLIC_OPERATIONS


def test_every_operation_but_the_public_ones_answers_401_without_credentials(db: None) -> None:
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    client = Client()
    for path, operations in document["paths"].items():
        url = path.replace("{code}", "4003")
        for name in ("case_id", "entry_id", "member_id", "consent_id", "referral_id",
                     "transition_id", "person_id"):  # fmt: skip
            url = url.replace("{" + name + "}", "1")
        for method, operation in operations.items():
            if method == "get":
                response = client.get(url)
            else:
                response = client.generic(method.upper(), url, "{}", "application/json")
            if operation["operationId"] in PUBLIC_OPERATIONS:
                assert response.status_code != 401, (method, path)
            else:
                assert response.status_code == 401, (method, path, response.status_code)


def test_the_documentation_page_loads_its_scripts_from_this_site(db: None, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


# --- protected addresses ------------------------------------------------------------------

STREET, POSTCODE, TOWN = "Hemmeligveien 77", "3799", "Hemmeligby"


def test_no_response_ever_contains_a_protected_address(
    teacher: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    api_as: Callable[[User], ApiClient],
    porsgrunn: Any,
) -> None:
    api = api_as(teacher)
    bodies: list[str] = []
    for level in (AddressProtection.CONFIDENTIAL, AddressProtection.STRICTLY_CONFIDENTIAL):
        person = make_person(
            f"Skjermet{level.title()}",
            "Barn",
            born=datetime.date(2013, 3, 3),
            address_protection=level,
            street_address=STREET,
            postcode=POSTCODE,
            post_town=TOWN,
        )
        case = concern_by(person)
        moving = api.post(
            "/transitions",
            {
                "case_id": case.pk,
                "kind": "moving",
                "planned_for": "2030-01-01",
                "to_municipality_id": porsgrunn.pk,
            },
        )
        assert moving.status_code == 201
        if level == AddressProtection.STRICTLY_CONFIDENTIAL:
            assert moving.json()["to_municipality"] is None
        bodies.append(moving.content.decode())
        for path in (
            "/cases",
            f"/cases/{case.pk}",
            f"/cases/{case.pk}/log-entries",
            f"/cases/{case.pk}/team",
            f"/cases/{case.pk}/consents",
            f"/cases/{case.pk}/plan",
            f"/cases/{case.pk}/meetings",
            "/referrals",
            f"/transitions?case_id={case.pk}",
            "/transitions",
            f"/persons/{person.pk}",
        ):
            response = api.get(path)
            assert response.status_code == 200, path
            bodies.append(response.content.decode())
        bodies.append(api.post("/persons/search", {"query": "Barn"}).content.decode())
    for body in bodies:
        assert STREET not in body and POSTCODE not in body and TOWN not in body
    assert any("SkjermetStrict" in body for body in bodies)
