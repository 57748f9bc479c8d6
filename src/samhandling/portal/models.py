"""A citizen's copy of their data (GDPR articles 15 and 20), built by a background task.

The export is for the person who asked for it only, and it expires: after EXPORT_TTL_HOURS its
content is removed and only the fact that it was made remains.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.audit.services import Subject
from samhandling.config.choices import ChoiceLabels


class DataExport(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired and deleted")

    # The address of an export is a random id: it says nothing about whom it concerns.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="+")
    municipality = models.ForeignKey("organisations.Region", models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    step = models.CharField(max_length=64, blank=True)
    content = models.JSONField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self) -> str:
        return f"export {self.pk}"

    def audit_subject(self) -> Subject:
        return Subject("portal.dataexport", str(self.pk), self.person_id, self.municipality_id)

    @property
    def is_available(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
