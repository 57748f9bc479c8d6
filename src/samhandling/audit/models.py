"""The access log: an append-only, hash-chained record of every read and write of personal data.

The fields follow the national health access logs: who (actor, role, organisation), what
information object, about whom, when, why, through which channel. Never the content of what
was read.
"""

import hashlib
import operator
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from samhandling.config.choices import ChoiceLabels

GENESIS_HASH = "0" * 64
UNIT_SEPARATOR = "\x1f"


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(ChoiceLabels, models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        REFUSED = "refused", _("Refused")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        TASK = "task", _("Background task")
        COMMAND = "command", _("Command line")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor_id = models.BigIntegerField(_("actor"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("actor name"), max_length=300, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.GRANTED
    )
    object_type = models.CharField(_("information object"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Found by the index (person_id, occurred_at) below: an index of its own would only cost.
    person_id = models.BigIntegerField(_("person concerned"), null=True, blank=True)
    municipality_id = models.BigIntegerField(_("municipality"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    # Not unique and not indexed: nothing looks an event up by its hash, the chain's order is
    # the unique sequence and a walk of the chain checks every hash. Two indexes over random
    # hex strings cost every append two random page writes (1.8 GB at 10 million events).
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["person_id", "occurred_at"], name="audit_person_time")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")

    # The fields between the sequence number and the previous hash, in this order.
    CONTENT_FIELDS = (
        "occurred_at", "actor_id", "actor_name", "actor_role", "organisation_id",
        "organisation_name", "action", "outcome", "object_type", "object_id", "person_id",
        "municipality_id", "purpose", "reason", "request_id", "channel",
    )  # fmt: skip

    def content(self) -> str:
        """The event's content in canonical form: fields joined by the unit separator (0x1F).

        Text fields never contain control characters (record() removes them), so the form is
        unambiguous. PostgreSQL hashes the same string in SQL when it appends (services.py).
        """
        return canonical_content(self.content_values())

    def content_values(self) -> list[Any]:
        """The CONTENT_FIELDS' values, the moment written out to the microsecond with its
        offset, as the content and the append's batch document hold it."""
        values = list(_CONTENT_VALUES(self))
        values[_MOMENT] = values[_MOMENT].isoformat(timespec="microseconds")
        return values

    def canonical(self) -> bytes:
        """What the hash covers: sequence, content and the previous event's hash."""
        return UNIT_SEPARATOR.join(
            (str(self.sequence), self.content(), self.previous_hash)
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


class ChainHead(ChoiceLabels, models.Model):
    """One row: the newest sequence and hash. Locking it serialises appends to the chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"


_CONTENT_VALUES = operator.attrgetter(*AuditEvent.CONTENT_FIELDS)
_MOMENT = AuditEvent.CONTENT_FIELDS.index("occurred_at")


def canonical_content(values: list[Any]) -> str:
    """The content of an event from its `content_values()`: joined by the unit separator, an
    empty value for a missing one."""
    return UNIT_SEPARATOR.join(["" if value is None else str(value) for value in values])
