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
from samhandling.config.choices import ChoiceLabels
from samhandling.organisations.models import Organisation, Region


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORALLY = "oral", _("Oral")
    DIGITAL = "digital", _("Digital")


class ImmutableScopeError(RuntimeError):
    """Raised when code tries to change what a consent or legal basis covers."""


def guard_scope(record: Any) -> None:
    """Refuses to save a recorded consent or legal basis whose scope differs from the stored one.

    Compared with the database row, not with a copy in memory, so that an in-place change
    (a list appended to) is caught too; fields not loaded cannot have been changed.
    """
    if record._state.adding:
        return
    deferred = record.get_deferred_fields()
    fields = [name for name in record.SCOPE_FIELDS if name.removesuffix("_id") not in deferred]
    stored = type(record)._base_manager.filter(pk=record.pk).values(*fields).first()
    if stored is None:
        return
    if any(getattr(record, name) != stored[name] for name in fields):
        raise ImmutableScopeError("What a consent or legal basis covers cannot be changed; "
                                  "record a new one.")  # fmt: skip


class ScopeGuardedQuerySet(models.QuerySet[Any]):
    """A bulk update cannot change a scope field either."""

    def update(self, **kwargs: Any) -> int:
        scope = {name.removesuffix("_id") for name in self.model.SCOPE_FIELDS}
        if scope & {name.removesuffix("_id") for name in kwargs}:
            raise ImmutableScopeError("What a consent or legal basis covers cannot be changed.")
        return super().update(**kwargs)


def _refuse_new_sharers(sender: Any, instance: Any, action: str, reverse: bool,
                        pk_set: Any, **kwargs: Any) -> None:  # fmt: skip
    """The services and professionals of a recorded consent are fixed: adding, removing or
    replacing them would change who may share. Only record_consent sets them, once, on a
    consent created in the same transaction (marked with `_setting_up`)."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:
        if pk_set or action == "pre_clear":
            raise ImmutableScopeError("The services of a recorded consent cannot be changed.")
        return
    if not getattr(instance, "_setting_up", False):
        raise ImmutableScopeError("The services of a recorded consent cannot be changed.")


class Consent(ChoiceLabels, models.Model):
    """The family's consent that named services (or professionals) may share information."""

    # Everything that defines what the consent covers; fixed once recorded.
    SCOPE_FIELDS = (
        "case_id",
        "person_id",
        "given_by_id",
        "form",
        "purpose",
        "sectors",
        "valid_from",
        "valid_to",
    )

    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "coordination.Case", models.CASCADE, related_name="consents", verbose_name=_("case")
    )
    person = models.ForeignKey(
        "people.Person",
        models.CASCADE,
        related_name="consents_about",
        verbose_name=_("consent concerns"),
    )
    given_by = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        related_name="consents_given",
        verbose_name=_("given by"),
    )
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
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="consents",
        verbose_name=_("named professionals"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = ScopeGuardedQuerySet.as_manager()

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        guard_scope(self)
        super().save(*args, **kwargs)

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


class LegalBasis(ChoiceLabels, models.Model):
    """A law that lets one service share with another without consent, for a named exchange."""

    # What the legal basis names; fixed once recorded.
    SCOPE_FIELDS = ("case_id", "law", "description", "from_service_id", "to_service_id",
                    "sectors", "valid_from", "valid_to")  # fmt: skip

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

    objects = ScopeGuardedQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return f"{self.get_law_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        guard_scope(self)
        super().save(*args, **kwargs)

    def audit_subject(self) -> Subject:
        return Subject("access.legalbasis", str(self.pk), self.case.person_id, self.municipality_id)

    def is_valid_on(self, day: Any = None) -> bool:
        day = day or timezone.localdate()
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class EmergencyAccess(ChoiceLabels, models.Model):
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


models.signals.m2m_changed.connect(_refuse_new_sharers, sender=Consent.services.through)
models.signals.m2m_changed.connect(_refuse_new_sharers, sender=Consent.professionals.through)
