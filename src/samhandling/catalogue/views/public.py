"""The catalogue's public pages: what the catalogue is, the state instruments and the view of
their overlaps and gaps, development measures, municipal networks, the Nordic experience bank
and the learning resources.

Published entries are public (no sign-in). A draft or withdrawn entry is shown only to someone
who may edit it, with a notice; to anyone else its address does not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from samhandling.config import forms as base
from samhandling.config.http import Request
from samhandling.config.ratelimit import has_query, rate_limited
from samhandling.insight.profiles import IndicatorProfile, build_profile, find_region
from samhandling.organisations.models import Organisation, Sector

from .. import selectors
from ..filters import (
    FACET_PARAMS,
    CatalogueSearch,
    InitiativeFilter,
    InstrumentFilter,
    NetworkFilter,
    PracticeFilter,
    ResourceFilter,
)
from ..kinds import KINDS, PLURAL, SLUG_OF
from ..models import Entry, Initiative, Instrument, Network, Practice, Resource, Status
from ..services import may_edit
from ..templatetags.catalogue_public import bilingual

PER_PAGE = 25
INDEX_RESULTS = 10  # results of each kind on the catalogue's front page before "all …"
DETAIL = {slug: f"catalogue:{slug[:-1]}" for slug in KINDS}  # "instruments" → "…:instrument"


def _page(request: Request, items: QuerySet[Any]) -> Page[Any]:
    """The page of `items` that ?page= asks for (the first for anything that is not a page,
    the last for a number past the end), with the page numbers to link to; its items read."""
    with selectors.planned_as_searched(items):
        page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
    return _with_links(page)


def _with_links(page: Page[Any]) -> Page[Any]:
    """`page` with the page numbers to link to."""
    page.elided = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def _entry_context(request: Request, entry: Entry) -> dict[str, Any]:
    return {
        "entry": entry,
        "kind": SLUG_OF[type(entry)],
        "may_edit": bool(may_edit(request.actor, entry)),
    }


# --- the front page ------------------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def index(request: Request) -> HttpResponse:
    """What the catalogue is, its parts with their counts, and a search across all of them."""
    form = CatalogueSearch(request.GET)
    query = form.query()
    results: list[dict[str, Any]] = []
    if query:
        for slug, kind in KINDS.items():
            found = selectors.search(query, kind=kind)
            with selectors.planned_as_searched(found):
                first = list(found[:INDEX_RESULTS])
                total = found.count()
            items = [(reverse(DETAIL[slug], args=[e.pk]), str(e)) for e in first]
            results.append(
                {"slug": slug, "label": PLURAL[slug], "items": items, "total": total,
                 "url": reverse(f"catalogue:{slug}")}
            )  # fmt: skip
    parts = [
        {"slug": slug, "label": PLURAL[slug], "count": selectors.published(kind).count(),
         "url": reverse(f"catalogue:{slug}")}
        for slug, kind in KINDS.items()
    ]  # fmt: skip
    context = {
        "form": form,
        "query": query,
        "parts": parts,
        "results": results,
        "found": sum(result["total"] for result in results),
        "search_method": selectors.search_method(),
    }
    return render(request, "catalogue/index.html", context)


# --- state instruments ---------------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def instruments(request: Request) -> HttpResponse:
    form = InstrumentFilter(request.GET)
    found = selectors.filter_instruments(form.criteria())
    context = {"form": form, "page": _page(request, found),
               "search_method": selectors.search_method(Instrument)}  # fmt: skip
    return render(request, "catalogue/instruments.html", context)


class CoordinationFilter(base.Form):
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )


@require_safe
def coordination(request: Request) -> HttpResponse:
    """Target groups × ages: the instruments from different directorates that reach the same
    children, so that overlaps and gaps show."""
    form = CoordinationFilter(request.GET)
    sector = form.cleaned_data.get("sector", "") if form.is_valid() else ""
    grid = selectors.coordination_grid(sector=sector or None)
    link = _instrument_link()
    shown = {item.pk: _listed(item, grid.owners[item.pk], link) for item in grid.instruments}
    rows = [
        (row.label, [{"overlap": cell.overlap, "gap": cell.gap,
                      "items": _joined(shown[i.pk]["short"] for i in cell.instruments)}
                     for cell in row.cells])
        for row in grid.rows
    ]  # fmt: skip
    directorates = {o.pk: o for owners in grid.owners.values() for o in owners}
    context = {
        "form": form,
        "grid": grid,
        "rows": rows,
        "joint": _joined(shown[item.pk]["full"] for item in grid.joint),
        "without_group": _joined(shown[item.pk]["short"] for item in grid.without_group),
        "directorates": sorted(directorates.values(), key=lambda o: o.short_name or o.name),
        "sector": Sector(sector).label if sector else "",
    }
    return render(request, "catalogue/coordination.html", context)


def _instrument_link() -> str:
    """An instrument's address with "{}" for its id: reversed once for the hundreds of links
    of the coordination view."""
    marker = 999_999_999
    return reverse("catalogue:instrument", args=[marker]).replace(str(marker), "{}")


def _listed(instrument: Instrument, owners: list[Organisation], link: str) -> dict[str, SafeString]:
    """An instrument as a list item with its owners by short name ("short") and by full name
    ("full"), made once: the same instrument stands in many cells, and a grid of hundreds of
    instruments renders in a fraction of the time of a template loop per cell."""
    title = bilingual(instrument, "title")
    anchor = (f'<a class="ds-link" href="{link.format(instrument.pk)}" lang="{title.lang}">'
              f"{escape(title.text)}</a>")  # fmt: skip
    short = escape(", ".join(o.short_name or o.name for o in owners))
    full = escape(", ".join(o.name for o in owners))
    return {"short": mark_safe(f"<li>{anchor} ({short})</li>"),  # noqa: S308 - escaped above
            "full": mark_safe(f"<li>{anchor} – {full}</li>")}  # noqa: S308 # fmt: skip


def _joined(items: Iterable[SafeString]) -> SafeString:
    return mark_safe("".join(items))  # noqa: S308 - every item was escaped by _listed


@require_safe
def instrument(request: Request, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for(request.actor, Instrument, pk)
    context = {
        **_entry_context(request, entry),
        "owners": list(entry.owners.order_by("short_name", "name")),
        "open": selectors.is_open_for_application(entry, timezone.localdate()),
        "initiatives": selectors.published_initiatives().filter(instruments=entry),
        "resources": selectors.published_resources().filter(instruments=entry),
    }
    return render(request, "catalogue/instrument.html", context)


# --- development measures -------------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def initiatives(request: Request) -> HttpResponse:
    form = InitiativeFilter(request.GET)
    found = selectors.filter_initiatives(form.criteria())
    context = {"form": form, "page": _page(request, found),
               "search_method": selectors.search_method(Initiative)}  # fmt: skip
    return render(request, "catalogue/initiatives.html", context)


@require_safe
def initiative(request: Request, pk: int) -> HttpResponse:
    """The measure and the challenge it answers: each of its indicators in the municipality
    against the county and the country (from the challenge picture)."""
    entry = selectors.get_entry_for(request.actor, Initiative, pk)
    indicators = list(entry.indicators.order_by("topic", "code"))
    found: dict[str, IndicatorProfile] = {}
    profile = None
    region = find_region(entry.municipality.code) if entry.municipality and indicators else None
    if region is not None:
        profile = build_profile(region)
        found = {item.code: item for item in profile.indicators}
    challenge = [(indicator, found.get(indicator.code)) for indicator in indicators]
    network = entry.network if entry.network and entry.network.is_published else None
    context = {
        **_entry_context(request, entry),
        "challenge": challenge,
        "profile": profile,
        "network": network,
        "instruments": entry.instruments.filter(status=Status.PUBLISHED).prefetch_related("owners"),
    }
    return render(request, "catalogue/initiative.html", context)


# --- networks -------------------------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def networks(request: Request) -> HttpResponse:
    form = NetworkFilter(request.GET)
    found = selectors.filter_networks(form.criteria())
    context = {"form": form, "page": _page(request, found),
               "search_method": selectors.search_method(Network)}  # fmt: skip
    return render(request, "catalogue/networks.html", context)


@require_safe
def network(request: Request, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for(request.actor, Network, pk)
    context = {
        **_entry_context(request, entry),
        "comparison": selectors.members_side_by_side(entry),
        "initiatives": selectors.published_initiatives().filter(network=entry),
    }
    return render(request, "catalogue/network.html", context)


# --- the Nordic experience bank ------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def practices(request: Request) -> HttpResponse:
    """Practices with full-text search and facets that combine: any of the values chosen in
    one facet, and every facet chosen."""
    form = PracticeFilter(request.GET)
    found, options = selectors.practice_page(
        form.criteria(), per_page=PER_PAGE, number=request.GET.get("page")
    )
    facets = [
        (facet, FACET_PARAMS[facet.name], form[FACET_PARAMS[facet.name]].errors)
        for facet in options
    ]
    page = _with_links(found)
    count = page.paginator.count
    context = {
        "form": form,
        "page": page,
        "facets": facets,
        "search_method": selectors.search_method(Practice),
        "results_heading": ngettext("%(n)s practice", "%(n)s practices", count) % {"n": count},
    }
    return render(request, "catalogue/practices.html", context)


@require_safe
def practice(request: Request, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for(request.actor, Practice, pk)
    context = {
        **_entry_context(request, entry),
        "translations": entry.translations.order_by("language"),
        "resources": selectors.published_resources().filter(practices=entry),
        "similar": selectors.similar_practices(entry),
    }
    return render(request, "catalogue/practice.html", context)


# --- learning resources --------------------------------------------------------------------


@require_safe
@rate_limited("public_search", per="address", when=has_query)
def resources(request: Request) -> HttpResponse:
    form = ResourceFilter(request.GET)
    found = selectors.filter_resources(form.criteria())
    context = {"form": form, "page": _page(request, found),
               "search_method": selectors.search_method(Resource)}  # fmt: skip
    return render(request, "catalogue/resources.html", context)


@require_safe
def resource(request: Request, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for(request.actor, Resource, pk)
    published_instruments = selectors.published_instruments()
    context = {
        **_entry_context(request, entry),
        "practices": selectors.published_practices().filter(learning_resources=entry),
        "instruments": published_instruments.filter(learning_resources=entry),
    }
    return render(request, "catalogue/resource.html", context)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("instruments/", instruments, name="instruments"),
    path("instruments/coordination/", coordination, name="coordination"),
    path("instruments/<int:pk>/", instrument, name="instrument"),
    path("initiatives/", initiatives, name="initiatives"),
    path("initiatives/<int:pk>/", initiative, name="initiative"),
    path("networks/", networks, name="networks"),
    path("networks/<int:pk>/", network, name="network"),
    path("practices/", practices, name="practices"),
    path("practices/<int:pk>/", practice, name="practice"),
    path("resources/", resources, name="resources"),
    path("resources/<int:pk>/", resource, name="resource"),
]
