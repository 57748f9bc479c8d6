"""What a professional types on the coordination pages. Choices that come from a case (its team,
consents, family) are passed in by the view from what the selectors returned."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access.models import ConsentForm, LegalBasis
from samhandling.config import forms as base
from samhandling.organisations.models import Organisation, Region, Sector

from .models import Evaluation, Goal, Level, LogEntry, Measure, Transition, Visibility, Voice

Choices = list[tuple[Any, Any]]


class Form(base.Form):
    """Fields added in __init__ (choices from the case) get the Designsystemet class too."""

    def __getitem__(self, name: str) -> forms.BoundField:
        field = self.fields[name]
        css = field.widget.attrs.get("class", "")
        if "ds-input" not in css.split():
            field.widget.attrs["class"] = f"{css} ds-input".strip()
        return super().__getitem__(name)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def date_field(label: Any, *, required: bool = True, today: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=timezone.localdate if today else None,
    )


def text_area(
    label: Any,
    *,
    required: bool = True,
    max_length: int = 5_000,
    rows: int = 4,
    help_text: Any = "",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def sector_checkboxes(label: Any, *, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=required,
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
    )


def service_select(
    services: Iterable[Organisation], label: Any, *, required: bool = True
) -> forms.TypedChoiceField:
    """One service of `services`, cleaned to the Organisation. The view reads the services once
    for its page and hands the same list to every form that offers them, so the forms ask the
    database nothing (a ModelChoiceField asks again for each form it renders or checks)."""
    by_pk = {str(service.pk): service for service in services}
    return forms.TypedChoiceField(
        label=label,
        required=required,
        choices=[("", _("Choose a service"))] + [(pk, str(s)) for pk, s in by_pk.items()],
        coerce=by_pk.__getitem__,
        empty_value=None,
    )


def service_checkboxes(
    services: Iterable[Organisation], label: Any
) -> forms.TypedMultipleChoiceField:
    """Any of `services`, cleaned to a list of Organisations (see service_select)."""
    by_pk = {str(service.pk): service for service in services}
    return forms.TypedMultipleChoiceField(
        label=label,
        required=False,
        choices=[(pk, str(s)) for pk, s in by_pk.items()],
        coerce=by_pk.__getitem__,
        widget=forms.CheckboxSelectMultiple,
    )


class VersionMixin(forms.Form):
    """The version the person saw; a stale one makes the service raise ConflictError."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def with_version(form: forms.Form, version: int) -> forms.Form:
    """A copy of a bound form whose hidden version is the current one, to submit again."""
    data = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
    data[form.add_prefix("expected_version")] = str(version)
    return type(form)(data, prefix=form.prefix, **getattr(form, "init_kwargs", {}))


class KeepsArguments:
    """Remembers the keyword arguments, so with_version can rebuild the form."""

    def remember(self, **kwargs: Any) -> None:
        self.init_kwargs = kwargs


# --- concern, emergency ---------------------------------------------------------------------


