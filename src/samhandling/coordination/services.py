"""Every write in coordination: one function per use case, each a transaction with its policy
check and its audit event. Names follow the field's words (GLOSSARY.md)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.access.models import Consent, EmergencyAccess, LegalBasis
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Sector
from samhandling.people.models import FamilyRelation, Person

from .models import (
    Case,
    CoordinatorHandover,
    Evaluation,
    FamilyParticipant,
    Goal,
    IncomingConcern,
    Level,
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
    Visibility,
)

EMERGENCY_ACCESS_HOURS = 4
REFERRAL_ANSWER_DAYS = 14
HEALTH_SECTORS = frozenset(
    {Sector.SCHOOL_HEALTH, Sector.FAMILY_HEALTH, Sector.MENTAL_HEALTH}
)  # fmt: skip


class ConflictError(Exception):
    """Someone else saved first; carries the current state so nothing is lost."""

    def __init__(self, current: Any, *, expected: int, actual: int) -> None:
        super().__init__(f"version {expected} is out of date; now {actual}")
        self.current = current
        self.expected = expected
        self.actual = actual


def _require(actor: Actor, action: policy.Action, record: Any) -> policy.Decision:
    decision = policy.decide(actor, action, record)
    if not decision:
        audit.record(actor, action if action in _AUDIT_ACTIONS else "update", record,
                     decision=decision)  # fmt: skip
        raise PermissionDenied(decision.reason)
    return decision


_AUDIT_ACTIONS = {"view", "create", "update", "delete", "export"}


def _service(actor: Actor) -> Organisation:
    if actor.organisation is None:
        raise PermissionDenied("no organisation")
    return actor.organisation


def _user(actor: Actor) -> Any:
    if actor.user is None:
        raise PermissionDenied("not signed in")
    return actor.user


def _notify(users: Iterable[Any], kind: str, case: Case | None, dedupe: str = "") -> None:
    for user in {u for u in users if u is not None}:
        key = f"{dedupe}:{user.pk}" if dedupe else ""
        if key and Notification.objects.filter(user=user, dedupe_key=key).exists():
            continue
        Notification.objects.create(user=user, kind=kind, case=case, dedupe_key=key)


# --- persons and cases -------------------------------------------------------------------


def possible_duplicates(
    actor: Actor, *, national_id: str = "", given_name: str = "", family_name: str = "",
    date_of_birth: datetime.date | None = None,
) -> list[Person]:  # fmt: skip
    """Persons who may be the one being registered: same number, or same name and birth date."""
    scope = Person.objects.filter(policy.persons_visible_to(actor))
    found: list[Person] = []
    if national_id:
        found += list(scope.filter(national_id=national_id.replace(" ", "")))
    if given_name and family_name and date_of_birth:
        found += list(
            scope.filter(
                given_name__iexact=given_name.strip(), family_name__iexact=family_name.strip(),
                date_of_birth=date_of_birth,
            ).exclude(pk__in=[p.pk for p in found])
        )  # fmt: skip
    for person in found:
        audit.record(actor, "view", person, decision=policy.decide(actor, "search", person),
                     purpose="duplicate check")  # fmt: skip
    return found


@dataclass(frozen=True)
class ConcernResult:
    """Either a new case (the sender is its coordinator) or a concern passed to an existing one.

    The sender is told the same either way: the concern is registered. Whether the child
    already has a case is not theirs to know.
    """

    case: Case | None
    forwarded: bool


@transaction.atomic
def record_concern(
    person: Person, *, by: Actor, text: str, childs_words: str = "",
    observed_on: datetime.date | None = None,
) -> ConcernResult:  # fmt: skip
    """A professional records a concern: opens a case, or passes it to the child's open case."""
    decision = policy.may_open_case(by, person.municipality_id)
    if not decision:
        audit.record(
            by,
            "create",
            audit.Subject("coordination.case", "", person.pk, person.municipality_id),
            decision=decision,
        )
        raise PermissionDenied(decision.reason)
    service = _service(by)
    user = _user(by)
    if not text.strip():
        raise ValidationError({"text": _("Describe what you observed.")})
    existing = (
        Case.objects.select_for_update()
        .filter(person=person, municipality_id=person.municipality_id)
        .exclude(status=Case.Status.CLOSED)
        .first()
    )
    if existing is not None and not policy.case_access(by, existing).standing:
        concern = IncomingConcern.objects.create(
            case=existing, municipality_id=existing.municipality_id, sender=user,
            sender_service=service, text=text, childs_words=childs_words,
        )  # fmt: skip
        audit.record(by, "create", concern, decision=decision, purpose="concern")
        _notify([existing.coordinator], "incoming_concern", existing,
                dedupe=f"incoming:{concern.pk}")  # fmt: skip
        return ConcernResult(case=None, forwarded=True)
    case = existing
    if case is None:
        case = Case.objects.create(
            person=person, municipality_id=person.municipality_id, level=Level.CLARIFY,
            coordinator=user, coordinator_service=service, opened_by=user,
        )  # fmt: skip
        LevelChange.objects.create(case=case, municipality_id=case.municipality_id,
                                   from_level=None, to_level=Level.CLARIFY, changed_by=user,
                                   reason="concern recorded")  # fmt: skip
        TeamMember.objects.create(case=case, municipality_id=case.municipality_id,
                                  organisation=service, user=user, role="coordinator")  # fmt: skip
        Plan.objects.create(case=case, municipality_id=case.municipality_id)
        audit.record(by, "create", case, decision=decision, purpose="concern")
    entry = LogEntry.objects.create(
        case=case, municipality_id=case.municipality_id, kind=LogEntry.Kind.CONCERN,
        text=text, childs_words=childs_words,
        occurred_on=observed_on or timezone.localdate(), author=user, service=service,
        sector=service.sector, visibility=Visibility.TEAM,
    )  # fmt: skip
    audit.record(by, "create", entry, decision=decision)
    return ConcernResult(case=case, forwarded=False)


