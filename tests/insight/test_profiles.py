"""The challenge picture's computations on a small world of observations in Telemark."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from samhandling.insight import charts
from samhandling.insight.models import Aggregate, Indicator, Observation
from samhandling.insight.profiles import (
    IndicatorProfile,
    Profile,
    build_profile,
    compare,
    find_region,
    percentile,
)
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db

# Six municipalities of Telemark; Skien is the one whose picture is drawn.
TOWNS = ["4001", "4003", "4005", "4010", "4012", "4014"]


@dataclass
class World:
    skien: Region
    porsgrunn: Region
    telemark: Region
    norway: Region
    low_income: Indicator  # lower is better
    wellbeing: Indicator  # higher is better
    bullying: Indicator  # lower is better; Skien's latest is suppressed
    share: Indicator  # neither; derived
    example: Indicator  # example values


def observe(indicator: Indicator, region: Region, period: str, value: object = None,
            status: str = "", note: str = "", breakdown: str = "",
            mapped_from: str = "") -> Observation:  # fmt: skip
    return Observation.objects.create(
        indicator=indicator,
        region=region,
        period=period,
        year=int(period[-4:]),
        breakdown=breakdown,
        value=None if value is None else Decimal(str(value)),
        status=status,
        note=note,
        mapped_from=mapped_from,
    )


def indicator(code: str, better: str, **fields: object) -> Indicator:
    return Indicator.objects.create(
        code=code, name_nb=code.replace("_", " "), name_en=code.replace("_", " "),
        topic=fields.pop("topic", "living_conditions"), unit=fields.pop("unit", "percent"),
        better=better, publisher=fields.pop("publisher", "FHI"), source_table="403",
        licence="CC BY 4.0", **fields,
    )  # fmt: skip


@pytest.fixture
def world(regions: None) -> World:
    return build_world()


def build_world() -> World:
    """Six towns, Telemark and Norway, with the indicators that show each rule."""
    towns = {r.code: r for r in Region.objects.filter(country="NO", code__in=TOWNS)}
    telemark = Region.objects.get(country="NO", kind="county", code="40")
    norway = Region.objects.get(kind="country", code="NO")
    w = World(
        skien=towns["4003"],
        porsgrunn=towns["4001"],
        telemark=telemark,
        norway=norway,
        low_income=indicator("low_income", "lower"),
        wellbeing=indicator("wellbeing", "higher", topic="education"),
        bullying=indicator("bullying", "lower", topic="education"),
        share=indicator("share_0_24", "neither", topic="population", origin="derived"),
        example=indicator("example_measure", "higher", topic="health", origin="example"),
    )
    # Low income 2024: Skien has the highest share of six (the worst) and is a third above
    # the country. Its series has no 2022 (a gap) and its 2020 value came from an old code.
    for code, value in zip(TOWNS, [10, 20, 12, 14, 16, 11], strict=True):
        observe(w.low_income, towns[code], "2024", value)
    observe(w.low_income, w.skien, "2020", 17, mapped_from="0806")
    observe(w.low_income, w.skien, "2021", 18)
    observe(w.low_income, w.skien, "2023", 19)
    observe(w.low_income, w.skien, "2024", 21, breakdown="sex=girls")
    for year, county, country in [(2020, 14, 13), (2021, 14, 13), (2022, 15, 14), (2024, 16, 15)]:
        observe(w.low_income, telemark, str(year), county)
        observe(w.low_income, norway, str(year), country)
    # Well-being: Skien is the best of six; higher is better.
    for code, value in zip(TOWNS, [80, 90, 70, 60, 75, 85], strict=True):
        observe(w.wellbeing, towns[code], "2024", value)
    observe(w.wellbeing, w.skien, "2023", status="suppressed")
    observe(w.wellbeing, norway, "2024", 78)
    # Bullying: Skien's latest value is suppressed (never a 0).
    observe(w.bullying, w.skien, "2023", 7)
    observe(w.bullying, w.skien, "2024", status="suppressed")
    observe(w.bullying, norway, "2024", 6)
    # Neither direction is better: ranked by size only, never raised.
    for code, value in zip(TOWNS, [30, 40, 28, 26, 27, 25], strict=True):
        observe(w.share, towns[code], "2024", value)
    observe(w.share, norway, "2024", 29)
    # Example values: the worst of six, far below the country, but only four values.
    for code, value in zip(TOWNS[:4], [50, 10, 40, 45], strict=True):
        observe(w.example, towns[code], "2024", value)
    observe(w.example, norway, "2024", 40)
    return w


def item_of(profile: Profile, code: str) -> IndicatorProfile:
    return next(i for i in profile.indicators if i.indicator.code == code)


def test_a_municipality_is_compared_with_its_county_and_the_country(world: World) -> None:
    profile = build_profile(find_region("4003"))  # type: ignore[arg-type]
    assert (profile.county, profile.country) == (world.telemark, world.norway)
    low = item_of(profile, "low_income")
    assert (low.latest.period, low.latest.value) == ("2024", Decimal(20))
    assert low.county is not None and low.county.value == Decimal(16)
    assert low.country is not None and low.country.value == Decimal(15)
    assert [p.year for p in low.county_series] == [2020, 2021, 2022, 2024]


def test_a_county_is_compared_with_the_country_and_the_country_with_nothing(world: World) -> None:
    county = build_profile(find_region("40"))  # type: ignore[arg-type]
    assert (county.county, county.country) == (None, world.norway)
    country = build_profile(find_region("NO"))  # type: ignore[arg-type]
    assert (country.county, country.country) == (None, None)
    assert all(item.percentile is None for item in country.indicators)


def test_the_percentile_turns_with_the_direction_that_is_better(world: World) -> None:
    profile = build_profile(world.skien)
    assert item_of(profile, "low_income").percentile == 0  # the highest share: the worst
    assert item_of(profile, "wellbeing").percentile == 100  # the highest score: the best
    assert item_of(profile, "share_0_24").percentile == 100  # neither: the highest value
    assert item_of(profile, "low_income").peers == 6


def test_percentile_counts_ties_half() -> None:
    assert percentile(lower=0, equal=1, total=5, better="higher") == 0
    assert percentile(lower=4, equal=1, total=5, better="higher") == 100
    assert percentile(lower=4, equal=1, total=5, better="lower") == 0
    assert percentile(lower=1, equal=3, total=5, better="higher") == 50


def test_too_few_values_give_no_percentile(world: World) -> None:
    Observation.objects.filter(indicator=world.wellbeing, year=2024).exclude(
        region__in=[world.skien, world.porsgrunn, world.norway]
    ).delete()
    assert item_of(build_profile(world.skien), "wellbeing").percentile is None


def test_markedly_worse_is_the_worst_quarter_and_ten_per_cent_worse_than_the_country(
    world: World,
) -> None:
    profile = build_profile(world.skien)
    assert [item.indicator.code for item in profile.attention] == ["low_income"]
    low = item_of(profile, "low_income")
    assert low.relative_to_country == Decimal(5) / Decimal(15)
    # the rest are grouped by topic, without the one raised to the top
    grouped = [item.indicator.code for _t, _l, items in profile.groups for item in items]
    assert "low_income" not in grouped and "wellbeing" in grouped


def test_the_worst_quarter_alone_is_not_markedly_worse(world: World) -> None:
    Observation.objects.filter(indicator=world.low_income, region=world.norway, year=2024).update(
        value=Decimal("19")  # Skien's 20 is only 5 % above the country now
    )
    assert not item_of(build_profile(world.skien), "low_income").markedly_worse


def test_much_worse_than_the_country_but_not_in_the_worst_quarter_is_not_raised(
    world: World,
) -> None:
    profile = build_profile(world.porsgrunn)  # 10 against the country's 15: better
    assert not item_of(profile, "low_income").markedly_worse
    Observation.objects.filter(indicator=world.low_income, region=world.norway, year=2024).update(
        value=Decimal("8")  # now every town is far above the country; Porsgrunn is the best
    )
    assert not item_of(build_profile(world.porsgrunn), "low_income").markedly_worse
    assert item_of(build_profile(world.skien), "low_income").markedly_worse


def test_uncertain_values_and_indicators_without_a_better_direction_are_never_raised(
    world: World,
) -> None:
    Observation.objects.filter(indicator=world.low_income, region=world.skien, year=2024).update(
        status="uncertain"
    )
    profile = build_profile(world.skien)
    assert not item_of(profile, "low_income").markedly_worse
    assert not item_of(profile, "share_0_24").markedly_worse


def test_suppressed_values_are_shown_as_suppressed_never_as_zero(world: World) -> None:
    profile = build_profile(world.skien)
    bullying = item_of(profile, "bullying")
    assert bullying.latest.status == "suppressed" and not bullying.latest.has_value
    assert bullying.latest.text == "Suppressed (small numbers)"
    assert bullying.percentile is None and not bullying.markedly_worse
    assert bullying.country is not None and bullying.country.value == Decimal(6)
    suppressed = [p for p in item_of(profile, "wellbeing").series if p.year == 2023]
    assert suppressed[0].text == "Suppressed (small numbers)"


def test_a_broken_series_has_its_gap_and_its_mapped_values_marked(world: World) -> None:
    low = item_of(build_profile(world.skien), "low_income")
    assert low.gaps == [2022]
    assert [(p.year, p.mapped_from) for p in low.mapped] == [(2020, "0806")]
    rows = charts.chart_rows(["Skien"], [low.series])
    assert [(r["year"], r["value"]) for r in rows] == [
        (2020, 17.0), (2021, 18.0), (2022, None), (2023, 19.0), (2024, 20.0)
    ]  # fmt: skip
    suppressed = charts.chart_rows(
        ["Skien"], [item_of(build_profile(world.skien), "bullying").series]
    )
    assert [r["value"] for r in suppressed] == [7.0, None]


def test_breakdowns_of_the_latest_period_are_kept_beside_the_headline(world: World) -> None:
    low = item_of(build_profile(world.skien), "low_income")
    assert [(b, p.value) for b, p in low.breakdowns] == [("sex=girls", Decimal(21))]
    assert low.latest.value == Decimal(20)


def test_derived_and_example_indicators_keep_their_origin(world: World) -> None:
    profile = build_profile(world.skien)
    assert item_of(profile, "share_0_24").indicator.origin == "derived"
    example = item_of(profile, "example_measure")
    assert example.indicator.origin == "example"
    assert example.percentile == 0 and example.peers == 4
    assert not example.markedly_worse  # far worse than the country, but not statistics


def test_aggregates_are_the_last_four_quarters_with_hidden_figures_marked(
    world: World,
) -> None:
    for quarter in ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]:
        Aggregate.objects.create(municipality=world.skien, quarter=quarter,
                                 measure="cases_by_level", category="1", count=12)  # fmt: skip
    Aggregate.objects.create(municipality=world.skien, quarter="2026Q2", measure="cases_by_level",
                             category="3", count=None, suppressed=True)  # fmt: skip
    Aggregate.objects.create(municipality=world.porsgrunn, quarter="2026Q3",
                             measure="cases_by_level", category="1", count=40)  # fmt: skip
    profile = build_profile(world.skien)
    assert profile.quarters == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    [table] = profile.aggregates
    cells = dict(table.rows)
    assert [c.text if c else None for c in cells["3"]] == [None, None, None, ":"]
    assert [c.text if c else None for c in cells["1"]] == ["12"] * 4
    assert build_profile(world.telemark).aggregates == []


def test_the_profile_as_a_dict_is_json(world: World) -> None:
    data = build_profile(world.skien).as_dict()
    text = json.dumps(data)
    assert data["attention"] == ["low_income"]
    low = next(i for i in data["indicators"] if i["code"] == "low_income")
    assert low["county"]["value"] == 16.0 and low["percentile"] == 0
    bullying = next(i for i in data["indicators"] if i["code"] == "bullying")
    expected = {"period": "2024", "year": 2024, "value": None, "status": "suppressed"}
    assert expected.items() <= bullying["latest"].items()
    assert "markedly_worse_rule" in data and '"value": 0' not in text


def test_compare_puts_regions_side_by_side_at_the_latest_period(world: World) -> None:
    comparison = compare([world.skien, world.porsgrunn], world.low_income)
    row = next(r for r in comparison.rows if r.indicator == world.low_income)
    assert row.period == "2024"
    assert [p.value if p else None for p in row.points] == [Decimal(20), Decimal(10)]
    assert [len(points) for points in comparison.series] == [4, 1]
    json.dumps(comparison.as_dict())


def test_compare_refuses_more_than_five(world: World) -> None:
    many = list(Region.objects.filter(kind="municipality")[:6])
    with pytest.raises(ValueError):
        compare(many, None)


def test_a_profile_takes_the_same_few_queries_however_many_indicators(
    world: World, django_assert_max_num_queries: object
) -> None:
    for n in range(10):
        extra = indicator(f"extra_{n}", "higher")
        for code in TOWNS:
            observe(extra, Region.objects.get(country="NO", code=code), "2024", n + len(code))
    skien = find_region("4003")
    assert skien is not None
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        profile = build_profile(skien)
    assert len(profile.indicators) == 15


def test_charts_tell_lines_apart_without_colour(world: World) -> None:
    spec = charts.line_chart(names=["Skien", "Telemark", "Norge"],
                             series=[[], [], []], unit="percent", description="d")  # fmt: skip
    point_layer = spec["layer"][1]["encoding"]
    assert point_layer["shape"]["scale"]["range"] == ["circle", "square", "triangle-up"]
    assert point_layer["strokeDash"]["scale"]["range"] == [[1, 0], [6, 3], [2, 2]]
    assert spec["layer"][0]["mark"]["invalid"] == "break-paths-filter-domains"
    assert charts.distinct(["Oslo", "Oslo", "Norge"]) == ["Oslo", "Oslo (2)", "Norge"]


@pytest.mark.parametrize(
    ("value", "decimals", "nb", "en"),
    [
        (Decimal("12.345"), 1, "12,3", "12.3"),
        (Decimal("12.35"), 1, "12,4", "12.4"),  # half up, as the publisher rounds
        (Decimal("1.50"), None, "1,5", "1.5"),  # the value's own decimals, no trailing zeros
        (Decimal("1.5"), None, "1,5", "1.5"),  # an equal value, the same text
        (Decimal("-0.04"), 1, "0,0", "0.0"),  # no "-0,0"
        (Decimal("-3"), 0, "-3", "-3"),
    ],
)
def test_a_number_is_written_in_the_readers_language_each_time(
    value: Decimal, decimals: int | None, nb: str, en: str
) -> None:
    """format_number remembers what it wrote per value, decimals and language: it still
    writes each language's own decimal separator, however the calls alternate."""
    from django.utils import translation

    from samhandling.insight.profiles import format_number

    for _ in range(2):
        with translation.override("nb"):
            assert format_number(value, decimals) == nb
        with translation.override("en"):
            assert format_number(value, decimals) == en