class ConcernForm(Form):
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    use_person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_new = forms.BooleanField(widget=forms.HiddenInput, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    date_of_birth = date_field(_("Date of birth"), required=False)
    national_id = forms.CharField(
        label=_("National identity number (optional)"),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    text = text_area(_("What did you observe?"), max_length=10_000, rows=6)
    childs_words = text_area(
        _("What did the child say, in their own words?"),
        required=False,
        rows=3,
        help_text=_("Write down the child's own words where you can."),
    )
    observed_on = date_field(_("Date"), today=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person") or data.get("use_person"):
            return data
        for name, message in (
            ("given_name", _("Write the child's given name.")),
            ("family_name", _("Write the child's family name.")),
            ("date_of_birth", _("Write the child's date of birth.")),
        ):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        born = data.get("date_of_birth")
        if born and born > timezone.localdate():
            self.add_error("date_of_birth", _("The date of birth is in the future."))
        return data

    def chosen_person_id(self) -> int | None:
        person_id: int | None = self.cleaned_data.get("use_person") or self.cleaned_data.get(
            "person"
        )
        return person_id


class EmergencyAccessForm(Form):
    national_id = forms.CharField(
        label=_("The child's national identity number"),
        max_length=13,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    reason = text_area(
        _("Why do you need emergency access?"),
        max_length=500,
        rows=3,
        help_text=_("Your service leader reviews every emergency access."),
    )

    def clean_national_id(self) -> str:
        value: str = self.cleaned_data["national_id"].replace(" ", "")
        if not value.isdigit():
            raise forms.ValidationError(_("Write the exact identity number, digits only."))
        return value

    def clean_reason(self) -> str:
        value: str = self.cleaned_data["reason"].strip()
        if len(value) < 10:
            raise forms.ValidationError(_("State the reason in at least ten characters."))
        return value


class ReviewEmergencyForm(Form):
    note = text_area(_("Review note"), max_length=500, rows=2)


# --- the case -------------------------------------------------------------------------------


class LogEntryForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LogEntry.Kind.choices)
    occurred_on = date_field(_("Date"), today=True)
    text = text_area(_("Text"), max_length=10_000, rows=5)
    childs_words = text_area(_("The child's own words"), required=False, rows=3)
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Visibility.choices,
        initial=Visibility.TEAM,
        widget=forms.RadioSelect,
    )
    visible_sectors = sector_checkboxes(_("Sectors that may see it"))
    family_visible = forms.BooleanField(label=_("Visible to the family"), required=False)
    hidden_from_guardians = forms.BooleanField(
        label=_("Confidential from the guardians"), required=False
    )


class CorrectionForm(Form):
    text = text_area(_("Corrected text"), max_length=10_000, rows=6)
    childs_words = text_area(_("The child's own words"), required=False, rows=3)


class LevelForm(VersionMixin, Form):
    level = forms.TypedChoiceField(label=_("New level"), choices=Level.choices, coerce=int)
    reason = forms.CharField(label=_("Why the level changes"), max_length=300)


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TeamMemberForm(Form):
    def __init__(self, *args: Any, services: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = service_select(services, _("Service"))
        self.fields["user"] = forms.CharField(
            label=_("Named professional (username, optional)"), max_length=150, required=False
        )
        self.fields["role"] = forms.CharField(
            label=_("Role in the team (optional)"), max_length=100, required=False
        )


class FamilyParticipantForm(Form):
    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = forms.TypedChoiceField(
            label=_("Who takes part"), choices=people, coerce=int
        )
        self.fields["role"] = forms.CharField(
            label=_("Role (optional)"), max_length=100, required=False
        )


class CoordinatorForm(Form):
    def __init__(self, *args: Any, members: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"] = forms.TypedChoiceField(
            label=_("New coordinator"), choices=members, coerce=int
        )


class HandoverAnswerForm(Form):
    answer = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )


class ConsentRecordForm(Form):
    def __init__(
        self, *args: Any, people: Choices, services: Iterable[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_by"] = forms.TypedChoiceField(
            label=_("Given by"), choices=people, coerce=int
        )
        self.fields["form"] = forms.ChoiceField(label=_("Form"), choices=ConsentForm.choices)
        self.fields["purpose"] = forms.CharField(label=_("Purpose"), max_length=300)
        self.fields["sectors"] = sector_checkboxes(_("Information that may be shared"))
        self.fields["services"] = service_checkboxes(
            services, _("Services that may share with each other")
        )
        self.fields["valid_from"] = date_field(_("Valid from"), today=True)
        self.fields["valid_to"] = date_field(_("Valid to (optional)"), required=False)


class WithdrawConsentForm(Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), max_length=300, required=False)


class LegalBasisForm(Form):
    def __init__(self, *args: Any, services: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["law"] = forms.ChoiceField(label=_("Law"), choices=LegalBasis.Law.choices)
        self.fields["description"] = forms.CharField(
            label=_("What is shared and why"), max_length=300
        )
        self.fields["to_service"] = service_select(services, _("To service"))
        self.fields["sectors"] = sector_checkboxes(_("Information that may be shared"))
        self.fields["valid_from"] = date_field(_("Valid from"), today=True)
        self.fields["valid_to"] = date_field(_("Valid to (optional)"), required=False)


class ReferralForm(Form):
    def __init__(
        self,
        *args: Any,
        services: Iterable[Organisation],
        consents: Choices,
        legal_bases: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_service"] = service_select(services, _("To service"))
        self.fields["reason"] = text_area(_("What you ask the service for"), rows=3)
        self.fields["consent"] = forms.TypedChoiceField(
            label=_("Consent that allows the referral"),
            choices=[("", _("No consent"))] + consents,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["legal_basis"] = forms.TypedChoiceField(
            label=_("Or the legal basis that allows it"),
            choices=[("", _("No legal basis"))] + legal_bases,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["answer_within_days"] = forms.IntegerField(
            label=_("Answer within (days)"), min_value=1, max_value=90, initial=14
        )


class DeclineReferralForm(Form):
    decline_reason = forms.CharField(
        label=_("Why the referral is declined"), max_length=500, required=False
    )


class TransitionForm(Form):
    def __init__(self, *args: Any, services: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("Transition"), choices=Transition.Kind.choices
        )
        self.fields["planned_for"] = date_field(_("Date"))
        self.fields["from_service"] = service_select(
            services, _("From service (optional)"), required=False
        )
        self.fields["to_service"] = service_select(
            services, _("To service (optional)"), required=False
        )
        # A name or number, not a list of all 357 municipalities on every case page.
        self.fields["to_municipality"] = forms.CharField(
            label=_("To municipality (only when moving)"),
            help_text=_("The municipality's name or four-digit number, e.g. Porsgrunn or 4001."),
            max_length=100,
            required=False,
        )

    def clean_to_municipality(self) -> Region | None:
        text = self.cleaned_data["to_municipality"].strip()
        if not text:
            return None
        municipalities = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, country="NO")
        found = municipalities.filter(code=text).first() if text.isdigit() else (
            municipalities.filter(short_name__iexact=text).first()
            or municipalities.filter(name__iexact=text).first()
        )  # fmt: skip
        if found is None:
            raise forms.ValidationError(_("No municipality has that name or number."))
        return found


class TickForm(Form):
    index = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    done = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MeetingForm(Form):
    def __init__(self, *args: Any, members: Choices, family: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"] = forms.DateTimeField(label=_("Time"), widget=DateTimeInput())
        self.fields["place"] = forms.CharField(label=_("Place"), max_length=200, required=False)
        self.fields["agenda"] = text_area(_("Agenda"), required=False, rows=3)
        self.fields["participants"] = forms.TypedMultipleChoiceField(
            label=_("Participants from the team"),
            choices=members,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["family"] = forms.TypedMultipleChoiceField(
            label=_("Participants from the family"),
            choices=family,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class MinutesForm(Form):
    minutes = text_area(_("Minutes"), max_length=20_000, rows=8)


class AgreedActionForm(Form):
    def __init__(self, *args: Any, services: Choices, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"] = forms.CharField(
            label=_("Agreed action"), max_length=300, required=False
        )
        self.fields["service"] = forms.TypedChoiceField(
            label=_("Service"),
            choices=[("", _("Choose a service"))] + services,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["assignee"] = forms.TypedChoiceField(
            label=_("Who (optional)"),
            choices=[("", _("Nobody named"))] + people,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["due"] = date_field(_("Deadline"), required=False)
        self.fields["as_measure"] = forms.BooleanField(
            label=_("Make it a measure in the plan"), required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title"):
            if not data.get("service"):
                self.add_error("service", _("Choose the service that does it."))
            if not data.get("due"):
                self.add_error("due", _("Set a deadline."))
        return data


AgreedActionFormSet = forms.formset_factory(AgreedActionForm, extra=5, max_num=5)


class NextForm(Form):
    next = forms.CharField(required=False, widget=forms.HiddenInput)


# --- the plan -------------------------------------------------------------------------------


def _visibility_fields(form: forms.Form) -> None:
    form.fields["visibility"] = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Visibility.choices,
        initial=Visibility.TEAM,
        widget=forms.RadioSelect,
    )
    form.fields["visible_sectors"] = sector_checkboxes(_("Sectors that may see it"))
    form.fields["family_visible"] = forms.BooleanField(
        label=_("Visible to the family"), required=False, initial=True
    )


class SummaryForm(KeepsArguments, VersionMixin, Form):
    summary = text_area(_("What the plan is about"), required=False, rows=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remember()


class GoalForm(KeepsArguments, VersionMixin, Form):
    title = forms.CharField(label=_("Goal"), max_length=300)
    childs_words = text_area(
        _("In the child's own words"), required=False, max_length=2_000, rows=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _visibility_fields(self)
        self.remember()


class MeasureForm(KeepsArguments, VersionMixin, Form):
    def __init__(
        self,
        *args: Any,
        services: Iterable[Organisation],
        people: Choices,
        goals: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.remember(services=services, people=people, goals=goals)
        self.fields["title"] = forms.CharField(label=_("Measure"), max_length=300)
        self.fields["responsible_service"] = service_select(services, _("Responsible service"))
        self.fields["responsible_user"] = forms.TypedChoiceField(
            label=_("Responsible person (optional)"),
            choices=[("", _("Nobody named"))] + people,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["goal"] = forms.TypedChoiceField(
            label=_("Goal it serves (optional)"),
            choices=[("", _("No goal"))] + goals,
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["starts"] = date_field(_("Starts"), today=True)
        self.fields["ends"] = date_field(_("Ends (optional)"), required=False)
        self.fields["frequency"] = forms.CharField(
            label=_("How often (optional)"), max_length=100, required=False
        )
        _visibility_fields(self)
        self.order_fields(["expected_version"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", _("The end date is before the start date."))
        return data


class StatusForm(KeepsArguments, VersionMixin, Form):
    def __init__(self, *args: Any, statuses: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remember(statuses=statuses)
        self.fields["status"] = forms.ChoiceField(label=_("Status"), choices=statuses)


MEASURE_STATUSES: Choices = list(Measure.Status.choices)
GOAL_STATUSES: Choices = list(Goal.Status.choices)


class EvaluationForm(KeepsArguments, VersionMixin, Form):
    def __init__(self, *args: Any, targets: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remember(targets=targets)
        self.fields["target"] = forms.ChoiceField(label=_("What is evaluated"), choices=targets)
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome"), choices=Evaluation.Outcome.choices
        )
        self.fields["text"] = text_area(_("Evaluation"), rows=4)
        self.fields["family_visible"] = forms.BooleanField(
            label=_("Visible to the family"), required=False, initial=True
        )


def evaluation_targets(goals: Iterable[Goal], measures: Iterable[Measure]) -> Choices:
    return [(f"goal:{g.pk}", _("Goal: %(title)s") % {"title": g.title}) for g in goals] + [
        (f"measure:{m.pk}", _("Measure: %(title)s") % {"title": m.title}) for m in measures
    ]


# --- the child's voice ----------------------------------------------------------------------

# The kinds as a professional reads them (the family's pages say "me" and "my"). A rating after
# a meeting is the child's or family's own, so it is not written down on their behalf.
VOICE_KINDS: Choices = [
    (Voice.Kind.MATTERS, _("What matters to the child")),
    (Voice.Kind.GOAL, _("The child's goal, in their own words")),
    (Voice.Kind.WORKS, _("What works")),
    (Voice.Kind.DOES_NOT_WORK, _("What does not work")),
]


class VoiceForm(Form):
    """The child's words, written down by a professional on the child's behalf."""

    def __init__(self, *args: Any, goals: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("What it is about"), choices=VOICE_KINDS, widget=forms.RadioSelect
        )
        self.fields["text"] = forms.CharField(
            label=_("The child's words"),
            max_length=2_000,
            help_text=_("Write what the child said, as close to their own words as you can."),
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"required": _("Write down what the child said.")},
        )
        self.fields["goal"] = forms.TypedChoiceField(
            label=_("Goal it is about (optional)"),
            choices=[("", _("No goal"))] + goals,
            coerce=int,
            empty_value=None,
            required=False,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("goal") is not None and data.get("kind") != Voice.Kind.GOAL:
            self.add_error(
                "goal",
                _("Choose a goal only for “%(kind)s”.") % {"kind": VOICE_KINDS[1][1]},
            )
        return data