def _bump(case: Case, expected_version: int | None = None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(case, expected=expected_version, actual=case.version)
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1)
    if not updated:
        current = Case.objects.get(pk=case.pk)
        raise ConflictError(current, expected=case.version, actual=current.version)
    case.version += 1


@transaction.atomic
def change_level(case: Case, *, by: Actor, level: int, reason: str,
                 expected_version: int | None = None) -> Case:  # fmt: skip
    decision = _require(by, "update", case)
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a level from 0 to 3.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the level changes.")})
    previous = case.level
    _bump(case, expected_version)
    Case.objects.filter(pk=case.pk).update(level=level)
    case.level = level
    LevelChange.objects.create(case=case, municipality_id=case.municipality_id,
                               from_level=previous, to_level=level, changed_by=_user(by),
                               reason=reason)  # fmt: skip
    audit.record(by, "update", case, decision=decision, purpose="level")
    return case


@transaction.atomic
def request_closing(case: Case, *, by: Actor, reason: str) -> Case:
    """Closes a level 0–1 case at once; a level 2–3 case waits for a service leader."""
    decision = _require(by, "close", case)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is closed.")})
    case.close_reason = reason
    case.close_requested_by = _user(by)
    if case.level >= Level.TWO_SERVICES:
        case.status = Case.Status.CLOSING
        leaders = _service_leaders(
            TeamMember.objects.filter(case=case, left_at__isnull=True).values("organisation")
        )
        _notify(leaders, "closing_to_approve", case, dedupe=f"closing:{case.pk}:{case.version}")
    else:
        case.status = Case.Status.CLOSED
        case.closed_at = timezone.now()
    case.save(update_fields=["status", "close_reason", "close_requested_by", "closed_at"])
    _bump(case)
    audit.record(by, "update", case, decision=decision, purpose="close")
    return case


def _service_leaders(organisations: Any) -> list[Any]:
    from samhandling.organisations.models import Membership, Role

    return [
        m.user
        for m in Membership.objects.filter(
            organisation__in=organisations, role=Role.SERVICE_LEADER, is_active=True
        ).select_related("user")
    ]


@transaction.atomic
def approve_closing(case: Case, *, by: Actor) -> Case:
    decision = _require(by, "approve_close", case)
    if case.status != Case.Status.CLOSING:
        raise ValidationError(_("The case is not waiting for approval to close."))
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])
    _bump(case)
    audit.record(by, "update", case, decision=decision, purpose="approve closing")
    return case


