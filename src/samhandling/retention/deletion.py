"""Deleting for good: a case with everything in it, a person, the oldest audit events.

Used by the retention run and by a granted erasure request alike. Every deletion is one
transaction with its audit event; the event keeps ids only (the audit log never held names of
the persons concerned, only the number of the person).
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from samhandling.accounts.models import CitizenIdentity, User
from samhandling.audit import services as audit
from samhandling.audit.models import GENESIS_HASH, AuditEvent
from samhandling.coordination.models import Case, LogEntry, Referral
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person

AUDIT_PRUNE_BATCH = 50_000  # events per transaction: the table is locked while they go


class PruningError(RuntimeError):
    """The audit events to be removed do not verify: they are kept as the evidence."""


def delete_case(case: Case, *, by: Actor | None, purpose: str, reason: str) -> None:
    """Deletes the case and everything in it: log, plan with goals, measures and evaluations,
    meetings, tasks, referrals, transitions, team, family participants, the child's voice,
    consents, legal bases, emergency accesses, handovers and notifications."""
    with transaction.atomic():
        subject = audit.describe(case)
        # A referral protects the consent or legal basis it was sent under; a correction
        # protects the entry it replaced. Both go with the case.
        Referral.objects.filter(case=case).delete()
        LogEntry.objects.filter(case=case, replaces__isnull=False).update(replaces=None)
        case.delete()
        audit.record(by, "delete", subject, purpose=purpose, reason=reason)


def delete_person(person: Person, *, by: Actor | None, purpose: str, reason: str) -> list[int]:
    """Deletes the person with their own cases, family relations and data exports; returns the
    ids of the cases deleted. A privacy request about them keeps only their number.

    When no person with their identity number is left in any municipality, their citizen
    account is closed: the link to the identity number is deleted and the account is
    anonymised (kept, because audit events and records of what they did point to it)."""
    with transaction.atomic():
        case_ids = []
        for case in Case.objects.filter(person=person).order_by("pk"):
            case_ids.append(case.pk)
            delete_case(case, by=by, purpose=purpose, reason=reason)
        subject = audit.describe(person)
        id_country, national_id = person.id_country, person.national_id
        person.delete()
        audit.record(by, "delete", subject, purpose=purpose, reason=reason)
        if (
            national_id
            and not Person.objects.filter(id_country=id_country, national_id=national_id).exists()
        ):
            _close_citizen_account(id_country, national_id, by=by, purpose=purpose)
    return case_ids


def _close_citizen_account(
    id_country: str, national_id: str, *, by: Actor | None, purpose: str
) -> None:
    identities = CitizenIdentity.objects.filter(id_country=id_country, national_id=national_id)
    for identity in identities.select_related("user"):
        user_id = identity.user_id
        identity.delete()
        User.objects.filter(pk=user_id).update(
            first_name="", last_name="", email="", is_active=False, password=make_password(None)
        )
        audit.record(
            by,
            "update",
            audit.Subject("accounts.user", str(user_id)),
            purpose=purpose,
            reason="citizen account closed: no person with its identity number is left",
        )


def may_prune_audit() -> bool:
    """On PostgreSQL only the owner of the audit table can lift its append-only trigger; the
    application's role cannot (docs/operations.md)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
            "WHERE oid = 'audit_auditevent'::regclass"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def prune_audit_events(through: int, *, batch_size: int = AUDIT_PRUNE_BATCH) -> int:
    """Removes the audit events from the start of the chain up to `through`, in batches.

    Each batch first checks that its events are intact (a broken chain is evidence and is
    kept: PruningError), then appends an event that records the boundary and the hash of its
    last event, the anchor from which `verify_audit` walks the rest, then deletes the batch."""
    removed = 0
    while True:
        first = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True).first()
        if first is None or first > through:
            return removed
        removed += _prune_batch(first, min(through, first + batch_size - 1))


def _prune_batch(first: int, through: int) -> int:
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:  # taken before the chain head, as every append does, so no deadlock
            cursor.execute("LOCK TABLE audit_auditevent IN ACCESS EXCLUSIVE MODE")
        last_hash = _verified_hash(first, through)
        audit.record(
            None,
            "delete",
            audit.Subject(audit.PRUNED_OBJECT_TYPE, str(through)),
            purpose="retention",
            reason=f"events {first} to {through} removed after their retention period; "
            f"hash of event {through}: {last_hash}",
        )
        if postgres:  # DDL is transactional: the trigger is back on when this commits
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence <= %s", [through])
        removed = cursor.rowcount
        if postgres:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update")
    return removed


def _verified_hash(first: int, through: int) -> str:
    """The hash of event `through`, after checking every event from `first` to it."""
    if first == 1:
        previous = GENESIS_HASH
    else:
        anchor = audit.pruning_anchor(first - 1)
        if anchor is None:
            raise PruningError(f"events before {first} are missing and no event says why")
        previous = anchor
    expected = first
    events = AuditEvent.objects.filter(sequence__gte=first, sequence__lte=through)
    for event in events.order_by("sequence").iterator(chunk_size=5000):
        if event.sequence != expected:
            raise PruningError(f"event {expected} is missing")
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            raise PruningError(f"event {event.sequence} does not verify")
        previous = event.hash
        expected += 1
    if expected != through + 1:
        raise PruningError(f"event {expected} is missing")
    return previous
