"""What a citizen's data export holds: everything stored about the person that the family may
see, in one machine-readable document (GDPR articles 15 and 20).

Entries the professionals have not shared with the family (or keep confidential from guardians)
are not in it; the export says how to ask the services for them, who must then weigh the
exceptions in the law (for instance the Child Welfare Act's). A protected address is never in
an export.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent
from samhandling.coordination.models import (
    Case,
)
from samhandling.organisations.actors import Actor
from samhandling.people.models import FamilyRelation, Person

from .selectors import access_log_filter, case_contents, is_emergency

FORMAT = "samhandling-0-24/data-export"
FORMAT_VERSION = 1

Progress = Callable[[int, str], None]


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _person(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": _date(person.date_of_birth),
        "national_id": person.national_id,
        "municipality": person.municipality.name,
        "preferred_language": person.preferred_language,
    }
    if person.has_protected_address:
        data["address"] = _("Protected address: not shown")
    else:
        data["address"] = ", ".join(
            part
            for part in (person.street_address, f"{person.postcode} {person.post_town}".strip())
            if part
        )
    return data


def _relations(person: Person) -> list[dict[str, Any]]:
    rows = FamilyRelation.objects.filter(person=person).select_related("relative")
    return [
        {
            "relation": relation.get_kind_display(),
            "name": relation.relative.full_name,
            "parental_responsibility": relation.parental_responsibility,
        }
        for relation in rows
    ]


def _item(item: Any, **extra: Any) -> dict[str, Any]:
    return {
        "service": item.service.name,
        "created_at": _date(item.created_at),
        **extra,
    }


def _case(actor: Actor, access: policy.FamilyAccess) -> dict[str, Any]:
    case = access.case
    audit.record(actor, "export", case, decision=policy.grant(access.reason), purpose="my data")
    contents = case_contents(access, "export", "my data")
    team, plan = contents.team, contents.plan
    data = {
        "case": case.pk,
        "opened_at": _date(case.opened_at),
        "status": case.get_status_display(),
        "level": case.get_level_display(),
        "closed_at": _date(case.closed_at),
        "coordinator": {
            "name": case.coordinator.get_full_name() if case.coordinator else "",
            "service": case.coordinator_service.name if case.coordinator_service else "",
        },
        "team": [
            {
                "service": member.organisation.name,
                "professional": member.user.get_full_name() if member.user else "",
                "role": member.role,
            }
            for member in team
        ],
        "plan_summary": plan.summary if plan else "",
        "goals": [
            _item(g, goal=g.title, childs_words=g.childs_words, status=g.get_status_display())
            for g in contents.goals
        ],
        "measures": [
            _item(
                m,
                measure=m.title,
                responsible_service=m.responsible_service.name,
                starts=_date(m.starts),
                ends=_date(m.ends),
                frequency=m.frequency,
                status=m.get_status_display(),
            )  # fmt: skip
            for m in contents.measures
        ],
        "evaluations": [
            _item(e, outcome=e.get_outcome_display(), text=e.text) for e in contents.evaluations
        ],
        "meetings": [
            {"starts_at": _date(m.starts_at), "place": m.place, "agenda": m.agenda}
            for m in contents.meetings
        ],
        "log": [
            _item(
                e,
                date=_date(e.occurred_on),
                kind=e.get_kind_display(),
                text=e.text,
                childs_words=e.childs_words,
            )  # fmt: skip
            for e in contents.log
        ],
        "own_words": [
            {
                "created_at": _date(v.created_at),
                "about": v.get_kind_display(),
                "text": v.text,
                "rating": v.rating,
                "written_by": v.person.full_name,
                "recorded_by_service": v.recorded_service.name if v.recorded_service else "",
            }
            for v in contents.voices
        ],
        "consents": [_consent(c) for c in Consent.objects.filter(case=case)],
        "legal_bases": [
            {
                "law": basis.get_law_display(),
                "description": basis.description,
                "from_service": basis.from_service.name,
                "to_service": basis.to_service.name,
                "valid_from": _date(basis.valid_from),
                "valid_to": _date(basis.valid_to),
            }
            for basis in LegalBasis.objects.filter(case=case).select_related(
                "from_service", "to_service"
            )
        ],
    }
    return data


def _consent(consent: Consent) -> dict[str, Any]:
    return {
        "given_by": consent.given_by.full_name,
        "form": consent.get_form_display(),
        "purpose": consent.purpose,
        "information": consent.sectors,
        "services": [service.name for service in consent.services.all()],
        "valid_from": _date(consent.valid_from),
        "valid_to": _date(consent.valid_to),
        "withdrawn_at": _date(consent.withdrawn_at),
        "recorded_at": _date(consent.recorded_at),
    }


def _event(event: AuditEvent) -> dict[str, Any]:
    """One line of the access log, in the words of the page "who read my data". The raw reason
    is left out: for emergency access it is the professional's own free text, which may tell
    what the child said."""
    from .templatetags.portal import access_why  # the page and the export say the same

    return {
        "time": _date(event.occurred_at),
        "who": event.actor_name,
        "role": event.actor_role,
        "service": event.organisation_name,
        "action": event.action,
        "outcome": event.outcome,
        "information": event.object_type,
        "purpose": event.purpose,
        "why": str(access_why(event)),
        "emergency_access": is_emergency(event),
    }


def build(actor: Actor, person: Person, progress: Progress) -> dict[str, Any]:
    """Everything about `person` that `actor` may see, step by step, reporting progress."""
    progress(5, "person")
    content: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "made_at": _date(timezone.now()),
        "about": _person(person),
        "family_relations": _relations(person),
        "cases": [],
        "access_log": [],
        "not_included": _(
            "Entries the services have not shared with the family are not included. You can "
            "ask the municipality for them; the services then consider what the law allows."
        ),
    }
    audit.record(actor, "export", person, decision=policy.family_person_decision(actor, person),
                 purpose="my data")  # fmt: skip
    cases = [
        policy.family_access(actor, case)
        for case in Case.objects.filter(person=person).select_related(
            "person", "coordinator", "coordinator_service"
        )
    ]
    cases = [access for access in cases if access.standing]
    for index, access in enumerate(cases, start=1):
        content["cases"].append(_case(actor, access))
        progress(10 + int(70 * index / len(cases)), "cases")
    progress(85, "access log")
    events = AuditEvent.objects.filter(access_log_filter(person)).order_by("sequence")
    content["access_log"] = [_event(event) for event in events.iterator(chunk_size=2000)]
    progress(100, "done")
    return content
