"""The coordination API: thin routes over the same selectors and services as the web pages.

Each route fetches its record through a selector first (what the caller may not see, and what
does not exist, are both 404), then calls the service, whose policy check may still refuse the
action (403) on a record the caller can see.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from samhandling.access.models import Consent, LegalBasis
from samhandling.accounts.authentication import actor
from samhandling.config.api_errors import field_error, fields_named, responses
from samhandling.config.api_fields import MAX_ID, PathId
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region
from samhandling.people import selectors as people

from . import selectors, services
from .models import Case, Goal, LogEntry, Measure, TeamMember, Transition
from .schemas import (
    CaseCreated,
    CaseDetail,
    CaseOut,
    CasePage,
    ConcernIn,
    ConsentIn,
    ConsentOut,
    ConsentsOut,
    CorrectionIn,
    DeclineIn,
    EvaluationIn,
    Forwarded,
    GoalIn,
    LevelIn,
    LogEntryIn,
    LogEntryOut,
    LogOut,
    MeasureIn,
    MeetingIn,
    MeetingOut,
    PlanItemCreated,
    PlanOut,
    PlanVersion,
    ReasonIn,
    ReferralIn,
    ReferralOut,
    ReferralsOut,
    SummaryIn,
    TeamMemberIn,
    TeamMemberOut,
    TransitionIn,
    TransitionOut,
    VoiceIn,
    VoiceOut,
    WithdrawIn,
)

router = Router(tags=["coordination"])


def _service(municipality_id: int, service_id: int | None, field: str) -> Organisation | None:
    """A service in the municipality, or a field error (services are not personal data)."""
    if service_id is None:
        return None
    service = selectors.services_in(municipality_id).filter(pk=service_id).first()
    if service is None:
        raise field_error(field, _("Choose a service in the child's municipality."))
    return service


def _part_of(case: Case, by: Actor, model: type[Any], pk: int | None, field: str) -> Any:
    """A record of this case the caller may see (a consent, goal, …), or a field error."""
    if pk is None:
        return None
    try:
        record = selectors.get_part_for(by, model, pk)
    except Http404:
        record = None
    if record is None or record.case.pk != case.pk:
        raise field_error(field, _("Choose one from this case."))
    return record


def _own_part(by: Actor, model: type[Any], pk: int, case_id: int) -> Any:
    """A record under /cases/{case_id}/…: 404 unless it is the caller's to see, in that case."""
    record = selectors.get_part_for(by, model, pk)
    if record.case.pk != case_id:
        raise Http404
    return record


# --- cases ---------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **responses()})
def list_cases(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=100),  # noqa: B008 - ninja's way to declare a parameter
    offset: int = Query(0, ge=0, le=MAX_ID),  # noqa: B008
) -> object:
    """The cases you have standing in (team member, coordinator, leader of a team service)."""
    count, cases = selectors.case_list(actor(request), limit=limit, offset=offset)
    return {"count": count, "limit": limit, "offset": offset, "items": cases}


@router.post("/cases", response={201: CaseCreated, 202: Forwarded, **responses(403, 404)})
def record_concern(request: HttpRequest, payload: ConcernIn) -> object:
    """Records a concern about a child: opens a case (201), or passes the concern on to the
    child's case, which you do not see (202: nothing more is said)."""
    by = actor(request)
    person = selectors.person_for_concern(by, payload.person_id)
    result = services.record_concern(
        person, by=by, text=payload.text, childs_words=payload.childs_words,
        observed_on=payload.observed_on,
    )  # fmt: skip
    if result.case is None:
        return Status(202, {"status": "forwarded"})
    return Status(201, {"case_id": result.case.pk})


@router.get("/cases/{case_id}", response={200: CaseDetail, **responses(404)})
def get_case(request: HttpRequest, case_id: PathId) -> object:
    by = actor(request)
    case, access = selectors.get_case_for(by, case_id, purpose="api")
    detail = CaseDetail.model_validate(case)
    detail.standing = access.standing
    return detail


@router.patch("/cases/{case_id}/level", response={200: CaseOut, **responses(403, 404, 409)})
def change_level(request: HttpRequest, case_id: PathId, payload: LevelIn) -> object:
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="change level")
    return services.change_level(case, by=by, level=payload.level, reason=payload.reason,
                                 expected_version=payload.expected_version)  # fmt: skip


