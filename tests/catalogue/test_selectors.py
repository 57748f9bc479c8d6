"""The catalogue's readers that the pages and the API share: filters, facets, the coordination
grid, similar practices and the members of a network side by side."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from samhandling.catalogue import selectors, services
from samhandling.catalogue.models import Entry, Initiative, Instrument, Network, Practice
from samhandling.catalogue.selectors import (
    AGE_BANDS,
    BAND_OF,
    InitiativeCriteria,
    InstrumentCriteria,
    PracticeCriteria,
)
from samhandling.insight.models import Indicator, Observation
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region

pytestmark = pytest.mark.django_db

Make = Callable[..., Entry]


def instrument(make: Make, owners: list[Organisation], **fields: Any) -> Entry:
    fields.setdefault("title_nb", "Et virkemiddel")
    fields.setdefault("kind", Instrument.Kind.GRANT_SCHEME)
    return make(Instrument, owners=owners, **fields)


def practice(make: Make, title: str, **fields: Any) -> Entry:
    values: dict[str, Any] = {"country": "NO", "level": "municipal", "language": "nb",
                              "age_from": 0, "age_to": 24}  # fmt: skip
    return make(Practice, title=title, **{**values, **fields})


def found(queryset: Any) -> set[str]:
    return {str(entry) for entry in queryset}


def test_the_age_bands_cover_0_to_24_without_gaps_or_overlaps() -> None:
    ages = [age for band in AGE_BANDS for age in range(band.lowest, band.highest + 1)]
    assert ages == list(range(25))
    assert [band.label for band in AGE_BANDS] == ["0–5", "6–12", "13–15", "16–18", "19–24"]
    assert BAND_OF["13-15"].overlaps(15, 20) and not BAND_OF["13-15"].overlaps(16, 20)


def test_open_for_application_is_a_deadline_ahead_or_a_running_period_without_one(
    publish_entry: Make, udir: Organisation
) -> None:
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    cases = {
        "deadline today": {"application_deadline": today},
        "deadline passed": {"application_deadline": today - day, "period_to": today + day},
        "running period": {"period_from": today - day, "period_to": today + day},
        "open-ended period": {"period_from": today - day},
        "period ahead": {"period_from": today + day},
        "period over": {"period_from": today - 9 * day, "period_to": today - day},
        "no dates": {},
    }
    for title, dates in cases.items():
        instrument(publish_entry, [udir], title_nb=title, **dates)
    open_now = selectors.filter_instruments(InstrumentCriteria(open_for_application=True))
    assert found(open_now) == {"deadline today", "running period", "open-ended period"}
    for entry in Instrument.objects.all():
        expected = str(entry) in {"deadline today", "running period", "open-ended period"}
        assert selectors.is_open_for_application(entry, today) is expected, entry


def test_a_sector_filter_matches_the_whole_value_not_a_part_of_it(
    publish_entry: Make, udir: Organisation
) -> None:
    instrument(publish_entry, [udir], title_nb="Skolehelse", sectors=["school_health"])
    instrument(publish_entry, [udir], title_nb="Skole", sectors=["school", "ppt"])
    assert found(selectors.filter_instruments(InstrumentCriteria(sector="school"))) == {"Skole"}
    health = selectors.filter_instruments(InstrumentCriteria(sector="school_health"))
    assert found(health) == {"Skolehelse"}


def test_instruments_are_filtered_by_type_owner_age_and_target_group(
    publish_entry: Make, draft: Make, udir: Organisation, bufdir: Organisation
) -> None:
    instrument(publish_entry, [udir], title_nb="Udir små", age_from=0, age_to=5,
               target_groups=["families"])  # fmt: skip
    instrument(publish_entry, [udir, bufdir], title_nb="Felles", kind="guide", age_from=13,
               age_to=18, target_groups=["dropout", "neet"])  # fmt: skip
    instrument(draft, [bufdir], title_nb="Utkast", age_from=0, age_to=24)

    def titles(**criteria: Any) -> set[str]:
        return found(selectors.filter_instruments(InstrumentCriteria(**criteria)))

    assert titles() == {"Udir små", "Felles"}  # never the draft
    assert titles(kind="guide") == {"Felles"}
    assert titles(owner=bufdir) == {"Felles"}
    assert titles(owner=udir) == {"Udir små", "Felles"}
    assert titles(age=5) == {"Udir små"} and titles(age=19) == set()
    assert titles(band=BAND_OF["16-18"]) == {"Felles"}
    assert titles(target_group="neet") == {"Felles"}
    assert titles(target_group="neet", owner=udir, kind="grant_scheme") == set()


def test_a_directorate_is_found_by_its_id_or_short_name(udir: Organisation) -> None:
    assert selectors.find_directorate("udir") == udir
    assert selectors.find_directorate(str(udir.pk)) == udir
    assert selectors.find_directorate("Nobody") is None
    assert selectors.find_directorate("9" * 40) is None


def test_the_grid_shows_overlaps_gaps_and_joint_instruments(
    publish_entry: Make, udir: Organisation, bufdir: Organisation
) -> None:
    instrument(publish_entry, [udir], title_nb="Skolemiljø", age_from=6, age_to=15,
               target_groups=["neglect"], sectors=["school"])  # fmt: skip
    instrument(publish_entry, [bufdir], title_nb="Trygg oppvekst", age_from=10, age_to=18,
               target_groups=["neglect"], sectors=["child_welfare"])  # fmt: skip
    instrument(publish_entry, [udir, bufdir], title_nb="Felles foreldrestøtte", age_from=0,
               age_to=5, target_groups=["families"])  # fmt: skip
    grid = selectors.coordination_grid()
    rows = {row.target_group: {c.band.slug: c for c in row.cells} for row in grid.rows}
    neglect = rows["neglect"]
    assert neglect["6-12"].overlap and neglect["13-15"].overlap
    assert [o.short_name for o in neglect["6-12"].directorates] == ["Bufdir", "Udir"]
    assert not neglect["16-18"].overlap and found(neglect["16-18"].instruments) == {
        "Trygg oppvekst"
    }
    assert neglect["0-5"].gap and neglect["19-24"].gap
    # a joint instrument alone is coordinated already: two directorates, but no overlap
    assert not rows["families"]["0-5"].overlap and not rows["families"]["0-5"].gap
    assert found(grid.joint) == {"Felles foreldrestøtte"}
    assert (grid.overlaps, grid.gaps) == (2, 10 * 5 - 4)


def test_the_grid_is_filtered_by_sector(
    publish_entry: Make, udir: Organisation, bufdir: Organisation
) -> None:
    instrument(publish_entry, [udir], title_nb="Skolemiljø", target_groups=["neglect"],
               sectors=["school"])  # fmt: skip
    instrument(publish_entry, [bufdir], title_nb="Barnevern", target_groups=["neglect"],
               sectors=["child_welfare"])  # fmt: skip
    instrument(publish_entry, [bufdir], title_nb="Uten kategori", sectors=["school"])
    grid = selectors.coordination_grid(sector="school")
    cells = next(row.cells for row in grid.rows if row.target_group == "neglect")
    assert all(found(cell.instruments) == {"Skolemiljø"} for cell in cells)
    assert grid.overlaps == 0 and found(grid.without_group) == {"Uten kategori"}


def test_facets_combine_any_value_within_and_every_facet_between(publish_entry: Make) -> None:
    practice(publish_entry, "Norsk skole", sectors=["school"], evidence_level="evaluated")
    practice(publish_entry, "Svensk skole", country="SE", language="sv", sectors=["school"])
    practice(publish_entry, "Dansk NAV", country="DK", language="da", sectors=["nav"],
             age_from=16, age_to=24)  # fmt: skip

    def titles(**criteria: Any) -> set[str]:
        return found(selectors.filter_practices(PracticeCriteria(**criteria)))

    assert titles(countries=frozenset({"NO", "SE"})) == {"Norsk skole", "Svensk skole"}
    assert titles(countries=frozenset({"NO", "DK"}), sectors=frozenset({"nav"})) == {"Dansk NAV"}
    assert titles(bands=frozenset({BAND_OF["0-5"], BAND_OF["19-24"]})) == {
        "Norsk skole", "Svensk skole", "Dansk NAV"
    }  # fmt: skip
    assert titles(bands=frozenset({BAND_OF["16-18"]}), evidence_levels=frozenset({"evaluated"}))\
        == {"Norsk skole"}  # fmt: skip
    assert titles(language="da") == {"Dansk NAV"}
    assert titles(age=10) == {"Norsk skole", "Svensk skole"}


def test_a_facets_counts_apply_the_other_facets_but_not_its_own(publish_entry: Make) -> None:
    practice(publish_entry, "Norsk skole", sectors=["school"])
    practice(publish_entry, "Norsk NAV", sectors=["nav"])
    practice(publish_entry, "Svensk skole", country="SE", language="sv", sectors=["school"])
    criteria = PracticeCriteria(countries=frozenset({"NO"}), sectors=frozenset({"school"}))
    facets = {facet.name: {o.value: o for o in facet.options}
              for facet in selectors.practice_facets(criteria)}  # fmt: skip
    # countries, given the sector school: Norway 1, Sweden 1 (ticking it would add one)
    assert (facets["countries"]["NO"].count, facets["countries"]["SE"].count) == (1, 1)
    assert facets["countries"]["NO"].chosen and not facets["countries"]["SE"].chosen
    # sectors, given Norway: school 1, NAV 1
    assert (facets["sectors"]["school"].count, facets["sectors"]["nav"].count) == (1, 1)
    assert facets["bands"]["0-5"].count == 1  # Norway and school
    assert facets["evidence_levels"]["described"].count == 1


def test_the_facets_labels_and_the_origin_tag_are_in_each_calls_language(
    publish_entry: Make,
) -> None:
    """Both are remembered per language (one process serves both): each call gets its own."""
    from django.utils import translation

    from samhandling.catalogue.templatetags.catalogue_public import origin_tag

    entry = practice(publish_entry, "Norsk skole", sectors=["school"], origin="example")

    def labels() -> dict[str, str]:
        facets = {f.name: f for f in selectors.practice_facets(PracticeCriteria())}
        return {o.value: o.label for o in facets["countries"].options}

    for _ in range(2):
        with translation.override("nb"):
            assert labels()["SE"] == "Sverige"
            assert "Eksempel, ikke offisielt" in origin_tag(entry)
        with translation.override("en"):
            assert labels()["SE"] == "Sweden"
            assert "Example, not official" in origin_tag(entry)


def test_facet_counts_follow_each_calls_words_and_the_data(publish_entry: Make) -> None:
    """The counts' SQL is compiled once (catalogue/selectors.py _facet_counts): each call
    counts with its own words and choices, in the data as it is now."""

    def norway(criteria: PracticeCriteria) -> int:
        facets = {f.name: f for f in selectors.practice_facets(criteria)}
        return next(o.count for o in facets["countries"].options if o.value == "NO")

    practice(publish_entry, "Skole", problem="skole")
    practice(publish_entry, "Helse", problem="helsestasjon")
    assert norway(PracticeCriteria()) == 2
    assert norway(PracticeCriteria(query="skole")) == 1
    assert norway(PracticeCriteria(query="ingenting slikt")) == 0
    practice(publish_entry, "Skole igjen", problem="skole")
    assert norway(PracticeCriteria(query="skole")) == 2
    assert norway(PracticeCriteria(query="skole", age=3)) == 2
    assert norway(PracticeCriteria(query="skole", age=30)) == 0
    assert norway(PracticeCriteria(query="\x00")) == 0  # no text holds it: nothing is asked


def test_similar_practices_share_the_most_and_ties_go_by_title(
    publish_entry: Make, draft: Make
) -> None:
    this = practice(publish_entry, "Denne", sectors=["school", "nav"],
                    target_groups=["dropout"], age_from=13, age_to=18)  # fmt: skip
    practice(publish_entry, "Beste", sectors=["school", "nav"], target_groups=["dropout"],
             age_from=16, age_to=20, level="national")  # 2 sectors, 1 group, ages: 4  # fmt: skip
    practice(publish_entry, "B lik", sectors=["school"], age_from=0, age_to=5)  # sector, level
    practice(publish_entry, "A lik", sectors=["nav"], age_from=0, age_to=5)  # sector, level
    practice(publish_entry, "Ingenting", age_from=0, age_to=5, level="national")  # nothing
    practice(draft, "Utkast", sectors=["school", "nav"], target_groups=["dropout"])
    assert [p.title for p in selectors.similar_practices(this)] == ["Beste", "A lik", "B lik"]
    assert len(selectors.similar_practices(this, limit=1)) == 1


def test_a_municipalitys_measures_include_those_of_its_networks(
    publish_entry: Make, skien: Region, porsgrunn: Region
) -> None:
    network = publish_entry(Network, name_nb="Grenland", members=[skien, porsgrunn])
    publish_entry(Initiative, title_nb="Skiens eget", municipality=skien, progress="ongoing")
    publish_entry(Initiative, title_nb="Grenlands", network=network, sectors=["nav"])
    notodden = Region.objects.get(kind="municipality", code="4005")
    publish_entry(Initiative, title_nb="Notoddens", municipality=notodden)

    def titles(**criteria: Any) -> set[str]:
        return found(selectors.filter_initiatives(InitiativeCriteria(**criteria)))

    assert titles(region=skien) == {"Skiens eget", "Grenlands"}
    assert titles(region=porsgrunn) == {"Grenlands"}
    assert titles(region=skien.parent) == {"Skiens eget", "Grenlands", "Notoddens"}
    assert titles(region=skien, progress="ongoing") == {"Skiens eget"}
    assert titles(sector="nav") == {"Grenlands"}
    networks = selectors.filter_networks(selectors.NetworkCriteria(region=notodden))
    assert not networks.exists()


def _observe(indicator: Indicator, code: str, kind: str, values: dict[int, str]) -> None:
    region = Region.objects.get(kind=kind, code=code)
    for year, value in values.items():
        Observation.objects.create(indicator=indicator, region=region, period=str(year),
                                   year=year, value=Decimal(value))  # fmt: skip


def test_the_members_of_a_network_side_by_side(
    publish_entry: Make, skien: Region, porsgrunn: Region
) -> None:
    low_income = Indicator.objects.create(
        code="low_income", name_nb="Vedvarende lavinntekt", name_en="Persistent low income",
        topic="living_conditions", unit="percent", better="lower", publisher="SSB",
    )  # fmt: skip
    _observe(low_income, "4003", "municipality", {2023: "12.5", 2024: "13.5"})
    _observe(low_income, "4001", "municipality", {2023: "9.0"})
    _observe(low_income, "40", "county", {2023: "11.0", 2024: "11.5"})
    _observe(low_income, "NO", "country", {2024: "10.2"})
    network = publish_entry(Network, name_nb="Grenland", members=[skien, porsgrunn])
    assert isinstance(network, Network)
    comparison = selectors.members_side_by_side(network)
    assert [m.code for m in comparison.members] == ["4001", "4003"]  # Porsgrunn, Skien
    assert comparison.county is not None and comparison.county.code == "40"
    [row] = comparison.rows
    porsgrunn_point, skien_point = row.points
    assert porsgrunn_point is not None and (porsgrunn_point.period, porsgrunn_point.value) == (
        "2023", Decimal("9.0")
    )  # fmt: skip
    assert skien_point is not None and skien_point.period == "2024"
    assert row.county is not None and row.county.period == "2024"  # the newest members' period
    assert row.country is not None and row.country.value == Decimal("10.2")


def test_an_unpublished_entry_is_read_only_by_its_editors(
    draft: Make, editor: Actor, teacher_actor: Actor, udir: Organisation
) -> None:
    entry = instrument(draft, [udir])
    assert selectors.get_entry_for(editor, Instrument, entry.pk) == entry
    for outsider in (teacher_actor, Actor(user=None)):
        with pytest.raises(Http404):
            selectors.get_entry_for(outsider, Instrument, entry.pk)
    with pytest.raises(Http404):
        selectors.get_entry_for(editor, Instrument, entry.pk + 1000)


def test_a_withdrawn_entry_is_no_longer_public(
    publish_entry: Make, editor: Actor, udir: Organisation
) -> None:
    entry = services.withdraw(instrument(publish_entry, [udir]), by=editor)
    assert not selectors.filter_instruments(InstrumentCriteria()).exists()
    with pytest.raises(Http404):
        selectors.get_entry_for(Actor(user=None), Instrument, entry.pk)


def test_a_page_of_practices_is_counted_by_the_facets_query_when_one_facet_is_free(
    publish_entry: Make, django_assert_num_queries: Any
) -> None:
    """practice_page: the list's count comes in the facets' row while some facet has nothing
    chosen (its "other choices" are all the criteria); with every facet chosen it is counted
    on its own. Either way it is the number filter_practices finds, and the page is its."""
    for n in range(30):
        practice(publish_entry, f"Skole {n:02}", problem="skole", sectors=["school"])
    practice(publish_entry, "Helse", problem="helsestasjon", sectors=["family_health"])
    searches = [
        PracticeCriteria(),
        PracticeCriteria(query="skole"),
        PracticeCriteria(query="skole", countries=frozenset({"NO"})),
        PracticeCriteria(query="ingenting slikt"),
        PracticeCriteria(query="a\x00b"),
    ]
    for criteria in searches:
        found = selectors.filter_practices(criteria)
        chosen = sum(bool(getattr(criteria, name)) for name, _label in selectors.FACETS)
        # the facets with nothing chosen (and the count), each facet with a choice, the page;
        # words with a NUL character find nothing without asking
        with django_assert_num_queries(0 if "\x00" in criteria.query else 2 + chosen):
            page, facets = selectors.practice_page(criteria, per_page=25, number=2)
        assert page.paginator.count == found.count()
        assert [p.pk for p in page.object_list] == [p.pk for p in found[25:50]] or (
            page.number == 1 and [p.pk for p in page.object_list] == [p.pk for p in found[:25]]
        )
        assert facets == selectors.practice_facets(criteria)
    every = PracticeCriteria(
        countries=frozenset({"NO"}), sectors=frozenset({"school"}),
        target_groups=frozenset({"all"}), bands=frozenset({BAND_OF["6-12"]}),
        evidence_levels=frozenset({"described"}),
    )  # fmt: skip
    page, _facets = selectors.practice_page(every, per_page=25, number=1)
    assert page.paginator.count == selectors.filter_practices(every).count()


def test_a_page_of_practices_reads_what_the_list_shows_and_not_the_long_texts(
    publish_entry: Make, client: Any, django_assert_num_queries: Any
) -> None:
    """The list reads the practice's title, country, level, language, ages, evidence level,
    problem and origin; the texts of its own page and the search vector stay in the
    database, and the page shows everything it shows without asking again."""
    for n in range(3):
        practice(publish_entry, f"Skole {n}", problem="skole", what_was_done="Mye " * 500)
    page, _facets = selectors.practice_page(PracticeCriteria(), per_page=25, number=1)
    listed = page.object_list[0]
    assert set(listed.get_deferred_fields()) >= {
        "what_was_done", "results", "lessons_learned", "search_vector", "resources", "contact",
    }  # fmt: skip
    assert not set(selectors.LISTED) & listed.get_deferred_fields()
    with django_assert_num_queries(0):
        shown = [(p.title, p.get_country_display(), p.get_level_display(), p.language,
                  p.age_from, p.age_to, p.get_evidence_level_display(), p.problem, p.origin)
                 for p in page.object_list]  # fmt: skip
    assert [row[0] for row in shown] == ["Skole 0", "Skole 1", "Skole 2"]
    response = client.get("/catalogue/practices/")
    assert response.status_code == 200
    assert "Skole 2" in response.content.decode()
    assert "Mye Mye" not in response.content.decode()


def test_search_results_keep_the_ranking_and_their_facet_counts(publish_entry: Make) -> None:
    first = practice(publish_entry, "Skole og skole", problem="skole skole skole")
    second = practice(publish_entry, "Barnehage", problem="skole")
    practice(publish_entry, "Helse", problem="helsestasjon")
    found = selectors.filter_practices(PracticeCriteria(query="skole"))
    assert set(found) == {first, second} and found.count() == 2
    facets = {f.name: {o.value: o.count for o in f.options}
              for f in selectors.practice_facets(PracticeCriteria(query="skole"))}  # fmt: skip
    assert facets["countries"]["NO"] == 2
    if connection.vendor == "postgresql":
        assert list(found) == [first, second]  # the better match first
        narrowed = selectors.filter_practices(
            PracticeCriteria(query="skole", countries=frozenset({"NO"}))
        )
        assert list(narrowed) == [first, second]  # still ranked after a facet narrows them
