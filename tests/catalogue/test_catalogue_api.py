"""The catalogue's public, read-only API: published entries only, filters shared with the pages,
both languages of bilingual fields, related entries by id, key and title."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samhandling.catalogue import services
from samhandling.catalogue.models import (
    Entry,
    Initiative,
    Instrument,
    Network,
    Practice,
    PracticeTranslation,
    Resource,
)
from samhandling.insight.models import Indicator
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region

pytestmark = pytest.mark.django_db

Make = Callable[..., Entry]


@pytest.fixture
def low_income(db: None) -> Indicator:
    return Indicator.objects.create(
        code="low_income", name_nb="Vedvarende lavinntekt", name_en="Persistent low income",
        topic="living_conditions", unit="percent", better="lower", publisher="SSB",
    )  # fmt: skip


@pytest.fixture
def catalogue(
    publish_entry: Make,
    draft: Make,
    udir: Organisation,
    bufdir: Organisation,
    skien: Region,
    porsgrunn: Region,
    swedish: dict[str, Any],
    low_income: Indicator,
) -> dict[str, Entry]:
    instrument = publish_entry(
        Instrument, title_nb="Tilskudd til foreldrestøtte", title_en="Grant for parenting support",
        summary_nb="Kort", kind="grant_scheme", owners=[udir, bufdir], target_groups=["families"],
        age_from=0, age_to=5, sectors=["family_health"], key="foreldrestotte",
    )  # fmt: skip
    hidden = draft(Instrument, title_nb="Utkast", kind="tool", owners=[udir])
    practice = publish_entry(Practice, **swedish)
    PracticeTranslation.objects.create(practice=practice, language="en",
                                       title="Early intervention in Norrtälje")  # fmt: skip
    network = publish_entry(Network, name_nb="Grenlandsnettverket", name_en="The Grenland network",
                            members=[skien, porsgrunn])  # fmt: skip
    initiative = publish_entry(
        Initiative, title_nb="Tidlig innsats i Skien", municipality=skien, network=network,
        indicators=[low_income], instruments=[instrument, hidden], progress="ongoing",
        sectors=["school"],
    )  # fmt: skip
    resource = publish_entry(Resource, title_nb="Kurs i tidlig innsats", kind="course",
                             practices=[practice], instruments=[instrument])  # fmt: skip
    return {"instrument": instrument, "hidden": hidden, "practice": practice,
            "network": network, "initiative": initiative, "resource": resource}  # fmt: skip


def get(path: str, **query: Any) -> Any:
    return Client().get(f"/api/v1{path}", query)


def items(path: str, **query: Any) -> list[dict[str, Any]]:
    response = get(path, **query)
    assert response.status_code == 200, response.content
    return list(response.json()["items"])


def test_an_instrument_with_both_languages_its_owners_and_what_uses_it(
    catalogue: dict[str, Entry],
) -> None:
    instrument = catalogue["instrument"]
    response = get(f"/instruments/{instrument.pk}")
    assert response.status_code == 200
    body = response.json()
    expected = {
        "id": instrument.pk, "key": "foreldrestotte", "origin": "example",
        "title_nb": "Tilskudd til foreldrestøtte", "title_en": "Grant for parenting support",
        "summary_nb": "Kort", "summary_en": "", "kind": "grant_scheme",
        "target_groups": ["families"], "age_from": 0, "age_to": 5, "sectors": ["family_health"],
        "open_for_application": False,
    }  # fmt: skip
    assert body == {**body, **expected}
    assert [(o["short_name"], o["name"]) for o in body["owners"]] == [
        ("Bufdir", "Barne-, ungdoms- og familiedirektoratet"), ("Udir", "Utdanningsdirektoratet"),
    ]  # fmt: skip
    initiative = catalogue["initiative"]
    assert body["initiatives"] == [
        {"id": initiative.pk, "key": initiative.key, "title_nb": "Tidlig innsats i Skien",
         "title_en": ""}
    ]  # fmt: skip
    assert [r["id"] for r in body["learning_resources"]] == [catalogue["resource"].pk]


def test_a_draft_does_not_exist_in_the_api(catalogue: dict[str, Entry]) -> None:
    hidden = catalogue["hidden"]
    response = get(f"/instruments/{hidden.pk}")
    assert response.status_code == 404 and list(response.json()) == ["detail"]
    assert hidden.pk not in {i["id"] for i in items("/instruments")}
    # nor as a related entry
    initiative = get(f"/initiatives/{catalogue['initiative'].pk}").json()
    assert [i["id"] for i in initiative["instruments"]] == [catalogue["instrument"].pk]
    assert get("/instruments/abc").status_code == 404
    assert get(f"/instruments/{2**64}").status_code == 404


def test_a_withdrawn_entry_is_gone_from_the_api(catalogue: dict[str, Entry], editor: Actor) -> None:
    network = services.withdraw(catalogue["network"], by=editor)
    assert get(f"/networks/{network.pk}").status_code == 404
    assert get(f"/initiatives/{catalogue['initiative'].pk}").json()["network"] is None


def test_instruments_are_filtered_as_on_the_pages(
    catalogue: dict[str, Entry], publish_entry: Make, udir: Organisation
) -> None:
    publish_entry(Instrument, title_nb="Skoleveileder", kind="guide", owners=[udir],
                  age_from=6, age_to=15, sectors=["school"], target_groups=["dropout"])  # fmt: skip

    def titles(**query: Any) -> set[str]:
        return {i["title_nb"] for i in items("/instruments", **query)}

    both = {"Tilskudd til foreldrestøtte", "Skoleveileder"}
    assert titles() == both
    assert titles(owner="udir") == both and titles(owner="Bufdir") == {
        "Tilskudd til foreldrestøtte"
    }
    assert titles(owner=str(udir.pk)) == both
    assert titles(kind="guide") == titles(sector="school") == {"Skoleveileder"}
    assert titles(age=5) == {"Tilskudd til foreldrestøtte"} and titles(age=16) == set()
    assert titles(target_group="dropout") == {"Skoleveileder"}
    assert titles(open="true") == set()
    assert titles(q="parenting") == {"Tilskudd til foreldrestøtte"}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"sector": "bakery"}, "sector"), ({"kind": "bribe"}, "kind"), ({"age": "25"}, "age"),
     ({"age": "x"}, "age"), ({"open": "maybe"}, "open"), ({"limit": "0"}, "limit"),
     ({"offset": "-1"}, "offset"), ({"owner": "Nobody"}, "owner"), ({"q": "x" * 201}, "q"),
     ({"q": "a\x00b"}, "q"), ({"target_group": "cats"}, "target_group")],
)  # fmt: skip
def test_a_bad_instrument_filter_is_a_field_error(
    catalogue: dict[str, Entry], query: dict[str, str], field: str
) -> None:
    response = get("/instruments", lang="en", **query)
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {field} and body["detail"]


def test_the_lists_page_with_limit_and_offset(
    publish_entry: Make, udir: Organisation, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        publish_entry(Instrument, title_nb=f"Virkemiddel {n:02}", kind="tool", owners=[udir])
    with django_assert_max_num_queries(5):
        first = get("/instruments", limit=25).json()
    assert (first["count"], first["limit"], first["offset"], len(first["items"])) == (
        30, 25, 0, 25
    )  # fmt: skip
    rest = get("/instruments", limit=25, offset=25).json()
    assert [i["title_nb"] for i in rest["items"]] == [f"Virkemiddel {n:02}" for n in range(25, 30)]


def test_initiatives_by_municipality_sector_and_progress(catalogue: dict[str, Entry]) -> None:
    [initiative] = items("/initiatives", municipality="4001")  # a member of the network
    assert initiative["municipality"] == {"code": "4003", "name": "Skien"}
    assert initiative["network"]["name_en"] == "The Grenland network"
    assert initiative["indicators"] == ["low_income"]
    assert items("/initiatives", progress="completed") == []
    assert len(items("/initiatives", sector="school", progress="ongoing")) == 1
    assert items("/initiatives", municipality="0301") == []
    unknown = get("/initiatives", municipality="9999", lang="en")
    assert unknown.status_code == 422 and set(unknown.json()["errors"]) == {"municipality"}
    assert get("/initiatives", municipality="12").status_code == 422
    assert get("/initiatives", progress="done").status_code == 422


def test_networks_with_their_members_by_code_and_name(catalogue: dict[str, Entry]) -> None:
    [network] = items("/networks", municipality="4003")
    assert network["members"] == [{"code": "4001", "name": "Porsgrunn"},
                                  {"code": "4003", "name": "Skien"}]  # fmt: skip
    assert network["initiatives"][0]["id"] == catalogue["initiative"].pk
    assert items("/networks", municipality="0301") == []
    assert get(f"/networks/{network['id']}").json()["name_nb"] == "Grenlandsnettverket"


def test_practices_with_their_translations_and_filters(catalogue: dict[str, Entry]) -> None:
    practice = catalogue["practice"]
    body = get(f"/practices/{practice.pk}").json()
    assert (body["language"], body["country"], body["evidence_level"]) == ("sv", "SE", "described")
    assert body["translations"][0]["title"] == "Early intervention in Norrtälje"
    assert body["learning_resources"][0]["id"] == catalogue["resource"].pk
    assert len(items("/practices", country="SE", sector="school", age=10, language="sv")) == 1
    assert items("/practices", country="NO") == []
    assert items("/practices", evidence_level="evaluated") == []
    assert items("/practices", target_group="families") == []
    assert len(items("/practices", q="socialtjänsten")) == 1
    assert get("/practices", country="SV").status_code == 422
    assert get("/practices", language="xx").status_code == 422


def test_resources_with_their_practices_and_instruments(catalogue: dict[str, Entry]) -> None:
    [resource] = items("/resources", kind="course")
    practice = catalogue["practice"]
    assert resource["practices"] == [{"id": practice.pk, "key": practice.key,
                                      "title": "Tidiga insatser i Norrtälje", "language": "sv",
                                      "country": "SE"}]  # fmt: skip
    assert resource["instruments"][0]["title_en"] == "Grant for parenting support"
    assert items("/resources", kind="guide") == []
    assert get(f"/resources/{resource['id']}").status_code == 200


def test_the_catalogue_is_read_only(catalogue: dict[str, Entry]) -> None:
    response = Client().post("/api/v1/instruments", {}, content_type="application/json")
    assert response.status_code == 405