@router.post("/cases/{case_id}/close", response={200: CaseOut, **responses(403, 404)})
def close_case(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> object:
    """Closes a level 0–1 case; a level 2–3 case waits for a service leader's approval."""
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="close")
    return services.request_closing(case, by=by, reason=payload.reason)


@router.post("/cases/{case_id}/approve-close", response={200: CaseOut, **responses(403, 404)})
def approve_closing(request: HttpRequest, case_id: PathId) -> object:
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="approve closing")
    return services.approve_closing(case, by=by)


@router.post("/cases/{case_id}/reopen", response={200: CaseOut, **responses(403, 404)})
def reopen_case(request: HttpRequest, case_id: PathId, payload: ReasonIn) -> object:
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="reopen")
    return services.reopen(case, by=by, reason=payload.reason)


# --- relay log -----------------------------------------------------------------------------


@router.get("/cases/{case_id}/log-entries", response={200: LogOut, **responses(404)})
def list_log_entries(
    request: HttpRequest,
    case_id: PathId,
    limit: int = Query(50, ge=1, le=200),  # noqa: B008
    offset: int = Query(0, ge=0, le=MAX_ID),  # noqa: B008
) -> object:
    """The entries of the relay log that you may see, newest first (corrected versions
    replaced): `limit` of them after the first `offset`, and how many there are."""
    log = selectors.log_for(actor(request), case_id, limit=limit, offset=offset)
    return {"count": log.count, "limit": limit, "offset": offset, "items": log.entries,
            "hidden": log.hidden, "more": log.more}  # fmt: skip


@router.post("/cases/{case_id}/log-entries", response={201: LogEntryOut, **responses(403, 404)})
def add_log_entry(request: HttpRequest, case_id: PathId, payload: LogEntryIn) -> object:
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="log entry")
    entry = services.add_log_entry(case, by=by, **payload.model_dump())
    return Status(201, entry)


@router.post(
    "/cases/{case_id}/log-entries/{entry_id}/corrections",
    response={201: LogEntryOut, **responses(403, 404)},
)
def correct_log_entry(
    request: HttpRequest, case_id: PathId, entry_id: PathId, payload: CorrectionIn
) -> object:
    """A correction is a new version that replaces the entry; the old one stays in the history."""
    by = actor(request)
    entry = _own_part(by, LogEntry, entry_id, case_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"text"})
    changes = {field: value for field, value in changes.items() if value is not None}
    return Status(201, services.correct_log_entry(entry, by=by, text=payload.text, **changes))


# --- team ----------------------------------------------------------------------------------


@router.get("/cases/{case_id}/team", response={200: list[TeamMemberOut], **responses(404)})
def list_team(request: HttpRequest, case_id: PathId) -> object:
    _case, members = selectors.team_of(actor(request), case_id)
    return members


@router.post("/cases/{case_id}/team", response={201: TeamMemberOut, **responses(403, 404)})
def add_team_member(request: HttpRequest, case_id: PathId, payload: TeamMemberIn) -> object:
    """Brings a service (and a named professional) into the team, as the family's consent or a
    legal basis allows."""
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="team")
    organisation = _service(case.municipality_id, payload.organisation_id, "organisation_id")
    assert organisation is not None
    user = None
    if payload.user_id is not None:
        user = selectors.professional_in(organisation, payload.user_id)
        if user is None:
            raise field_error("user_id", _("The professional does not work in that service."))
    with fields_named(organisation="organisation_id", user="user_id"):
        member = services.add_team_member(case, by=by, organisation=organisation, user=user,
                                          role=payload.role)  # fmt: skip
    return Status(201, member)


@router.delete("/cases/{case_id}/team/{member_id}", response={204: None, **responses(403, 404)})
def remove_team_member(request: HttpRequest, case_id: PathId, member_id: PathId) -> object:
    by = actor(request)
    member = _own_part(by, TeamMember, member_id, case_id)
    if member.left_at is not None:
        raise Http404
    services.remove_team_member(member, by=by)
    return Status(204, None)


# --- consent -------------------------------------------------------------------------------


@router.get("/cases/{case_id}/consents", response={200: ConsentsOut, **responses(404)})
def list_consents(request: HttpRequest, case_id: PathId) -> object:
    """The consents (withdrawn ones too, with their status) and legal bases of the case."""
    _case, consents, bases = selectors.consents_of(actor(request), case_id)
    return {"consents": consents, "legal_bases": bases}


