from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context, services


class RequestContextMiddleware:
    """Gives every request an id (echoed in X-Request-ID) and a channel for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with context.bound(channel=channel) as ctx:
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class AuditBatchMiddleware:
    """Appends the events of what the request read together before the response leaves
    (`services.batched`). It stands inside DatabaseUnavailableMiddleware, so that a database
    that stops answering while the events are appended gives the same 503 as anywhere else;
    any other failure to append is a 500, never the data that was read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with services.batched():
            return self.get_response(request)
