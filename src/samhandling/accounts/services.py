"""Signing in and out: lock-out after repeated failures, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from samhandling.access.policy import refuse
from samhandling.audit import services as audit
from samhandling.organisations.actors import actor_for

from .models import LoginThrottle, User


@dataclass(frozen=True)
class SignIn:
    user: User | None
    locked: bool = False


def _normalise(username: str) -> str:
    return username.strip().lower()[:150]


@transaction.atomic
def sign_in(request: HttpRequest, *, username: str, password: str) -> SignIn:
    """Checks the password unless the username is locked; counts failures; records the outcome."""
    key = _normalise(username)
    now = timezone.now()
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    if throttle.locked_until and throttle.locked_until > now:
        audit.record(None, "login", audit.Subject("accounts.user"), decision=refuse("locked out"))
        return SignIn(user=None, locked=True)
    user = authenticate(request, username=username.strip(), password=password)
    if user is None:
        window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
        if throttle.first_failure_at is None or now - throttle.first_failure_at > window:
            throttle.failures = 0
            throttle.first_failure_at = now
        throttle.failures += 1
        if throttle.failures >= settings.LOGIN_FAILURE_LIMIT:
            throttle.locked_until = now + window
        throttle.save()
        audit.record(
            None, "login", audit.Subject("accounts.user"), decision=refuse("bad credentials")
        )
        return SignIn(
            user=None, locked=throttle.locked_until is not None and throttle.locked_until > now
        )
    throttle.failures = 0
    throttle.first_failure_at = None
    throttle.locked_until = None
    throttle.save()
    assert isinstance(user, User)
    login(request, user)
    session_started(request, user, reason="password accepted")
    return SignIn(user=user)


def session_started(request: HttpRequest, user: User, *, reason: str) -> None:
    """After any sign-in (password, ID-porten, the demo's citizens): the clock the session
    limits run on, and the login in the audit chain."""
    now = timezone.now().timestamp()
    request.session["signed_in_at"] = now
    request.session["last_seen_at"] = now
    audit.record(actor_for(user), "login", user, reason=reason)


def sign_out(request: HttpRequest, *, reason: str = "signed out") -> None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        audit.record(actor_for(user), "logout", user, reason=reason)
    logout(request)
