"""The catalogue's public pages: lists with filters and pages, details, the coordination view,
the experience bank's facets, and what is not public."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from samhandling.accounts.models import User
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
from samhandling.insight.models import Indicator, Observation
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region

pytestmark = pytest.mark.django_db

Make = Callable[..., Entry]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings: Any) -> None:
    """The pages name static files that `make assets` collects; these tests need no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def english(client: Client, settings: Any) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def low_income(regions: None) -> Indicator:
    indicator = Indicator.objects.create(
        code="low_income", name_nb="Vedvarende lavinntekt", name_en="Persistent low income",
        topic="living_conditions", unit="percent", better="lower", publisher="SSB",
    )  # fmt: skip
    for code, kind, values in (("4003", "municipality", {2023: "12.5", 2024: "13.5"}),
                               ("4001", "municipality", {2023: "9.0"}),
                               ("40", "county", {2023: "11.0", 2024: "11.5"}),
                               ("NO", "country", {2023: "10.0", 2024: "10.2"})):  # fmt: skip
        region = Region.objects.get(kind=kind, code=code)
        for year, value in values.items():
            Observation.objects.create(indicator=indicator, region=region, period=str(year),
                                       year=year, value=Decimal(value))  # fmt: skip
    return indicator


@pytest.fixture
def catalogue(
    publish_entry: Make,
    udir: Organisation,
    bufdir: Organisation,
    skien: Region,
    porsgrunn: Region,
    swedish: dict[str, Any],
    low_income: Indicator,
) -> dict[str, Entry]:
    """One published entry of each kind, linked as they would be."""
    instrument = publish_entry(
        Instrument, title_nb="Tilskudd til foreldrestøtte", title_en="Grant for parenting support",
        kind="grant_scheme", owners=[udir, bufdir], target_groups=["families"],
        target_group_nb="Foreldre til barn 0–5 år", age_from=0, age_to=5, sectors=["family_health"],
        who_may_apply_nb="Kommuner", origin="official",
    )  # fmt: skip
    practice = publish_entry(Practice, **swedish)
    network = publish_entry(Network, name_nb="Grenlandsnettverket", members=[skien, porsgrunn],
                            purpose_nb="Lære sammen", meetings="Fire ganger i året")  # fmt: skip
    initiative = publish_entry(
        Initiative, title_nb="Tidlig innsats i Skien", municipality=skien, network=network,
        challenge_nb="Mange barn i lavinntektsfamilier", indicators=[low_income],
        instruments=[instrument], progress="ongoing", results="Færre bekymringer",
    )  # fmt: skip
    resource = publish_entry(Resource, title_nb="Kurs i tidlig innsats", kind="course",
                             practices=[practice], instruments=[instrument])  # fmt: skip
    return {"instrument": instrument, "practice": practice, "network": network,
            "initiative": initiative, "resource": resource}  # fmt: skip


def main(response: Any) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


LISTS = ["/catalogue/", "/catalogue/?q=tidlig", "/catalogue/instruments/",
         "/catalogue/instruments/coordination/", "/catalogue/initiatives/",
         "/catalogue/networks/", "/catalogue/practices/", "/catalogue/resources/"]  # fmt: skip