@transaction.atomic
def reopen(case: Case, *, by: Actor, reason: str) -> Case:
    """A closed case is opened again by a member of its team."""
    access = policy.case_access(by, case)
    if access.standing not in ("member", "coordinator"):
        decision = policy.refuse(access.reason if not access.standing else "members reopen")
        audit.record(by, "update", case, decision=decision)
        raise PermissionDenied(decision.reason)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    case.status = Case.Status.OPEN
    case.closed_at = None
    case.save(update_fields=["status", "closed_at"])
    _bump(case)
    LogEntry.objects.create(
        case=case, municipality_id=case.municipality_id, kind=LogEntry.Kind.DECISION,
        text=str(_("Case reopened: %(reason)s") % {"reason": reason}),
        occurred_on=timezone.localdate(), author=_user(by), service=_service(by),
        sector=_service(by).sector,
    )  # fmt: skip
    audit.record(by, "update", case, decision=policy.grant(access.reason), purpose="reopen")
    return case


# --- relay log -----------------------------------------------------------------------------


@transaction.atomic
def add_log_entry(
    case: Case, *, by: Actor, kind: str, text: str, occurred_on: datetime.date | None = None,
    visibility: str = Visibility.TEAM, visible_sectors: list[str] | None = None,
    family_visible: bool = False, hidden_from_guardians: bool = False, childs_words: str = "",
    replaces: LogEntry | None = None,
) -> LogEntry:  # fmt: skip
    decision = _require(by, "update", case)
    service = _service(by)
    entry = LogEntry(
        case=case, municipality_id=case.municipality_id, kind=kind, text=text,
        childs_words=childs_words, occurred_on=occurred_on or timezone.localdate(),
        author=_user(by), service=service, sector=service.sector, visibility=visibility,
        visible_sectors=sorted(set(visible_sectors or [])), family_visible=family_visible,
        hidden_from_guardians=hidden_from_guardians, replaces=replaces,
    )  # fmt: skip
    if visibility == Visibility.SECTORS and not entry.visible_sectors:
        raise ValidationError({"visible_sectors": _("Name the sectors that may see the entry.")})
    entry.full_clean()
    entry.save()
    audit.record(by, "create", entry, decision=decision)
    return entry


@transaction.atomic
def correct_log_entry(entry: LogEntry, *, by: Actor, text: str, **changes: Any) -> LogEntry:
    """A correction is a new version that replaces the old; the old one stays in the history."""
    decision = policy.decide(by, "update", entry)
    if not decision:
        audit.record(by, "update", entry, decision=decision)
        raise PermissionDenied(decision.reason)
    current = LogEntry.objects.select_for_update().get(pk=entry.pk)
    if hasattr(current, "replaced_by"):
        raise ValidationError(_("This version has already been corrected; correct the newest."))
    fields = {
        "kind": current.kind, "occurred_on": current.occurred_on,
        "visibility": current.visibility, "visible_sectors": current.visible_sectors,
        "family_visible": current.family_visible,
        "hidden_from_guardians": current.hidden_from_guardians,
        "childs_words": current.childs_words,
    }  # fmt: skip
    fields.update(changes)
    return add_log_entry(current.case, by=by, text=text, replaces=current, **fields)


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


@transaction.atomic
def add_team_member(case: Case, *, by: Actor, organisation: Organisation, user: Any = None,
                    role: str = "") -> TeamMember:  # fmt: skip
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
            {"organisation": _("No valid consent or legal basis lets this service in. "
                               "Record the family's consent first.")}
        )  # fmt: skip
    existing = TeamMember.objects.filter(case=case, organisation=organisation, user=user,
                                         left_at__isnull=True).first()  # fmt: skip
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


@transaction.atomic
def remove_team_member(member: TeamMember, *, by: Actor) -> TeamMember:
    decision = _require(by, "manage_team", member.case)
    if member.case.coordinator_id and member.user_id == member.case.coordinator_id:
        raise ValidationError(_("Hand over the coordinator role before leaving the team."))
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    audit.record(by, "update", member, decision=decision)
    return member


