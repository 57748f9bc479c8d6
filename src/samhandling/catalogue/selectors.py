"""Reading the catalogue. Published entries are public, so the readers need no actor; a draft or
withdrawn entry is read only by someone who may edit it (`get_entry_for`).

Full-text search uses PostgreSQL's dictionary for each text's language (a Swedish practice is
stemmed as Swedish, so "socialtjänster" finds "socialtjänsten"); on SQLite it falls back to
case-insensitive substring matching, which finds only what is literally there.

The pages and the API filter through the same functions here: `filter_instruments`,
`filter_initiatives`, `filter_networks`, `filter_practices` (with `practice_facets`) and
`filter_resources`, each given a criteria object whose empty values mean "any".
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.paginator import Page
from django.db import connection, router
from django.db.models import (
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import Contains
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samhandling.config.compiled import CompiledQuery
from samhandling.config.planning import planned_each_time
from samhandling.insight.models import Indicator, Observation, Topic
from samhandling.insight.profiles import Point
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Sector

from .models import (
    Entry,
    Initiative,
    Instrument,
    Network,
    Practice,
    Resource,
    Status,
    TargetGroup,
)
from .services import may_edit

E = TypeVar("E", bound=Entry)

# PostgreSQL's text search configuration for each language of a text; "simple" (no stemming)
# where PostgreSQL has no dictionary.
SEARCH_CONFIG = {
    Practice.Language.BOKMAL: "norwegian",
    Practice.Language.NYNORSK: "norwegian",
    Practice.Language.SWEDISH: "swedish",
    Practice.Language.DANISH: "danish",
    Practice.Language.FINNISH: "finnish",
    Practice.Language.ENGLISH: "english",
}

# The text each kind is searched by: (bokmål fields, English fields), or for a practice the
# fields in its own language.
SEARCH_FIELDS: dict[type[Entry], tuple[tuple[str, ...], tuple[str, ...]]] = {
    Instrument: (
        ("title_nb", "summary_nb", "target_group_nb"),
        ("title_en", "summary_en", "target_group_en"),
    ),
    Initiative: (
        ("title_nb", "challenge_nb", "goals_nb"),
        ("title_en", "challenge_en", "goals_en"),
    ),
    Network: (("name_nb", "purpose_nb"), ("name_en", "purpose_en")),
    Resource: (("title_nb", "summary_nb"), ("title_en", "summary_en")),
    Practice: (("title", "problem", "what_was_done", "results", "lessons_learned"), ()),
}


# --- age bands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    """A span of ages that the coordination view and the practice facets compare by."""

    lowest: int
    highest: int

    @property
    def slug(self) -> str:
        return f"{self.lowest}-{self.highest}"

    @property
    def label(self) -> str:
        return f"{self.lowest}–{self.highest}"

    def overlaps(self, age_from: int, age_to: int) -> bool:
        return age_from <= self.highest and age_to >= self.lowest

    def q(self) -> Q:
        """Entries whose age span overlaps the band."""
        return Q(age_from__lte=self.highest, age_to__gte=self.lowest)


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand(0, 5),
    AgeBand(6, 12),
    AgeBand(13, 15),
    AgeBand(16, 18),
    AgeBand(19, 24),
)
BAND_OF: dict[str, AgeBand] = {band.slug: band for band in AGE_BANDS}


def has_any(field_name: str, values: Iterable[str]) -> Q:
    """Entries whose JSON list `field_name` holds any of `values` (sectors, target groups).
    PostgreSQL asks jsonb containment; SQLite, which has none, looks for the quoted value in
    the list's text (the values are choices, so the quotes make the match exact)."""
    matches = Q()
    for value in values:
        if connection.vendor == "postgresql":
            matches |= Q(**{f"{field_name}__contains": [value]})
        else:
            matches |= Q(Contains(Cast(field_name, TextField()), f'"{value}"'))
    return matches


# --- reading published entries ------------------------------------------------------------


def _published(kind: type[E]) -> QuerySet[E]:
    return kind._default_manager.filter(status=Status.PUBLISHED)


def published(kind: type[E]) -> QuerySet[E]:
    """Every published entry of `kind`."""
    return _published(kind)


def published_instruments() -> QuerySet[Instrument]:
    return _published(Instrument).prefetch_related("owners")


