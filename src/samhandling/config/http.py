"""The request as our middleware leaves it, for type checking views."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from samhandling.organisations.actors import Actor


class Request(HttpRequest):
    actor: Actor
    htmx: HtmxDetails
    request_id: str