@transaction.atomic
def add_family_participant(case: Case, *, by: Actor, person: Person,
                           role: str = "") -> FamilyParticipant:  # fmt: skip
    decision = _require(by, "manage_team", case)
    related = (
        person.pk == case.person_id
        or FamilyRelation.objects.filter(person_id=case.person_id, relative=person).exists()
    )
    if not related:
        raise ValidationError({"person": _("Only the child and their family take part.")})
    participant, _created = FamilyParticipant.objects.get_or_create(
        case=case, person=person,
        defaults={"municipality_id": case.municipality_id, "role": role},
    )  # fmt: skip
    audit.record(by, "create", participant, decision=decision)
    return participant


@transaction.atomic
def propose_coordinator(case: Case, *, by: Actor, to_user: Any,
                        to_service: Organisation) -> CoordinatorHandover:  # fmt: skip
    """The baton is offered; the current coordinator keeps it until the successor accepts."""
    decision = _require(by, "manage_team", case)
    if not TeamMember.objects.filter(case=case, organisation=to_service, user=to_user,
                                     left_at__isnull=True).exists():  # fmt: skip
        raise ValidationError({"to_user": _("The successor must be in the team.")})
    CoordinatorHandover.objects.filter(case=case, status=CoordinatorHandover.Status.PENDING).update(
        status=CoordinatorHandover.Status.DECLINED, answered_at=timezone.now()
    )
    handover = CoordinatorHandover.objects.create(
        case=case, municipality_id=case.municipality_id, from_user=_user(by), to_user=to_user,
        to_service=to_service,
    )  # fmt: skip
    audit.record(by, "create", handover, decision=decision)
    _notify([to_user], "handover_offered", case, dedupe=f"handover:{handover.pk}")
    return handover


@transaction.atomic
def answer_handover(handover: CoordinatorHandover, *, by: Actor, accept: bool) -> Case:
    user = _user(by)
    case = Case.objects.select_for_update().get(pk=handover.case_id)
    if handover.to_user_id != user.pk or handover.status != CoordinatorHandover.Status.PENDING:
        decision = policy.refuse("the handover is not offered to you")
        audit.record(by, "update", handover, decision=decision)
        raise PermissionDenied(decision.reason)
    decision = _require(by, "view", case)
    handover.status = (CoordinatorHandover.Status.ACCEPTED if accept
                       else CoordinatorHandover.Status.DECLINED)  # fmt: skip
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


# --- consent, legal basis, emergency access --------------------------------------------------


def _age(person: Person, on: datetime.date) -> int:
    return person.age_on(on)


def _may_consent_for(given_by: Person, child: Person, sectors: Iterable[str],
                     on: datetime.date) -> str | None:  # fmt: skip
    """Returns why the person cannot give this consent, or None when they can."""
    age = _age(child, on)
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
            return str(_("From 16 a youth consents to health matters; guardians to the rest "
                         "until 18."))  # fmt: skip
        return str(_("A child under 16 is represented by a guardian."))
    if not is_guardian:
        return str(_("Only a guardian with parental responsibility, or the youth, can consent."))
    if age >= 18:
        return str(_("From 18 the young person consents for themselves."))
    if age >= 16 and sectors & HEALTH_SECTORS:
        return str(_("From 16 the youth consents to health matters themselves."))
    return None


@transaction.atomic
def record_consent(
    case: Case, *, by: Actor, given_by: Person, form: str, purpose: str, sectors: list[str],
    services: list[Organisation], professionals: list[Any] | None = None,
    valid_from: datetime.date | None = None, valid_to: datetime.date | None = None,
) -> Consent:  # fmt: skip
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
        municipality_id=case.municipality_id, case=case, person=case.person, given_by=given_by,
        form=form, purpose=purpose, sectors=sorted(set(sectors)), valid_from=valid_from,
        valid_to=valid_to, recorded_by=_user(by),
    )  # fmt: skip
    consent.services.set(services)
    consent.professionals.set(professionals or [])
    audit.record(by, "create", consent, decision=decision)
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, by: Actor, reason: str = "") -> Consent:
    """Takes effect at once: the next request no longer sees what the consent let through."""
    decision = _require(by, "manage_consent", consent.case)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is None:
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason[:300]
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit.record(by, "update", locked, decision=decision, purpose="withdraw consent")
        members = TeamMember.objects.filter(case=consent.case, left_at__isnull=True)
        _notify([m.user for m in members], "consent_withdrawn", consent.case,
                dedupe=f"withdrawn:{consent.pk}")  # fmt: skip
    return locked


