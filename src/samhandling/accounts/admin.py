from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from samhandling.organisations.actors import actor_for

from . import tokens
from .models import ApiToken, User

admin.site.register(User, UserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Read-only: tokens are issued with `manage.py issue_token` (shown once) and revoked here."""

    list_display = ("name", "user", "created_at", "last_used_at", "expires_at", "revoked_at",
                    "state")  # fmt: skip
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username")
    readonly_fields = ("user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    exclude = ("token_hash",)
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return str(_("revoked"))
        if not token.is_usable(timezone.now()):
            return str(_("expired"))
        return str(_("active"))

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        by = actor_for(request.user)  # type: ignore[arg-type]
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(token, by=by)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
