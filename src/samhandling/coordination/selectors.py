"""Every read in coordination: fetch and authorise at once, audited.

A page of a case costs a fixed number of queries whatever the number of entries: the actor's
standing and the case's consents are worked out once (policy.case_access), and each entry is
then decided in memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent, EmergencyAccess, LegalBasis
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config.compiled import CompiledQuery
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Role
from samhandling.people.models import FamilyRelation, Person

from .models import (
    Case,
    CoordinatorHandover,
    Evaluation,
    FamilyParticipant,
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
    Voice,
)

PAGE_SIZE = 50
# The case page shows the relay log's newest entries 20 at a time: the page is read most of all,
# and each entry shown is rendered and recorded as read (bench/RESULTS.md).
LOG_PAGE_SIZE = 20


# The case page's and the plan's queries, compiled to SQL once (config/compiled.py).
_CASE = CompiledQuery(
    lambda case_id: Case.objects.select_related(
        "person", "person__municipality", "coordinator", "coordinator_service"
    ).filter(pk=case_id).order_by("pk")[:1]
)  # fmt: skip


def _replaced(case_id: int) -> QuerySet[LogEntry, Any]:
    """The ids of the case's entries that a correction replaced (index log_case_corrections).
    Asked as a set, not as a join with each entry's replacement: PostgreSQL then walks the
    case's log newest first (index log_case_date) and stops after a page, where from a join
    it read and sorted the whole log (0.1 against 3 ms for a case of 470 entries)."""
    return LogEntry.objects.filter(case_id=case_id, replaces__isnull=False).values("replaces_id")


def current_log(case_id: int) -> QuerySet[LogEntry]:
    """The current versions of a case's relay log entries (not replaced by a correction).
    Read only through a selector or service that has authorised the case."""
    return LogEntry.objects.filter(case_id=case_id).exclude(pk__in=_replaced(case_id))


_LOG_PAGE = CompiledQuery(
    lambda case_id: current_log(case_id)
    .select_related("author", "service").order_by("-occurred_on", "-created_at", "-pk")
)  # fmt: skip
_OLDER_VERSIONS = CompiledQuery(
    lambda case_id: LogEntry.objects.filter(case_id=case_id, pk__in=_replaced(case_id))
    .select_related("author", "service")
)  # fmt: skip
_PENDING_HANDOVER = CompiledQuery(
    lambda case_id: CoordinatorHandover.objects.filter(
        case_id=case_id, status=CoordinatorHandover.Status.PENDING)
    .select_related("to_user", "to_service").order_by("pk")[:1]
)  # fmt: skip
_WAITING_CONCERNS = CompiledQuery(
    lambda case_id: IncomingConcern.objects.filter(case_id=case_id, handled_at__isnull=True)
    .select_related("sender_service")
)  # fmt: skip
_LEVEL_CHANGES = CompiledQuery(
    lambda case_id: LevelChange.objects.filter(case_id=case_id).select_related("changed_by")
)
_REFERRALS = CompiledQuery(
    lambda case_id: Referral.objects.filter(case_id=case_id)
    .select_related("from_service", "to_service")
)  # fmt: skip
_TRANSITIONS = CompiledQuery(
    lambda case_id: Transition.objects.filter(case_id=case_id)
    .select_related("from_service", "to_service", "to_municipality")
)  # fmt: skip
_RECENT_MEETINGS = CompiledQuery(
    lambda case_id: Meeting.objects.filter(case_id=case_id).order_by("-starts_at")[:10]
)
_OPEN_TASKS = CompiledQuery(
    lambda case_id: Task.objects.filter(case_id=case_id, done_at__isnull=True)
    .select_related("assignee", "service")
)  # fmt: skip
_FAMILY_PARTICIPANTS = CompiledQuery(
    lambda case_id: FamilyParticipant.objects.filter(case_id=case_id).select_related("person")
)
_VOICES = CompiledQuery(
    lambda case_id: Voice.objects.filter(case_id=case_id)
    .select_related("recorded_service", "meeting", "goal").order_by("-created_at", "-pk")
)  # fmt: skip
_FAMILY_OF_CHILD = CompiledQuery(
    lambda person_id: FamilyRelation.objects.filter(person_id=person_id)
    .select_related("relative")
    .order_by("kind", "relative__family_name", "relative__given_name", "pk")
)  # fmt: skip
_PLAN = CompiledQuery(
    lambda case_id: Plan.objects.select_related("updated_by").filter(case_id=case_id)[:2]
)
_GOALS = CompiledQuery(
    lambda plan_id: Goal.objects.filter(plan_id=plan_id).select_related("service")
)
_MEASURES = CompiledQuery(
    lambda plan_id: Measure.objects.filter(plan_id=plan_id).select_related(
        "service", "responsible_service", "responsible_user", "goal")
)  # fmt: skip
_EVALUATIONS = CompiledQuery(
    lambda plan_id: Evaluation.objects.filter(plan_id=plan_id).select_related(
        "service", "created_by", "goal", "measure")
)  # fmt: skip


def get_case_for(
    actor: Actor, case_id: int, *, purpose: str = ""
) -> tuple[Case, policy.CaseAccess]:
    """The case and the actor's access to it; 404 when refused or missing (they look alike)."""
    found = _CASE(case_id)
    case = found[0] if found else None
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


