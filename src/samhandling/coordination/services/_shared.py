"""What every coordination service shares: the policy check, the actor's service,
notifications and the optimistic version check."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Sector

from ..models import (
    Case,
    Notification,
)

EMERGENCY_ACCESS_HOURS = 4
REFERRAL_ANSWER_DAYS = 14
HEALTH_SECTORS = frozenset({Sector.SCHOOL_HEALTH, Sector.FAMILY_HEALTH, Sector.MENTAL_HEALTH})


_AUDIT_ACTIONS = {"view", "create", "update", "delete", "export"}
P = ParamSpec("P")
T = TypeVar("T")


class ConflictError(Exception):
    """Someone else saved first; carries the current state so nothing is lost."""

    def __init__(self, current: Any, *, expected: int, actual: int) -> None:
        super().__init__(f"version {expected} is out of date; now {actual}")
        self.current = current
        self.expected = expected
        self.actual = actual


class Refused(PermissionDenied):
    """A refusal by the policy inside a service. The service's transaction rolls back, and the
    outermost @service then records the refusal in the audit chain — outside that transaction,
    so that the refusal is kept although everything else of the attempt is undone."""

    def __init__(self, actor: Actor, action: str, record: Any, decision: policy.Decision,
                 purpose: str = "") -> None:  # fmt: skip
        super().__init__(decision.reason)
        self.actor, self.action, self.record = actor, action, record
        self.decision, self.purpose = decision, purpose


_depth: contextvars.ContextVar[int] = contextvars.ContextVar("service_depth", default=0)


def service(func: Callable[P, T]) -> Callable[P, T]:
    """A use case: one transaction, and its refusal audited even though the transaction is not."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        token = _depth.set(_depth.get() + 1)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except Refused as refusal:
            if _depth.get() == 1:  # the outermost use case records it, once
                audit.record(refusal.actor, refusal.action, refusal.record,
                             decision=refusal.decision, purpose=refusal.purpose)  # fmt: skip
            raise
        finally:
            _depth.reset(token)

    return wrapper


def _refuse(actor: Actor, action: str, record: Any, decision: policy.Decision,
            purpose: str = "") -> Refused:  # fmt: skip
    return Refused(actor, action if action in _AUDIT_ACTIONS else "update", record, decision,
                   purpose)  # fmt: skip


def _require(actor: Actor, action: policy.Action, record: Any) -> policy.Decision:
    decision = policy.decide(actor, action, record)
    if not decision:
        raise _refuse(actor, action, record, decision)
    return decision


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


def _bump(case: Case, expected_version: int | None = None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(case, expected=expected_version, actual=case.version)
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1)
    if not updated:
        current = Case.objects.get(pk=case.pk)
        raise ConflictError(current, expected=case.version, actual=current.version)
    case.version += 1


def _service_leaders(organisations: Any) -> list[Any]:
    from samhandling.organisations.models import Membership, Role

    return [
        m.user
        for m in Membership.objects.filter(
            organisation__in=organisations, role=Role.SERVICE_LEADER, is_active=True
        ).select_related("user")
    ]
