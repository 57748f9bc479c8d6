"""Views of the knowledge base: the challenge picture of a region, comparisons, the indicator
definitions and the municipality's commentary.

Official statistics and our own suppressed aggregates are public, so these pages need no
sign-in; only writing the commentary does (an analyst of the municipality).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from samhandling.config.http import Request
from samhandling.config.ratelimit import has_query, rate_limited
from samhandling.organisations import selectors as organisations
from samhandling.organisations.models import Region

from .. import charts, commentary
from ..forms import CommentaryForm, CompareForm
from ..models import Indicator
from ..profiles import (
    AGGREGATES_NOTE,
    MARKEDLY_WORSE_RULE,
    PERCENTILE_EXPLAINED,
    IndicatorProfile,
    Point,
    Profile,
    build_profile,
    comparable_regions,
    compare,
    find_region,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def index(request: Request) -> HttpResponse:
    """Find a municipality or county; every one is listed under its county."""
    query = request.GET.get("q", "").strip()
    matches: list[Region] = []
    if query:
        known = comparable_regions()
        exact = known.get(query.casefold())
        if exact is not None:
            return redirect("insight:profile", code=exact.code)
        folded = query.casefold()
        matches = sorted(
            {r.pk: r for r in known.values() if folded in r.name.casefold()}.values(),
            key=lambda r: r.name,
        )
    counties = organisations.counties_with_municipalities()
    return render(
        request,
        "insight/index.html",
        {"query": query, "matches": matches, "searched": bool(query), "counties": counties},
    )


@require_safe
def profile(request: Request, code: str) -> HttpResponse:
    region = _region(code)
    picture = build_profile(region)
    for item in picture.indicators:
        item.chart = _trend_chart(picture, item)
    latest = commentary.newest(region)
    context = {
        "profile": picture,
        "region": region,
        "commentary": latest,
        "may_comment": bool(commentary.may_write_commentary(request.actor, region)),
        "rule": MARKEDLY_WORSE_RULE,
        "percentile_explained": PERCENTILE_EXPLAINED,
        "aggregates_note": AGGREGATES_NOTE,
    }
    return render(request, "insight/profile.html", context)


@require_safe
def profile_csv(request: Request, code: str) -> HttpResponse:
    """Every indicator's latest value beside the county's and the country's."""
    region = _region(code)
    picture = build_profile(region)
    header = [
        "indicator", "indicator_name", "topic", "unit", "period", "region", "region_name",
        "value", "status", "county", "county_value", "county_status", "country",
        "country_value", "country_status", "percentile", "compared_regions", "markedly_worse",
        "mapped_from", "origin", "publisher", "source_table", "licence",
    ]  # fmt: skip
    rows = []
    for item in picture.indicators:
        ind = item.indicator
        rows.append([
            ind.code, _text(ind.name), ind.topic, ind.unit, item.latest.period, region.code,
            _text(region.display_name), *_value(item.latest),
            picture.county.code if picture.county else "", *_value(item.county),
            picture.country.code if picture.country else "", *_value(item.country),
            "" if item.percentile is None else item.percentile, item.peers,
            "yes" if item.markedly_worse else "no", item.latest.mapped_from, ind.origin,
            _text(ind.publisher), _text(ind.source_table), _text(ind.licence),
        ])  # fmt: skip
    return _csv(f"profile-{region.code}.csv", header, rows)


@require_safe
def indicator_csv(request: Request, code: str, indicator: str) -> HttpResponse:
    """One indicator's series for the region, its county and the country."""
    region = _region(code)
    picture = build_profile(region)
    item = next((i for i in picture.indicators if i.indicator.code == indicator), None)
    if item is None:
        raise Http404
    header = [
        "region", "region_name", "level", "indicator", "period", "year", "value", "status",
        "note", "mapped_from", "origin",
    ]  # fmt: skip
    rows = []
    levels = [("region", region, item.series), ("county", picture.county, item.county_series),
              ("country", picture.country, item.country_series)]  # fmt: skip
    for level, where, points in levels:
        if where is None:
            continue
        for point in points:
            rows.append([
                where.code, _text(where.display_name), level, indicator, point.period,
                point.year, *_value(point), _text(point.note), point.mapped_from,
                item.indicator.origin,
            ])  # fmt: skip
    return _csv(f"{indicator}-{region.code}.csv", header, rows)


@require_safe
def compare_regions(request: Request) -> HttpResponse:
    """Up to five municipalities or counties side by side (?regions=4003&regions=4001…)."""
    bound = "regions" in request.GET or "indicator" in request.GET
    form = CompareForm(request.GET if bound else None)
    comparison = None
    chart = None
    if bound and form.is_valid():
        comparison = compare(form.cleaned_data["regions"], form.cleaned_data["indicator"])
        if comparison.indicator is not None:
            names = [r.display_name for r in comparison.regions]
            chart = charts.line_chart(
                names=names,
                series=comparison.series,
                unit=comparison.indicator.unit,
                description=_chart_description(comparison.indicator.name, names),
            )
        if request.GET.get("format") == "csv":
            return _compare_csv(comparison)
    regions = sorted({r.pk: r for r in comparable_regions().values()}.values(), key=_by_code)
    given = request.GET.getlist("regions") if bound else []
    inputs = [given[n] if n < len(given) else "" for n in range(max(5, len(given)))]
    context = {
        "form": form,
        "comparison": comparison,
        "chart": chart,
        "regions": regions,
        "inputs": inputs,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "insight/compare.html", context, status=200)


