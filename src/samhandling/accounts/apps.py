from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "samhandling.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import services

        user_logged_in.connect(
            services.remember_session_generation, dispatch_uid="samhandling.session_generation"
        )
