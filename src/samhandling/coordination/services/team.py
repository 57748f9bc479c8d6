"""The team around the child, the family as participants, and the coordinator's baton."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation
from samhandling.people.models import FamilyRelation, Person

from ..models import (
    Case,
    CoordinatorHandover,
    FamilyParticipant,
    IncomingConcern,
    TeamMember,
)
from ._shared import (
    _bump,
    _notify,
    _refuse,
    _require,
    _service,
    _user,
    service,
)

# --- team, coordinator, family --------------------------------------------------------------


def _covered(case: Case, organisation: Organisation, user: Any = None) -> bool:
    """Has the family (or the law) let this service in?"""
    for sharing in policy.sharings_for(case):
        if sharing.from_service is not None:
            if sharing.to_service == organisation.pk:
                return True
        elif organisation.pk in sharing.services or (user and user.pk in sharing.professionals):
            return True
    return False


@service
def add_team_member(
    case: Case, *, by: Actor, organisation: Organisation, user: Any = None, role: str = ""
) -> TeamMember:
    """Brings a service (and a named professional) into the team — only as the family allows."""
    decision = _require(by, "manage_team", case)
    if organisation.municipality_id != case.municipality_id:
        raise ValidationError({"organisation": _("Choose a service in the child's municipality.")})
    if (
        user is not None
        and not user.memberships.filter(organisation=organisation, is_active=True).exists()
    ):
        raise ValidationError({"user": _("The professional does not work in that service.")})
    if organisation != _service(by) and not _covered(case, organisation, user):
        raise ValidationError(
            {
                "organisation": _(
                    "No valid consent or legal basis lets this service in. "
                    "Record the family's consent first."
                )
            }
        )
    existing = TeamMember.objects.filter(
        case=case, organisation=organisation, user=user, left_at__isnull=True
    ).first()
    if existing:
        return existing
    member = TeamMember.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        organisation=organisation,
        user=user,
        role=role,
    )
    audit.record(by, "create", member, decision=decision)
    _notify([user], "added_to_team", case, dedupe=f"team:{member.pk}")
    return member


@service
def remove_team_member(member: TeamMember, *, by: Actor) -> TeamMember:
    decision = _require(by, "manage_team", member.case)
    if member.case.coordinator_id and member.user_id == member.case.coordinator_id:
        raise ValidationError(_("Hand over the coordinator role before leaving the team."))
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    audit.record(by, "update", member, decision=decision)
    return member


@service
def add_family_participant(
    case: Case, *, by: Actor, person: Person, role: str = ""
) -> FamilyParticipant:
    decision = _require(by, "manage_team", case)
    related = (
        person.pk == case.person_id
        or FamilyRelation.objects.filter(person_id=case.person_id, relative=person).exists()
    )
    if not related:
        raise ValidationError({"person": _("Only the child and their family take part.")})
    participant, _created = FamilyParticipant.objects.get_or_create(
        case=case,
        person=person,
        defaults={"municipality_id": case.municipality_id, "role": role},
    )
    audit.record(by, "create", participant, decision=decision)
    return participant


@service
def propose_coordinator(
    case: Case, *, by: Actor, to_user: Any, to_service: Organisation
) -> CoordinatorHandover:
    """The baton is offered; the current coordinator keeps it until the successor accepts."""
    decision = _require(by, "manage_team", case)
    if not TeamMember.objects.filter(
        case=case, organisation=to_service, user=to_user, left_at__isnull=True
    ).exists():
        raise ValidationError({"to_user": _("The successor must be in the team.")})
    CoordinatorHandover.objects.filter(case=case, status=CoordinatorHandover.Status.PENDING).update(
        status=CoordinatorHandover.Status.DECLINED, answered_at=timezone.now()
    )
    handover = CoordinatorHandover.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        from_user=_user(by),
        to_user=to_user,
        to_service=to_service,
    )
    audit.record(by, "create", handover, decision=decision)
    _notify([to_user], "handover_offered", case, dedupe=f"handover:{handover.pk}")
    return handover


@service
def answer_handover(handover: CoordinatorHandover, *, by: Actor, accept: bool) -> Case:
    user = _user(by)
    case = Case.objects.select_for_update().get(pk=handover.case_id)
    if handover.to_user_id != user.pk or handover.status != CoordinatorHandover.Status.PENDING:
        decision = policy.refuse("the handover is not offered to you")
        raise _refuse(by, "update", handover, decision)
    decision = _require(by, "view", case)
    handover.status = (
        CoordinatorHandover.Status.ACCEPTED if accept else CoordinatorHandover.Status.DECLINED
    )
    handover.answered_at = timezone.now()
    handover.save(update_fields=["status", "answered_at"])
    if accept:
        case.coordinator_id = handover.to_user_id
        case.coordinator_service_id = handover.to_service_id
        case.save(update_fields=["coordinator", "coordinator_service"])
        _bump(case)
    audit.record(by, "update", handover, decision=decision)
    _notify([handover.from_user], "handover_answered", case, dedupe=f"answered:{handover.pk}")
    return case


@service
def invite_sender(concern: IncomingConcern, *, by: Actor) -> TeamMember:
    """The coordinator brings the sender of a new concern into the team (consent permitting)."""
    member = add_team_member(
        concern.case,
        by=by,
        organisation=concern.sender_service,
        user=concern.sender,
        role="sent a concern",
    )
    concern.handled_at = timezone.now()
    concern.save(update_fields=["handled_at"])
    return member
