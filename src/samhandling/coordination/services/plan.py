"""The shared plan (goals, measures, evaluations), meetings and tasks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation

from ..models import (
    Case,
    Evaluation,
    FamilyParticipant,
    Goal,
    Measure,
    Meeting,
    Plan,
    Task,
    TeamMember,
    Visibility,
)
from ._shared import (
    ConflictError,
    _notify,
    _require,
    _service,
    _user,
    service,
)

# --- plan ------------------------------------------------------------------------------------


def _plan_for_edit(plan: Plan, by: Actor, expected_version: int | None) -> policy.Decision:
    decision = _require(by, "update", plan.case)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(locked, expected=expected_version, actual=locked.version)
    return decision


def _bump_plan(plan: Plan, by: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(
        version=F("version") + 1, updated_by=_user(by), updated_at=timezone.now()
    )
    plan.refresh_from_db(fields=["version", "updated_by", "updated_at"])


@service
def update_plan_summary(plan: Plan, *, by: Actor, summary: str, expected_version: int) -> Plan:
    decision = _plan_for_edit(plan, by, expected_version)
    plan.summary = summary
    plan.save(update_fields=["summary"])
    _bump_plan(plan, by)
    audit.record(by, "update", plan, decision=decision)
    return plan


def _item_fields(
    plan: Plan, by: Actor, visibility: str, visible_sectors: list[str] | None, family_visible: bool
) -> dict[str, Any]:
    service = _service(by)
    return {
        "plan": plan,
        "municipality_id": plan.municipality_id,
        "service": service,
        "sector": service.sector,
        "visibility": visibility,
        "visible_sectors": sorted(set(visible_sectors or [])),
        "family_visible": family_visible,
        "created_by": _user(by),
    }


@service
def add_goal(
    plan: Plan,
    *,
    by: Actor,
    title: str,
    childs_words: str = "",
    expected_version: int | None = None,
    visibility: str = Visibility.TEAM,
    visible_sectors: list[str] | None = None,
    family_visible: bool = True,
) -> Goal:
    decision = _plan_for_edit(plan, by, expected_version)
    goal = Goal(
        title=title,
        childs_words=childs_words,
        **_item_fields(plan, by, visibility, visible_sectors, family_visible),
    )
    goal.full_clean()
    goal.save()
    _bump_plan(plan, by)
    audit.record(by, "create", goal, decision=decision)
    return goal


@service
def add_measure(
    plan: Plan,
    *,
    by: Actor,
    title: str,
    responsible_service: Organisation,
    starts: datetime.date,
    ends: datetime.date | None = None,
    responsible_user: Any = None,
    frequency: str = "",
    goal: Goal | None = None,
    expected_version: int | None = None,
    visibility: str = Visibility.TEAM,
    visible_sectors: list[str] | None = None,
    family_visible: bool = True,
) -> Measure:
    """A service commits to a measure in the child's plan."""
    decision = _plan_for_edit(plan, by, expected_version)
    in_team = TeamMember.objects.filter(
        case_id=plan.case_id, organisation=responsible_service, left_at__isnull=True
    ).exists()
    if not in_team:
        raise ValidationError(
            {"responsible_service": _("The responsible service must be in the team.")}
        )
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("Choose a goal of this plan.")})
    measure = Measure(
        title=title,
        responsible_service=responsible_service,
        responsible_user=responsible_user,
        starts=starts,
        ends=ends,
        frequency=frequency,
        goal=goal,
        **_item_fields(plan, by, visibility, visible_sectors, family_visible),
    )
    measure.full_clean()
    measure.save()
    _bump_plan(plan, by)
    audit.record(by, "create", measure, decision=decision)
    return measure


def _set_status(item: Goal | Measure, by: Actor, status: str,
                expected_version: int | None) -> None:  # fmt: skip
    """The status of a goal or measure: by the author's (or responsible) service, versioned."""
    _plan_for_edit(item.plan, by, expected_version)
    decision = _require(by, "update", item)
    if status not in type(item).Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    item.status = status
    item.save(update_fields=["status"])
    _bump_plan(item.plan, by)
    audit.record(by, "update", item, decision=decision)


@service
def set_measure_status(
    measure: Measure, *, by: Actor, status: str, expected_version: int | None = None
) -> Measure:
    _set_status(measure, by, status, expected_version)
    return measure


@service
def set_goal_status(
    goal: Goal, *, by: Actor, status: str, expected_version: int | None = None
) -> Goal:
    _set_status(goal, by, status, expected_version)
    return goal


@service
def add_evaluation(
    plan: Plan,
    *,
    by: Actor,
    outcome: str,
    text: str,
    goal: Goal | None = None,
    measure: Measure | None = None,
    expected_version: int | None = None,
    family_visible: bool = True,
) -> Evaluation:
    decision = _plan_for_edit(plan, by, expected_version)
    if goal is None and measure is None:
        raise ValidationError({"goal": _("Choose the goal or measure you evaluate.")})
    evaluation = Evaluation(
        goal=goal,
        measure=measure,
        outcome=outcome,
        text=text,
        **_item_fields(plan, by, Visibility.TEAM, None, family_visible),
    )
    evaluation.full_clean()
    evaluation.save()
    _bump_plan(plan, by)
    audit.record(by, "create", evaluation, decision=decision)
    return evaluation


# --- meetings and tasks ----------------------------------------------------------------------


@service
def schedule_meeting(
    case: Case,
    *,
    by: Actor,
    starts_at: datetime.datetime,
    place: str = "",
    agenda: str = "",
    participants: list[TeamMember] | None = None,
    family: list[FamilyParticipant] | None = None,
) -> Meeting:
    decision = _require(by, "update", case)
    meeting = Meeting.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        starts_at=starts_at,
        place=place,
        agenda=agenda,
        created_by=_user(by),
    )
    members = [m for m in participants or [] if m.case_id == case.pk]
    meeting.participants.set(members)
    meeting.family_participants.set([f for f in family or [] if f.case_id == case.pk])
    audit.record(by, "create", meeting, decision=decision)
    _notify([m.user for m in members], "meeting_scheduled", case, dedupe=f"meeting:{meeting.pk}")
    return meeting


@dataclass(frozen=True)
class AgreedAction:
    title: str
    service: Organisation
    due: datetime.date
    assignee: Any = None
    as_measure: bool = False


@service
def record_minutes(
    meeting: Meeting, *, by: Actor, minutes: str, actions: list[AgreedAction] | None = None
) -> Meeting:
    """Minutes, and the agreed actions: each becomes a measure in the plan or a task."""
    decision = _require(by, "update", meeting)
    meeting.minutes = minutes
    meeting.save(update_fields=["minutes"])
    audit.record(by, "update", meeting, decision=decision)
    plan = meeting.case.plan
    for action in actions or []:
        if action.as_measure:
            add_measure(
                plan,
                by=by,
                title=action.title,
                responsible_service=action.service,
                responsible_user=action.assignee,
                starts=timezone.localdate(),
                ends=action.due,
            )
        else:
            task = Task.objects.create(
                case=meeting.case,
                municipality_id=meeting.municipality_id,
                meeting=meeting,
                title=action.title,
                assignee=action.assignee,
                service=action.service,
                due=action.due,
            )
            audit.record(by, "create", task, decision=decision)
            _notify([action.assignee], "task_assigned", meeting.case, dedupe=f"task:{task.pk}")
    return meeting


@service
def complete_task(task: Task, *, by: Actor) -> Task:
    decision = _require(by, "update", task)
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    audit.record(by, "update", task, decision=decision)
    return task
