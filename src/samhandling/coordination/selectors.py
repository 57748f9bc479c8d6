"""Every read in coordination: fetch and authorise at once, audited.

A page of a case costs a fixed number of queries whatever the number of entries: the actor's
standing and the case's consents are worked out once (policy.case_access), and each entry is
then decided in memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent, EmergencyAccess, LegalBasis
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Role

from .models import (
    Case,
    CoordinatorHandover,
    Evaluation,
    Goal,
    IncomingConcern,
    LevelChange,
    LogEntry,
    Measure,
    Meeting,
    Notification,
    Plan,
    Referral,
    Task,
    TeamMember,
    Transition,
)

PAGE_SIZE = 50


def get_case_for(
    actor: Actor, case_id: int, *, purpose: str = ""
) -> tuple[Case, policy.CaseAccess]:
    """The case and the actor's access to it; 404 when refused or missing (they look alike)."""
    case = Case.objects.select_related("person", "person__municipality").filter(pk=case_id).first()
    if case is None:
        audit.record(actor, "view", Subject("coordination.case", str(case_id)),
                     decision=policy.refuse("no such record"), purpose=purpose)  # fmt: skip
        raise Http404
    access = policy.case_access(actor, case)
    decision = access.case_decision("view")
    audit.record(actor, "view", case, decision=decision, purpose=purpose)
    if not decision:
        raise Http404
    return case, access


def _visible(access: policy.CaseAccess, items: list[Any], actor: Actor, purpose: str) -> list[Any]:
    """The items the actor may see, each read (and each refusal) audited."""
    shown: list[tuple[Any, policy.Decision]] = []
    refused: list[tuple[Any, policy.Decision]] = []
    for item in items:
        decision = access.item_decision(item)
        (shown if decision else refused).append((item, decision))
    for outcome, pairs in (("shown", shown), ("refused", refused)):
        by_reason: dict[str, list[Any]] = {}
        for item, decision in pairs:
            by_reason.setdefault(decision.reason, []).append(item)
        for reason, group in by_reason.items():
            decision = policy.Decision(outcome == "shown", reason)
            audit.record_many(actor, "view", group, decision=decision, purpose=purpose)
    return [item for item, _decision in shown]


@dataclass
class CasePage:
    case: Case
    access: policy.CaseAccess
    log: list[LogEntry]
    history: dict[int, list[LogEntry]]
    hidden_entries: int
    team: list[TeamMember]
    family: list[Any]
    level_changes: list[LevelChange]
    pending_handover: CoordinatorHandover | None
    incoming_concerns: list[tuple[IncomingConcern, bool]]
    consents: list[Consent]
    legal_bases: list[LegalBasis]
    referrals: list[Referral]
    transitions: list[Transition]
    meetings: list[Meeting]
    tasks: list[Task]
    emergency: bool
    more_log: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def case_page(actor: Actor, case_id: int, *, log_limit: int = PAGE_SIZE) -> CasePage:
    """Everything on the case page that the actor may see, in a fixed number of queries."""
    case, access = get_case_for(actor, case_id, purpose="case page")
    entries = list(
        LogEntry.objects.filter(case=case)
        .select_related("author", "service")
        .order_by("-occurred_on", "-created_at", "-pk")[: log_limit * 3 + 1]
    )
    current = [e for e in entries if not _is_replaced(e, entries)]
    visible = _visible(access, current, actor, "relay log")
    more = len(visible) > log_limit
    visible = visible[:log_limit]
    history: dict[int, list[LogEntry]] = {}  # older versions of each corrected entry
    by_pk = {e.pk: e for e in entries}
    for entry in visible:
        chain, cursor = [], entry.replaces_id
        while cursor and cursor in by_pk:
            chain.append(by_pk[cursor])
            cursor = by_pk[cursor].replaces_id
        if chain:
            history[entry.pk] = chain
    handover = (
        CoordinatorHandover.objects.filter(case=case, status=CoordinatorHandover.Status.PENDING)
        .select_related("to_user", "to_service")
        .first()
    )
    concerns = []
    if case.coordinator_id and actor.user and case.coordinator_id == actor.user.pk:
        waiting = IncomingConcern.objects.filter(case=case, handled_at__isnull=True)
        for concern in waiting.select_related("sender_service"):
            sender = concern.sender_service
            content_ok = (sender.sector == actor.sector or sender.pk == access.service_id
                          or access.sharing_for(sender.pk, sender.sector) is not None)  # fmt: skip
            concerns.append((concern, content_ok))
    return CasePage(
        case=case, access=access, log=visible, history=history,
        hidden_entries=len(current) - len(_visible_silently(access, current)), more_log=more,
        team=list(TeamMember.objects.filter(case=case, left_at__isnull=True)
                  .select_related("organisation", "user")),
        family=list(case.family.select_related("person")),
        level_changes=list(case.level_changes.select_related("changed_by")),
        pending_handover=handover, incoming_concerns=concerns,
        consents=list(Consent.objects.filter(case=case).select_related("given_by")
                      .prefetch_related("services").order_by("-recorded_at")),
        legal_bases=list(LegalBasis.objects.filter(case=case)
                         .select_related("from_service", "to_service")),
        referrals=list(Referral.objects.filter(case=case)
                       .select_related("from_service", "to_service")),
        transitions=list(Transition.objects.filter(case=case)
                         .select_related("from_service", "to_service", "to_municipality")),
        meetings=list(Meeting.objects.filter(case=case).order_by("-starts_at")[:10]),
        tasks=list(Task.objects.filter(case=case, done_at__isnull=True)
                   .select_related("assignee", "service")),
        emergency=access.standing == "emergency",
    )  # fmt: skip


