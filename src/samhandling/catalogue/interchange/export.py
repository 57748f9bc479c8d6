"""Writing the published catalogue as JSON (one document) and CSV (one file per kind)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .. import selectors
from ..kinds import KINDS
from ..models import Entry, Practice
from .formats import (
    FORMAT,
    SEPARATOR,
    TRANSLATED,
    VERSION,
    Column,
    columns,
    escape_cell,
    name_of,
)

PUBLISHED: dict[str, Callable[[], QuerySet[Any]]] = {
    "instruments": selectors.published_instruments,
    "initiatives": selectors.published_initiatives,
    "networks": selectors.published_networks,
    "practices": selectors.published_practices,
    "resources": selectors.published_resources,
}


def _published(kind: str) -> QuerySet[Any]:
    cols = columns(kind)
    entries = PUBLISHED[kind]().order_by("key")
    entries = entries.select_related(*[c.name for c in cols if c.type == "ref"])
    lookups = [c.name for c in cols if c.type == "refs"]
    if kind == "practices":
        lookups.append("translations")
    return entries.prefetch_related(*lookups)


def _value(entry: Entry, column: Column) -> Any:
    value = getattr(entry, column.name)
    if column.type == "refs":
        return sorted(name_of(obj) for obj in value.all())
    if column.type == "ref":
        return None if value is None else name_of(value)
    if column.type in ("date", "datetime"):
        return None if value is None else value.isoformat()
    if column.type == "list":
        return list(value)
    return value


def _exported(kind: str, entry: Entry) -> dict[str, Any]:
    data = {column.name: _value(entry, column) for column in columns(kind)}
    if isinstance(entry, Practice):
        translations = sorted(entry.translations.all(), key=lambda t: t.language)
        data["translations"] = [
            {"language": t.language, **{name: getattr(t, name) for name in TRANSLATED}}
            for t in translations
        ]
    return data


def export_json(kinds: Iterable[str] | None = None) -> dict[str, Any]:
    """The published entries of the chosen kinds (all five by default) as one JSON document,
    each kind's entries by key."""
    chosen = set(KINDS if kinds is None else kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
    }
    for kind in KINDS:
        if kind in chosen:
            document[kind] = [_exported(kind, entry) for entry in _published(kind)]
    return document


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return escape_cell(SEPARATOR.join(value))
    return escape_cell(str(value))


def export_csv(kind: str) -> str:
    """The published entries of one kind as CSV: a header row of field names, then one line per
    entry, lists joined with "|". A practice's translations are in the JSON format only."""
    cols = columns(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in cols])
    for entry in _published(kind):
        writer.writerow([_cell(_value(entry, column)) for column in cols])
    return out.getvalue()