@router.post("/cases/{case_id}/consents", response={201: ConsentOut, **responses(403, 404)})
def record_consent(request: HttpRequest, case_id: PathId, payload: ConsentIn) -> object:
    """Records the consent the family gave. It cannot be widened later: record a new one."""
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="consent")
    given_by = _family_member(by, case, payload.given_by_id)
    services_chosen = list(
        selectors.services_in(case.municipality_id).filter(pk__in=payload.service_ids)
    )
    if len(services_chosen) != len(set(payload.service_ids)):
        raise field_error("service_ids", _("Choose services in the child's municipality."))
    professionals = []
    for user_id in dict.fromkeys(payload.professional_ids):
        found = next(
            (u for s in services_chosen if (u := selectors.professional_in(s, user_id))), None
        )
        if found is None:
            raise field_error("professional_ids",
                              _("Choose professionals in the services that share."))  # fmt: skip
        professionals.append(found)
    with fields_named(given_by="given_by_id", services="service_ids"):
        consent = services.record_consent(
            case, by=by, given_by=given_by, form=payload.form, purpose=payload.purpose,
            sectors=list(payload.sectors), services=services_chosen, professionals=professionals,
            valid_from=payload.valid_from, valid_to=payload.valid_to,
        )  # fmt: skip
    return Status(201, consent)


def _family_member(by: Actor, case: Case, person_id: int) -> Any:
    """The child of the case or one of the child's registered relatives, or a field error."""
    if person_id == case.person.pk:
        return case.person
    for relation in people.family_of(by, case.person):
        if relation.relative.pk == person_id:
            return relation.relative
    raise field_error("given_by_id", _("Choose the child or one of the child's family."))


@router.post("/consents/{consent_id}/withdraw", response={200: ConsentOut, **responses(403, 404)})
def withdraw_consent(request: HttpRequest, consent_id: PathId, payload: WithdrawIn) -> object:
    """Takes effect at once: the next request no longer sees what the consent let through."""
    by = actor(request)
    consent = selectors.get_part_for(by, Consent, consent_id)
    return services.withdraw_consent(consent, by=by, reason=payload.reason)


# --- the plan ------------------------------------------------------------------------------


@router.get("/cases/{case_id}/plan", response={200: PlanOut, **responses(404)})
def get_plan(request: HttpRequest, case_id: PathId) -> object:
    """The plan with the goals, measures and evaluations you may see, its version, and the
    child's voice."""
    by = actor(request)
    view = selectors.plan_for(by, case_id)
    plan = view.plan
    return {
        "id": plan.pk, "case_id": view.case.pk, "version": plan.version, "summary": plan.summary,
        "updated_at": plan.updated_at, "goals": view.goals, "measures": view.measures,
        "evaluations": view.evaluations, "hidden": view.hidden,
        "voices": selectors.voices_for(by, view.access, view.case),
    }  # fmt: skip


@router.patch("/cases/{case_id}/plan", response={200: PlanVersion, **responses(403, 404, 409)})
def update_plan(request: HttpRequest, case_id: PathId, payload: SummaryIn) -> object:
    by = actor(request)
    plan = selectors.plan_of(by, case_id, purpose="plan summary")
    return services.update_plan_summary(plan, by=by, summary=payload.summary,
                                        expected_version=payload.expected_version)  # fmt: skip


@router.post(
    "/cases/{case_id}/plan/goals", response={201: PlanItemCreated, **responses(403, 404, 409)}
)
def add_goal(request: HttpRequest, case_id: PathId, payload: GoalIn) -> object:
    by = actor(request)
    plan = selectors.plan_of(by, case_id, purpose="goal")
    goal = services.add_goal(plan, by=by, **payload.model_dump())
    return Status(201, {"id": goal.pk, "plan_version": plan.version})


@router.post(
    "/cases/{case_id}/plan/measures", response={201: PlanItemCreated, **responses(403, 404, 409)}
)
def add_measure(request: HttpRequest, case_id: PathId, payload: MeasureIn) -> object:
    by = actor(request)
    plan = selectors.plan_of(by, case_id, purpose="measure")
    case = plan.case
    responsible = _service(case.municipality_id, payload.responsible_service_id,
                           "responsible_service_id")  # fmt: skip
    assert responsible is not None
    responsible_user = None
    if payload.responsible_user_id is not None:
        responsible_user = selectors.professional_in(responsible, payload.responsible_user_id)
        if responsible_user is None:
            raise field_error("responsible_user_id",
                              _("The professional does not work in that service."))  # fmt: skip
    goal = _part_of(case, by, Goal, payload.goal_id, "goal_id")
    fields = payload.model_dump(exclude={"responsible_service_id", "responsible_user_id",
                                         "goal_id"})  # fmt: skip
    renamed = {"responsible_service": "responsible_service_id", "goal": "goal_id",
               "responsible_user": "responsible_user_id"}  # fmt: skip
    with fields_named(**renamed):
        measure = services.add_measure(
            plan, by=by, responsible_service=responsible, responsible_user=responsible_user,
            goal=goal, **fields,
        )  # fmt: skip
    return Status(201, {"id": measure.pk, "plan_version": plan.version})


