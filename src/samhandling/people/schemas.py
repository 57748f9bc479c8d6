"""What the API shows of a person: never an address, and no home municipality when it is
strictly confidential (it could show where the person lives)."""

import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, StringConstraints

from samhandling.config.api_fields import NO_NULL, Input, Text8, Text32, Text100

from .models import AddressProtection, FamilyRelation, Person


class PersonSummary(Schema):
    """Enough to recognise the child: the same as a search shows."""

    id: int
    given_name: str
    family_name: str
    date_of_birth: datetime.date


class Municipality(Schema):
    id: int
    code: str
    name: str

    @staticmethod
    def resolve_name(region: object) -> str:
        return str(getattr(region, "display_name", ""))


class Relative(Schema):
    id: int
    given_name: str
    family_name: str
    kind: str
    parental_responsibility: bool


class PersonDetail(PersonSummary):
    id_country: str
    national_id: str
    preferred_language: str
    address_protection: AddressProtection
    home_municipality: Municipality | None
    family: list[Relative] = []

    @staticmethod
    def resolve_home_municipality(person: Person) -> object:
        return None if person.is_strictly_protected else person.municipality


def person_detail(person: Person, family: list[FamilyRelation]) -> PersonDetail:
    detail = PersonDetail.model_validate(person)
    detail.family = [
        Relative(
            id=relation.relative.pk,
            given_name=relation.relative.given_name,
            family_name=relation.relative.family_name,
            kind=relation.kind,
            parental_responsibility=relation.parental_responsibility,
        )  # fmt: skip
        for relation in family
    ]
    return detail


class PersonSearch(Input):
    """A name or an identity number, in the body so that it never appears in a URL or a log."""

    # At most 100 characters as sent, as the schema says (stripped first, 100 letters between
    # two newlines passed); at least two once stripped (" a " is one letter).
    query: Annotated[str, StringConstraints(max_length=100), AfterValidator(str.strip),
                     StringConstraints(min_length=2), NO_NULL]  # fmt: skip


class PersonIn(Input):
    """A child, young person or family member, registered in the caller's municipality.

    Addresses are not taken by the API: they come from the population register.
    """

    given_name: Text100
    family_name: Text100
    date_of_birth: datetime.date
    national_id: Text32 = ""
    id_country: Literal["NO", "SE", "DK", "FI", "IS"] = "NO"
    preferred_language: Text8 = "nb"
    address_protection: AddressProtection = AddressProtection.NONE
    confirm_new: bool = False


class Duplicates(Schema):
    detail: str
    candidates: list[int]
