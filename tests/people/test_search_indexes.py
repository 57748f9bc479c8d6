"""The person search is served by the indexes of migration people 0005 on PostgreSQL: the
SQL Django writes must be the indexes' expressions exactly, and their `LIKE 'word%'` a range of
the index, or PostgreSQL walks a municipality's persons instead."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from samhandling.accounts.models import User
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person
from samhandling.people.selectors import search_persons

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's"
)

GIVEN = ["Ada", "Bo", "Cecilie", "Dag", "Eli", "Frode", "Guro", "Halvor", "Ingrid", "Jon"]
FAMILY = ["Aas", "Berg", "Dahl", "Eide", "Foss", "Haug", "Lie", "Moen", "Nilsen", "Strand"]


def _plan(sql: str, kept: str) -> str:
    """The plan of `sql` with only the index of 0005 named `kept` to serve it: the other btree
    indexes on the municipality go (inside a savepoint of the test's transaction, rolled back
    at once), and a table scan is priced out."""
    savepoint = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'people_person'"
                " AND indexdef LIKE '%%USING btree (municipality_id%%' AND indexname <> %s",
                [kept],
            )
            others = [row[0] for row in cursor.fetchall()]
            assert "person_name" in others, others
            cursor.execute(f"DROP INDEX {', '.join(others)}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        transaction.savepoint_rollback(savepoint)


def _index_of(sql: str) -> str:
    """The index of 0005 that the part of the search in `sql` is to read: the family names'
    for a part that matches a family name, else the given names', or the numbers'."""
    if 'UPPER("people_person"."family_name") COLLATE "C")::text LIKE' in sql:
        return "person_name_bytewise"
    if '("people_person"."national_id" COLLATE "C")::text LIKE' in sql:
        return "person_national_id_bytewise"
    return "person_given_name_bytewise"


@pytest.mark.parametrize(
    ("query", "expected", "indexes"),
    [
        ("nordm", ["Nordmann"], {"person_name_bytewise", "person_given_name_bytewise"}),
        ("ola nord", ["Nordmann"], {"person_name_bytewise", "person_given_name_bytewise"}),
        ("20120517", [], {"person_national_id_bytewise"}),
    ],
)
def test_each_part_of_the_search_reads_a_range_of_its_index(
    teacher: User,
    make_person: Callable[..., Person],
    query: str,
    expected: list[str],
    indexes: set[str],
) -> None:
    person = make_person("Ola", "Nordmann")
    Person.objects.bulk_create(
        Person(given_name=GIVEN[number % 10], family_name=f"{FAMILY[number % 10]}{number}",
               date_of_birth=datetime.date(2010, 1, 1) + datetime.timedelta(days=number),
               municipality_id=person.municipality_id)
        for number in range(300)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        found = search_persons(actor_for(teacher), query)
    assert [p.family_name for p in found] == expected
    sqls = [q["sql"] for q in captured.captured_queries if 'FROM "people_person"' in q["sql"]]
    assert {_index_of(sql) for sql in sqls} == indexes
    for sql in sqls:
        # Only that index left to serve it (others, equal on a table this small, could):
        # read from where the word's names begin, `>=` and `<` of the word.
        plan = _plan(sql, _index_of(sql))
        assert f"Index Scan using {_index_of(sql)}" in plan and ">=" in plan, plan


def test_the_search_is_planned_with_its_words_each_time_not_prepared(
    teacher: User, make_person: Callable[..., Person]
) -> None:
    """config/planning.py: a plan made once for any words cannot see where they begin."""
    make_person("Sjelden", "Trigramsen", born=datetime.date(2012, 2, 2))
    actor = actor_for(teacher)
    for word in ["trigr", "sjel", "TRIGRAMSEN", "Sjelden", "sj tr", "Tri", "sjelden trigramsen"]:
        assert [person.given_name for person in search_persons(actor, word)] == ["Sjelden"]
    for digits in ["010101", "020202", "030303", "040404", "050505", "060606", "070707"]:
        search_persons(actor, digits)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        searches = [row[0] for row in cursor.fetchall() if 'FROM "people_person"' in row[0]]
    assert not [sql for sql in searches if "LIKE" in sql]