def _decide(access: policy.CaseAccess, items: list[Any]) -> list[tuple[Any, policy.Decision]]:
    return [(item, access.item_decision(item)) for item in items]


def _visible(access: policy.CaseAccess, items: list[Any], actor: Actor, purpose: str) -> list[Any]:
    """The items the actor may see, each read (and each refusal) audited."""
    reads = _decide(access, items)
    audit.record_each(actor, "view", list(reads), purpose=purpose)
    return [item for item, decision in reads if decision]


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
    log_page: Page[LogEntry] | None = None  # which page of the relay log `log` is
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RelayLog:
    """A page of the relay log as the actor may see it (the case page's, and what adding an
    entry with htmx swaps in): the shown entries, their earlier versions and how many of the
    page's entries were hidden."""

    log: list[LogEntry]
    history: dict[int, list[LogEntry]]
    hidden_entries: int
    more_log: bool
    log_page: Page[LogEntry]


def relay_log(
    actor: Actor,
    case: Case,
    access: policy.CaseAccess,
    *,
    log_limit: int = LOG_PAGE_SIZE,
    log_page: int | str | None = 1,
) -> RelayLog:
    """Page `log_page` of the case's relay log: `log_limit` current versions, newest first
    (past the end, the last page). The actor sees those the policy lets them see; only what is
    shown, and each refusal, is recorded as read."""
    page = _LOG_PAGE.page(case.pk, per_page=log_limit, number=log_page)
    current: list[LogEntry] = list(page.object_list)
    # Earlier versions: a correction is rare, so all of the case's are read at once (a chain
    # of corrections is then followed in memory, however long).
    older_versions = _OLDER_VERSIONS(case.pk)
    for entry in current + older_versions:
        entry.case = case  # the audit subject names the case's person: no query per entry
    reads = _decide(access, current)
    visible = [entry for entry, decision in reads if decision]
    hidden_entries = len(current) - len(visible)
    # Older versions of each shown entry, each decided and recorded on its own.
    by_pk = {e.pk: e for e in older_versions}
    chains: dict[int, list[LogEntry]] = {}
    for entry in visible:
        chain, cursor = [], entry.replaces_id
        while cursor and cursor in by_pk:
            chain.append(by_pk[cursor])
            cursor = by_pk[cursor].replaces_id
        chains[entry.pk] = chain
    older = _decide(access, [e for chain in chains.values() for e in chain])
    allowed = {e.pk for e, decision in older if decision}
    # The shown entries, their older versions and each refusal met: one append to the chain.
    audit.record_each(actor, "view", reads + older, purpose="relay log")
    history = {
        pk: [e for e in chain if e.pk in allowed] for pk, chain in chains.items()
        if any(e.pk in allowed for e in chain)
    }  # fmt: skip
    return RelayLog(visible, history, hidden_entries, page.has_next(), page)


