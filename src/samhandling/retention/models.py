"""Requests for erasure (GDPR article 17) and restriction of processing (article 18).

A request is registered by a professional or administrator of the person's municipality and
decided by a system administrator of that municipality (services.py). After a granted erasure
the person is gone; the request stays, pointing to them only by number (as the audit log does),
as the record that the request was handled.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samhandling.audit.services import Subject
from samhandling.config.choices import ChoiceLabels
from samhandling.organisations.models import Region


class PrivacyRequest(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        ERASURE = "erasure", _("Erasure (GDPR art. 17)")
        RESTRICTION = "restriction", _("Restriction of processing (GDPR art. 18)")

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    municipality = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    person = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="privacy_requests",
        verbose_name=_("person"),
    )
    # The person's id, kept after an erasure like the audit log's person_id: a number only.
    person_number = models.BigIntegerField(_("person number"))
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    reason = models.CharField(
        _("grounds"),
        max_length=500,
        help_text=_("The grounds the person gives. Write no more about the person than needed."),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # A granted restriction lasts until it is lifted (the person is told before, art. 18(3)).
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("restriction lifted by"),
    )
    lifted_at = models.DateTimeField(_("restriction lifted"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(decision="", decided_by__isnull=True, decided_at__isnull=True)
                    | models.Q(
                        decision__in=["granted", "refused"],
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                    )
                ),
                name="privacy_request_decided_completely",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="refused", decision_reason=""),
                name="privacy_request_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True)
                | models.Q(kind="restriction", decision="granted"),
                name="privacy_request_lift_only_granted_restriction",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "decision"], name="privacy_request_open")]
        ordering = ["-registered_at", "-pk"]
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")

    def __str__(self) -> str:
        return f"privacy request {self.pk}"  # never the person's name: it goes to admin logs

    def audit_subject(self) -> Subject:
        return Subject(
            "retention.privacyrequest", str(self.pk), self.person_number, self.municipality_id
        )

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)