@pytest.mark.parametrize("url", LISTS)
def test_the_lists_are_public_with_one_heading_and_no_inline_style(
    catalogue: dict[str, Entry], client: Client, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert page.count("<h1") == 1 and 'style="' not in page and "<script>" not in page
    assert "css/catalogue.css" in page


@pytest.mark.parametrize("kind", ["instrument", "initiative", "network", "practice", "resource"])
def test_a_published_entry_is_public_and_says_when_it_was_published(
    catalogue: dict[str, Entry], english: Client, kind: str
) -> None:
    entry = catalogue[kind]
    response = english.get(f"/catalogue/{kind}s/{entry.pk}/")
    assert response.status_code == 200
    page = main(response)
    assert page.count("<h1") == 1 and 'style="' not in page
    assert "Last published" in page and "Draft – not public" not in page
    assert "/editorial/" not in page  # no editing link for the public


def test_an_example_is_never_presented_as_official(
    catalogue: dict[str, Entry], english: Client
) -> None:
    official = main(english.get(f"/catalogue/instruments/{catalogue['instrument'].pk}/"))
    example = main(english.get(f"/catalogue/practices/{catalogue['practice'].pk}/"))
    assert "From the 0–24 programme's own material" in official
    assert "Example, not official" not in official
    assert "Example, not official" in example
    listed = main(english.get("/catalogue/practices/"))
    assert "Example, not official" in listed


@pytest.mark.parametrize("kind", ["instrument", "practice"])
def test_a_draft_is_not_found_except_by_an_editor(
    kind: str,
    draft: Make,
    english: Client,
    signed_in: Callable[[User], Client],
    editor: Actor,
    teacher: User,
    udir: Organisation,
    swedish: dict[str, Any],
    settings: Any,
) -> None:
    if kind == "instrument":
        entry = draft(Instrument, title_nb="Utkast", kind="guide", owners=[udir])
    else:
        entry = draft(Practice, **swedish)
    url = f"/catalogue/{kind}s/{entry.pk}/"
    assert english.get(url).status_code == 404
    assert signed_in(teacher).get(url).status_code == 404
    assert editor.user is not None
    as_editor = signed_in(editor.user)
    as_editor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = as_editor.get(url)
    assert response.status_code == 200
    page = main(response)
    assert "Draft – not public" in page and "Never published" in page
    assert f'href="/catalogue/editorial/{kind}s/{entry.pk}/"' in page
    assert str(entry) not in main(as_editor.get(f"/catalogue/{kind}s/"))


def test_a_withdrawn_entry_is_gone_from_the_public_pages(
    catalogue: dict[str, Entry], english: Client, editor: Actor, signed_in: Any, settings: Any
) -> None:
    instrument = services.withdraw(catalogue["instrument"], by=editor)
    url = f"/catalogue/instruments/{instrument.pk}/"
    assert english.get(url).status_code == 404
    title = "Grant for parenting support"
    assert "Tidlig" in main(english.get("/catalogue/?q=tidlig"))
    assert title not in main(english.get("/catalogue/instruments/"))
    assert title not in main(english.get(f"/catalogue/initiatives/{catalogue['initiative'].pk}/"))
    assert title not in main(english.get("/catalogue/instruments/coordination/"))
    assert editor.user is not None
    as_editor = signed_in(editor.user)
    as_editor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Withdrawn" in main(as_editor.get(url))


def test_the_instrument_page_names_all_owners_and_what_uses_it(
    catalogue: dict[str, Entry], english: Client
) -> None:
    page = main(english.get(f"/catalogue/instruments/{catalogue['instrument'].pk}/"))
    assert "Utdanningsdirektoratet (Udir)" in page
    assert "Barne-, ungdoms- og familiedirektoratet (Bufdir)" in page
    assert "A joint instrument of these directorates." in page
    assert "Grant for parenting support" in page  # the English title on the English page
    assert '<p class="ds-paragraph" lang="nb">Foreldre til barn 0–5 år</p>' in page
    assert "Parents and families" in page and "0–5" in page and "Family health centre" in page
    assert f"/catalogue/initiatives/{catalogue['initiative'].pk}/" in page
    assert f"/catalogue/resources/{catalogue['resource'].pk}/" in page


def test_the_instrument_list_filters_and_reports_a_bad_value_on_its_field(
    catalogue: dict[str, Entry], publish_entry: Make, english: Client, udir: Organisation
) -> None:
    publish_entry(Instrument, title_nb="Veileder for skolen", kind="guide", owners=[udir],
                  age_from=6, age_to=15, sectors=["school"])  # fmt: skip
    assert "Veileder" not in main(english.get("/catalogue/instruments/?kind=grant_scheme"))
    page = main(english.get("/catalogue/instruments/?age=10&sector=school"))
    assert "Veileder for skolen" in page and "parenting support" not in page
    bad = english.get("/catalogue/instruments/?kind=bribe&owner=x&age=99&q=skolen")
    assert bad.status_code == 200
    page = main(bad)
    assert page.count("Select a valid choice.") == 3
    assert "Veileder for skolen" in page  # the valid search still applies
    assert 'value="skolen"' in page  # nothing typed is lost


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=-1", "page=99999999999999999999999", "q=" + "x" * 5000, "q=%00",
     "owner=99999999999999999999999", "open=maybe", "age=0-5&age=6-12", "sector[]=x"],
)  # fmt: skip
def test_a_hostile_query_string_is_answered_not_failed(
    catalogue: dict[str, Entry], client: Client, query: str
) -> None:
    for url in ("/catalogue/instruments/", "/catalogue/practices/", "/catalogue/initiatives/",
                "/catalogue/networks/", "/catalogue/resources/", "/catalogue/"):  # fmt: skip
        assert client.get(f"{url}?{query}").status_code == 200, (url, query)


