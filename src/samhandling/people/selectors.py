"""Every read of persons: fetch and authorise at once, audited."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db.models import Q
from django.http import Http404

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config.compiled import CompiledQuery
from samhandling.organisations.actors import Actor

from .models import FamilyRelation, Person

SEARCH_LIMIT = 20


def get_person_for(actor: Actor, person_id: int, *, purpose: str = "") -> Person:
    """The person, if the actor may see them; else 404 (not found and not allowed look alike)."""
    person = Person.objects.select_related("municipality").filter(pk=person_id).first()
    decision = policy.decide(actor, "view", person)
    subject = person if person else Subject("people.person", str(person_id))
    audit.record(actor, "view", subject, decision=decision, purpose=purpose)
    if person is None or not decision:
        raise Http404
    return person


def family_of(actor: Actor, person: Person) -> list[FamilyRelation]:
    """The person's relatives (guardians, parents, siblings), each read audited."""
    relations = list(
        FamilyRelation.objects.filter(person=person)
        .select_related("relative")
        .order_by("kind", "relative__family_name", "relative__given_name")
    )
    audit.record_many(actor, "view", [r.relative for r in relations],
                      decision=policy.grant("family of a person the actor may see"),
                      purpose="family")  # fmt: skip
    return relations


def search_persons(actor: Actor, query: str) -> list[Person]:
    """Persons matching a name or an identity number, among those the actor may see."""
    query = query.strip()
    scope = policy.person_scope_of(actor)
    if len(query) < 2 or "\x00" in query or scope is None:  # no name or number holds a NUL
        results: list[Person] = []
    else:
        digits = re.sub(r"\D", "", query)
        if len(digits) >= 6 and len(digits) == len(re.sub(r"[\s.\-+]", "", query)):
            results = _MATCHING(scope, digits, None)
        else:
            results = _MATCHING(scope, None, query.split()[:4])
    # One append to the audit chain for the whole list, each result with its own decision.
    reads = [(person, policy.decide(actor, "search", person)) for person in results]
    audit.record_each(actor, "view", reads, purpose="search")
    return results


def _matching(municipality_id: int, digits: str | None, words: list[str] | None) -> Any:
    """The first persons in scope whose identity number starts with `digits`, or whose given
    or family name holds each of `words`, by name."""
    if digits is not None:
        match = Q(national_id__startswith=digits)
    else:
        match = Q()
        for word in words or []:
            match &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
    return (
        Person.objects.filter(policy.persons_in_scope(municipality_id))
        .filter(match)
        .select_related("municipality")
        .order_by("family_name", "given_name", "pk")[:SEARCH_LIMIT]
    )


# The search's SQL built once for each number of words (config/compiled.py), planned with its
# words each time (config/planning.py): a plan made once for any words cannot see how rare a
# name or a number's first digits are, and took up to 0.5 ms longer for three of five names.
_MATCHING = CompiledQuery(_matching, prepared=False)


def possible_duplicates(
    actor: Actor,
    *,
    national_id: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: datetime.date | None = None,
) -> list[Person]:
    """Persons who may be the one being registered: same number, or same name and birth date."""
    scope = Person.objects.filter(policy.persons_visible_to(actor))
    found: list[Person] = []
    if national_id:
        found += list(scope.filter(national_id=re.sub(r"\D", "", national_id)))
    if given_name and family_name and date_of_birth:
        found += list(
            scope.filter(
                given_name__iexact=given_name.strip(),
                family_name__iexact=family_name.strip(),
                date_of_birth=date_of_birth,
            ).exclude(pk__in=[p.pk for p in found])
        )
    audit.record_many(actor, "view", found, decision=policy.grant("possible duplicate"),
                      purpose="duplicate check")  # fmt: skip
    return found
