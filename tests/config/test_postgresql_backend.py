"""config/postgresql: the health check of a kept connection looks at its socket before it asks
the server, and a connection the server ended is still replaced before a request uses it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from tests.conftest import connections_other, terminated

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


def _backend_and_last_statement() -> tuple[int, str]:
    """This connection's backend, and the last statement the server received on it."""
    pid = connection.connection.info.backend_pid
    with connections_other() as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return pid, row[0]


def _new_request() -> None:
    """As Django does when a request starts: a kept connection is checked once more."""
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = False


def test_the_engine_is_ours_with_health_checks_on() -> None:
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "samhandling.config.postgresql"
    assert database["CONN_HEALTH_CHECKS"] is True


def test_a_kept_idle_connection_is_checked_without_a_round_trip() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement before the check'")
    before = _backend_and_last_statement()
    _new_request()
    connection.close_if_health_check_failed()
    assert connection.health_check_done
    assert _backend_and_last_statement() == before  # no SELECT 1 reached the server
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_connection_the_server_ended_is_replaced_before_the_first_query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ended = cursor.fetchone()[0]
    terminated(ended)
    _new_request()
    with connection.cursor() as cursor:  # the check comes first: no error, a new backend
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != ended


def test_a_connection_inside_a_transaction_is_asked() -> None:
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN")
    try:
        raw.execute("SELECT 'inside'")
        assert connection.is_usable()
        assert _backend_and_last_statement()[1] == "SELECT 1"
    finally:
        raw.execute("ROLLBACK")


def test_a_closed_connection_is_not_usable() -> None:
    connection.ensure_connection()
    connection.connection.close()
    assert not connection.is_usable()
    connection.close()