@transaction.atomic
def record_legal_basis(
    case: Case, *, by: Actor, law: str, description: str, from_service: Organisation,
    to_service: Organisation, sectors: list[str], valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> LegalBasis:  # fmt: skip
    decision = _require(by, "manage_consent", case)
    if from_service != _service(by):
        raise ValidationError({"from_service": _("A legal basis is recorded by the service "
                                                 "that shares.")})  # fmt: skip
    if to_service.municipality_id != case.municipality_id:
        raise ValidationError({"to_service": _("Choose a service in the child's municipality.")})
    if not sectors:
        raise ValidationError({"sectors": _("Choose which information may be shared.")})
    basis = LegalBasis(
        municipality_id=case.municipality_id, case=case, law=law, description=description,
        from_service=from_service, to_service=to_service, sectors=sorted(set(sectors)),
        valid_from=valid_from or timezone.localdate(), valid_to=valid_to, recorded_by=_user(by),
    )  # fmt: skip
    basis.full_clean()
    basis.save()
    audit.record(by, "create", basis, decision=decision)
    return basis


@transaction.atomic
def open_emergency_access(case: Case, *, by: Actor, reason: str) -> EmergencyAccess:
    """Break-glass: time-limited, flagged, and listed for the service leader to review."""
    decision = policy.decide(by, "emergency", case)
    if not decision:
        audit.record(by, "view", case, decision=decision, purpose="emergency access")
        raise PermissionDenied(decision.reason)
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("State the reason for emergency access.")})
    access = EmergencyAccess.objects.create(
        municipality_id=case.municipality_id, case=case, user=_user(by),
        organisation=_service(by), reason=reason,
        expires_at=timezone.now() + datetime.timedelta(hours=EMERGENCY_ACCESS_HOURS),
    )  # fmt: skip
    audit.record(by, "create", access, decision=decision, purpose="emergency access",
                 reason=f"emergency: {reason[:250]}")  # fmt: skip
    _notify(_service_leaders([_service(by)]), "emergency_to_review", case,
            dedupe=f"emergency:{access.pk}")  # fmt: skip
    return access


@transaction.atomic
def review_emergency_access(access: EmergencyAccess, *, by: Actor, note: str) -> EmergencyAccess:
    decision = _require(by, "update", access)
    access.reviewed_by = _user(by)
    access.reviewed_at = timezone.now()
    access.review_note = note[:500]
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit.record(by, "update", access, decision=decision, purpose="review emergency access")
    return access


# --- plan ------------------------------------------------------------------------------------


def _plan_for_edit(plan: Plan, by: Actor, expected_version: int | None) -> policy.Decision:
    decision = _require(by, "update", plan.case)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(locked, expected=expected_version, actual=locked.version)
    return decision


def _bump_plan(plan: Plan, by: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1, updated_by=_user(by),
                                           updated_at=timezone.now())  # fmt: skip
    plan.refresh_from_db(fields=["version", "updated_by", "updated_at"])


@transaction.atomic
def update_plan_summary(plan: Plan, *, by: Actor, summary: str, expected_version: int) -> Plan:
    decision = _plan_for_edit(plan, by, expected_version)
    plan.summary = summary
    plan.save(update_fields=["summary"])
    _bump_plan(plan, by)
    audit.record(by, "update", plan, decision=decision)
    return plan


def _item_fields(plan: Plan, by: Actor, visibility: str, visible_sectors: list[str] | None,
                 family_visible: bool) -> dict[str, Any]:  # fmt: skip
    service = _service(by)
    return {
        "plan": plan, "municipality_id": plan.municipality_id, "service": service,
        "sector": service.sector, "visibility": visibility,
        "visible_sectors": sorted(set(visible_sectors or [])), "family_visible": family_visible,
        "created_by": _user(by),
    }  # fmt: skip


@transaction.atomic
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


