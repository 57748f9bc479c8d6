"""Statements that PostgreSQL plans with each execution's own values instead of preparing them.

The app's PostgreSQL connections prepare a statement once they have sent it five times
(settings: `prepare_threshold`), and PostgreSQL may then plan it once for any values: a
generic plan. For most of the app's SQL that saves the planning. A full-text search is the
exception. A generic plan cannot fold the search words into one tsquery constant, so it builds
the tsquery again for every row it ranks and rechecks. The experience bank's page of 25
results took 3.2 ms prepared and 1.3 ms planned with its words (bench/RESULTS.md). A search
for part of a name (`LIKE '%…%'`) is another: only a plan made with the words knows how rare
they are. `planned_each_time` is for such statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def planned_each_time(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Statements sent meanwhile on connection `alias` are neither prepared nor run as
    prepared: PostgreSQL plans each with its values. Elsewhere than PostgreSQL, nothing
    changes."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    # As Django does before a cursor: the request's health check first, so that a connection
    # the server dropped is replaced before its threshold is set, not after.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    psycopg_connection = connection.connection
    threshold = psycopg_connection.prepare_threshold
    psycopg_connection.prepare_threshold = None  # psycopg: prepare nothing, use nothing prepared
    try:
        yield
    finally:
        psycopg_connection.prepare_threshold = threshold
