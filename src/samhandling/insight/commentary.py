"""The municipality's own reading of its challenge picture: versioned, never edited.

Anyone may read the commentary (it is published with the profile); only an analyst of the
municipality writes a new version. Each version records which version its author started from,
so that two analysts writing at the same time cannot overwrite each other unseen.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from samhandling.access.policy import Decision, grant, refuse
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config.compiled import CompiledQuery
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Region, Role

from .models import Commentary


class CommentaryConflict(Exception):
    """Someone saved a newer version than the one the author started from."""

    def __init__(self, newest: Commentary | None) -> None:
        super().__init__("a newer version of the commentary exists")
        self.newest = newest


def may_write_commentary(actor: Actor, region: Region) -> Decision:
    """Only a municipal analyst of the municipality itself writes its commentary."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if actor.role != Role.ANALYST:
        return refuse("only municipal analysts write the commentary")
    if region.kind != Region.Kind.MUNICIPALITY or actor.municipality_id != region.pk:
        return refuse("an analyst writes only their own municipality's commentary")
    return grant("analyst of the municipality")


def require_writer(actor: Actor, region: Region) -> Decision:
    """As may_write_commentary, but a refusal is audited and raises PermissionDenied."""
    decision = may_write_commentary(actor, region)
    if not decision:
        subject = Subject(object_type="insight.commentary", municipality_id=region.pk)
        audit.record(actor, "create", subject, decision=decision)
        raise PermissionDenied(decision.reason)
    return decision


def versions(region: Region) -> QuerySet[Commentary]:
    """Every version, newest first, with its author."""
    return (
        Commentary.objects.filter(region=region).select_related("written_by").order_by("-version")
    )


_NEWEST = CompiledQuery(
    lambda region_id: (
        Commentary.objects.filter(region_id=region_id)
        .select_related("written_by")
        .order_by("-version")[:1]
    )
)


def newest(region: Region) -> Commentary | None:
    """The newest version with its author, or None: a compiled query (config/compiled.py), as
    every municipal profile reads it."""
    found = _NEWEST(region.pk)
    return found[0] if found else None


@transaction.atomic
def write_commentary(region: Region, *, by: Actor, text: str, based_on: int) -> Commentary:
    """Saves `text` as the next version, if `based_on` is still the newest version (0: none).

    Raises CommentaryConflict (with the newer version) if someone saved in between, and
    PermissionDenied if `by` may not write it; the refusal is in the audit log.
    """
    decision = require_writer(by, region)
    latest = (
        Commentary.objects.select_for_update()
        .filter(region=region)
        .order_by("-version")
        .select_related("written_by")
        .first()
    )
    current = latest.version if latest else 0
    if based_on != current:
        raise CommentaryConflict(latest)
    commentary = Commentary(region=region, version=current + 1, text=text, written_by=by.user)
    commentary.full_clean()
    try:
        with transaction.atomic():
            commentary.save()
    except IntegrityError:  # the first version, written twice at once (nothing to lock)
        raise CommentaryConflict(newest(region)) from None
    subject = Subject("insight.commentary", str(commentary.pk), municipality_id=region.pk)
    audit.record(by, "create", subject, decision=decision)
    return commentary
