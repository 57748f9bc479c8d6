"""How an API request says who it is: a bearer token, or the browser's signed-in session.

Either way the request gets its actor (`request.actor`, channel "api"); the policy and the
audit log see an API call exactly as they see the same action in the web pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from samhandling.organisations.actors import ACTIVE_MEMBERSHIP_SESSION_KEY, Actor, actor_for

from .second_factor import needs_second_factor
from .tokens import authenticate_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: an integration's token (counts as verified)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token.strip())
        if user is None:
            return None
        request.actor = actor_for(user, channel="api")  # type: ignore[attr-defined]
        return user


class SignedInSession(APIKeyCookie):
    """The browser's session, as in the web pages: second factor verified, CSRF token on writes.

    A request that carries an Authorization header is judged by that header alone.
    """

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if needs_second_factor(user) and not user.is_verified():  # type: ignore[attr-defined]
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("The CSRF token is missing or wrong. Send it in X-CSRFToken."))
        request.actor = actor_for(  # type: ignore[attr-defined]
            user,
            membership_id=request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY),
            channel="api",
        )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return None  # not used: __call__ decides


def actor(request: HttpRequest) -> Actor:
    """The authenticated request's actor (set by the authentication above)."""
    found: Actor = request.actor  # type: ignore[attr-defined]
    return found