def published_initiatives() -> QuerySet[Initiative]:
    return _published(Initiative).select_related("municipality", "network")


def published_networks() -> QuerySet[Network]:
    return _published(Network).prefetch_related("members")


def published_practices() -> QuerySet[Practice]:
    return _published(Practice)


def published_resources() -> QuerySet[Resource]:
    return _published(Resource)


def only_published(lookup: str, kind: type[Entry]) -> Prefetch:
    """Prefetch related entries of `kind` under `lookup`, leaving out drafts and withdrawn."""
    return Prefetch(lookup, queryset=_published(kind))


def get_entry_for(actor: Actor, kind: type[E], pk: int) -> E:
    """A published entry for anyone; a draft or withdrawn one only for someone who may edit
    it. Anyone else gets 404: what is not public and what does not exist look the same."""
    entry = kind._default_manager.filter(pk=pk).first()
    if entry is None or (not entry.is_published and not may_edit(actor, entry)):
        raise Http404
    return entry


def search_config_of_language() -> Case:
    """The text search configuration of each practice's own language, as an SQL expression."""
    whens = [When(language=code, then=Value(config)) for code, config in SEARCH_CONFIG.items()]
    return Case(*whens, default=Value("simple"))


def refresh_search_vectors(entries: QuerySet[Entry]) -> None:
    """Stems the searchable text of `entries` (all of one kind) into their stored search
    vectors: a practice's in its own language, every other entry's bokmål text as Norwegian and
    its English text as English (PostgreSQL; SQLite searches the text itself). Called by the
    services after every save."""
    if connection.vendor != "postgresql":
        return
    nb_fields, en_fields = SEARCH_FIELDS[entries.model]
    if entries.model is Practice:
        entries.update(search_vector=SearchVector(*nb_fields, config=search_config_of_language()))
    else:
        bokmal = SearchVector(*nb_fields, config="norwegian")
        entries.update(search_vector=bokmal + SearchVector(*en_fields, config="english"))


def search(query: str, *, kind: type[E]) -> QuerySet[E]:
    """The published entries of `kind` that match `query`, best match first on PostgreSQL."""
    entries = _published(kind)
    query = query.strip()
    if not query or "\x00" in query:  # no text holds a NUL character (PostgreSQL cannot)
        return entries.none()
    nb_fields, en_fields = SEARCH_FIELDS[kind]
    if connection.vendor != "postgresql":
        matches = Q()
        for field_name in nb_fields + en_fields:
            matches |= Q(**{f"{field_name}__icontains": query})
        return entries.filter(matches)
    # The stored vector (kept by refresh_search_vectors), read through its GIN index. The query
    # is stemmed in every language the vector may hold, so that it is one constant the index
    # can answer: a practice in any of its languages, everything else in bokmål and English.
    if kind is Practice:
        configs = ["simple", *sorted(set(SEARCH_CONFIG.values()))]
    else:
        configs = ["norwegian", "english"]
    terms = SearchQuery(query, config=configs[0], search_type="websearch")
    for config in configs[1:]:
        terms |= SearchQuery(query, config=config, search_type="websearch")
    found = entries.filter(search_vector=terms).annotate(rank=SearchRank(F("search_vector"), terms))
    return cast("QuerySet[E]", found.order_by("-rank", "pk"))


def planned_as_searched(entries: QuerySet[Any]) -> AbstractContextManager[None]:
    """Where `entries` are a search's results, their statements planned with the search words
    each time, not prepared (config/planning.py: a generic plan builds the words' tsquery
    again for every row); other lists as any statement."""
    if "rank" not in entries.query.annotations:
        return nullcontext()
    return planned_each_time(router.db_for_read(entries.model))


def search_method(kind: type[Entry] | None = None) -> Promise:
    """How the search box matches, in words for the page (it differs by database)."""
    if connection.vendor != "postgresql":
        return _("The search matches the text literally (part of a word is enough).")
    if kind is None:
        return _(
            "The search matches whole words in all their forms: practices in their own "
            "language, everything else in bokmål and English."
        )
    if kind is Practice:
        return _("The search matches whole words in each text's language, in all their forms.")
    return _("The search matches whole words in bokmål and English, in all their forms.")


