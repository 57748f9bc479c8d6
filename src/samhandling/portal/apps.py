from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "samhandling.portal"
    verbose_name = _("The family's own pages")