def case_page(
    actor: Actor, case_id: int, *, log_limit: int = LOG_PAGE_SIZE, log_page: int | str | None = 1
) -> CasePage:
    """Everything on the case page that the actor may see, in a fixed number of queries.

    The relay log comes a page at a time: `log_limit` current versions, newest first
    (`log_page` past the end is the last page). The actor sees those of them that the policy
    lets them see; only what is shown, and each refusal on the page, is recorded as read.
    """
    case, access = get_case_for(actor, case_id, purpose="case page")
    log = relay_log(actor, case, access, log_limit=log_limit, log_page=log_page)
    handover = next(iter(_PENDING_HANDOVER(case.pk)), None)
    concerns = []
    if case.coordinator_id and actor.user and case.coordinator_id == actor.user.pk:
        for concern in _WAITING_CONCERNS(case.pk):
            sender = concern.sender_service
            content_ok = (sender.sector == actor.sector or sender.pk == access.service_id
                          or access.sharing_for(sender.pk, sender.sector) is not None)  # fmt: skip
            concerns.append((concern, content_ok))
    consents, legal_bases = consents_and_legal_bases(actor, case, access)
    return CasePage(
        case=case, access=access, log=log.log, history=log.history,
        hidden_entries=log.hidden_entries, more_log=log.more_log, log_page=log.log_page,
        team=current_team(case, access),
        family=family_participants_of(actor, case),
        level_changes=_LEVEL_CHANGES(case.pk),
        pending_handover=handover, incoming_concerns=concerns,
        consents=consents, legal_bases=legal_bases,
        referrals=_REFERRALS(case.pk), transitions=_TRANSITIONS(case.pk),
        meetings=_RECENT_MEETINGS(case.pk), tasks=_OPEN_TASKS(case.pk),
        emergency=access.standing == "emergency",
    )  # fmt: skip


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
    plans = _PLAN(case.pk)
    if len(plans) != 1:  # as Plan.objects.get(case=case)
        raise Plan.DoesNotExist if not plans else Plan.MultipleObjectsReturned
    plan = plans[0]
    goals, measures, evaluations = _GOALS(plan.pk), _MEASURES(plan.pk), _EVALUATIONS(plan.pk)
    plan.case = case
    for item in [*goals, *measures, *evaluations]:
        item.plan = plan  # the audit subject names the case's person: no query per item
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
    cases_page: Page[Case] | None = None  # which page of the open cases `cases` is
    closings_page: Page[Case] | None = None  # which page of `closings_to_approve`


def _open_cases(*standing: Any) -> QuerySet[Case]:
    return Case.objects.filter(policy.cases_with_standing(*standing)).exclude(
        status=Case.Status.CLOSED
    )


# My work's queries, compiled to SQL once (config/compiled.py): the page is asked for most of
# all, and Django would otherwise spend as long building its SQL as the database running it.
_MY_CASES = CompiledQuery(
    lambda *standing: _open_cases(*standing).select_related("person").order_by("-opened_at", "-pk")
)
_MY_CLOSINGS = CompiledQuery(
    lambda *standing: _open_cases(*standing).filter(status=Case.Status.CLOSING)
    .select_related("person").order_by("-opened_at", "-pk")
)  # fmt: skip
# The open cases the actor may see, as SQL inside the three lists below that keep to them.
_MY_CASE_IDS = CompiledQuery(lambda *standing: _open_cases(*standing).order_by().values("pk"))
_MEASURES_DUE = CompiledQuery(
    lambda visible, user_id, week_end: Measure.objects.filter(
        plan__case_id__in=visible, responsible_user_id=user_id,
        status__in=[Measure.Status.PLANNED, Measure.Status.ONGOING],
        ends__isnull=False, ends__lte=week_end)
    .select_related("plan__case__person").order_by("ends")[:PAGE_SIZE]
)  # fmt: skip
_TASKS_DUE = CompiledQuery(
    lambda visible, user_id, week_end: Task.objects.filter(
        assignee_id=user_id, done_at__isnull=True, due__lte=week_end, case_id__in=visible)
    .select_related("case__person").order_by("due")[:PAGE_SIZE]
)  # fmt: skip
_OVERDUE_SENT = CompiledQuery(
    lambda service_id, today: Referral.objects.filter(
        from_service_id=service_id,
        status__in=[Referral.Status.SENT, Referral.Status.RECEIVED], answer_due__lt=today)
    .select_related("to_service", "case__person").order_by("answer_due")[:PAGE_SIZE]
)  # fmt: skip
_INCOMING_REFERRALS = CompiledQuery(
    lambda service_id: Referral.objects.filter(
        to_service_id=service_id,
        status__in=[Referral.Status.SENT, Referral.Status.RECEIVED, Referral.Status.ACCEPTED])
    .select_related("from_service", "case__person").order_by("answer_due")[:PAGE_SIZE]
)  # fmt: skip
_MEETINGS_THIS_WEEK = CompiledQuery(
    lambda visible, start, end: Meeting.objects.filter(
        case_id__in=visible, starts_at__gte=start, starts_at__lt=end)
    .select_related("case__person").order_by("starts_at")[:PAGE_SIZE]
)  # fmt: skip
_NEW_CONCERNS = CompiledQuery(
    lambda user_id, service_id: IncomingConcern.objects.filter(
        case__coordinator_id=user_id, case__coordinator_service_id=service_id,
        handled_at__isnull=True)
    .select_related("case__person", "sender_service")[:PAGE_SIZE]
)  # fmt: skip
_HANDOVERS = CompiledQuery(
    lambda user_id: CoordinatorHandover.objects.filter(
        to_user_id=user_id, status=CoordinatorHandover.Status.PENDING)
    .select_related("case__person", "from_user")
)  # fmt: skip
_UNREAD_NOTIFICATIONS = CompiledQuery(
    lambda user_id: Notification.objects.filter(user_id=user_id, read_at__isnull=True)[:20]
)
_EMERGENCIES_TO_REVIEW = CompiledQuery(
    lambda service_id: EmergencyAccess.objects.filter(
        organisation_id=service_id, reviewed_at__isnull=True)
    .select_related("user", "case__person")[:PAGE_SIZE]
)  # fmt: skip


