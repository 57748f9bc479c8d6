from django.http import HttpRequest

from .actors import ANONYMOUS, Actor


def actor(request: HttpRequest) -> dict[str, Actor]:
    """Puts the request's actor (user, role, organisation) into every template."""
    return {"actor": getattr(request, "actor", ANONYMOUS)}
