from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "samhandling.insight"
    verbose_name = _("Knowledge base and challenge picture")