def my_work(
    actor: Actor,
    *,
    today: datetime.date | None = None,
    cases_page: int | str | None = 1,
    closings_page: int | str | None = 1,
) -> MyWork:
    """The professional's day: a fixed number of queries however much work there is. The open
    cases come a page at a time (`cases_page`: past the end is the last page), and so do a
    service leader's cases waiting for approval to close (`closings_page`)."""
    today = today or timezone.localdate()
    user = actor.user
    org = actor.organisation
    standing = policy.case_standing_of(actor)
    if user is None or org is None or standing is None:
        return MyWork([], [], [], [], [], [], [], [], [], [], [])
    page = _MY_CASES.page(*standing, per_page=PAGE_SIZE, number=cases_page)
    cases = list(page.object_list)
    visible = _MY_CASE_IDS.sql(*standing)
    week_end = today + datetime.timedelta(days=7)
    measures = _MEASURES_DUE(visible, user.pk, week_end)
    tasks = _TASKS_DUE(visible, user.pk, week_end)
    overdue_sent = _OVERDUE_SENT(org.pk, today)
    incoming = _INCOMING_REFERRALS(org.pk)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    meetings = _MEETINGS_THIS_WEEK(visible, start, start + datetime.timedelta(days=7))
    concerns = _NEW_CONCERNS(user.pk, org.pk)
    handovers = _HANDOVERS(user.pk)
    notifications = _UNREAD_NOTIFICATIONS(user.pk)
    emergencies: list[EmergencyAccess] = []
    closings: list[Case] = []
    closings_on: Page[Case] | None = None
    if actor.role == Role.SERVICE_LEADER:
        emergencies = _EMERGENCIES_TO_REVIEW(org.pk)
        closings_on = _MY_CLOSINGS.page(*standing, per_page=PAGE_SIZE, number=closings_page)
        closings = list(closings_on.object_list)
    # Every child the page names is a read: one event per case shown, whatever the list.
    shown: dict[int, Case] = {case.pk: case for case in cases + closings}
    rows: list[Any] = [*tasks, *overdue_sent, *incoming, *meetings, *concerns, *handovers,
                       *emergencies]  # fmt: skip
    for row in rows:
        shown.setdefault(row.case_id, row.case)
    for measure in measures:
        shown.setdefault(measure.plan.case_id, measure.plan.case)
    audit.record_many(actor, "view", list(shown.values()),
                      decision=policy.grant("listed in my work"), purpose="my work")  # fmt: skip
    return MyWork(cases, measures, tasks, overdue_sent, incoming, meetings, concerns, handovers,
                  notifications, emergencies, closings, page, closings_on)  # fmt: skip


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


def team_services(team: list[TeamMember]) -> list[Organisation]:
    """The services of a current team (current_team), each once, by name."""
    services = {member.organisation_id: member.organisation for member in team}
    return sorted(services.values(), key=lambda service: (service.name, service.pk))


def services_in(municipality_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        municipality_id=municipality_id, kind=Organisation.Kind.SERVICE
    ).order_by("name")