def _searched(kind: type[E], query: str) -> QuerySet[E]:
    """Search results when there is a query (best match first), else every published entry.
    The list's count, its page and the facets each ask the stored vectors' index again, which
    is cheaper than carrying the ids found from one query to the next."""
    return search(query, kind=kind) if query.strip() else _published(kind)


# --- state instruments ----------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentCriteria:
    query: str = ""
    sector: str = ""
    kind: str = ""
    owner: Organisation | None = None
    age: int | None = None  # the age span covers this age
    band: AgeBand | None = None  # the age span overlaps this band
    target_group: str = ""
    open_for_application: bool = False


def open_for_application(today: datetime.date) -> Q:
    """Open for application: the application deadline is today or later; or, where there is
    no deadline, the instrument's period is running today (it has a start or an end, has
    started and has not ended). An instrument without a deadline or a period (a guide, a legal
    duty) is not something one applies for by a date, so it is not listed as open."""
    running = (
        (Q(period_from__isnull=False) | Q(period_to__isnull=False))
        & (Q(period_from__isnull=True) | Q(period_from__lte=today))
        & (Q(period_to__isnull=True) | Q(period_to__gte=today))
    )
    return Q(application_deadline__gte=today) | (Q(application_deadline__isnull=True) & running)


def is_open_for_application(instrument: Instrument, today: datetime.date) -> bool:
    """The same rule as `open_for_application`, for one instrument."""
    if instrument.application_deadline is not None:
        return instrument.application_deadline >= today
    start, end = instrument.period_from, instrument.period_to
    if start is None and end is None:
        return False
    return (start is None or start <= today) and (end is None or end >= today)


def filter_instruments(criteria: InstrumentCriteria) -> QuerySet[Instrument]:
    """The published instruments that meet every criterion, with their owners."""
    instruments = _searched(Instrument, criteria.query).prefetch_related("owners")
    if criteria.sector:
        instruments = instruments.filter(has_any("sectors", [criteria.sector]))
    if criteria.kind:
        instruments = instruments.filter(kind=criteria.kind)
    if criteria.owner is not None:
        instruments = instruments.filter(pk__in=criteria.owner.instruments.values("pk"))
    if criteria.age is not None:
        instruments = instruments.filter(age_from__lte=criteria.age, age_to__gte=criteria.age)
    if criteria.band is not None:
        instruments = instruments.filter(criteria.band.q())
    if criteria.target_group:
        instruments = instruments.filter(has_any("target_groups", [criteria.target_group]))
    if criteria.open_for_application:
        instruments = instruments.filter(open_for_application(timezone.localdate()))
    return instruments


def owner_directorates() -> QuerySet[Organisation]:
    """The directorates that own a published instrument (the owner filter's choices)."""
    owning = Instrument.owners.through._default_manager.filter(
        instrument__status=Status.PUBLISHED
    ).values("organisation_id")
    return Organisation.objects.filter(kind=Organisation.Kind.DIRECTORATE, pk__in=owning).order_by(
        "short_name", "name"
    )


def find_directorate(value: str) -> Organisation | None:
    """A directorate by its id or its short name (case does not matter)."""
    directorates = Organisation.objects.filter(kind=Organisation.Kind.DIRECTORATE)
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) < 19:
        found = directorates.filter(pk=int(value)).first()
        if found is not None:
            return found
    return directorates.filter(short_name__iexact=value).first() if value else None


# --- the coordination view -------------------------------------------------------------------


def owners_by_instrument(instruments: Iterable[Instrument]) -> dict[int, list[Organisation]]:
    """Each instrument's owner directorates by short name, in two queries (cheaper than
    prefetching for the hundreds of instruments of the coordination view)."""
    pks = [instrument.pk for instrument in instruments]
    links = list(
        Instrument.owners.through._default_manager.filter(instrument_id__in=pks)
        .order_by()
        .values_list("instrument_id", "organisation_id")
    )
    owners = Organisation.objects.in_bulk({owner for _instrument, owner in links})
    found: dict[int, list[Organisation]] = {pk: [] for pk in pks}
    for instrument, owner in links:
        found[instrument].append(owners[owner])
    for listed in found.values():
        listed.sort(key=lambda o: (o.short_name or o.name).casefold())
    return found


