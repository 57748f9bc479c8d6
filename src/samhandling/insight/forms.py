"""What a reader types on the knowledge pages: a region to find, regions to compare, and the
analyst's commentary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from samhandling.config import forms as base
from samhandling.organisations.models import Region

from .models import Commentary, Indicator
from .profiles import MAX_COMPARED, comparable_regions


class SeveralValues(forms.Widget):
    """A field given several times in the query (?regions=4003&regions=4001); the page renders
    one input per value itself."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if isinstance(data, MultiValueDict):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else [value] if value else []


class CompareForm(base.Form):
    regions = forms.Field(
        label=_("Municipalities and counties"),
        help_text=_("Up to five: a municipality or county number, or its name."),
        widget=SeveralValues,
    )
    indicator = forms.ModelChoiceField(
        Indicator.objects.all(),
        to_field_name="code",
        required=False,
        label=_("Indicator to draw over time"),
        empty_label=_("None: only the table"),
    )

    def clean_regions(self) -> list[Region]:
        given: list[str] = []
        for value in self.cleaned_data.get("regions") or []:
            value = str(value).strip()
            if value and value.casefold() not in {v.casefold() for v in given}:
                given.append(value)
        if not given:
            raise forms.ValidationError(_("Choose at least one municipality or county."))
        if len(given) > MAX_COMPARED:
            raise forms.ValidationError(
                _(
                    "Choose at most %(most)d municipalities or counties to compare (you chose "
                    "%(count)d)."
                ),
                params={"most": MAX_COMPARED, "count": len(given)},
                code="too_many",
            )
        known = comparable_regions()
        found: list[Region] = []
        unknown: list[str] = []
        for value in given:
            region = known.get(value.casefold())
            if region is None:
                unknown.append(value)
            elif region not in found:
                found.append(region)
        if unknown:
            raise forms.ValidationError(
                _("No municipality or county has the number or name %(values)s."),
                params={"values": ", ".join(unknown)},
                code="unknown",
            )
        return found


class CommentaryForm(base.Form):
    text = forms.CharField(
        label=_("The municipality's reading of the challenge picture"),
        help_text=_(
            "What the figures say about children and young people here, what they do not say, "
            "and what is being done. Never write about a person. Saving keeps the earlier "
            "versions."
        ),
        max_length=Commentary._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    based_on = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
