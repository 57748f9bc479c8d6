"""Appending to the audit chain, verifying it and checkpointing its head."""

from __future__ import annotations

import atexit
import contextvars
import datetime
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from . import ahead, context
from .models import GENESIS_HASH, AuditEvent, ChainHead

if TYPE_CHECKING:
    from samhandling.organisations.actors import Actor


class Decision(Protocol):
    """Anything truthy or falsy that says why (access.policy.Decision)."""

    @property
    def reason(self) -> str: ...

    def __bool__(self) -> bool: ...


@dataclass(frozen=True)
class Subject:
    """What an event is about, when there is no model instance to hand."""

    object_type: str
    object_id: str = ""
    person_id: int | None = None
    municipality_id: int | None = None


def describe(obj: Any) -> Subject:
    """The information object, the person concerned and the tenant of a record."""
    if obj is None:
        return Subject(object_type="")
    if isinstance(obj, Subject):
        return obj
    audit_subject = getattr(obj, "audit_subject", None)
    if callable(audit_subject):
        subject: Subject = audit_subject()
        return subject
    return Subject(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class _Who(NamedTuple):
    """Who read or wrote, where, why and when: the same for every event of one call, so
    worked out once per call (a page records a dozen events in one)."""

    actor: tuple[Any, ...]  # actor_id, actor_name, actor_role, organisation_id, organisation_name
    purpose: str
    request_id: str
    channel: str
    moment: datetime.datetime


def _who(actor: Actor | None, purpose: str) -> _Who:
    ctx = context.current()
    user = actor.user if actor else None
    organisation = actor.organisation if actor else None
    return _Who(
        actor=(
            user.pk if user else None,
            _clean(user.get_full_name() or user.get_username() if user else "", 300),
            actor.role if actor else "",
            organisation.pk if organisation else None,
            _clean(organisation.name if organisation else "", 200),
        ),
        purpose=_clean(purpose, 200),
        request_id=_clean(ctx.request_id, 64),
        channel=actor.channel if actor and ctx.channel == "command" else ctx.channel,
        moment=timezone.now(),
    )


def _event(who: _Who, action: str, obj: Any, decision: Decision | None,
           reason: str = "") -> AuditEvent:  # fmt: skip
    subject = describe(obj)
    granted = decision is None or bool(decision)
    if decision is not None and not reason:
        reason = decision.reason
    # In AuditEvent.CONTENT_FIELDS' order.
    return _new_event((
        who.moment, *who.actor, action, _GRANTED if granted else _REFUSED,
        _clean(subject.object_type, 64), _clean(subject.object_id, 64), subject.person_id,
        subject.municipality_id, who.purpose, _clean(reason, 300), who.request_id, who.channel,
    ))  # fmt: skip


_GRANTED, _REFUSED = AuditEvent.Outcome.GRANTED.value, AuditEvent.Outcome.REFUSED.value


def _new_event(content: tuple[Any, ...]) -> AuditEvent:
    """An event not yet appended, holding `content` (the values of CONTENT_FIELDS, in order).
    Its attributes are set at once, as unpickling sets a model's, where Model.__init__ sets
    them one by one: 1 µs an event against 5 µs, and a page records 10–40 events. What
    __init__ does besides is sending pre_init and post_init, which nothing receives for
    AuditEvent (tests/audit/test_batched.py holds both to the model built with keywords)."""
    event = AuditEvent.__new__(AuditEvent)
    event.__dict__ = dict(zip(AuditEvent.CONTENT_FIELDS, content, strict=True), **_NOT_YET_APPENDED)
    event._state = ModelState()
    return event


# The fields an event is given when it is appended (`appended`), and its primary key.
_NOT_YET_APPENDED = {"id": None, "sequence": None, "previous_hash": "", "hash": ""}


# The events of the request being served that wait to be appended together (see `batched`).
_pending: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "audit_pending", default=None
)


