"""Reads that may use a replica: the database router behind DATABASE_REPLICA_URL.

Installed only when DATABASE_REPLICA_URL is set (settings.py); without it there is one
database and no router. The replica is a physical standby of the primary (docs/scaling.md): it
holds the same rows a moment later, and accepts no writes.

A read goes to the replica only when all of these hold, and to the primary otherwise:

- its model is in REPLICA_MODELS;
- no transaction is open on the primary: a transaction reads what it is about to write, and
  must see the rows it wrote before;
- it does not follow a relation from a row read from (or written to) the primary, so that a
  row just written is read back as written.

Every write, and every migration, is on the primary. A replica that does not answer is not
replaced by the primary here; docs/scaling.md says what happens then.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

REPLICA_MODELS: frozenset[str] = frozenset(
    {
        "insight.indicator",
        "insight.observation",
        "insight.observationrevision",
        "insight.regioncodechange",
        "insight.aggregate",
    }
)
"""The models (`app_label.modelname`) whose reads may go to the replica.

They hold public figures only — the knowledge base's indicators and values (and their earlier
values), the municipality code changes and the anonymous aggregates (stored after small-number
suppression) — which are written by imports and scheduled tasks, and for which a view that is a
second behind is still true. They are what the public knowledge pages and API read at length.

Everything else reads from the primary, deliberately:

- personal data, consents, emergency access, the audit log, accounts and sessions: every
  access decision must see the latest consent withdrawal or role change, and the selectors
  record their audit event in the same transaction as the read;
- coordination, the portal and retention: a professional or a family reads what they just
  wrote;
- the catalogue and the insight commentary: editors and analysts read their own writes (a
  commentary's next version is numbered from the newest);
- insight's ImportBatch: the import task reads the batch right after the upload committed it,
  and the analyst follows its progress; ResearchDownload is a per-user record of who downloaded
  what;
- organisations' Organisation and Membership: they decide who an actor is;
- organisations' Region, though public and rarely written: casework forms read it, and a
  standby that does not answer must not stop a professional from recording a concern. The
  region registry is small; joins from the models above read it on the replica all the same.

A model added here must be public, hold nothing about a person, and be written only by
imports or tasks (not read back by the person who wrote it).
"""


def _label(model: type[Model]) -> str:
    # Not `_meta.label_lower`: the database cache routes a stand-in whose _meta has only these.
    return f"{model._meta.app_label}.{model._meta.model_name}"


class ReplicaRouter:
    """Sends the reads of REPLICA_MODELS to the replica, outside transactions on the primary;
    everything else, and every write and migration, to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _label(model) not in REPLICA_MODELS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """The replica holds the primary's rows, so a row read from either may refer to one
        read from the other."""
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        """The replica gets the schema by replication, never by `migrate`."""
        return db == PRIMARY
