"""The children and young people the help is for, and their families.

Every row carries its municipality (the tenant key). Reads go through people.selectors, writes
through people.services; nothing else touches these tables.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from samhandling.audit.services import Subject
from samhandling.config.choices import ChoiceLabels
from samhandling.organisations.models import Region

from .identity import COUNTRIES, validate_national_id


class AddressProtection(models.TextChoices):
    NONE = "none", _("None")
    CONFIDENTIAL = "confidential", _("Confidential address (fortrolig adresse)")
    STRICTLY_CONFIDENTIAL = "strict", _("Strictly confidential address (strengt fortrolig adresse)")


class Named:
    """What a person and a person found by a search (`PersonFound`) say of themselves alike."""

    __slots__ = ()
    pk: int
    given_name: str
    family_name: str
    municipality_id: int

    def audit_subject(self) -> Subject:
        return Subject("people.person", str(self.pk), self.pk, self.municipality_id)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Person(Named, ChoiceLabels, models.Model):
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    id_country = models.CharField(
        _("country of identity number"),
        max_length=2,
        choices=list(COUNTRIES.items()),
        default="NO",
    )
    national_id = models.CharField(_("national identity number"), max_length=13, blank=True)
    municipality = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name=_("home municipality"),
        limit_choices_to={"kind": Region.Kind.MUNICIPALITY},
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        default="nb",
        help_text=_("Language code, e.g. nb, nn, se, en, uk, ar, so, ti"),
    )
    address_protection = models.CharField(
        _("address protection"),
        max_length=16,
        choices=AddressProtection.choices,
        default=AddressProtection.NONE,
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    post_town = models.CharField(_("post town"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # GDPR art. 18: while restricted, the data is stored but not used (samhandling.retention).
    processing_restricted = models.BooleanField(_("processing restricted"), default=False)
    processing_restricted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Unique within a municipality (the tenant): municipalities never see each other's
            # registers, so a number registered elsewhere is no one's business here.
            models.UniqueConstraint(
                fields=["municipality", "id_country", "national_id"],
                condition=~models.Q(national_id=""),
                name="person_unique_national_id_in_municipality",
                violation_error_message=_(
                    "A person with this identity number is already "
                    "registered. Search for the person instead."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "family_name", "given_name"], name="person_name"),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        if self.national_id:
            try:
                self.national_id = validate_national_id(
                    self.national_id,
                    country=self.id_country,
                    date_of_birth=self.date_of_birth,
                    synthetic_only=settings.DEMO_MODE,
                )
            except ValidationError as error:
                raise ValidationError({"national_id": error}) from error
        if self.municipality_id and self.municipality.kind != Region.Kind.MUNICIPALITY:
            raise ValidationError({"municipality": _("Choose a municipality.")})

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def has_protected_address(self) -> bool:
        return self.address_protection != AddressProtection.NONE

    @property
    def is_strictly_protected(self) -> bool:
        return self.address_protection == AddressProtection.STRICTLY_CONFIDENTIAL


@dataclass(frozen=True, slots=True)
class PersonFound(Named):
    """A person as the search finds them (people.selectors.search_persons): what a result shows,
    and what the policy and the audit event read of it; no model object to build for each
    of the forty a search reads to show twenty. Its rules are a person's (access.policy)."""

    pk: int
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    municipality_id: int
    processing_restricted: bool

    @property
    def id(self) -> int:  # as the API's PersonSummary reads it
        return self.pk


class FamilyRelation(ChoiceLabels, models.Model):
    """`relative` is the guardian, parent or sibling of `person`."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("Guardian")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")

    person = models.ForeignKey(Person, models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, models.CASCADE, related_name="relatives_of")
    kind = models.CharField(_("relation"), max_length=16, choices=Kind.choices)
    parental_responsibility = models.BooleanField(_("parental responsibility"), default=False)
    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "kind"], name="family_relation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="family_relation_not_self"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="sibling", parental_responsibility=True),
                name="family_relation_sibling_no_responsibility",
            ),
        ]
        verbose_name = _("family relation")
        verbose_name_plural = _("family relations")

    def __str__(self) -> str:
        return f"{self.relative_id} {self.kind} of {self.person_id}"

    def audit_subject(self) -> Subject:
        return Subject("people.familyrelation", str(self.pk), self.person_id, self.municipality_id)
