"""The main menu: each role sees only what it may use."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samhandling.organisations.actors import ANONYMOUS, Actor
from samhandling.organisations.models import Role

EVERY_ROLE = frozenset(Role.values)


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: Promise
    roles: frozenset[str]


MENU = (
    MenuItem("home", _("Front page"), EVERY_ROLE),
    MenuItem(
        "people:search", _("Find a person"), frozenset({Role.PROFESSIONAL, Role.SERVICE_LEADER})
    ),
    MenuItem("organisations:regions", _("Municipalities and counties"), EVERY_ROLE),
    MenuItem("admin:index", _("Administration"), frozenset({Role.SYSTEM_ADMIN})),
)


def menu_for(actor: Actor, current_path: str) -> list[dict[str, object]]:
    items = []
    for item in MENU:
        if actor.role in item.roles or (item.roles == EVERY_ROLE and actor.is_authenticated):
            url = reverse(item.url_name)
            current = current_path == url if url == "/" else current_path.startswith(url)
            items.append({"url": url, "label": item.label, "current": current})
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    actor = getattr(request, "actor", ANONYMOUS)
    return {
        "navigation": menu_for(actor, request.path) if actor.is_authenticated else [],
        "settings_demo_mode": settings.DEMO_MODE,
    }
