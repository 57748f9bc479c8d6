"""The knowledge base's public API: regions, indicators, a region's profile, aggregates."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from samhandling.insight.importers import jsonstat
from samhandling.insight.models import Aggregate, Indicator, Observation
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_income(regions: None) -> Indicator:
    indicator = Indicator.objects.create(
        code="low_income", name_nb="Vedvarende lavinntekt", name_en="Persistent low income",
        topic="living_conditions", unit="percent", better="lower", publisher="SSB",
        source_table="FHI 403", licence="CC BY 4.0", source_codes=["lavinntekt"],
    )  # fmt: skip
    for code, kind, value in (("4003", "municipality", "12.5"), ("40", "county", "11.0"),
                              ("NO", "country", "10.2")):  # fmt: skip
        region = Region.objects.get(kind=kind, code=code)
        for year, step in ((2023, 0), (2024, 1)):
            Observation.objects.create(indicator=indicator, region=region, period=str(year),
                                       year=year, value=Decimal(value) + step)  # fmt: skip
    return indicator


def get(path: str, **query: Any) -> Any:
    return Client().get(path, query)


def test_regions_are_listed_with_their_parent_without_signing_in(regions: None) -> None:
    response = get("/api/v1/regions")
    assert response.status_code == 200
    by_code = {(r["kind"], r["code"]): r for r in response.json()}
    assert by_code[("municipality", "4003")] == {
        "code": "4003", "name": "Skien", "kind": "municipality", "country": "NO", "parent": "40",
    }  # fmt: skip
    assert by_code[("county", "40")]["parent"] == "NO"
    assert by_code[("country", "NO")]["parent"] is None


def test_regions_filter_by_kind(regions: None) -> None:
    municipalities = get("/api/v1/regions", kind="municipality").json()
    counties = get("/api/v1/regions", kind="county").json()
    norwegian = [r for r in municipalities if r["country"] == "NO"]
    assert (len(norwegian), len([r for r in counties if r["country"] == "NO"])) == (357, 15)
    assert {r["kind"] for r in municipalities} == {"municipality"}
    assert get("/api/v1/regions", kind="parish").status_code == 422


def test_the_region_list_is_one_query(regions: None, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        get("/api/v1/regions")


def test_indicators_carry_their_source_and_licence(low_income: Indicator) -> None:
    [indicator] = get("/api/v1/indicators").json()
    expected = {"code": "low_income", "publisher": "SSB", "source_table": "FHI 403",
                "licence": "CC BY 4.0", "origin": "official", "source_codes": ["lavinntekt"],
                "name_en": "Persistent low income"}  # fmt: skip
    assert indicator == {**indicator, **expected}
    assert get("/api/v1/indicators", topic="education").json() == []


def test_the_profile_of_a_municipality(low_income: Indicator) -> None:
    response = get("/api/v1/regions/4003/profile", lang="en")
    assert response.status_code == 200
    profile = response.json()
    assert profile["region"] == {"code": "4003", "name": "Skien", "kind": "municipality"}
    assert (profile["county"]["code"], profile["country"]["code"]) == ("40", "NO")
    [item] = profile["indicators"]
    assert item["name"] == "Persistent low income"
    assert (item["latest"]["period"], item["latest"]["value"]) == ("2024", 13.5)
    assert (item["county"]["value"], item["country"]["value"]) == (12.0, 11.2)
    assert [p["year"] for p in item["series"]["region"]] == [2023, 2024]
    assert set(profile["aggregates"]) == {"note", "quarters", "measures"}


def test_the_profile_names_are_in_bokmal_unless_english_is_asked_for(
    low_income: Indicator,
) -> None:
    [item] = get("/api/v1/regions/4003/profile").json()["indicators"]
    assert item["name"] == "Vedvarende lavinntekt"


@pytest.mark.parametrize("code", ["9999", "4", "XX", "40031", "%00"])
def test_an_unknown_region_has_no_profile(regions: None, code: str) -> None:
    response = get(f"/api/v1/regions/{code}/profile")
    assert response.status_code == 404
    assert list(json.loads(response.content)) == ["detail"]


def test_the_operations_are_public_in_the_openapi_document(db: None) -> None:
    document = get("/api/v1/openapi.json").json()
    paths = ("/api/v1/regions", "/api/v1/indicators", "/api/v1/regions/{code}/profile",
             "/api/v1/aggregates")  # fmt: skip
    for path in paths:
        operation = document["paths"][path]["get"]
        assert not operation.get("security"), path
    ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert {"list_regions", "list_indicators", "get_profile", "get_aggregates"} <= ids


@pytest.fixture
def skien_aggregates(skien: Region) -> None:
    by_level = Aggregate.Measure.CASES_BY_LEVEL
    for quarter in ("2026Q2", "2026Q3"):
        Aggregate.objects.bulk_create([
            Aggregate(municipality=skien, quarter=quarter, measure=by_level, category="0",
                      count=None, suppressed=True),
            Aggregate(municipality=skien, quarter=quarter, measure=by_level, category="1",
                      count=None, suppressed=True),
            Aggregate(municipality=skien, quarter=quarter, measure=by_level, category="2",
                      count=12),
            Aggregate(municipality=skien, quarter=quarter, measure=by_level, category="total",
                      count=19),
            Aggregate(municipality=skien, quarter=quarter,
                      measure=Aggregate.Measure.SHARE_WITH_PLAN, count=8, value=Decimal("62.5")),
        ])  # fmt: skip


def test_aggregates_are_a_valid_jsonstat_dataset(skien_aggregates: None) -> None:
    response = get("/api/v1/aggregates", municipality="4003", quarter="2026Q3")
    assert response.status_code == 200
    document = response.json()
    assert (document["version"], document["class"]) == ("2.0", "dataset")
    assert document["id"] == ["region", "quarter", "measure"]
    cells = 1
    for name, size in zip(document["id"], document["size"], strict=True):
        index = document["dimension"][name]["category"]["index"]
        assert len(index) == size and size >= 1
        cells *= size
    assert len(document["value"]) == cells
    assert all(0 <= int(key) < cells and symbol for key, symbol in document["status"].items())
    measures = document["dimension"]["measure"]["category"]["index"]
    at = dict(zip(measures, document["value"], strict=True))
    assert at["cases_by_level.2"] == 12 and at["share_with_plan"] == 62.5
    hidden = measures.index("cases_by_level.0")
    assert at["cases_by_level.0"] is None and document["status"][str(hidden)] == ":"
    parsed = jsonstat.parse(response.content)  # our own JSON-stat reader reads it back
    assert not parsed.errors and len(parsed.rows) == cells
    assert {row.status for row in parsed.rows} >= {"suppressed"}


def test_aggregates_without_a_quarter_give_every_quarter(skien_aggregates: None) -> None:
    document = get("/api/v1/aggregates", municipality="4003").json()
    assert document["dimension"]["quarter"]["category"]["index"] == ["2026Q2", "2026Q3"]


def test_aggregates_refuse_unknown_or_malformed_choices(skien_aggregates: None) -> None:
    assert get("/api/v1/aggregates", municipality="9999").status_code == 422
    assert get("/api/v1/aggregates", municipality="40031").status_code == 422
    assert get("/api/v1/aggregates", municipality="4003", quarter="2026Q5").status_code == 422
    assert get("/api/v1/aggregates").status_code == 422
    assert get("/api/v1/aggregates", municipality="4001").status_code == 404  # none computed
