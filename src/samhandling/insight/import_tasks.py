"""Importing an uploaded file in the background: who may, what is recorded, and the task.

The upload page validates the file first and writes nothing if anything is wrong (the failed
attempt is still recorded as an ImportBatch); a valid file waits in its ImportBatch until the
task imports it with `importers.load`, all or nothing, while the page shows its progress.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, fields
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from samhandling.access.policy import Decision, grant, refuse
from samhandling.audit import context
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Role

from . import importers
from .importers import Mapping, Result
from .models import ImportBatch

logger = logging.getLogger(__name__)

IMPORTER_ROLES = (Role.ANALYST, Role.DIRECTORATE_EDITOR)
MAX_ERRORS_KEPT = 1000  # as importers.load keeps them
MAX_WARNINGS_KEPT = 200


def may_import(actor: Actor) -> Decision:
    """Municipal analysts and directorate editors import official statistics (they are
    shared by every municipality, so any of them may see every import)."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if not actor.has_role(*IMPORTER_ROLES):
        return refuse("only analysts and directorate editors import statistics")
    return grant("imports statistics")


def require_importer(actor: Actor) -> Decision:
    """As may_import, but a refusal is audited and raises PermissionDenied."""
    decision = may_import(actor)
    if not decision:
        audit.record(actor, "create", Subject(object_type="insight.importbatch"), decision=decision)
        raise PermissionDenied(decision.reason)
    return decision


def mapping_arguments(mapping: Mapping | None) -> dict[str, str]:
    """The mapping as the task's (JSON) arguments: ImportBatch has no field for it."""
    return {k: v for k, v in asdict(mapping).items() if v} if mapping else {}


def mapping_from(arguments: dict[str, Any] | None) -> Mapping | None:
    known = {f.name for f in fields(Mapping)}
    given = {k: str(v) for k, v in (arguments or {}).items() if k in known and v}
    return Mapping(**given) if given else None


def record_refused_file(content: bytes, name: str, *, by: Actor, result: Result) -> ImportBatch:
    """A file that did not validate: nothing is imported, but the attempt is on record."""
    require_importer(by)
    batch = ImportBatch.objects.create(
        file_name=name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        format=result.format[:16],
        imported_by=by.user,
        state=ImportBatch.State.FAILED,
        progress=100,
        rows=result.rows,
        errors=_problems(result),
        finished_at=timezone.now(),
    )
    audit.record(by, "create", batch, decision=grant("a refused file, recorded"))
    return batch


@transaction.atomic
def queue_import(content: bytes, name: str, *, by: Actor, result: Result,
                 fmt: str = "auto", mapping: Mapping | None = None,
                 language: str = "nb") -> ImportBatch:  # fmt: skip
    """Keeps a validated file in a new ImportBatch and imports it in the background once this
    transaction commits."""
    decision = require_importer(by)
    batch = ImportBatch.objects.create(
        file_name=name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        format=result.format[:16],
        imported_by=by.user,
        state=ImportBatch.State.QUEUED,
        rows=result.rows,
        upload=content,
    )
    audit.record(by, "create", batch, decision=decision)
    arguments = mapping_arguments(mapping)
    transaction.on_commit(
        lambda: import_upload.enqueue(batch.pk, fmt=fmt, mapping=arguments, language=language)
    )
    return batch


@task()
def import_upload(batch_id: int, fmt: str = "auto", mapping: dict[str, str] | None = None,
                  language: str = "nb") -> str:  # fmt: skip
    """Imports a queued upload with `importers.load` (which records the outcome in the batch),
    in the uploader's language so that every error message is in it. A batch still marked
    running was left by a worker that stopped (killed, restarted) and is run again: its import
    was one transaction, so nothing of it was written."""
    unfinished = (ImportBatch.State.QUEUED, ImportBatch.State.RUNNING)
    claimed = ImportBatch.objects.filter(pk=batch_id, state__in=unfinished).update(
        state=ImportBatch.State.RUNNING, progress=0
    )
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if not claimed or batch is None or batch.upload is None:
        return "skipped"
    content = bytes(batch.upload)
    with context.bound(channel="task"), translation.override(language), \
            _Progress(batch_id) as progress:  # fmt: skip
        try:
            importers.load(content, batch.file_name, fmt=fmt, mapping=mapping_from(mapping),
                           batch=batch, progress=progress)  # fmt: skip
        except Exception:
            logger.exception("import failed", extra={"batch": batch_id})
            stopped = {"position": _("the file"),
                       "message": _("The import stopped unexpectedly; nothing was imported. "
                                    "Try again, and tell the administrator if it happens "
                                    "again.")}  # fmt: skip
            ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.RUNNING).update(
                state=ImportBatch.State.FAILED, progress=100, errors=[stopped], upload=None,
                finished_at=timezone.now(),
            )  # fmt: skip
            raise
    return str(batch.state)


class _Progress:
    """Writes the per cent done where the page can read it while the import's transaction is
    still open: through a database connection of its own, outside that transaction.

    SQLite has one writer at a time and the import holds it, so there the bar shows the start
    and the end only."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.last = -1
        self.side: Any = None

    def __enter__(self) -> _Progress:
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.side is not None:
            self.side.close()

    def __call__(self, per_cent: int) -> None:
        per_cent = max(0, min(int(per_cent), 99))  # 100 only when load() has recorded it all
        if self.side is None or per_cent <= self.last:
            return
        self.last = per_cent
        table = self.side.ops.quote_name(ImportBatch._meta.db_table)
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s WHERE id = %s AND state = %s",  # noqa: S608 - the table name is ours
                    [per_cent, self.batch_id, ImportBatch.State.RUNNING],
                )
        except Exception:  # the bar is a courtesy: it never stops an import
            logger.warning("could not report import progress", exc_info=True)
            self.side.close()
            self.side = None


def _problems(result: Result) -> list[dict[str, Any]]:
    return [p.as_dict() for p in result.errors[:MAX_ERRORS_KEPT]] + [
        {**p.as_dict(), "warning": True} for p in result.warnings[:MAX_WARNINGS_KEPT]
    ]
