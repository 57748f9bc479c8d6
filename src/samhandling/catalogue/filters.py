"""What a reader chooses on the catalogue's public lists: search words and filters, sent with
GET so that every list works without JavaScript and its address can be shared.

A value that is not one of the choices is reported on its field and that filter is left out;
the other filters still apply.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samhandling.config import forms as base
from samhandling.insight.profiles import comparable_regions, find_region
from samhandling.organisations.models import Region, Sector

from .models import OLDEST, Initiative, Instrument, Practice, Resource, TargetGroup
from .selectors import (
    AGE_BANDS,
    BAND_OF,
    InitiativeCriteria,
    InstrumentCriteria,
    NetworkCriteria,
    PracticeCriteria,
    ResourceCriteria,
    owner_directorates,
)

MAX_QUERY = 200


def _any(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _search_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Search"),
        required=False,
        max_length=MAX_QUERY,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def _sector_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Sector"), required=False, choices=_any(_("All sectors"), Sector.choices)
    )


def find_place(text: str) -> Region | None:
    """A Norwegian municipality or county by its number or its name."""
    text = text.strip()
    if not text:
        return None
    region = find_region(text) or comparable_regions().get(text.casefold())
    if region is None or region.kind not in (Region.Kind.MUNICIPALITY, Region.Kind.COUNTY):
        return None
    return region


class PlaceField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Region | None:
        text = super().clean(value)
        if not text:
            return None
        region = find_place(text)
        if region is None:
            raise forms.ValidationError(
                _("No municipality or county has the name or number “%(text)s”."),
                params={"text": text},
                code="unknown_place",
            )
        return region


class DirectorateField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.short_name or obj.name)


class FilterForm(base.Form):
    """A GET form of filters: `criteria()` gives what is valid of it."""

    def valid_data(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class CatalogueSearch(FilterForm):
    """The search box on the catalogue's front page, across every kind of entry."""

    q = _search_field(_("Search the whole catalogue"))

    def query(self) -> str:
        return str(self.valid_data().get("q") or "").strip()


class InstrumentFilter(FilterForm):
    q = _search_field()
    sector = _sector_field()
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=_any(_("All types"), Instrument.Kind.choices)
    )
    owner = DirectorateField(
        label=_("Owner directorate"),
        required=False,
        queryset=owner_directorates(),
        empty_label=_("All directorates"),
    )
    age = forms.TypedChoiceField(
        label=_("Age"),
        help_text=_("The instruments whose ages include this age."),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_any(_("All ages"), [(str(age), str(age)) for age in range(OLDEST + 1)]),
    )
    target_group = forms.ChoiceField(
        label=_("Target group"),
        required=False,
        choices=_any(_("All target groups"), TargetGroup.choices),
    )
    open = forms.BooleanField(
        label=_("Only those open for application"),
        required=False,
        help_text=_(
            "The application deadline is today or later; or, without a deadline, the period "
            "of the instrument is running."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = owner_directorates()  # those that own a published instrument now

    def criteria(self) -> InstrumentCriteria:
        data = self.valid_data()
        return InstrumentCriteria(
            query=data.get("q") or "",
            sector=data.get("sector") or "",
            kind=data.get("kind") or "",
            owner=data.get("owner"),
            age=data.get("age"),
            target_group=data.get("target_group") or "",
            open_for_application=bool(data.get("open")),
        )


class InitiativeFilter(FilterForm):
    q = _search_field()
    place = PlaceField(
        label=_("Municipality or county"),
        help_text=_("Its number or its name. A network's measures count for its members."),
    )
    sector = _sector_field()
    progress = forms.ChoiceField(
        label=_("Progress"),
        required=False,
        choices=_any(_("Any progress"), Initiative.Progress.choices),
    )

    def criteria(self) -> InitiativeCriteria:
        data = self.valid_data()
        return InitiativeCriteria(
            query=data.get("q") or "",
            region=data.get("place"),
            sector=data.get("sector") or "",
            progress=data.get("progress") or "",
        )


class NetworkFilter(FilterForm):
    q = _search_field()
    place = PlaceField(
        label=_("Member municipality or county"), help_text=_("Its number or its name.")
    )

    def criteria(self) -> NetworkCriteria:
        data = self.valid_data()
        return NetworkCriteria(query=data.get("q") or "", region=data.get("place"))


# The query string's name of each facet of the experience bank.
FACET_PARAMS = {
    "countries": "country",
    "sectors": "sector",
    "target_groups": "target_group",
    "bands": "age",
    "evidence_levels": "evidence",
}


def _facet_field(choices: Any) -> forms.MultipleChoiceField:
    return base.FixedMultipleChoiceField(
        required=False, choices=choices, widget=forms.CheckboxSelectMultiple
    )


class PracticeFilter(FilterForm):
    q = _search_field()
    country = _facet_field(Practice.Country.choices)
    sector = _facet_field(Sector.choices)
    target_group = _facet_field(TargetGroup.choices)
    age = _facet_field([(band.slug, band.label) for band in AGE_BANDS])
    evidence = _facet_field(Practice.Evidence.choices)
    language = base.FixedChoiceField(
        label=_("Language of the text"),
        required=False,
        choices=_any(_("Any language"), Practice.Language.choices),
    )

    def criteria(self) -> PracticeCriteria:
        data = self.valid_data()
        return PracticeCriteria(
            query=data.get("q") or "",
            countries=frozenset(data.get("country") or []),
            sectors=frozenset(data.get("sector") or []),
            target_groups=frozenset(data.get("target_group") or []),
            bands=frozenset(BAND_OF[slug] for slug in data.get("age") or []),
            evidence_levels=frozenset(data.get("evidence") or []),
            language=data.get("language") or "",
        )


class ResourceFilter(FilterForm):
    q = _search_field()
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=_any(_("All types"), Resource.Kind.choices)
    )

    def criteria(self) -> ResourceCriteria:
        data = self.valid_data()
        return ResourceCriteria(query=data.get("q") or "", kind=data.get("kind") or "")
