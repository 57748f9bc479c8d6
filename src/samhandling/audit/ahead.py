"""A request's events sent ahead on a connection of their own, without waiting (PostgreSQL).

`services.send_ahead` appends what a page has read while the page renders. The batch
statement goes out through libpq's asynchronous interface on a connection kept for this,
and the request goes on at once; the end of the request (`services.batched`) takes the
answer. Nothing waits in between: the database hashes, inserts and commits while the
request's own connection answers its other queries and the template renders.

Until 2026-11-28 a thread of each process sent the statement. It had to win the interpreter
back from the rendering request to send it, and again to take the answer, each time up to
the switch interval: with the cores busy, the append of a person search's twenty reads took
4.5 ms in that thread against 1.5 ms on its own, and the case page of the audit benchmark
took twice as long beside four writers (bench/RESULTS.md, "Audit under concurrent writers").

The connections are kept per process, one for each request that has a batch on its way at
the same time (one per sync worker; more under a threaded server), and made again after a
fork or a failure. The statement is prepared once on each.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connections
from psycopg import pq

from samhandling.config.postgresql.base import has_arrived

_STATEMENT = b"audit_append_sent_ahead"


@dataclass
class Sent:
    """A batch statement on its way, on `raw`."""

    raw: psycopg.Connection[Any]


def send(sql: str, document: str) -> Sent:
    """Sends the prepared batch statement with `document` and returns without waiting.
    psycopg's errors propagate (the caller turns them into Django's); the connection is then
    closed, never kept."""
    raw = _take(sql)
    try:
        pgconn = raw.pgconn
        pgconn.send_query_prepared(_STATEMENT, [document.encode()])
        while pgconn.flush():  # what the socket could not take at once
            select.select([], [pgconn.socket], [])
    except BaseException:
        raw.close()
        raise
    return Sent(raw)


def receive(sent: Sent) -> list[tuple[str, ...]]:
    """Waits for the answer to `sent` and returns its rows (as text); the connection is kept
    for the next batch if all went well, closed otherwise."""
    raw, kept = sent.raw, False
    try:
        pgconn = raw.pgconn
        rows: list[tuple[str, ...]] = []
        while (result := _next_result(pgconn)) is not None:
            rows = _result(result)
        kept = True
        return rows
    finally:
        if kept:
            _give_back(raw)
        else:
            raw.close()


def _next_result(pgconn: Any) -> Any:  # a psycopg.pq.PGconn
    pgconn.consume_input()
    while pgconn.is_busy():
        select.select([pgconn.socket], [], [])
        pgconn.consume_input()
    return pgconn.get_result()


def _result(result: Any) -> list[tuple[str, ...]]:
    """The rows of a result (a psycopg.pq.PGresult), or its error raised as psycopg raises it."""
    if result.status == pq.ExecStatus.FATAL_ERROR:
        code = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        message = (result.error_message or b"").decode(errors="replace")
        try:
            kind = psycopg.errors.lookup(code)
        except KeyError:
            kind = psycopg.DatabaseError
        raise kind(message)
    return [
        tuple((result.get_value(row, column) or b"").decode() for column in range(result.nfields))
        for row in range(result.ntuples)
    ]


# --- the connections -----------------------------------------------------------------------------

_lock = threading.Lock()
_free: list[psycopg.Connection[Any]] = []
_pid = os.getpid()


def _take(sql: str) -> psycopg.Connection[Any]:
    """A kept connection that is idle and that the server has not ended, else a new one with
    `sql` prepared on it (each connection sends only the batch statement)."""
    global _pid  # noqa: PLW0603 - the process the kept connections belong to
    with _lock:
        if _pid != os.getpid():  # a parent's: never used here (psycopg does not end them either)
            _free.clear()
            _pid = os.getpid()
        while _free:
            raw = _free.pop()
            if not raw.closed and not raw.broken and not has_arrived(raw):
                return raw
            raw.close()
    # As Django connects (its parameters: the database, the adapters), in autocommit: the
    # statement is its own transaction, committed before its answer comes.
    raw = psycopg.connect(**connections["default"].get_connection_params(), autocommit=True)
    try:
        _result(raw.pgconn.prepare(_STATEMENT, sql.encode()))
    except BaseException:
        raw.close()
        raise
    return raw


def _give_back(raw: psycopg.Connection[Any]) -> None:
    with _lock:
        if _pid == os.getpid() and raw.info.transaction_status == pq.TransactionStatus.IDLE:
            _free.append(raw)
            return
    raw.close()


def close_all() -> None:
    """Closes the kept connections of this process (at exit, and before a test database is
    dropped)."""
    with _lock:
        kept = list(_free) if _pid == os.getpid() else []
        _free.clear()
    for raw in kept:
        raw.close()


def kept() -> Sequence[psycopg.Connection[Any]]:
    """The connections kept for the next batches (for tests)."""
    with _lock:
        return list(_free)
