"""The knowledge pages: public profiles, CSV, compare, and the analysts' versioned commentary."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from test_profiles import World, build_world

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.insight.models import Commentary, Indicator
from samhandling.organisations.models import Organisation, Region, Role, Sector

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings: Any) -> None:
    """The pages name static files that `make assets` collects; these tests need no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(regions: None) -> World:
    return build_world()


@pytest.fixture
def english(client: Client, settings: Any) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def make_analyst(make_user: Callable[..., User]) -> Callable[[Region], User]:
    def make(municipality: Region, role: str = Role.ANALYST) -> User:
        organisation = Organisation.objects.create(
            name=f"{municipality.name} kommune", kind="municipality", municipality=municipality
        )
        return make_user(organisation, role)

    return make


def rows(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/",
        "/knowledge/?q=skie",
        "/knowledge/indicators/",
        "/knowledge/compare/",
        "/knowledge/compare/?regions=4003&regions=4001&indicator=low_income",
        "/knowledge/regions/4003/",
        "/knowledge/regions/40/",
        "/knowledge/regions/NO/",
        "/knowledge/regions/4003/commentary/",
    ],
)
def test_the_knowledge_pages_are_public(world: World, client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert b'style="' not in response.content


def test_an_exact_search_goes_to_the_profile(world: World, client: Client) -> None:
    response = client.get("/knowledge/?q=skien")
    assert response.status_code == 302 and response["Location"] == "/knowledge/regions/4003/"


@pytest.mark.parametrize("code", ["9999", "1", "no", "4003x", "99"])
def test_an_unknown_region_is_not_found(world: World, client: Client, code: str) -> None:
    assert client.get(f"/knowledge/regions/{code}/").status_code == 404


def test_the_profile_raises_what_needs_attention_and_shows_statuses(
    world: World, english: Client
) -> None:
    page = english.get("/knowledge/regions/4003/").content.decode()
    attention = page.index('id="attention-heading"')
    assert attention < page.index('id="indicator-low_income"')
    assert page.index('id="indicator-wellbeing"') > page.index('id="topic-education"')
    assert "Suppressed (small numbers)" in page
    assert "(older number 0806)" in page
    assert "No value for 2022: the line is broken there." in page
    assert "Example values, not from a publisher" in page
    assert "Derived from official statistics" in page
    assert "among the worst 25 %" in page  # the rule is on the page


def test_every_chart_has_its_spec_a_table_and_a_csv_link(world: World, client: Client) -> None:
    page = client.get("/knowledge/regions/4003/").content.decode()
    containers = re.findall(r'data-spec="([^"]+)"', page)
    assert len(containers) == 5
    for chart_id in containers:
        match = re.search(
            rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page, re.S
        )
        assert match, chart_id
        spec = json.loads(match.group(1))
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["description"]
    assert page.count("<table") >= 5 and page.count('scope="col"') >= 10
    assert page.count("/indicators/") >= 5 and "/knowledge/regions/4003/profile.csv" in page
    assert "js/charts.js" in page and "vendor/vega-embed/vega-embed.min.js" in page


def test_the_profile_page_takes_a_bounded_number_of_queries(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(10):
        assert client.get("/knowledge/regions/4003/").status_code == 200


def test_the_profile_csv_has_values_statuses_and_comparisons(world: World, client: Client) -> None:
    response = client.get("/knowledge/regions/4003/profile.csv")
    by_code = {row["indicator"]: row for row in rows(response)}
    low = by_code["low_income"]
    assert (low["value"], low["county_value"], low["country_value"]) == ("20", "16", "15")
    assert (low["percentile"], low["markedly_worse"], low["county"]) == ("0", "yes", "40")
    bullying = by_code["bullying"]
    assert (bullying["value"], bullying["status"]) == ("", "suppressed")
    assert by_code["example_measure"]["origin"] == "example"
    assert 'filename="profile-4003.csv"' in response["Content-Disposition"]


def test_the_indicator_csv_has_the_series_of_region_county_and_country(
    world: World, client: Client
) -> None:
    found = rows(client.get("/knowledge/regions/4003/indicators/low_income.csv"))
    levels = [(r["level"], r["region"], r["period"], r["value"]) for r in found]
    assert ("region", "4003", "2020", "17") in levels
    assert ("county", "40", "2022", "15") in levels
    assert ("country", "NO", "2024", "15") in levels
    assert not any(r["period"] == "2022" and r["level"] == "region" for r in found)
    [mapped] = [r for r in found if r["mapped_from"]]
    assert (mapped["period"], mapped["mapped_from"]) == ("2020", "0806")
    assert client.get("/knowledge/regions/4003/indicators/unknown.csv").status_code == 404


def test_csv_text_cannot_run_as_a_spreadsheet_formula(world: World, client: Client) -> None:
    world.low_income.publisher = "=HYPERLINK(1)"
    world.low_income.save()
    found = rows(client.get("/knowledge/regions/4003/profile.csv"))
    assert next(r for r in found if r["indicator"] == "low_income")["publisher"].startswith("'=")


def test_compare_shows_regions_side_by_side_with_chart_and_csv(
    world: World, client: Client
) -> None:
    url = "/knowledge/compare/?regions=4003&regions=Porsgrunn&indicator=low_income"
    page = client.get(url).content.decode()
    assert 'data-spec="compare-chart"' in page and "Skien (4003)" in page
    found = rows(client.get(url + "&format=csv"))
    assert {(r["region"], r["period"], r["value"]) for r in found} >= {
        ("4003", "2024", "20"), ("4001", "2024", "10"), ("4003", "2020", "17")
    }  # fmt: skip
    table = rows(client.get("/knowledge/compare/?regions=4003&regions=4001&format=csv"))
    assert {r["indicator"] for r in table} >= {"low_income", "wellbeing", "bullying"}


def test_compare_takes_at_most_five_regions(world: World, english: Client) -> None:
    codes = "&".join(f"regions={code}" for code in ["4001", "4003", "4005", "4010", "4012", "4014"])
    response = english.get(f"/knowledge/compare/?{codes}")
    assert response.status_code == 200
    assert response.context["form"].has_error("regions", "too_many")
    assert "Choose at most 5 municipalities or counties to compare (you chose 6)." in (
        response.content.decode()
    )
    assert response.context["comparison"] is None


def test_compare_names_regions_it_does_not_know(world: World, client: Client) -> None:
    response = client.get("/knowledge/compare/?regions=4003&regions=Atlantis")
    assert response.context["form"].has_error("regions", "unknown")


def test_an_analyst_of_the_municipality_writes_a_new_version(
    world: World, make_analyst: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(make_analyst(world.skien))
    page = client.get("/knowledge/regions/4003/commentary/")
    assert b'name="text"' in page.content
    response = client.post(
        "/knowledge/regions/4003/commentary/", {"text": "Low income is rising.", "based_on": 0}
    )
    assert response.status_code == 302
    response = client.post(
        "/knowledge/regions/4003/commentary/", {"text": "Low income rose to 2024.", "based_on": 1}
    )
    assert response.status_code == 302
    versions = list(Commentary.objects.filter(region=world.skien).order_by("version"))
    assert [(c.version, c.text) for c in versions] == [
        (1, "Low income is rising."), (2, "Low income rose to 2024.")
    ]  # fmt: skip
    assert AuditEvent.objects.filter(object_type="insight.commentary", action="create").count() == 2
    profile = client.get("/knowledge/regions/4003/").content.decode()
    assert "Low income rose to 2024." in profile and "Low income is rising." not in profile
    history = client.get("/knowledge/regions/4003/commentary/").content.decode()
    assert "Low income is rising." in history and "Low income rose to 2024." in history


def test_the_profile_escapes_the_commentary_and_the_indicators_texts(
    world: World, make_analyst: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    """The profile's body is Jinja2 (decision 0006): what people wrote is escaped there, in
    the commentary, and in an indicator's name in the text and inside its chart's JSON."""
    client = signed_in(make_analyst(world.skien))
    hostile = '<script>alert("x")</script> & <b>fet</b>'
    client.post("/knowledge/regions/4003/commentary/", {"text": hostile, "based_on": 0})
    indicator = Indicator.objects.order_by("code").first()
    assert indicator is not None
    indicator.name_nb = indicator.name_en = "Barn <i>i</i> lavinntekt & mer"
    indicator.save()
    client.cookies["django_language"] = "en"
    page = client.get("/knowledge/regions/4003/").content.decode()
    assert "<script>alert" not in page and "<b>fet</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in page
    assert "Barn <i>i</i>" not in page.split('type="application/json">')[0]
    assert "Barn &lt;i&gt;i&lt;/i&gt; lavinntekt &amp; mer" in page
    assert "Barn \\u003Ci\\u003Ei\\u003C/i\\u003E lavinntekt \\u0026 mer" in page  # json_script
    assert "Version 1, written by" in page


def test_a_conflict_keeps_the_text_and_shows_the_newer_version(
    world: World, make_analyst: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    first, second = signed_in(make_analyst(world.skien)), signed_in(make_analyst(world.skien))
    url = "/knowledge/regions/4003/commentary/"
    assert first.post(url, {"text": "The first reading.", "based_on": 0}).status_code == 302
    response = second.post(url, {"text": "My own reading.", "based_on": 0})
    assert response.status_code == 409
    page = response.content.decode()
    assert "My own reading." in page and "The first reading." in page
    assert re.search(r'name="based_on" value="1"', page)
    assert Commentary.objects.filter(region=world.skien).count() == 1
    again = second.post(url, {"text": "My own reading.", "based_on": 1})
    assert again.status_code == 302
    assert Commentary.objects.get(region=world.skien, version=2).text == "My own reading."


def test_an_analyst_of_another_municipality_is_refused(
    world: World, make_analyst: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(make_analyst(world.porsgrunn))
    page = client.get("/knowledge/regions/4003/commentary/")
    assert page.status_code == 200 and b'name="text"' not in page.content
    response = client.post("/knowledge/regions/4003/commentary/", {"text": "x", "based_on": 0})
    assert response.status_code == 403
    assert not Commentary.objects.exists()
    refusal = AuditEvent.objects.get(object_type="insight.commentary")
    assert refusal.outcome == AuditEvent.Outcome.REFUSED


def test_other_roles_of_the_municipality_read_the_commentary_only(
    world: World,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    teacher = make_user(make_service(world.skien, Sector.SCHOOL), Role.PROFESSIONAL)
    client = signed_in(teacher)
    response = client.post("/knowledge/regions/4003/commentary/", {"text": "x", "based_on": 0})
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_to_write(world: World, client: Client) -> None:
    response = client.post("/knowledge/regions/4003/commentary/", {"text": "x", "based_on": 0})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
