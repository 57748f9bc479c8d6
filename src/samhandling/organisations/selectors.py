"""Reads of reference data (regions). No personal data here, so no audit."""

from django.db.models import QuerySet

from .models import Region


def counties_with_municipalities() -> list[tuple[Region, list[Region]]]:
    regions = list(
        Region.objects.filter(
            country="NO", kind__in=[Region.Kind.COUNTY, Region.Kind.MUNICIPALITY]
        ).order_by("code")
    )
    by_county: dict[int, list[Region]] = {}
    for region in regions:
        if region.kind == Region.Kind.MUNICIPALITY and region.parent_id is not None:
            by_county.setdefault(region.parent_id, []).append(region)
    return [(r, by_county.get(r.pk, [])) for r in regions if r.kind == Region.Kind.COUNTY]


def nordic_countries() -> QuerySet[Region]:
    return Region.objects.filter(kind=Region.Kind.COUNTRY).order_by("code")
