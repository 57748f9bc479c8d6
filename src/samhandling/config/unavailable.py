"""When the database does not answer: 503 "try again shortly", never a 500 or half a page.

A PostgreSQL restart, a failover or a cut network makes queries fail for a while with
OperationalError (also "database is locked" past SQLite's busy timeout) or InterfaceError (a
connection already closed). A request that meets one gets 503 with Retry-After: an HTML page,
or under /api/ JSON in the API's shape. The services' transactions roll back, so nothing is
half-written. Django closes the broken connection when the request ends (the connection is
marked as having errors), and CONN_HEALTH_CHECKS checks a kept connection before the next
request uses it, so the first request after the database is back succeeds.

The error can come from the view, or from a middleware that reads the session or the user
before the view runs (or saves the session after it). Django turns the second kind into a 500
response before any outer middleware sees the exception; the got_request_exception signal marks
such a request, and this middleware replaces that 500 with the 503.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError)
_MARK = "_database_unavailable"
# The page made outside the inner middleware has no CSP header from django-csp; it gets this
# one (it has no inline script or style, and loads only the site's own files).
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def message() -> str:
    return _("The service is temporarily unavailable, try again shortly.")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer, made without the database: the page is rendered without the context
    processors, which would read the user and the session."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message()}, status=503)
    else:
        context = {"request": request, "csrf_token": get_token(request), "message": message()}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database that does not answer into 503 + Retry-After (see the module's text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code == 500:
            language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
            with translation.override(language):
                response = unavailable_response(request)
            response["Content-Language"] = language
            response["Content-Security-Policy"] = PAGE_POLICY
            response["X-Frame-Options"] = "DENY"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.warning("database unavailable", exc_info=exception)
        return unavailable_response(request)


def _mark_request(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Sent while Django handles an exception that no view handled (sys.exc_info() is it)."""
    if request is not None and isinstance(sys.exc_info()[1], UNAVAILABLE):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_request, dispatch_uid="samhandling.database_unavailable")
