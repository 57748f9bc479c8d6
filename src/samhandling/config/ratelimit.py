"""Rate limits: how many requests of one kind a client address or a user may make in a window.

    @rate_limited("person_search", per="user", when=is_post)
    def search(request): ...

`settings.RATE_LIMITS[scope]` is "count/seconds" (or "off"), read at each request. Windows are
fixed (they start at multiples of their length), counted in the cache
`settings.RATE_LIMIT_CACHE`, which every process shares: the database's by default, Redis with
REDIS_URL. Past the limit the answer is 429 with Retry-After (the seconds left in the window):
a page, or {"detail": …} under /api/. The request is not passed on, so nothing is read or
written for it; Django's request log notes the 429 (path only).

With `counts`, only responses it accepts are counted (failed sign-ins, not the successful ones
of a whole municipality's office behind one address), and the limit then refuses every request
of the scope from that address until the window ends.

Client addresses: IPv4 each on its own, IPv6 by /64 (one household or server has a whole /64).
Behind reverse proxies the address is taken from X-Forwarded-For, TRUSTED_PROXY_COUNT entries
from the right. The counters' keys hold a hash of the address or the user's id, never the
address itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])
Per = Literal["address", "user"]


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate_of(scope: str) -> Rate | None:
    """The scope's limit from the settings, or None when it is off."""
    value = settings.RATE_LIMITS.get(scope, "off")
    if value == "off":
        return None
    count, _slash, seconds = value.partition("/")
    return Rate(count=int(count), seconds=int(seconds))


def client_address(request: HttpRequest) -> str:
    """The client's address as rate limits count it (see the module's docstring)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def is_post(request: HttpRequest) -> bool:
    return request.method == "POST"


def has_query(request: HttpRequest) -> bool:
    """A search: the query string's q is not empty."""
    return bool(request.GET.get("q", "").strip())


def unauthorised(response: Any) -> bool:
    """The credentials were refused (the sign-in page answers 401)."""
    return isinstance(response, HttpResponse) and response.status_code == 401


def _identity(request: HttpRequest, per: Per) -> str:
    if per == "user":
        # The API's authentication leaves the user in request.auth (a bearer token has no session).
        user = getattr(request, "auth", None) or request.user
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
    return f"address:{client_address(request)}"


def _key(scope: str, identity: str, window: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"rate:{scope}:{window}:{digest}"


def _increment(cache: BaseCache, key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout)
        return 1


@contextmanager
def _store_failures_let_through() -> Iterator[None]:
    """Redis out of reach does not stop the service: the request goes on, uncounted (the
    lock-out per username still holds). The database's own errors go on up: without the
    database nothing else works either, and the page says so (503)."""
    try:
        yield
    except DatabaseError:
        raise
    except Exception:
        logger.warning("rate limit store unavailable; request not counted", exc_info=True)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429, with Retry-After; a page, or the API's error shape under /api/."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        from .api_errors import language_of

        language = language_of(request)
        with translation.override(language):
            detail = _("Too many requests. Wait a little and try again.")
        response = JsonResponse({"detail": detail}, status=429)
        response["Content-Language"] = language
    else:
        minutes = max(1, math.ceil(retry_after / 60))
        response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(
    scope: str,
    *,
    per: Per,
    when: Callable[[HttpRequest], bool] | None = None,
    counts: Callable[[Any], bool] | None = None,
) -> Callable[[View], View]:
    """Limits the view's requests of `scope`, counted per client address or per user (signed-in
    users; anyone else by address). `when` picks the requests that are limited (all by
    default); `counts` picks, from the view's answers, those that count (all by default)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            rate = rate_of(scope)
            if rate is None or (when is not None and not when(request)):
                return view(request, *args, **kwargs)
            now = time.time()
            window = int(now // rate.seconds)
            retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
            key = _key(scope, _identity(request, per), window)
            refused = False
            with _store_failures_let_through():
                cache = caches[settings.RATE_LIMIT_CACHE]
                refused = int(cache.get(key, 0)) >= rate.count or (
                    counts is None and _increment(cache, key, rate.seconds) > rate.count
                )  # the second: others came first
            if refused:
                return too_many_requests(request, retry_after)
            response = view(request, *args, **kwargs)
            if counts is not None and counts(response):
                with _store_failures_let_through():
                    _increment(caches[settings.RATE_LIMIT_CACHE], key, rate.seconds)
            return response

        return cast(View, limited)

    return decorate
