"""Every read for the family's own pages: fetched and authorised at once (access.policy's family
rules), each read of personal data audited. What a citizen may not see and what does not exist
look the same (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent
from samhandling.audit.services import Subject
from samhandling.coordination.models import (
    Case,
    Evaluation,
    Goal,
    LogEntry,
    Measure,
    Meeting,
    Plan,
    TeamMember,
    Voice,
)
from samhandling.coordination.selectors import current_log
from samhandling.coordination.services import may_consent_for
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation
from samhandling.people.models import Person

from .models import DataExport

ACCESS_LOG_PAGE_SIZE = 50
ACCESS_LOG_MAX_PAGE = 1_000_000  # keeps the offset within what the databases accept


def _attach(case: Case, rows: list[Any]) -> None:
    """Rows already filtered by case: their audit subject needs no query per row."""
    for row in rows:
        row.case = case


def my_cases(actor: Actor) -> list[policy.FamilyAccess]:
    """The cases the citizen may open: their own from 16, and their children's."""
    cases = policy.family_cases(actor)
    audit.record_each(actor, "view", [(a.case, policy.grant(a.reason)) for a in cases],
                      purpose="my cases")  # fmt: skip
    return cases


def family_access_for(actor: Actor, case_id: int, *, purpose: str) -> policy.FamilyAccess:
    """The case and the citizen's standing in it; 404 when refused or missing (they look alike)."""
    case = (
        Case.objects.select_related("person", "coordinator", "coordinator_service")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        audit.record(actor, "view", Subject("coordination.case", str(case_id)),
                     decision=policy.refuse("no such record"), purpose=purpose)  # fmt: skip
        raise Http404
    access = policy.family_access(actor, case)
    decision = access.case_decision("view")
    audit.record(actor, "view", case, decision=decision, purpose=purpose)
    if not decision:
        raise Http404
    return access


@dataclass
class FamilyCasePage:
    access: policy.FamilyAccess
    team: list[TeamMember]
    summary: str
    goals: list[Goal]
    measures: list[Measure]
    evaluations: list[Evaluation]
    upcoming_meetings: list[Meeting]
    past_meetings: list[Meeting]
    log: list[LogEntry]
    voices: list[Voice]

    @property
    def case(self) -> Case:
        return self.access.case


@dataclass
class CaseContents:
    """Everything the family may see of one case, each item decided by the family rules; the
    caller records the reads (`reads`) as a view or as an export."""

    team: list[TeamMember]
    plan: Plan | None
    goals: list[Goal]
    measures: list[Measure]
    evaluations: list[Evaluation]
    log: list[LogEntry]
    meetings: list[Meeting]
    voices: list[Voice]
    reads: list[tuple[Any, policy.Decision]]


def case_contents(access: policy.FamilyAccess, action: str, purpose: str) -> CaseContents:
    """Reads the case's team, plan, log, meetings and the family's own words, keeps what the
    family may see and records every read (and refusal) as `action` in one append."""
    case = access.case
    team = list(
        TeamMember.objects.filter(case=case, left_at__isnull=True).select_related(
            "organisation", "user"
        )
    )
    plan = Plan.objects.filter(case=case).first()
    goals: list[Goal] = []
    measures: list[Measure] = []
    evaluations: list[Evaluation] = []
    if plan is not None:
        plan.case = case
        goals = list(Goal.objects.filter(plan=plan).select_related("service"))
        measures = list(
            Measure.objects.filter(plan=plan).select_related(
                "service", "responsible_service", "responsible_user", "goal"
            )
        )
        evaluations = list(
            Evaluation.objects.filter(plan=plan).select_related("service", "goal", "measure")
        )
        for item in [*goals, *measures, *evaluations]:
            item.plan = plan
    log = list(current_log(case.pk).select_related("service", "author"))
    meetings = list(Meeting.objects.filter(case=case).prefetch_related("family_participants"))
    voices = list(
        Voice.objects.filter(case=case).select_related(
            "person", "recorded_by", "recorded_service", "goal", "meeting"
        )
    )
    _attach(case, [*log, *meetings, *voices])
    reads: list[tuple[Any, policy.Decision]] = [
        *((item, access.item_decision(item)) for item in [*goals, *measures, *evaluations, *log]),
        *((meeting, access.meeting_decision(meeting)) for meeting in meetings),
        *((voice, access.voice_decision(voice)) for voice in voices),
    ]
    audit.record_each(access.actor, action, reads, purpose=purpose)
    shown = {id(item) for item, decision in reads if decision}

    def keep(items: list[Any]) -> list[Any]:
        return [item for item in items if id(item) in shown]

    return CaseContents(team, plan, keep(goals), keep(measures), keep(evaluations), keep(log),
                        keep(meetings), keep(voices), reads)  # fmt: skip


def case_page(actor: Actor, case_id: int) -> FamilyCasePage:
    """The team and how to reach them, the plan, meetings, the log entries shared with the
    family and the family's own words: what this citizen may see of the case."""
    access = family_access_for(actor, case_id, purpose="family page")
    contents = case_contents(access, "view", "family page")
    now = timezone.now()
    return FamilyCasePage(
        access=access,
        team=contents.team,
        summary=contents.plan.summary if contents.plan else "",
        goals=contents.goals,
        measures=contents.measures,
        evaluations=contents.evaluations,
        upcoming_meetings=[m for m in contents.meetings if m.starts_at >= now],
        past_meetings=[m for m in contents.meetings if m.starts_at < now][::-1],
        log=contents.log,
        voices=contents.voices,
    )


def goal_for_voice(access: policy.FamilyAccess, goal_id: int | None) -> Goal | None:
    """A goal of the case that the citizen may see, for their own words about it."""
    if goal_id is None:
        return None
    goal = Goal.objects.filter(pk=goal_id, plan__case=access.case).select_related("plan").first()
    if goal is None or not access.item_decision(goal):
        return None
    return goal


def meeting_for_voice(access: policy.FamilyAccess, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = Meeting.objects.filter(pk=meeting_id, case=access.case).first()
    if meeting is None or not access.meeting_decision(meeting):
        return None
    return meeting


@dataclass
class FamilyConsents:
    access: policy.FamilyAccess
    consents: list[Consent]
    legal_bases: list[LegalBasis]


def consents(actor: Actor) -> list[FamilyConsents]:
    """Every consent and legal basis that lets services share in the citizen's cases: a fixed
    number of queries however many cases, every consent read recorded in one append."""
    accesses = policy.family_cases(actor)
    case_ids = [access.case.pk for access in accesses]
    consents_by_case: dict[int, list[Consent]] = {pk: [] for pk in case_ids}
    bases_by_case: dict[int, list[LegalBasis]] = {pk: [] for pk in case_ids}
    if case_ids:
        for consent in (
            Consent.objects.filter(case_id__in=case_ids)
            .select_related("given_by", "person")
            .prefetch_related("services")
            .order_by("-recorded_at")
        ):
            consents_by_case[consent.case_id].append(consent)
        for basis in LegalBasis.objects.filter(case_id__in=case_ids).select_related(
            "from_service", "to_service"
        ):
            bases_by_case[basis.case_id].append(basis)
    result = []
    reads: list[tuple[Any, policy.Decision]] = []
    for access in accesses:
        case_consents = consents_by_case[access.case.pk]
        bases = bases_by_case[access.case.pk]
        _attach(access.case, [*case_consents, *bases])
        reads.extend((c, policy.grant(access.reason)) for c in case_consents)
        result.append(FamilyConsents(access, case_consents, bases))
    audit.record_each(actor, "view", reads, purpose="my consents")
    return result


def consent_for(actor: Actor, consent_id: int) -> tuple[Consent, policy.FamilyAccess]:
    consent = (
        Consent.objects.select_related("case", "case__person", "given_by", "person")
        .prefetch_related("services")
        .filter(pk=consent_id)
        .first()
    )
    if consent is None:
        raise Http404
    access = policy.family_access(actor, consent.case)
    decision = access.case_decision("view")
    audit.record(actor, "view", consent, decision=decision, purpose="my consents")
    if not decision:
        raise Http404
    return consent, access


def consent_choices(access: policy.FamilyAccess) -> tuple[QuerySet[Organisation], list[str]]:
    """What a consent given here may name: the services in the team (and the coordinator's),
    and the kinds of information this family member may consent to sharing (a youth of 16–17
    only health; a guardian of a 16–17-year-old everything but health)."""
    case = access.case
    team = TeamMember.objects.filter(case=case, left_at__isnull=True).values("organisation_id")
    services = Organisation.objects.filter(
        Q(pk__in=team) | Q(pk=case.coordinator_service_id)
    ).order_by("name")
    sectors = sorted({service.sector for service in services if service.sector})
    if access.person is not None:
        sectors = [s for s in sectors if may_consent_for(access.person, case.person, [s])]
    return services, sectors


def persons(actor: Actor) -> list[Person]:
    """Whose access log and data the citizen may see: their own, and their children's under 16."""
    return [person for person, _decision in policy.family_persons(actor)]


def person_for(actor: Actor, person_id: int, *, purpose: str) -> Person:
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    decision = policy.family_person_decision(actor, person)
    audit.record(actor, "view", person, decision=decision, purpose=purpose)
    if not decision:
        raise Http404
    return person


@dataclass
class AccessLogPage:
    person: Person
    events: list[AuditEvent]
    page: int
    has_next: bool
    emergency_count: int
    include_own: bool = False


def is_emergency(event: AuditEvent) -> bool:
    return event.object_type == "access.emergencyaccess" or event.reason == "emergency access"


def access_log_filter(person: Person) -> Q:
    """Every event about this person, by anyone but the system itself."""
    return Q(person_id=person.pk) & ~Q(action__in=["login", "logout"])


def access_log(
    actor: Actor, person_id: int, *, page: int = 1, include_own: bool = False
) -> AccessLogPage:
    """Who read or changed the person's data, when, what and why: newest first. The citizen's
    own visits are left out unless asked for (they would fill the page). A page past the end
    is the last page (counted only then)."""
    person = person_for(actor, person_id, purpose="who read my data")
    page = min(max(page, 1), ACCESS_LOG_MAX_PAGE)
    events = AuditEvent.objects.filter(access_log_filter(person))
    if not include_own and actor.user is not None:
        events = events.exclude(actor_id=actor.user.pk)
    newest_first = events.order_by("-sequence")
    start = (page - 1) * ACCESS_LOG_PAGE_SIZE
    rows = list(newest_first[start : start + ACCESS_LOG_PAGE_SIZE + 1])
    if not rows and page > 1:
        page = max(1, -(-events.count() // ACCESS_LOG_PAGE_SIZE))
        start = (page - 1) * ACCESS_LOG_PAGE_SIZE
        rows = list(newest_first[start : start + ACCESS_LOG_PAGE_SIZE + 1])
    emergencies = (
        AuditEvent.objects.filter(access_log_filter(person))
        .filter(Q(object_type="access.emergencyaccess") | Q(reason="emergency access"))
        .count()
    )
    audit.record(actor, "view", Subject("audit.accesslog", "", person.pk, person.municipality_id),
                 decision=policy.grant("the person's own access log"),
                 purpose="who read my data")  # fmt: skip
    return AccessLogPage(
        person=person,
        events=rows[:ACCESS_LOG_PAGE_SIZE],
        page=page,
        has_next=len(rows) > ACCESS_LOG_PAGE_SIZE,
        emergency_count=emergencies,
        include_own=include_own,
    )


def exports(actor: Actor) -> list[DataExport]:
    """The citizen's own exports (never anyone else's)."""
    if actor.user is None:
        return []
    return list(DataExport.objects.filter(requested_by=actor.user).select_related("person")[:20])


def export_for(actor: Actor, export_id: Any) -> DataExport:
    """An export of the citizen's; 404 for anyone else's, or an unknown id (both audited)."""
    export = DataExport.objects.filter(pk=export_id).first()
    if export is None:
        audit.record(actor, "view", Subject("portal.dataexport", str(export_id)),
                     decision=policy.refuse("no such record"), purpose="my data")  # fmt: skip
        raise Http404
    mine = actor.is_citizen and actor.user is not None and export.requested_by_id == actor.user.pk
    if not mine:
        audit.record(actor, "view", export, decision=policy.refuse("not your export"),
                     purpose="my data")  # fmt: skip
        raise Http404
    return export
