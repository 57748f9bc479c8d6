"""The signed-in user of each request, read by a compiled query (config/compiled.py).

After the session, every request of a signed-in person reads the user that the session names
(`get_user` of the backend that signed them in). Django builds that query's SQL anew each
time; `signed_in_user` builds it once and sends the same statement with each request's id.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends

from samhandling.config.compiled import CompiledQuery

from .models import User

_USER = CompiledQuery(lambda pk: User.objects.filter(pk=pk)[:1])


def signed_in_user(user_id: Any) -> User | None:
    """The user whose id a session holds (a string there), or None if there is none now."""
    found = _USER(User._meta.pk.to_python(user_id))
    return found[0] if found else None


class ModelBackend(backends.ModelBackend):
    """Django's: username and password, and the user's permissions."""

    def get_user(self, user_id: Any) -> User | None:
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
