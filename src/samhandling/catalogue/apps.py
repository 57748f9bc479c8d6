from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "samhandling.catalogue"
    verbose_name = _("State instruments, development measures and the Nordic experience bank")
