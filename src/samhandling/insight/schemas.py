"""What the knowledge base's API gives: regions, indicator definitions and a region's
challenge picture (the shape of `profiles.Profile.as_dict()`). Nothing here is about a person."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    country: str
    parent: str | None  # the code of the county a municipality is in, the country of a county


class IndicatorOut(Schema):
    code: str
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    topic: str
    unit: str
    decimals: int
    better: str
    age_group: str
    publisher: str
    source_table: str
    source_url: str
    licence: str
    origin: str  # official, derived, or example (values not from a publisher)
    source_codes: list[str]


class ProfileRegion(Schema):
    code: str
    name: str
    kind: str


class PointOut(Schema):
    period: str
    year: int
    value: float | None  # None when the publisher gave a status instead (never 0)
    status: str
    note: str
    mapped_from: str


class BreakdownOut(PointOut):
    breakdown: str


class SeriesOut(Schema):
    region: list[PointOut]
    county: list[PointOut]
    country: list[PointOut]


class IndicatorProfileOut(Schema):
    code: str
    name: str
    topic: str
    unit: str
    decimals: int
    better: str
    origin: str
    publisher: str
    source_table: str
    licence: str
    latest: PointOut
    county: PointOut | None
    country: PointOut | None
    percentile: int | None
    peers: int
    relative_to_country: float | None
    markedly_worse: bool
    series: SeriesOut
    breakdowns: list[BreakdownOut]


class AggregateCellOut(Schema):
    count: int | None
    value: float | None
    suppressed: bool
    text: str  # ":" for a hidden (suppressed) figure


class AggregateRowOut(Schema):
    category: str
    cells: dict[str, AggregateCellOut | None]  # by quarter


class AggregateMeasureOut(Schema):
    measure: str
    label: str
    rows: list[AggregateRowOut]


class AggregatesOut(Schema):
    note: str
    quarters: list[str]
    measures: list[AggregateMeasureOut]


class ProfileOut(Schema):
    region: ProfileRegion
    county: ProfileRegion | None
    country: ProfileRegion | None
    markedly_worse_rule: str
    attention: list[str]  # codes of the indicators where the region is markedly worse
    indicators: list[IndicatorProfileOut]
    aggregates: AggregatesOut


class Error(Schema):
    detail: str


JsonStat = dict[str, Any]