@dataclass
class GridCell:
    band: AgeBand
    owners: dict[int, list[Organisation]]  # of every instrument in the grid
    instruments: list[Instrument] = field(default_factory=list)

    @functools.cached_property
    def directorates(self) -> list[Organisation]:
        found = {o.pk: o for item in self.instruments for o in self.owners[item.pk]}
        return sorted(found.values(), key=lambda o: (o.short_name or o.name).casefold())

    @property
    def overlap(self) -> bool:
        """Two or more instruments for the same group and age, from two or more directorates.
        A single joint instrument is coordinated already, not an overlap."""
        return len(self.instruments) >= 2 and len(self.directorates) >= 2

    @property
    def gap(self) -> bool:
        return not self.instruments


@dataclass
class GridRow:
    target_group: str
    label: str
    cells: list[GridCell]


@dataclass
class CoordinationGrid:
    bands: tuple[AgeBand, ...]
    rows: list[GridRow]
    instruments: list[Instrument]  # every instrument of the grid, by title
    owners: dict[int, list[Organisation]]  # each instrument's owner directorates
    joint: list[Instrument]  # instruments with two or more owner directorates
    without_group: list[Instrument]  # instruments that name no target-group category

    @property
    def overlaps(self) -> int:
        return sum(cell.overlap for row in self.rows for cell in row.cells)

    @property
    def gaps(self) -> int:
        return sum(cell.gap for row in self.rows for cell in row.cells)


GRID_FIELDS = ("id", "key", "origin", "title_nb", "title_en", "age_from", "age_to",
               "target_groups")  # fmt: skip


def coordination_grid(sector: str | None = None) -> CoordinationGrid:
    """Target groups × age bands: which published instruments reach each group at each age,
    and from which directorates, so that overlaps and gaps show. Three queries."""
    instruments = published(Instrument).only(*GRID_FIELDS)
    if sector:
        instruments = instruments.filter(has_any("sectors", [sector]))
    found = list(instruments)
    owners = owners_by_instrument(found)
    rows = [
        GridRow(g.value, str(g.label), [GridCell(b, owners) for b in AGE_BANDS])
        for g in TargetGroup
    ]
    row_of = {row.target_group: row for row in rows}
    for instrument in found:
        bands = [n for n, band in enumerate(AGE_BANDS)
                 if band.overlaps(instrument.age_from, instrument.age_to)]  # fmt: skip
        for group in instrument.target_groups or []:
            row = row_of.get(group)
            if row is None:
                continue
            for n in bands:
                row.cells[n].instruments.append(instrument)
    joint = [i for i in found if len(owners[i.pk]) >= 2]
    without_group = [i for i in found if not i.target_groups]
    return CoordinationGrid(AGE_BANDS, rows, found, owners, joint, without_group)


# --- development measures and networks ---------------------------------------------------


@dataclass(frozen=True)
class InitiativeCriteria:
    query: str = ""
    region: Region | None = None  # a municipality or a county
    sector: str = ""
    progress: str = ""


def filter_initiatives(criteria: InitiativeCriteria) -> QuerySet[Initiative]:
    """The published development measures that meet every criterion. A municipality's (or
    county's) measures include those of the networks it is a member of."""
    initiatives = _searched(Initiative, criteria.query).select_related("municipality", "network")
    region = criteria.region
    if region is not None:
        if region.kind == Region.Kind.COUNTY:
            networks = Network.objects.filter(members__parent=region).values("pk")
            initiatives = initiatives.filter(
                Q(municipality__parent=region) | Q(network__in=networks)
            )
        else:
            networks = Network.objects.filter(members=region).values("pk")
            initiatives = initiatives.filter(Q(municipality=region) | Q(network__in=networks))
    if criteria.sector:
        initiatives = initiatives.filter(has_any("sectors", [criteria.sector]))
    if criteria.progress:
        initiatives = initiatives.filter(progress=criteria.progress)
    return initiatives


@dataclass(frozen=True)
class NetworkCriteria:
    query: str = ""
    region: Region | None = None  # a member municipality, or a county one of them is in


def filter_networks(criteria: NetworkCriteria) -> QuerySet[Network]:
    networks = _searched(Network, criteria.query).prefetch_related("members")
    region = criteria.region
    if region is not None:
        members = (
            Q(members__parent=region) if region.kind == Region.Kind.COUNTY else Q(members=region)
        )
        networks = networks.filter(pk__in=Network.objects.filter(members).values("pk"))
    return networks


