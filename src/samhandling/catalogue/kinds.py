"""The five kinds of catalogue entry by the names used in addresses, files and the API."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Entry, Initiative, Instrument, Network, Practice, Resource

# slug (in addresses, import files and exports) -> model; the order is the order of the pages
KINDS: dict[str, type[Entry]] = {
    "instruments": Instrument,
    "initiatives": Initiative,
    "networks": Network,
    "practices": Practice,
    "resources": Resource,
}
SLUG_OF: dict[type[Entry], str] = {model: slug for slug, model in KINDS.items()}
PLURAL: dict[str, Promise] = {
    "instruments": _("State instruments"),
    "initiatives": _("Development measures"),
    "networks": _("Municipal networks"),
    "practices": _("Nordic experience bank"),
    "resources": _("Guides, courses and learning resources"),
}


def kind_of(slug: str) -> type[Entry]:
    """The model for an address's kind; 404 for any other word."""
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None
