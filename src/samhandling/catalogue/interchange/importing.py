"""Checking and importing what files hold: all or nothing, in one transaction, through
catalogue.services. Everything is checked before anything is written (the model's own
validation, related entries by their names, keys used twice); entries may refer to entries of
the same import."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from samhandling.access.policy import Decision, grant, refuse
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.insight.models import Indicator
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation, Region, Role

from .. import services
from ..kinds import KINDS, SLUG_OF
from ..models import Entry, Practice, PracticeTranslation
from .formats import ORDER, TRANSLATED, Column, Place, Problem, columns, is_entry
from .reading import Read, Upload, Wrong, read

Translations = list[dict[str, str]]


@dataclass(frozen=True)
class _InFile:
    """A reference to an entry that the same import drafts."""

    kind: str
    key: str


@dataclass
class _Plan:
    """One checked entry: what to write, and where it came from."""

    kind: str
    key: str
    place: Place
    current: Entry | None
    fields: dict[str, Any]
    translations: Translations | None


def _references(entries: list[Read]) -> dict[str, set[str]]:
    """The keys that the entries have and name, by kind."""
    keys: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for entry in entries:
        keys[entry.kind].add(entry.key)
        for column in columns(entry.kind):
            if column.type in ("ref", "refs") and is_entry(column.target):
                value = entry.values.get(column.name)
                names = value if isinstance(value, list) else [value] if value else []
                keys[SLUG_OF[column.target]].update(names)
    return keys


class _Names:
    """Related entries by their names in a file."""

    def __init__(self, entries: list[Read]) -> None:
        self.directorates: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.filter(kind=Organisation.Kind.DIRECTORATE):
            for name in {organisation.short_name, organisation.name} - {""}:
                self.directorates.setdefault(name, []).append(organisation)
        municipalities = Region.objects.filter(country="NO", kind=Region.Kind.MUNICIPALITY)
        self.municipalities = {region.code: region for region in municipalities}
        self.indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
        self.in_file: dict[str, set[str]] = {kind: set() for kind in KINDS}
        for entry in entries:
            self.in_file[entry.kind].add(entry.key)
        self.existing: dict[str, dict[str, Entry]] = {
            kind: {e.key: e for e in KINDS[kind]._default_manager.filter(key__in=keys - {""})}
            for kind, keys in _references(entries).items()
        }

    def find(self, column: Column, name: str) -> models.Model | _InFile:
        target = column.target
        if target is Organisation:
            found = self.directorates.get(name, [])
            if len(found) == 1:
                return found[0]
            if found:
                message = _("More than one directorate is called “%(name)s”; give its name.")
            else:
                message = _(
                    "No directorate is called “%(name)s” (give its short name, e.g. Udir, or "
                    "its name)."
                )
            raise Wrong(message % {"name": name})
        if target is Region:
            if name in self.municipalities:
                return self.municipalities[name]
            message = _(
                "No municipality has the number “%(code)s” (the four-digit numbers of 2024, e.g. "
                "0301 for Oslo)."
            )
            raise Wrong(message % {"code": name})
        if target is Indicator:
            if name in self.indicators:
                return self.indicators[name]
            raise Wrong(_("No indicator has the code “%(code)s”.") % {"code": name})
        kind = SLUG_OF[target]
        if name in self.in_file[kind]:
            return _InFile(kind, name)
        if name in self.existing[kind]:
            return self.existing[kind][name]
        message = _("No %(kind)s has the key “%(key)s”, in the catalogue or in the file.")
        raise Wrong(message % {"kind": target._meta.verbose_name, "key": name})


def _duplicates(entries: list[Read], problems: list[Problem]) -> None:
    first: dict[tuple[str, str], Place] = {}
    for entry in entries:
        seen = first.setdefault((entry.kind, entry.key), entry.place)
        if seen is not entry.place:
            message = _(
                "The key “%(key)s” is used twice for this kind of entry (first at %(other)s)."
            )
            other = seen.problem("").position
            problems.append(
                entry.place.problem(message % {"key": entry.key, "other": other}, "key")
            )


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    """(field name or "", message) for each message of a validation error."""
    if not hasattr(error, "error_dict"):
        return [("", str(message)) for message in error.messages]
    return [
        ("" if name == NON_FIELD_ERRORS else name, str(message))
        for name, errors in error.error_dict.items()
        for message in ValidationError(errors).messages
    ]


def _check_translations(entry: Read, language: str, problems: list[Problem]) -> Translations | None:
    if entry.translations is None:
        return None
    checked: Translations = []
    languages: set[str] = set()
    for values, place in entry.translations:
        try:
            PracticeTranslation(**values).full_clean(exclude=["practice"])
        except ValidationError as error:
            problems.extend(place.problem(message, name) for name, message in _messages(error))
        translated = values.get("language", "")
        if translated == language:
            message = _("A translation must be in another language than the practice's own.")
            problems.append(place.problem(message, "language"))
        elif translated in languages:
            message = _("There is already a translation in this language.")
            problems.append(place.problem(message, "language"))
        languages.add(translated)
        checked.append(values)
    return checked


def _check(entry: Read, names: _Names, problems: list[Problem]) -> _Plan | None:
    """The entry's fields with related entries found, validated as the model validates them."""
    model = KINDS[entry.kind]
    current = names.existing[entry.kind].get(entry.key)
    before = len(problems)
    fields: dict[str, Any] = {}
    unknown: set[str] = set()  # references to nothing known: reported once, not validated on
    for column in columns(entry.kind):
        if column.name not in entry.values:
            continue
        value = entry.values[column.name]
        try:
            if column.type == "refs":
                value = [names.find(column, name) for name in value]
            elif column.type == "ref" and value is not None:
                value = names.find(column, value)
        except Wrong as wrong:
            problems.append(entry.place.problem(str(wrong), column.name))
            unknown.add(column.name)
            continue
        fields[column.name] = value
    many = {f.name for f in model._meta.many_to_many}
    # A foreign key to an entry of this import is checked when that entry exists.
    later = {name for name, value in fields.items() if isinstance(value, _InFile)}
    instance = copy.copy(current) if current is not None else model()
    for name, value in fields.items():
        if name not in many and name not in later:
            setattr(instance, name, value)
    try:
        instance.full_clean(exclude=[*Entry.WORKFLOW_FIELDS, *later, *unknown])
    except ValidationError as error:
        problems.extend(entry.place.problem(message, name) for name, message in _messages(error))
    language = str(getattr(instance, "language", ""))
    translations = _check_translations(entry, language, problems)
    if len(problems) > before:
        return None
    return _Plan(entry.kind, entry.key, entry.place, current, fields, translations)