@transaction.atomic
def add_measure(
    plan: Plan, *, by: Actor, title: str, responsible_service: Organisation,
    starts: datetime.date, ends: datetime.date | None = None, responsible_user: Any = None,
    frequency: str = "", goal: Goal | None = None, expected_version: int | None = None,
    visibility: str = Visibility.TEAM, visible_sectors: list[str] | None = None,
    family_visible: bool = True,
) -> Measure:  # fmt: skip
    """A service commits to a measure in the child's plan."""
    decision = _plan_for_edit(plan, by, expected_version)
    in_team = TeamMember.objects.filter(case_id=plan.case_id, organisation=responsible_service,
                                        left_at__isnull=True).exists()  # fmt: skip
    if not in_team:
        raise ValidationError({"responsible_service": _("The responsible service must be in "
                                                        "the team.")})  # fmt: skip
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("Choose a goal of this plan.")})
    measure = Measure(
        title=title, responsible_service=responsible_service, responsible_user=responsible_user,
        starts=starts, ends=ends, frequency=frequency, goal=goal,
        **_item_fields(plan, by, visibility, visible_sectors, family_visible),
    )  # fmt: skip
    measure.full_clean()
    measure.save()
    _bump_plan(plan, by)
    audit.record(by, "create", measure, decision=decision)
    return measure


@transaction.atomic
def set_measure_status(measure: Measure, *, by: Actor, status: str,
                       expected_version: int | None = None) -> Measure:  # fmt: skip
    decision = _plan_for_edit(measure.plan, by, expected_version)
    if status not in Measure.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    measure.status = status
    measure.save(update_fields=["status"])
    _bump_plan(measure.plan, by)
    audit.record(by, "update", measure, decision=decision)
    return measure


@transaction.atomic
def set_goal_status(goal: Goal, *, by: Actor, status: str,
                    expected_version: int | None = None) -> Goal:  # fmt: skip
    decision = _plan_for_edit(goal.plan, by, expected_version)
    if status not in Goal.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    goal.status = status
    goal.save(update_fields=["status"])
    _bump_plan(goal.plan, by)
    audit.record(by, "update", goal, decision=decision)
    return goal


@transaction.atomic
def add_evaluation(plan: Plan, *, by: Actor, outcome: str, text: str, goal: Goal | None = None,
                   measure: Measure | None = None, expected_version: int | None = None,
                   family_visible: bool = True) -> Evaluation:  # fmt: skip
    decision = _plan_for_edit(plan, by, expected_version)
    if goal is None and measure is None:
        raise ValidationError({"goal": _("Choose the goal or measure you evaluate.")})
    evaluation = Evaluation(
        goal=goal, measure=measure, outcome=outcome, text=text,
        **_item_fields(plan, by, Visibility.TEAM, None, family_visible),
    )  # fmt: skip
    evaluation.full_clean()
    evaluation.save()
    _bump_plan(plan, by)
    audit.record(by, "create", evaluation, decision=decision)
    return evaluation


# --- meetings and tasks ----------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(case: Case, *, by: Actor, starts_at: datetime.datetime, place: str = "",
                     agenda: str = "", participants: list[TeamMember] | None = None,
                     family: list[FamilyParticipant] | None = None) -> Meeting:  # fmt: skip
    decision = _require(by, "update", case)
    meeting = Meeting.objects.create(
        case=case, municipality_id=case.municipality_id, starts_at=starts_at, place=place,
        agenda=agenda, created_by=_user(by),
    )  # fmt: skip
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


@transaction.atomic
def record_minutes(meeting: Meeting, *, by: Actor, minutes: str,
                   actions: list[AgreedAction] | None = None) -> Meeting:  # fmt: skip
    """Minutes, and the agreed actions: each becomes a measure in the plan or a task."""
    decision = _require(by, "update", meeting)
    meeting.minutes = minutes
    meeting.save(update_fields=["minutes"])
    audit.record(by, "update", meeting, decision=decision)
    plan = meeting.case.plan
    for action in actions or []:
        if action.as_measure:
            add_measure(plan, by=by, title=action.title, responsible_service=action.service,
                        responsible_user=action.assignee, starts=timezone.localdate(),
                        ends=action.due)  # fmt: skip
        else:
            task = Task.objects.create(
                case=meeting.case, municipality_id=meeting.municipality_id, meeting=meeting,
                title=action.title, assignee=action.assignee, service=action.service,
                due=action.due,
            )  # fmt: skip
            audit.record(by, "create", task, decision=decision)
            _notify([action.assignee], "task_assigned", meeting.case, dedupe=f"task:{task.pk}")
    return meeting


