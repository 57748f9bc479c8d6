from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """Privacy over time: retention periods, erasure and restriction requests (GDPR)."""

    name = "samhandling.retention"
    verbose_name = _("Privacy and retention")