@router.post(
    "/cases/{case_id}/plan/evaluations",
    response={201: PlanItemCreated, **responses(403, 404, 409)},
)
def add_evaluation(request: HttpRequest, case_id: PathId, payload: EvaluationIn) -> object:
    by = actor(request)
    plan = selectors.plan_of(by, case_id, purpose="evaluation")
    goal = _part_of(plan.case, by, Goal, payload.goal_id, "goal_id")
    measure = _part_of(plan.case, by, Measure, payload.measure_id, "measure_id")
    with fields_named(goal="goal_id", measure="measure_id"):
        evaluation = services.add_evaluation(
            plan, by=by, outcome=payload.outcome, text=payload.text, goal=goal, measure=measure,
            expected_version=payload.expected_version, family_visible=payload.family_visible,
        )  # fmt: skip
    return Status(201, {"id": evaluation.pk, "plan_version": plan.version})


@router.post("/cases/{case_id}/voices", response={201: VoiceOut, **responses(403, 404)})
def record_voice(request: HttpRequest, case_id: PathId, payload: VoiceIn) -> object:
    """Writes down the child's words on the child's behalf; the plan marks them as such."""
    by = actor(request)
    case, _access = selectors.get_case_for(by, case_id, purpose="the child's voice")
    if not payload.text.strip():
        raise field_error("text", _("Write down what the child said."))
    goal = _part_of(case, by, Goal, payload.goal_id, "goal_id")
    with fields_named(goal="goal_id"):
        voice = services.add_voice(case, by=by, kind=payload.kind, text=payload.text, goal=goal)
    return Status(201, voice)


# --- meetings ------------------------------------------------------------------------------


@router.get("/cases/{case_id}/meetings", response={200: list[MeetingOut], **responses(404)})
def list_meetings(request: HttpRequest, case_id: PathId) -> object:
    _case, meetings = selectors.meetings_of(actor(request), case_id)
    return meetings


@router.post("/cases/{case_id}/meetings", response={201: MeetingOut, **responses(403, 404)})
def schedule_meeting(request: HttpRequest, case_id: PathId, payload: MeetingIn) -> object:
    by = actor(request)
    case, members = selectors.team_of(by, case_id)
    by_id = {member.pk: member for member in members}
    if any(pk not in by_id for pk in payload.participant_ids):
        raise field_error("participant_ids", _("Choose participants from the team."))
    meeting = services.schedule_meeting(
        case, by=by, starts_at=payload.starts_at, place=payload.place, agenda=payload.agenda,
        participants=[by_id[pk] for pk in dict.fromkeys(payload.participant_ids)],
    )  # fmt: skip
    return Status(201, meeting)


# --- referrals -----------------------------------------------------------------------------


@router.get("/referrals", response={200: ReferralsOut, **responses()})
def list_referrals(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=100),  # noqa: B008 - ninja's way to declare a parameter
    incoming_offset: int = Query(0, ge=0, le=MAX_ID),  # noqa: B008
    sent_offset: int = Query(0, ge=0, le=MAX_ID),  # noqa: B008
) -> object:
    """The referrals to your service (incoming) and from it (sent), newest first: `limit` of
    each after its own offset, and how many there are of each."""
    found = selectors.referral_slices(
        actor(request), limit=limit, incoming_offset=incoming_offset, sent_offset=sent_offset
    )
    return {
        "incoming": found.incoming, "sent": found.sent, "limit": limit,
        "incoming_count": found.incoming_count, "incoming_offset": incoming_offset,
        "sent_count": found.sent_count, "sent_offset": sent_offset,
    }  # fmt: skip


