"""Citizens sign in with ID-porten (OpenID Connect), through mozilla-django-oidc.

The identity number in the ID token's `pid` claim links the signed-in child, youth or guardian
to their Person rows through CitizenIdentity; access.policy decides what they may see from
there. A citizen's account is never a professional's: a user with memberships cannot be reached
this way, and a citizen account never gets a password.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from samhandling.access.policy import citizen_persons, refuse
from samhandling.audit import services as audit
from samhandling.organisations.actors import actor_for
from samhandling.people.identity import validate_national_id

from .backends import signed_in_user
from .models import CitizenIdentity, User
from .services import session_started

LOGGER = logging.getLogger(__name__)

ID_COUNTRY = "NO"
HIGHEST_ACR = "idporten-loa-high"
# What the signed ID token alone may say: never taken from the userinfo answer.
ID_TOKEN_ONLY = frozenset({"iss", "aud", "azp", "acr", "amr", "exp", "iat", "auth_time", "nonce"})
# Why the last sign-in on this request was refused, for the audit event (never personal data).
REFUSAL_ATTRIBUTE = "citizen_sign_in_refusal"


def claims_refusal(claims: dict[str, Any]) -> str:
    """Why these ID-porten claims do not sign anyone in, or "" when they do."""
    if claims.get("iss") != settings.OIDC_OP_ISSUER:
        return "the token is from another issuer"
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.OIDC_RP_CLIENT_ID not in audiences:
        return "the token is for another client"
    required = settings.OIDC_REQUIRED_ACR
    if required and claims.get("acr") not in {required, HIGHEST_ACR}:
        return "the level of assurance is too low"
    pid = claims.get("pid")
    if not isinstance(pid, str):
        return "the token has no identity number"
    try:
        validate_national_id(pid, country=ID_COUNTRY, synthetic_only=settings.DEMO_MODE)
    except ValidationError as error:
        return f"the identity number is not valid ({error.code})"
    return ""


def _national_id(claims: dict[str, Any]) -> str:
    return validate_national_id(
        claims["pid"], country=ID_COUNTRY, synthetic_only=settings.DEMO_MODE
    )


def _refuse(request: HttpRequest, reason: str) -> None:
    setattr(request, REFUSAL_ATTRIBUTE, reason)
    LOGGER.warning("ID-porten sign-in refused: %s", reason)


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    """Signs a citizen in from ID-porten's ID token, found or created by identity number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        nonce: str | None = None,
        code_verifier: str | None = None,
        **credentials: Any,
    ) -> User | None:
        # Django asks every backend, also for a password sign-in: only the callback view's
        # call (a nonce, no credentials) is for this backend.
        if request is None or credentials or not nonce or not settings.OIDC_ENABLED:
            return None
        user: User | None = super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        return user

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The verified ID token's claims (ID-porten puts `pid` and `acr` there), with the
        userinfo endpoint's answer added when one is configured and it is about the same
        subject. The signed ID token wins where both say something, and alone says who issued
        it, for whom, how and when."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if isinstance(userinfo, dict) and userinfo.get("sub") == payload.get("sub"):
                extra = {k: v for k, v in userinfo.items() if k not in ID_TOKEN_ONLY}
                claims = {**extra, **payload}
            else:
                LOGGER.warning("ID-porten userinfo ignored: it is about another subject")
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        reason = claims_refusal(claims)
        if reason:
            _refuse(self.request, reason)
            return False
        return True

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "citizen"  # never the identity number: this goes to the log

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        """The citizen with this identity number; never by e-mail, never a professional."""
        users = User.objects.filter(
            citizen_identity__id_country=ID_COUNTRY,
            citizen_identity__national_id=_national_id(claims),
        )
        professional = Q(memberships__isnull=False) | Q(is_staff=True) | Q(is_superuser=True)
        if users.filter(professional).exists():
            _refuse(self.request, "the identity number belongs to a professional's account")
            raise SuspiciousOperation("a professional's account cannot sign in as a citizen")
        return users

    def create_user(self, claims: dict[str, Any]) -> User:
        """A new citizen account: no password, named after their Person if one is registered."""
        national_id = _national_id(claims)
        try:
            with transaction.atomic():
                user = User(username=f"citizen-{secrets.token_hex(8)}")
                user.set_unusable_password()
                user.save()
                CitizenIdentity.objects.create(
                    user=user, id_country=ID_COUNTRY, national_id=national_id
                )
                _name_after_person(user)
                audit.record(actor_for(user), "create", user, reason="first sign-in with ID-porten")
        except IntegrityError:
            # The same citizen's first sign-in in another tab got there first.
            existing = self.filter_users_by_claims(claims).first()
            if existing is None:
                raise
            return existing
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        if not user.first_name and not user.last_name:
            _name_after_person(user)  # registered by a service since the last sign-in
        return user

    def get_user(self, user_id: int) -> User | None:
        user = signed_in_user(user_id)  # a compiled query, as for staff (accounts/backends.py)
        return user if user is not None and self.user_can_authenticate(user) else None


def _name_after_person(user: User) -> None:
    """The citizen's name as the services registered it (the oldest of their Person rows)."""
    persons = citizen_persons(actor_for(user))
    if not persons:
        return
    person = min(persons, key=lambda p: p.pk)
    user.first_name = person.given_name[:150]
    user.last_name = person.family_name[:150]
    user.save(update_fields=["first_name", "last_name"])


class CitizenSignInView(OIDCAuthenticationRequestView):
    """Sends the citizen to ID-porten, asking for the required level and the page's language."""

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        params = dict(super().get_extra_params(request))
        if settings.OIDC_REQUIRED_ACR:
            params["acr_values"] = settings.OIDC_REQUIRED_ACR
        language = translation.get_language() or settings.LANGUAGE_CODE
        params["ui_locales"] = "en" if language.startswith("en") else "nb"
        return params


class CitizenCallbackView(OIDCAuthenticationCallbackView):
    """ID-porten sends the citizen back here with a code; signs them in or says it failed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            response: HttpResponse = super().get(request)
        except SuspiciousOperation as error:
            # A reused or forged state, or an ID token that fails verification.
            _refuse(request, f"the answer from ID-porten was refused ({type(error).__name__})")
            return self.login_failure()
        except requests.RequestException as error:
            _refuse(request, f"ID-porten did not answer ({type(error).__name__})")
            return self.login_failure()
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        session_started(self.request, self.user, reason="signed in with ID-porten")
        return response

    def login_failure(self) -> HttpResponse:
        request: HttpRequest = self.request
        reason = getattr(request, REFUSAL_ATTRIBUTE, "") or "ID-porten sign-in not completed"
        audit.record(None, "login", audit.Subject("accounts.user"), decision=refuse(reason))
        messages.error(
            request,
            _("Signing in with ID-porten did not succeed. Try again, or ask the service for help."),
        )
        return redirect("accounts:login")