def find_municipality(code: str) -> Region | None:
    return Region.objects.filter(
        kind=Region.Kind.MUNICIPALITY, country="NO", code=code.strip()
    ).first()


@dataclass
class MemberRow:
    indicator: Indicator
    points: list[Point | None]  # each member's latest value, in the order of the members
    county: Point | None = None
    country: Point | None = None


@dataclass
class MemberComparison:
    members: list[Region]
    county: Region | None  # shown when every member lies in the same county
    country: Region | None
    rows: list[MemberRow]


_POINT_FIELDS = ("region_id", "indicator_id", "period", "year", "value", "status", "note",
                 "mapped_from")  # fmt: skip


def members_side_by_side(network: Network) -> MemberComparison:
    """Each indicator's latest value (and period) for every member of the network, with the
    county's (when they share one) and the country's for the newest of those periods. Four
    queries however many members and indicators."""
    members = sorted(network.members.select_related("parent__parent"), key=lambda m: m.display_name)
    if not members:
        return MemberComparison([], None, None, [])
    counties = {m.parent_id for m in members}
    county = members[0].parent if len(counties) == 1 else None
    first_county = members[0].parent
    country = first_county.parent if first_county is not None else None
    above = [r for r in (county, country) if r is not None]
    observations = Observation.objects.filter(
        region_id__in=[m.pk for m in members] + [r.pk for r in above], breakdown=""
    ).order_by()
    measured = observations.filter(region_id__in=[m.pk for m in members])
    indicators = Indicator.objects.in_bulk(set(measured.values_list("indicator_id", flat=True)))
    series: dict[tuple[int, int], list[Point]] = defaultdict(list)
    for region_id, indicator_id, *values in observations.filter(
        indicator_id__in=list(indicators)
    ).values_list(*_POINT_FIELDS):
        indicator = indicators[indicator_id]
        period, year, value, status, note, mapped = values
        series[(region_id, indicator_id)].append(
            Point(period=period, year=year, value=value, status=status, note=note,
                  mapped_from=mapped, decimals=indicator.decimals, unit=indicator.unit)
        )  # fmt: skip

    def latest(region: Region, indicator_id: int) -> Point | None:
        points = series.get((region.pk, indicator_id), [])
        return max(points, key=lambda p: (p.year, p.period)) if points else None

    def at_or_latest(region: Region | None, indicator_id: int, period: str) -> Point | None:
        if region is None:
            return None
        points = series.get((region.pk, indicator_id), [])
        same = next((p for p in points if p.period == period), None)
        return same or latest(region, indicator_id)

    rows = []
    for indicator_id, indicator in indicators.items():
        points = [latest(member, indicator_id) for member in members]
        newest = max((p for p in points if p is not None), key=lambda p: (p.year, p.period))
        rows.append(
            MemberRow(
                indicator=indicator,
                points=points,
                county=at_or_latest(county, indicator_id, newest.period),
                country=at_or_latest(country, indicator_id, newest.period),
            )
        )
    order = {topic.value: n for n, topic in enumerate(Topic)}
    rows.sort(key=lambda r: (order.get(r.indicator.topic, 99), r.indicator.name.casefold()))
    return MemberComparison(members, county, country, rows)


# --- the Nordic experience bank ------------------------------------------------------------


@dataclass(frozen=True)
class PracticeCriteria:
    """Within one facet any chosen value matches (OR); between facets all must (AND)."""

    query: str = ""
    countries: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    target_groups: frozenset[str] = frozenset()
    bands: frozenset[AgeBand] = frozenset()
    evidence_levels: frozenset[str] = frozenset()
    age: int | None = None
    language: str = ""


FACETS: tuple[tuple[str, Promise], ...] = (
    ("countries", _("Country")),
    ("sectors", _("Sector")),
    ("target_groups", _("Target group")),
    ("bands", _("Age")),
    ("evidence_levels", _("Evidence level")),
)


def _facet_q(name: str, chosen: frozenset[Any]) -> Q:
    if name == "countries":
        return Q(country__in=sorted(chosen))
    if name == "evidence_levels":
        return Q(evidence_level__in=sorted(chosen))
    if name == "bands":
        matches = Q()
        for band in chosen:
            matches |= band.q()
        return matches
    return has_any(name, sorted(chosen))


