"""The family's own pages: their cases, their own words, consent in their own hands, who read
their data, and a copy of their data to take away.

Thin views: parse → selector or service → render. Every page is for a signed-in child, youth
or guardian (`citizen_required`); what they may see is decided by access.policy through the
portal selectors, and what they may not see looks the same as what does not exist (404).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from samhandling.access import policy
from samhandling.accounts.models import User
from samhandling.accounts.services import session_started
from samhandling.audit import services as audit
from samhandling.config.http import Request
from samhandling.coordination import services as coordination
from samhandling.coordination.models import Voice
from samhandling.coordination.views.common import apply_errors
from samhandling.organisations.actors import Actor, actor_for
from samhandling.people.models import Person

from . import selectors
from . import services as portal
from .forms import GiveConsentForm, MeetingRatingForm, OwnWordsForm, WithdrawConsentForm
from .models import DataExport

EXPORT_FILENAME = "samhandling-0-24-data.json"  # never anything about whom it concerns


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a child, youth or guardian; anyone else is sent to sign in or told that
    these pages are not for them (403)."""

    @wraps(view)
    def wrapper(request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.actor.is_citizen:
            return render(request, "portal/for_families.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _refused(request: Request, reason: str, *, status: int = 403) -> HttpResponse:
    """The family is told why, in plain words (portal templatetags' refusal_words)."""
    return render(request, "portal/refused.html", {"reason": reason}, status=status)


def _reason(refusal: PermissionDenied) -> str:
    decision = getattr(refusal, "decision", None)
    return str(getattr(decision, "reason", "") or refusal)


def _as_int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _own_persons(actor: Actor, persons: list[Person]) -> set[int]:
    """Which of the persons is the citizen themself (the rest are their children)."""
    return {p.pk for p in persons if p.national_id == actor.national_id}


# --- my cases ---------------------------------------------------------------------------------


@never_cache
@citizen_required
@require_safe
def home(request: Request) -> HttpResponse:
    actor = request.actor
    persons = selectors.persons(actor)
    own = _own_persons(actor, persons)
    context = {
        "cases": selectors.my_cases(actor),
        "persons": [(person, person.pk in own) for person in persons],
    }
    return render(request, "portal/home.html", context)


def _goal_choices(page: selectors.FamilyCasePage) -> list[tuple[Any, Any]]:
    return [(goal.pk, goal.title) for goal in page.goals]


def _render_case(
    request: Request,
    page: selectors.FamilyCasePage,
    *,
    own_words: OwnWordsForm | None = None,
    rating: tuple[int, MeetingRatingForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    access = page.access
    may_add = bool(access.case_decision("voice")) and access.person is not None
    mine = access.person.pk if access.person is not None else None
    my_ratings = {
        voice.meeting_id: voice
        for voice in page.voices
        if voice.kind == Voice.Kind.MEETING and voice.person_id == mine and not voice.on_behalf
    }
    past = []
    for meeting in page.past_meetings:
        form = None
        if may_add and meeting.pk not in my_ratings:
            if rating is not None and rating[0] == meeting.pk:
                form = rating[1]
            else:
                form = MeetingRatingForm(prefix=f"meeting-{meeting.pk}")
        past.append((meeting, form, my_ratings.get(meeting.pk)))
    if may_add and own_words is None:
        own_words = OwnWordsForm(goals=_goal_choices(page))
    context = {
        "page": page,
        "access": access,
        "case": page.case,
        "person": page.case.person,
        "past_meetings": past,
        "own_words": own_words if may_add else None,
        "goal_choices": bool(page.goals),
        "mine": mine,
    }
    return render(request, "portal/case.html", context, status=status)


@never_cache
@citizen_required
@require_safe
def case(request: Request, case_id: int) -> HttpResponse:
    return _render_case(request, selectors.case_page(request.actor, case_id))


@never_cache
@citizen_required
@require_POST
def add_voice(request: Request, case_id: int) -> HttpResponse:
    """The family's own words, or how a meeting was; a failed attempt shows the case page again
    with the words kept and the messages at their fields."""
    actor = request.actor
    access = selectors.family_access_for(actor, case_id, purpose="the child's voice")
    is_meeting = request.POST.get("kind") == Voice.Kind.MEETING
    meeting_id = _as_int(request.POST.get("meeting"))
    prefix = f"meeting-{meeting_id}"
    form: OwnWordsForm | MeetingRatingForm = (
        MeetingRatingForm(request.POST, prefix=prefix)
        if is_meeting
        else OwnWordsForm(request.POST, goals=[])
    )
    failure: ValidationError | None = None
    if form.is_valid():
        data = form.cleaned_data
        goal_id = None if is_meeting else data.get("goal")
        goal = selectors.goal_for_voice(access, goal_id)
        try:
            if goal_id is not None and goal is None:
                raise ValidationError({"goal": _("Choose one of the goals in the plan.")})
            coordination.add_voice(
                access.case,
                by=actor,
                kind=Voice.Kind.MEETING if is_meeting else data["kind"],
                text=data["text"],
                rating=data.get("rating") if is_meeting else None,
                meeting=selectors.meeting_for_voice(access, meeting_id) if is_meeting else None,
                goal=goal,
            )
        except ValidationError as error:
            failure = error
        except PermissionDenied as refusal:
            return _refused(request, _reason(refusal))
        else:
            if is_meeting:
                messages.success(request, _("Thank you. The team can see how the meeting was."))
                section = "meetings"
            else:
                messages.success(request, _("Thank you. The team can now read your words."))
                section = "own-words"
            return redirect(f"{reverse('portal:case', args=[case_id])}#{section}")
    page = selectors.case_page(actor, case_id)
    if is_meeting and meeting_id is not None:
        rebuilt: OwnWordsForm | MeetingRatingForm = MeetingRatingForm(request.POST, prefix=prefix)
    else:
        rebuilt = OwnWordsForm(request.POST, goals=_goal_choices(page))
    rebuilt.is_valid()
    if failure is not None:
        apply_errors(rebuilt, failure)
    if isinstance(rebuilt, MeetingRatingForm) and meeting_id is not None:
        return _render_case(request, page, rating=(meeting_id, rebuilt), status=400)
    assert isinstance(rebuilt, OwnWordsForm)
    return _render_case(request, page, own_words=rebuilt, status=400)


# --- consent ----------------------------------------------------------------------------------


@never_cache
@citizen_required
@require_safe
def consents(request: Request) -> HttpResponse:
    actor = request.actor
    groups = selectors.consents(actor)
    decisions = coordination.may_withdraw_consents([(g.access, g.consents) for g in groups])
    cases = []
    for group, decided in zip(groups, decisions, strict=True):
        rows = [(consent, bool(d)) for consent, d in zip(group.consents, decided, strict=True)]
        may_give = bool(group.access.case_decision("manage_consent"))
        cases.append((group, rows, may_give))
    return render(request, "portal/consents.html", {"cases": cases})


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def give_consent(request: Request, case_id: int) -> HttpResponse:
    actor = request.actor
    access = selectors.family_access_for(actor, case_id, purpose="my consents")
    decision = access.case_decision("manage_consent")
    if not decision or access.person is None:
        audit.record(actor, "create", access.case, decision=decision, purpose="my consents")
        return _refused(request, decision.reason, status=404)
    services, sectors = selectors.consent_choices(access)
    form = (
        GiveConsentForm(request.POST, services=services, sectors=sectors)
        if request.method == "POST"
        else GiveConsentForm(services=services, sectors=sectors)
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            coordination.give_consent(
                access.case,
                by=actor,
                services=list(data["services"]),
                sectors=list(data["sectors"]),
                purpose=data["purpose"],
                valid_to=data["valid_to"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as refusal:
            return _refused(request, _reason(refusal), status=404)
        else:
            messages.success(request, _("Thank you. The consent is saved, and the team is told."))
            return redirect("portal:consents")
    context = {"form": form, "access": access, "case": access.case}
    return render(request, "portal/give_consent.html", context, status=400 if form.errors else 200)


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_consent(request: Request, consent_id: int) -> HttpResponse:
    actor = request.actor
    consent, access = selectors.consent_for(actor, consent_id)
    if consent.withdrawn_at is not None:
        return render(request, "portal/withdraw_consent.html", {"consent": consent})
    if request.method != "POST":
        decision = coordination.may_withdraw_consent(actor, consent)
        if not decision:  # a sent withdrawal is refused (and audited) by the service itself
            audit.record(actor, "update", consent, decision=decision, purpose="withdraw consent")
            return _refused(request, decision.reason)
    form = WithdrawConsentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            coordination.withdraw_consent(consent, by=actor, reason=form.cleaned_data["reason"])
        except PermissionDenied as refusal:
            return _refused(request, _reason(refusal))
        messages.success(
            request, _("The consent is withdrawn. It applies no more, and the team is told.")
        )
        return redirect("portal:consents")
    context = {"consent": consent, "access": access, "form": form}
    return render(
        request, "portal/withdraw_consent.html", context, status=400 if form.errors else 200
    )


# --- who read my data -------------------------------------------------------------------------


@never_cache
@citizen_required
@require_safe
def access_log(request: Request, person_id: int) -> HttpResponse:
    actor = request.actor
    page = selectors.access_log(actor, person_id, page=_as_int(request.GET.get("page")) or 1,
                                include_own=request.GET.get("own") == "1")  # fmt: skip
    context = {
        "log": page,
        "person": page.person,
        "is_self": page.person.pk in _own_persons(actor, [page.person]),
    }
    return render(request, "portal/access_log.html", context)


# --- my data to take away ---------------------------------------------------------------------


@never_cache
@citizen_required
@require_safe
def exports(request: Request) -> HttpResponse:
    actor = request.actor
    persons = selectors.persons(actor)
    own = _own_persons(actor, persons)
    context = {
        "exports": selectors.exports(actor),
        "persons": [(person, person.pk in own) for person in persons],
        "export_hours": settings.DATA_EXPORT_TTL_HOURS,
    }
    return render(request, "portal/exports.html", context)


@never_cache
@citizen_required
@require_POST
def request_export(request: Request) -> HttpResponse:
    actor = request.actor
    person_id = _as_int(request.POST.get("person_id"))
    if person_id is None:
        raise Http404
    person = selectors.person_for(actor, person_id, purpose="my data")
    try:
        export = portal.request_export(actor, person, language=request.LANGUAGE_CODE)
    except PermissionDenied as refusal:
        return _refused(request, _reason(refusal))
    return redirect("portal:export", export_id=export.pk)


@never_cache
@citizen_required
@require_safe
def export(request: Request, export_id: UUID) -> HttpResponse:
    found = selectors.export_for(request.actor, export_id)
    return render(request, "portal/export.html", {"export": found})


@never_cache
@citizen_required
@require_safe
def export_progress(request: Request, export_id: UUID) -> HttpResponse:
    """The progress fragment that the export page polls (htmx) until it is ready or failed."""
    found = selectors.export_for(request.actor, export_id)
    return render(request, "portal/export.html#progress", {"export": found})


def _unavailable(request: Request, found: DataExport) -> HttpResponse:
    if found.status in (DataExport.Status.READY, DataExport.Status.EXPIRED):
        return render(request, "portal/export_expired.html", {"export": found}, status=410)
    return redirect("portal:export", export_id=found.pk)


@never_cache
@citizen_required
@require_safe
def export_download(request: Request, export_id: UUID) -> HttpResponse:
    """The machine-readable copy (GDPR article 20), for the one who asked only."""
    actor = request.actor
    found = selectors.export_for(actor, export_id)
    if not found.is_available:
        return _unavailable(request, found)
    portal.record_download(actor, found, "json")
    body = json.dumps(found.content, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@citizen_required
@require_safe
def export_print(request: Request, export_id: UUID) -> HttpResponse:
    """The same content, readable and printable (GDPR article 15)."""
    actor = request.actor
    found = selectors.export_for(actor, export_id)
    if not found.is_available:
        return _unavailable(request, found)
    portal.record_download(actor, found, "print")
    return render(request, "portal/export_print.html", {"export": found, "data": found.content})


# --- demo sign-in -----------------------------------------------------------------------------


def _demo_citizens() -> list[tuple[User, str]]:
    """Everyone who signs in as a citizen (in demo mode every person is synthetic), each with
    what they are: "youth, 16", "guardian of a child of 14"."""
    users = (
        User.objects.filter(
            citizen_identity__isnull=False, is_active=True, is_staff=False, is_superuser=False
        )
        .exclude(memberships__is_active=True)
        .order_by("first_name", "last_name", "pk")
    )
    today = timezone.localdate()
    result = []
    for user in users:
        parts: list[str] = []
        for access in policy.family_cases(actor_for(user)):
            age = access.case.person.age_on(today)
            if access.standing == "self":
                part = _("youth, %(age)d") % {"age": age}
            else:
                part = _("guardian of a child of %(age)d") % {"age": age}
            if part not in parts:
                parts.append(part)
        result.append((user, ", ".join(parts) or _("no case")))
    return result


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def demo_sign_in(request: Request) -> HttpResponse:
    """Demo mode only: sign in as one of the synthetic children, youths or guardians, as
    ID-porten would sign in a real one. Without demo mode the page does not exist."""
    if not settings.DEMO_MODE:
        raise Http404
    citizens = _demo_citizens()
    if request.method == "POST":
        user_id = _as_int(request.POST.get("user_id"))
        user = next((u for u, _description in citizens if u.pk == user_id), None)
        if user is None:
            raise Http404
        login(request, user, backend="samhandling.accounts.backends.ModelBackend")
        session_started(request, user, reason="demo sign-in")
        return redirect("portal:home")
    return render(request, "portal/demo_sign_in.html", {"citizens": citizens})