def _plan(uploads: Sequence[Upload]) -> tuple[list[_Plan], list[Problem]]:
    problems: list[Problem] = []
    entries = [entry for upload in uploads for entry in read(upload, problems)]
    entries = [entry for entry in entries if "key" in entry.values]
    _duplicates(entries, problems)
    names = _Names(entries)
    plans = [plan for entry in entries if (plan := _check(entry, names, problems))]
    plans.sort(key=lambda plan: ORDER.index(plan.kind))
    return plans, problems


def check(content: bytes | str | Mapping[str, Any], *, kind: str = "",
          name: str = "") -> list[Problem]:  # fmt: skip
    """Every problem in a JSON document, or in a CSV file of one `kind`; writes nothing."""
    return check_files([Upload(content, kind, name)])


def check_files(uploads: Sequence[Upload]) -> list[Problem]:
    """Every problem in files imported together (they may refer to each other); writes
    nothing."""
    return _plan(uploads)[1]


@dataclass
class ImportResult:
    """What an import did, per kind, or the problems that made it do nothing."""

    problems: list[Problem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    published: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "unchanged": sum(self.unchanged.values()),
            "published": self.published,
        }


class _Abort(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def may_import(actor: Actor) -> Decision:
    """Directorate editors import into the catalogue (a file may hold every kind)."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if actor.role != Role.DIRECTORATE_EDITOR:
        return refuse("only directorate editors import into the catalogue")
    return grant("directorate editor")


def require_importer(actor: Actor) -> None:
    """PermissionDenied, audited, for anyone who may not import."""
    decision = may_import(actor)
    if not decision:
        audit.record(actor, "create", Subject("catalogue.import"), decision=decision)
        raise PermissionDenied(decision.reason)


def _now(value: Any, saved: dict[tuple[str, str], Entry]) -> Any:
    if isinstance(value, list):
        return [_now(item, saved) for item in value]
    if isinstance(value, _InFile):
        return saved[(value.kind, value.key)]
    return value


def _translations_of(practice: Practice) -> set[tuple[str, ...]]:
    return {(t.language, *(getattr(t, n) for n in TRANSLATED)) for t in practice.translations.all()}


def _unchanged(
    current: Entry, fields: Mapping[str, Any], translations: Translations | None
) -> bool:
    for name, value in fields.items():
        model_field = current._meta.get_field(name)
        if isinstance(model_field, models.ManyToManyField):
            now = set(getattr(current, name).values_list("pk", flat=True))
            if now != {item.pk for item in value}:
                return False
        elif isinstance(model_field, models.ForeignKey):
            if getattr(current, model_field.attname) != (value.pk if value else None):
                return False
        elif getattr(current, name) != value:
            return False
    if translations is not None and isinstance(current, Practice):
        wanted = {(t["language"], *(t.get(n, "") for n in TRANSLATED)) for t in translations}
        return _translations_of(current) == wanted
    return True


def _set_translations(practice: Entry, translations: Translations) -> None:
    """The file's translations become the practice's: part of the change the import made (the
    services have no write of their own for translations)."""
    assert isinstance(practice, Practice)
    practice.translations.all().delete()
    for values in translations:
        translation = PracticeTranslation(practice=practice, **values)
        translation.full_clean()
        translation.save()


def _refusal(place: Place, error: Exception) -> list[Problem]:
    if isinstance(error, ValidationError):
        return [place.problem(message, name) for name, message in _messages(error)]
    if isinstance(error, services.ConflictError):
        message = _("Someone changed this entry while the file was imported; import it again.")
        return [place.problem(message)]
    return [place.problem(str(error) or _("You may not change this entry."))]


def _write_one(plan: _Plan, fields: dict[str, Any], *, by: Actor,
               result: ImportResult) -> tuple[Entry, bool]:  # fmt: skip
    """Drafts or edits one entry; (the entry, whether it was written)."""
    model = KINDS[plan.kind]
    if plan.current is None:
        entry = services.create_draft(model, by=by, fields=fields)
        result.created[plan.kind] += 1
    else:
        current = model._default_manager.get(pk=plan.current.pk)
        if _unchanged(current, fields, plan.translations):
            result.unchanged[plan.kind] += 1
            return current, False
        entry = services.update_draft(
            current, by=by, fields=fields, expected_version=plan.current.version
        )
        result.updated[plan.kind] += 1
    if plan.translations is not None:
        _set_translations(entry, plan.translations)
    return entry, True


def _write(plans: list[_Plan], *, by: Actor, publish_by: Actor | None) -> ImportResult:
    result = ImportResult()
    saved: dict[tuple[str, str], Entry] = {}
    written: list[tuple[_Plan, Entry]] = []
    for plan in plans:
        fields = {name: _now(value, saved) for name, value in plan.fields.items()}
        try:
            entry, changed = _write_one(plan, fields, by=by, result=result)
        except (ValidationError, PermissionDenied, services.ConflictError) as error:
            raise _Abort(_refusal(plan.place, error)) from error
        saved[(plan.kind, plan.key)] = entry
        if changed:
            written.append((plan, entry))
    if publish_by is not None:
        for plan, entry in written:
            try:
                services.publish(entry, by=publish_by)
            except (ValidationError, PermissionDenied, services.ConflictError) as error:
                raise _Abort(_refusal(plan.place, error)) from error
            result.published += 1
    return result


def import_catalogue(content: bytes | str | Mapping[str, Any], *, by: Actor, kind: str = "",
                     name: str = "", publish_by: Actor | None = None) -> ImportResult:  # fmt: skip
    """Imports one JSON document, or one CSV file of `kind` (see import_files)."""
    return import_files([Upload(content, kind, name)], by=by, publish_by=publish_by)


def import_files(uploads: Sequence[Upload], *, by: Actor,
                 publish_by: Actor | None = None) -> ImportResult:  # fmt: skip
    """Imports the files together in one transaction: if any entry has a problem, nothing is
    written and every problem is returned. A new key is drafted, a changed entry becomes a
    draft again, an unchanged one is left alone; `publish_by`, another editor than `by`, then
    publishes what the import drafted (the demo does; an editor otherwise publishes each)."""
    require_importer(by)
    try:
        with transaction.atomic():
            plans, problems = _plan(uploads)
            if problems:
                raise _Abort(problems)
            return _write(plans, by=by, publish_by=publish_by)
    except _Abort as abort:
        return ImportResult(problems=abort.problems)