@transaction.atomic
def complete_task(task: Task, *, by: Actor) -> Task:
    decision = _require(by, "update", task)
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    audit.record(by, "update", task, decision=decision)
    return task


# --- referrals -------------------------------------------------------------------------------


@transaction.atomic
def refer(
    case: Case, *, by: Actor, to_service: Organisation, reason: str,
    consent: Consent | None = None, legal_basis: LegalBasis | None = None,
    answer_within_days: int = REFERRAL_ANSWER_DAYS,
) -> Referral:  # fmt: skip
    """A service asks another for help, with the consent or legal basis that allows it."""
    decision = _require(by, "refer", case)
    service = _service(by)
    errors: dict[str, Any] = {}
    if to_service.municipality_id != case.municipality_id or to_service == service:
        errors["to_service"] = _("Choose another service in the child's municipality.")
    if consent is None and legal_basis is None:
        errors["consent"] = _("Choose the consent or legal basis that allows the referral.")
    if consent is not None and (
        consent.case_id != case.pk or not consent.is_valid_on()
        or not consent.services.filter(pk=to_service.pk).exists()
    ):  # fmt: skip
        errors["consent"] = _("The consent is not valid for this service.")
    if legal_basis is not None and (
        legal_basis.case_id != case.pk or legal_basis.to_service_id != to_service.pk
        or not legal_basis.is_valid_on()
    ):  # fmt: skip
        errors["legal_basis"] = _("The legal basis does not name this exchange.")
    if not reason.strip():
        errors["reason"] = _("Say what you ask the service for.")
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        case=case, municipality_id=case.municipality_id, from_service=service,
        to_service=to_service, reason=reason, consent=consent, legal_basis=legal_basis,
        sent_by=_user(by),
        answer_due=timezone.localdate() + datetime.timedelta(days=answer_within_days),
    )  # fmt: skip
    audit.record(by, "create", referral, decision=decision)
    _notify(_service_leaders([to_service]), "referral_received", None,
            dedupe=f"referral:{referral.pk}")  # fmt: skip
    return referral


def _answer(referral: Referral, by: Actor, allowed_from: tuple[str, ...], to: str) -> Referral:
    decision = policy.decide(by, "answer", referral)
    if not decision:
        audit.record(by, "update", referral, decision=decision)
        raise PermissionDenied(decision.reason)
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


@transaction.atomic
def mark_referral_received(referral: Referral, *, by: Actor) -> Referral:
    return _answer(referral, by, (Referral.Status.SENT,), Referral.Status.RECEIVED)


@transaction.atomic
def accept_referral(referral: Referral, *, by: Actor) -> Referral:
    """The receiving service accepts and joins the team (the referral's basis lets it in)."""
    accepted = _answer(referral, by, (Referral.Status.SENT, Referral.Status.RECEIVED),
                       Referral.Status.ACCEPTED)  # fmt: skip
    service = _service(by)
    user = _user(by)
    if not TeamMember.objects.filter(case=accepted.case, organisation=service, user=user,
                                     left_at__isnull=True).exists():  # fmt: skip
        member = TeamMember.objects.create(
            case=accepted.case,
            municipality_id=accepted.municipality_id,
            organisation=service,
            user=user,
            role="referral",
        )
        audit.record(by, "create", member, decision=policy.grant("accepted referral"))
    return accepted


@transaction.atomic
def decline_referral(referral: Referral, *, by: Actor, reason: str) -> Referral:
    if not reason.strip():
        raise ValidationError({"decline_reason": _("Say why the referral is declined.")})
    Referral.objects.filter(pk=referral.pk).update(decline_reason=reason[:500])
    return _answer(referral, by, (Referral.Status.SENT, Referral.Status.RECEIVED),
                   Referral.Status.DECLINED)  # fmt: skip


