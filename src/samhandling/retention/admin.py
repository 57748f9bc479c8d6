"""Privacy requests in the Django admin: a system administrator registers, sees and decides the
requests of their municipality. Every change goes through the services (audited); the admin
never shows a person's name, only their number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Role
from samhandling.people.models import Person

from . import services
from .models import PrivacyRequest


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.user)  # type: ignore[arg-type]


def _municipalities(actor: Actor) -> set[int]:
    """The municipalities whose requests the actor sees: where they are system administrator."""
    return {
        m.organisation.municipality_id
        for m in actor.memberships
        if m.role == Role.SYSTEM_ADMIN and m.organisation.municipality_id is not None
    }


class RegisterForm(forms.ModelForm[PrivacyRequest]):
    """A new request: the person's number (as in the address of their page), kind, grounds."""

    actor: Actor

    class Meta:
        model = PrivacyRequest
        fields = ("person_number", "kind", "reason")

    def clean_person_number(self) -> int:
        number: int = self.cleaned_data["person_number"]
        person = Person.objects.filter(
            pk=number, municipality_id__in=_municipalities(self.actor)
        ).first()
        if person is None:
            raise ValidationError(_("No person with this number in your municipality."))
        self.person = person
        return number


class DecideForm(forms.ModelForm[PrivacyRequest]):
    decision = forms.ChoiceField(label=_("decision"), choices=PrivacyRequest.Decision.choices)

    class Meta:
        model = PrivacyRequest
        fields = ("decision", "decision_reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        refused = data.get("decision") == PrivacyRequest.Decision.REFUSED
        if refused and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", _("Give the reason for refusing."))
        return data


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin[PrivacyRequest]):
    list_display = (
        "__str__",
        "kind",
        "municipality",
        "person_number",
        "registered_at",
        "decision",
        "decided_at",
        "lifted_at",
    )
    list_filter = ("kind", "decision")
    search_fields = ("=person_number",)
    actions = ["grant", "lift"]
    _shown = ("kind", "municipality", "person_number", "reason", "registered_by", "registered_at")
    _decided = ("decision", "decision_reason", "decided_by", "decided_at", "lifted_by", "lifted_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrivacyRequest]:
        requests = super().get_queryset(request).select_related("municipality")
        if request.user.is_superuser:
            return requests
        return requests.filter(municipality_id__in=_municipalities(_actor(request)))

    def get_fields(self, request: HttpRequest, obj: PrivacyRequest | None = None) -> Any:
        if obj is None:
            return RegisterForm.Meta.fields
        if not obj.is_decided:
            return (*self._shown, "decision", "decision_reason")
        return (*self._shown, *self._decided)

    def get_readonly_fields(self, request: HttpRequest, obj: PrivacyRequest | None = None) -> Any:
        if obj is None:
            return ()
        return self._shown if not obj.is_decided else (*self._shown, *self._decided)

    def get_form(
        self,
        request: HttpRequest,
        obj: PrivacyRequest | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is None:
            kwargs["form"] = RegisterForm
        elif not obj.is_decided:
            kwargs["form"] = DecideForm
        form: Any = super().get_form(request, obj, change, **kwargs)
        form.actor = _actor(request)
        return form

    def save_model(
        self, request: HttpRequest, obj: PrivacyRequest, form: Any, change: bool
    ) -> None:
        actor = _actor(request)
        if not change:
            created = services.register_request(
                form.person, by=actor, kind=obj.kind, reason=obj.reason
            )
            obj.pk, obj._state.adding = created.pk, False
            return
        stored = PrivacyRequest.objects.get(pk=obj.pk)
        if stored.is_decided or not isinstance(form, DecideForm):
            return
        granted = form.cleaned_data["decision"] == PrivacyRequest.Decision.GRANTED
        decided = services.decide_request(
            stored, by=actor, granted=granted, reason=form.cleaned_data["decision_reason"]
        )
        self._tell(request, decided, granted)

    def _tell(self, request: HttpRequest, decided: PrivacyRequest, granted: bool) -> None:
        if granted and decided.decision == PrivacyRequest.Decision.REFUSED:
            self.message_user(
                request,
                _("The request was refused: %(reason)s") % {"reason": decided.decision_reason},
                messages.WARNING,
            )

    @admin.action(description=_("Grant the selected requests"))
    def grant(self, request: HttpRequest, queryset: QuerySet[PrivacyRequest]) -> None:
        actor = _actor(request)
        granted = 0
        for privacy_request in queryset.filter(decision=""):
            try:
                decided = services.decide_request(privacy_request, by=actor, granted=True)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            self._tell(request, decided, True)
            granted += decided.decision == PrivacyRequest.Decision.GRANTED
        self.message_user(
            request,
            ngettext("%(count)d request granted.", "%(count)d requests granted.", granted)
            % {"count": granted},
            messages.SUCCESS,
        )

    @admin.action(description=_("Lift the selected restrictions"))
    def lift(self, request: HttpRequest, queryset: QuerySet[PrivacyRequest]) -> None:
        actor = _actor(request)
        lifted = 0
        in_force = queryset.filter(
            kind=PrivacyRequest.Kind.RESTRICTION,
            decision=PrivacyRequest.Decision.GRANTED,
            lifted_at__isnull=True,
        )
        for privacy_request in in_force:
            try:
                services.lift_restriction(privacy_request, by=actor)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            lifted += 1
        self.message_user(
            request,
            ngettext("%(count)d restriction lifted.", "%(count)d restrictions lifted.", lifted)
            % {"count": lifted},
            messages.SUCCESS,
        )

    def _is_admin(self, request: HttpRequest) -> bool:
        """A system administrator of a municipality (or a superuser) works with requests."""
        return bool(request.user.is_superuser or _municipalities(_actor(request)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # requests go after their retention period (apply_retention)
