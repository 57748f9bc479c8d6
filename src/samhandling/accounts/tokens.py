"""Bearer tokens for integrations: issued by an administrator, shown once, stored as a hash.

A token is 256 random bits with a recognisable prefix (so that secret scanners can find a
leaked one). The database keeps only its SHA-256 hash: a lookup by hash compares in constant
time with respect to the secret, and a copy of the database gives no usable token.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from samhandling.access.policy import refuse
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor, actor_for

from .models import ApiToken, User

PREFIX = "s024_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def issue_token(
    user: User, *, name: str, days: int | None = DEFAULT_DAYS, by: Actor | None = None
) -> str:
    """Creates a token for the user and returns it; this is the only time it can be read."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token lives 1 to {MAX_DAYS} days")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + datetime.timedelta(days=days) if days is not None else None
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "api", token_hash=hash_token(plaintext),
        expires_at=expires,
    )  # fmt: skip
    audit.record(by, "create", token, reason=f"API token issued to user {user.pk}")
    return plaintext


@transaction.atomic
def revoke_token(token: ApiToken, *, by: Actor | None = None) -> ApiToken:
    """Stops the token working at once. Revoking twice changes nothing."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    if updated:
        audit.record(by, "update", token, reason=f"API token of user {token.user_id} revoked")
    return token


def authenticate_token(plaintext: str) -> User | None:
    """The active user the token was issued to, or None for an unknown, revoked or expired one."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        _refuse("malformed token")
        return None
    digest = hash_token(plaintext)
    token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
    now = timezone.now()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        _refuse("unknown token")
        return None
    if not token.is_usable(now) or not token.user.is_active:
        _refuse("revoked or expired token, or inactive user", token)
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _refuse(reason: str, token: ApiToken | None = None) -> None:
    subject = token if token is not None else audit.Subject("accounts.apitoken")
    actor = actor_for(token.user, channel="api") if token is not None else None
    audit.record(actor, "login", subject, decision=refuse(reason))