def test_the_lists_page_by_25_and_keep_the_filters(
    publish_entry: Make, english: Client, udir: Organisation
) -> None:
    for n in range(30):
        publish_entry(Instrument, title_nb=f"Virkemiddel {n:02}", kind="tool", owners=[udir],
                      sectors=["school"])  # fmt: skip
    first = main(english.get("/catalogue/instruments/?sector=school"))
    assert first.count('class="ds-card"') == 25 and "Virkemiddel 24" in first
    assert "Showing 1–25 of 30" in first
    assert 'href="?sector=school&amp;page=2"' in first
    second = main(english.get("/catalogue/instruments/?sector=school&page=2"))
    assert second.count('class="ds-card"') == 5 and "Virkemiddel 29" in second
    assert 'aria-current="true"' in second


def test_the_instrument_list_takes_a_fixed_number_of_queries(
    publish_entry: Make, client: Client, udir: Organisation, bufdir: Organisation,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    for n in range(30):
        publish_entry(Instrument, title_nb=f"Virkemiddel {n:02}", kind="tool",
                      owners=[udir, bufdir] if n % 2 else [udir])  # fmt: skip
    with django_assert_max_num_queries(4):  # count, page, owners, the owner filter's choices
        response = client.get("/catalogue/instruments/")
    assert main(response).count("Bufdir") >= 12


def test_the_practice_list_takes_a_fixed_number_of_queries(
    publish_entry: Make, client: Client, swedish: dict[str, Any],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    for n in range(30):
        publish_entry(Practice, **{**swedish, "title": f"Praksis {n:02}"})
    with django_assert_max_num_queries(7):  # the page, its count, one count per facet
        response = client.get("/catalogue/practices/?country=SE&sector=school")
    assert main(response).count('class="ds-card"') == 25


def test_the_coordination_view_is_an_accessible_table_with_overlaps_and_gaps_in_words(
    catalogue: dict[str, Entry], publish_entry: Make, english: Client, bufdir: Organisation
) -> None:
    publish_entry(Instrument, title_nb="Foreldreveiledning", kind="programme", owners=[bufdir],
                  target_groups=["families"], age_from=0, age_to=12)  # fmt: skip
    page = main(english.get("/catalogue/instruments/coordination/"))
    assert '<div class="app-table-wrap" role="region" tabindex="0"' in page
    assert "<caption>" in page and page.count('scope="col"') == 6
    assert page.count('scope="row"') == 10  # one row per target group
    families = page[page.index("Parents and families</th>") :]
    families = families[: families.index("</tr>")]
    cells = re.findall(r"<td.*?</td>", families, re.S)
    assert "Overlap" in cells[0] and "Grant for parenting support" in cells[0]
    assert "Overlap" not in cells[1] and "Foreldreveiledning" in cells[1]
    assert "Gap" in cells[4]
    assert "Joint instruments" in page and "Grant for parenting support" in page
    school = main(english.get("/catalogue/instruments/coordination/?sector=school"))
    assert "parenting support" not in school and "Foreldreveiledning" not in school
    assert english.get("/catalogue/instruments/coordination/?sector=nope").status_code == 200


def test_the_measure_shows_its_challenge_against_county_and_country(
    catalogue: dict[str, Entry], english: Client
) -> None:
    page = main(english.get(f"/catalogue/initiatives/{catalogue['initiative'].pk}/"))
    row = page[page.index("Persistent low income") :]
    row = row[: row.index("</tr>")]
    assert "2024" in row and "13.5" in row and "11.5" in row and "10.2" in row
    assert 'href="/knowledge/regions/4003/#indicator-low_income"' in page
    assert f'href="/catalogue/instruments/{catalogue["instrument"].pk}/"' in page
    assert f'href="/catalogue/networks/{catalogue["network"].pk}/"' in page
    assert "Færre bekymringer" in page and "Ongoing" in page


def test_the_measures_are_filtered_by_municipality_or_county(
    catalogue: dict[str, Entry], english: Client
) -> None:
    assert "Tidlig innsats i Skien" in main(english.get("/catalogue/initiatives/?place=Skien"))
    assert "Tidlig innsats i Skien" in main(english.get("/catalogue/initiatives/?place=40"))
    oslo = main(english.get("/catalogue/initiatives/?place=0301"))
    assert "Tidlig innsats i Skien" not in oslo
    unknown = main(english.get("/catalogue/initiatives/?place=Atlantis"))
    assert "No municipality or county has the name or number “Atlantis”." in unknown


def test_the_network_shows_its_members_side_by_side(
    catalogue: dict[str, Entry], english: Client
) -> None:
    page = main(english.get(f"/catalogue/networks/{catalogue['network'].pk}/"))
    assert 'href="/knowledge/regions/4003/"' in page and 'href="/knowledge/regions/4001/"' in page
    table = page[page.index('id="members-heading"') :]
    header = table[table.index("<thead>") : table.index("</thead>")]
    assert re.findall(r'<th scope="col">([^<]+)</th>', header) == [
        "Indicator", "Porsgrunn", "Skien", "Telemark", "Norway",
    ]  # fmt: skip
    row = table[table.index("Persistent low income") :]
    row = row[: row.index("</tr>")]
    assert re.findall(r"<td>([^<]+)<span", row) == ["9.0\xa0% ", "13.5\xa0% ", "11.5\xa0% ",
                                                     "10.2\xa0% "]  # fmt: skip
    assert "(2023)" in row and "(2024)" in row
    assert f"/catalogue/initiatives/{catalogue['initiative'].pk}/" in page
    assert "Fire ganger i året" in page


def test_the_experience_bank_has_facets_that_combine_without_javascript(
    catalogue: dict[str, Entry], publish_entry: Make, english: Client, swedish: dict[str, Any]
) -> None:
    publish_entry(Practice, title="Tidlig innsats i Porsgrunn", country="NO", level="municipal",
                  language="nb", sectors=["school"], evidence_level="evaluated")  # fmt: skip
    publish_entry(Practice, **{**swedish, "title": "Ungdomsmottagning", "sectors": ["nav"]})
    page = main(english.get("/catalogue/practices/?country=SE&country=NO&sector=school"))
    assert 'method="get"' in page and "<script" not in page
    assert "Tidiga insatser i Norrtälje" in page and "Tidlig innsats i Porsgrunn" in page
    assert "Ungdomsmottagning" not in page
    assert re.search(r'value="SE" id="facet-country-\d+" checked', page)
    assert ">Sweden (1)</label>" in page  # Sweden with the sector school
    assert ">NAV (labour and welfare) (1)</label>" in page  # NAV, among Sweden and Norway
    assert page.count('<fieldset class="ds-fieldset"') == 5 and page.count("<legend") == 5
    narrowed = main(english.get("/catalogue/practices/?country=NO&evidence=evaluated&age=0-5"))
    assert "Tidlig innsats i Porsgrunn" in narrowed and "Norrtälje" not in narrowed


def test_the_experience_bank_says_how_its_search_matches(
    catalogue: dict[str, Entry], english: Client
) -> None:
    from django.db import connection

    page = main(english.get("/catalogue/practices/?q=socialtjänsten"))
    assert "Tidiga insatser i Norrtälje" in page
    if connection.vendor == "postgresql":
        # Escaped once, as either engine writes an apostrophe (&#x27; or &#39;; decision 0006).
        assert "matches whole words in each text's language" in html.unescape(page)
        assert "text's" not in page
    else:
        assert "matches the text literally" in page


def test_the_practice_text_is_marked_with_its_language_and_so_are_its_translations(
    catalogue: dict[str, Entry], english: Client
) -> None:
    practice = catalogue["practice"]
    PracticeTranslation.objects.create(practice=practice, language="en",
                                       title="Early intervention in Norrtälje",
                                       problem="Children got help too late.")  # fmt: skip
    page = main(english.get(f"/catalogue/practices/{practice.pk}/"))
    assert '<h1 class="ds-heading" data-size="lg" lang="sv">' in page
    text = page[page.index('id="practice-text"') - 60 :]
    assert text.startswith(text[: text.index('lang="sv" id="practice-text"')])
    assert "Barnen fick hjälp för sent." in text[: text.index("</div>")]
    assert '<div class="app-stack" lang="en">' in page and "Children got help too late." in page
    assert f'href="/catalogue/resources/{catalogue["resource"].pk}/"' in page


def test_similar_practices_are_listed_on_a_practice(
    catalogue: dict[str, Entry], publish_entry: Make, draft: Make, english: Client,
    swedish: dict[str, Any],
) -> None:  # fmt: skip
    similar = publish_entry(Practice, **{**swedish, "title": "Liknande i Uppsala"})
    draft(Practice, **{**swedish, "title": "Et utkast"})
    page = main(english.get(f"/catalogue/practices/{catalogue['practice'].pk}/"))
    section = page[page.index('id="similar-heading"') :]
    assert f'href="/catalogue/practices/{similar.pk}/"' in section
    assert "Et utkast" not in section and "Tidiga insatser i Norrtälje" not in section


def test_the_front_page_counts_searches_and_links_the_exports(
    catalogue: dict[str, Entry], draft: Make, english: Client, udir: Organisation
) -> None:
    draft(Instrument, title_nb="Tidlig utkast", kind="tool", owners=[udir])
    page = main(english.get("/catalogue/"))
    assert page.count("1 published entry") == 5
    for kind in ("instruments", "initiatives", "networks", "practices", "resources"):
        assert f'href="/catalogue/{kind}/"' in page
    assert 'href="/catalogue/export/instruments.json"' in page
    assert 'href="/catalogue/export/practices.csv"' in page
    found = main(english.get("/catalogue/?q=tidlig"))
    assert 'id="results-initiatives"' in found and 'id="results-resources"' in found
    assert f'href="/catalogue/initiatives/{catalogue["initiative"].pk}/"' in found
    assert "Tidlig utkast" not in found


def test_a_networks_measure_points_to_the_members_side_by_side(
    catalogue: dict[str, Entry], publish_entry: Make, english: Client, low_income: Indicator
) -> None:
    network = catalogue["network"]
    shared = publish_entry(Initiative, title_nb="Felles frafallsarbeid", network=network,
                           indicators=[low_income])  # fmt: skip
    page = main(english.get(f"/catalogue/initiatives/{shared.pk}/"))
    assert "Persistent low income" in page and "<table" not in page
    assert f'href="/catalogue/networks/{network.pk}/#members-heading"' in page


def test_a_learning_resource_links_its_practices_and_instruments(
    catalogue: dict[str, Entry], english: Client
) -> None:
    page = main(english.get(f"/catalogue/resources/{catalogue['resource'].pk}/"))
    assert f'href="/catalogue/practices/{catalogue["practice"].pk}/" lang="sv"' in page
    assert f'href="/catalogue/instruments/{catalogue["instrument"].pk}/"' in page
    assert "Course" in page
    assert "Kurs i tidlig innsats" in main(english.get("/catalogue/resources/?kind=course"))
    assert "Kurs i tidlig innsats" not in main(english.get("/catalogue/resources/?kind=guide"))


def test_the_coordination_view_escapes_what_editors_wrote(
    publish_entry: Make, english: Client, udir: Organisation
) -> None:
    publish_entry(Instrument, title_nb="<b>Fet</b> & trygg", kind="tool", owners=[udir],
                  target_groups=["neet"])  # fmt: skip
    page = main(english.get("/catalogue/instruments/coordination/"))
    assert "&lt;b&gt;Fet&lt;/b&gt; &amp; trygg" in page and "<b>Fet</b>" not in page


SEARCHED = [("/catalogue/?q=tidlig", "Tidlig innsats i Skien"),
            ("/catalogue/instruments/?q=foreldrestøtte", "Tilskudd til foreldrestøtte"),
            ("/catalogue/initiatives/?q=tidlig", "Tidlig innsats i Skien"),
            ("/catalogue/networks/?q=grenlandsnettverket", "Grenlandsnettverket"),
            ("/catalogue/practices/?q=socialtjänsten", "Tidiga insatser i Norrtälje"),
            ("/catalogue/resources/?q=kurs", "Kurs i tidlig innsats"),
            ("/api/v1/instruments?q=foreldrestøtte", "Tilskudd til foreldrestøtte"),
            ("/api/v1/practices?q=socialtjänsten", "Tidiga insatser i Norrtälje")]  # fmt: skip


@pytest.mark.parametrize(("url", "title"), SEARCHED)
def test_a_search_is_planned_with_its_words_each_time_not_prepared(
    catalogue: dict[str, Entry], client: Client, url: str, title: str, settings: Any
) -> None:
    """config/planning.py: a generic plan would build the words' tsquery for every row."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    # The rate limit's database cache rolls back a savepoint now and then, and psycopg forgets
    # its prepared statements at a rollback: without it, what is prepared is what the app sends.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_search": "off"}
    answers = [client.get(url) for _ in range(7)]
    assert [answer.status_code for answer in answers] == [200] * 7
    last = answers[-1]
    found = json.dumps(last.json(), ensure_ascii=False) if url.startswith("/api/") else main(last)
    assert title in found
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        ranked = [row[0] for row in cursor.fetchall() if "ts_rank" in row[0]]
    assert ranked == []


def test_a_practice_s_facts_line_is_what_the_list_wrote_in_each_language() -> None:
    """catalogue_public.practice_facts, remembered per values and language, writes what the
    experience bank's list wrote with the labels and texts one by one."""
    from django.template import engines
    from django.utils import translation

    from samhandling.catalogue.templatetags.catalogue_public import practice_facts

    written_before = engines["jinja2"].from_string(
        '{{ item.get_country_display() }} · {{ item.get_level_display() }} · {{ _("ages %(span)s")'
        "|fill(span=item|age_span) }} · {{ item.get_evidence_level_display() }} · "
        '{{ _("in %(language)s")|fill(language=item.get_language_display()) }}'
    )
    practices = [
        Practice(country=country, level=level, evidence_level=evidence, language=language,
                 age_from=low, age_to=high)
        for country in [*Practice.Country.values, "XX"]
        for level, evidence, language, (low, high) in zip(
            Practice.Level.values * 3, Practice.Evidence.values * 2, Practice.Language.values,
            [(0, 24), (6, 15), (16, 18), (0, 5), (13, 24), (19, 24)], strict=False)
    ]  # fmt: skip
    assert len(practices) > 20
    for language in ("nb", "en", "nb"):
        with translation.override(language):
            for item in practices:
                assert str(practice_facts(item)) == written_before.render({"item": item})


def test_a_practice_s_summary_is_its_problem_s_first_forty_words_in_each_language() -> None:
    """catalogue_public.practice_summary, remembered per text and language, writes what
    Django's `truncatewords` wrote (its ellipsis is translated)."""
    from django.template import defaultfilters
    from django.utils import translation

    from samhandling.catalogue.templatetags.catalogue_public import practice_summary

    texts = ["", "Kort.", " ".join(f"ord{n}" for n in range(60)), "<b>Tegn</b> & " * 30]
    for language in ("nb", "en", "nb"):
        with translation.override(language):
            for text in texts:
                expected = defaultfilters.truncatewords(text, 40)
                assert practice_summary(Practice(problem=text)) == expected
