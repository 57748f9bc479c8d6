"""The person search is served by the trigram indexes on PostgreSQL (migration people 0004):
Django's SQL for `icontains` must be the indexes' expression exactly, or they are never used."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samhandling.accounts.models import User
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person
from samhandling.people.selectors import search_persons

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigram indexes are PostgreSQL's"
)

GIVEN = ["Ada", "Bo", "Cecilie", "Dag", "Eli", "Frode", "Guro", "Halvor", "Ingrid", "Jon"]
FAMILY = ["Aas", "Berg", "Dahl", "Eide", "Foss", "Haug", "Lie", "Moen", "Nilsen", "Strand"]


def test_the_search_for_a_name_uses_the_trigram_indexes(
    teacher: User, make_person: Callable[..., Person]
) -> None:
    rare = make_person("Sjelden", "Trigramsen", born=datetime.date(2012, 2, 2))
    Person.objects.bulk_create(
        Person(given_name=GIVEN[number % 10], family_name=f"{FAMILY[number % 10]}{number}",
               date_of_birth=datetime.date(2010, 1, 1) + datetime.timedelta(days=number),
               municipality_id=rare.municipality_id)
        for number in range(300)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        found = search_persons(actor_for(teacher), "gramse")
    assert [person.family_name for person in found] == ["Trigramsen"]
    sql = next(q["sql"] for q in captured.captured_queries if 'FROM "people_person"' in q["sql"])
    with connection.cursor() as cursor:
        # Only the trigram indexes may serve the name condition now: the btree indexes on the
        # municipality go (inside the test's transaction, which is rolled back), and a table
        # scan is priced out. A plan without them means the indexes' expression is not
        # Django's, and PostgreSQL would never use them.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'people_person'"
            " AND indexdef LIKE '%USING btree (municipality_id%'"
        )
        btrees = [row[0] for row in cursor.fetchall()]
        assert "person_name" in btrees, btrees
        cursor.execute(f"DROP INDEX {', '.join(btrees)}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_family_name_trgm" in plan and "person_given_name_trgm" in plan, plan


def test_the_search_is_planned_with_its_words_each_time_not_prepared(
    teacher: User, make_person: Callable[..., Person]
) -> None:
    """config/planning.py: a plan made once for any words cannot see how rare they are."""
    make_person("Sjelden", "Trigramsen", born=datetime.date(2012, 2, 2))
    actor = actor_for(teacher)
    for word in ["gramse", "jelde", "gram", "sjel", "trigr", "amsen", "Sjelden"]:
        assert [person.given_name for person in search_persons(actor, word)] == ["Sjelden"]
    for digits in ["010101", "020202", "030303", "040404", "050505", "060606", "070707"]:
        search_persons(actor, digits)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        searches = [row[0] for row in cursor.fetchall() if 'FROM "people_person"' in row[0]]
    assert not [sql for sql in searches if "LIKE" in sql]
