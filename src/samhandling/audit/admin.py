from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Role

from .models import AuditEvent


def _administered_municipalities(request: HttpRequest) -> list[int]:
    """The municipalities the signed-in person is a system administrator of."""
    actor = actor_for(request.user)  # type: ignore[arg-type]
    return [
        m.organisation.municipality_id
        for m in actor.memberships
        if m.role == Role.SYSTEM_ADMIN and m.organisation.municipality_id is not None
    ]


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """The platform's superuser reviews the whole log; a municipality's system
        administrator only the events about their own municipality."""
        events = super().get_queryset(request)
        if request.user.is_superuser:
            return events
        return events.filter(municipality_id__in=_administered_municipalities(request))

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if request.user.is_superuser:
            return True
        return bool(_administered_municipalities(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
