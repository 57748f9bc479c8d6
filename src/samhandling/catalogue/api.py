"""The catalogue's API: the published state instruments, development measures, municipal
networks, practices of the Nordic experience bank and learning resources, read only.

Everything here is public (no sign-in) and nothing is about a person. The filters are the same
selectors as the web pages use. A draft or withdrawn entry does not exist here (404). Lists
page with `limit` and `offset` and say how many match in all (`count`).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import StringConstraints

from samhandling.config.api_errors import Error, FieldErrors, field_error
from samhandling.config.api_fields import MAX_ID, NO_NULL, PathId, Text200, inline_choices
from samhandling.organisations.models import Sector

from . import selectors
from .models import (
    Entry,
    Initiative,
    Instrument,
    Network,
    Practice,
    Resource,
    TargetGroup,
)
from .schemas import (
    InitiativeOut,
    InitiativePage,
    InstrumentOut,
    InstrumentPage,
    NetworkOut,
    NetworkPage,
    PracticeOut,
    PracticePage,
    ResourceOut,
    ResourcePage,
)

router = Router(tags=["catalogue"], auth=None)

E = TypeVar("E", bound=Entry)
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$"), NO_NULL]
Owner = Annotated[str, StringConstraints(max_length=100), NO_NULL]
InstrumentKind = Annotated[Instrument.Kind, inline_choices(Instrument.Kind)]
ResourceKind = Annotated[Resource.Kind, inline_choices(Resource.Kind)]
# ninja's way to declare query parameters is a call in the default (B008)
LIMIT = Query(25, ge=1, le=100)  # noqa: B008
OFFSET = Query(0, ge=0, le=MAX_ID)  # noqa: B008
AGE = Query(None, ge=0, le=24, description="Entries whose age span covers this age")  # noqa: B008


def _published(lookup: str, kind: type[Entry]) -> Prefetch:
    return selectors.only_published(lookup, kind)


def _page(entries: QuerySet[E], limit: int, offset: int) -> dict[str, Any]:
    with selectors.planned_as_searched(entries):
        return {"count": entries.count(), "limit": limit, "offset": offset,
                "items": list(entries[offset : offset + limit])}  # fmt: skip


def _one(entries: QuerySet[E], pk: int) -> E:
    entry = entries.filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def _municipality(code: str | None, field: str) -> Any:
    if code is None:
        return None
    municipality = selectors.find_municipality(code)
    if municipality is None:
        raise field_error(field, _("No municipality has the number %(codes)s.") % {"codes": code})
    return municipality


# --- state instruments ----------------------------------------------------------------------


def _instruments(entries: QuerySet[Instrument]) -> QuerySet[Instrument]:
    return entries.prefetch_related(
        "owners", _published("initiatives", Initiative),
        _published("learning_resources", Resource),
    )  # fmt: skip


@router.get("/instruments", response={200: InstrumentPage, 422: FieldErrors}, auth=None)
def list_instruments(
    request: HttpRequest,
    q: Text200 = Query(""),  # noqa: B008
    sector: Sector | None = Query(None),  # noqa: B008
    kind: InstrumentKind | None = Query(None),  # noqa: B008
    owner: Owner | None = Query(None, description="A directorate's short name or id"),  # noqa: B008
    age: int | None = AGE,
    target_group: TargetGroup | None = Query(None),  # noqa: B008
    open: bool | None = Query(None, description="Only those open for application"),  # noqa: B008
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> object:
    """The published state instruments, with their owner directorates. Open for application:
    the deadline is today or later, or there is no deadline and the instrument's period is
    running today."""
    directorate = None
    if owner is not None:
        directorate = selectors.find_directorate(owner)
        if directorate is None:
            raise field_error("owner", _("No directorate has this short name or id."))
    criteria = selectors.InstrumentCriteria(
        query=q, sector=sector or "", kind=kind or "", owner=directorate, age=age,
        target_group=target_group or "", open_for_application=bool(open),
    )  # fmt: skip
    return _page(_instruments(selectors.filter_instruments(criteria)), limit, offset)


@router.get("/instruments/{id}", response={200: InstrumentOut, 404: Error}, auth=None)
def get_instrument(request: HttpRequest, id: PathId) -> object:
    return _one(_instruments(selectors.published_instruments()), id)


# --- development measures -------------------------------------------------------------------


def _initiatives(entries: QuerySet[Initiative]) -> QuerySet[Initiative]:
    return entries.select_related("municipality", "network").prefetch_related(
        "indicators", _published("instruments", Instrument)
    )


@router.get("/initiatives", response={200: InitiativePage, 422: FieldErrors}, auth=None)
def list_initiatives(
    request: HttpRequest,
    q: Text200 = Query(""),  # noqa: B008
    municipality: MunicipalityCode | None = Query(  # noqa: B008
        None, description="A municipality's number: its own measures and its networks'"
    ),
    sector: Sector | None = Query(None),  # noqa: B008
    progress: Initiative.Progress | None = Query(None),  # noqa: B008
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> object:
    """The published development measures, with the indicators of the challenge each answers
    (by code) and the instruments it uses. A municipality's measures include those of the
    networks it is a member of."""
    criteria = selectors.InitiativeCriteria(
        query=q, region=_municipality(municipality, "municipality"), sector=sector or "",
        progress=progress or "",
    )  # fmt: skip
    return _page(_initiatives(selectors.filter_initiatives(criteria)), limit, offset)


@router.get("/initiatives/{id}", response={200: InitiativeOut, 404: Error}, auth=None)
def get_initiative(request: HttpRequest, id: PathId) -> object:
    return _one(_initiatives(selectors.published_initiatives()), id)


# --- networks -------------------------------------------------------------------------------


def _networks(entries: QuerySet[Network]) -> QuerySet[Network]:
    return entries.prefetch_related("members", _published("initiatives", Initiative))


@router.get("/networks", response={200: NetworkPage, 422: FieldErrors}, auth=None)
def list_networks(
    request: HttpRequest,
    q: Text200 = Query(""),  # noqa: B008
    municipality: MunicipalityCode | None = Query(None, description="A member's number"),  # noqa: B008
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> object:
    """The published municipal networks with their member municipalities."""
    criteria = selectors.NetworkCriteria(
        query=q, region=_municipality(municipality, "municipality")
    )
    return _page(_networks(selectors.filter_networks(criteria)), limit, offset)


@router.get("/networks/{id}", response={200: NetworkOut, 404: Error}, auth=None)
def get_network(request: HttpRequest, id: PathId) -> object:
    return _one(_networks(selectors.published_networks()), id)


# --- the Nordic experience bank ------------------------------------------------------------


def _practices(entries: QuerySet[Practice]) -> QuerySet[Practice]:
    return entries.prefetch_related("translations", _published("learning_resources", Resource))


@router.get("/practices", response={200: PracticePage, 422: FieldErrors}, auth=None)
def list_practices(
    request: HttpRequest,
    q: Text200 = Query(""),  # noqa: B008
    country: Practice.Country | None = Query(None),  # noqa: B008
    sector: Sector | None = Query(None),  # noqa: B008
    target_group: TargetGroup | None = Query(None),  # noqa: B008
    evidence_level: Practice.Evidence | None = Query(None),  # noqa: B008
    age: int | None = AGE,
    language: Practice.Language | None = Query(None, description="The text's language"),  # noqa: B008
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> object:
    """The published practices of the Nordic experience bank. The search (`q`) matches whole
    words in each practice's own language on PostgreSQL, the text literally elsewhere."""
    criteria = selectors.PracticeCriteria(
        query=q,
        countries=frozenset([country] if country else []),
        sectors=frozenset([sector] if sector else []),
        target_groups=frozenset([target_group] if target_group else []),
        evidence_levels=frozenset([evidence_level] if evidence_level else []),
        age=age,
        language=language or "",
    )
    return _page(_practices(selectors.filter_practices(criteria)), limit, offset)


@router.get("/practices/{id}", response={200: PracticeOut, 404: Error}, auth=None)
def get_practice(request: HttpRequest, id: PathId) -> object:
    return _one(_practices(selectors.published_practices()), id)


# --- learning resources --------------------------------------------------------------------


def _resources(entries: QuerySet[Resource]) -> QuerySet[Resource]:
    return entries.prefetch_related(
        _published("practices", Practice), _published("instruments", Instrument)
    )


@router.get("/resources", response={200: ResourcePage, 422: FieldErrors}, auth=None)
def list_resources(
    request: HttpRequest,
    q: Text200 = Query(""),  # noqa: B008
    kind: ResourceKind | None = Query(None),  # noqa: B008
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> object:
    """The published guides, courses and learning resources, with their practices and
    instruments."""
    criteria = selectors.ResourceCriteria(query=q, kind=kind or "")
    return _page(_resources(selectors.filter_resources(criteria)), limit, offset)


@router.get("/resources/{id}", response={200: ResourceOut, 404: Error}, auth=None)
def get_resource(request: HttpRequest, id: PathId) -> object:
    return _one(_resources(selectors.published_resources()), id)
