"""What the API answers when a request cannot be done, in one shape, in the reader's language.

    401 {"detail": …}                       no valid token or signed-in, verified session
    403 {"detail": …, "reason": …}          the record is yours to see, the action is not yours
    404 {"detail": "Not found."}            missing, or not yours to see: the two look alike
    409 {"detail": …, "current_version": n} someone saved first; reload and try again
    422 {"detail": …, "errors": {field: [message, …]}}
    503 {"detail": …} + Retry-After          the database does not answer; nothing was half-written

Messages go through gettext; the language is bokmål unless the request chose English
(`?lang=en` or the language cookie, as in the web pages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samhandling.coordination.services import ConflictError

from . import unavailable

if TYPE_CHECKING:
    from ninja import NinjaAPI


class Error(Schema):
    detail: str


class Refusal(Schema):
    detail: str
    reason: str


class FieldErrors(Schema):
    detail: str
    errors: dict[str, list[str]]


class Conflict(Schema):
    detail: str
    current_version: int


def responses(*codes: int) -> dict[int, type[Schema]]:
    """The error responses an operation can give, for the OpenAPI document."""
    shapes: dict[int, type[Schema]] = {
        401: Error, 403: Refusal, 404: Error, 409: Conflict, 422: FieldErrors, 429: Error,
    }  # fmt: skip
    return {code: shapes[code] for code in (401, 422, *codes)}


@contextmanager
def fields_named(**names: str) -> Iterator[None]:
    """Reports a service's field errors under the API's field names (e.g. to_service → …_id)."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise DjangoValidationError(
            {names.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error


def field_error(field: str, message: str) -> DjangoValidationError:
    return DjangoValidationError({field: [message]})


def _field_errors(request: HttpRequest, api: NinjaAPI, errors: dict[str, list[str]],
                  status: int = 422) -> HttpResponse:  # fmt: skip
    detail = _("The request has errors. See the message for each field.")
    only_general = list(errors) == [NON_FIELD_ERRORS]
    if only_general:
        detail = " ".join(errors[NON_FIELD_ERRORS])
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


def _django_validation_error(
    request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI
) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: list(exc.messages)}
    return _field_errors(request, api, errors)


def _location(loc: list[Any] | tuple[Any, ...]) -> tuple[str, str]:
    """(source, field) from ninja's location: ("body", "payload", "text") → ("body", "text")."""
    source = str(loc[0]) if loc else ""
    rest = [str(part) for part in loc[1:]]
    if source == "body" and rest:
        rest = rest[1:]  # the name of the body parameter
    return source, ".".join(rest) or NON_FIELD_ERRORS


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not part of the request.")
    if kind in ("string_too_long", "too_long"):
        return _("Ensure this value has at most %(limit)s characters or items.") % {
            "limit": ctx.get("max_length", "?")
        }
    if kind in ("string_too_short", "too_short"):
        return _("Ensure this value has at least %(limit)s characters or items.") % {
            "limit": ctx.get("min_length", "?")
        }
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt", "?"))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt", "?"))
        }
    if kind.startswith("datetime") or kind == "timezone_aware":
        return _("Enter a valid date/time.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind in ("literal_error", "enum"):
        return _("Select a valid choice. That choice is not one of the available choices.")
    if kind in ("list_type", "set_type", "tuple_type"):
        return _("Enter a list of values.")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("Send a JSON object.")
    if kind == "null_character":
        return _("Null characters are not allowed.")
    return _("Enter a valid value.")


def _ninja_validation_error(
    request: HttpRequest, exc: NinjaValidationError, api: NinjaAPI
) -> HttpResponse:
    located = [(_location(error.get("loc", ())), error) for error in exc.errors]
    if located and all(source == "path" for (source, _field), _error in located):
        return _not_found(request, Http404(), api)  # an id that cannot exist does not exist
    errors: dict[str, list[str]] = {}
    for (_source, field), error in located:
        errors.setdefault(field, []).append(_message(error))
    return _field_errors(request, api, errors)


def _not_found(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _permission_denied(request: HttpRequest, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    """Only reached after the record was fetched through its selector: the caller may see it."""
    body = {"detail": _("You may not do this in this case."), "reason": str(exc)}
    return api.create_response(request, body, status=403)


def _conflict(request: HttpRequest, exc: ConflictError, api: NinjaAPI) -> HttpResponse:
    body = {
        "detail": _("Someone else saved a change first. Reload, check and try again."),
        "current_version": exc.actual,
    }
    return api.create_response(request, body, status=409)


def _unauthenticated(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    body = {"detail": _("Sign in, or send a valid token: Authorization: Bearer <token>.")}
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    messages = {
        400: _("The request body is not valid JSON."),
        429: _("Too many requests. Wait a little and try again."),
    }
    detail = messages.get(exc.status_code, str(exc))
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


def _unavailable(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    """The database does not answer (config/unavailable.py does the same for the pages)."""
    unavailable.logger.warning("database unavailable", exc_info=exc)
    response = api.create_response(request, {"detail": unavailable.message()}, status=503)
    response["Retry-After"] = str(unavailable.RETRY_AFTER_SECONDS)
    return response


def install(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (DjangoValidationError, _django_validation_error),
        (NinjaValidationError, _ninja_validation_error),
        (Http404, _not_found),
        (PermissionDenied, _permission_denied),
        (ConflictError, _conflict),
        (AuthenticationError, _unauthenticated),
        (HttpError, _http_error),
        (OperationalError, _unavailable),
        (InterfaceError, _unavailable),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, _bound(handler, api))


def _bound(handler: Any, api: NinjaAPI) -> Any:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        response: HttpResponse = handler(request, exc, api)
        return response

    return handle


def language_of(request: HttpRequest) -> str:
    """`?lang=` when it names a language of the site, else the one already chosen (cookie)."""
    chosen = request.GET.get("lang", "")
    supported = {code for code, _name in settings.LANGUAGES}
    if chosen in supported:
        return chosen
    return str(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE))