class _Batch:
    """A request's events: those waiting, and those already sent ahead (`send_ahead`)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.sent: list[tuple[ahead.Sent, list[AuditEvent]]] = []


@contextmanager
def batched() -> Iterator[None]:
    """Events recorded outside a transaction while the block runs are appended together when
    it ends, in one transaction that locks the chain's head once, instead of one transaction
    (and one commit to disk) each: a case page reads five kinds of personal data. The request
    middleware wraps every request in it, so the events are in the log before the response
    leaves; if appending fails, the exception propagates and what was read is never sent.
    Events recorded inside a transaction (a service that writes) are appended at once, in that
    transaction, as before; the events of a response streamed after the block, at once too.
    On PostgreSQL a page sends the events recorded before it is rendered ahead (`send_ahead`);
    the block's end then waits for them as well."""
    batch = _Batch()
    token = _pending.set(batch)
    try:
        yield
    finally:
        _pending.reset(token)
        _finish(batch)


def _finish(batch: _Batch) -> None:
    """Waits for the events sent ahead and appends the rest; the first failure propagates."""
    failure: BaseException | None = None
    for sent, events in batch.sent:
        try:
            with connection.wrap_database_errors:  # psycopg's errors as Django's (a 503 for
                appended(events, ahead.receive(sent))  # a database that stopped answering)
        except BaseException as error:  # noqa: BLE001 - raised below, after the rest is appended
            failure = failure or error
    if batch.events:
        _append_all(batch.events)
    if failure is not None:
        raise failure


def send_ahead() -> None:
    """Starts appending the events the request has recorded so far, on a connection of their
    own (PostgreSQL only, audit/ahead.py), while the request goes on: the page's template
    renders while the database hashes, inserts and flushes the events to disk. The events are
    still appended together and durably before the response leaves, since the end of
    `batched` waits for them, and a failure still fails the request. Events recorded
    afterwards wait for the end as before. A context processor calls it when a page starts
    rendering."""
    batch = _pending.get()
    if batch is None or not batch.events or connection.in_atomic_block:
        return
    # SQLite has one writer at a time: a second connection would only wait. A batch longer
    # than one statement takes is hashed in Python at the end (`_append_all`).
    if connection.vendor != "postgresql" or len(batch.events) > _ONE_STATEMENT_LIMIT:
        return
    events, batch.events = batch.events, []
    with connection.wrap_database_errors:
        batch.sent.append((ahead.send(APPEND_SENT_AHEAD_SQL, batch_document(events)), events))


def close_appender() -> None:
    """Closes the connections kept for sending events ahead (at exit, and before a test
    database is dropped)."""
    ahead.close_all()


atexit.register(close_appender)


def _waiting(events: list[AuditEvent]) -> bool:
    """Whether `events` wait for the end of the batch (outside any transaction)."""
    batch = _pending.get()
    if batch is None or connection.in_atomic_block:
        return False
    batch.events.extend(events)
    return True


def record(
    actor: Actor | None,
    action: str,
    obj: Any = None,
    *,
    decision: Decision | None = None,
    purpose: str = "",
    reason: str = "",
) -> AuditEvent:
    """Appends one event to the chain, in the caller's transaction if there is one."""
    event = _event(_who(actor, purpose), action, obj, decision, reason)
    if _waiting([event]):
        return event
    _append_all([event])
    return event


def record_many(
    actor: Actor | None,
    action: str,
    objects: list[Any],
    *,
    decision: Decision | None = None,
    purpose: str = "",
) -> list[AuditEvent]:
    """One event per object, appended together in three queries however many there are."""
    if not objects:
        return []
    who = _who(actor, purpose)
    events = [_event(who, action, obj, decision) for obj in objects]
    if not _waiting(events):
        _append_all(events)
    return events


def record_each(
    actor: Actor | None, action: str, reads: Sequence[tuple[Any, Decision]], *, purpose: str = ""
) -> list[AuditEvent]:
    """One event per (object, decision), each with its own outcome and reason, appended
    together in three queries however many there are."""
    if not reads:
        return []
    who = _who(actor, purpose)
    events = [_event(who, action, obj, decision) for obj, decision in reads]
    if not _waiting(events):
        _append_all(events)
    return events


def _append_all(events: list[AuditEvent]) -> None:
    """PostgreSQL: one statement for one event, another for a batch; SQLite and long batches
    in Python (decision 0002)."""
    if connection.vendor != "postgresql" or len(events) > _ONE_STATEMENT_LIMIT:
        _append_in_python(events)
    elif len(events) == 1:
        _append_one(events[0])
    else:
        _append_in_one_statement(events)


