"""Citizen sign-in with ID-porten; both routes answer 404 while OIDC is not configured."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from .oidc import CitizenCallbackView, CitizenSignInView

app_name = "oidc"


def _only_when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:  # read per request: the settings may change in tests
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("authenticate/", _only_when_enabled(CitizenSignInView.as_view()), name="authenticate"),
    path("callback/", _only_when_enabled(CitizenCallbackView.as_view()), name="callback"),
]
