"""The case: a concern that opens it, emergency access, the case page and what is done from it.

Thin views: parse with a form, call a selector or service, then render or redirect. A failed
POST renders the case page again with the bound form, so every message sits at its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.config.http import Request
from samhandling.organisations.models import Organisation
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person

from .. import selectors, services
from ..forms import (
    ConcernForm,
    ConsentRecordForm,
    CoordinatorForm,
    CorrectionForm,
    EmergencyAccessForm,
    FamilyParticipantForm,
    HandoverAnswerForm,
    LegalBasisForm,
    LevelForm,
    LogEntryForm,
    MeetingForm,
    ReasonForm,
    ReferralForm,
    TeamMemberForm,
    TransitionForm,
    WithdrawConsentForm,
    with_version,
)
from ..models import Case, LogEntry, TeamMember
from .common import apply_errors, next_url, refusals_shown


def case_url(case_id: int, section: str = "") -> str:
    url = reverse("coordination:case", args=[case_id])
    return f"{url}#{section}" if section else url


# --- a concern opens a case -------------------------------------------------------------------


@never_cache
@login_required
@refusals_shown
def record_concern(request: Request) -> HttpResponse:
    """A concern about a child found in the search (?person=<id>) or registered here."""
    actor = request.actor
    if not selectors.may_record_concern(actor):
        raise PermissionDenied
    if request.method == "POST":
        form = ConcernForm(request.POST)
    else:
        person_id = request.GET.get("person", "")
        form = ConcernForm(initial={"person": int(person_id)} if person_id.isdigit() else {})
    chosen = _chosen_person(request, form)
    duplicates: list[Person] = []
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                person = chosen
                if person is None:
                    duplicates = _possible_duplicates(request, form)
                    if not duplicates or form.cleaned_data["confirm_new"]:
                        person = _register_child(request, form)
                        duplicates = []
                result = (
                    services.record_concern(
                        person,
                        by=actor,
                        text=form.cleaned_data["text"],
                        childs_words=form.cleaned_data["childs_words"],
                        observed_on=form.cleaned_data["observed_on"],
                    )
                    if person is not None
                    else None
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if result is not None and result.forwarded:
                return redirect("coordination:concern_sent")
            if result is not None and result.case is not None:
                messages.success(request, _("The concern is registered."))
                return redirect(case_url(result.case.pk))
    status = 400 if form.errors else 200
    context = {"form": form, "chosen": chosen, "duplicates": duplicates}
    return render(request, "coordination/record_concern.html", context, status=status)


def _chosen_person(request: Request, form: ConcernForm) -> Person | None:
    raw = form.data.get("use_person") or form.data.get("person") or form.initial.get("person")
    if raw is None or not str(raw).isdigit():
        return None
    return selectors.person_for_concern(request.actor, int(raw))


def _possible_duplicates(request: Request, form: ConcernForm) -> list[Person]:
    data = form.cleaned_data
    return services.possible_duplicates(
        request.actor,
        national_id=data["national_id"],
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
    )


def _register_child(request: Request, form: ConcernForm) -> Person:
    organisation = request.actor.organisation
    if organisation is None or organisation.municipality is None:
        raise PermissionDenied
    data = form.cleaned_data
    return people.register_person(
        by=request.actor,
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
        national_id=data["national_id"],
        municipality=organisation.municipality,
    )


@never_cache
@login_required
@require_safe
def concern_sent(request: Request) -> HttpResponse:
    """The same words whether or not the child already had a case."""
    return render(request, "coordination/concern_sent.html")


@never_cache
@login_required
@refusals_shown
def emergency_access(request: Request) -> HttpResponse:
    """Break-glass: an exact identity number and a reason open the child's case for a while."""
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        candidates = selectors.emergency_candidates(request.actor, form.cleaned_data["national_id"])
        if not candidates:
            form.add_error(
                "national_id",
                _(
                    "No open case was found that you can open with emergency access. "
                    "Cases where you are in the team are under My work."
                ),
            )
        else:
            try:
                access = services.open_emergency_access(
                    candidates[0], by=request.actor, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect(case_url(access.case_id))
    status = 400 if form.errors else 200
    return render(request, "coordination/emergency_access.html", {"form": form}, status=status)


# --- the case page ----------------------------------------------------------------------------


def _case_context(
    request: Request, page: selectors.CasePage, bound: dict[str, Any]
) -> dict[str, Any]:
    actor = request.actor
    case, access = page.case, page.access
    may = {
        action: bool(access.case_decision(action))
        for action in ("update", "close", "approve_close", "manage_team", "manage_consent", "refer")
    }
    may["reopen"] = case.status == Case.Status.CLOSED and access.standing in (
        "member",
        "coordinator",
    )
    services_here = selectors.service_list_in(case.municipality_id)  # one read for all forms
    family = (
        selectors.child_and_family(actor, case)
        if may["manage_consent"] or may["manage_team"]
        else []
    )
    people_choices = [(m.person.pk, family_label(m)) for m in family]
    members_with_user = [m for m in page.team if m.user_id]
    forms: dict[str, Any] = {}
    if may["update"]:
        forms["log"] = LogEntryForm(prefix="log")
        forms["level"] = LevelForm(
            prefix="level", initial={"level": case.level, "expected_version": case.version}
        )
        forms["transition"] = TransitionForm(prefix="transition", services=services_here)
        forms["meeting"] = MeetingForm(
            prefix="meeting",
            members=[(m.pk, member_label(m)) for m in page.team],
            family=[(f.pk, f.person.full_name) for f in page.family],
        )
    if may["close"]:
        forms["closing"] = ReasonForm(prefix="close")
    if may["reopen"]:
        forms["reopen"] = ReasonForm(prefix="reopen")
    if may["manage_team"]:
        forms["team"] = TeamMemberForm(prefix="team", services=services_here)
        forms["family"] = FamilyParticipantForm(prefix="family", people=people_choices)
        forms["coordinator"] = CoordinatorForm(
            prefix="coordinator",
            members=[
                (m.pk, member_label(m))
                for m in members_with_user
                if m.user_id != case.coordinator_id
            ],
        )
    if may["manage_consent"]:
        forms["consent"] = ConsentRecordForm(
            prefix="consent", people=people_choices, services=services_here
        )
        forms["legal_basis"] = LegalBasisForm(prefix="basis", services=services_here)
    if may["refer"]:
        forms["referral"] = referral_form(
            case, page.consents, page.legal_bases, services=services_here
        )
    forms.update(bound)
    correctable = _correctable(access, page.log)
    # An earlier version is shown only to those who may see that version itself.
    history = {
        pk: shown
        for pk, versions in page.history.items()
        if (shown := [old for old in versions if access.item_decision(old)])
    }
    return {
        "page": page,
        "case": case,
        "person": case.person,
        "access": access,
        "may": may,
        "forms": forms,
        "correctable": correctable,
        "history": history,
        "is_successor": bool(
            page.pending_handover
            and actor.user
            and page.pending_handover.to_user_id == actor.user.pk
        ),
        "age": _age(case.person),
    }


def _correctable(access: policy.CaseAccess, entries: list[LogEntry]) -> set[int]:
    """The shown entries the actor may correct (the case page's and the relay log section's
    "Correct this entry" links)."""
    return {entry.pk for entry in entries if access.item_decision(entry, "update")}


def family_label(member: selectors.FamilyMember) -> str:
    """ "Name (the child)" or "Name (guardian)": whom a consent or participant is."""
    if member.relation == "child":
        relation = _("the child")
    else:
        relation = str(FamilyRelation.Kind(member.relation).label)
        if member.parental_responsibility:
            relation = _("%(relation)s with parental responsibility") % {"relation": relation}
    return f"{member.person.full_name} ({relation})"


def _age(person: Person) -> int:
    return person.age_on(timezone.localdate())


def member_label(member: TeamMember) -> str:
    if member.user is None:
        return member.organisation.name
    return f"{member.user.get_full_name() or member.user.get_username()} ({member.organisation})"


def referral_form(
    case: Case,
    consents: list[Consent],
    legal_bases: list[LegalBasis],
    data: Any = None,
    *,
    services: Iterable[Organisation] | None = None,
) -> ReferralForm:
    """The referral form, offering the case's valid consents and legal bases, and `services`
    (by default the services of the case's municipality)."""
    return ReferralForm(
        data,
        prefix="referral",
        services=selectors.services_in(case.municipality_id) if services is None else services,
        consents=[(c.pk, _consent_label(c)) for c in consents if c.is_valid_on()],
        legal_bases=[(b.pk, str(b)) for b in legal_bases if b.is_valid_on()],
    )


def _consent_label(consent: Consent) -> str:
    return _("Consent from %(name)s: %(purpose)s") % {
        "name": consent.given_by.full_name,
        "purpose": consent.purpose,
    }


def render_case(
    request: Request,
    case_id: int,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
    conflict: bool = False,
    log_page: str | None = None,
) -> HttpResponse:
    page = selectors.case_page(request.actor, case_id, log_page=log_page)
    context = _case_context(request, page, bound or {})
    context["conflict"] = conflict
    return render(request, "coordination/case_detail.html", context, status=status)


@never_cache
@login_required
@require_safe
def case_detail(request: Request, case_id: int) -> HttpResponse:
    return render_case(request, case_id, log_page=request.GET.get("page"))


# --- relay log --------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def add_log_entry(request: Request, case_id: int) -> HttpResponse:
    """A new entry. Without JavaScript the form posts and lands on the case page again; with
    htmx only the relay log's section comes back and replaces the old one: the new entry at
    the top of it, or the form with its messages (422, which htmx swaps in; base.html)."""
    case, access = selectors.get_case_for(request.actor, case_id, purpose="relay log")
    form = LogEntryForm(request.POST, prefix="log")
    if form.is_valid():
        try:
            services.add_log_entry(case, by=request.actor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if request.htmx:
                return _log_section(request, case, access, LogEntryForm(prefix="log"), added=True)
            messages.success(request, _("The entry is added to the relay log."))
            return redirect(case_url(case.pk, "log"))
    if request.htmx:
        return _log_section(request, case, access, form, status=422)
    return render_case(request, case.pk, bound={"log": form}, status=400)


def _log_section(request: Request, case: Case, access: policy.CaseAccess, form: LogEntryForm,
                 *, added: bool = False, status: int = 200) -> HttpResponse:  # fmt: skip
    """The relay log's section of the case page, its first page, for htmx to swap in."""
    log = selectors.relay_log(request.actor, case, access)
    context = {
        "page": log,
        "case": case,
        "forms": {"log": form},
        "history": log.history,
        "correctable": _correctable(access, log.log),
        "log_added": added,
    }
    return render(request, "coordination/log_section.html", context, status=status, using="jinja2")


@never_cache
@login_required
@refusals_shown
def correct_log_entry(request: Request, case_id: int, entry_id: int) -> HttpResponse:
    """A correction is a new version; the old one stays in the entry's history."""
    entry = selectors.get_part_for(request.actor, LogEntry, entry_id, "update")
    if entry.case_id != case_id:
        raise Http404
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                services.correct_log_entry(entry, by=request.actor, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The entry is corrected. The earlier text is kept."))
                return redirect(case_url(case_id, "log"))
    else:
        form = CorrectionForm(initial={"text": entry.text, "childs_words": entry.childs_words})
    status = 400 if form.errors else 200
    context = {"form": form, "entry": entry, "case_id": case_id}
    return render(request, "coordination/correct_log_entry.html", context, status=status)


# --- level, closing, reopening ----------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def change_level(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="level")
    form = LevelForm(request.POST, prefix="level")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_level(
                case,
                by=request.actor,
                level=data["level"],
                reason=data["reason"],
                expected_version=data["expected_version"],
            )
        except services.ConflictError as conflict:
            again = with_version(form, conflict.actual)
            return render_case(request, case.pk, bound={"level": again}, status=409, conflict=True)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The level is changed."))
            return redirect(case_url(case.pk))
    return render_case(request, case.pk, bound={"level": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def request_closing(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="close")
    form = ReasonForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            case = services.request_closing(
                case, by=request.actor, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if case.status == Case.Status.CLOSING:
                messages.success(request, _("The case awaits a service leader's approval."))
            else:
                messages.success(request, _("The case is closed."))
            return redirect(case_url(case.pk))
    return render_case(request, case.pk, bound={"closing": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def approve_closing(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="approve closing")
    try:
        services.approve_closing(case, by=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case is closed."))
    return redirect(next_url(request, case_url(case.pk)))


@never_cache
@login_required
@require_POST
@refusals_shown
def reopen(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="reopen")
    form = ReasonForm(request.POST, prefix="reopen")
    if form.is_valid():
        try:
            services.reopen(case, by=request.actor, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The case is open again."))
            return redirect(case_url(case.pk))
    return render_case(request, case.pk, bound={"reopen": form}, status=400)


# --- team, family, coordinator ----------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def add_team_member(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="team")
    form = TeamMemberForm(
        request.POST, prefix="team", services=selectors.services_in(case.municipality_id)
    )
    if form.is_valid():
        username = form.cleaned_data["user"]
        user = selectors.find_professional(request.actor, username) if username else None
        if username and user is None:
            form.add_error("user", _("No professional with that username works here."))
        else:
            try:
                services.add_team_member(
                    case,
                    by=request.actor,
                    organisation=form.cleaned_data["organisation"],
                    user=user,
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The team is updated."))
                return redirect(case_url(case.pk, "team"))
    return render_case(request, case.pk, bound={"team": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def remove_team_member(request: Request, case_id: int, member_id: int) -> HttpResponse:
    member = selectors.get_part_for(request.actor, TeamMember, member_id, "update")
    if member.case_id != case_id:
        raise Http404
    try:
        services.remove_team_member(member, by=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member has left the team."))
    return redirect(case_url(case_id, "team"))


@never_cache
@login_required
@require_POST
@refusals_shown
def add_family_participant(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="team")
    members = selectors.child_and_family(request.actor, case)
    family = {m.person.pk: m.person for m in members}
    choices = [(m.person.pk, family_label(m)) for m in members]
    form = FamilyParticipantForm(request.POST, prefix="family", people=choices)
    if form.is_valid():
        try:
            services.add_family_participant(
                case,
                by=request.actor,
                person=family[form.cleaned_data["person"]],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The team is updated."))
            return redirect(case_url(case.pk, "team"))
    return render_case(request, case.pk, bound={"family": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def propose_coordinator(request: Request, case_id: int) -> HttpResponse:
    case, access = selectors.get_case_for(request.actor, case_id, purpose="coordinator")
    team = {m.pk: m for m in selectors.current_team(case, access) if m.user_id}
    form = CoordinatorForm(
        request.POST,
        prefix="coordinator",
        members=[(pk, member_label(m)) for pk, m in team.items()],
    )
    if form.is_valid():
        member = team[form.cleaned_data["member"]]
        try:
            services.propose_coordinator(
                case, by=request.actor, to_user=member.user, to_service=member.organisation
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The coordinator role is offered. It passes on when the successor accepts."),
            )
            return redirect(case_url(case.pk, "team"))
    return render_case(request, case.pk, bound={"coordinator": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def answer_handover(request: Request, handover_id: int) -> HttpResponse:
    handover = selectors.get_handover_for(request.actor, handover_id)
    form = HandoverAnswerForm(request.POST)
    if not form.is_valid():
        raise Http404
    accept = form.cleaned_data["answer"] == "accept"
    services.answer_handover(handover, by=request.actor, accept=accept)
    if accept:
        messages.success(request, _("You are now the coordinator."))
    else:
        messages.success(request, _("You declined the coordinator role."))
    return redirect(next_url(request, case_url(handover.case_id)))


@never_cache
@login_required
@require_POST
@refusals_shown
def invite_sender(request: Request, case_id: int, concern_id: int) -> HttpResponse:
    concern = selectors.get_incoming_concern_for(request.actor, case_id, concern_id)
    try:
        services.invite_sender(concern, by=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The sender is in the team."))
    return redirect(case_url(case_id, "concerns"))


# --- consent and legal basis ------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@refusals_shown
def record_consent(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="consent")
    members = selectors.child_and_family(request.actor, case)
    family = {m.person.pk: m.person for m in members}
    form = ConsentRecordForm(
        request.POST,
        prefix="consent",
        people=[(m.person.pk, family_label(m)) for m in members],
        services=selectors.services_in(case.municipality_id),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_consent(
                case,
                by=request.actor,
                given_by=family[data["given_by"]],
                form=data["form"],
                purpose=data["purpose"],
                sectors=data["sectors"],
                services=list(data["services"]),
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect(case_url(case.pk, "consents"))
    return render_case(request, case.pk, bound={"consent": form}, status=400)


@never_cache
@login_required
@require_POST
@refusals_shown
def withdraw_consent(request: Request, consent_id: int) -> HttpResponse:
    consent = selectors.get_part_for(request.actor, Consent, consent_id, "update")
    form = WithdrawConsentForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.withdraw_consent(consent, by=request.actor, reason=reason)
    messages.success(request, _("The consent is withdrawn. It no longer lets anything through."))
    return redirect(case_url(consent.case_id, "consents"))


@never_cache
@login_required
@require_POST
@refusals_shown
def record_legal_basis(request: Request, case_id: int) -> HttpResponse:
    case, _access = selectors.get_case_for(request.actor, case_id, purpose="legal basis")
    form = LegalBasisForm(
        request.POST, prefix="basis", services=selectors.services_in(case.municipality_id)
    )
    if form.is_valid() and request.actor.organisation is not None:
        data = form.cleaned_data
        try:
            services.record_legal_basis(
                case,
                by=request.actor,
                law=data["law"],
                description=data["description"],
                from_service=request.actor.organisation,
                to_service=data["to_service"],
                sectors=data["sectors"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The legal basis is recorded."))
            return redirect(case_url(case.pk, "consents"))
    return render_case(request, case.pk, bound={"legal_basis": form}, status=400)