@require_safe
def indicators(request: Request) -> HttpResponse:
    """The definition of every indicator: publisher, source table, licence, origin."""
    return render(
        request,
        "insight/indicators.html",
        {"indicators": Indicator.objects.order_by("topic", "code")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def commentary_page(request: Request, code: str) -> HttpResponse:
    """Every version of the commentary; an analyst of the municipality writes a new one."""
    region = _region(code)
    if request.method == "POST" and not request.actor.is_authenticated:
        return redirect_to_login(request.get_full_path())
    allowed = bool(commentary.may_write_commentary(request.actor, region))
    if request.method == "POST" and not allowed:
        commentary.require_writer(request.actor, region)  # audits the refusal and raises
    latest = commentary.newest(region)
    conflict = None
    status = 200
    if request.method == "POST":
        form = CommentaryForm(request.POST)
        if form.is_valid():
            try:
                saved = commentary.write_commentary(
                    region,
                    by=request.actor,
                    text=form.cleaned_data["text"],
                    based_on=form.cleaned_data["based_on"],
                )
            except commentary.CommentaryConflict as newer:
                conflict = newer.newest
                latest = conflict
                form = CommentaryForm(
                    initial={
                        "text": form.cleaned_data["text"],
                        "based_on": conflict.version if conflict else 0,
                    }
                )
                status = 409
            else:
                messages.success(
                    request, _("Saved as version %(version)d.") % {"version": saved.version}
                )
                return redirect(reverse("insight:commentary", args=[region.code]))
        else:
            status = 400
    else:
        form = CommentaryForm(
            initial={
                "text": latest.text if latest else "",
                "based_on": latest.version if latest else 0,
            }
        )
    context = {
        "region": region,
        "versions": list(commentary.versions(region)),
        "latest": latest,
        "form": form if allowed else None,
        "conflict": conflict,
        "conflicted": status == 409,
        "signed_in": request.actor.is_authenticated,
    }
    return render(request, "insight/commentary.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("indicators/", indicators, name="indicators"),
    path("compare/", compare_regions, name="compare"),
    path("regions/<str:code>/", profile, name="profile"),
    path("regions/<str:code>/profile.csv", profile_csv, name="profile_csv"),
    path("regions/<str:code>/indicators/<slug:indicator>.csv", indicator_csv, name="indicator_csv"),
    path("regions/<str:code>/commentary/", commentary_page, name="commentary"),
]


# --- helpers --------------------------------------------------------------------------------


def _region(code: str) -> Region:
    region = find_region(code)
    if region is None:
        raise Http404
    return region


def _by_code(region: Region) -> tuple[int, str]:
    order = {"country": 0, "county": 1, "municipality": 2}
    return order.get(region.kind, 3), region.code


def _trend_chart(picture: Profile, item: IndicatorProfile) -> dict[str, Any]:
    names = [picture.region.display_name]
    series: list[Sequence[Point]] = [item.series]
    for where, points in ((picture.county, item.county_series),
                          (picture.country, item.country_series)):  # fmt: skip
        if where is not None and points:
            names.append(where.display_name)
            series.append(points)
    return charts.line_chart(
        names=names,
        series=series,
        unit=item.indicator.unit,
        description=_chart_description(item.indicator.name, names),
    )


def _chart_description(indicator: str, names: Sequence[str]) -> str:
    return _("Line chart of %(indicator)s over time for %(regions)s. The values are also in "
             "the table below the chart.") % {"indicator": indicator,
                                              "regions": ", ".join(names)}  # fmt: skip


def _compare_csv(comparison: Any) -> HttpResponse:
    header = ["indicator", "indicator_name", "region", "region_name", "period", "year", "value",
              "status", "note", "mapped_from", "origin"]  # fmt: skip
    rows = []
    if comparison.indicator is not None:
        ind = comparison.indicator
        for region, points in zip(comparison.regions, comparison.series, strict=True):
            for point in points:
                rows.append([ind.code, _text(ind.name), region.code,
                             _text(region.display_name), point.period, point.year,
                             *_value(point), _text(point.note), point.mapped_from,
                             ind.origin])  # fmt: skip
    else:
        for row in comparison.rows:
            ind = row.indicator
            for region, found in zip(comparison.regions, row.points, strict=True):
                point = found or Point(period=row.period, year=0, value=None, status="missing")
                rows.append([ind.code, _text(ind.name), region.code,
                             _text(region.display_name), row.period, point.year or "",
                             *_value(point), _text(point.note), point.mapped_from,
                             ind.origin])  # fmt: skip
    codes = "-".join(r.code for r in comparison.regions)
    return _csv(f"compare-{codes}.csv", header, rows)


def _value(point: Point | None) -> list[str]:
    """(value, status): a value with a dot for decimals and no rounding, or empty with the
    publisher's status — never 0 for what was not published."""
    if point is None:
        return ["", "missing"]
    if not point.has_value or point.value is None:
        return ["", point.status or "missing"]
    return [_number(point.value), point.status]


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _text(text: Any) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    text = str(text or "")
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv(filename: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
