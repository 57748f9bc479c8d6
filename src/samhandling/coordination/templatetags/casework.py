"""Filters for the coordination pages: translated labels for stored codes, never personal data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samhandling.config import widget_html
from samhandling.organisations.models import Sector

register = template.Library()

# What each notification says: what happened, never who the child is.
NOTIFICATIONS: dict[str, Promise] = {
    "incoming_concern": _("A new concern came in for a case you coordinate."),
    "closing_to_approve": _("A case in your service awaits your approval to close."),
    "added_to_team": _("You were added to the team around a child."),
    "handover_offered": _("You are offered the coordinator role in a case."),
    "handover_answered": _("Your offer of the coordinator role was answered."),
    "consent_withdrawn": _("A consent in one of your cases was withdrawn."),
    "consent_given": _("The family gave a new consent in one of your cases."),
    "family_voice": _("The family added their own words in one of your cases."),
    "emergency_to_review": _("An emergency access in your service awaits your review."),
    "meeting_scheduled": _("A meeting was scheduled in one of your cases."),
    "meeting_tomorrow": _("You have a meeting tomorrow."),
    "task_assigned": _("A task was given to you."),
    "task_due": _("A task of yours is due."),
    "task_overdue": _("A task of yours is overdue."),
    "measure_ending": _("A measure you are responsible for ends soon."),
    "referral_incoming": _("A referral to your service came in."),
    "referral_received": _("A referral your service sent was received."),
    "referral_accepted": _("A referral your service sent was accepted."),
    "referral_declined": _("A referral your service sent was declined."),
    "referral_completed": _("A referral your service sent is completed."),
    "referral_overdue_sent": _("A referral you sent has not been answered in time."),
    "referral_overdue_received": _("A referral to your service has not been answered in time."),
    "case_moved_in": _("A case moved to your service from another municipality."),
    "adult_transition_proposed": _("A transition to adult services is proposed in a case."),
}

# Texts that the services store in English; shown in the reader's language.
STORED_TEXTS: dict[str, Promise] = {
    "concern recorded": _("concern recorded"),
    "moved to another municipality": _("moved to another municipality"),
    "coordinator": _("coordinator"),
    "referral": _("came in through a referral"),
    "sent a concern": _("sent a concern"),
    "receiving service": _("receiving service"),
    "Transition meeting": _("Transition meeting"),
    "Consent to share": _("Consent to share"),
    "Handover of plan": _("Handover of plan"),
    "Follow-up after start": _("Follow-up after start"),
    "Contact at the new school": _("Contact at the new school"),
    "Meeting with NAV": _("Meeting with NAV"),
    "Meeting with the youth": _("Meeting with the youth"),
    "The youth's own consent": _("The youth's own consent"),
    "Adult services named": _("Adult services named"),
    "New municipality informed": _("New municipality informed"),
    "New consent": _("New consent"),
}

CONSENT_STATUSES: dict[str, Promise] = {
    "valid": _("Valid"),
    "expired": _("Expired"),
    "withdrawn": _("Withdrawn"),
    "not_yet_valid": _("Not yet valid"),
}


@register.filter
def notification_text(kind: str) -> Any:
    return NOTIFICATIONS.get(kind, _("You have a new notification."))


@register.filter
def stored_text(value: str) -> Any:
    return STORED_TEXTS.get(value, value)


@register.filter
def consent_status(status: str) -> Any:
    return CONSENT_STATUSES.get(status, status)


@register.filter
def sector_names(codes: Iterable[str] | None) -> str:
    labels = dict(Sector.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


@register.filter
def sector_name(code: str) -> Any:
    return dict(Sector.choices).get(code, code)


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "choices"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.simple_tag
def form_fields(form: forms.BaseForm) -> str:
    """Every field of `form`, rendered through the form renderer (Jinja2: decision 0005)."""
    context = {
        "form": form,
        "fields": [
            (field, kind, None if kind == "choices" else widget_html.html_of(field))
            for field in form.visible_fields()
            for kind in [widget_kind(field)]
        ],
        "input_html": widget_html.input_html,
        "nothing_to_choose": _("Nothing to choose from yet."),
    }
    return form.render("coordination/form_fields.html", context=context)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)
