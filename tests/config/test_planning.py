"""config/planning.py: statements that PostgreSQL plans with each execution's values."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.conftest import terminated

from samhandling.config.compiled import CompiledQuery
from samhandling.config.planning import planned_each_time
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db

CODES = ["0301", "4601", "5001", "1103", "3401", "1506", "3901"]


def _prepared(table: str) -> list[str]:
    """The statements on `table` this connection has prepared (psycopg's, not SQL's PREPARE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall() if f'FROM "{table}"' in row[0]]


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def _deallocated() -> None:
    connection.ensure_connection()
    connection.connection.execute("DEALLOCATE ALL")
    connection.connection._prepared.clear()  # psycopg's own record of them


def test_a_statement_sent_seven_times_inside_is_never_prepared_and_after_it_is() -> None:
    _postgresql_only()
    _deallocated()
    with planned_each_time():
        found = [list(Region.objects.filter(code=code).values_list("code")) for code in CODES]
        assert connection.connection.prepare_threshold is None
    assert _prepared("organisations_region") == []
    assert connection.connection.prepare_threshold == 5
    again = [list(Region.objects.filter(code=code).values_list("code")) for code in CODES]
    assert again == found
    assert len(_prepared("organisations_region")) == 1


def test_a_statement_prepared_before_is_not_run_as_prepared_inside() -> None:
    _postgresql_only()
    _deallocated()
    for code in CODES:
        list(Region.objects.filter(code=code))
    assert len(_prepared("organisations_region")) == 1
    with planned_each_time(), connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ['%FROM "organisations_region"%'])  # fmt: skip
        before = cursor.fetchone()
        list(Region.objects.filter(code="0301"))
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ['%FROM "organisations_region"%'])  # fmt: skip
        assert cursor.fetchone() == before  # the prepared statement was not executed


def test_the_threshold_comes_back_when_the_block_fails() -> None:
    _postgresql_only()
    with pytest.raises(ZeroDivisionError), planned_each_time():
        1 / 0  # noqa: B018
    assert connection.connection.prepare_threshold == 5


def test_elsewhere_than_postgresql_the_statements_run_as_ever(regions: None) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's case")
    with planned_each_time():
        assert Region.objects.filter(code="0301").exists()


def test_a_compiled_query_not_to_be_prepared_gives_django_s_rows_and_is_not_prepared(
    regions: None,
) -> None:
    by_code = CompiledQuery(lambda code: Region.objects.filter(code=code), prepared=False)
    if connection.vendor == "postgresql":
        _deallocated()
    found = [by_code(code) for code in CODES]
    counted = [by_code.count(code) for code in CODES]
    if connection.vendor == "postgresql":
        assert _prepared("organisations_region") == []
        assert connection.connection.prepare_threshold == 5
    assert found == [list(Region.objects.filter(code=code)) for code in CODES]
    assert counted == [Region.objects.filter(code=code).count() for code in CODES]


def test_a_compiled_query_is_prepared_by_default(regions: None) -> None:
    _postgresql_only()
    _deallocated()
    by_code = CompiledQuery(lambda code: Region.objects.filter(code=code).order_by("name"))
    for code in CODES:
        by_code(code)
    assert [
        sql
        for sql in _prepared("organisations_region")
        if 'ORDER BY "organisations_region"."name"' in sql
    ]


def test_the_experience_bank_s_search_is_planned_with_its_words(regions: None) -> None:
    from samhandling.catalogue.selectors import PracticeCriteria, practice_page

    _postgresql_only()
    _deallocated()
    for _ in range(7):
        practice_page(PracticeCriteria(query="skole"), per_page=25, number=1)
        practice_page(PracticeCriteria(), per_page=25, number=1)
    listed = [sql for sql in _prepared("catalogue_practice") if "ORDER BY" in sql]
    assert not [sql for sql in listed if "ts_rank" in sql]
    assert listed  # the list without search words is prepared as any statement


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_before_the_block_not_inside_it() -> None:
    """With persistent connections the request's health check may be the block's: the new
    connection is the one whose statements are planned each time."""
    _postgresql_only()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    terminated(dropped)  # the server ends the backend, as a restart would
    connection.health_check_done = False  # a new request: Django checks before its first query
    with planned_each_time():
        for code in CODES:
            list(Region.objects.filter(code=code).values_list("code"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != dropped
    assert _prepared("organisations_region") == []
    assert connection.connection.prepare_threshold == 5
