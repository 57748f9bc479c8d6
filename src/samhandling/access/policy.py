"""The one place that decides who may do what to which record, and why.

`decide(actor, action, record)` returns a Decision that is truthy or falsy and carries the
reason, which goes to the audit log and, in plain words, to the person refused. Views, the API
and exports never query personal tables on their own: selectors and services ask here first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Role
from samhandling.people.models import FamilyRelation, Person

Action = Literal["view", "create", "update", "delete", "export", "search"]

# Roles that work with individual children in a municipal service.
CASEWORK_ROLES = frozenset({Role.PROFESSIONAL, Role.SERVICE_LEADER})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def grant(reason: str) -> Decision:
    return Decision(True, reason)


def refuse(reason: str) -> Decision:
    return Decision(False, reason)


def _person_rule(actor: Actor, action: Action, person: Person) -> Decision:
    if not actor.has_role(*CASEWORK_ROLES):
        return refuse("role does not work with individual children")
    if actor.municipality_id != person.municipality_id:
        return refuse("person belongs to another municipality")
    if action in ("view", "search", "create", "update"):
        return grant("professional in the person's municipality")
    return refuse(f"{action} of persons is not allowed for this role")


def _family_relation_rule(actor: Actor, action: Action, relation: FamilyRelation) -> Decision:
    return _person_rule(actor, action, relation.person)


_RULES: dict[type, Callable[[Actor, Any, Any], Decision]] = {
    Person: _person_rule,
    FamilyRelation: _family_relation_rule,
}


def decide(actor: Actor, action: Action, record: object) -> Decision:
    """May `actor` do `action` to `record`? Unknown records and anonymous actors: no."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if record is None:
        return refuse("no such record")
    rule = _RULES.get(type(record))
    if rule is None:
        return refuse(f"no rule for {type(record).__name__}")
    return rule(actor, action, record)


def require(actor: Actor, action: Action, record: object) -> Decision:
    """As decide, but raises PermissionDenied on a refusal."""
    decision = decide(actor, action, record)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


def persons_visible_to(actor: Actor) -> Q:
    """The persons an actor may find in a search: the same rule as _person_rule, as a filter."""
    if not actor.is_authenticated or not actor.has_role(*CASEWORK_ROLES):
        return Q(pk__in=[])
    if actor.municipality_id is None:
        return Q(pk__in=[])
    return Q(municipality_id=actor.municipality_id)


def may_create_person_in(actor: Actor, municipality_id: int) -> Decision:
    if not actor.is_authenticated:
        return refuse("not signed in")
    if not actor.has_role(*CASEWORK_ROLES):
        return refuse("role does not work with individual children")
    if actor.municipality_id != municipality_id:
        return refuse("person would belong to another municipality")
    return grant("professional in the person's municipality")
