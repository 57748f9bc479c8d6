"""The persons API: search (POSTed, so that names and numbers stay out of URLs), register, read."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from samhandling.accounts.authentication import actor
from samhandling.config.api_errors import responses
from samhandling.config.api_fields import PathId
from samhandling.config.ratelimit import rate_limited

from . import selectors, services
from .schemas import Duplicates, PersonDetail, PersonIn, PersonSearch, PersonSummary, person_detail

router = Router(tags=["persons"])


@router.post("/persons/search", response={200: list[PersonSummary], **responses(429)})
@rate_limited("person_search", per="user")
def search_persons(request: HttpRequest, payload: PersonSearch) -> object:
    """Persons in your municipality whose name or identity number matches (at most 20)."""
    return selectors.search_persons(actor(request), payload.query)


@router.post("/persons", response={201: PersonDetail, 409: Duplicates, **responses(403)})
def register_person(request: HttpRequest, payload: PersonIn) -> object:
    """Registers a person in your municipality. 409 lists possible duplicates, unless you send
    "confirm_new": true after checking them."""
    from samhandling.coordination.services import possible_duplicates

    by = actor(request)
    if not payload.confirm_new:
        candidates = possible_duplicates(
            by, national_id=payload.national_id, given_name=payload.given_name,
            family_name=payload.family_name, date_of_birth=payload.date_of_birth,
        )  # fmt: skip
        if candidates:
            detail = _("The person may already be registered. Check the candidates, or send "
                       '"confirm_new": true to register a new person.')  # fmt: skip
            return Status(409, {"detail": detail, "candidates": [p.pk for p in candidates]})
    municipality = by.organisation.municipality if by.organisation else None
    if municipality is None:
        raise PermissionDenied("no municipality to register the person in")
    person = services.register_person(
        by=by, given_name=payload.given_name, family_name=payload.family_name,
        date_of_birth=payload.date_of_birth, municipality=municipality,
        national_id=payload.national_id, id_country=payload.id_country,
        preferred_language=payload.preferred_language,
        address_protection=payload.address_protection,
    )  # fmt: skip
    return Status(201, person_detail(person, []))


@router.get("/persons/{person_id}", response={200: PersonDetail, **responses(404)})
def get_person(request: HttpRequest, person_id: PathId) -> object:
    """A person you work with in a case (the child, or family of the child), with the family."""
    by = actor(request)
    person = selectors.get_person_for(by, person_id, purpose="api")
    return person_detail(person, selectors.family_of(by, person))
