"""Reading the catalogue. Published entries are public, so the readers need no actor.

Full-text search uses PostgreSQL's dictionary for each text's language (a Swedish practice is
stemmed as Swedish, so "socialtjänster" finds "socialtjänsten"); on SQLite it falls back to
case-insensitive substring matching, which finds only what is literally there.
"""

from __future__ import annotations

from typing import TypeVar, cast

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression

from .models import Entry, Initiative, Instrument, Network, Practice, Resource, Status

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


def _published(kind: type[E]) -> QuerySet[E]:
    return kind._default_manager.filter(status=Status.PUBLISHED)


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


def search_config_of_language() -> Case:
    """The text search configuration of each practice's own language, as an SQL expression."""
    whens = [When(language=code, then=Value(config)) for code, config in SEARCH_CONFIG.items()]
    return Case(*whens, default=Value("simple"))


def search(query: str, *, kind: type[E]) -> QuerySet[E]:
    """The published entries of `kind` that match `query`, best match first on PostgreSQL."""
    entries = _published(kind)
    query = query.strip()
    if not query:
        return entries.none()
    nb_fields, en_fields = SEARCH_FIELDS[kind]
    if connection.vendor != "postgresql":
        matches = Q()
        for field in nb_fields + en_fields:
            matches |= Q(**{f"{field}__icontains": query})
        return entries.filter(matches)
    if kind is Practice:
        config = search_config_of_language()
        vector: SearchVector | CombinedExpression = SearchVector(*nb_fields, config=config)
        terms = SearchQuery(query, config=config, search_type="websearch")
    else:
        vector = SearchVector(*nb_fields, config="norwegian") + SearchVector(
            *en_fields, config="english"
        )
        terms = SearchQuery(query, config="norwegian", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
    ranked = entries.annotate(search=vector, rank=SearchRank(vector, terms))
    return cast("QuerySet[E]", ranked.filter(search=terms).order_by("-rank", "pk"))
