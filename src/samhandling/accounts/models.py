import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from samhandling.config.choices import ChoiceLabels


class User(AbstractUser):
    """A person who signs in: a professional, leader, analyst, editor or administrator."""

    # A session started under an earlier generation is ended at its next request
    # (SessionLimitsMiddleware): "sign out on all other devices" moves it on.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class LoginThrottle(ChoiceLabels, models.Model):
    """Failed sign-ins per username (whether or not the user exists), for the lock-out."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")

    def __str__(self) -> str:
        return f"{self.failures} failures"


class SessionRecord(ChoiceLabels, models.Model):
    """One signed-in session, so that its person can see where they are signed in.

    Only when and how it started and when it was last used (to the minute); the session itself
    stays in Django's session store. Ending sessions does not depend on these rows: the user's
    session generation does that (SessionLimitsMiddleware).
    """

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        ID_PORTEN = "id-porten", _("ID-porten")
        DEMO = "demo", _("Demo sign-in")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        User, models.CASCADE, related_name="session_records", verbose_name=_("user")
    )
    started_at = models.DateTimeField(_("started"))
    last_seen_at = models.DateTimeField(_("last used"))
    method = models.CharField(_("signed in with"), max_length=20, choices=Method.choices)

    class Meta:
        indexes = [models.Index(fields=["user", "last_seen_at"], name="session_record_user")]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"session {self.pk}"


class ApiToken(ChoiceLabels, models.Model):
    """A bearer token for an integration, issued to a user by an administrator.

    Only the SHA-256 hash of the token is stored; the token itself is shown once, when issued.
    """

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    def is_usable(self, now: datetime.datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class CitizenIdentity(ChoiceLabels, models.Model):
    """Links a citizen's sign-in (ID-porten, or the demo sign-in) to their identity number.

    A citizen has no membership in any organisation. The identity number links them to every
    Person registered with it (one per municipality that knows them); access.policy decides
    what they may see from there.
    """

    user = models.OneToOneField(
        User, models.CASCADE, related_name="citizen_identity", verbose_name=_("user")
    )
    id_country = models.CharField(_("country of identity number"), max_length=2, default="NO")
    national_id = models.CharField(_("national identity number"), max_length=13)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["id_country", "national_id"], name="citizen_identity_unique"
            )
        ]
        verbose_name = _("citizen identity")
        verbose_name_plural = _("citizen identities")

    def __str__(self) -> str:
        return f"citizen {self.pk}"
