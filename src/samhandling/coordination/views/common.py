"""What the coordination views share: service errors onto forms, refusals as a 403 page, and a
safe way back to the page the person came from."""

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from samhandling.config.http import Request

P = ParamSpec("P")


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError as field messages where the form has the field, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def refusals_shown(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """A service's PermissionDenied becomes a plain 403 page that says nothing about the record."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except PermissionDenied:
            request: Any = args[0]
            return render(request, "coordination/refused.html", status=403)

    return wrapper


def next_url(request: Request, default: str) -> str:
    """The `next` field of a POST when it is a local path, else the default."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