_SERVICES_IN = CompiledQuery(services_in)


def service_list_in(municipality_id: int) -> list[Organisation]:
    """services_in, read at once (compiled once: the case page's forms choose among them)."""
    return _SERVICES_IN(municipality_id)


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


# --- reads for the HTML pages ----------------------------------------------------------------


def may_record_concern(actor: Actor) -> bool:
    """Whether the actor records concerns at all (professionals in a municipality)."""
    if actor.municipality_id is None:
        return False
    return bool(policy.may_open_case(actor, actor.municipality_id))


def person_for_concern(actor: Actor, person_id: int) -> Person:
    """A person the actor may find in a search, about whom a concern is to be recorded."""
    person = Person.objects.filter(pk=person_id).first()
    decision = policy.decide(actor, "search", person)
    subject = person if person else Subject("people.person", str(person_id))
    audit.record(actor, "view", subject, decision=decision, purpose="record a concern")
    if person is None or not decision:
        raise Http404
    return person


def persons_with_visible_cases(actor: Actor, person_ids: list[int]) -> set[int]:
    """Which of these persons have a case the actor may open (one query)."""
    standing = policy.case_standing_of(actor)
    if not person_ids or standing is None:
        return set()
    return {person_id for (person_id,) in _CASES_OF_PERSONS.rows(*standing, person_ids)}


_CASES_OF_PERSONS = CompiledQuery(
    lambda *values: Case.objects.filter(
        policy.cases_with_standing(*values[:-1]), person_id__in=values[-1]
    ).values_list("person_id")
)  # fmt: skip


def case_is_visible(actor: Actor, case_id: int) -> bool:
    return visible_cases(actor).filter(pk=case_id).exists()


@dataclass(frozen=True)
class FamilyMember:
    """The child or one of their family, as a choice on the case page."""

    person: Person
    relation: str  # "child" or a FamilyRelation.Kind value
    parental_responsibility: bool = False


def child_and_family(actor: Actor, case: Case) -> list[FamilyMember]:
    """The child of a case and their family (who may give consent or take part), audited.

    Call only with a case fetched through get_case_for or case_page.
    """
    relations = _FAMILY_OF_CHILD(case.person_id)
    members = [FamilyMember(case.person, "child")] + [
        FamilyMember(r.relative, r.kind, r.parental_responsibility) for r in relations
    ]
    audit.record_many(actor, "view", [r.relative for r in relations],
                      decision=policy.grant("family of the child in a case of the actor"),
                      purpose="family on the case page")  # fmt: skip
    return members


def current_team(
    case: Case, access: policy.CaseAccess | policy.FamilyAccess | None = None
) -> list[TeamMember]:
    """The current team of a case already authorised through get_case_for or plan_for (as
    the access to it read it, when given)."""
    if isinstance(access, policy.CaseAccess) and access.case.pk == case.pk and access.team:
        return access.team
    return list(
        TeamMember.objects.filter(case=case, left_at__isnull=True).select_related(
            "organisation", "user"
        )
    )


def find_professional(actor: Actor, username: str) -> Any:
    """An active user with an active membership in the actor's municipality, by username."""
    if not username.strip() or actor.municipality_id is None:
        return None
    from samhandling.accounts.models import User

    return (
        User.objects.filter(
            username=username.strip(), is_active=True,
            memberships__is_active=True,
            memberships__organisation__municipality_id=actor.municipality_id,
        )
        .distinct()
        .first()
    )  # fmt: skip


def get_handover_for(actor: Actor, handover_id: int) -> CoordinatorHandover:
    handover = (
        CoordinatorHandover.objects.select_related("case", "to_user", "to_service")
        .filter(pk=handover_id)
        .first()
    )
    decision = (
        policy.decide(actor, "view", handover.case) if handover else policy.refuse("no such record")
    )
    subject = handover or Subject("coordination.coordinatorhandover", str(handover_id))
    audit.record(actor, "view", subject, decision=decision, purpose="handover")
    if handover is None or not decision:
        raise Http404
    return handover


