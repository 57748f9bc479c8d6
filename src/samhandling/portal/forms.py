"""What the child, the youth or the guardian types in their own pages.

The forms only parse; the rules (what a voice needs, which services a consent may name, how
long it may last) are the services' and come back as field messages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.config import forms as base
from samhandling.coordination.models import Voice
from samhandling.organisations.models import Organisation, Sector

Choices = list[tuple[Any, Any]]

# What the family writes in their own words; a meeting gets its own small form.
OWN_WORDS_KINDS: Choices = [
    (Voice.Kind.MATTERS, _("What matters to me")),
    (Voice.Kind.GOAL, _("A goal, in my own words")),
    (Voice.Kind.WORKS, _("Something that works")),
    (Voice.Kind.DOES_NOT_WORK, _("Something that does not work")),
]

RATINGS: Choices = [
    (1, _("1 – bad")),
    (2, _("2")),
    (3, _("3 – so-so")),
    (4, _("4")),
    (5, _("5 – good")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class OwnWordsForm(base.Form):
    """What matters, a goal, what works or what does not, in the family's own words."""

    kind = forms.ChoiceField(
        label=_("What do you want to tell the team about?"),
        choices=OWN_WORDS_KINDS,
        widget=forms.RadioSelect,
        required=False,
    )
    goal = forms.IntegerField(
        label=_("Which goal is it about? (optional)"),
        required=False,
        widget=forms.Select,
        help_text=_("Only when you write about a goal."),
    )
    text = forms.CharField(
        label=_("Write in your own words"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, goals: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["goal"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("No goal")), *goals]  # shown only when the plan has goals


class MeetingRatingForm(base.Form):
    """How was the meeting? 1 to 5, and a few words if they like."""

    rating = forms.TypedChoiceField(
        label=_("How was the meeting?"),
        help_text=_("1 is bad, 5 is good."),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Anything you want to add? (optional)"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def one_year_ahead() -> datetime.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


class GiveConsentForm(base.Form):
    """Which services may share which information, for what, until when."""

    def __init__(
        self, *args: Any, services: QuerySet[Organisation], sectors: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Sector.choices)
        self.fields["services"] = forms.ModelMultipleChoiceField(
            label=_("Which services may share information with each other?"),
            queryset=services,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Choose at least two."),
        )
        self.fields["sectors"] = forms.MultipleChoiceField(
            label=_("What information may they share?"),
            choices=[(code, labels[code]) for code, _label in Sector.choices if code in sectors],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["purpose"] = forms.CharField(
            label=_("What is the sharing for?"),
            help_text=_(
                "For example: so that the school and the health nurse can help me "
                "with sleep and school work."
            ),
            max_length=300,
            required=False,
        )
        self.fields["valid_to"] = forms.DateField(
            label=_("Valid until"),
            help_text=_("At most three years. You can withdraw the consent at any time."),
            required=False,
            widget=DateInput(),
            initial=one_year_ahead,
        )
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            if "ds-input" not in css.split():
                field.widget.attrs["class"] = f"{css} ds-input".strip()


class WithdrawConsentForm(base.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"),
        help_text=_("The team can read what you write here."),
        max_length=300,
        required=False,
    )
