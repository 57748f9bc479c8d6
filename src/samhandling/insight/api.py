"""The knowledge base's API: regions, indicator definitions, a region's challenge picture and
our own aggregates as JSON-stat 2.0, so that the tools that read official statistics read ours.

Everything here is public (no sign-in): official statistics, and aggregates that were
suppressed before they were stored. Nothing is about a person, so nothing is audited.
"""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import StringConstraints

from samhandling.config.api_errors import FieldErrors, field_error, language_of
from samhandling.config.api_fields import inline_choices
from samhandling.organisations.models import Region

from . import jsonstat_out
from .models import Aggregate, Indicator, Topic
from .profiles import build_profile, find_region
from .schemas import Error, IndicatorOut, JsonStat, ProfileOut, RegionOut

router = Router(tags=["knowledge base"], auth=None)

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
QuarterCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}Q[1-4]$")]
RegionKind = Annotated[Region.Kind, inline_choices(Region.Kind)]
MAX_QUARTERS = 40
INDICATOR_FIELDS = (
    "code", "name_nb", "name_en", "description_nb", "description_en", "topic", "unit",
    "decimals", "better", "age_group", "publisher", "source_table", "source_url", "licence",
    "origin",
)  # fmt: skip


@router.get("/regions", response={200: list[RegionOut], 422: FieldErrors}, auth=None)
def list_regions(request: HttpRequest, kind: RegionKind | None = Query(None)) -> object:  # noqa: B008 - ninja's way to declare a parameter
    """Countries, Norway's 15 counties and 357 municipalities (the 2024 structure), each with
    the code of the region it is part of; `?kind=municipality|county|country` for one kind."""
    regions = Region.objects.order_by("country", "kind", "code")
    if kind is not None:
        regions = regions.filter(kind=kind)
    return [
        {"code": code, "name": short or name, "kind": region_kind, "country": country,
         "parent": parent}
        for code, name, short, region_kind, country, parent in regions.values_list(
            "code", "name", "short_name", "kind", "country", "parent__code"
        )
    ]  # fmt: skip


@router.get("/indicators", response={200: list[IndicatorOut], 422: FieldErrors}, auth=None)
def list_indicators(request: HttpRequest, topic: Topic | None = Query(None)) -> object:  # noqa: B008
    """Every indicator's definition: what it measures, its unit, which direction is better, its
    publisher, source table and licence, and whether its values are official, derived or only
    examples."""
    indicators = Indicator.objects.order_by("topic", "code")
    if topic is not None:
        indicators = indicators.filter(topic=topic)
    return [
        {**_fields(indicator), "source_codes": [str(c) for c in indicator.source_codes or []]}
        for indicator in indicators
    ]


@router.get("/regions/{code}/profile", response={200: ProfileOut, 404: Error}, auth=None)
def get_profile(request: HttpRequest, code: str) -> object:
    """The challenge picture of a municipality (4 digits), a county (2 digits) or a country
    ("NO"): each indicator's latest value beside the county's and the country's, its series,
    percentile among its peers, whether it is markedly worse; and, for a municipality, the
    coordination work's suppressed aggregates. Names in bokmål; `?lang=en` for English."""
    region = find_region(code[:16])
    if region is None:
        raise Http404
    with translation.override(language_of(request)):
        return build_profile(region).as_dict()


@router.get(
    "/aggregates", response={200: JsonStat, 404: Error, 422: FieldErrors}, auth=None,
    openapi_extra={"responses": {200: {"description": "A JSON-stat 2.0 dataset"}}},
)  # fmt: skip
def get_aggregates(
    request: HttpRequest,
    municipality: list[MunicipalityCode] = Query(..., max_length=357),  # noqa: B008
    quarter: list[QuarterCode] = Query([], max_length=MAX_QUARTERS),  # noqa: B008
) -> object:
    """The coordination work's anonymous aggregates as a JSON-stat 2.0 dataset (region ×
    quarter × measure), for one or more municipalities (`?municipality=4003&municipality=4001`)
    and quarters (`?quarter=2026Q3`; all quarters if none is given). Counts below 5, and what
    they could be worked out from, have the value null and the status ":". 404 when there are
    no aggregates for the choice."""
    codes = sorted(set(municipality))
    municipalities = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, country="NO")
    known = set(municipalities.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise field_error("municipality", _("No municipality has the number %(codes)s.")
                          % {"codes": ", ".join(unknown)})  # fmt: skip
    rows = Aggregate.objects.filter(
        municipality__kind=Region.Kind.MUNICIPALITY, municipality__country="NO",
        municipality__code__in=codes,
    ).select_related("municipality")  # fmt: skip
    if quarter:
        rows = rows.filter(quarter__in=sorted(set(quarter)))
    found = list(rows)
    if not found:
        raise Http404
    with translation.override(language_of(request)):
        return jsonstat_out.dataset(found)


def _fields(indicator: Indicator) -> dict[str, object]:
    return {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
