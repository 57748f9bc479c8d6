"""Every write of persons and family relations: policy check, validation, audit, one transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Region

from .models import AddressProtection, FamilyRelation, Person


@transaction.atomic
def register_person(
    *,
    by: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    municipality: Region,
    national_id: str = "",
    id_country: str = "NO",
    preferred_language: str = "nb",
    address_protection: str = AddressProtection.NONE,
    street_address: str = "",
    postcode: str = "",
    post_town: str = "",
) -> Person:
    """Records a child, young person or family member in the actor's municipality."""
    decision = policy.may_create_person_in(by, municipality.pk)
    if not decision:
        audit.record(by, "create", audit.Subject("people.person"), decision=decision)
        raise PermissionDenied(decision.reason)
    person = Person(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        municipality=municipality,
        national_id=national_id,
        id_country=id_country,
        preferred_language=preferred_language,
        address_protection=address_protection,
        street_address=street_address,
        postcode=postcode,
        post_town=post_town,
    )
    person.full_clean()
    if (
        person.national_id
        and Person.objects.filter(
            municipality=municipality, id_country=id_country, national_id=person.national_id
        ).exists()
    ):
        raise ValidationError(
            {
                "national_id": _(
                    "A person with this identity number is already "
                    "registered. Search for the person instead."
                )
            }
        )
    person.save()
    audit.record(by, "create", person, decision=decision)
    return person


@transaction.atomic
def relate(
    person: Person,
    *,
    by: Actor,
    relative: Person,
    kind: str,
    parental_responsibility: bool = False,
) -> FamilyRelation:
    """Records that `relative` is the guardian, parent or sibling of `person`."""
    decision = policy.require(by, "update", person)
    relation = FamilyRelation(
        person=person,
        relative=relative,
        kind=kind,
        parental_responsibility=parental_responsibility,
        municipality_id=person.municipality_id,
    )
    relation.full_clean()
    relation.save()
    audit.record(by, "create", relation, decision=decision)
    return relation
