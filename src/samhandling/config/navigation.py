"""The main menu: each role sees only what it may use."""

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samhandling.organisations.actors import ANONYMOUS, CITIZEN, Actor
from samhandling.organisations.models import Role

from .jinja import rendered_in, url_in

EVERY_ROLE = frozenset(Role.values)  # every role at work; the family has its own menu
CASEWORK = frozenset({Role.PROFESSIONAL, Role.SERVICE_LEADER})
FAMILY = frozenset({CITIZEN})
STATISTICS = frozenset({Role.ANALYST, Role.DIRECTORATE_EDITOR})  # imports, research downloads
# The catalogue's writers: directorate editors, and a municipality's analysts and service
# leaders for its own development measures (catalogue.services.may_edit).
CATALOGUE_WRITERS = frozenset({Role.DIRECTORATE_EDITOR, Role.ANALYST, Role.SERVICE_LEADER})


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: Promise
    roles: frozenset[str]
    public: bool = False  # shown to visitors who are not signed in, too


MENU = (
    MenuItem("home", _("Front page"), EVERY_ROLE),
    MenuItem("coordination:my_work", _("My work"), CASEWORK),
    MenuItem("people:search", _("Find a person"), CASEWORK),
    # Professionals record concerns (access.policy.may_open_case); service leaders review.
    MenuItem("coordination:record_concern", _("Record a concern"), frozenset({Role.PROFESSIONAL})),
    MenuItem("coordination:leader_review", _("Review"), frozenset({Role.SERVICE_LEADER})),
    MenuItem("insight:index", _("Challenge picture"), EVERY_ROLE, public=True),
    MenuItem("insight:imports", _("Import statistics"), STATISTICS),
    MenuItem("insight:research", _("Research data"), STATISTICS),
    MenuItem("catalogue:index", _("Instruments and experience"), EVERY_ROLE, public=True),
    MenuItem("catalogue:editorial", _("Editorial desk"), CATALOGUE_WRITERS),
    MenuItem("organisations:regions", _("Municipalities and counties"), EVERY_ROLE),
    MenuItem("admin:index", _("Administration"), frozenset({Role.SYSTEM_ADMIN})),
    # The child, the youth and the guardian see only their own pages.
    MenuItem("portal:home", _("My page"), FAMILY),
    MenuItem("portal:consents", _("Consents"), FAMILY),
    MenuItem("portal:exports", _("My data"), FAMILY),
)


def _shown(item: MenuItem, actor: Actor) -> bool:
    if not actor.is_authenticated:
        return item.public
    if actor.is_citizen:
        return CITIZEN in item.roles
    return actor.role in item.roles or (item.roles == EVERY_ROLE and actor.is_authenticated)


def menu_for(actor: Actor, current_path: str) -> list[dict[str, object]]:
    """The items the actor may use; the one whose address matches the path best is current."""
    shown = tuple(index for index, item in enumerate(MENU) if _shown(item, actor))
    items: list[dict[str, object]] = [
        {"url": address, "label": label, "current": False}
        for address, label in _entries(shown, rendered_in()[:3])
    ]
    matches = [
        str(item["url"])
        for item in items
        if current_path == item["url"]
        or (item["url"] != "/" and current_path.startswith(str(item["url"])))
    ]
    best = max(matches, key=len, default=None)
    for entry in items:
        entry["current"] = entry["url"] == best
    return items


@functools.lru_cache(maxsize=256)
def _entries(
    shown: tuple[int, ...], where: tuple[str | None, str, Any]
) -> tuple[tuple[str, str], ...]:
    """The address and the translated label of each item shown, remembered per set of items
    and per language, script prefix and URL configuration (config/jinja.py's RENDERED_IN): the
    menu's seven or so addresses and labels took 0.1 ms of every page. The key holds menu
    positions and a language, nothing of who asked."""
    language = where[0]
    with translation.override(language):
        return tuple(
            (url_in(where, MENU[index].url_name, ()), str(MENU[index].label)) for index in shown
        )


def navigation(request: HttpRequest) -> dict[str, object]:
    actor = getattr(request, "actor", ANONYMOUS)
    # Once per request: every template rendered with the request runs the context
    # processors again (a component included from a Jinja2 page body, for one).
    menu = getattr(request, "_navigation_menu", None)
    if menu is None or menu[0] is not actor:
        menu = (actor, menu_for(actor, request.path))
        request._navigation_menu = menu  # type: ignore[attr-defined]
    return {
        "navigation": menu[1],
        "settings_demo_mode": settings.DEMO_MODE,
        "settings_oidc_enabled": settings.OIDC_ENABLED,
    }
