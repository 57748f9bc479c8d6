"""The challenge picture: a region's indicators against its county and the country, over time.

A selector module. Everything read here is public (official statistics, and our own aggregates
that were suppressed before they were stored), so nothing is audited. A profile takes a fixed
number of queries however many indicators and years there are: the indicators, the region's
observations, its county's and country's, one aggregate query for every percentile, and the
region's own aggregates.

Markedly worse (the "Needs attention" list) is defined in MARKEDLY_WORSE_RULE and
`is_markedly_worse`: among the worst quarter of the comparable regions (municipalities for a
municipality, counties for a county) that have a value for the same period, AND at least 10 %
worse than the country, relative to the country's value. Values the publisher calls uncertain,
example values, and indicators where neither direction is better, are never raised.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Subquery
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from samhandling.config.compiled import CompiledQuery
from samhandling.organisations.models import Region

from . import suppression
from .models import Aggregate, Better, Indicator, Observation, Status, Topic, Unit

# The worst quarter among comparable regions …
WORST_PERCENTILE = 25
# … and at least this much worse than the country, relative to the country's value.
RELATIVE_MARGIN = Decimal("0.10")
# A percentile needs a population: fewer comparable regions with a value than this, none.
MIN_PEERS = 4
AGGREGATE_QUARTERS = 4
MAX_COMPARED = 5

MARKEDLY_WORSE_RULE = _(
    "An indicator needs attention when the value is among the worst 25 % of the comparable "
    "regions (municipalities for a municipality, counties for a county) with a value for the "
    "same period, and at the same time at least 10 % worse than the value for the whole "
    "country (relative to the country's value). Values the publisher marks as uncertain, "
    "example values, and indicators where neither a higher nor a lower value is better, are "
    "never raised."
)
PERCENTILE_EXPLAINED = _(
    "The percentile says where the value stands among the comparable regions with a value for "
    "the same period: 100 is the best value, 0 the weakest, 50 the middle. Where neither a "
    "higher nor a lower value is better, 100 is the highest value."
)
NO_VALUE = {Status.MISSING, Status.SUPPRESSED}

# indicator, period, year, breakdown, value, status, note, mapped_from
Row = tuple[int, str, int, str, Decimal | None, str, str, str]


@dataclass(frozen=True)
class Point:
    """One value of a series: a period with its value or the publisher's status."""

    period: str
    year: int
    value: Decimal | None
    status: str = ""
    note: str = ""
    mapped_from: str = ""  # the older region code the value was carried over from
    decimals: int = 1
    unit: str = ""

    @property
    def has_value(self) -> bool:
        return self.value is not None and self.status not in NO_VALUE

    @property
    def status_label(self) -> str:
        if self.status:
            return str(Status(self.status).label)
        return "" if self.has_value else str(Status.MISSING.label)

    @functools.cached_property
    def number(self) -> str:
        """The value as a number in the reader's language, or the empty string."""
        if not self.has_value:
            return ""
        assert self.value is not None
        return format_number(self.value, self.decimals)

    @functools.cached_property
    def text(self) -> str:
        """The value with its unit, or what the publisher says instead of a value — never 0."""
        if not self.has_value:
            return self.status_label
        number = self.number
        if self.unit == Unit.PERCENT:
            number = f"{number}\u00a0%"
        elif self.unit == Unit.KRONER:
            number = f"{number}\u00a0kr"
        if self.status == Status.UNCERTAIN:
            return f"{number} ({Status.UNCERTAIN.label})"
        return number

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "year": self.year,
            "value": float(self.value) if self.has_value and self.value is not None else None,
            "status": self.status,
            "note": self.note,
            "mapped_from": self.mapped_from,
        }