@router.post("/referrals", response={201: ReferralOut, **responses(403, 404)})
def refer(request: HttpRequest, payload: ReferralIn) -> object:
    """Asks another service for help, with the consent or legal basis that allows it."""
    by = actor(request)
    case, _access = selectors.get_case_for(by, payload.case_id, purpose="refer")
    to_service = _service(case.municipality_id, payload.to_service_id, "to_service_id")
    assert to_service is not None
    consent = _part_of(case, by, Consent, payload.consent_id, "consent_id")
    legal_basis = _part_of(case, by, LegalBasis, payload.legal_basis_id, "legal_basis_id")
    with fields_named(to_service="to_service_id", consent="consent_id",
                      legal_basis="legal_basis_id"):  # fmt: skip
        referral = services.refer(
            case, by=by, to_service=to_service, reason=payload.reason, consent=consent,
            legal_basis=legal_basis, answer_within_days=payload.answer_within_days,
        )  # fmt: skip
    return Status(201, referral)


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **responses(404)})
def get_referral(request: HttpRequest, referral_id: PathId) -> object:
    return selectors.get_referral_for(actor(request), referral_id)


@router.post("/referrals/{referral_id}/received",
             response={200: ReferralOut, **responses(403, 404)})  # fmt: skip
def mark_referral_received(request: HttpRequest, referral_id: PathId) -> object:
    by = actor(request)
    referral = selectors.get_referral_for(by, referral_id)
    return services.mark_referral_received(referral, by=by)


@router.post("/referrals/{referral_id}/accept", response={200: ReferralOut, **responses(403, 404)})
def accept_referral(request: HttpRequest, referral_id: PathId) -> object:
    """The receiving service accepts, and joins the team."""
    by = actor(request)
    referral = selectors.get_referral_for(by, referral_id)
    return services.accept_referral(referral, by=by)


@router.post("/referrals/{referral_id}/decline",
             response={200: ReferralOut, **responses(403, 404)})  # fmt: skip
def decline_referral(request: HttpRequest, referral_id: PathId, payload: DeclineIn) -> object:
    by = actor(request)
    referral = selectors.get_referral_for(by, referral_id)
    with fields_named(decline_reason="reason"):
        return services.decline_referral(referral, by=by, reason=payload.reason)


@router.post("/referrals/{referral_id}/complete",
             response={200: ReferralOut, **responses(403, 404)})  # fmt: skip
def complete_referral(request: HttpRequest, referral_id: PathId) -> object:
    by = actor(request)
    referral = selectors.get_referral_for(by, referral_id)
    return services.complete_referral(referral, by=by)


# --- transitions ---------------------------------------------------------------------------


@router.get("/transitions", response={200: list[TransitionOut], **responses(404)})
def list_transitions(
    request: HttpRequest,
    case_id: int | None = Query(None, ge=1, le=MAX_ID),  # noqa: B008
) -> object:
    """The transitions of one case (?case_id=), or the coming ones in all your open cases."""
    return selectors.transitions_for(actor(request), case_id)


@router.post("/transitions", response={201: TransitionOut, **responses(403, 404)})
def plan_transition(request: HttpRequest, payload: TransitionIn) -> object:
    by = actor(request)
    case, _access = selectors.get_case_for(by, payload.case_id, purpose="transition")
    to_municipality = None
    if payload.to_municipality_id is not None:
        to_municipality = Region.objects.filter(
            pk=payload.to_municipality_id, kind=Region.Kind.MUNICIPALITY
        ).first()
        if to_municipality is None:
            raise field_error("to_municipality_id", _("Choose a municipality."))
    receiving = to_municipality.pk if to_municipality else case.municipality_id
    with fields_named(to_municipality="to_municipality_id", from_service="from_service_id",
                      to_service="to_service_id"):  # fmt: skip
        transition = services.plan_transition(
            case, by=by, kind=payload.kind, planned_for=payload.planned_for,
            from_service=_service(case.municipality_id, payload.from_service_id,
                                  "from_service_id"),
            to_service=_service(receiving, payload.to_service_id, "to_service_id"),
            to_municipality=to_municipality, checklist=payload.checklist,
        )  # fmt: skip
    return Status(201, transition)


@router.post("/transitions/{transition_id}/complete",
             response={200: TransitionOut, **responses(403, 404)})  # fmt: skip
def complete_transition(request: HttpRequest, transition_id: PathId) -> object:
    """Done. Moving municipality closes the case here; the new municipality starts anew."""
    by = actor(request)
    transition = selectors.get_part_for(by, Transition, transition_id)
    return services.complete_transition(transition, by=by)
