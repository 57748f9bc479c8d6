"""The JSON API, /api/v1/: the same selectors and services as the web pages, for integrations
(bearer tokens) and for the browser (the signed-in session, with its CSRF token).

The OpenAPI document is at /api/v1/openapi.json and the browsable docs at /api/v1/docs.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.operation import Operation

from samhandling.accounts.authentication import BearerToken, SignedInSession
from samhandling.catalogue.api import router as catalogue
from samhandling.coordination.api import router as coordination
from samhandling.insight.api import router as insight
from samhandling.people.api import router as people

from . import api_errors


class Api(NinjaAPI):
    def on_exception(self, request: HttpRequest, exc: Any) -> HttpResponse:
        """Errors in the language the request chose (`?lang=en`, or the language cookie)."""
        language = api_errors.language_of(request)
        with translation.override(language):
            response = super().on_exception(request, exc)
        response["Content-Language"] = language
        return response

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__


api = Api(
    title="Samhandling 0–24",
    version="1",
    description=(
        "The services around a child or young person, working as one. Authenticate with "
        "`Authorization: Bearer <token>` (issued by an administrator) or, in the browser, with "
        "the signed-in session and the CSRF token in `X-CSRFToken`. Errors: "
        '`{"detail": …}`, and for invalid input (422) `{"detail": …, "errors": {field: '
        "[message, …]}}`. Messages are in Norwegian bokmål; `?lang=en` for English."
    ),
    auth=[BearerToken(), SignedInSession()],
    urls_namespace="api",
)
api_errors.install(api)
api.add_router("", people)
api.add_router("", coordination)
api.add_router("", insight)
api.add_router("", catalogue)
