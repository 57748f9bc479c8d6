"""What an editor types for each kind of catalogue entry.

The workflow's fields (status, version, who and when) are never on a form: the services set
them. The form checks what was typed (and the model's own rules, so that each message lands by
its field); the services check it again and write it. Municipalities are typed by their
number (a list of 357 is no use to anyone), and a municipal author's development measure is
fixed to their own municipality.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samhandling.config import forms as base
from samhandling.insight.models import Indicator
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Role, Sector

from .models import Entry, Initiative, Instrument, Network, Practice, Resource, Status, TargetGroup

TEXT_LIMIT = 20_000  # characters in one text field: a long description, not a book
LARGEST_ID = 2**31 - 1  # ids and versions above this are typed, not real
MEMBERS_LIMIT = 400  # municipality numbers in one network (Norway has 357)
Section = tuple[Promise, tuple[str, ...]]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """Every text has an upper length, every date a date picker, and an address typed without
    "https://" gets it."""
    if isinstance(field, models.TextField):
        kwargs.setdefault("max_length", TEXT_LIMIT)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
    elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        kwargs.setdefault("widget", DateInput())
    elif isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")  # an address typed without a scheme
    return field.formfield(**kwargs)


def checkboxes(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _is_id(value: Any) -> bool:
    text = str(value)
    return text.isdigit() and int(text) <= LARGEST_ID


class EntryChoices(forms.ModelMultipleChoiceField):
    """Entries chosen by their ids; a value that cannot be an id is refused before the database
    is asked (SQLite cannot even compare a number of 30 digits)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for item in value:
                if not _is_id(item):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": str(item)[:20]},
                    )
        return super().clean(value)