@dataclass
class IndicatorProfile:
    indicator: Indicator
    latest: Point
    county: Point | None = None  # the comparison one level up (the county of a municipality)
    country: Point | None = None
    series: list[Point] = field(default_factory=list)
    county_series: list[Point] = field(default_factory=list)
    country_series: list[Point] = field(default_factory=list)
    breakdowns: list[tuple[str, Point]] = field(default_factory=list)
    percentile: int | None = None
    peers: int = 0  # comparable regions with a value for the latest period
    relative_to_country: Decimal | None = None  # region ÷ country − 1
    markedly_worse: bool = False
    chart: dict[str, Any] | None = None  # the Vega-Lite spec a page draws (insight.charts)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def mapped(self) -> list[Point]:
        return [point for point in self.series if point.mapped_from]

    @property
    def gaps(self) -> list[int]:
        """Years missing between the first and the last of the region's series."""
        return missing_years(self.series)

    @property
    def per_cent_from_country(self) -> str:
        if self.relative_to_country is None:
            return ""
        return format_number(abs(self.relative_to_country * 100), 0)

    @property
    def table(self) -> list[tuple[str, Point | None, Point | None, Point | None]]:
        """(period, region, county, country) for every period of any of the three series."""
        return aligned([self.series, self.county_series, self.country_series])

    def as_dict(self) -> dict[str, Any]:
        indicator = self.indicator
        return {
            "code": indicator.code,
            "name": indicator.name,
            "topic": indicator.topic,
            "unit": indicator.unit,
            "decimals": indicator.decimals,
            "better": indicator.better,
            "origin": indicator.origin,
            "publisher": indicator.publisher,
            "source_table": indicator.source_table,
            "licence": indicator.licence,
            "latest": self.latest.as_dict(),
            "county": self.county.as_dict() if self.county else None,
            "country": self.country.as_dict() if self.country else None,
            "percentile": self.percentile,
            "peers": self.peers,
            "relative_to_country": (
                float(self.relative_to_country) if self.relative_to_country is not None else None
            ),
            "markedly_worse": self.markedly_worse,
            "series": {
                "region": [p.as_dict() for p in self.series],
                "county": [p.as_dict() for p in self.county_series],
                "country": [p.as_dict() for p in self.country_series],
            },
            "breakdowns": [{"breakdown": b, **p.as_dict()} for b, p in self.breakdowns],
        }


@dataclass(frozen=True)
class AggregateCell:
    count: int | None
    value: Decimal | None
    suppressed: bool

    @property
    def text(self) -> str:
        if self.suppressed:
            return suppression.MARK
        if self.value is not None:
            return format_number(self.value)
        if self.count is not None:
            return format_number(Decimal(self.count))
        return "–"

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "value": float(self.value) if self.value is not None else None,
            "suppressed": self.suppressed,
            "text": self.text,
        }


@dataclass
class AggregateTable:
    """One measure of the coordination work: a row per category, a cell per quarter."""

    measure: str
    label: str
    rows: list[tuple[str, list[AggregateCell | None]]]

    def as_dict(self, quarters: Sequence[str]) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "label": self.label,
            "rows": [
                {
                    "category": category,
                    "cells": {
                        q: (c.as_dict() if c else None)
                        for q, c in zip(quarters, cells, strict=True)
                    },
                }
                for category, cells in self.rows
            ],
        }


