"""Tags for the catalogue's editorial pages and for the editorial parts of its public pages."""

from __future__ import annotations

from typing import Any

from django import forms, template

from samhandling.organisations.actors import ANONYMOUS
from samhandling.organisations.models import Role

from .. import services

register = template.Library()


@register.simple_tag(takes_context=True)
def adoption_role(context: template.Context) -> str:
    """How the person reading the page may turn a practice into a draft development measure:
    "author" for their own municipality, "editor" for a municipality they name, or "" (not at
    all)."""
    request = context.get("request")
    actor = getattr(request, "actor", ANONYMOUS)
    if not actor.is_authenticated:
        return ""
    if actor.role == Role.DIRECTORATE_EDITOR:
        return "editor"
    if actor.municipality_id is not None and services.may_edit(
        actor, municipality_id=actor.municipality_id
    ):
        return "author"
    return ""


@register.filter
def field_kind(field: forms.BoundField) -> str:
    """How a field is laid out: a group of choices, one checkbox, or an input."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "choices"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.filter
def person_name(user: Any) -> str:
    """A user's full name, or their user name when they have none."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())
