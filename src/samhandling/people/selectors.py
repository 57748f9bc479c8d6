"""Every read of persons: fetch and authorise at once, audited."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from typing import Any

from django.db.models import CharField, Func, Q, Value
from django.db.models.functions import Upper
from django.http import Http404

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config.compiled import CompiledQuery
from samhandling.organisations.actors import Actor

from .models import FamilyRelation, Person, PersonFound

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


def search_persons(actor: Actor, query: str) -> list[PersonFound]:
    """Persons matching a name or an identity number, among those the actor may see: the
    first SEARCH_LIMIT by family name and given name."""
    query = query.strip()
    scope = policy.person_scope_of(actor)
    if len(query) < 2 or "\x00" in query or scope is None:  # no name or number holds a NUL
        results: list[PersonFound] = []
    else:
        digits = re.sub(r"\D", "", query)
        if len(digits) >= 6 and len(digits) == len(re.sub(r"[\s.\-+]", "", query)):
            results = [_found(row) for row in _BY_NUMBER.rows(scope, digits)]
        else:
            results = _by_name(scope, query.split()[:MAX_WORDS])
    # One append to the audit chain for the whole list, each result with its own decision.
    reads = [(person, policy.decide(actor, "search", person)) for person in results]
    audit.record_each(actor, "view", reads, purpose="search")
    return results


class Bytewise(Func):
    """An expression compared and sorted by its characters' codes (PostgreSQL's collation
    "C"; SQLite's own comparison already is): a btree index on it then also serves `LIKE
    'prefix%'` as a range, which the database's collation (C.UTF-8) does not."""

    template = '(%(expressions)s COLLATE "C")'
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return compiler.compile(self.source_expressions[0])


def _name_key(field: str) -> Bytewise:
    return Bytewise(Upper(field))


def _begins(field: str, word: str) -> Q:
    """The name in `field` begins with `word`, whatever the case (both upper-cased by the
    database, so that they are upper-cased alike)."""
    return Q(**{f"{field}_key__startswith": Upper(Value(word))})


# A row of a search: the fields of PersonFound, in its order, then the two keys it is sorted
# by (as the database wrote them: the merge of _by_name sorts by them too).
FOUND = tuple(field.name for field in dataclasses.fields(PersonFound))
_KEYS = ("family_name_key", "given_name_key")


def _found(row: tuple[Any, ...]) -> PersonFound:
    return PersonFound(*row[: len(FOUND)])


def _in_scope(municipality_id: int) -> Any:
    return Person.objects.filter(policy.persons_in_scope(municipality_id)).annotate(
        family_name_key=_name_key("family_name"), given_name_key=_name_key("given_name")
    )


def _rows(persons: Any) -> Any:
    return persons.order_by(*_KEYS, "pk").values_list(*FOUND, *_KEYS)[:SEARCH_LIMIT]


def _named(municipality_id: int, words: list[str], *, by_family_name: int | None) -> Any:
    """The first persons in scope of whom each of `words` begins the given or the family name,
    by name: with `by_family_name` the index of a word, those whose family name begins with
    that word; with None, those whose given name begins with every word."""
    if by_family_name is None:
        match = Q()
        for word in words:
            match &= _begins("given_name", word)
    else:
        match = _begins("family_name", words[by_family_name])
        for index, word in enumerate(words):
            if index != by_family_name:
                match &= _begins("given_name", word) | _begins("family_name", word)
    return _rows(_in_scope(municipality_id).filter(match))


# Each part of the search is one walk of an index in name order, from where the word's names
# begin (people migration 0005), planned with its words (config/planning.py). Matching words
# anywhere in a name, PostgreSQL walked a large municipality's persons in name order until
# twenty matched, or fetched every person with a common name and sorted them: 150 ms in Oslo at
# national scale, against 0.1 ms for a family name now (bench/RESULTS.md).
MAX_WORDS = 4
_BY_FAMILY_NAME = [
    CompiledQuery(functools.partial(_named, by_family_name=index), prepared=False)
    for index in range(MAX_WORDS)
]
_BY_GIVEN_NAMES = CompiledQuery(functools.partial(_named, by_family_name=None), prepared=False)


def _by_name(municipality_id: int, words: list[str]) -> list[PersonFound]:
    """The first persons by name of whom each word begins the given or the family name. Each
    such person's family name begins with one of the words, or their given name with all of
    them: the first of each kind (one walk of the index each) hold the first of all, merged
    in the same order (the keys as the database wrote them)."""
    found: dict[int, tuple[Any, ...]] = {}
    for query in [*_BY_FAMILY_NAME[: len(words)], _BY_GIVEN_NAMES]:
        for row in query.rows(municipality_id, words):
            found.setdefault(row[0], row)
    ordered = sorted(found.values(), key=lambda row: (*row[len(FOUND) :], row[0]))
    return [_found(row) for row in ordered[:SEARCH_LIMIT]]


def _by_number(municipality_id: int, digits: str) -> Any:
    """The first persons in scope whose identity number starts with `digits`, by name."""
    return _rows(
        _in_scope(municipality_id)
        .alias(national_id_key=Bytewise("national_id"))
        .filter(national_id_key__startswith=digits)
    )


_BY_NUMBER = CompiledQuery(_by_number, prepared=False)


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
