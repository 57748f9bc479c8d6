"""Session limits (idle and absolute), the request's actor, and the second-factor gate."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from samhandling.organisations.actors import ACTIVE_MEMBERSHIP_SESSION_KEY, actor_for

from . import services
from .second_factor import needs_second_factor

# Paths a signed-in user may reach before the second factor is verified. The API answers an
# unverified session itself, with 401 as for anyone not signed in (accounts.authentication).
SECOND_FACTOR_EXEMPT = ("/accounts/", "/static/", "/healthz", "/i18n/", "/api/")


class SessionLimitsMiddleware:
    """Ends sessions after SESSION_IDLE_SECONDS idle and SESSION_ABSOLUTE_SECONDS in all, and
    those the person ended from another session ("sign out on all other devices")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            signed_in = session.get("signed_in_at", now)
            last_seen = session.get("last_seen_at", now)
            if session.get(services.GENERATION_KEY, 0) != user.session_generation:
                services.sign_out(request, reason="ended from another session")
                request.session["session_expired"] = True
            elif (
                now - last_seen > settings.SESSION_IDLE_SECONDS
                or now - signed_in > settings.SESSION_ABSOLUTE_SECONDS
            ):
                services.sign_out(request, reason="session expired")
                request.session["session_expired"] = True
            else:
                if "last_seen_at" not in session or now - last_seen >= services.RECORD_STEP:
                    # The idle clock moves on at most once a minute: a session that is in use
                    # is not written back on every request (a session may so end up to a minute
                    # before it has been idle for SESSION_IDLE_SECONDS, never after).
                    session["last_seen_at"] = now
                services.session_seen(request, now)
        # From here on the user itself, not the lazy objects around it (Django's and
        # django-otp's, both evaluated by now): a page reads it hundreds of times (templates,
        # policy, audit), each read through two proxies otherwise.
        request.user = user = _unwrapped(request.user)
        request.actor = actor_for(  # type: ignore[attr-defined]
            user if user.is_authenticated else None,
            membership_id=request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY),
        )
        return self.get_response(request)


def _unwrapped(user: Any) -> Any:
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SecondFactorMiddleware:
    """Sends a user who must use a second factor to set it up or verify it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(SECOND_FACTOR_EXEMPT)
            and needs_second_factor(user)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
        ):
            return redirect("accounts:second_factor")
        return self.get_response(request)