def _is_replaced(entry: LogEntry, entries: list[LogEntry]) -> bool:
    return any(other.replaces_id == entry.pk for other in entries)


def _visible_silently(access: policy.CaseAccess, items: list[Any]) -> list[Any]:
    return [item for item in items if access.item_decision(item)]


@dataclass
class PlanView:
    case: Case
    plan: Plan
    access: policy.CaseAccess
    goals: list[Goal]
    measures: list[Measure]
    evaluations: list[Evaluation]
    hidden: int


def plan_for(actor: Actor, case_id: int) -> PlanView:
    case, access = get_case_for(actor, case_id, purpose="plan")
    plan = Plan.objects.select_related("updated_by").get(case=case)
    goals = list(Goal.objects.filter(plan=plan).select_related("service"))
    measures = list(
        Measure.objects.filter(plan=plan).select_related(
            "service", "responsible_service", "responsible_user", "goal"
        )
    )
    evaluations = list(Evaluation.objects.filter(plan=plan).select_related("service", "created_by"))
    shown_goals = _visible(access, goals, actor, "plan")
    shown_measures = _visible(access, measures, actor, "plan")
    shown_evaluations = _visible(access, evaluations, actor, "plan")
    hidden = (len(goals) + len(measures) + len(evaluations)
              - len(shown_goals) - len(shown_measures) - len(shown_evaluations))  # fmt: skip
    audit.record(actor, "view", plan, decision=policy.grant(access.reason), purpose="plan")
    return PlanView(case, plan, access, shown_goals, shown_measures, shown_evaluations, hidden)


