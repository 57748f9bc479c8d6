"""Django's PostgreSQL backend, with a health check that costs no round trip when there is
nothing to fear.

With persistent connections (settings.DATABASE_CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django
checks a kept connection before a request's first query by sending `SELECT 1`: a round trip
on every request, about 0.3 ms of a page served by a busy two-core machine (bench/RESULTS.md).
A connection that waits between requests receives nothing, unless the server has ended it
(a restart, a failover, `pg_terminate_backend`): its termination notice and the end of the
stream then wait on the socket. So the check looks at the socket first, which takes a
microsecond, and asks the server only when something has arrived, or when the connection is
not idle; what PostgreSQL answers then decides, as before.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.info.transaction_status == pq.TransactionStatus.IDLE and not has_arrived(raw):
            return True
        return bool(super().is_usable())


def has_arrived(raw: Any) -> bool:  # a psycopg Connection
    """Whether the server has sent anything that nobody has read (never, on a connection
    that is idle and alive)."""
    try:
        readable, _writable, _failed = select.select([raw.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True  # no socket to look at: let the server's answer decide
    return bool(readable)
