"""Consent, legal basis and emergency access: what lets information travel."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.access.models import Consent, ConsentForm, EmergencyAccess, LegalBasis
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation
from samhandling.people.models import FamilyRelation, Person

from ..models import (
    Case,
    TeamMember,
)
from ._shared import (
    EMERGENCY_ACCESS_HOURS,
    HEALTH_SECTORS,
    _notify,
    _refuse,
    _require,
    _service,
    _service_leaders,
    _user,
    service,
)

# --- consent, legal basis, emergency access --------------------------------------------------


def _age(person: Person, on: datetime.date) -> int:
    return person.age_on(on)


def _may_consent_for(
    given_by: Person,
    child: Person,
    sectors: Iterable[str],
    on: datetime.date,
    *,
    is_guardian: bool | None = None,
) -> str | None:
    """Returns why the person cannot give this consent, or None when they can. `is_guardian`
    (with parental responsibility for the child) is looked up unless the caller knows it."""
    age = _age(child, on)
    if is_guardian is None:
        is_guardian = FamilyRelation.objects.filter(
            person=child, relative=given_by, parental_responsibility=True
        ).exists()
    sectors = set(sectors)
    if given_by.pk == child.pk:
        if age >= 18:
            return None
        if age >= 16 and sectors <= HEALTH_SECTORS:
            return None
        if age >= 16:
            return str(
                _("From 16 a youth consents to health matters; guardians to the rest until 18.")
            )
        return str(_("A child under 16 is represented by a guardian."))
    if not is_guardian:
        return str(_("Only a guardian with parental responsibility, or the youth, can consent."))
    if age >= 18:
        return str(_("From 18 the young person consents for themselves."))
    if age >= 16 and sectors & HEALTH_SECTORS:
        return str(_("From 16 the youth consents to health matters themselves."))
    return None


@service
def record_consent(
    case: Case,
    *,
    by: Actor,
    given_by: Person,
    form: str,
    purpose: str,
    sectors: list[str],
    services: list[Organisation],
    professionals: list[Any] | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> Consent:
    """Records the consent that the family gave. It cannot be widened afterwards."""
    decision = _require(by, "manage_consent", case)
    valid_from = valid_from or timezone.localdate()
    errors: dict[str, Any] = {}
    why_not = _may_consent_for(given_by, case.person, sectors, valid_from)
    if why_not:
        errors["given_by"] = why_not
    if not sectors:
        errors["sectors"] = _("Choose which information may be shared.")
    if len(services) < 2 and not professionals:
        errors["services"] = _("Choose at least two services that may share with each other.")
    if any(s.municipality_id != case.municipality_id for s in services):
        errors["services"] = _("Choose services in the child's municipality.")
    if valid_to and valid_to < valid_from:
        errors["valid_to"] = _("The end date is before the start date.")
    if not purpose.strip():
        errors["purpose"] = _("Say what the information is shared for.")
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        person=case.person,
        given_by=given_by,
        form=form,
        purpose=purpose,
        sectors=sorted(set(sectors)),
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=_user(by),
    )
    consent._setting_up = True  # type: ignore[attr-defined]  # the one time they are set
    consent.services.set(services)
    consent.professionals.set(professionals or [])
    del consent._setting_up  # type: ignore[attr-defined]
    audit.record(by, "create", consent, decision=decision)
    return consent


FAMILY_CONSENT_MAX_DAYS = 3 * 365


@service
def give_consent(
    case: Case,
    *,
    by: Actor,
    services: list[Organisation],
    sectors: list[str],
    purpose: str,
    valid_to: datetime.date | None,
) -> Consent:
    """The family gives a consent digitally, in their own pages: which services may share
    which information, for what, until when. The team is told."""
    access = policy.family_access(by, case)
    decision = access.case_decision("manage_consent")
    if not decision or access.person is None:
        raise _refuse(by, "create", case, decision)
    today = timezone.localdate()
    errors: dict[str, Any] = {}
    team = set(
        TeamMember.objects.filter(case=case, left_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
    if case.coordinator_service_id:
        team.add(case.coordinator_service_id)
    if any(s.pk not in team for s in services):
        errors["services"] = _("Choose among the services in your team.")
    if valid_to is None:
        errors["valid_to"] = _("Say until when the consent applies.")
    elif valid_to < today:
        errors["valid_to"] = _("The end date has passed.")
    elif valid_to > today + datetime.timedelta(days=FAMILY_CONSENT_MAX_DAYS):
        errors["valid_to"] = _("A consent can last at most three years; give a new one then.")
    if errors:
        raise ValidationError(errors)
    consent = record_consent(case, by=by, given_by=access.person, form=ConsentForm.DIGITAL,
                             purpose=purpose, sectors=sectors, services=services,
                             valid_from=today, valid_to=valid_to)  # fmt: skip
    members = TeamMember.objects.filter(case=case, left_at__isnull=True).select_related("user")
    _notify([m.user for m in members], "consent_given", case, dedupe=f"given:{consent.pk}")
    return consent


def may_consent_for(given_by: Person, child: Person, sectors: Iterable[str]) -> bool:
    """May this person consent, today, to sharing these sectors' information about the child?"""
    return _may_consent_for(given_by, child, sectors, timezone.localdate()) is None


