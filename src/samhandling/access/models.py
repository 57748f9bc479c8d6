"""What lets information travel between services: consent, a legal basis, emergency access.

A consent is given by the family (a guardian, or the young person from 16 for health matters
and from 18 for everything) and recorded as given; no professional can widen it afterwards —
a wider sharing needs a new consent. Withdrawal takes effect at once.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.audit.services import Subject
from samhandling.organisations.models import Organisation, Region


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORALLY = "oral", _("Oral")
    DIGITAL = "digital", _("Digital")


class ImmutableScopeError(RuntimeError):
    """Raised when code tries to change what a consent or legal basis covers."""


class Consent(models.Model):
    """The family's consent that named services (or professionals) may share information."""

    # Everything that defines what the consent covers; fixed once recorded.
    SCOPE_FIELDS = ("case_id", "person_id", "given_by_id", "form", "purpose", "sectors",
                    "valid_from", "valid_to")  # fmt: skip

    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "coordination.Case", models.CASCADE, related_name="consents", verbose_name=_("case")
    )
    person = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="consents_about",
        verbose_name=_("consent concerns"),
    )  # fmt: skip
    given_by = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="consents_given",
        verbose_name=_("given by"),
    )  # fmt: skip
    form = models.CharField(_("form"), max_length=16, choices=ConsentForm.choices)
    purpose = models.CharField(_("purpose"), max_length=300)
    sectors = models.JSONField(
        _("information that may be shared"),
        default=list,
        help_text=_("The sectors whose information the consent lets travel."),
    )
    services = models.ManyToManyField(
        Organisation, related_name="consents", verbose_name=_("services that may share")
    )
    professionals = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="consents",
        verbose_name=_("named professionals"),
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="consent_valid_period",
            )
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._original_scope = self._scope()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self._scope() != self._original_scope:
            raise ImmutableScopeError("A consent cannot be widened or changed; record a new one.")
        super().save(*args, **kwargs)
        self._original_scope = self._scope()

    def _scope(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.SCOPE_FIELDS)

    def audit_subject(self) -> Subject:
        return Subject("access.consent", str(self.pk), self.person_id, self.municipality_id)

    def is_valid_on(self, day: Any = None) -> bool:
        day = day or timezone.localdate()
        if self.withdrawn_at is not None:
            return False
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def status(self) -> str:
        if self.withdrawn_at:
            return "withdrawn"
        today = timezone.localdate()
        if self.valid_to and self.valid_to < today:
            return "expired"
        if self.valid_from > today:
            return "not_yet_valid"
        return "valid"


class LegalBasis(models.Model):
    """A law that lets one service share with another without consent, for a named exchange."""

    class Law(models.TextChoices):
        CHILD_WELFARE_DUTY_TO_INFORM = (
            "bvl_13_2",
            _("Child Welfare Act § 13-2: duty to inform the child welfare service"),
        )
        HEALTH_PERSONNEL_33 = (
            "hpl_33",
            _("Health Personnel Act § 33: duty to inform the child welfare service"),
        )
        HEALTH_PERSONNEL_25 = (
            "hpl_25",
            _("Health Personnel Act § 25: sharing with cooperating personnel"),
        )
        EDUCATION_ACT_DUTY = (
            "oppl_duty",
            _("Education Act: duty to inform the child welfare service"),
        )
        CHILD_COORDINATOR = (
            "barnekoordinator",
            _("Health and Care Services Act § 7-2 a: child coordinator"),
        )
        OTHER = "other", _("Other law (named in the description)")

    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")
    case = models.ForeignKey("coordination.Case", models.CASCADE, related_name="legal_bases")
    law = models.CharField(_("law"), max_length=32, choices=Law.choices)
    description = models.CharField(_("what is shared and why"), max_length=300)
    from_service = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("from service")
    )
    to_service = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("to service")
    )
    sectors = models.JSONField(_("information that may be shared"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return f"{self.get_law_display()}"

    def audit_subject(self) -> Subject:
        return Subject("access.legalbasis", str(self.pk), self.case.person_id, self.municipality_id)

    def is_valid_on(self, day: Any = None) -> bool:
        day = day or timezone.localdate()
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class EmergencyAccess(models.Model):
    """Break-glass: a professional outside the team opens a case with a stated reason."""

    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")
    case = models.ForeignKey("coordination.Case", models.CASCADE, related_name="emergencies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    opened_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")

    def __str__(self) -> str:
        return f"emergency access {self.pk}"

    def audit_subject(self) -> Subject:
        return Subject(
            "access.emergencyaccess", str(self.pk), self.case.person_id, self.municipality_id
        )

    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