def get_incoming_concern_for(actor: Actor, case_id: int, concern_id: int) -> IncomingConcern:
    """An unhandled concern of a case, for the case's coordinator only."""
    case, access = get_case_for(actor, case_id, purpose="incoming concern")
    concern = (
        IncomingConcern.objects.select_related("sender", "sender_service")
        .filter(pk=concern_id, case=case, handled_at__isnull=True)
        .first()
    )
    if concern is None or access.standing != "coordinator":
        decision = policy.refuse("only the coordinator handles incoming concerns")
        audit.record(actor, "view", Subject("coordination.incomingconcern", str(concern_id),
                                            case.person_id, case.municipality_id),
                     decision=decision)  # fmt: skip
        raise Http404
    concern.case = case
    audit.record(actor, "view", concern, decision=policy.grant("coordinator of the case"))
    return concern


@dataclass
class MeetingPage:
    meeting: Meeting
    case: Case
    access: policy.CaseAccess
    participants: list[TeamMember]
    family: list[Any]
    tasks: list[Task]
    team: list[TeamMember]


def meeting_page(actor: Actor, meeting_id: int) -> MeetingPage:
    meeting = Meeting.objects.filter(pk=meeting_id).only("pk", "case_id").first()
    if meeting is None:
        audit.record(actor, "view", Subject("coordination.meeting", str(meeting_id)),
                     decision=policy.refuse("no such record"), purpose="meeting")  # fmt: skip
        raise Http404
    case, access = get_case_for(actor, meeting.case_id, purpose="meeting")
    meeting = Meeting.objects.select_related("created_by").get(pk=meeting_id)
    meeting.case = case
    audit.record(actor, "view", meeting, decision=access.case_decision("view"), purpose="meeting")
    return MeetingPage(
        meeting=meeting, case=case, access=access,
        participants=list(meeting.participants.select_related("organisation", "user")),
        family=list(meeting.family_participants.select_related("person")),
        tasks=list(meeting.tasks.select_related("assignee", "service")),
        team=current_team(case, access),
    )  # fmt: skip


def get_emergency_for(actor: Actor, access_id: int) -> EmergencyAccess:
    emergency = (
        EmergencyAccess.objects.select_related("case", "user", "organisation")
        .filter(pk=access_id)
        .first()
    )
    decision = policy.decide(actor, "update", emergency)
    subject = emergency if emergency else Subject("access.emergencyaccess", str(access_id))
    audit.record(actor, "view", subject, decision=decision, purpose="review emergency access")
    if emergency is None or not decision:
        raise Http404
    return emergency


# --- reads for the JSON API (the same fetch-and-authorise as the pages) ----------------------


def case_list(actor: Actor, *, limit: int = PAGE_SIZE, offset: int = 0) -> tuple[int, list[Case]]:
    """One page of the cases the actor has standing in, newest first, and how many there are."""
    cases_q = visible_cases(actor)
    total = cases_q.count()
    cases = list(
        cases_q.select_related("person", "coordinator", "coordinator_service")
        .order_by("-opened_at", "-pk")[offset : offset + limit]
    )  # fmt: skip
    audit.record_many(actor, "view", cases, decision=policy.grant("listed among my cases"),
                      purpose="case list")  # fmt: skip
    return total, cases


@dataclass
class CaseLog:
    case: Case
    entries: list[LogEntry]
    hidden: int
    more: bool
    count: int = 0  # the entries the actor may see, on every page


# What policy.CaseAccess.item_decision reads to decide whether an entry may be seen.
_DECIDED_ON = ("pk", "service", "sector", "visibility", "visible_sectors")


def log_for(actor: Actor, case_id: int, *, limit: int = PAGE_SIZE, offset: int = 0) -> CaseLog:
    """One page of the current versions of the relay log that the actor may see, newest first:
    the first `offset` visible entries skipped, `count` visible in all. `hidden` counts the
    entries not the actor's to see in this page's stretch of the log (after the previous page's
    last entry, up to this page's last, or to the end on the last page), so that the pages
    together count each hidden entry once. A fixed number of queries: every current entry is
    decided on the few fields the policy reads, and only the page (and the refusals in its
    stretch, for the audit log) is read in full."""
    case, access = get_case_for(actor, case_id, purpose="relay log")
    current = current_log(case.pk).order_by("-occurred_on", "-created_at", "-pk")
    outline = list(current.only(*_DECIDED_ON))
    seen = [bool(access.item_decision(entry)) for entry in outline]
    positions = [index for index, ok in enumerate(seen) if ok]  # where the visible entries are
    count = len(positions)
    page_end = offset + limit
    if offset == 0:
        start = 0
    elif offset < count:
        start = positions[offset - 1] + 1
    else:  # past the end: nothing, not even the hidden entries the last page counted
        start = len(outline)
    end = positions[page_end - 1] + 1 if page_end < count else len(outline)
    wanted = [outline[index].pk for index in range(start, end)]
    entries = list(current.filter(pk__in=wanted).select_related("author", "service"))
    for entry in entries:
        entry.case = case  # for the audit subject, without a query per entry
    page = _visible(access, entries, actor, "relay log")
    return CaseLog(case, page, len(entries) - len(page), page_end < count, count)


