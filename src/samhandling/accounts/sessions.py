"""The session store (settings.SESSION_ENGINE): Django's database sessions, read by a compiled
query (config/compiled.py).

Every request of a signed-in person reads its session first. Django builds that query's SQL
anew each time; here it is built once and the same statement is sent with each request's key
and time, which PostgreSQL prepares. What is stored, and how, is Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from samhandling.config.compiled import CompiledQuery

_UNEXPIRED = CompiledQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1]
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        """The session row of this key, if it has not expired (as Django's own: otherwise
        None, and the key is forgotten so that a new one is made)."""
        found = _UNEXPIRED(self.session_key, timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
