"""Concerns open cases; levels, closing and reopening."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person

from ..models import (
    Case,
    IncomingConcern,
    Level,
    LevelChange,
    LogEntry,
    Notification,
    Plan,
    TeamMember,
    Visibility,
)
from ._shared import (
    _bump,
    _notify,
    _refuse,
    _require,
    _service,
    _service_leaders,
    _user,
    service,
)

# --- persons and cases -------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernResult:
    """Either a new case (the sender is its coordinator) or a concern passed to an existing one.

    The sender is told the same either way: the concern is registered. Whether the child
    already has a case is not theirs to know.
    """

    case: Case | None
    forwarded: bool


@service
def record_concern(
    person: Person,
    *,
    by: Actor,
    text: str,
    childs_words: str = "",
    observed_on: datetime.date | None = None,
) -> ConcernResult:
    """A professional records a concern: opens a case, or passes it to the child's open case."""
    decision = policy.may_open_case(by, person.municipality_id)
    if not decision:
        subject = audit.Subject("coordination.case", "", person.pk, person.municipality_id)
        raise _refuse(by, "create", subject, decision)
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
            case=existing,
            municipality_id=existing.municipality_id,
            sender=user,
            sender_service=service,
            text=text,
            childs_words=childs_words,
        )
        audit.record(by, "create", concern, decision=decision, purpose="concern")
        _notify(
            [existing.coordinator], "incoming_concern", existing, dedupe=f"incoming:{concern.pk}"
        )
        return ConcernResult(case=None, forwarded=True)
    case = existing
    if case is None:
        case = Case.objects.create(
            person=person,
            municipality_id=person.municipality_id,
            level=Level.CLARIFY,
            coordinator=user,
            coordinator_service=service,
            opened_by=user,
        )
        LevelChange.objects.create(
            case=case,
            municipality_id=case.municipality_id,
            from_level=None,
            to_level=Level.CLARIFY,
            changed_by=user,
            reason="concern recorded",
        )
        TeamMember.objects.create(
            case=case,
            municipality_id=case.municipality_id,
            organisation=service,
            user=user,
            role="coordinator",
        )
        Plan.objects.create(case=case, municipality_id=case.municipality_id)
        audit.record(by, "create", case, decision=decision, purpose="concern")
    entry = LogEntry.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        kind=LogEntry.Kind.CONCERN,
        text=text,
        childs_words=childs_words,
        occurred_on=observed_on or timezone.localdate(),
        author=user,
        service=service,
        sector=service.sector,
        visibility=Visibility.TEAM,
    )
    audit.record(by, "create", entry, decision=decision)
    return ConcernResult(case=case, forwarded=False)


@service
def change_level(
    case: Case, *, by: Actor, level: int, reason: str, expected_version: int | None = None
) -> Case:
    decision = _require(by, "update", case)
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a level from 0 to 3.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the level changes.")})
    previous = case.level
    _bump(case, expected_version)
    Case.objects.filter(pk=case.pk).update(level=level)
    case.level = level
    LevelChange.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        from_level=previous,
        to_level=level,
        changed_by=_user(by),
        reason=reason,
    )
    audit.record(by, "update", case, decision=decision, purpose="level")
    return case


@service
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


@service
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


@service
def reopen(case: Case, *, by: Actor, reason: str) -> Case:
    """A closed case is opened again by a member of its team."""
    access = policy.case_access(by, case)
    if access.standing not in ("member", "coordinator"):
        decision = policy.refuse(access.reason if not access.standing else "members reopen")
        raise _refuse(by, "update", case, decision)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    case.status = Case.Status.OPEN
    case.closed_at = None
    case.save(update_fields=["status", "closed_at"])
    _bump(case)
    LogEntry.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        kind=LogEntry.Kind.DECISION,
        text=str(_("Case reopened: %(reason)s") % {"reason": reason}),
        occurred_on=timezone.localdate(),
        author=_user(by),
        service=_service(by),
        sector=_service(by).sector,
    )
    audit.record(by, "update", case, decision=policy.grant(access.reason), purpose="reopen")
    return case


@service
def mark_notifications_read(*, by: Actor) -> int:
    return Notification.objects.filter(user=_user(by), read_at__isnull=True).update(
        read_at=timezone.now()
    )
