"""Privacy over time: applying the retention periods, and erasure and restriction requests.

`apply` deletes what is past its period (rules.py) and reports it by ids, never by names; a dry
run reports the same without deleting. Requests for erasure (GDPR art. 17) and restriction
(art. 18) are registered by the person's municipality and decided by its system administrator;
a granted erasure deletes through the same code as retention (deletion.py).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.coordination.models import Case
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Role
from samhandling.people.models import Person
from samhandling.portal.models import DataExport

from . import deletion, rules
from .models import PrivacyRequest

RETENTION = "retention"
logger = logging.getLogger(__name__)


class RetentionOff(RuntimeError):
    """Deleting needs RETENTION_ENABLED=true; a dry run does not."""


@dataclass
class Report:
    """What a run deleted (or, in a dry run, would delete), by ids, and what it kept past its
    period and why."""

    today: datetime.date
    dry_run: bool
    cutoffs: rules.Cutoffs
    cases: list[int] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)
    data_exports: list[str] = field(default_factory=list)
    privacy_requests: list[int] = field(default_factory=list)
    audit_events: rules.AuditRange | None = None
    audit_events_removed: int = 0
    audit_note: str = ""  # why the audit events past their period were not removed
    held_cases: dict[str, list[int]] = field(default_factory=dict)
    held_persons: dict[str, list[int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        audit_count = self.audit_events.count if self.audit_events else 0
        return {
            "cases": len(self.cases),
            "persons": len(self.persons),
            "data_exports": len(self.data_exports),
            "privacy_requests": len(self.privacy_requests),
            "audit_events": self.audit_events_removed if not self.dry_run else audit_count,
        }

    def lines(self) -> list[str]:
        """The report as text: counts, ids and cutoffs; no names."""
        c = self.cutoffs
        verb = "would delete" if self.dry_run else "deleted"
        head = "Retention, dry run: nothing deleted" if self.dry_run else "Retention applied"
        lines = [f"{head} ({self.today.isoformat()})."]

        def ids(values: list[Any]) -> str:
            return ": " + ", ".join(str(v) for v in values) if values else ""

        lines.append(
            f"Closed cases closed before {c.closed_case.date()} ({verb}): "
            f"{len(self.cases)}{ids(self.cases)}"
        )
        lines.append(
            f"Persons with nothing left, registered before {c.person.date()} ({verb}): "
            f"{len(self.persons)}{ids(self.persons)}"
        )
        lines.append(
            f"Data exports asked for before {c.data_export.date()} ({verb}): "
            f"{len(self.data_exports)}{ids(self.data_exports)}"
        )
        lines.append(
            f"Privacy requests decided before {c.privacy_request.date()} ({verb}): "
            f"{len(self.privacy_requests)}{ids(self.privacy_requests)}"
        )
        span = self.audit_events
        events = f": events {span.first} to {span.through}" if span else ""
        count = self.counts()["audit_events"]
        lines.append(f"Audit events before {c.audit_event.date()} ({verb}): {count}{events}")
        if self.audit_note:
            lines.append(f"  Audit events cannot be removed: {self.audit_note}")
        for reason, held in self.held_cases.items():
            lines.append(f"Kept past their period, {reason}: cases{ids(held)}")
        for reason, held in self.held_persons.items():
            lines.append(f"Kept past their period, {reason}: persons{ids(held)}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "cases": self.cases,
            "persons": self.persons,
            "data_exports": self.data_exports,
            "privacy_requests": self.privacy_requests,
            "audit_events": [self.audit_events.first, self.audit_events.through]
            if self.audit_events
            else None,
            "audit_note": self.audit_note,
            "held_cases": self.held_cases,
            "held_persons": self.held_persons,
        }


def apply(*, dry_run: bool, today: datetime.date | None = None) -> Report:
    """Deletes what is past its retention period (or only reports it, in a dry run).

    Everything is worked out first, for the dry run and the real run alike; then each case,
    person, export and request is deleted in its own transaction with its audit event (reason
    "retention"), checked once more under lock, so that a case reopened meanwhile stays."""
    if not dry_run and not settings.RETENTION_ENABLED:
        raise RetentionOff("Retention is off: set RETENTION_ENABLED=true to delete.")
    if not dry_run and today is not None and today != timezone.localdate():
        raise ValueError("Only a dry run looks at another day than today.")
    today = today or timezone.localdate()
    cutoffs = rules.Cutoffs.on(today)
    report = Report(
        today=today,
        dry_run=dry_run,
        cutoffs=cutoffs,
        cases=list(rules.expired_cases(cutoffs).values_list("pk", flat=True)),
        persons=list(rules.expired_persons(cutoffs).values_list("pk", flat=True)),
        data_exports=[
            str(pk) for pk in rules.expired_exports(cutoffs).values_list("pk", flat=True)
        ],
        privacy_requests=list(rules.expired_privacy_requests(cutoffs).values_list("pk", flat=True)),
        audit_events=rules.expired_audit_events(cutoffs),
        held_cases=rules.held_cases(cutoffs),
        held_persons=rules.held_persons(cutoffs),
    )
    if report.audit_events and not deletion.may_prune_audit():
        report.audit_note = "only the owner of the audit table may remove audit events"
    if dry_run:
        return report
    _delete_expired(report)
    return report


def _delete_expired(report: Report) -> None:
    cutoffs = report.cutoffs
    for export_id in report.data_exports:
        with transaction.atomic():
            export = rules.expired_exports(cutoffs).select_for_update().filter(pk=export_id).first()
            if export is not None:
                subject = audit.describe(export)
                DataExport.objects.filter(pk=export.pk).delete()
                audit.record(None, "delete", subject, purpose=RETENTION, reason=RETENTION)
    for request_id in report.privacy_requests:
        with transaction.atomic():
            request = PrivacyRequest.objects.select_for_update().filter(pk=request_id).first()
            if (
                request is not None
                and rules.expired_privacy_requests(cutoffs).filter(pk=request_id).exists()
            ):
                subject = audit.describe(request)
                request.delete()
                audit.record(None, "delete", subject, purpose=RETENTION, reason=RETENTION)
    for case_id in report.cases:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is not None and rules.expired_cases(cutoffs).filter(pk=case_id).exists():
                deletion.delete_case(case, by=None, purpose=RETENTION, reason=RETENTION)
    for person_id in report.persons:
        with transaction.atomic():
            person = Person.objects.select_for_update().filter(pk=person_id).first()
            if person is not None and rules.expired_persons(cutoffs).filter(pk=person_id).exists():
                deletion.delete_person(person, by=None, purpose=RETENTION, reason=RETENTION)
    if report.audit_events and not report.audit_note:
        try:
            report.audit_events_removed = deletion.prune_audit_events(report.audit_events.through)
        except deletion.PruningError as exc:
            report.audit_note = f"the audit chain does not verify ({exc}); run verify_audit"
            logger.error("audit events not pruned: %s", exc)


# --- erasure and restriction requests ---------------------------------------------------------


def _in_municipality(actor: Actor, municipality_id: int) -> policy.Decision:
    """May the actor register a request about a person of this municipality? Those who work
    with children there, and its system administrators."""
    if not actor.is_authenticated:
        return policy.refuse("not signed in")
    if _admin_of(actor, municipality_id) is not None:
        return policy.grant("system administrator of the person's municipality")
    if not actor.has_role(*policy.CASEWORK_ROLES):
        return policy.refuse("role does not register privacy requests")
    if actor.municipality_id != municipality_id:
        return policy.refuse("person belongs to another municipality")
    return policy.grant("professional in the person's municipality")


def _admin_of(actor: Actor, municipality_id: int) -> Actor | None:
    """The actor acting as a system administrator of the municipality, if they are one.

    There is no separate privacy role (organisations.Role): the municipality's system
    administrator decides privacy requests."""
    for membership in actor.memberships or ((actor.membership,) if actor.membership else ()):
        organisation = membership.organisation
        if (
            membership.role == Role.SYSTEM_ADMIN
            and membership.is_active
            and organisation.municipality_id == municipality_id
        ):
            return Actor(
                user=actor.user,
                membership=membership,
                memberships=actor.memberships,
                channel=actor.channel,
            )
    return None


def register_request(person: Person, *, by: Actor, kind: str, reason: str) -> PrivacyRequest:
    """Records that the person (or someone on their behalf) asks for erasure or restriction."""
    decision = _in_municipality(by, person.municipality_id)
    if not decision:
        subject = audit.Subject("retention.privacyrequest", "", person.pk, person.municipality_id)
        audit.record(by, "create", subject, decision=decision)
        raise PermissionDenied(decision.reason)
    if kind not in PrivacyRequest.Kind.values:
        raise ValidationError({"kind": _("Choose erasure or restriction.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the grounds of the request.")})
    with transaction.atomic():
        request = PrivacyRequest(
            municipality_id=person.municipality_id,
            person=person,
            person_number=person.pk,
            kind=kind,
            reason=reason.strip(),
            registered_by=by.user,
        )
        request.full_clean()
        request.save()
        audit.record(by, "create", request, decision=decision, purpose=kind)
    return request


def decide_request(
    request: PrivacyRequest, *, by: Actor, granted: bool, reason: str = ""
) -> PrivacyRequest:
    """A system administrator of the person's municipality grants or refuses the request.

    A granted erasure deletes the person with their closed cases, relations and exports, unless
    a duty to keep the records stands in the way (an open case, a case in which child welfare
    took part, another child's case that needs the person): then the request is refused with
    that duty as its reason. A granted restriction marks the person's processing restricted."""
    decider = _admin_of(by, request.municipality_id)
    if decider is None:
        refusal = policy.refuse("only a system administrator of the municipality decides")
        audit.record(by, "update", request, decision=refusal, purpose=request.kind)
        raise PermissionDenied(refusal.reason)
    if not granted and not reason.strip():
        raise ValidationError({"decision_reason": _("Give the reason for refusing.")})
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        if locked.is_decided:
            raise ValidationError(_("The request has already been decided."))
        person = None
        if locked.person_id is not None:
            person = Person.objects.select_for_update().filter(pk=locked.person_id).first()
        outcome = PrivacyRequest.Decision.GRANTED if granted else PrivacyRequest.Decision.REFUSED
        why, duties = reason.strip(), []
        if granted and person is not None:
            if locked.kind == PrivacyRequest.Kind.ERASURE:
                duties = rules.erasure_duties(person)
                if duties:  # the duty is the reason (fixed words, so it may go to the log)
                    outcome, why = PrivacyRequest.Decision.REFUSED, "; ".join(duties)
                else:
                    why_deleted = f"erasure request {locked.pk} granted"
                    deletion.delete_person(
                        person, by=decider, purpose="erasure", reason=why_deleted
                    )
                    locked.person = None  # the request keeps the number only
            else:
                person.processing_restricted = True
                person.processing_restricted_at = timezone.now()
                person.save(update_fields=["processing_restricted", "processing_restricted_at"])
                why_restricted = f"restriction request {locked.pk} granted"
                audit.record(
                    decider, "update", person, purpose="restriction", reason=why_restricted
                )
        locked.decision, locked.decision_reason = outcome, why[:500]
        locked.decided_by, locked.decided_at = decider.user, timezone.now()
        locked.save()
        logged = f"request {outcome}" + (f": {'; '.join(duties)}" if duties else "")
        audit.record(decider, "update", locked, purpose=locked.kind, reason=logged)
    return locked


def lift_restriction(request: PrivacyRequest, *, by: Actor) -> PrivacyRequest:
    """Ends a granted restriction (the person is to be told before, GDPR art. 18(3))."""
    decider = _admin_of(by, request.municipality_id)
    if decider is None:
        refusal = policy.refuse("only a system administrator of the municipality lifts it")
        audit.record(by, "update", request, decision=refusal, purpose="restriction")
        raise PermissionDenied(refusal.reason)
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        in_force = (
            locked.kind == PrivacyRequest.Kind.RESTRICTION
            and locked.decision == PrivacyRequest.Decision.GRANTED
            and locked.lifted_at is None
        )
        if not in_force:
            raise ValidationError(_("Only a granted restriction in force can be lifted."))
        locked.lifted_by, locked.lifted_at = decider.user, timezone.now()
        locked.save(update_fields=["lifted_by", "lifted_at"])
        in_force_for_person = PrivacyRequest.objects.filter(
            person=locked.person,
            kind=PrivacyRequest.Kind.RESTRICTION,
            decision=PrivacyRequest.Decision.GRANTED,
            lifted_at__isnull=True,
        )
        if locked.person is not None and not in_force_for_person.exists():
            person = locked.person
            person.processing_restricted = False
            person.processing_restricted_at = None
            person.save(update_fields=["processing_restricted", "processing_restricted_at"])
            audit.record(
                decider,
                "update",
                person,
                purpose="restriction",
                reason=f"restriction request {locked.pk} lifted",
            )
        audit.record(decider, "update", locked, purpose="restriction", reason="restriction lifted")
    return locked
