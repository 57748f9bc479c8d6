"""Views of the knowledge base: the aggregates for follow-up research (docs/aggregates.md).

Analysts and directorate editors choose municipalities and quarters and download the
coordination aggregates as CSV or JSON-stat 2.0 — the suppressed figures that are stored, never
rows about persons. Every download is recorded (who, what, which format).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from samhandling.access.policy import Decision, grant, refuse
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config import forms as base
from samhandling.config.http import Request
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Region, Role

from .. import aggregates, jsonstat_out, suppression
from ..models import Aggregate, ResearchDownload

RESEARCH_ROLES = (Role.ANALYST, Role.DIRECTORATE_EDITOR)
CSV_COLUMNS = [
    "municipality_code",
    "municipality_name",
    "quarter",
    "measure",
    "category",
    "count",
    "value",
]
FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "jsonstat": ("application/json", "json")}


def may_download(actor: Actor) -> Decision:
    """Municipal analysts and directorate editors download the aggregates for research."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if not actor.has_role(*RESEARCH_ROLES):
        return refuse("only analysts and directorate editors download aggregates for research")
    return grant("downloads aggregates for research")


def _refused(request: Request) -> HttpResponse | None:
    """A redirect to sign in for a visitor; PermissionDenied (audited) for a signed-in person
    who may not download; None for one who may."""
    if not request.actor.is_authenticated:
        return redirect_to_login(request.get_full_path())
    decision = may_download(request.actor)
    if not decision:
        audit.record(request.actor, "export", Subject("insight.researchdownload"),
                     decision=decision)  # fmt: skip
        raise PermissionDenied(decision.reason)
    return None


def _municipalities() -> QuerySet[Region]:
    """The municipalities that have aggregates, by county."""
    return (
        Region.objects.filter(pk__in=Aggregate.objects.values("municipality"))
        .select_related("parent")
        .order_by("parent__code", "code")
    )


class ResearchForm(base.Form):
    municipality = forms.MultipleChoiceField(
        label=_("Municipalities"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one municipality.")},
    )
    quarter = forms.MultipleChoiceField(
        label=_("Quarters"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one quarter.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        widget=forms.RadioSelect,
        choices=[("csv", _("CSV (one row per figure)")), ("jsonstat", _("JSON-stat 2.0"))],
        initial="csv",
        error_messages={"required": _("Choose a format.")},
    )

    def __init__(self, *args: Any, municipalities: Iterable[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field = self.fields["municipality"]
        assert isinstance(choice_field, forms.MultipleChoiceField)
        choice_field.choices = [(region.code, region.name) for region in municipalities]
        quarter_field = self.fields["quarter"]
        assert isinstance(quarter_field, forms.MultipleChoiceField)
        quarter_field.choices = [(quarter, quarter) for quarter in aggregates.computed_quarters()]


def _render_form(request: Request, form: ResearchForm, regions: list[Region],
                 status: int = 200) -> HttpResponse:  # fmt: skip
    county_of = {region.code: region.parent for region in regions}
    groups: list[tuple[Any, list[Any]]] = []
    for option in form["municipality"]:
        county = county_of[option.data["value"]]
        if not groups or groups[-1][0] != county:
            groups.append((county, []))
        groups[-1][1].append(option)
    chosen = set(form["municipality"].value() or [])
    context = {
        "form": form,
        "groups": [
            (county, options, any(option.data["value"] in chosen for option in options))
            for county, options in groups
        ],
        "mark": suppression.MARK,
    }
    return render(request, "insight/research.html", context, status=status)


@never_cache
@require_safe
def research(request: Request) -> HttpResponse:
    refused = _refused(request)
    if refused:
        return refused
    regions = list(_municipalities())
    return _render_form(request, ResearchForm(municipalities=regions), regions)


def _csv(rows: Iterable[Aggregate]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        if row.suppressed:
            count, value = suppression.MARK, "" if row.category else suppression.MARK
        else:
            count = "" if row.count is None else str(row.count)
            value = "" if row.value is None else f"{row.value:.{aggregates.DECIMALS}f}"
        writer.writerow([row.municipality.code, row.municipality.name, row.quarter, row.measure,
                         row.category, count, value])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _ordered(rows: QuerySet[Aggregate]) -> list[Aggregate]:
    measures = {measure: index for index, measure in enumerate(Aggregate.Measure.values)}

    def order(row: Aggregate) -> tuple[Any, ...]:
        total = row.category == aggregates.TOTAL
        return (row.municipality.code, row.quarter, measures.get(row.measure, 99), total,
                row.category.zfill(3) if row.category.isdigit() else row.category)  # fmt: skip

    return sorted(rows, key=order)


@never_cache
@require_safe
def research_download(request: Request) -> HttpResponse:
    refused = _refused(request)
    if refused:
        return refused
    regions = list(_municipalities())
    form = ResearchForm(request.GET, municipalities=regions)
    if not form.is_valid():
        return _render_form(request, form, regions, status=400)
    codes = sorted(form.cleaned_data["municipality"])
    quarters = sorted(form.cleaned_data["quarter"])
    chosen_format = form.cleaned_data["format"]
    chosen = [region for region in regions if region.code in codes]
    rows = _ordered(
        Aggregate.objects.filter(municipality__in=chosen, quarter__in=quarters).select_related(
            "municipality"
        )
    )
    content = jsonstat_out.dumps(rows) if chosen_format == "jsonstat" else _csv(rows)
    user = request.actor.user
    assert user is not None  # signed in: _refused sent a visitor to sign in
    download = ResearchDownload.objects.create(
        user=user, format=chosen_format, municipalities=codes, quarters=quarters
    )
    audit.record(request.actor, "export", download, decision=may_download(request.actor),
                 purpose="follow-up research")  # fmt: skip
    content_type, extension = FORMATS[chosen_format]
    response = HttpResponse(content, content_type=content_type)
    name = f"samhandling-aggregates-{quarters[0]}-{quarters[-1]}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("research/", research, name="research"),
    path("research/download/", research_download, name="research_download"),
]
