"""Referrals between services, and transitions."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region
from samhandling.people.models import Person

from ..models import (
    Case,
    Plan,
    Referral,
    TeamMember,
    Transition,
)
from ._shared import (
    REFERRAL_ANSWER_DAYS,
    _bump,
    _notify,
    _refuse,
    _require,
    _service,
    _service_leaders,
    _user,
    service,
)

# --- referrals -------------------------------------------------------------------------------


@service
def refer(
    case: Case,
    *,
    by: Actor,
    to_service: Organisation,
    reason: str,
    consent: Consent | None = None,
    legal_basis: LegalBasis | None = None,
    answer_within_days: int = REFERRAL_ANSWER_DAYS,
) -> Referral:
    """A service asks another for help, with the consent or legal basis that allows it."""
    decision = _require(by, "refer", case)
    service = _service(by)
    errors: dict[str, Any] = {}
    if to_service.municipality_id != case.municipality_id or to_service == service:
        errors["to_service"] = _("Choose another service in the child's municipality.")
    if consent is None and legal_basis is None:
        errors["consent"] = _("Choose the consent or legal basis that allows the referral.")
    if consent is not None and (
        consent.case_id != case.pk
        or not consent.is_valid_on()
        or consent.services.filter(pk__in=[to_service.pk, service.pk]).count() < 2
    ):
        errors["consent"] = _("The consent does not let your service share with that service.")
    if legal_basis is not None and (
        legal_basis.case_id != case.pk
        or legal_basis.to_service_id != to_service.pk
        or legal_basis.from_service_id != service.pk
        or not legal_basis.is_valid_on()
    ):
        errors["legal_basis"] = _("The legal basis does not name this exchange.")
    if not reason.strip():
        errors["reason"] = _("Say what you ask the service for.")
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        from_service=service,
        to_service=to_service,
        reason=reason,
        consent=consent,
        legal_basis=legal_basis,
        sent_by=_user(by),
        answer_due=timezone.localdate() + datetime.timedelta(days=answer_within_days),
    )
    audit.record(by, "create", referral, decision=decision)
    _notify(
        _service_leaders([to_service]), "referral_incoming", None, dedupe=f"referral:{referral.pk}"
    )
    return referral


def _answer(referral: Referral, by: Actor, allowed_from: tuple[str, ...], to: str) -> Referral:
    decision = policy.decide(by, "answer", referral)
    if not decision:
        raise _refuse(by, "update", referral, decision)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("The referral is %(status)s and cannot become %(to)s.")
            % {"status": locked.get_status_display(), "to": Referral.Status(to).label}
        )
    locked.status = to
    if to in (Referral.Status.ACCEPTED, Referral.Status.DECLINED):
        locked.answered_at = timezone.now()
        locked.answered_by = _user(by)
    if to == Referral.Status.COMPLETED:
        locked.completed_at = timezone.now()
    locked.save()
    audit.record(by, "update", locked, decision=decision, purpose=f"referral {to}")
    _notify([locked.sent_by], f"referral_{to}", locked.case, dedupe=f"ref{to}:{locked.pk}")
    return locked


@service
def mark_referral_received(referral: Referral, *, by: Actor) -> Referral:
    return _answer(referral, by, (Referral.Status.SENT,), Referral.Status.RECEIVED)


@service
def accept_referral(referral: Referral, *, by: Actor) -> Referral:
    """The receiving service accepts and joins the team (the referral's basis lets it in)."""
    accepted = _answer(
        referral, by, (Referral.Status.SENT, Referral.Status.RECEIVED), Referral.Status.ACCEPTED
    )
    service = _service(by)
    user = _user(by)
    if not TeamMember.objects.filter(
        case=accepted.case, organisation=service, user=user, left_at__isnull=True
    ).exists():
        member = TeamMember.objects.create(
            case=accepted.case,
            municipality_id=accepted.municipality_id,
            organisation=service,
            user=user,
            role="referral",
        )
        audit.record(by, "create", member, decision=policy.grant("accepted referral"))
    return accepted


@service
def decline_referral(referral: Referral, *, by: Actor, reason: str) -> Referral:
    if not reason.strip():
        raise ValidationError({"decline_reason": _("Say why the referral is declined.")})
    declined = _answer(
        referral, by, (Referral.Status.SENT, Referral.Status.RECEIVED), Referral.Status.DECLINED
    )
    declined.decline_reason = reason[:500]
    declined.save(update_fields=["decline_reason"])
    return declined


@service
def complete_referral(referral: Referral, *, by: Actor) -> Referral:
    return _answer(referral, by, (Referral.Status.ACCEPTED,), Referral.Status.COMPLETED)


# --- transitions -----------------------------------------------------------------------------

DEFAULT_CHECKLISTS = {
    Transition.Kind.KINDERGARTEN_SCHOOL: [
        "Transition meeting",
        "Consent to share",
        "Handover of plan",
        "Follow-up after start",
    ],
    Transition.Kind.LOWER_UPPER_SECONDARY: [
        "Transition meeting",
        "Consent to share",
        "Handover of plan",
        "Contact at the new school",
    ],
    Transition.Kind.SCHOOL_WORK: ["Meeting with NAV", "Consent to share", "Handover of plan"],
    Transition.Kind.ADULT_SERVICES: [
        "Meeting with the youth",
        "The youth's own consent",
        "Adult services named",
        "Handover of plan",
    ],
    Transition.Kind.MOVING: ["New municipality informed", "New consent", "Handover of plan"],
}


@service
def plan_transition(
    case: Case,
    *,
    by: Actor,
    kind: str,
    planned_for: datetime.date,
    from_service: Organisation | None = None,
    to_service: Organisation | None = None,
    to_municipality: Region | None = None,
    checklist: list[str] | None = None,
) -> Transition:
    decision = _require(by, "update", case)
    if kind == Transition.Kind.MOVING and to_municipality is None:
        raise ValidationError({"to_municipality": _("Choose the municipality the child moves to.")})
    items = (
        checklist if checklist is not None else DEFAULT_CHECKLISTS.get(Transition.Kind(kind), [])
    )
    transition = Transition(
        case=case,
        municipality_id=case.municipality_id,
        kind=kind,
        planned_for=planned_for,
        from_service=from_service,
        to_service=to_service,
        to_municipality=to_municipality,
        checklist=[{"item": str(item), "done": False} for item in items],
        created_by=_user(by),
    )
    transition.full_clean()
    transition.save()
    audit.record(by, "create", transition, decision=decision)
    return transition


@service
def tick_transition_item(
    transition: Transition, *, by: Actor, index: int, done: bool
) -> Transition:
    decision = _require(by, "update", transition)
    locked = Transition.objects.select_for_update().get(pk=transition.pk)
    if not 0 <= index < len(locked.checklist):
        raise ValidationError({"index": _("No such checklist item.")})
    locked.checklist[index]["done"] = done
    if locked.status == Transition.Status.PROPOSED:
        locked.status = Transition.Status.PLANNED
    locked.save(update_fields=["checklist", "status"])
    audit.record(by, "update", locked, decision=decision)
    return locked


@service
def complete_transition(transition: Transition, *, by: Actor) -> Transition:
    """Done. Moving municipality closes this case; the new municipality's service starts anew
    (a new case, no data carried over — the family gives a new consent there)."""
    decision = _require(by, "update", transition)
    transition.status = Transition.Status.DONE
    transition.save(update_fields=["status"])
    audit.record(by, "update", transition, decision=decision)
    if transition.kind == Transition.Kind.MOVING and transition.to_municipality is not None:
        _move_case(transition, by)
    return transition


def _move_case(transition: Transition, by: Actor) -> Case:
    case = transition.case
    destination = transition.to_municipality
    assert destination is not None
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    case.close_reason = "moved to another municipality"
    case.save(update_fields=["status", "closed_at", "close_reason"])
    _bump(case)
    # The child is registered anew in the new municipality (its own tenant): identity only,
    # no address, no history; the old municipality keeps its closed case.
    person = case.person
    moved = None
    if person.national_id:
        moved = Person.objects.filter(
            municipality=destination, id_country=person.id_country,
            national_id=person.national_id,
        ).first()  # fmt: skip
    if moved is None:
        moved = Person.objects.create(
            given_name=person.given_name, family_name=person.family_name,
            date_of_birth=person.date_of_birth, id_country=person.id_country,
            national_id=person.national_id, municipality=destination,
            preferred_language=person.preferred_language,
            address_protection=person.address_protection,
        )  # fmt: skip
        audit.record(by, "create", moved, decision=policy.grant("moving transition completed"))
    person = moved
    new_case = Case.objects.create(
        person=person,
        municipality=destination,
        level=case.level,
        opened_by=_user(by),
        previous_case=case,
    )
    Plan.objects.create(case=new_case, municipality=destination)
    if transition.to_service is not None:
        TeamMember.objects.create(
            case=new_case,
            municipality=destination,
            organisation=transition.to_service,
            role="receiving service",
        )
        _notify(
            _service_leaders([transition.to_service]),
            "case_moved_in",
            new_case,
            dedupe=f"moved:{new_case.pk}",
        )
    audit.record(by, "create", new_case, decision=policy.grant("moving transition completed"))
    return new_case


def propose_adult_transitions(*, today: datetime.date | None = None) -> int:
    """A youth's 18th birthday inside the next six months proposes an 18 → adult transition."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=183)
    born_from = datetime.date(horizon.year - 18, 1, 1)
    created = 0
    cases = (
        Case.objects.exclude(status=Case.Status.CLOSED)
        .filter(person__date_of_birth__gte=born_from)
        .exclude(transitions__kind=Transition.Kind.ADULT_SERVICES)
        .select_related("person")
    )
    for case in cases:
        birthday = _eighteenth_birthday(case.person.date_of_birth)
        if today <= birthday <= horizon:
            with transaction.atomic():
                transition = Transition.objects.create(
                    case=case,
                    municipality_id=case.municipality_id,
                    kind=Transition.Kind.ADULT_SERVICES,
                    planned_for=birthday,
                    status=Transition.Status.PROPOSED,
                    checklist=[
                        {"item": i, "done": False}
                        for i in DEFAULT_CHECKLISTS[Transition.Kind.ADULT_SERVICES]
                    ],
                )
                audit.record(None, "create", transition, reason="18th birthday within 6 months")
                _notify(
                    [case.coordinator], "adult_transition_proposed", case, dedupe=f"adult:{case.pk}"
                )
            created += 1
    return created


def _eighteenth_birthday(born: datetime.date) -> datetime.date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 18, day=28)
