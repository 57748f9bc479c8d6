"""What changed between two snapshots of a catalogue entry (services.snapshot, as kept in each
Revision), told in the words of the editing form: for the history page and the conflict page.

`changed` is a pure function of two dictionaries; `told` turns its result into labels and
readable values (choices by their label, related entries by their name), with one query per
related model however many revisions are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from samhandling.organisations.models import Sector

from .models import Entry, TargetGroup

# The workflow's own keys: the history says them in its columns, not as changed fields.
WORKFLOW_KEYS = frozenset(
    {"id", "status", "version", "edited_by_id", "edited_at", "published_by_id", "published_at"}
)
SHORT = 160  # characters of a long text shown in a list of changes
LIST_LABELS: dict[str, Mapping[str, Any]] = {
    "sectors": dict(Sector.choices),
    "target_groups": dict(TargetGroup.choices),
}


@dataclass(frozen=True)
class Change:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Told:
    """One changed field as a person reads it."""

    name: str
    label: str
    old: str
    new: str


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def changed(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], *, skip: frozenset[str] = WORKFLOW_KEYS
) -> list[Change]:
    """The fields whose value differs from `old` to `new`, in the order of `new`. Against no
    earlier snapshot (None), every field that has a value. Empty values (None, "" and [])
    count as the same."""
    before = old or {}
    return [
        Change(name, before.get(name), value)
        for name, value in new.items()
        if name not in skip
        and before.get(name) != value
        and not (_empty(before.get(name)) and _empty(value))
    ]


def shorten(text: str, limit: int = SHORT) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _fields(kind: type[Entry]) -> dict[str, models.Field[Any, Any]]:
    """The entry's fields by the keys of a snapshot (attname for a foreign key)."""
    found: dict[str, models.Field[Any, Any]] = {}
    for field in kind._meta.concrete_fields:
        found[field.attname] = field
    for many in kind._meta.many_to_many:
        assert isinstance(many, models.ManyToManyField)
        found[many.name] = many
    return found


def _names(kind: type[Entry], changes: Iterable[Change]) -> dict[str, dict[Any, str]]:
    """The names of the related entries that the changes mention, per field."""
    fields = _fields(kind)
    wanted: dict[str, set[Any]] = {}
    for change in changes:
        field = fields.get(change.name)
        if field is None or not field.is_relation:
            continue
        ids = wanted.setdefault(change.name, set())
        for value in (change.old, change.new):
            if isinstance(value, list):
                ids.update(value)
            elif value is not None:
                ids.add(value)
    names: dict[str, dict[Any, str]] = {}
    for name, ids in wanted.items():
        target = fields[name].related_model
        assert isinstance(target, type) and issubclass(target, models.Model)
        names[name] = {pk: str(obj) for pk, obj in target._default_manager.in_bulk(ids).items()}
    return names


def _shown(field: models.Field[Any, Any] | None, value: Any, names: Mapping[Any, str]) -> str:
    if _empty(value):
        return _("(empty)")
    if field is not None and field.is_relation:
        values = value if isinstance(value, list) else [value]
        return shorten(", ".join(names.get(v, _("(deleted)")) for v in values))
    if field is not None and field.name in LIST_LABELS and isinstance(value, list):
        labels = LIST_LABELS[field.name]
        return shorten(", ".join(str(labels.get(v, v)) for v in value))
    if field is not None and field.choices:
        return shorten(str(dict(field.flatchoices).get(value, value)))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return shorten(str(value))


def told(kind: type[Entry], groups: Sequence[Sequence[Change]]) -> list[list[Told]]:
    """Each group of changes as labels and readable values, looked up together."""
    fields = _fields(kind)
    names = _names(kind, (change for group in groups for change in group))
    return [
        [
            Told(
                name=change.name,
                label=capfirst(str(fields[change.name].verbose_name))
                if change.name in fields
                else change.name,
                old=_shown(fields.get(change.name), change.old, names.get(change.name, {})),
                new=_shown(fields.get(change.name), change.new, names.get(change.name, {})),
            )
            for change in group
        ]
        for group in groups
    ]