def visible_cases(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(policy.cases_visible_to(actor))


def cases_for_person(actor: Actor, person_id: int) -> list[Case]:
    return list(visible_cases(actor).filter(person_id=person_id).order_by("-opened_at"))


@dataclass
class MyWork:
    cases: list[Case]
    measures_due: list[Measure]
    tasks_due: list[Task]
    overdue_sent: list[Referral]
    incoming_referrals: list[Referral]
    meetings_this_week: list[Meeting]
    new_concerns: list[IncomingConcern]
    handovers: list[CoordinatorHandover]
    notifications: list[Notification]
    emergencies_to_review: list[EmergencyAccess]
    closings_to_approve: list[Case]


def my_work(actor: Actor, *, today: datetime.date | None = None) -> MyWork:
    """The professional's day: a fixed number of queries however much work there is."""
    today = today or timezone.localdate()
    user = actor.user
    org = actor.organisation
    if user is None or org is None or not actor.has_role(*policy.CASEWORK_ROLES):
        return MyWork([], [], [], [], [], [], [], [], [], [], [])
    cases_q = visible_cases(actor).exclude(status=Case.Status.CLOSED)
    cases = list(cases_q.select_related("person").order_by("-opened_at")[:PAGE_SIZE])
    week_end = today + datetime.timedelta(days=7)
    measures = list(
        Measure.objects.filter(plan__case__in=cases_q, responsible_user=user,
                               status__in=[Measure.Status.PLANNED, Measure.Status.ONGOING],
                               ends__isnull=False, ends__lte=week_end)
        .select_related("plan__case__person").order_by("ends")[:PAGE_SIZE]
    )  # fmt: skip
    tasks = list(
        Task.objects.filter(assignee=user, done_at__isnull=True, due__lte=week_end,
                            case__in=cases_q)
        .select_related("case__person").order_by("due")[:PAGE_SIZE]
    )  # fmt: skip
    overdue_sent = list(
        Referral.objects.filter(from_service=org, status__in=[Referral.Status.SENT,
                                                              Referral.Status.RECEIVED],
                                answer_due__lt=today)
        .select_related("to_service", "case__person").order_by("answer_due")[:PAGE_SIZE]
    )  # fmt: skip
    incoming = list(
        Referral.objects.filter(to_service=org, status__in=[Referral.Status.SENT,
                                                            Referral.Status.RECEIVED,
                                                            Referral.Status.ACCEPTED])
        .select_related("from_service", "case__person").order_by("answer_due")[:PAGE_SIZE]
    )  # fmt: skip
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    meetings = list(
        Meeting.objects.filter(case__in=cases_q, starts_at__gte=start,
                               starts_at__lt=start + datetime.timedelta(days=7))
        .select_related("case__person").order_by("starts_at")[:PAGE_SIZE]
    )  # fmt: skip
    concerns = list(
        IncomingConcern.objects.filter(case__coordinator=user, case__coordinator_service=org,
                                       handled_at__isnull=True)
        .select_related("case__person", "sender_service")[:PAGE_SIZE]
    )  # fmt: skip
    handovers = list(
        CoordinatorHandover.objects.filter(
            to_user=user, status=CoordinatorHandover.Status.PENDING
        ).select_related("case__person", "from_user")
    )
    notifications = list(Notification.objects.filter(user=user, read_at__isnull=True)[:20])
    emergencies: list[EmergencyAccess] = []
    closings: list[Case] = []
    if actor.role == Role.SERVICE_LEADER:
        emergencies = list(
            EmergencyAccess.objects.filter(
                organisation=org, reviewed_at__isnull=True
            ).select_related("user", "case__person")[:PAGE_SIZE]
        )
        closings = list(cases_q.filter(status=Case.Status.CLOSING).select_related("person"))
    audit.record_many(actor, "view", cases, decision=policy.grant("listed in my work"),
                      purpose="my work")  # fmt: skip
    return MyWork(cases, measures, tasks, overdue_sent, incoming, meetings, concerns, handovers,
                  notifications, emergencies, closings)  # fmt: skip


def get_referral_for(actor: Actor, referral_id: int, action: policy.Action = "view") -> Referral:
    referral = (
        Referral.objects.select_related("case__person", "from_service", "to_service", "sent_by")
        .filter(pk=referral_id).first()
    )  # fmt: skip
    decision = policy.decide(actor, action, referral)
    subject = referral if referral else Subject("coordination.referral", str(referral_id))
    audit.record(actor, "view", subject, decision=decision, purpose="referral")
    if referral is None or not decision:
        raise Http404
    return referral


def get_part_for(actor: Actor, model: type[Any], pk: int, action: policy.Action = "view") -> Any:
    """A meeting, task, transition, consent, legal basis, goal, measure, log entry or team member
    of a case — fetched, authorised and audited at once."""
    record = model.objects.filter(pk=pk).first()
    if model is TeamMember:
        decision = (
            policy.decide(actor, "view" if action == "view" else "manage_team", record.case)
            if record
            else policy.refuse("no such record")
        )
    else:
        decision = policy.decide(actor, action, record)
    subject = record if record else Subject(model._meta.label_lower, str(pk))
    audit.record(actor, "view" if action == "view" else "update", subject, decision=decision)
    if record is None or not decision:
        raise Http404
    return record


def team_services(case: Case) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=TeamMember.objects.filter(case=case, left_at__isnull=True).values("organisation")
    )


def services_in(municipality_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        municipality_id=municipality_id, kind=Organisation.Kind.SERVICE
    ).order_by("name")


def emergency_candidates(actor: Actor, query: str) -> list[Case]:
    """Open cases of a child found by exact identity number, for emergency access only."""
    if not actor.has_role(Role.PROFESSIONAL) or not query.strip().isdigit():
        return []
    return list(
        Case.objects.filter(person__national_id=query.strip(),
                            municipality_id=actor.municipality_id)
        .exclude(status=Case.Status.CLOSED)
        .exclude(policy.cases_visible_to(actor))
    )  # fmt: skip


def unread_count(actor: Actor) -> int:
    if actor.user is None:
        return 0
    return Notification.objects.filter(user=actor.user, read_at__isnull=True).count()


def open_cases_filter() -> Q:
    return ~Q(status=Case.Status.CLOSED)
