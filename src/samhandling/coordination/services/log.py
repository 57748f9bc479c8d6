"""The relay log: entries are never edited, a correction is a new version."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor

from ..models import (
    Case,
    LogEntry,
    Visibility,
)
from ._shared import (
    _refuse,
    _require,
    _service,
    _user,
    service,
)

# --- relay log -----------------------------------------------------------------------------

HELD = ("case", "municipality", "author", "service")


@service
def add_log_entry(
    case: Case,
    *,
    by: Actor,
    kind: str,
    text: str,
    occurred_on: datetime.date | None = None,
    visibility: str = Visibility.TEAM,
    visible_sectors: list[str] | None = None,
    family_visible: bool = False,
    hidden_from_guardians: bool = False,
    childs_words: str = "",
    replaces: LogEntry | None = None,
) -> LogEntry:
    decision = _require(by, "update", case)
    service = _service(by)
    entry = LogEntry(
        case=case,
        municipality_id=case.municipality_id,
        kind=kind,
        text=text,
        childs_words=childs_words,
        occurred_on=occurred_on or timezone.localdate(),
        author=_user(by),
        service=service,
        sector=service.sector,
        visibility=visibility,
        visible_sectors=sorted(set(visible_sectors or [])),
        family_visible=family_visible,
        hidden_from_guardians=hidden_from_guardians,
        replaces=replaces,
    )
    if visibility == Visibility.SECTORS and not entry.visible_sectors:
        raise ValidationError({"visible_sectors": _("Name the sectors that may see the entry.")})
    # The case, its municipality, the author and the service are rows this request has read
    # (and the database's foreign keys hold them): not looked up again one by one.
    entry.full_clean(exclude=HELD)
    entry.save()
    audit.record(by, "create", entry, decision=decision)
    return entry


@service
def correct_log_entry(entry: LogEntry, *, by: Actor, text: str, **changes: Any) -> LogEntry:
    """A correction is a new version that replaces the old; the old one stays in the history."""
    decision = policy.decide(by, "update", entry)
    if not decision:
        raise _refuse(by, "update", entry, decision)
    current = LogEntry.objects.select_for_update().get(pk=entry.pk)
    if hasattr(current, "replaced_by"):
        raise ValidationError(_("This version has already been corrected; correct the newest."))
    fields = {
        "kind": current.kind,
        "occurred_on": current.occurred_on,
        "visibility": current.visibility,
        "visible_sectors": current.visible_sectors,
        "family_visible": current.family_visible,
        "hidden_from_guardians": current.hidden_from_guardians,
        "childs_words": current.childs_words,
    }
    fields.update(changes)
    return add_log_entry(current.case, by=by, text=text, replaces=current, **fields)