@transaction.atomic
def complete_referral(referral: Referral, *, by: Actor) -> Referral:
    return _answer(referral, by, (Referral.Status.ACCEPTED,), Referral.Status.COMPLETED)


# --- transitions -----------------------------------------------------------------------------

DEFAULT_CHECKLISTS = {
    Transition.Kind.KINDERGARTEN_SCHOOL: ["Transition meeting", "Consent to share",
                                          "Handover of plan", "Follow-up after start"],
    Transition.Kind.LOWER_UPPER_SECONDARY: ["Transition meeting", "Consent to share",
                                            "Handover of plan", "Contact at the new school"],
    Transition.Kind.SCHOOL_WORK: ["Meeting with NAV", "Consent to share", "Handover of plan"],
    Transition.Kind.ADULT_SERVICES: ["Meeting with the youth", "The youth's own consent",
                                     "Adult services named", "Handover of plan"],
    Transition.Kind.MOVING: ["New municipality informed", "New consent", "Handover of plan"],
}  # fmt: skip


@transaction.atomic
def plan_transition(
    case: Case, *, by: Actor, kind: str, planned_for: datetime.date,
    from_service: Organisation | None = None, to_service: Organisation | None = None,
    to_municipality: Region | None = None, checklist: list[str] | None = None,
) -> Transition:  # fmt: skip
    decision = _require(by, "update", case)
    if kind == Transition.Kind.MOVING and to_municipality is None:
        raise ValidationError({"to_municipality": _("Choose the municipality the child moves to.")})
    items = (
        checklist if checklist is not None else DEFAULT_CHECKLISTS.get(Transition.Kind(kind), [])
    )
    transition = Transition(
        case=case, municipality_id=case.municipality_id, kind=kind, planned_for=planned_for,
        from_service=from_service, to_service=to_service, to_municipality=to_municipality,
        checklist=[{"item": str(item), "done": False} for item in items], created_by=_user(by),
    )  # fmt: skip
    transition.full_clean()
    transition.save()
    audit.record(by, "create", transition, decision=decision)
    return transition


@transaction.atomic
def tick_transition_item(transition: Transition, *, by: Actor, index: int,
                         done: bool) -> Transition:  # fmt: skip
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


@transaction.atomic
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
    person = case.person
    person.municipality = destination
    person.save(update_fields=["municipality"])
    audit.record(by, "update", person, decision=policy.grant("moving transition completed"))
    new_case = Case.objects.create(
        person=person, municipality=destination, level=case.level,
        opened_by=_user(by), previous_case=case,
    )  # fmt: skip
    Plan.objects.create(case=new_case, municipality=destination)
    if transition.to_service is not None:
        TeamMember.objects.create(
            case=new_case,
            municipality=destination,
            organisation=transition.to_service,
            role="receiving service",
        )
        _notify(_service_leaders([transition.to_service]), "case_moved_in", new_case,
                dedupe=f"moved:{new_case.pk}")  # fmt: skip
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
                    case=case, municipality_id=case.municipality_id,
                    kind=Transition.Kind.ADULT_SERVICES, planned_for=birthday,
                    status=Transition.Status.PROPOSED,
                    checklist=[{"item": i, "done": False}
                               for i in DEFAULT_CHECKLISTS[Transition.Kind.ADULT_SERVICES]],
                )  # fmt: skip
                audit.record(None, "create", transition, reason="18th birthday within 6 months")
                _notify([case.coordinator], "adult_transition_proposed", case,
                        dedupe=f"adult:{case.pk}")  # fmt: skip
            created += 1
    return created


def _eighteenth_birthday(born: datetime.date) -> datetime.date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 18, day=28)


@transaction.atomic
def mark_notifications_read(*, by: Actor) -> int:
    return Notification.objects.filter(user=_user(by), read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def invite_sender(concern: IncomingConcern, *, by: Actor) -> TeamMember:
    """The coordinator brings the sender of a new concern into the team (consent permitting)."""
    member = add_team_member(concern.case, by=by, organisation=concern.sender_service,
                             user=concern.sender, role="sent a concern")  # fmt: skip
    concern.handled_at = timezone.now()
    concern.save(update_fields=["handled_at"])
    return member
