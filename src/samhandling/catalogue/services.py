"""Every write to the catalogue: the editorial workflow, the same for all five kinds of entry.

A directorate editor drafts and edits; another editor publishes (four eyes: the publisher is
never the last editor); any editor withdraws. An edit of a published entry makes it a draft
again, to be published anew. Each change bumps the entry's version and appends a Revision with
the whole entry, who and when; an edit based on an old version raises ConflictError with the
entry as it is now, so that nothing is silently overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samhandling.access.policy import Decision, grant, refuse
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Role

from .models import Entry, Initiative, Instrument, Revision, Status

if TYPE_CHECKING:
    from samhandling.accounts.models import User

E = TypeVar("E", bound=Entry)


class ConflictError(Exception):
    """Someone else saved first; carries the current state so nothing is lost."""

    def __init__(self, current: Entry, *, expected: int, actual: int) -> None:
        super().__init__(f"version {expected} is out of date; now {actual}")
        self.current = current
        self.expected = expected
        self.actual = actual


# Who besides the directorate editors writes a municipality's own development measures.
MUNICIPAL_AUTHORS = (Role.ANALYST, Role.SERVICE_LEADER)


_ANY = object()  # no particular initiative: does the actor write initiatives at all?


def may_edit(actor: Actor, entry: Entry | None = None, *, municipality_id: Any = _ANY) -> Decision:
    """Directorate editors write the whole catalogue. A municipality's analysts and service
    leaders also write the development measures (initiatives) of their own municipality: a
    practice from the experience bank can become a draft initiative at home. `entry` (or, for a
    new initiative, `municipality_id`) says which initiative; without either, the question is
    whether the actor edits the catalogue at all. A network's initiative is the directorate
    editors' to write."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if actor.role == Role.DIRECTORATE_EDITOR:
        return grant("directorate editor")
    if actor.has_role(*MUNICIPAL_AUTHORS) and actor.municipality_id is not None:
        if isinstance(entry, Initiative):
            municipality_id = entry.municipality_id
        elif entry is not None:
            return refuse("only directorate editors edit this part of the catalogue")
        if municipality_id is _ANY or municipality_id == actor.municipality_id:
            return grant("writes the development measures of their own municipality")
        return refuse("a municipality writes only its own development measures")
    return refuse("only directorate editors edit the catalogue")


def may_edit_kind(actor: Actor, kind: type[Entry]) -> Decision:
    """May the actor draft entries of this kind at all (the menu and the forms ask)."""
    if kind is Initiative:
        return may_edit(actor)
    if not actor.is_authenticated:
        return refuse("not signed in")
    if actor.role == Role.DIRECTORATE_EDITOR:
        return grant("directorate editor")
    return refuse("only directorate editors edit this part of the catalogue")


def may_publish(actor: Actor, entry: Entry) -> Decision:
    """An editor other than the one who made the last change publishes it."""
    decision = may_edit(actor, entry)
    if not decision:
        return decision
    if actor.user is not None and entry.edited_by_id == actor.user.pk:
        return refuse("the last editor of an entry may not publish it")
    return grant("another editor")


def _user(actor: Actor) -> User:
    if actor.user is None:
        raise PermissionDenied(_("Sign in to edit the catalogue."))
    return actor.user


def _require(decision: Decision, actor: Actor, action: str, subject: Any, message: str) -> None:
    if not decision:
        audit.record(actor, action, subject, decision=decision)
        raise PermissionDenied(message)


def _require_editor(actor: Actor, action: str, subject: Any, decision: Decision) -> Decision:
    _require(decision, actor, action, subject, _("You may not edit this part of the catalogue."))
    return decision


