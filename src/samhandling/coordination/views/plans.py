"""The child's plan (summary, goals, measures, evaluations, the child's voice), its print view,
meetings and tasks.

Every plan edit carries the version the person saw. When someone else saved first, the service
raises ConflictError and the person gets a conflict page (409) with the plan as it is now and
their own input kept in the form, ready to submit again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from samhandling.config.http import Request

from .. import selectors, services
from ..forms import (
    GOAL_STATUSES,
    MEASURE_STATUSES,
    AgreedActionFormSet,
    EvaluationForm,
    GoalForm,
    MeasureForm,
    MeetingForm,
    MinutesForm,
    StatusForm,
    SummaryForm,
    VoiceForm,
    evaluation_targets,
    with_version,
)
from ..models import Goal, Measure, Task, TeamMember, Voice
from .cases import case_url, member_label, render_case
from .common import apply_errors, next_url, refusals_shown


def plan_url(case_id: int, section: str = "") -> str:
    url = reverse("coordination:plan", args=[case_id])
    return f"{url}#{section}" if section else url


def _person_label(member: TeamMember) -> str:
    user = member.user
    assert user is not None
    return f"{user.get_full_name() or user.get_username()} ({member.organisation})"


def _measure_form(
    view: selectors.PlanView,
    team: list[TeamMember],
    data: Any = None,
    initial: dict[str, Any] | None = None,
) -> MeasureForm:
    return MeasureForm(
        data,
        prefix="measure",
        initial=initial,
        services=selectors.team_services(team),
        people=_people_choices(team),
        goals=[(g.pk, g.title) for g in view.goals],
    )


def _voice_form(view: selectors.PlanView, data: Any = None) -> VoiceForm:
    return VoiceForm(data, prefix="voice", goals=[(g.pk, g.title) for g in view.goals])


def _voices(request: Request, view: selectors.PlanView) -> list[Voice]:
    return selectors.voices_for(request.actor, view.access, view.case)


def _people_choices(team: list[TeamMember]) -> list[tuple[Any, Any]]:
    seen: dict[int, str] = {}
    for member in team:
        if member.user_id and member.user_id not in seen:
            seen[member.user_id] = _person_label(member)
    return list(seen.items())


def _plan_context(
    view: selectors.PlanView, voices: list[Voice], bound: dict[str, Any]
) -> dict[str, Any]:
    may_edit = bool(view.access.case_decision("update"))
    version = {"expected_version": view.plan.version}
    forms: dict[str, Any] = {}
    measure_rows: list[tuple[Measure, Any]] = []
    goal_rows: list[tuple[Goal, Any]] = []
    if may_edit:
        team = selectors.current_team(view.case, view.access)
        forms["summary"] = SummaryForm(
            prefix="summary", initial={"summary": view.plan.summary, **version}
        )
        forms["goal"] = GoalForm(prefix="goal", initial=version)
        forms["measure"] = _measure_form(view, team, initial=version)
        forms["voice"] = _voice_form(view)
        targets = evaluation_targets(view.goals, view.measures)
        if targets:
            forms["evaluation"] = EvaluationForm(
                prefix="evaluation", targets=targets, initial=version
            )
        forms.update(bound)
        measure_rows = [
            (
                m,
                bound.get(f"m{m.pk}")
                or StatusForm(
                    prefix=f"m{m.pk}",
                    statuses=MEASURE_STATUSES,
                    initial={"status": m.status, **version},
                ),
            )
            for m in view.measures
        ]
        goal_rows = [
            (
                g,
                bound.get(f"g{g.pk}")
                or StatusForm(
                    prefix=f"g{g.pk}",
                    statuses=GOAL_STATUSES,
                    initial={"status": g.status, **version},
                ),
            )
            for g in view.goals
        ]
    else:
        measure_rows = [(m, None) for m in view.measures]
        goal_rows = [(g, None) for g in view.goals]
    return {
        "view": view,
        "case": view.case,
        "plan": view.plan,
        "person": view.case.person,
        "may_edit": may_edit,
        "forms": forms,
        "measure_rows": measure_rows,
        "goal_rows": goal_rows,
        "voices": voices,
    }


def _render_plan(
    request: Request,
    view: selectors.PlanView,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _plan_context(view, _voices(request, view), bound or {})
    return render(request, "coordination/plan_detail.html", context, status=status)


def _conflict(
    request: Request,
    case_id: int,
    form: Any,
    conflict: services.ConflictError,
    action: str,
    subject: str = "",
) -> HttpResponse:
    """Someone saved first: show the plan as it is now and keep what the person typed."""
    current = selectors.plan_for(request.actor, case_id)
    context = {
        "view": current,
        "case": current.case,
        "plan": current.plan,
        "person": current.case.person,
        "voices": _voices(request, current),
        "form": with_version(form, current.plan.version),
        "action": action,
        "expected": conflict.expected,
        "subject": subject,
    }
    return render(request, "coordination/plan_conflict.html", context, status=409)


@never_cache
@login_required
@require_safe
def plan_detail(request: Request, case_id: int) -> HttpResponse:
    return _render_plan(request, selectors.plan_for(request.actor, case_id))


@never_cache
@login_required
@require_safe
def plan_print(request: Request, case_id: int) -> HttpResponse:
    view = selectors.plan_for(request.actor, case_id)
    context = {"view": view, "case": view.case, "plan": view.plan, "person": view.case.person,
               "voices": _voices(request, view)}  # fmt: skip
    return render(request, "coordination/plan_print.html", context)


@never_cache
@login_required
@require_POST
@refusals_shown
def update_summary(request: Request, case_id: int) -> HttpResponse:
    view = selectors.plan_for(request.actor, case_id)
    form = SummaryForm(request.POST, prefix="summary")
    if form.is_valid():
        try:
            services.update_plan_summary(view.plan, by=request.actor, **form.cleaned_data)
        except services.ConflictError as conflict:
            return _conflict(
                request,
                case_id,
                form,
                conflict,
                reverse("coordination:plan_summary", args=[case_id]),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect(plan_url(case_id))
    return _render_plan(request, view, bound={"summary": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def add_goal(request: Request, case_id: int) -> HttpResponse:
    view = selectors.plan_for(request.actor, case_id)
    form = GoalForm(request.POST, prefix="goal")
    if form.is_valid():
        try:
            services.add_goal(view.plan, by=request.actor, **form.cleaned_data)
        except services.ConflictError as conflict:
            return _conflict(
                request, case_id, form, conflict, reverse("coordination:add_goal", args=[case_id])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The goal is added to the plan."))
            return redirect(plan_url(case_id, "goals"))
    return _render_plan(request, view, bound={"goal": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def add_measure(request: Request, case_id: int) -> HttpResponse:
    view = selectors.plan_for(request.actor, case_id)
    team = selectors.current_team(view.case, view.access)
    form = _measure_form(view, team, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        users = {m.user_id: m.user for m in team if m.user_id}
        goals = {g.pk: g for g in view.goals}
        data["responsible_user"] = users.get(data["responsible_user"])
        data["goal"] = goals.get(data["goal"])
        try:
            services.add_measure(view.plan, by=request.actor, **data)
        except services.ConflictError as conflict:
            return _conflict(
                request,
                case_id,
                form,
                conflict,
                reverse("coordination:add_measure", args=[case_id]),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The measure is added to the plan."))
            return redirect(plan_url(case_id, "measures"))
    return _render_plan(request, view, bound={"measure": form}, status=400)


def _set_status(
    request: Request, case_id: int, item: Goal | Measure, prefix: str, anchor: str,
    route: str, statuses: Any, change: Any,
) -> HttpResponse:  # fmt: skip
    """A goal's or measure's status form: saved, or the plan again with the errors."""
    if item.plan.case_id != case_id:
        raise Http404
    form = StatusForm(request.POST, prefix=prefix, statuses=statuses)
    if form.is_valid():
        try:
            change(item, by=request.actor, **form.cleaned_data)
        except services.ConflictError as conflict:
            action = reverse(route, args=[case_id, item.pk])
            return _conflict(request, case_id, form, conflict, action, item.title)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The status is saved."))
            return redirect(plan_url(case_id, anchor))
    view = selectors.plan_for(request.actor, case_id)
    return _render_plan(request, view, bound={prefix: form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def measure_status(request: Request, case_id: int, measure_id: int) -> HttpResponse:
    measure = selectors.get_part_for(request.actor, Measure, measure_id)
    return _set_status(
        request, case_id, measure, f"m{measure_id}", "measures", "coordination:measure_status",
        MEASURE_STATUSES, services.set_measure_status,
    )  # fmt: skip


@never_cache
@login_required
@require_POST
@refusals_shown
def goal_status(request: Request, case_id: int, goal_id: int) -> HttpResponse:
    goal = selectors.get_part_for(request.actor, Goal, goal_id)
    return _set_status(
        request, case_id, goal, f"g{goal_id}", "goals", "coordination:goal_status",
        GOAL_STATUSES, services.set_goal_status,
    )  # fmt: skip


@never_cache
@login_required
@require_POST
@refusals_shown
def add_evaluation(request: Request, case_id: int) -> HttpResponse:
    view = selectors.plan_for(request.actor, case_id)
    form = EvaluationForm(
        request.POST, prefix="evaluation", targets=evaluation_targets(view.goals, view.measures)
    )
    if form.is_valid():
        data = dict(form.cleaned_data)
        kind, _colon, pk = data.pop("target").partition(":")
        goal = next((g for g in view.goals if kind == "goal" and str(g.pk) == pk), None)
        measure = next((m for m in view.measures if kind == "measure" and str(m.pk) == pk), None)
        try:
            services.add_evaluation(view.plan, by=request.actor, goal=goal, measure=measure, **data)
        except services.ConflictError as conflict:
            return _conflict(
                request,
                case_id,
                form,
                conflict,
                reverse("coordination:add_evaluation", args=[case_id]),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The evaluation is added to the plan."))
            return redirect(plan_url(case_id, "evaluations"))
    return _render_plan(request, view, bound={"evaluation": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def record_voice(request: Request, case_id: int) -> HttpResponse:
    """A professional writes down the child's words on the child's behalf; the plan says so."""
    view = selectors.plan_for(request.actor, case_id)
    form = _voice_form(view, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        goals = {g.pk: g for g in view.goals}
        try:
            services.add_voice(
                view.case, by=request.actor, kind=data["kind"], text=data["text"],
                goal=goals.get(data["goal"]),
            )  # fmt: skip
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The child's words are added to the plan."))
            return redirect(plan_url(case_id, "voice"))
    return _render_plan(request, view, bound={"voice": form}, status=400)


# --- meetings and tasks -----------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def schedule_meeting(request: Request, case_id: int) -> HttpResponse:
    case, access = selectors.get_case_for(request.actor, case_id, purpose="meeting")
    team = {m.pk: m for m in selectors.current_team(case, access)}
    family = {f.pk: f for f in selectors.family_participants_of(request.actor, case)}
    form = MeetingForm(
        request.POST,
        prefix="meeting",
        members=[(pk, member_label(m)) for pk, m in team.items()],
        family=[(pk, f.person.full_name) for pk, f in family.items()],
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.schedule_meeting(
                case,
                by=request.actor,
                starts_at=data["starts_at"],
                place=data["place"],
                agenda=data["agenda"],
                participants=[team[pk] for pk in data["participants"]],
                family=[family[pk] for pk in data["family"]],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect("coordination:meeting", meeting_id=meeting.pk)
    return render_case(request, case.pk, bound={"meeting": form}, status=400)


def _action_choices(team: list[TeamMember]) -> dict[str, Any]:
    services_seen: dict[int, str] = {}
    for member in team:
        services_seen.setdefault(member.organisation_id, member.organisation.name)
    return {"services": list(services_seen.items()), "people": _people_choices(team)}


def _render_meeting(
    request: Request,
    page: selectors.MeetingPage,
    *,
    minutes: Any = None,
    actions: Any = None,
    status: int = 200,
) -> HttpResponse:
    may_edit = bool(page.access.case_decision("update"))
    if may_edit:
        minutes = minutes or MinutesForm(
            prefix="minutes", initial={"minutes": page.meeting.minutes}
        )
        actions = actions or AgreedActionFormSet(
            prefix="actions", form_kwargs=_action_choices(page.team)
        )
    context = {
        "page": page,
        "meeting": page.meeting,
        "case": page.case,
        "person": page.case.person,
        "may_edit": may_edit,
        "minutes_form": minutes,
        "actions": actions,
    }
    return render(request, "coordination/meeting_detail.html", context, status=status)


@never_cache
@login_required
@require_safe
def meeting_detail(request: Request, meeting_id: int) -> HttpResponse:
    return _render_meeting(request, selectors.meeting_page(request.actor, meeting_id))


@never_cache
@login_required
@require_POST
@refusals_shown
def record_minutes(request: Request, meeting_id: int) -> HttpResponse:
    page = selectors.meeting_page(request.actor, meeting_id)
    minutes = MinutesForm(request.POST, prefix="minutes")
    actions = AgreedActionFormSet(
        request.POST, prefix="actions", form_kwargs=_action_choices(page.team)
    )
    if minutes.is_valid() and actions.is_valid():
        services_by_id = {m.organisation_id: m.organisation for m in page.team}
        users_by_id = {m.user_id: m.user for m in page.team if m.user_id}
        agreed = [
            services.AgreedAction(
                title=row["title"],
                service=services_by_id[row["service"]],
                due=row["due"],
                assignee=users_by_id.get(row["assignee"]),
                as_measure=row["as_measure"],
            )
            for row in actions.cleaned_data
            if row.get("title")
        ]
        try:
            services.record_minutes(
                page.meeting,
                by=request.actor,
                minutes=minutes.cleaned_data["minutes"],
                actions=agreed,
            )
        except ValidationError as error:
            apply_errors(minutes, error)
        else:
            messages.success(request, _("The minutes are saved."))
            return redirect("coordination:meeting", meeting_id=meeting_id)
    return _render_meeting(request, page, minutes=minutes, actions=actions, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def complete_task(request: Request, task_id: int) -> HttpResponse:
    task = selectors.get_part_for(request.actor, Task, task_id, "update")
    services.complete_task(task, by=request.actor)
    messages.success(request, _("The task is done."))
    return redirect(next_url(request, case_url(task.case_id, "tasks")))
