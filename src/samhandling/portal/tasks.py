"""Background work of the family's pages: building a data export, removing expired ones."""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from django_tasks import task

from samhandling.audit import context
from samhandling.organisations.actors import actor_for

from . import export as export_content
from . import services
from .models import DataExport

logger = logging.getLogger(__name__)


@task()
def build_data_export(export_id: str, language: str = "nb") -> str:
    """Builds the export step by step; the page that shows it polls its progress. An export
    still marked as being made was left by a worker that stopped (killed, restarted) and is
    built again from the start: its content is stored only when complete."""
    export = DataExport.objects.select_related("requested_by", "person", "person__municipality")
    row = export.filter(pk=export_id).first()
    unfinished = (DataExport.Status.QUEUED, DataExport.Status.RUNNING)
    if row is None or row.status not in unfinished:
        return "skipped"

    def progress(per_cent: int, step: str) -> None:
        DataExport.objects.filter(pk=row.pk).update(
            status=DataExport.Status.RUNNING, progress=per_cent, step=step
        )

    with context.bound(channel="task"), translation.override(language):
        actor = actor_for(row.requested_by, channel="task")
        try:
            content = export_content.build(actor, row.person, progress)
        except Exception:
            logger.exception("data export failed", extra={"export": str(row.pk)})
            DataExport.objects.filter(pk=row.pk).update(status=DataExport.Status.FAILED)
            raise
    now = timezone.now()
    DataExport.objects.filter(pk=row.pk).update(
        status=DataExport.Status.READY,
        progress=100,
        content=content,
        finished_at=now,
        expires_at=services.expiry_from(now),
    )
    return "ready"


@task()
def remove_expired_exports() -> int:
    """Run by the scheduler: an export is downloadable for DATA_EXPORT_TTL_HOURS only."""
    with context.bound(channel="task"):
        return services.remove_expired()