def _append_in_python(events: list[AuditEvent]) -> None:
    # No savepoint of its own: the events belong to the caller's transaction (or form their own).
    with transaction.atomic(savepoint=False):
        head = ChainHead.objects.select_for_update().get(pk=1)
        sequence, previous = head.sequence, head.hash
        for event in events:
            sequence += 1
            event.sequence = sequence
            event.previous_hash = previous
            event.hash = event.compute_hash()
            previous = event.hash
        AuditEvent.objects.bulk_create(events)
        ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)


def _clean(text: str, limit: int) -> str:
    """Without control characters (they would make the canonical form ambiguous), cut to size."""
    if text.isascii() and text.isprintable():  # printable ASCII holds none (most text: 0.1 µs)
        return text[:limit]
    return CONTROL_CHARACTERS.sub(" ", text)[:limit]


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# One event (what a write records in its own transaction): one round trip, without the batch
# statement's recursion, which costs about half a millisecond more to plan and run for one.
_APPEND_ONE_SQL = """
WITH prev AS (
    SELECT sequence, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE
), new AS (
    SELECT prev.sequence + 1 AS sequence, prev.hash AS previous_hash,
           encode(sha256(convert_to(
               concat_ws(chr(31), (prev.sequence + 1)::text, %(content)s::text, prev.hash),
               'UTF8')), 'hex') AS hash
    FROM prev
), head AS (
    UPDATE audit_chainhead SET sequence = new.sequence, hash = new.hash
    FROM new WHERE audit_chainhead.id = 1
)
INSERT INTO audit_auditevent (
    sequence, occurred_at, actor_id, actor_name, actor_role, organisation_id,
    organisation_name, action, outcome, object_type, object_id, person_id, municipality_id,
    purpose, reason, request_id, channel, previous_hash, hash
)
SELECT new.sequence, %(occurred_at)s, %(actor_id)s, %(actor_name)s, %(actor_role)s,
       %(organisation_id)s, %(organisation_name)s, %(action)s, %(outcome)s, %(object_type)s,
       %(object_id)s, %(person_id)s, %(municipality_id)s, %(purpose)s, %(reason)s,
       %(request_id)s, %(channel)s, new.previous_hash, new.hash
FROM new
RETURNING id, sequence, previous_hash, hash
"""


# One round trip however many events: lock the head, chain the hashes in the database (a
# recursive query walks the batch in order), append, move the head. Each hash covers exactly
# AuditEvent.canonical(): sequence, content and previous hash joined by 0x1F, the content being
# the event's fields as text joined by 0x1F (an empty text for a missing one), as JSON wrote
# them. The batch travels as one JSON array of events, each an array of its fields
# (`batch_document`): one text value for the driver to pass on, where sixteen arrays took
# psycopg's Python a third of a millisecond to write out for a page's twenty events.
_COLUMN_TYPES = {
    "occurred_at": "timestamptz", "actor_id": "bigint", "organisation_id": "bigint",
    "person_id": "bigint", "municipality_id": "bigint",
}  # fmt: skip
_COLUMNS = ", ".join(AuditEvent.CONTENT_FIELDS)
_CONTENT_OF_BATCH = ", ".join(
    f"coalesce(b.e ->> {index}, '')" for index in range(len(AuditEvent.CONTENT_FIELDS))
)
_FIELDS_OF_BATCH = ", ".join(
    f"(b.e ->> {index})::{_COLUMN_TYPES.get(name, 'text')} AS {name}"
    for index, name in enumerate(AuditEvent.CONTENT_FIELDS)
)


