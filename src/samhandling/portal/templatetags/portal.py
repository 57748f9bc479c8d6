"""Plain words for the family's own pages: what the access log's codes mean, how a consent was
given, why something was refused.

The access-log filters take either an AuditEvent or a row of a data export's "access_log"
(portal.export), so that the page and the printable copy of the export say the same thing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samhandling.organisations.actors import CITIZEN
from samhandling.organisations.models import Role

register = template.Library()

# What was looked at or changed (AuditEvent.object_type).
INFORMATION: dict[str, Promise] = {
    "coordination.case": _("the case"),
    "coordination.logentry": _("a log entry"),
    "coordination.plan": _("the plan"),
    "coordination.goal": _("a goal"),
    "coordination.measure": _("a measure"),
    "coordination.evaluation": _("an evaluation"),
    "coordination.meeting": _("a meeting"),
    "coordination.task": _("a task from a meeting"),
    "coordination.voice": _("the child's voice"),
    "coordination.teammember": _("the team"),
    "coordination.familyparticipant": _("the family in the team"),
    "coordination.coordinatorhandover": _("the coordinator role"),
    "coordination.levelchange": _("the level of help"),
    "coordination.referral": _("a referral"),
    "coordination.transition": _("a transition"),
    "coordination.incomingconcern": _("a concern"),
    "access.consent": _("a consent"),
    "access.legalbasis": _("a legal basis"),
    "access.emergencyaccess": _("emergency access"),
    "people.person": _("personal details"),
    "people.familyrelation": _("family relations"),
    "portal.dataexport": _("data export"),
    "audit.accesslog": _("access log"),
}

ACTIONS: dict[str, Promise] = {
    "view": _("viewed"),
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "export": _("exported"),
    "login": _("signed in"),
    "logout": _("signed out"),
    "refused": _("refused"),
}
REFUSED = _("refused")

# Why it was allowed: the policy's reason (AuditEvent.reason), in the family's words.
WHY: dict[str, Promise] = {
    "member of the team": _("works in your team"),
    "shared with the team": _("works in your team"),
    "coordinator of the case": _("is your coordinator"),
    "coordinator of the team": _("is your coordinator"),
    "service leader of a service in the team": _("leads a service in your team"),
    "entry of my service": _("their service wrote it"),
    "measure my service is responsible for": _("their service is responsible for it"),
    "works with the person in a case": _("works with you in a case"),
    "professional in the person's municipality": _("works in your municipality"),
    "professional in the child's municipality": _("works in your municipality"),
    "concern recorded": _("registered a concern"),
    "emergency access": _("emergency access"),
    "professional in the case's municipality, reason stated": _("emergency access"),
    "the case is about you": _("you yourself"),
    "your own data": _("you yourself"),
    "your own export": _("you yourself"),
    "you gave the consent": _("you yourself"),
    "you could give this consent now": _("you yourself"),
    "the person's own access log": _("the family's own pages"),
    "shared with the family": _("shared with the family"),
    "the family's own words": _("shared with the family"),
    "meeting in the case": _("shared with the family"),
}
WHY_STARTING: tuple[tuple[str, Promise], ...] = (
    ("shared under consent", _("your consent")),
    ("shared under legal basis", _("a law allows it")),
    ("guardian", _("a guardian")),
)
WHY_REFUSED = _("not allowed")
WHY_REFUSED_STARTING: tuple[tuple[str, Promise], ...] = (
    ("no consent or legal basis covers", _("no consent or law allowed it")),
)

# The purpose the page or task gave (AuditEvent.purpose), when the reason says nothing more.
PURPOSES: dict[str, Promise] = {
    "case page": _("the case page"),
    "case list": _("a list of cases"),
    "my work": _("their work list"),
    "search": _("a search"),
    "person page": _("the person page"),
    "plan": _("the plan"),
    "relay log": _("the log"),
    "meeting": _("a meeting"),
    "meetings": _("meetings"),
    "team": _("the team"),
    "consent": _("consent"),
    "consents": _("consents"),
    "referral": _("a referral"),
    "referrals": _("referrals"),
    "transition": _("a transition"),
    "transitions": _("transitions"),
    "emergency access": _("emergency access"),
    "review emergency access": _("review of emergency access"),
    "family page": _("the family's own pages"),
    "my cases": _("the family's own pages"),
    "my consents": _("the family's own pages"),
    "who read my data": _("the family's own pages"),
    "my data": _("a copy of the data"),
    "the child's voice": _("the child's voice"),
    "withdraw consent": _("withdrawal of a consent"),
}

ROLES: dict[str, Promise] = {
    **{code: label for code, label in Role.choices},
    CITIZEN: _("child, youth or guardian"),
}

# How a consent was given (access.models.ConsentForm), after "Given … on <date>,".
CONSENT_FORMS: dict[str, Promise] = {
    "digital": _("digitally"),
    "written": _("in writing"),
    "oral": _("orally"),
}

# Why the family could not do something (policy reasons), in plain words.
REFUSALS: dict[str, Promise] = {
    "the case is closed": _("The case is closed, so nothing new can be added to it."),
    "only the one who gave the consent, or could give it now": _(
        "Only the person who gave the consent, or who could give it today, can withdraw it."
    ),
    "a child under 16 is represented by a guardian": _(
        "A child under 16 is represented by a guardian."
    ),
    "not your case or your child's": _("This is not your case or your child's."),
    "from 16 the youth's case is their own": _("From 16 the young person's case is their own."),
}
REFUSED_DEFAULT = _("You cannot do this here.")

# An export's access-log row names some fields differently from AuditEvent.
_EXPORT_KEYS = {
    "object_type": "information",
    "actor_role": "role",
    "actor_name": "who",
    "organisation_name": "service",
    "occurred_at": "time",
}


def _field(event: Any, name: str) -> Any:
    if isinstance(event, Mapping):
        return event.get(_EXPORT_KEYS.get(name, name)) or ""
    return getattr(event, name, "") or ""


@register.filter
def access_what(event: Any) -> Any:
    """What was looked at or changed, e.g. "a log entry"."""
    code = event if isinstance(event, str) else _field(event, "object_type")
    return INFORMATION.get(code, code or "–")


@register.filter
def access_action(event: Any) -> Any:
    if _field(event, "outcome") == "refused":
        return REFUSED
    action = _field(event, "action")
    return ACTIONS.get(action, action)


@register.filter
def access_is_emergency(event: Any) -> bool:
    if isinstance(event, Mapping):
        return bool(event.get("emergency_access"))
    return (
        _field(event, "object_type") == "access.emergencyaccess"
        or _field(event, "reason") == "emergency access"
    )


@register.filter
def access_why(event: Any) -> Any:
    """Why the person could see or do it, in the family's words; else what for (the purpose)."""
    reason = str(_field(event, "reason"))
    purpose = str(_field(event, "purpose"))
    if _field(event, "outcome") == "refused":
        for start, words in WHY_REFUSED_STARTING:
            if reason.startswith(start):
                return words
        return WHY_REFUSED
    if access_is_emergency(event):
        return WHY["emergency access"]
    if reason in WHY:
        return WHY[reason]
    for start, words in WHY_STARTING:
        if reason.startswith(start):
            return words
    # Never the raw reason: it may be a professional's own words (an emergency's stated reason).
    return PURPOSES.get(purpose, purpose) if purpose else "–"


@register.filter
def access_role(event: Any) -> Any:
    role = event if isinstance(event, str) else _field(event, "actor_role")
    return ROLES.get(role, role)


@register.filter
def consent_form_words(form: str) -> Any:
    return CONSENT_FORMS.get(form, form)


@register.filter
def refusal_words(reason: str) -> Any:
    return REFUSALS.get(str(reason), REFUSED_DEFAULT)


@register.filter
def as_date(value: Any) -> Any:
    """An ISO date or time from an export (a string) as a date or datetime, for |date."""
    if not isinstance(value, str) or not value:
        return value
    parsed: datetime.date | None = parse_datetime(value) if "T" in value else parse_date(value)
    return parsed if parsed is not None else value