def team_of(actor: Actor, case_id: int) -> tuple[Case, list[TeamMember]]:
    case, access = get_case_for(actor, case_id, purpose="team")
    members = list(
        TeamMember.objects.filter(case=case, left_at__isnull=True).select_related(
            "organisation", "user"
        )
    )
    for member in members:
        member.case = case
    audit.record_many(actor, "view", members, decision=policy.grant(access.reason),
                      purpose="team")  # fmt: skip
    return case, members


def consents_of(actor: Actor, case_id: int) -> tuple[Case, list[Consent], list[LegalBasis]]:
    """The consents and legal bases recorded in the case (withdrawn ones too, marked so)."""
    case, access = get_case_for(actor, case_id, purpose="consents")
    consents = list(
        Consent.objects.filter(case=case)
        .select_related("given_by")
        .prefetch_related("services", "professionals")
        .order_by("-recorded_at", "-pk")
    )
    bases = list(
        LegalBasis.objects.filter(case=case)
        .select_related("case", "from_service", "to_service")
        .order_by("-recorded_at", "-pk")
    )
    decision = policy.grant(access.reason)
    audit.record_many(actor, "view", [*consents, *bases], decision=decision, purpose="consents")
    return case, consents, bases


def meetings_of(actor: Actor, case_id: int) -> tuple[Case, list[Meeting]]:
    case, access = get_case_for(actor, case_id, purpose="meetings")
    meetings = list(
        Meeting.objects.filter(case=case)
        .prefetch_related("participants")
        .order_by("-starts_at", "-pk")[:PAGE_SIZE]
    )
    for meeting in meetings:
        meeting.case = case
    audit.record_many(actor, "view", meetings, decision=policy.grant(access.reason),
                      purpose="meetings")  # fmt: skip
    return case, meetings


def plan_of(actor: Actor, case_id: int, *, purpose: str = "plan") -> Plan:
    """The case's plan, to change it (each change asks the policy again)."""
    case, _access = get_case_for(actor, case_id, purpose=purpose)
    plan = Plan.objects.get(case=case)
    plan.case = case  # the one already fetched and authorised
    return plan


@dataclass
class ReferralPages:
    incoming: Page[Referral]
    sent: Page[Referral]


def _evaluated_page(rows: QuerySet[Referral], number: int | str | None) -> Page[Referral]:
    """One page of the rows (bad input is page 1, past the end the last page), read once."""
    page = Paginator(rows, PAGE_SIZE).get_page(number)
    page.object_list = list(page.object_list)
    return page


def _referrals_of(actor: Actor) -> tuple[QuerySet[Referral], QuerySet[Referral]]:
    """The referrals to and from the actor's service (incoming, sent), newest first."""
    org = actor.organisation
    base = (
        Referral.objects.filter(municipality_id=actor.municipality_id)
        .select_related("case__person", "from_service", "to_service")
        .order_by("-sent_at", "-pk")
    )
    if org is None or not actor.has_role(*policy.CASEWORK_ROLES):
        base = base.none()
    return base.filter(to_service=org), base.filter(from_service=org)


def _record_referrals_read(actor: Actor, incoming: list[Referral], sent: list[Referral]) -> None:
    for shown, reason in ((incoming, "referral to my service"),
                          (sent, "referral from my service")):  # fmt: skip
        audit.record_many(actor, "view", shown, decision=policy.grant(reason),
                          purpose="referrals")  # fmt: skip


def referral_pages(
    actor: Actor, *, incoming_page: int | str | None = 1, sent_page: int | str | None = 1
) -> ReferralPages:
    """One page each of the referrals to and from the actor's service, newest first; every
    referral shown is a read."""
    incoming_rows, sent_rows = _referrals_of(actor)
    incoming = _evaluated_page(incoming_rows, incoming_page)
    sent = _evaluated_page(sent_rows, sent_page)
    _record_referrals_read(actor, list(incoming.object_list), list(sent.object_list))
    return ReferralPages(incoming, sent)