class EntryChoice(forms.ModelChoiceField):
    """One entry chosen by its id, with the same guard as EntryChoices."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


def entries(queryset: Any, label: Any) -> EntryChoices:
    return EntryChoices(queryset, label=label, required=False, widget=forms.CheckboxSelectMultiple)


def version_field() -> forms.IntegerField:
    """The version an editor saw, sent back with the form."""
    out_of_date = _("The form was out of date or incomplete. Reload the page and try again.")
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=LARGEST_ID,
        error_messages={
            key: out_of_date for key in ("required", "invalid", "min_value", "max_value")
        },  # fmt: skip
    )


def municipality_by_number(value: str) -> Region | None:
    """The Norwegian municipality with this number ("4003", or "301" for Oslo's 0301)."""
    number = value.strip()
    if not number.isdigit() or len(number) > 4:
        return None
    return Region.objects.filter(
        country="NO", kind=Region.Kind.MUNICIPALITY, code=number.zfill(4)
    ).first()


def own_municipality(actor: Actor) -> Region | None:
    """The municipality the actor works in, if any."""
    if actor.municipality_id is None:
        return None
    return Region.objects.filter(pk=actor.municipality_id).first()


class IndicatorChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class EntryForm(base.ModelForm):
    """What the five forms share: the version the editor saw, the key and the layout."""

    version = version_field()
    sections: ClassVar[tuple[Section, ...]] = ()
    # Choices folded into a <details>, for lists that are long.
    folded: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        key = self.fields["key"]
        if self.instance.pk is None:
            del self.fields["version"]
            key.required = False
            key.help_text = _("Leave empty to make one from the title. %(help)s") % {
                "help": self.instance._meta.get_field("key").help_text
            }
        else:
            self.initial["version"] = self.instance.version

    @property
    def is_new(self) -> bool:
        return "version" not in self.fields

    def changes(self) -> dict[str, Any]:
        """The cleaned fields as the services take them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def groups(self) -> list[tuple[Promise, list[forms.BoundField]]]:
        """The visible fields in their sections, leaving out fields this editor does not get."""
        return [
            (heading, [self[name] for name in names if name in self.fields])
            for heading, names in self.sections
            if any(name in self.fields for name in names)
        ]


TEXTS = _("Title and summary")
FOR_WHOM = _("Whom it is for")
PERIOD = _("When")
ABOUT = _("Source and key")


class InstrumentForm(EntryForm):
    owners = entries(
        Organisation.objects.filter(kind=Organisation.Kind.DIRECTORATE).order_by("name"),
        _("Owner directorates"),
    )
    target_groups = checkboxes(_("Target groups"), TargetGroup.choices)
    sectors = checkboxes(_("Sectors"), Sector.choices)
    sections = (
        (TEXTS, ("title_nb", "title_en", "summary_nb", "summary_en", "kind", "link")),
        (_("Who owns it"), ("owners",)),
        (FOR_WHOM, ("target_group_nb", "target_group_en", "target_groups", "age_from", "age_to",
                    "sectors", "who_may_apply_nb", "who_may_apply_en")),
        (PERIOD, ("application_deadline", "period_from", "period_to")),
        (ABOUT, ("origin", "key")),
    )  # fmt: skip

    class Meta:
        model = Instrument
        fields = [
            "title_nb", "title_en", "summary_nb", "summary_en", "kind", "link", "owners",
            "target_group_nb", "target_group_en", "target_groups", "age_from", "age_to",
            "sectors", "who_may_apply_nb", "who_may_apply_en", "application_deadline",
            "period_from", "period_to", "origin", "key",
        ]  # fmt: skip
        formfield_callback = formfield


class InitiativeForm(EntryForm):
    """A development measure. A directorate editor names the municipality by its number (or a
    network instead); a municipal author's is their own municipality, not a field."""

    municipality = forms.CharField(
        label=_("Municipality number"),
        required=False,
        max_length=10,
        help_text=_(
            "Four digits, e.g. 4003 for Skien. Leave empty for a network's development measure."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    network = EntryChoice(
        Network.objects.order_by("name_nb", "pk"),
        label=_("Network"),
        required=False,
        empty_label=_("No network"),
    )
    indicators = IndicatorChoices(
        Indicator.objects.order_by("topic", "code"),
        to_field_name="code",
        label=_("Indicators of the challenge"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    instruments = entries(Instrument.objects.none(), _("State instruments used"))
    sectors = checkboxes(_("Sectors"), Sector.choices)
    sections = (
        (_("Title and place"), ("title_nb", "title_en", "municipality", "network")),
        (_("The challenge"), ("challenge_nb", "challenge_en", "indicators")),
        (_("Goals and the work"), ("goals_nb", "goals_en", "sectors", "services_involved",
                                   "instruments", "period_from", "period_to", "progress")),
        (_("Results"), ("results", "evaluation", "follow_up_research", "contact")),
        (ABOUT, ("origin", "key")),
    )  # fmt: skip
    folded = frozenset({"indicators", "instruments"})

    class Meta:
        model = Initiative
        fields = [
            "title_nb", "title_en", "municipality", "network", "challenge_nb", "challenge_en",
            "indicators", "goals_nb", "goals_en", "sectors", "services_involved", "instruments",
            "period_from", "period_to", "progress", "results", "evaluation",
            "follow_up_research", "contact", "origin", "key",
        ]  # fmt: skip
        formfield_callback = formfield

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        entry = self.instance
        linked = entry.instruments.values("pk") if entry.pk else Instrument.objects.none()
        field = self.fields["instruments"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Instrument.objects.filter(
            Q(status=Status.PUBLISHED) | Q(pk__in=linked)
        ).order_by("title_nb", "pk")
        self.fixed_municipality: Region | None = None
        if actor.role != Role.DIRECTORATE_EDITOR:
            # A municipal author writes their own municipality's measures, never a network's.
            del self.fields["municipality"], self.fields["network"]
            self.fixed_municipality = entry.municipality if entry.pk else own_municipality(actor)
            entry.municipality = self.fixed_municipality
        elif entry.municipality_id is not None and not self.is_bound:
            self.initial["municipality"] = entry.municipality.code

    def clean_municipality(self) -> Region | None:
        value = self.cleaned_data["municipality"]
        if not value:
            return None
        region = municipality_by_number(value)
        if region is None:
            raise forms.ValidationError(
                _("No municipality has the number %(number)s."),
                params={"number": value},
                code="unknown_municipality",
            )
        return region

    def changes(self) -> dict[str, Any]:
        fields = super().changes()
        if self.fixed_municipality is not None and self.instance.pk is None:
            fields["municipality"] = self.fixed_municipality
        return fields

    @property
    def municipality_named(self) -> Region | None:
        """The municipality the number names, to show back by its name."""
        if self.fixed_municipality is not None:
            return self.fixed_municipality
        if self.is_bound:
            value = getattr(self, "cleaned_data", {}).get("municipality")
            return value if isinstance(value, Region) else None
        return self.instance.municipality


class NetworkForm(EntryForm):
    members = forms.CharField(
        label=_("Member municipalities"),
        required=False,
        max_length=MEMBERS_LIMIT * 6,
        help_text=_("Their municipality numbers, separated by commas, e.g. 4003, 4001, 4005."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sections = (
        (_("Name and purpose"), ("name_nb", "name_en", "purpose_nb", "purpose_en")),
        (_("Members and meetings"), ("members", "meetings", "shared_resources")),
        (ABOUT, ("origin", "key")),
    )

    class Meta:
        model = Network
        fields = ["name_nb", "name_en", "purpose_nb", "purpose_en", "members", "meetings",
                  "shared_resources", "origin", "key"]  # fmt: skip
        formfield_callback = formfield

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            codes = self.instance.members.order_by("code").values_list("code", flat=True)
            self.initial["members"] = ", ".join(codes)

    def clean_members(self) -> list[Region]:
        numbers = [n for n in re.split(r"[\s,;]+", self.cleaned_data["members"]) if n]
        numbers = list(dict.fromkeys(n.zfill(4) if n.isdigit() else n for n in numbers))
        if len(numbers) > MEMBERS_LIMIT:
            raise forms.ValidationError(
                _("Name at most %(most)s municipalities."),
                params={"most": MEMBERS_LIMIT},
                code="too_many",
            )
        found = {
            region.code: region
            for region in Region.objects.filter(
                country="NO", kind=Region.Kind.MUNICIPALITY, code__in=numbers
            )
        }
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("No municipality has the number %(number)s."),
                params={"number": ", ".join(unknown[:10])},
                code="unknown_municipality",
            )
        return [found[n] for n in numbers]

    @property
    def members_named(self) -> list[Region]:
        """The member municipalities by name: as saved, or as just checked."""
        if self.is_bound:
            value = getattr(self, "cleaned_data", {}).get("members")
            return value if isinstance(value, list) else []
        if self.instance.pk is None:
            return []
        return list(self.instance.members.order_by("code"))


class PracticeForm(EntryForm):
    """A practice in the language it was written in. Its translations are not edited here."""

    target_groups = checkboxes(_("Target groups"), TargetGroup.choices)
    sectors = checkboxes(_("Sectors"), Sector.choices)
    sections = (
        (_("Title and origin"), ("title", "country", "level", "language")),
        (FOR_WHOM, ("problem", "target_group", "target_groups", "age_from", "age_to",
                    "sectors")),
        (_("What was done and learned"), ("what_was_done", "results", "lessons_learned",
                                          "evidence_level", "resources", "contact")),
        (ABOUT, ("origin", "key")),
    )  # fmt: skip

    class Meta:
        model = Practice
        fields = [
            "title", "country", "level", "language", "problem", "target_group",
            "target_groups", "age_from", "age_to", "sectors", "what_was_done", "results",
            "lessons_learned", "evidence_level", "resources", "contact", "origin", "key",
        ]  # fmt: skip
        formfield_callback = formfield


class ResourceForm(EntryForm):
    practices = entries(Practice.objects.none(), _("Practices"))
    instruments = entries(Instrument.objects.none(), _("State instruments"))
    sections = (
        (TEXTS, ("title_nb", "title_en", "summary_nb", "summary_en", "kind", "link")),
        (_("What it builds on"), ("practices", "instruments")),
        (ABOUT, ("origin", "key")),
    )
    folded = frozenset({"practices", "instruments"})

    class Meta:
        model = Resource
        fields = ["title_nb", "title_en", "summary_nb", "summary_en", "kind", "link",
                  "practices", "instruments", "origin", "key"]  # fmt: skip
        formfield_callback = formfield

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        entry = self.instance
        for name, model, order in (("practices", Practice, ("title", "pk")),
                                   ("instruments", Instrument, ("title_nb", "pk"))):  # fmt: skip
            linked = getattr(entry, name).values("pk") if entry.pk else model.objects.none()
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = model._default_manager.filter(
                Q(status=Status.PUBLISHED) | Q(pk__in=linked)
            ).order_by(*order)


FORMS: dict[type[Entry], type[EntryForm]] = {
    Instrument: InstrumentForm,
    Initiative: InitiativeForm,
    Network: NetworkForm,
    Practice: PracticeForm,
    Resource: ResourceForm,
}


class VersionForm(base.Form):
    """The version an editor saw when they asked to publish or withdraw."""

    version = version_field()