def may_withdraw_consent(by: Actor, consent: Consent) -> policy.Decision:
    """May a child, youth or guardian withdraw this consent? The one who gave it may, and so
    may anyone who could give it now (the youth who has turned 16 for health, or 18 for
    everything) — while it is still in force and the case is open."""
    access = policy.family_access(by, consent.case)
    return may_withdraw_consents([(access, [consent])])[0][0]


def may_withdraw_consents(
    cases: Sequence[tuple[policy.FamilyAccess, list[Consent]]],
) -> list[list[policy.Decision]]:
    """`may_withdraw_consent` for each consent of each case, with the citizen's access to the
    cases already decided (policy.family_cases): one query however many cases and consents."""
    allowed = {id(access): access.case_decision("manage_consent") for access, _ in cases}
    people = {access.person.pk for access, _ in cases if allowed[id(access)] and access.person}
    children = {consent.person_id for _, consents in cases for consent in consents}
    guardian_of = set()
    if people and children:
        guardian_of = set(
            FamilyRelation.objects.filter(
                relative_id__in=people, person_id__in=children, parental_responsibility=True
            ).values_list("relative_id", "person_id")
        )
    today = timezone.localdate()
    return [
        [_may_withdraw(access, allowed[id(access)], consent, guardian_of, today)
         for consent in consents]
        for access, consents in cases
    ]  # fmt: skip


def _may_withdraw(
    access: policy.FamilyAccess,
    decision: policy.Decision,
    consent: Consent,
    guardian_of: set[tuple[int, int]],
    today: datetime.date,
) -> policy.Decision:
    me = access.person
    if consent.status not in ("valid", "not_yet_valid"):
        return policy.refuse("the consent is no longer valid")
    if not decision:
        return decision
    if me is None:
        return policy.refuse(access.reason)
    if consent.given_by_id == me.pk:
        return policy.grant("you gave the consent")
    is_guardian = (me.pk, consent.person_id) in guardian_of
    if _may_consent_for(me, consent.person, consent.sectors, today, is_guardian=is_guardian):
        return policy.refuse("only the one who gave the consent, or could give it now")
    return policy.grant("you could give this consent now")


@service
def withdraw_consent(consent: Consent, *, by: Actor, reason: str = "") -> Consent:
    """Takes effect at once: the next request no longer sees what the consent let through."""
    decision = _require(by, "manage_consent", consent.case)
    if by.is_citizen:
        decision = may_withdraw_consent(by, consent)
        if not decision:
            raise _refuse(by, "update", consent, decision)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is None:
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason[:300]
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit.record(by, "update", locked, decision=decision, purpose="withdraw consent")
        members = TeamMember.objects.filter(case=consent.case, left_at__isnull=True)
        _notify(
            [m.user for m in members],
            "consent_withdrawn",
            consent.case,
            dedupe=f"withdrawn:{consent.pk}",
        )
    return locked


@service
def record_legal_basis(
    case: Case,
    *,
    by: Actor,
    law: str,
    description: str,
    from_service: Organisation,
    to_service: Organisation,
    sectors: list[str],
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> LegalBasis:
    decision = _require(by, "manage_consent", case)
    if from_service != _service(by):
        raise ValidationError(
            {"from_service": _("A legal basis is recorded by the service that shares.")}
        )
    if to_service.municipality_id != case.municipality_id:
        raise ValidationError({"to_service": _("Choose a service in the child's municipality.")})
    if not sectors:
        raise ValidationError({"sectors": _("Choose which information may be shared.")})
    basis = LegalBasis(
        municipality_id=case.municipality_id,
        case=case,
        law=law,
        description=description,
        from_service=from_service,
        to_service=to_service,
        sectors=sorted(set(sectors)),
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        recorded_by=_user(by),
    )
    basis.full_clean()
    basis.save()
    audit.record(by, "create", basis, decision=decision)
    return basis


@service
def open_emergency_access(case: Case, *, by: Actor, reason: str) -> EmergencyAccess:
    """Break-glass: time-limited, flagged, and listed for the service leader to review."""
    decision = policy.decide(by, "emergency", case)
    if not decision:
        raise _refuse(by, "view", case, decision, purpose="emergency access")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("State the reason for emergency access.")})
    access = EmergencyAccess.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        user=_user(by),
        organisation=_service(by),
        reason=reason,
        expires_at=timezone.now() + datetime.timedelta(hours=EMERGENCY_ACCESS_HOURS),
    )
    audit.record(
        by,
        "create",
        access,
        decision=decision,
        purpose="emergency access",
        reason=f"emergency: {reason[:250]}",
    )
    _notify(
        _service_leaders([_service(by)]),
        "emergency_to_review",
        case,
        dedupe=f"emergency:{access.pk}",
    )
    return access


@service
def review_emergency_access(access: EmergencyAccess, *, by: Actor, note: str) -> EmergencyAccess:
    decision = _require(by, "update", access)
    access.reviewed_by = _user(by)
    access.reviewed_at = timezone.now()
    access.review_note = note[:500]
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit.record(by, "update", access, decision=decision, purpose="review emergency access")
    return access
