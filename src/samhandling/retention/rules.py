"""Which records are past their retention period, and what keeps one longer.

The periods are `settings.RETENTION` (days). Every rule takes the day it is applied on, so that
a dry run and the run that deletes give the same answer, and a dry run can look ahead.

What keeps a record past its period (a hold):
- a case or person whose processing is restricted (GDPR art. 18: stored, not used or deleted);
- a case in which child welfare took part, while RETENTION_KEEP_CHILD_WELFARE is on (child
  welfare records must be kept and deposited in the municipality's archive);
- a person with a privacy request not yet decided;
- a person that a kept case still needs (the child, family in the team, who gave consent, whose
  words are in the plan) or who is family of a child or young person with a kept case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from samhandling.access.models import Consent, LegalBasis
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.coordination.models import (
    Case,
    CoordinatorHandover,
    FamilyParticipant,
    LogEntry,
    Referral,
    TeamMember,
    Voice,
)
from samhandling.organisations.models import Sector
from samhandling.people.models import FamilyRelation, Person
from samhandling.portal.models import DataExport

from .models import PrivacyRequest

# The reasons a record is kept past its period, as the report names them.
HELD_RESTRICTED = "processing restricted"
HELD_CHILD_WELFARE = "child welfare took part (archive duty)"
HELD_PENDING_REQUEST = "privacy request pending"


@dataclass(frozen=True)
class Cutoffs:
    """For each kind of record, the moment before which it is past its period."""

    closed_case: datetime.datetime
    person: datetime.datetime
    data_export: datetime.datetime
    privacy_request: datetime.datetime
    audit_event: datetime.datetime

    @classmethod
    def on(cls, today: datetime.date) -> Cutoffs:
        days = settings.RETENTION

        def before(key: str) -> datetime.datetime:
            day = today - datetime.timedelta(days=days[key])
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        return cls(
            closed_case=before("closed_case_days"),
            person=before("person_days"),
            data_export=before("data_export_days"),
            privacy_request=before("privacy_request_days"),
            audit_event=before("audit_event_days"),
        )


def involves_child_welfare() -> Q:
    """Cases in which the child welfare service took part: coordinated, in the team (at any
    time), wrote in the log, referred or was referred to, shared under a legal basis."""
    cw = Sector.CHILD_WELFARE
    from_or_to = Q(from_service__sector=cw) | Q(to_service__sector=cw)
    return (
        Q(coordinator_service__sector=cw)
        | Q(pk__in=TeamMember.objects.filter(organisation__sector=cw).values("case_id"))
        | Q(pk__in=LogEntry.objects.filter(sector=cw).values("case_id"))
        | Q(pk__in=Referral.objects.filter(from_or_to).values("case_id"))
        | Q(pk__in=LegalBasis.objects.filter(from_or_to).values("case_id"))
        | Q(pk__in=CoordinatorHandover.objects.filter(to_service__sector=cw).values("case_id"))
    )


def case_holds() -> dict[str, Q]:
    holds = {HELD_RESTRICTED: Q(person__processing_restricted=True)}
    if settings.RETENTION_KEEP_CHILD_WELFARE:
        holds[HELD_CHILD_WELFARE] = involves_child_welfare()
    return holds


def cases_past_period(cutoffs: Cutoffs) -> QuerySet[Case]:
    return Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=cutoffs.closed_case)


def expired_cases(cutoffs: Cutoffs) -> QuerySet[Case]:
    """Closed cases past their period that nothing holds: deleted with all they contain."""
    cases = cases_past_period(cutoffs)
    for hold in case_holds().values():
        cases = cases.exclude(hold)
    return cases.order_by("pk")


def held_cases(cutoffs: Cutoffs) -> dict[str, list[int]]:
    """Cases past their period that are kept, by the first reason that holds them."""
    result: dict[str, list[int]] = {}
    seen: set[int] = set()
    for reason, hold in case_holds().items():
        ids = [
            pk
            for pk in cases_past_period(cutoffs)
            .filter(hold)
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(ids)
        if ids:
            result[reason] = ids
    return result


def needed_by(cases: QuerySet[Case]) -> Q:
    """Persons that these cases still need, and the family of the persons they are about."""
    children = cases.values("person_id")
    return (
        Q(pk__in=children)
        | Q(pk__in=FamilyParticipant.objects.filter(case__in=cases).values("person_id"))
        | Q(pk__in=Voice.objects.filter(case__in=cases).values("person_id"))
        | Q(pk__in=Consent.objects.filter(case__in=cases).values("given_by_id"))
        | Q(pk__in=FamilyRelation.objects.filter(person_id__in=children).values("relative_id"))
        | Q(pk__in=FamilyRelation.objects.filter(relative_id__in=children).values("person_id"))
    )


def kept_cases(cutoffs: Cutoffs) -> QuerySet[Case]:
    return Case.objects.exclude(pk__in=expired_cases(cutoffs).values("pk"))


def persons_past_period(cutoffs: Cutoffs) -> QuerySet[Person]:
    """Persons registered before their period who are left with nothing once the expired
    cases are gone."""
    return Person.objects.filter(created_at__lt=cutoffs.person).exclude(
        needed_by(kept_cases(cutoffs))
    )


def person_holds() -> dict[str, Q]:
    pending = PrivacyRequest.objects.filter(decision="").values("person_id")
    return {HELD_RESTRICTED: Q(processing_restricted=True), HELD_PENDING_REQUEST: Q(pk__in=pending)}


def expired_persons(cutoffs: Cutoffs) -> QuerySet[Person]:
    persons = persons_past_period(cutoffs)
    for hold in person_holds().values():
        persons = persons.exclude(hold)
    return persons.order_by("pk")


def held_persons(cutoffs: Cutoffs) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    seen: set[int] = set()
    for reason, hold in person_holds().items():
        ids = [
            pk
            for pk in persons_past_period(cutoffs)
            .filter(hold)
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(ids)
        if ids:
            result[reason] = ids
    return result


def expired_exports(cutoffs: Cutoffs) -> QuerySet[DataExport]:
    """Data exports asked for before their period (the content went after
    DATA_EXPORT_TTL_HOURS; this is the row that said the export was made)."""
    return DataExport.objects.filter(requested_at__lt=cutoffs.data_export).order_by("pk")


def expired_privacy_requests(cutoffs: Cutoffs) -> QuerySet[PrivacyRequest]:
    """Decided requests past their period, except a restriction still in force."""
    in_force = Q(
        kind=PrivacyRequest.Kind.RESTRICTION,
        decision=PrivacyRequest.Decision.GRANTED,
        lifted_at__isnull=True,
        person__isnull=False,
    )
    return (
        PrivacyRequest.objects.filter(decided_at__lt=cutoffs.privacy_request)
        .exclude(in_force)
        .order_by("pk")
    )


@dataclass(frozen=True)
class AuditRange:
    """Audit events `first`..`through` (sequence numbers) are past their period."""

    first: int
    through: int

    @property
    def count(self) -> int:
        return self.through - self.first + 1


def expired_audit_events(cutoffs: Cutoffs) -> AuditRange | None:
    """The oldest events, up to (not including) the first one that occurred at or after the
    cutoff: the chain is only ever cut at its start, so that what is kept still verifies."""
    events = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)
    first = events.first()
    if first is None:
        return None
    first_kept = events.filter(occurred_at__gte=cutoffs.audit_event).first()
    head = ChainHead.objects.get(pk=1).sequence
    through = head if first_kept is None else first_kept - 1
    return AuditRange(first, through) if through >= first else None


def erasure_duties(person: Person) -> list[str]:
    """Why the person's data must be kept despite an erasure request (empty: it may go).

    Their own closed cases go with them; what stops an erasure is a duty to keep a record."""
    duties = []
    own = Case.objects.filter(person=person)
    if own.exclude(status=Case.Status.CLOSED).exists():
        duties.append("the person has an open case")
    if settings.RETENTION_KEEP_CHILD_WELFARE and own.filter(involves_child_welfare()).exists():
        duties.append("child welfare took part in the person's case: its records must be kept")
    others = Case.objects.exclude(person=person)
    if Person.objects.filter(pk=person.pk).filter(needed_by(others)).exists():
        duties.append("another child's or young person's case still needs the person")
    return duties