@dataclass
class Profile:
    region: Region
    county: Region | None  # what the region is compared with one level up (None for a county)
    country: Region | None
    indicators: list[IndicatorProfile]
    quarters: list[str] = field(default_factory=list)
    aggregates: list[AggregateTable] = field(default_factory=list)

    @property
    def attention(self) -> list[IndicatorProfile]:
        worse = [item for item in self.indicators if item.markedly_worse]
        return sorted(worse, key=lambda item: (item.percentile or 0, item.indicator.code))

    @property
    def groups(self) -> list[tuple[str, str, list[IndicatorProfile]]]:
        """(topic, its label, indicators) in the order of Topic, without those in attention."""
        by_topic: dict[str, list[IndicatorProfile]] = defaultdict(list)
        for item in self.indicators:
            if not item.markedly_worse:
                by_topic[item.indicator.topic].append(item)
        return [
            (topic.value, str(topic.label), by_topic[topic.value])
            for topic in Topic
            if by_topic.get(topic.value)
        ]

    @property
    def peer_kind(self) -> str:
        if self.region.kind == Region.Kind.COUNTY:
            return str(_("counties"))
        return str(_("municipalities"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": region_dict(self.region),
            "county": region_dict(self.county) if self.county else None,
            "country": region_dict(self.country) if self.country else None,
            "markedly_worse_rule": str(MARKEDLY_WORSE_RULE),
            "attention": [item.code for item in self.attention],
            "indicators": [item.as_dict() for item in self.indicators],
            "aggregates": {
                "note": str(AGGREGATES_NOTE),
                "quarters": list(self.quarters),
                "measures": [table.as_dict(self.quarters) for table in self.aggregates],
            },
        }


AGGREGATES_NOTE = _(
    "Our own figures from the coordination work in this service, not official statistics. "
    "“:” marks a hidden figure: fewer than 5, or hidden so that a number under 5 cannot be "
    "worked out from the total."
)


@dataclass
class ComparisonRow:
    indicator: Indicator
    period: str  # the latest period any of the compared regions has
    points: list[Point | None]  # one per region, for that period

    def as_dict(self, regions: Sequence[Region]) -> dict[str, Any]:
        return {
            "indicator": self.indicator.code,
            "name": self.indicator.name,
            "period": self.period,
            "values": {
                r.code: (p.as_dict() if p else None)
                for r, p in zip(regions, self.points, strict=True)
            },
        }


@dataclass
class Comparison:
    regions: list[Region]
    rows: list[ComparisonRow]
    indicator: Indicator | None = None
    series: list[list[Point]] = field(default_factory=list)  # per region, for `indicator`

    @property
    def table(self) -> list[tuple[str, list[Point | None]]]:
        return [(period, list(points)) for period, *points in aligned(self.series)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "regions": [region_dict(r) for r in self.regions],
            "indicator": self.indicator.code if self.indicator else None,
            "rows": [row.as_dict(self.regions) for row in self.rows],
            "series": {
                r.code: [p.as_dict() for p in points]
                for r, points in zip(self.regions, self.series, strict=True)
            },
        }


def region_dict(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name": region.display_name, "kind": region.kind}


def format_number(value: Decimal, decimals: int | None = None) -> str:
    """As Django's number_format in the active language, without its cost per call (a profile
    formats a few thousand values). `decimals` None keeps the value's own, without trailing
    zeros."""
    if settings.USE_THOUSAND_SEPARATOR:
        return formats.number_format(value, decimal_pos=decimals, use_l10n=True)
    return _formatted_number(value, decimals, translation.get_language())


@functools.lru_cache(maxsize=8192)
def _formatted_number(value: Decimal, decimals: int | None, language: str | None) -> str:
    # Remembered per value, number of decimals and language: a profile page prints some 60
    # values, most of them again on the next page in the same municipality. Values that are
    # equal print the same (1.0 and 1.00 alike). The key is a published figure, not a person's.
    if decimals is None:
        text = format(value.normalize(), "f")
    else:
        text = format(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # no "-0.0"
    separator = formats.get_format("DECIMAL_SEPARATOR", lang=language, use_l10n=True)
    return text.replace(".", separator) if separator != "." else text


# --- finding regions ---------------------------------------------------------------------


def find_region(code: str) -> Region | None:
    """A municipality (4 digits), a county (2 digits) or a country ("NO"), with its county and
    country selected."""
    if code.isdigit() and len(code) == 4:
        kind, country = Region.Kind.MUNICIPALITY, "NO"
    elif code.isdigit() and len(code) == 2:
        kind, country = Region.Kind.COUNTY, "NO"
    elif code.isalpha() and len(code) == 2 and code.isupper():
        kind, country = Region.Kind.COUNTRY, code
    else:
        return None
    found = _REGION(kind, country, code)
    return found[0] if found else None


def comparable_regions() -> dict[str, Region]:
    """Norway, its counties and municipalities by code and by (unambiguous) name, casefolded;
    one query."""
    regions = list(Region.objects.filter(country="NO").order_by("code"))
    by_key: dict[str, Region] = {}
    names: dict[str, list[Region]] = defaultdict(list)
    for region in regions:
        by_key[region.code.casefold()] = region
        for name in {region.name, region.display_name}:
            names[name.casefold()].append(region)
    for name, found in names.items():
        if len(found) == 1:
            by_key.setdefault(name, found[0])
    return by_key


# --- building -------------------------------------------------------------------------------


def build_profile(region: Region) -> Profile:
    """The challenge picture of a municipality, a county or the country."""
    county, country = comparison_regions(region)
    indicators = {indicator.pk: indicator for indicator in _INDICATORS()}
    own = [tuple(row) for row in _OWN_ROWS.rows(region.pk)]
    headline: dict[int, list[Point]] = defaultdict(list)
    detail: dict[int, list[tuple[str, Point]]] = defaultdict(list)
    for row in own:
        indicator = indicators[row[0]]
        point = _point(row, indicator)
        if row[3]:
            detail[row[0]].append((row[3], point))
        else:
            headline[row[0]].append(point)
    others: dict[tuple[int, int], list[Point]] = defaultdict(list)
    above = [r.pk for r in (county, country) if r is not None]
    if above and headline:
        for region_id, *values in _ABOVE_ROWS.rows(above, sorted(headline)):
            point = _point(tuple(values), indicators[values[0]])
            others[(region_id, values[0])].append(point)

    items: list[IndicatorProfile] = []
    for indicator_id, points in headline.items():
        points.sort(key=lambda p: (p.year, p.period))
        latest = points[-1]
        county_series = _sorted(others.get((county.pk, indicator_id), [])) if county else []
        country_series = _sorted(others.get((country.pk, indicator_id), [])) if country else []
        items.append(
            IndicatorProfile(
                indicator=indicators[indicator_id],
                latest=latest,
                county=_at(county_series, latest.period),
                country=_at(country_series, latest.period),
                series=points,
                county_series=county_series,
                country_series=country_series,
                breakdowns=sorted(
                    (b for b in detail.get(indicator_id, []) if b[1].period == latest.period),
                    key=lambda b: b[0],
                ),
            )
        )
    _rank(region, items)
    for item in items:
        item.relative_to_country = relative_difference(item.latest, item.country)
        item.markedly_worse = is_markedly_worse(item)
    topic_order = {topic.value: position for position, topic in enumerate(Topic)}
    items.sort(key=lambda i: (topic_order.get(i.indicator.topic, 99), i.indicator.name.lower()))
    quarters, aggregates = _aggregates(region)
    return Profile(region, county, country, items, quarters, aggregates)


def comparison_regions(region: Region) -> tuple[Region | None, Region | None]:
    """(county, country) to compare with: a municipality's county and country, a county's
    country, nothing for a country. Expects parent__parent to be selected with the region."""
    if region.kind == Region.Kind.MUNICIPALITY:
        county = region.parent
        return county, county.parent if county else None
    if region.kind == Region.Kind.COUNTY:
        return None, region.parent
    return None, None


def compare(regions: list[Region], indicator: Indicator | None) -> Comparison:
    """Up to five regions side by side: every indicator at the latest period any of them has,
    and the chosen indicator's series for each."""
    if len(regions) > MAX_COMPARED:
        raise ValueError(f"compare at most {MAX_COMPARED} regions")
    indicators = {i.pk: i for i in Indicator.objects.all()}
    position = {region.pk: n for n, region in enumerate(regions)}
    found: dict[int, list[list[Point]]] = {}
    query = Observation.objects.filter(region_id__in=list(position), breakdown="")
    for region_id, row in _rows_by_region(query):
        per_region = found.setdefault(row[0], [[] for _region in regions])
        per_region[position[region_id]].append(_point(row, indicators[row[0]]))
    rows: list[ComparisonRow] = []
    for indicator_id, per_region in found.items():
        newest = max((p for points in per_region for p in points), key=lambda p: (p.year, p.period))
        rows.append(
            ComparisonRow(
                indicator=indicators[indicator_id],
                period=newest.period,
                points=[_at(points, newest.period) for points in per_region],
            )
        )
    topic_order = {topic.value: n for n, topic in enumerate(Topic)}
    rows.sort(key=lambda r: (topic_order.get(r.indicator.topic, 99), r.indicator.name.lower()))
    series: list[list[Point]] = []
    if indicator is not None:
        series = [_sorted(points) for points in found.get(indicator.pk, [[] for _r in regions])]
    return Comparison(regions=list(regions), rows=rows, indicator=indicator, series=series)


ROW_FIELDS = ("indicator_id", "period", "year", "breakdown", "value", "status", "note",
              "mapped_from")  # fmt: skip
# A profile's reads, their SQL built once (config/compiled.py): the profile page and its API.
_REGION = CompiledQuery(
    lambda kind, country, code: Region.objects.select_related("parent__parent")
    .filter(kind=kind, country=country, code=code).order_by("pk")[:1]
)  # fmt: skip
_INDICATORS = CompiledQuery(lambda: Indicator.objects.all())
_OWN_ROWS = CompiledQuery(
    lambda region_id: Observation.objects.filter(region_id=region_id)
    .order_by().values_list(*ROW_FIELDS)
)  # fmt: skip
_ABOVE_ROWS = CompiledQuery(
    lambda region_ids, indicator_ids: Observation.objects.filter(
        region_id__in=region_ids, breakdown="", indicator_id__in=indicator_ids
    ).order_by().values_list("region_id", *ROW_FIELDS)
)  # fmt: skip
_AGGREGATE_ROWS = CompiledQuery(
    lambda municipality_id: Aggregate.objects.filter(
        municipality_id=municipality_id,
        quarter__in=Subquery(
            Aggregate.objects.filter(municipality_id=municipality_id)
            .order_by("-quarter").values("quarter").distinct()[:AGGREGATE_QUARTERS]
        ),
    ).values_list("quarter", "measure", "category", "count", "value", "suppressed")
)  # fmt: skip


def _rows_by_region(query: Any) -> list[tuple[int, Row]]:
    return [
        (region_id, tuple(row))
        for region_id, *row in query.order_by().values_list("region_id", *ROW_FIELDS)
    ]


def _point(row: Row, indicator: Indicator) -> Point:
    _indicator, period, year, _breakdown, value, status, note, mapped = row
    return Point(
        period=period,
        year=year,
        value=value,
        status=status,
        note=note,
        mapped_from=mapped,
        decimals=indicator.decimals,
        unit=indicator.unit,
    )


def _sorted(points: Iterable[Point]) -> list[Point]:
    return sorted(points, key=lambda p: (p.year, p.period))


def _at(points: Iterable[Point], period: str) -> Point | None:
    return next((p for p in points if p.period == period), None)


def _rank(region: Region, items: list[IndicatorProfile]) -> None:
    """Percentiles for every indicator in one query: among the regions of the same kind and
    country with a value for the same period, how many are lower and how many equal."""
    if region.kind not in (Region.Kind.MUNICIPALITY, Region.Kind.COUNTY):
        return
    ranked = [item for item in items if item.latest.has_value]
    if not ranked:
        return
    counts = _peer_counts(region, ranked)
    for item in ranked:
        total, lower, equal = counts.get(item.indicator.pk, (0, 0, 0))
        item.peers = total
        if total < MIN_PEERS:
            continue
        item.percentile = percentile(
            lower=lower, equal=equal, total=total, better=item.indicator.better
        )


_PEER_COUNTS = """
WITH latest (indicator_id, year, period, value) AS (VALUES {rows})
SELECT o.indicator_id, COUNT(*),
       SUM(CASE WHEN o.value < latest.value THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.value = latest.value THEN 1 ELSE 0 END)
FROM latest
JOIN {observation} o ON o.indicator_id = latest.indicator_id AND o.year = latest.year
                    AND o.period = latest.period
JOIN {region} r ON r.id = o.region_id
WHERE o.breakdown = '' AND o.value IS NOT NULL AND o.status NOT IN (%s, %s)
  AND r.kind = %s AND r.country = %s
GROUP BY o.indicator_id
"""
_PEER_ROW = (
    "(CAST(%s AS INTEGER), CAST(%s AS INTEGER), CAST(%s AS VARCHAR(20)), CAST(%s AS NUMERIC))"
)


def _peer_counts(region: Region, ranked: list[IndicatorProfile]) -> dict[int, tuple[int, int, int]]:
    """indicator → (values, lower, equal) among the region's peers, for every indicator's
    latest period at once. One statement that starts from the (indicator, year) index; the
    ORM's form of it (an OR of 3 × n conditions) took longer to build than to run."""
    params: list[Any] = []
    for item in ranked:
        params += [item.indicator.pk, item.latest.year, item.latest.period, item.latest.value]
    params += [Status.MISSING.value, Status.SUPPRESSED.value, region.kind, region.country]
    sql = _PEER_COUNTS.format(
        rows=", ".join([_PEER_ROW] * len(ranked)),
        observation=connection.ops.quote_name(Observation._meta.db_table),
        region=connection.ops.quote_name(Region._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            indicator: (int(total), int(lower or 0), int(equal or 0))
            for indicator, total, lower, equal in cursor.fetchall()
        }


def percentile(*, lower: int, equal: int, total: int, better: str) -> int:
    """Where a value stands among `total` values (itself included), 100 the best: the share of
    the others that it beats, ties counted half. Where lower is better, the scale turns."""
    if total <= 1:
        return 50
    higher = total - lower - equal
    beaten = higher if better == Better.LOWER else lower
    share = (beaten + (equal - 1) / 2) / (total - 1)
    return round(100 * share)


def relative_difference(value: Point, reference: Point | None) -> Decimal | None:
    if reference is None or not value.has_value or not reference.has_value:
        return None
    assert value.value is not None and reference.value is not None
    if reference.value == 0:
        return None
    return (value.value - reference.value) / abs(reference.value)


def is_markedly_worse(item: IndicatorProfile) -> bool:
    """See MARKEDLY_WORSE_RULE."""
    better = item.indicator.better
    if better == Better.NEITHER or item.latest.status == Status.UNCERTAIN:
        return False
    if item.indicator.origin == Indicator.Origin.EXAMPLE:
        return False
    if item.percentile is None or item.percentile > WORST_PERCENTILE:
        return False
    relative = item.relative_to_country
    if relative is None:
        return False
    worse_by = relative if better == Better.LOWER else -relative
    return worse_by >= RELATIVE_MARGIN


def missing_years(points: Sequence[Point]) -> list[int]:
    if not points:
        return []
    years = {p.year for p in points}
    return [year for year in range(min(years), max(years) + 1) if year not in years]


def aligned(series: Sequence[Sequence[Point]]) -> list[Any]:
    """(period, point of each series or None) for every period in any of them, oldest first."""
    periods: dict[str, int] = {}
    for points in series:
        for point in points:
            periods[point.period] = point.year
    index = [{p.period: p for p in points} for points in series]
    return [
        (period, *(found.get(period) for found in index))
        for period in sorted(periods, key=lambda period: (periods[period], period))
    ]


def _aggregates(region: Region) -> tuple[list[str], list[AggregateTable]]:
    """The region's own coordination aggregates for its last four quarters, in one query."""
    if region.kind != Region.Kind.MUNICIPALITY:
        return [], []
    rows = _AGGREGATE_ROWS.rows(region.pk)
    quarters = sorted({row[0] for row in rows})
    column = {quarter: n for n, quarter in enumerate(quarters)}
    cells: dict[str, dict[str, list[AggregateCell | None]]] = defaultdict(dict)
    for quarter, measure, category, count, value, suppressed in rows:
        row = cells[measure].setdefault(category, [None] * len(quarters))
        row[column[quarter]] = AggregateCell(count, value, suppressed)
    tables = [
        AggregateTable(
            measure=measure.value,
            label=str(measure.label),
            rows=sorted(cells[measure.value].items()),
        )
        for measure in Aggregate.Measure
        if measure.value in cells
    ]
    return quarters, tables
