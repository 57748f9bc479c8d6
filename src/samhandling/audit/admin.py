from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the chain can be searched, never edited."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_name",
        "actor_role",
        "organisation_name",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "person_id",
        "channel",
    )
    list_filter = ("action", "outcome", "channel", "actor_role")
    search_fields = ("request_id", "object_id")
    ordering = ("-sequence",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
