"""Reading an import file: its bytes as UTF-8 text, JSON (keeping the line each object starts
on) or CSV (keeping each row's line), and each value as its field's type. Related entries stay
names here; importing.py finds them."""

from __future__ import annotations

import bisect
import csv
import datetime
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ..kinds import KINDS
from ..models import Entry
from .formats import (
    FORMAT,
    MAX_BYTES,
    SEPARATOR,
    TRANSLATED,
    VERSION,
    Column,
    Place,
    Problem,
    columns,
    unescape_cell,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TOP_LEVEL = {"format", "version", "exported_at", *KINDS}
UNSET = object()  # a value the file leaves to the field's default (or as it is)


@dataclass(frozen=True)
class Upload:
    """One file to import. `kind` says which kind of entry a CSV file's rows are; `name` is put
    before every problem's position (useful when several files are imported together)."""

    content: bytes | str | Mapping[str, Any]
    kind: str = ""
    name: str = ""


ReadTranslations = list[tuple[dict[str, str], Place]]


@dataclass
class Read:
    """One entry as a file gives it: values converted, related entries still names."""

    kind: str
    place: Place
    values: dict[str, Any] = field(default_factory=dict)
    translations: ReadTranslations | None = None

    @property
    def key(self) -> str:
        key = self.values.get("key")
        return key if isinstance(key, str) else ""


class Wrong(Exception):
    """A value of the wrong type, or one that names nothing known."""


class _Located(dict[str, Any]):
    """A JSON object that knows the line it starts on."""

    line: int | None = None


def loads_with_lines(text: str) -> Any:
    """json.loads, keeping the line each object starts on (Python's own JSON scanner, with a
    hook on objects)."""
    newlines = [match.start() for match in re.finditer("\n", text)]
    decoder = json.JSONDecoder(object_pairs_hook=_Located)

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        obj, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
        if isinstance(obj, _Located):  # the "{" is just before s_and_end[1]
            obj.line = bisect.bisect_left(newlines, s_and_end[1] - 1) + 1
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def _text(content: bytes | str, name: str, problems: list[Problem]) -> str | None:
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        message = _(
            "The file is %(size)s MB; the largest file that can be imported is %(most)s MB."
        )
        sizes = {"size": f"{size / 1024 / 1024:.1f}", "most": MAX_BYTES // 1024 // 1024}
        problems.append(Problem(message % sizes, file=name))
        return None
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = _(
            "The file is not UTF-8 text: this line has a byte that is not valid UTF-8. Save the "
            "file as UTF-8 and try again."
        )
        line = content.count(b"\n", 0, error.start) + 1
        problems.append(Problem(message, line=line, file=name))
        return None


def _date(raw: Any) -> datetime.date:
    if isinstance(raw, str) and ISO_DATE.match(raw.strip()):
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise Wrong(_("Give a date as YYYY-MM-DD."))


def _without_nul(value: Any) -> Any:
    """The value, unless a text in it holds a NUL character (PostgreSQL cannot store one)."""
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise Wrong(_("Null characters are not allowed."))
    return value


def _from_json(column: Column, raw: Any) -> Any:
    """A JSON value as the field's value."""
    if column.type == "text":
        if not isinstance(raw, str):
            raise Wrong(_("Give text."))
        return raw
    if column.type == "int":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise Wrong(_("Give a whole number."))
        return raw
    if column.type == "date":
        return None if raw is None else _date(raw)
    if column.type == "ref":
        if raw is not None and not isinstance(raw, str):
            raise Wrong(_("Give the name, number or key as text, or null."))
        return raw
    if column.type in ("list", "refs"):
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise Wrong(_('Give a list of texts, e.g. ["school", "nav"].'))
        return raw
    return UNSET  # published_at: for the reader only


def _from_cell(column: Column, text: str) -> Any:
    """A CSV cell as the field's value; an empty number is left to its default."""
    text = unescape_cell(text)
    if column.type == "text":
        return text
    if column.type == "int":
        if not text.strip():
            return UNSET
        try:
            return int(text.strip())
        except ValueError:
            raise Wrong(_("Give a whole number.")) from None
    if column.type == "date":
        return _date(text) if text.strip() else None
    if column.type == "ref":
        return text.strip() or None
    if column.type in ("list", "refs"):
        return [item.strip() for item in text.split(SEPARATOR) if item.strip()]
    return UNSET


def _not_a_field(kind: str, name: str) -> str:
    if name in Entry.WORKFLOW_FIELDS:
        return _("This field is set by the editorial workflow and cannot be imported.")
    if name == "translations":
        return _("Only practices have translations, and only in the JSON format.")
    plural = KINDS[kind]._meta.verbose_name_plural
    return _("This is not a field of %(kind)s.") % {"kind": plural}


def _translations(raw: Any, place: Place, problems: list[Problem]) -> ReadTranslations | None:
    if not isinstance(raw, list):
        problems.append(place.problem(_("Give a list of translations."), "translations"))
        return None
    read: ReadTranslations = []
    for index, item in enumerate(raw):
        line = getattr(item, "line", None) or place.line
        at = Place(place.file, f"{place.path}.translations[{index}]", line)
        if not isinstance(item, dict):
            problems.append(at.problem(_("Each translation is a JSON object.")))
            continue
        values: dict[str, str] = {}
        for name, value in item.items():
            if name not in ("language", *TRANSLATED):
                problems.append(at.problem(_("This is not a field of a translation."), name))
            elif not isinstance(value, str):
                problems.append(at.problem(_("Give text."), name))
            elif "\x00" in value:
                problems.append(at.problem(_("Null characters are not allowed."), name))
            else:
                values[name] = value
        read.append((values, at))
    return read


def _entry_from_json(kind: str, place: Place, item: dict[str, Any],
                     problems: list[Problem]) -> Read:  # fmt: skip
    known = {column.name: column for column in columns(kind)}
    if "key" not in item:
        problems.append(place.problem(_("Give every entry its key."), "key"))
    entry = Read(kind, place)
    for name, raw in item.items():
        if name == "translations" and kind == "practices":
            entry.translations = _translations(raw, place, problems)
            continue
        if name not in known:
            problems.append(place.problem(_not_a_field(kind, name), name))
            continue
        try:
            value = _without_nul(_from_json(known[name], raw))
        except Wrong as wrong:
            problems.append(place.problem(str(wrong), name))
            continue
        if value is not UNSET:
            entry.values[name] = value
    return entry


def read_json(document: Any, name: str, problems: list[Problem]) -> list[Read]:
    """The entries of a JSON document (as json.loads or export_json gives it)."""
    if not isinstance(document, dict):
        message = _("The file must hold one JSON object, as an export does.")
        problems.append(Problem(message, file=name))
        return []
    if document.get("format") != FORMAT:
        message = _('This is not a catalogue file: "format" must be "%(format)s".')
        problems.append(Problem(message % {"format": FORMAT}, path="format", file=name))
    if document.get("version") != VERSION:
        message = _("Only version %(version)s of the format can be imported.")
        problems.append(Problem(message % {"version": VERSION}, path="version", file=name))
    for key in document:
        if key not in TOP_LEVEL:
            message = _("This is not a part of a catalogue file; the kinds are %(kinds)s.")
            problems.append(Problem(message % {"kinds": ", ".join(KINDS)}, path=key, file=name))
    entries: list[Read] = []
    for kind in KINDS:
        items = document.get(kind, [])
        if not isinstance(items, list):
            problems.append(Problem(_("Give a list of entries."), path=kind, file=name))
            continue
        for index, item in enumerate(items):
            place = Place(name, f"{kind}[{index}]", getattr(item, "line", None))
            if isinstance(item, dict):
                entries.append(_entry_from_json(kind, place, item, problems))
            else:
                problems.append(place.problem(_("Each entry is a JSON object.")))
    return entries


def _header(reader: Any, kind: str, name: str, problems: list[Problem]) -> list[str] | None:
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        problems.append(Problem(_("The file is empty."), file=name))
        return None
    except csv.Error as error:
        message = _("The header cannot be read as CSV: %(error)s.") % {"error": error}
        problems.append(Problem(message, line=1, file=name))
        return None
    known = {column.name for column in columns(kind)}
    for index, column in enumerate(header):
        if column in header[:index]:
            problems.append(Problem(_("This column is there twice."), line=1, column=column,
                                    file=name))  # fmt: skip
        elif column not in known:
            problems.append(Problem(_not_a_field(kind, column), line=1, column=column, file=name))
    if "key" not in header:
        message = _("The header has no key column: every entry needs its key.")
        problems.append(Problem(message, line=1, file=name))
    return header


def read_csv(text: str, kind: str, name: str, problems: list[Problem]) -> list[Read]:
    """The entries of a CSV file of one kind: the header names the fields."""
    if kind not in KINDS:
        message = _("Say which kind of entry the CSV file holds: one of %(kinds)s.")
        problems.append(Problem(message % {"kinds": ", ".join(KINDS)}, file=name))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(reader, kind, name, problems)
    if header is None:
        return []
    known = {column.name: column for column in columns(kind)}
    entries: list[Read] = []
    ended = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            message = _("This line cannot be read as CSV: %(error)s.") % {"error": error}
            problems.append(Problem(message, line=reader.line_num, file=name))
            break
        place = Place(name, line=ended + 1, is_csv=True)
        ended = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            message = _("This line has %(cells)s values; the header has %(columns)s.")
            counts = {"cells": len(row), "columns": len(header)}
            problems.append(place.problem(message % counts))
            continue
        entry = Read(kind, place)
        for column_name, cell in zip(header, row, strict=True):
            if column_name not in known or column_name in entry.values:
                continue
            try:
                value = _without_nul(_from_cell(known[column_name], cell))
            except Wrong as wrong:
                problems.append(place.problem(str(wrong), column_name))
                continue
            if value is not UNSET:
                entry.values[column_name] = value
        entries.append(entry)
    return entries


def read(upload: Upload, problems: list[Problem]) -> list[Read]:
    """The entries of one file, JSON or CSV (JSON if it starts with "{")."""
    if isinstance(upload.content, Mapping):
        return read_json(upload.content, upload.name, problems)
    text = _text(upload.content, upload.name, problems)
    if text is None:
        return []
    if not text.lstrip().startswith(("{", "[")):
        return read_csv(text, upload.kind, upload.name, problems)
    try:
        document = loads_with_lines(text)
    except json.JSONDecodeError as error:
        message = _("This is not valid JSON: %(error)s.") % {"error": error.msg}
        problems.append(Problem(message, line=error.lineno, column=str(error.colno),
                                file=upload.name))  # fmt: skip
        return []
    except ValueError:  # a number too long for Python to read
        problems.append(Problem(_("This is not valid JSON: a number is too long."),
                                file=upload.name))  # fmt: skip
        return []
    except RecursionError:
        problems.append(Problem(_("The JSON is nested too deeply."), file=upload.name))
        return []
    return read_json(document, upload.name, problems)