def filter_practices(criteria: PracticeCriteria) -> QuerySet[Practice]:
    """The published practices that the search words find and that meet every criterion."""
    return _narrowed(_searched(Practice, criteria.query), criteria)


def _narrowed(practices: QuerySet[Practice], criteria: PracticeCriteria) -> QuerySet[Practice]:
    """`practices` narrowed by every criterion but the search words."""
    for name, _label in FACETS:
        chosen = getattr(criteria, name)
        if chosen:
            practices = practices.filter(_facet_q(name, chosen))
    if criteria.age is not None:
        practices = practices.filter(age_from__lte=criteria.age, age_to__gte=criteria.age)
    if criteria.language:
        practices = practices.filter(language=criteria.language)
    return practices


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the criteria's and the query string's name
    label: str
    options: list[FacetOption]


@functools.lru_cache(maxsize=64)
def _facet_labels(name: str, language: str | None) -> tuple[tuple[str, str], ...]:
    """(value, label) of each option of facet `name`, in `language` (the active one, which
    is the key): the same for every page in that language."""
    return tuple((value, label) for value, label, _q in _facet_options(name))


def _facet_options(name: str) -> list[tuple[str, str, Q]]:
    """(value in the query string, label, which practices have it) for each option."""
    if name == "countries":
        return [(v, str(label), Q(country=v)) for v, label in Practice.Country.choices]
    if name == "evidence_levels":
        return [(v, str(label), Q(evidence_level=v)) for v, label in Practice.Evidence.choices]
    if name == "bands":
        return [(band.slug, band.label, band.q()) for band in AGE_BANDS]
    choices = Sector.choices if name == "sectors" else TargetGroup.choices
    return [(v, str(label), has_any(name, [v])) for v, label in choices]


def practice_facets(criteria: PracticeCriteria) -> list[Facet]:
    """Every facet's options with the number of practices each would give: the count of a
    facet's option applies the other facets' choices, not its own (within a facet the choices
    add up). Facets whose "other choices" are the same (every facet with nothing chosen) are
    counted together: one query, plus one for each facet with a choice."""
    return _facets_and_count(criteria)[0]


# What the list shows of a practice (catalogue/practices_body.html): not the texts of the
# practice's own page (what was done, the results, the lessons, ...) nor its search vector,
# which a page of 25 would otherwise read, send and convert.
LISTED = ("title", "country", "level", "language", "age_from", "age_to", "evidence_level",
          "problem", "origin")  # fmt: skip


def _listed_practices(_nul: bool, *values: Any) -> QuerySet[Practice]:
    return filter_practices(_from_values(*values)).only(*LISTED)


_PRACTICES = CompiledQuery(_listed_practices)
# Ranked by search words: planned with the words each time, not prepared (config/planning.py).
_PRACTICES_FOUND = CompiledQuery(_listed_practices, prepared=False)


def practice_page(criteria: PracticeCriteria, *, per_page: int,
                  number: int | str | None) -> tuple[Page[Practice], list[Facet]]:  # fmt: skip
    """Page `number` of `filter_practices(criteria)` (past the end, the last) and
    `practice_facets(criteria)`. The facets' query counts the practices found as well, where
    one facet has nothing chosen (its "other choices" are all the criteria): the list is then
    not counted again."""
    facets, count = _facets_and_count(criteria)
    query = _PRACTICES_FOUND if criteria.query.strip() else _PRACTICES
    page = query.page(*_as_values(criteria), per_page=per_page, number=number, count=count)
    return page, facets


def _facets_and_count(criteria: PracticeCriteria) -> tuple[list[Facet], int | None]:
    groups: dict[PracticeCriteria, list[str]] = defaultdict(list)
    for name, _label in FACETS:
        cleared: dict[str, Any] = {name: frozenset()}
        groups[dataclasses.replace(criteria, **cleared)].append(name)
    language = get_language()
    options = {name: _facet_labels(name, language) for name, _label in FACETS}
    counts: dict[str, int] = {}
    found = None  # how many practices the criteria find, if a group counted them
    for others, names in groups.items():
        counted = [f"{name}_{n}" for name in names for n in range(len(options[name]))]
        rows = _facet_counts(tuple(names)).rows(*_as_values(others))
        *by_option, total = rows[0] if rows else [0] * (len(counted) + 1)
        counts.update(zip(counted, by_option, strict=True))
        if others == criteria:
            found = total or 0
    facets = []
    for name, label in FACETS:
        chosen = {getattr(value, "slug", value) for value in getattr(criteria, name)}
        listed = [FacetOption(value, text, counts[f"{name}_{n}"] or 0, value in chosen)
                  for n, (value, text) in enumerate(options[name])]  # fmt: skip
        facets.append(Facet(name, str(label), listed))
    return facets, found


