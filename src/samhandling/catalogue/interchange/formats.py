"""What an import or export file holds: the fields of each kind, how related entries are named,
how a CSV cell is protected from spreadsheets, and where a problem is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from samhandling.insight.models import Indicator
from samhandling.organisations.models import Organisation, Region

from ..kinds import KINDS
from ..models import Entry

FORMAT = "samhandling-catalogue"
VERSION = 1
MAX_BYTES = 5 * 1024 * 1024
SEPARATOR = "|"  # between the values of a list in a CSV cell
# A cell starting with one of these is a formula to a spreadsheet: an export puts an apostrophe
# before it, as the knowledge base's CSV exports do, and an import takes the apostrophe away.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPED = (*FORMULA_START, "'")
# An entry may refer to entries of the kinds before it in this order (an initiative to a
# network and to instruments, a resource to practices and instruments).
ORDER = ("instruments", "networks", "practices", "initiatives", "resources")
TRANSLATED = ("title", "problem", "what_was_done", "results", "lessons_learned")
INFORMATION_ONLY = "published_at"  # exported for the reader; an import leaves it to the workflow


@dataclass(frozen=True)
class Column:
    """One field of an entry as a file holds it."""

    name: str
    type: str  # text, int, date, list, ref (one related entry), refs (several), datetime
    target: Any = None  # the related model of a ref or refs


def _column(f: Any) -> Column:
    if isinstance(f, models.ManyToManyField):
        return Column(f.name, "refs", f.related_model)
    if isinstance(f, models.ForeignKey):
        return Column(f.name, "ref", f.related_model)
    if isinstance(f, models.JSONField):
        return Column(f.name, "list")
    if isinstance(f, models.DateTimeField):
        return Column(f.name, "datetime")
    if isinstance(f, models.DateField):
        return Column(f.name, "date")
    if isinstance(f, models.IntegerField):
        return Column(f.name, "int")
    return Column(f.name, "text")


def columns(kind: str) -> list[Column]:
    """The fields of a kind in a file: key and origin first, then every other field an editor
    sets in the model's order (the age span last), the related entries, and when the entry was
    published."""
    model = KINDS[kind]
    plain = [
        f
        for f in model._meta.concrete_fields
        if f.name not in Entry.WORKFLOW_FIELDS and not f.primary_key
    ]
    plain.sort(key=lambda f: (f.name != "key", f.name != "origin", f.name.startswith("age_")))
    related = list(model._meta.many_to_many)
    return [_column(f) for f in [*plain, *related]] + [Column(INFORMATION_ONLY, "datetime")]


def is_entry(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Entry)


def name_of(obj: models.Model) -> str:
    """The stable name of a related entry in a file."""
    if isinstance(obj, Organisation):
        return obj.short_name or obj.name
    if isinstance(obj, Region | Indicator):
        return obj.code
    assert isinstance(obj, Entry)
    return obj.key


def file_name(kind: str, fmt: str) -> str:
    """The name an export is saved under, e.g. catalogue-practices-2026-11-26.csv."""
    return f"catalogue-{kind}-{timezone.localdate().isoformat()}.{fmt}"


def kind_from_name(name: str) -> str:
    """The kind a CSV file's name speaks of (instruments.csv, catalogue-practices-….csv), or ""."""
    words = set(re.split(r"[^a-z]+", name.lower()))
    found = [kind for kind in KINDS if kind in words]
    return found[0] if len(found) == 1 else ""


def escape_cell(text: str) -> str:
    """A cell that a spreadsheet shows as text and never runs as a formula."""
    if text.startswith(FORMULA_START) or (text.startswith("'") and text[1:2] in ESCAPED):
        return f"'{text}"
    return text


def unescape_cell(text: str) -> str:
    """The text an escaped cell stands for (escape_cell undone)."""
    if text.startswith("'") and text[1:2] in ESCAPED:
        return text[1:]
    return text


@dataclass(frozen=True)
class Problem:
    """What is wrong in an import file, and where: a JSON path (and the line its entry starts
    on), or a CSV line and column; `file` when several files are imported together."""

    message: str
    path: str = ""
    line: int | None = None
    column: str = ""
    file: str = ""

    @property
    def position(self) -> str:
        if self.path and self.line:
            where = _("%(path)s (the entry on line %(line)s)")
        elif self.path:
            where = "%(path)s"
        elif self.line and self.column:
            where = _("line %(line)s, column %(column)s")
        elif self.line:
            where = _("line %(line)s")
        else:
            where = _("the whole file")
        where %= {"path": self.path, "line": self.line, "column": self.column}
        return f"{self.file}: {where}" if self.file else where

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


@dataclass(frozen=True)
class Place:
    """Where an entry is in its file."""

    file: str
    path: str = ""  # JSON: instruments[2]
    line: int | None = None  # JSON: the line the entry starts on; CSV: the row's first line
    is_csv: bool = False

    def problem(self, message: str, name: str = "") -> Problem:
        """A problem with the entry, or with its field `name`."""
        if self.is_csv:
            return Problem(message, line=self.line, column=name, file=self.file)
        path = f"{self.path}.{name}" if name else self.path
        return Problem(message, path=path, line=self.line, file=self.file)
