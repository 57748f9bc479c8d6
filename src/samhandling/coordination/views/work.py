"""A professional's day: my work, notifications, the service leader's review, referrals between
services and transitions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from samhandling.config.http import Request
from samhandling.organisations.models import Role

from .. import selectors, services
from ..forms import DeclineReferralForm, ReviewEmergencyForm, TickForm, TransitionForm
from ..models import Referral, Transition
from .cases import case_url, referral_form, render_case
from .common import apply_errors, next_url, refusals_shown


@never_cache
@login_required
@require_safe
def my_work(request: Request) -> HttpResponse:
    work = selectors.my_work(request.actor, cases_page=request.GET.get("page"))
    context = {
        "work": work,
        "may_record_concern": selectors.may_record_concern(request.actor),
        "is_professional": request.actor.role == Role.PROFESSIONAL,
    }
    return render(request, "coordination/my_work.html", context)


@never_cache
@login_required
@require_POST
@refusals_shown
def mark_notifications_read(request: Request) -> HttpResponse:
    services.mark_notifications_read(by=request.actor)
    return redirect(f"{reverse('coordination:my_work')}#notifications")


@never_cache
@login_required
@require_safe
@refusals_shown
def leader_review(request: Request) -> HttpResponse:
    """Emergency accesses to review and level 2–3 cases waiting for approval to close."""
    if request.actor.role != Role.SERVICE_LEADER:
        raise PermissionDenied
    work = selectors.my_work(request.actor, closings_page=request.GET.get("page"))
    return render(request, "coordination/leader_review.html", {"work": work})


@never_cache
@login_required
@require_POST
@refusals_shown
def review_emergency(request: Request, access_id: int) -> HttpResponse:
    emergency = selectors.get_emergency_for(request.actor, access_id)
    form = ReviewEmergencyForm(request.POST, prefix=f"review{access_id}")
    if form.is_valid():
        services.review_emergency_access(
            emergency, by=request.actor, note=form.cleaned_data["note"]
        )
        messages.success(request, _("The emergency access is reviewed."))
        return redirect("coordination:leader_review")
    work = selectors.my_work(request.actor)
    context = {"work": work, "bound": form, "bound_id": access_id}
    return render(request, "coordination/leader_review.html", context, status=400)


# --- referrals --------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def refer(request: Request, case_id: int) -> HttpResponse:
    case, access = selectors.get_case_for(request.actor, case_id, purpose="referral")
    consents, legal_bases = selectors.consents_and_legal_bases(request.actor, case, access)
    form = referral_form(case, consents, legal_bases, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer(
                case,
                by=request.actor,
                to_service=data["to_service"],
                reason=data["reason"],
                consent=next((c for c in consents if c.pk == data["consent"]), None),
                legal_basis=next((b for b in legal_bases if b.pk == data["legal_basis"]), None),
                answer_within_days=data["answer_within_days"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The referral is sent."))
            return redirect("coordination:referral", referral_id=referral.pk)
    return render_case(request, case.pk, bound={"referral": form}, status=400)


@never_cache
@login_required
@require_safe
def referrals(request: Request) -> HttpResponse:
    """Referrals to and from my service, each list a page at a time (?incoming= and ?sent=)."""
    pages = selectors.referral_pages(
        request.actor,
        incoming_page=request.GET.get("incoming"),
        sent_page=request.GET.get("sent"),
    )
    return render(request, "coordination/referrals.html", {"pages": pages})


def _render_referral(
    request: Request, referral: Referral, *, decline: Any = None, status: int = 200
) -> HttpResponse:
    organisation = request.actor.organisation
    receiving = organisation is not None and organisation.pk == referral.to_service_id
    context = {
        "referral": referral,
        "person": referral.case.person,
        "receiving": receiving,
        "case_visible": selectors.case_is_visible(request.actor, referral.case_id),
        "decline_form": decline or DeclineReferralForm(),
        "open": referral.status in (Referral.Status.SENT, Referral.Status.RECEIVED),
    }
    return render(request, "coordination/referral_detail.html", context, status=status)


@never_cache
@login_required
@require_safe
def referral_detail(request: Request, referral_id: int) -> HttpResponse:
    return _render_referral(request, selectors.get_referral_for(request.actor, referral_id))


ANSWERS: dict[str, Callable[..., Referral]] = {
    "received": services.mark_referral_received,
    "accept": services.accept_referral,
    "complete": services.complete_referral,
}


@never_cache
@login_required
@require_POST
@refusals_shown
def answer_referral(request: Request, referral_id: int, answer: str) -> HttpResponse:
    """The receiving service answers: received, accept, decline (with a reason) or complete."""
    if answer not in (*ANSWERS, "decline"):
        raise Http404
    # Who may see the referral but not answer it (the sender) is refused by the service: 403.
    referral = selectors.get_referral_for(request.actor, referral_id, "view")
    form = DeclineReferralForm(request.POST) if answer == "decline" else None
    try:
        if form is not None:
            reason = form.cleaned_data["decline_reason"] if form.is_valid() else ""
            services.decline_referral(referral, by=request.actor, reason=reason)
        else:
            ANSWERS[answer](referral, by=request.actor)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("coordination:referral", referral_id=referral.pk)
        apply_errors(form, error)
        return _render_referral(request, referral, decline=form, status=400)
    if answer == "accept":
        messages.success(request, _("The referral is accepted. Your service is in the team."))
        return redirect(case_url(referral.case_id))
    messages.success(request, _("The answer is sent."))
    return redirect("coordination:referral", referral_id=referral.pk)


# --- transitions ------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def plan_transition(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="transition")
    form = TransitionForm(
        request.POST, prefix="transition", services=selectors.services_in(case.municipality_id)
    )
    if form.is_valid():
        try:
            services.plan_transition(case, by=request.actor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The transition is planned."))
            return redirect(case_url(case.pk, "transitions"))
    return render_case(request, case.pk, bound={"transition": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def tick_transition(request: Request, transition_id: int) -> HttpResponse:
    transition = selectors.get_part_for(request.actor, Transition, transition_id, "update")
    form = TickForm(request.POST)
    if form.is_valid():
        try:
            services.tick_transition_item(transition, by=request.actor, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("No such checklist item."))
    return redirect(next_url(request, case_url(transition.case_id, "transitions")))


@never_cache
@login_required
@require_POST
@refusals_shown
def complete_transition(request: Request, transition_id: int) -> HttpResponse:
    transition = selectors.get_part_for(request.actor, Transition, transition_id, "update")
    services.complete_transition(transition, by=request.actor)
    if transition.kind == Transition.Kind.MOVING:
        messages.success(
            request,
            _(
                "The transition is done. The case is closed here and "
                "the new municipality starts a case of its own."
            ),
        )
        return redirect("coordination:my_work")
    messages.success(request, _("The transition is done."))
    return redirect(case_url(transition.case_id, "transitions"))