@dataclass
class ReferralSlices:
    """For the API: `limit` referrals of each list after its own offset, and how many each has
    (an offset past the end gives an empty list, so a client paging on stops)."""

    incoming: list[Referral]
    sent: list[Referral]
    incoming_count: int
    sent_count: int


def referral_slices(
    actor: Actor, *, limit: int = PAGE_SIZE, incoming_offset: int = 0, sent_offset: int = 0
) -> ReferralSlices:
    incoming_rows, sent_rows = _referrals_of(actor)
    incoming = list(incoming_rows[incoming_offset : incoming_offset + limit])
    sent = list(sent_rows[sent_offset : sent_offset + limit])
    _record_referrals_read(actor, incoming, sent)
    return ReferralSlices(incoming, sent, incoming_rows.count(), sent_rows.count())


def transitions_for(actor: Actor, case_id: int | None = None) -> list[Transition]:
    """The transitions of one case, or the coming ones in all the actor's open cases."""
    related = ("case__person", "from_service", "to_service", "to_municipality")
    if case_id is not None:
        case, access = get_case_for(actor, case_id, purpose="transitions")
        transitions = list(Transition.objects.filter(case=case).select_related(*related))
        decision = policy.grant(access.reason)
    else:
        transitions = list(
            Transition.objects.filter(
                case__in=visible_cases(actor).filter(open_cases_filter()),
                status__in=[Transition.Status.PROPOSED, Transition.Status.PLANNED],
            ).select_related(*related)[:PAGE_SIZE]
        )
        decision = policy.grant("transition in a case of mine")
    audit.record_many(actor, "view", transitions, decision=decision, purpose="transitions")
    return transitions


def professional_in(organisation: Organisation, user_id: int) -> Any:
    """A user with an active membership in the service, or None (for naming team members)."""
    from samhandling.accounts.models import User

    return User.objects.filter(
        pk=user_id, is_active=True, memberships__organisation=organisation,
        memberships__is_active=True,
    ).first()  # fmt: skip


def family_participants_of(actor: Actor, case: Case) -> list[FamilyParticipant]:
    """The family taking part in a case already authorised through get_case_for, audited."""
    family = _FAMILY_PARTICIPANTS(case.pk)
    audit.record_many(actor, "view", [f.person for f in family],
                      decision=policy.grant("family taking part in a case of the actor"),
                      purpose="team around the child")  # fmt: skip
    return family


def consents_and_legal_bases(
    actor: Actor, case: Case, access: policy.CaseAccess | None = None
) -> tuple[list[Consent], list[LegalBasis]]:
    """The consents (newest first) and legal bases of a case already authorised through
    get_case_for (as the access to it read them, when given); each consent (and so who gave
    it) is a read of personal data, audited."""
    if access is not None and access.consents is not None and access.legal_bases is not None:
        consents, bases = access.consents, access.legal_bases
    else:
        consents, bases = policy.consents_and_bases_of(case)
    audit.record_many(actor, "view", consents,
                      decision=policy.grant("consents of a case of the actor"),
                      purpose="consents")  # fmt: skip
    return consents, bases


def _voice_decision(
    access: policy.CaseAccess | policy.FamilyAccess, voice: Voice
) -> policy.Decision:
    """policy.decide(actor, "view", voice), from the access already worked out for the case:
    a professional sees a case's voices when they may view the case (a Voice is a case part);
    the child, youth or guardian as FamilyAccess.voice_decision says."""
    if isinstance(access, policy.FamilyAccess):
        return access.voice_decision(voice)
    return access.case_decision("view")


def voices_for(
    actor: Actor, access: policy.CaseAccess | policy.FamilyAccess, case: Case
) -> list[Voice]:
    """The case's voices that the actor may see, newest first: one query and one append to the
    audit chain however many there are, each read (and each refusal) recorded."""
    if access.case.pk != case.pk or access.actor != actor:
        raise ValueError("the access was worked out for another case or actor")
    voices = _VOICES(case.pk)
    for voice in voices:
        voice.case = case  # the audit subject names the case's person: no query per voice
    reads = [(voice, _voice_decision(access, voice)) for voice in voices]
    audit.record_each(actor, "view", reads, purpose="the child's voice")
    return [voice for voice, decision in reads if decision]
