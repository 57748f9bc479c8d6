"""Writes of the family's own pages that are not case work: asking for a copy of one's data.

The case work the family takes part in (their own words, consent) is in coordination.services.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person

from .models import DataExport


def request_export(actor: Actor, person: Person, *, language: str) -> DataExport:
    """Queues a data export of `person` for the citizen; the background task builds it."""
    from .tasks import build_data_export  # the task module imports this one

    decision = policy.decide(actor, "export", person)
    if not decision or actor.user is None:
        audit.record(actor, "export", person, decision=decision, purpose="my data")
        raise PermissionDenied(decision.reason)
    with transaction.atomic():
        export = DataExport.objects.create(
            requested_by=actor.user, person=person, municipality_id=person.municipality_id
        )
        audit.record(actor, "create", export, decision=decision, purpose="my data")
        transaction.on_commit(lambda: build_data_export.enqueue(str(export.pk), language))
    return export


def expiry_from(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(hours=settings.DATA_EXPORT_TTL_HOURS)


def record_download(actor: Actor, export: DataExport, what: str) -> None:
    """A download or printout of the export is itself an export of personal data."""
    audit.record(actor, "export", export, decision=policy.grant("your own export"),
                 purpose=f"my data ({what})")  # fmt: skip


def remove_expired(now: datetime.datetime | None = None) -> int:
    """Deletes the content of exports past their time; the row says it existed."""
    now = now or timezone.now()
    return DataExport.objects.filter(expires_at__lte=now, status=DataExport.Status.READY).update(
        status=DataExport.Status.EXPIRED, content=None
    )