def _pk(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _split(kind: type[Entry], fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The editor's change as plain fields and many-to-many fields; unknown or workflow
    fields are refused by name."""
    many = {f.name for f in kind._meta.many_to_many}
    plain = {
        f.name
        for f in kind._meta.concrete_fields
        if f.name not in Entry.WORKFLOW_FIELDS and not f.primary_key
    }
    errors = {
        name: [_("This field cannot be set here.")]
        for name in fields
        if name not in many and name not in plain
    }
    if errors:
        raise ValidationError(errors)
    foreign = {f.name: f.attname for f in kind._meta.concrete_fields if f.is_relation}
    return (
        {
            # A foreign key given by its id is set by id (full_clean checks that it exists).
            (foreign[k] if k in foreign and not isinstance(v, models.Model) else k): v
            for k, v in fields.items()
            if k in plain
        },
        {k: list(v) for k, v in fields.items() if k in many},
    )


def _check_related(kind: type[Entry], related: Mapping[str, list[Any]]) -> None:
    """Each many-to-many value must exist and be of the kind the field allows."""
    errors: dict[str, list[str]] = {}
    for name, values in related.items():
        field = kind._meta.get_field(name)
        assert isinstance(field, models.ManyToManyField)
        target = field.related_model
        assert isinstance(target, type) and issubclass(target, models.Model)
        pks = {v.pk if isinstance(v, models.Model) else v for v in values}
        allowed = target._default_manager.filter(pk__in=pks)
        if field.get_limit_choices_to():
            allowed = allowed.complex_filter(field.get_limit_choices_to())
        if allowed.count() != len(pks):
            errors[name] = [_("Choose only from the allowed entries.")]
    if errors:
        raise ValidationError(errors)


def _ready_to_publish(entry: Entry) -> None:
    if isinstance(entry, Instrument) and not entry.owners.exists():
        raise ValidationError({"owners": [_("Name at least one owner directorate.")]})


def snapshot(entry: Entry) -> dict[str, Any]:
    """The whole entry as a JSON-friendly dictionary (many-to-many as sorted ids)."""
    data: dict[str, Any] = {
        f.attname: f.value_from_object(entry) for f in entry._meta.concrete_fields
    }
    for field in entry._meta.many_to_many:
        data[field.name] = sorted(getattr(entry, field.name).values_list("pk", flat=True))
    return data


def _revise(entry: Entry, *, by: Actor, action: str, decision: Decision) -> Revision:
    revision = Revision.objects.create(
        entry_type=str(entry._meta.model_name),
        entry_id=entry.pk,
        version=entry.version,
        action=action,
        snapshot=snapshot(entry),
        by=_user(by),
        at=timezone.now(),
    )
    audit.record(by, "create" if action == Revision.Action.CREATE else "update", entry,
                 decision=decision)  # fmt: skip
    return revision


def _locked(entry: E, expected_version: int | None) -> E:
    current = type(entry)._default_manager.select_for_update().get(pk=entry.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current, expected=expected_version, actual=current.version)
    return current


def free_key(kind: type[Entry], title: str) -> str:
    """A key made from the title that no entry of `kind` has yet: "title", "title-2" …"""
    base = slugify(title)[:90].strip("-") or kind._meta.model_name or "entry"
    taken = set(kind._default_manager.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _refresh_search(entry: Entry) -> None:
    from .selectors import refresh_search_vectors

    refresh_search_vectors(type(entry)._default_manager.filter(pk=entry.pk))


def create_draft(kind: type[E], *, by: Actor, fields: Mapping[str, Any]) -> E:
    """A directorate editor drafts a new entry of `kind` (Instrument, Initiative, Network,
    Practice or Resource)."""
    if kind is Initiative:
        decision = may_edit(by, municipality_id=_pk(fields.get("municipality")))
    else:
        decision = may_edit_kind(by, kind)
    _require_editor(by, "create", Subject(object_type=kind._meta.label_lower), decision)
    with transaction.atomic():
        return _create(kind, by=by, fields=fields, decision=decision)


def _create(kind: type[E], *, by: Actor, fields: Mapping[str, Any], decision: Decision) -> E:
    plain, related = _split(kind, fields)
    entry = kind(**plain, status=Status.DRAFT, version=1, edited_by=_user(by),
                 edited_at=timezone.now())  # fmt: skip
    if not entry.key:
        entry.key = free_key(kind, str(entry))
    entry.full_clean()
    _check_related(kind, related)
    entry.save()
    for name, values in related.items():
        getattr(entry, name).set(values)
    _refresh_search(entry)
    _revise(entry, by=by, action=Revision.Action.CREATE, decision=decision)
    return entry


def update_draft(entry: E, *, by: Actor, fields: Mapping[str, Any], expected_version: int) -> E:
    """An editor changes an entry, if `expected_version` is still its version. A published or
    withdrawn entry becomes a draft again."""
    decision = _require_editor(by, "update", entry, may_edit(by, entry))
    with transaction.atomic():
        return _update(entry, by=by, fields=fields, expected_version=expected_version,
                       decision=decision)  # fmt: skip


def _update(entry: E, *, by: Actor, fields: Mapping[str, Any], expected_version: int,
            decision: Decision) -> E:  # fmt: skip
    current = _locked(entry, expected_version)
    plain, related = _split(type(current), fields)
    for name, value in plain.items():
        setattr(current, name, value)
    moved = may_edit(by, current)  # an initiative may not be moved to another municipality
    if not moved:
        raise ValidationError({"municipality": [_("Choose your own municipality.")]})
    current.status = Status.DRAFT
    current.edited_by = _user(by)
    current.edited_at = timezone.now()
    current.version += 1
    current.full_clean()
    _check_related(type(current), related)
    current.save()
    for name, values in related.items():
        getattr(current, name).set(values)
    _refresh_search(current)
    _revise(current, by=by, action=Revision.Action.UPDATE, decision=decision)
    return current


def publish(entry: E, *, by: Actor, expected_version: int | None = None) -> E:
    """Another editor than the last one makes a draft public."""
    refusal = _("Only a directorate editor other than its last editor may publish this entry.")
    _require(may_publish(by, entry), by, "update", entry, refusal)
    with transaction.atomic():
        current = _locked(entry, expected_version)
        decision = may_publish(by, current)  # the last editor may have changed meanwhile
        if not decision:
            raise PermissionDenied(refusal)
        return _publish(current, by=by, decision=decision)


def _publish(current: E, *, by: Actor, decision: Decision) -> E:
    if current.status != Status.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be published.")]})
    _ready_to_publish(current)
    current.status = Status.PUBLISHED
    current.published_by = _user(by)
    current.published_at = timezone.now()
    current.version += 1
    current.save()
    _revise(current, by=by, action=Revision.Action.PUBLISH, decision=decision)
    return current


def withdraw(entry: E, *, by: Actor, expected_version: int | None = None) -> E:
    """An editor takes a published entry off the public pages; its history is kept."""
    decision = _require_editor(by, "update", entry, may_edit(by, entry))
    with transaction.atomic():
        return _withdraw(_locked(entry, expected_version), by=by, decision=decision)


def _withdraw(current: E, *, by: Actor, decision: Decision) -> E:
    if current.status != Status.PUBLISHED:
        raise ValidationError({"status": [_("Only a published entry can be withdrawn.")]})
    current.status = Status.WITHDRAWN
    current.version += 1
    current.save()
    _revise(current, by=by, action=Revision.Action.WITHDRAW, decision=decision)
    return current
