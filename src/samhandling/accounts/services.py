"""Signing in and out: lock-out after repeated failures, the person's own sessions and ending
the others, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from samhandling.access.policy import refuse
from samhandling.audit import services as audit
from samhandling.organisations.actors import actor_for

from .models import LoginThrottle, SessionRecord, User

RECORD_STEP = 60  # seconds: how often a session's record notes that it is in use


@dataclass(frozen=True)
class SignIn:
    user: User | None
    locked: bool = False


def _normalise(username: str) -> str:
    return username.strip().lower()[:150]


@transaction.atomic
def sign_in(request: HttpRequest, *, username: str, password: str) -> SignIn:
    """Checks the password unless the username is locked; counts failures; records the outcome."""
    key = _normalise(username)
    now = timezone.now()
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    if throttle.locked_until and throttle.locked_until > now:
        audit.record(None, "login", audit.Subject("accounts.user"), decision=refuse("locked out"))
        return SignIn(user=None, locked=True)
    user = authenticate(request, username=username.strip(), password=password)
    if user is None:
        window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
        if throttle.first_failure_at is None or now - throttle.first_failure_at > window:
            throttle.failures = 0
            throttle.first_failure_at = now
        throttle.failures += 1
        if throttle.failures >= settings.LOGIN_FAILURE_LIMIT:
            throttle.locked_until = now + window
        throttle.save()
        audit.record(
            None, "login", audit.Subject("accounts.user"), decision=refuse("bad credentials")
        )
        return SignIn(
            user=None, locked=throttle.locked_until is not None and throttle.locked_until > now
        )
    throttle.failures = 0
    throttle.first_failure_at = None
    throttle.locked_until = None
    throttle.save()
    assert isinstance(user, User)
    login(request, user)
    session_started(request, user, reason="password accepted")
    return SignIn(user=user)


# Keys in the session (SessionLimitsMiddleware reads them).
GENERATION_KEY = "session_generation"
RECORD_KEY = "session_record"
RECORD_SEEN_KEY = "session_record_seen_at"
METHODS = {
    "password accepted": SessionRecord.Method.PASSWORD,
    "signed in with ID-porten": SessionRecord.Method.ID_PORTEN,
    "demo sign-in": SessionRecord.Method.DEMO,
}


def session_started(request: HttpRequest, user: User, *, reason: str) -> None:
    """After any sign-in (password, ID-porten, the demo's citizens): the clock the session
    limits run on, the record the person sees among their sessions, and the login in the audit
    chain."""
    now = timezone.now()
    _forget_ended_sessions(user, now)
    record = SessionRecord.objects.create(
        user=user,
        started_at=now,
        last_seen_at=now,
        method=METHODS.get(reason, SessionRecord.Method.OTHER),
    )
    session = request.session
    session["signed_in_at"] = session["last_seen_at"] = session[RECORD_SEEN_KEY] = now.timestamp()
    session[RECORD_KEY] = record.pk
    audit.record(actor_for(user), "login", user, reason=reason)


def remember_session_generation(sender: object, request: HttpRequest | None, user: User,
                                **kwargs: object) -> None:  # fmt: skip
    """Django's user_logged_in: every sign-in, by whatever path (this app's, Django's admin, a
    test's force_login), starts a session of the user's current generation."""
    if request is not None and hasattr(request, "session"):
        request.session[GENERATION_KEY] = user.session_generation


def sign_out(request: HttpRequest, *, reason: str = "signed out") -> None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        audit.record(actor_for(user), "logout", user, reason=reason)
        SessionRecord.objects.filter(user=user, pk=_record_of(request)).delete()
    logout(request)


def active_sessions(user: User) -> list[SessionRecord]:
    """The user's sessions that have not ended, newest first."""
    now = timezone.now()
    return list(
        SessionRecord.objects.filter(
            user=user,
            started_at__gt=now - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS),
            last_seen_at__gt=now - timedelta(seconds=settings.SESSION_IDLE_SECONDS + RECORD_STEP),
        ).order_by("-last_seen_at", "-pk")
    )


@transaction.atomic
def sign_out_other_sessions(request: HttpRequest, *, user: User) -> int:
    """Ends every session of the user but this one, on every device, at once: each is sent to
    sign in at its next request. Returns how many other sessions it had on record."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    ended, _kinds = SessionRecord.objects.filter(user=user).exclude(pk=_record_of(request)).delete()
    request.session[GENERATION_KEY] = user.session_generation
    request.session.cycle_key()  # and this session goes on under a new key
    audit.record(actor_for(user), "logout", user, reason="signed out on all other devices")
    return ended


def session_seen(request: HttpRequest, now: float) -> None:
    """Moves the session's record on to `now`, at most once a minute (one UPDATE)."""
    session = request.session
    if RECORD_KEY in session and now - session.get(RECORD_SEEN_KEY, 0) >= RECORD_STEP:
        seen = datetime.fromtimestamp(now, tz=UTC)
        SessionRecord.objects.filter(pk=session[RECORD_KEY]).update(last_seen_at=seen)
        session[RECORD_SEEN_KEY] = now


def _record_of(request: HttpRequest) -> int:
    return int(request.session.get(RECORD_KEY, 0))  # 0: a session without a record


def _forget_ended_sessions(user: User, now: datetime) -> None:
    SessionRecord.objects.filter(
        Q(started_at__lte=now - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS))
        | Q(last_seen_at__lte=now - timedelta(seconds=settings.SESSION_IDLE_SECONDS + RECORD_STEP)),
        user=user,
    ).delete()