def _append_sql(document: str) -> str:
    """The batch statement, with `document` (the placeholder of the JSON array) in it."""
    return f"""
WITH RECURSIVE prev AS (
    SELECT sequence, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE
), batch AS (
    SELECT b.n, concat_ws(chr(31), {_CONTENT_OF_BATCH}) AS content, {_FIELDS_OF_BATCH}
    FROM jsonb_array_elements({document}::jsonb) WITH ORDINALITY AS b(e, n)
), chain AS (
    SELECT 0::bigint AS n, prev.sequence, prev.hash::text, ''::text AS previous_hash FROM prev
    UNION ALL
    SELECT batch.n, chain.sequence + 1,
           encode(sha256(convert_to(
               concat_ws(chr(31), (chain.sequence + 1)::text, batch.content, chain.hash),
               'UTF8')), 'hex'),
           chain.hash
    FROM chain JOIN batch ON batch.n = chain.n + 1
), last AS (
    SELECT sequence, hash FROM chain ORDER BY n DESC LIMIT 1
), head AS (
    UPDATE audit_chainhead SET sequence = last.sequence, hash = last.hash
    FROM last WHERE audit_chainhead.id = 1
)
INSERT INTO audit_auditevent (sequence, {_COLUMNS}, previous_hash, hash)
SELECT chain.sequence, {", ".join(f"batch.{name}" for name in AuditEvent.CONTENT_FIELDS)},
       chain.previous_hash, chain.hash
FROM chain JOIN batch ON batch.n = chain.n
RETURNING id, sequence, previous_hash, hash
"""  # noqa: S608 - the names are the model's own fields, never input


_APPEND_SQL = _append_sql("%s")  # through Django's cursor
APPEND_SENT_AHEAD_SQL = _append_sql("$1")  # through libpq (audit/ahead.py)
# The recursive step joins the whole batch once per event: beyond this many, the events are
# hashed in Python and inserted in bulk (bulk exports and pruning, never a page).
_ONE_STATEMENT_LIMIT = 200


def batch_document(events: list[AuditEvent]) -> str:
    """The events as the batch statement reads them: a JSON array with, for each event, its
    fields in AuditEvent.CONTENT_FIELDS' order, the moment to the microsecond with its offset
    (what the timestamptz column keeps). The statement joins them into the content the hash
    covers, as `canonical_content` joins them."""
    return json.dumps([event.content_values() for event in events])


def appended(events: list[AuditEvent], rows: Sequence[Sequence[Any]]) -> None:
    """Gives each event the id, sequence and hashes the batch statement returned for it (in
    the batch's order); a batch that was not appended whole is an error."""
    ordered = sorted(rows, key=lambda row: int(row[1]))
    if len(ordered) != len(events):
        raise AuditAppendError(f"{len(events)} events sent, {len(ordered)} appended")
    for event, (pk, sequence, previous_hash, hash_) in zip(events, ordered, strict=True):
        event.pk, event.sequence = int(pk), int(sequence)
        event.previous_hash, event.hash = str(previous_hash), str(hash_)
        event._state.adding = False


class AuditAppendError(RuntimeError):
    """The chain did not take every event of a batch (its head is missing: it was tampered
    with). The request fails; what it read is never sent."""


def _append_in_one_statement(events: list[AuditEvent]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, [batch_document(events)])
        appended(events, cursor.fetchall())


def _append_one(event: AuditEvent) -> None:
    params: dict[str, Any] = {name: getattr(event, name) for name in AuditEvent.CONTENT_FIELDS}
    params["content"] = event.content()
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_ONE_SQL, params)
        event.pk, event.sequence, event.previous_hash, event.hash = cursor.fetchone()
    event._state.adding = False


@dataclass(frozen=True)
class Verification:
    intact: bool
    length: int  # the sequence of the last event walked (events pruned from the start included)
    first_bad_sequence: int | None = None
    problem: str = ""
    first_sequence: int = 1  # the first event walked (after pruning, or after `after`)
    last_hash: str = ""  # the hash of the last event walked


# Events past their retention period are removed from the start of the chain by
# samhandling.retention. The removal is itself an event further on: a "delete" of this object
# type whose object id is the last sequence removed and whose reason ends with that event's
# hash. The walk then starts after it and still checks every link of what is kept.
PRUNED_OBJECT_TYPE = "audit.auditevent"
_TRAILING_HASH = re.compile(r"([0-9a-f]{64})$")


def pruning_anchor(through: int) -> str | None:
    """The hash of event `through`, as the event that removed events up to it recorded it."""
    reasons = AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE,
        object_type=PRUNED_OBJECT_TYPE,
        object_id=str(through),
        sequence__gt=through,
    ).values_list("reason", flat=True)
    for reason in reasons:
        match = _TRAILING_HASH.search(reason)
        if match:
            return match[1]
    return None


