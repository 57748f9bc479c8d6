"""config/compiled.py: a queryset's SQL compiled once per shape of values, run with each call's
values, giving what Django's own evaluation gives."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models.sql import compiler
from django.test import override_settings
from django.utils import timezone

from samhandling.config.compiled import CompiledQuery
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(make_person: Callable[..., Person]) -> list[Person]:
    return [
        make_person("Ada", "Berg", born=datetime.date(2010, 1, 5)),
        make_person("Bo", "Dahl", born=datetime.date(2012, 6, 1)),
        make_person("Cato", "Eng", born=datetime.date(2014, 3, 9)),
        make_person("Dina", "Berg", born=datetime.date(2016, 11, 30)),
    ]


@pytest.fixture
def compilations() -> Iterator[list[str]]:
    """The SQL Django compiles meanwhile (the calls' own checking switched off)."""
    compiled: list[str] = []
    original = compiler.SQLCompiler.as_sql

    def as_sql(self: Any, *args: Any, **kwargs: Any) -> Any:
        sql, params = original(self, *args, **kwargs)
        compiled.append(sql)
        return sql, params

    compiler.SQLCompiler.as_sql = as_sql  # type: ignore[method-assign]
    try:
        with override_settings(COMPILED_QUERIES_VERIFY=False):
            yield compiled
    finally:
        compiler.SQLCompiler.as_sql = original  # type: ignore[method-assign]


BORN_BETWEEN = CompiledQuery(
    lambda municipality_id, after, before, family_name: Person.objects.filter(
        municipality_id=municipality_id, date_of_birth__gt=after, date_of_birth__lt=before,
        family_name=family_name,
    ).select_related("municipality").order_by("date_of_birth")
)  # fmt: skip


def test_the_same_objects_as_django_and_compiled_once(
    persons: list[Person], compilations: list[str], django_assert_num_queries: Any
) -> None:
    municipality = persons[0].municipality_id
    query = CompiledQuery(BORN_BETWEEN.build)  # a cache of its own, empty
    first = query(municipality, datetime.date(2009, 1, 1), datetime.date(2017, 1, 1), "Berg")
    assert compilations  # the first call: Django compiles it (with stand-ins and with the values)
    compilations.clear()
    with django_assert_num_queries(1):
        again = query(municipality, datetime.date(2011, 1, 1), datetime.date(2017, 1, 1), "Berg")
        assert again[0].municipality.name  # select_related: no query of its own
    assert compilations == []  # the later call: no compilation at all
    assert [p.pk for p in first] == [persons[0].pk, persons[3].pk]
    assert [p.pk for p in again] == [persons[3].pk]
    expected = list(BORN_BETWEEN.build(municipality, datetime.date(2011, 1, 1),
                                       datetime.date(2017, 1, 1), "Berg"))  # fmt: skip
    assert [(p.pk, p.given_name, p.date_of_birth, p.municipality_id) for p in again] == [
        (p.pk, p.given_name, p.date_of_birth, p.municipality_id) for p in expected
    ]


def test_datetimes_travel_as_parameters_on_both_databases(persons: list[Person]) -> None:
    created_since = CompiledQuery(
        lambda since: Person.objects.filter(created_at__gte=since).order_by("pk")
    )
    now = timezone.now()
    assert created_since(now + datetime.timedelta(hours=1)) == []
    assert [p.pk for p in created_since(now - datetime.timedelta(hours=1))] == [
        p.pk for p in persons
    ]


def test_a_value_that_changes_the_sql_text_is_not_cached(
    persons: list[Person], compilations: list[str]
) -> None:
    first_n = CompiledQuery(lambda n: Person.objects.order_by("pk")[:n])
    assert [p.pk for p in first_n(2)] == [p.pk for p in persons[:2]]
    assert [p.pk for p in first_n(3)] == [p.pk for p in persons[:3]]
    assert any("LIMIT 3" in sql for sql in compilations)  # Django's own, each time


def test_the_check_finds_a_value_that_changes_the_sql_after_the_first_call(
    persons: list[Person],
) -> None:
    named = CompiledQuery(
        lambda name: Person.objects.none() if name == "nobody" else Person.objects.filter(
            given_name=name)
    )  # fmt: skip
    assert [p.pk for p in named("Ada")] == [persons[0].pk]
    with pytest.raises(AssertionError, match="pass it in shape="):
        named("nobody")


def test_a_query_that_can_match_nothing_sends_nothing(
    persons: list[Person], django_assert_num_queries: Any
) -> None:
    among = CompiledQuery(lambda ids: Person.objects.filter(pk__in=ids))
    with django_assert_num_queries(0):
        assert among([]) == []
    assert [p.pk for p in among([persons[1].pk])] == [persons[1].pk]


def test_sql_inside_another_query_and_pages(persons: list[Person]) -> None:
    bergs = CompiledQuery(lambda name: Person.objects.filter(family_name=name).values("pk"))
    by_birth = CompiledQuery(
        lambda inner: Person.objects.filter(pk__in=inner).order_by("-date_of_birth", "pk")
    )
    assert [p.pk for p in by_birth(bergs.sql("Berg"))] == [persons[3].pk, persons[0].pk]
    everyone = CompiledQuery(lambda: Person.objects.order_by("pk"))
    assert everyone.count() == 4
    second = everyone.page(per_page=3, number=2)
    assert [p.pk for p in second.object_list] == [persons[3].pk]
    assert (second.number, second.paginator.num_pages) == (2, 2)
    past_the_end = everyone.page(per_page=3, number=9)
    assert past_the_end.number == 2 and len(past_the_end.object_list) == 1


def test_only_plain_values(persons: list[Person]) -> None:
    with pytest.raises(TypeError, match="not"):
        BORN_BETWEEN(persons[0], datetime.date(2009, 1, 1), datetime.date(2017, 1, 1), "Berg")


def test_a_bool_is_part_of_the_shape(persons: list[Person]) -> None:
    restricted = CompiledQuery(
        lambda flag: Person.objects.filter(processing_restricted=flag).order_by("pk")
    )
    assert [p.pk for p in restricted(False)] == [p.pk for p in persons]
    assert restricted(True) == []
    assert len(restricted._cache) == 2


def test_rows_of_values_list_as_django_gives_them_and_compiled_once(
    persons: list[Person], compilations: list[str]
) -> None:
    from django.db.models import Count, Q, Value

    counts = CompiledQuery(
        lambda family_name, born_after: Person.objects.filter(date_of_birth__gt=born_after)
        .order_by().values(one=Value(1))
        .annotate(named=Count("pk", filter=Q(family_name=family_name)), everyone=Count("pk"))
        .values_list("named", "everyone")
    )  # fmt: skip
    assert counts.rows("Berg", datetime.date(2000, 1, 1)) == [(2, 4)]
    compilations.clear()
    assert counts.rows("Berg", datetime.date(2011, 1, 1)) == [(1, 3)]
    assert counts.rows("Nobody", datetime.date(2030, 1, 1)) == [(0, 0)]  # one row, as aggregate
    assert compilations == []
    assert counts.rows("Berg", datetime.date(2011, 1, 1)) == list(
        counts.build("Berg", datetime.date(2011, 1, 1))
    )


def test_rows_that_django_reshapes_are_left_to_django(persons: list[Person]) -> None:
    """Flat, named and reordered rows are made by Django: the right rows, not cached SQL."""
    from django.db.models import F

    names = [
        CompiledQuery(lambda born: Person.objects.filter(date_of_birth__gt=born)
                      .order_by("date_of_birth").values_list("given_name", flat=True)),
        CompiledQuery(lambda born: Person.objects.filter(date_of_birth__gt=born)
                      .order_by("date_of_birth").values_list("given_name", named=True)),
        CompiledQuery(lambda born: Person.objects.filter(date_of_birth__gt=born)
                      .order_by("date_of_birth").values("given_name")),
        CompiledQuery(lambda born: Person.objects.filter(date_of_birth__gt=born)
                      .annotate(born_on=F("date_of_birth")).order_by("date_of_birth")
                      .values_list("born_on", "given_name")),  # columns reordered
    ]  # fmt: skip
    for query in names:
        for _ in range(2):
            rows = query.rows(datetime.date(2013, 1, 1))
            assert rows == list(query.build(datetime.date(2013, 1, 1)))
            assert len(rows) == 2
        assert all(
            entry is not None and not hasattr(entry, "sql") for entry in query._cache.values()
        )


def test_like_patterns_take_each_calls_text_escaped_as_django_escapes_it(
    persons: list[Person], make_person: Callable[..., Person], compilations: list[str]
) -> None:
    make_person("Per%cent", "Under_score", born=datetime.date(2011, 2, 3))
    named = CompiledQuery(
        lambda part, start: Person.objects.filter(
            given_name__icontains=part, family_name__startswith=start
        ).order_by("pk")
    )  # fmt: skip
    assert [p.given_name for p in named("a", "B")] == ["Ada", "Dina"]
    compilations.clear()
    for part, start in [("DA", "B"), ("%", "U"), ("_", ""), ("r%c", "Under_"), ("a", "_")]:
        expected = list(named.build(part, start))
        compilations.clear()
        assert named(part, start) == expected, (part, start)
        assert compilations == []
    assert [p.given_name for p in named("%", "")] == ["Per%cent"]  # a literal %, not "anything"
    assert named("a", "_") == []  # a literal _, not "any one character"


def test_each_value_converted_as_django_converts_it_with_the_converters_found_once(
    persons: list[Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A datetime comes back aware, a date a date, on both databases (SQLite converts them
    in Python); the columns' converters are looked up at the first run only."""
    query = CompiledQuery(
        lambda since: (
            Person.objects.filter(created_at__gte=since)
            .select_related("municipality")
            .order_by("pk")
        )
    )
    since = timezone.now() - datetime.timedelta(hours=1)
    assert [p.pk for p in query(since)] == [p.pk for p in persons]
    lookups: list[int] = []
    original = compiler.SQLCompiler.get_converters

    def get_converters(self: Any, expressions: Any) -> Any:
        lookups.append(len(expressions))
        return original(self, expressions)

    monkeypatch.setattr(compiler.SQLCompiler, "get_converters", get_converters)
    for _ in range(3):
        again = query(since)
        rows = query.build(since)  # Django's own, as it converts them (one lookup a call)
        expected = [(p.pk, p.created_at, p.date_of_birth, p.municipality.name) for p in rows]
        assert [(p.pk, p.created_at, p.date_of_birth, p.municipality.name)
                for p in again] == expected  # fmt: skip
        assert all(timezone.is_aware(p.created_at) for p in again)
        assert all(type(p.date_of_birth) is datetime.date for p in again)
    assert len(lookups) == 3  # Django's three; the compiled query's none