def _as_values(criteria: PracticeCriteria) -> tuple[Any, ...]:
    """The criteria as plain values for a CompiledQuery: None where nothing is chosen (the SQL
    differs), the age bands as one bool each; first whether the words hold a NUL character
    (search() then finds nothing without asking: other SQL)."""
    return (
        "\x00" in criteria.query,
        criteria.query.strip() or None,
        sorted(criteria.countries) or None,
        sorted(criteria.sectors) or None,
        sorted(criteria.target_groups) or None,
        tuple(band in criteria.bands for band in AGE_BANDS),
        sorted(criteria.evidence_levels) or None,
        criteria.age,
        criteria.language or None,
    )


def _from_values(query: str | None, countries: list[str] | None, sectors: list[str] | None,
                 target_groups: list[str] | None, bands: tuple[bool, ...],
                 evidence_levels: list[str] | None, age: int | None,
                 language: str | None) -> PracticeCriteria:  # fmt: skip
    return PracticeCriteria(
        query=query or "",
        countries=frozenset(countries or ()),
        sectors=frozenset(sectors or ()),
        target_groups=frozenset(target_groups or ()),
        bands=frozenset(band for band, chosen in zip(AGE_BANDS, bands, strict=True) if chosen),
        evidence_levels=frozenset(evidence_levels or ()),
        age=age,
        language=language or "",
    )


@functools.cache
def _facet_counts(names: tuple[str, ...]) -> CompiledQuery[Any]:
    """The counts of the options of the facets `names` (in FACETS order) among the practices
    that the search words find and the other criteria let through, and last how many those
    are, in one row. Compiled once per set of facets (a few: FACETS grouped by which has a
    choice)."""

    def build(_nul: bool, *values: Any) -> QuerySet[Any]:
        criteria = _from_values(*values)
        practices = published_practices().order_by()
        if criteria.query:
            practices = practices.filter(
                pk__in=search(criteria.query, kind=Practice).values("pk")
            )  # fmt: skip
        wanted = {
            f"{name}_{n}": Count("pk", filter=q)
            for name in names
            for n, (_v, _l, q) in enumerate(_facet_options(name))
        }
        wanted["total"] = Count("pk")  # the practices these criteria find
        counted = _narrowed(practices, criteria).values(one=Value(1)).annotate(**wanted)
        return counted.values_list(*wanted)

    return CompiledQuery(build)


def similar_practices(practice: Practice, *, limit: int = 5) -> list[Practice]:
    """Up to `limit` other published practices that share the most with this one: one point
    for each shared sector and each shared target group, one for an overlapping age span and
    one for the same level; ties by title. Practices that share nothing are not similar. The
    score is worked out in the database: one query however large the experience bank."""
    points: list[Q] = [has_any("sectors", [sector]) for sector in set(practice.sectors or [])]
    points += [has_any("target_groups", [group]) for group in set(practice.target_groups or [])]
    points += [
        Q(age_from__lte=practice.age_to, age_to__gte=practice.age_from),
        Q(level=practice.level),
    ]
    score = sum(
        (Case(When(point, then=Value(1)), default=Value(0)) for point in points),
        start=Value(0),
    )
    scored = published_practices().exclude(pk=practice.pk).annotate(score=score)
    best = scored.filter(score__gt=0).order_by("-score", Lower("title"), "title", "pk")
    return list(best[:limit])


# --- learning resources --------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceCriteria:
    query: str = ""
    kind: str = ""


def filter_resources(criteria: ResourceCriteria) -> QuerySet[Resource]:
    resources = _searched(Resource, criteria.query)
    if criteria.kind:
        resources = resources.filter(kind=criteria.kind)
    return resources