def verify_chain(*, checkpoint_path: Path | None = None, batch_size: int = 5000,
                 after: tuple[int, str] | None = None) -> Verification:  # fmt: skip
    """Walks the chain in order; names the first event whose hash or link does not match.

    `after` (sequence, hash) is an event that an earlier walk verified: the walk starts after
    it, once that event is found unchanged (its content, its hash). Events before it are then
    not walked again: a full walk now and then still checks them (docs/audit.md)."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    length = 0
    hashes_at: dict[int, str] = {}
    checkpoint = read_checkpoint(checkpoint_path)
    last_seen = 0
    first = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True).first()
    anchor = pruning_anchor(first - 1) if first and first > 1 else None
    if first and anchor is not None:  # events before `first` were pruned: start after them
        previous_hash, expected_sequence = anchor, first
        length = last_seen = first - 1
        hashes_at[first - 1] = anchor
    if after is not None and after[0] >= expected_sequence:  # else pruned, or nothing walked
        sequence, verified_hash = after
        event = AuditEvent.objects.filter(sequence=sequence).first()
        if event is None or event.hash != verified_hash or event.compute_hash() != event.hash:
            return Verification(
                False, sequence - 1, sequence, f"event {sequence} differs from when it was verified"
            )
        previous_hash, expected_sequence = verified_hash, sequence + 1
        length = last_seen = sequence
        hashes_at[sequence] = verified_hash
    start = expected_sequence
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__gt=last_seen).order_by("sequence")[:batch_size]
        )
        if not batch:
            break
        for event in batch:
            if event.sequence != expected_sequence:
                return Verification(
                    False,
                    length,
                    expected_sequence,
                    f"event {expected_sequence} is missing (next is {event.sequence})",
                )
            if event.previous_hash != previous_hash:
                return Verification(
                    False,
                    length,
                    event.sequence,
                    f"event {event.sequence} does not link to the event before it",
                )
            if event.compute_hash() != event.hash:
                return Verification(
                    False,
                    length,
                    event.sequence,
                    f"event {event.sequence} was altered: its hash does not match its content",
                )
            if checkpoint and event.sequence == checkpoint["sequence"]:
                hashes_at[event.sequence] = event.hash
            previous_hash = event.hash
            expected_sequence += 1
            length += 1
        last_seen = batch[-1].sequence
    if checkpoint:
        seq = checkpoint["sequence"]
        if seq > length:
            return Verification(
                False,
                length,
                length + 1,
                f"the checkpoint names event {seq}, but the chain ends at {length}: "
                "events were removed from its end",
            )
        # A checkpoint older than the pruned events cannot be compared with them.
        if seq and seq >= start - 1 and hashes_at.get(seq) != checkpoint["hash"]:
            return Verification(
                False, length, seq, f"event {seq} differs from the checkpoint written earlier"
            )
    return Verification(True, length, first_sequence=start, last_hash=previous_hash)


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def read_checkpoint(path: Path | None = None) -> dict[str, Any] | None:
    path = path or checkpoint_path()
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def write_checkpoint(path: Path | None = None) -> dict[str, Any]:
    """Writes the chain's head to a file outside the database (atomically replaced)."""
    path = path or checkpoint_path()
    head = ChainHead.objects.get(pk=1)
    data = {
        "sequence": head.sequence,
        "hash": head.hash,
        "written_at": timezone.now().isoformat(timespec="seconds"),
    }
    _write_atomically(path, data)
    return data


def read_verified_mark(path: Path) -> tuple[int, str] | None:
    """The last event an intact walk verified (`verify_audit --resume`), or None before the
    first walk. A file that does not name one is a ValueError."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        return int(data["sequence"]), str(data["hash"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} does not name a verified event: {error}") from error


def write_verified_mark(path: Path, verification: Verification) -> None:
    """Names the last event of an intact walk, for the next walk to start after it."""
    if not verification.intact:
        raise ValueError("only an intact walk moves the mark on")
    _write_atomically(path, {"sequence": verification.length, "hash": verification.last_hash})


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Replaced whole or not at all, and on disk before it returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
