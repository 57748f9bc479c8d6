"""A request's reads are appended to the audit chain together, before its response leaves.

These tests commit (transaction=True): inside the usual test transaction every event is
appended at once, as in a service that writes, and the batching would not show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.models.signals import post_init, pre_init
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import connections_other, tamper, terminated

from samhandling.access import policy
from samhandling.accounts.models import User
from samhandling.audit import ahead
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _audit_statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "audit_" in q["sql"]]


def test_events_recorded_in_a_batch_are_appended_together_when_it_ends(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries, audit.batched():
        audit.record(teacher_actor, "view", person, purpose="test")
        audit.record_many(teacher_actor, "view", [person, person], purpose="test")
        assert AuditEvent.objects.count() == before  # waiting for the end of the batch
    events = list(AuditEvent.objects.order_by("sequence"))[before:]
    assert [e.action for e in events] == ["view"] * 3
    assert [e.sequence for e in events] == list(range(events[0].sequence, events[0].sequence + 3))
    audit_sql = [
        q["sql"]
        for q in queries.captured_queries
        if "audit_chainhead" in q["sql"] or q["sql"].lstrip().startswith("INSERT")
    ]
    reads = [
        sql
        for sql in audit_sql
        if "audit_chainhead" in sql and sql.lstrip().startswith(("SELECT", "WITH"))
    ]
    assert len(reads) == 1  # the chain's head is read (and locked) once for the three
    if connection.vendor == "postgresql":
        assert len(audit_sql) == 1  # lock, hashes, events and head in one statement
    assert audit.verify_chain().intact


def test_inside_a_transaction_an_event_is_appended_at_once(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """A service that writes appends in its own transaction, so that the write and its event
    are kept or lost together."""
    from django.db import transaction

    person = make_person()
    before = AuditEvent.objects.count()
    with audit.batched(), transaction.atomic():
        audit.record(teacher_actor, "update", person, purpose="test")
        assert AuditEvent.objects.count() == before + 1


def test_a_page_that_reads_personal_data_has_its_events_in_the_log_when_it_answers(
    teacher: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    signed_in: Callable[[User], Client],
) -> None:
    person = make_person()
    case = concern_by(person)
    client = signed_in(teacher)
    before = ChainHead.objects.get(pk=1).sequence
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/work/cases/{case.pk}/")
    assert response.status_code == 200
    read = AuditEvent.objects.filter(person_id=person.pk, action="view", sequence__gt=before)
    assert read.exists()
    assert {event.request_id for event in read} == {response["X-Request-ID"]}
    assert audit.verify_chain().intact
    appended_here = [sql for sql in _audit_statements(queries) if "INSERT" in sql]
    if connection.vendor == "postgresql":
        assert appended_here == []  # sent ahead: on a connection of their own, while it rendered
    else:
        assert len(appended_here) == 1  # SQLite: together, at the end


def test_if_the_events_cannot_be_appended_what_was_read_is_not_sent(
    teacher: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    signed_in: Callable[[User], Client],
) -> None:
    person = make_person(family_name="Uleselig")
    case = concern_by(person)
    client = signed_in(teacher)
    client.raise_request_exception = False
    tamper("DELETE FROM audit_chainhead")  # no event can be appended without it
    response = client.get(f"/work/cases/{case.pk}/")
    assert response.status_code == 500
    assert person.family_name.encode() not in response.content


@pytest.mark.parametrize("count", [1, 13, 201])
def test_a_batch_of_any_length_chains_each_event_to_the_one_before(
    teacher_actor: Actor, make_person: Callable[..., Person], count: int
) -> None:
    """PostgreSQL chains up to 200 events in one statement and longer batches in Python:
    either way each hash is the one verify_chain computes, in order, with the head moved."""
    person = make_person()
    head_before = ChainHead.objects.get(pk=1).sequence
    with audit.batched():
        events = audit.record_many(teacher_actor, "view", [person] * count, purpose="test")
    assert [e.sequence for e in events] == list(range(head_before + 1, head_before + count + 1))
    assert all(e.pk and e.hash == e.compute_hash() for e in events)
    assert all(b.previous_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    head = ChainHead.objects.get(pk=1)
    assert (head.sequence, head.hash) == (events[-1].sequence, events[-1].hash)
    assert audit.verify_chain().intact


def test_events_sent_ahead_are_appended_on_a_connection_of_their_own_and_the_rest_at_the_end(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """On PostgreSQL `send_ahead` sends what was recorded so far on a connection of its own (a
    page's reads while its template renders); what is recorded after it waits for the end.
    SQLite appends everything at the end, on the request's own connection."""
    first, second = make_person(), make_person()
    before = ChainHead.objects.get(pk=1).sequence
    with CaptureQueriesContext(connection) as queries, audit.batched():
        audit.record_many(teacher_actor, "view", [first, first], purpose="test")
        audit.send_ahead()
        audit.record(teacher_actor, "view", second, purpose="test")
    events = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [e.person_id for e in events] == [first.pk, first.pk, second.pk]
    here = _audit_statements(queries)
    if connection.vendor == "postgresql":
        assert len(here) == 1  # only the last event, at the end, on the request's connection
        assert "jsonb_array_elements" not in here[0]  # the statement for one event, not a batch's
    else:
        assert len(here) == 3  # head read, the three events inserted, head moved: at the end
        assert sum(sql.startswith("INSERT") for sql in here) == 1
    assert audit.verify_chain().intact


def test_if_the_events_sent_ahead_cannot_be_appended_the_batch_fails(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    tamper("DELETE FROM audit_chainhead")  # no event can be appended without it
    with pytest.raises(Exception), audit.batched():  # noqa: B017, PT011 - whatever the driver says
        audit.record_many(teacher_actor, "view", [person, person], purpose="test")
        audit.send_ahead()
    assert not AuditEvent.objects.filter(person_id=person.pk, action="view").exists()


def test_a_person_search_s_reads_are_sent_ahead_and_in_the_log_when_the_answer_comes(
    teacher: Any, make_person: Callable[..., Person], signed_in: Callable[[Any], Any]
) -> None:
    """The search view sends its reads ahead once it has them (people/views.py), before the
    page renders: on PostgreSQL none is appended on the request's own connection, and every
    one is in the chain, intact, when the response is returned."""
    found = [make_person("Søkbar", f"Testesen{n}") for n in range(3)]
    client = signed_in(teacher)
    before = ChainHead.objects.get(pk=1).sequence
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/people/", {"query": "Søkbar"})
    assert response.status_code == 200
    events = list(AuditEvent.objects.filter(sequence__gt=before, purpose="search"))
    assert sorted(e.person_id for e in events) == sorted(p.pk for p in found)
    if connection.vendor == "postgresql":
        assert [sql for sql in _audit_statements(queries) if "INSERT" in sql] == []
    assert audit.verify_chain().intact


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="events are sent ahead on PostgreSQL only"
)


def _sent_ahead(actor: Actor, persons: list[Person]) -> list[AuditEvent]:
    with audit.batched():
        events = audit.record_many(actor, "view", persons, purpose="test")
        audit.send_ahead()
    return events


@postgresql_only
def test_the_connection_events_are_sent_ahead_on_is_kept_for_the_next_batch(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    first = _sent_ahead(teacher_actor, [person, person])
    (kept,) = ahead.kept()
    second = _sent_ahead(teacher_actor, [person, person])
    assert ahead.kept() == [kept]
    assert [e.sequence for e in second] == [first[-1].sequence + 1, first[-1].sequence + 2]
    assert audit.verify_chain().intact


@postgresql_only
def test_a_kept_connection_the_server_has_ended_is_replaced_before_the_next_batch(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """A restart or a failover ends the kept connection between requests: the next batch goes
    out on a new one, and no request fails for it."""
    person = make_person()
    _sent_ahead(teacher_actor, [person, person])
    (kept,) = ahead.kept()
    terminated(kept.info.backend_pid)
    events = _sent_ahead(teacher_actor, [person, person])
    assert all(e.pk for e in events)
    (replaced,) = ahead.kept()
    assert replaced is not kept and kept.closed
    assert audit.verify_chain().intact


@postgresql_only
def test_a_connection_lost_while_events_are_on_their_way_fails_the_batch_as_unavailable(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """The batch waits for the chain's head, which another transaction holds; its connection is
    ended meanwhile. The request fails as Django's OperationalError (DatabaseUnavailable-
    Middleware's 503), nothing is appended, and the broken connection is not kept."""
    person = make_person()
    before = ChainHead.objects.get(pk=1).sequence
    with connections_other() as holder, holder.transaction():
        holder.execute("SELECT 1 FROM audit_chainhead WHERE id = 1 FOR UPDATE")
        with pytest.raises(OperationalError), audit.batched():
            audit.record_many(teacher_actor, "view", [person, person], purpose="test")
            audit.send_ahead()
            batch_pid, deadline = None, time.monotonic() + 10
            while batch_pid is None and time.monotonic() < deadline:
                batch_pid = holder.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND query LIKE %s", ["%audit_chainhead%"]
                ).fetchone()  # fmt: skip
                time.sleep(0.01)
            assert batch_pid is not None, "the batch never waited for the head"
            terminated(batch_pid[0])
    assert ahead.kept() == []
    assert ChainHead.objects.get(pk=1).sequence == before
    assert audit.verify_chain().intact


def test_a_batch_keeps_every_field_as_recorded_whatever_its_characters(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """The batch travels as one JSON document: quotes, backslashes, letters beyond ASCII,
    an emoji and an empty value come back from the table as they were recorded, and each
    stored event hashes to what verify_chain computes from its columns."""
    person = make_person()
    reasons = ["\"sitert\" \\ og 'enkelt'", "Æøå – ŋ ✓ 🧒", "", "\\u0041 er ikke A"]
    before = ChainHead.objects.get(pk=1).sequence
    with audit.batched():
        events = [
            audit.record(teacher_actor, "view", person, purpose="test", reason=reason)
            for reason in reasons
        ]
        audit.send_ahead()
    stored = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [e.reason for e in stored] == reasons
    assert [e.occurred_at for e in stored] == [e.occurred_at for e in events]
    assert [(e.person_id, e.municipality_id) for e in stored] == [
        (person.pk, person.municipality_id)
    ] * len(reasons)
    assert all(e.hash == e.compute_hash() for e in stored)
    assert audit.verify_chain().intact


def test_a_batch_s_missing_values_hash_as_the_chain_s_walk_hashes_them(
    make_person: Callable[..., Person],
) -> None:
    """Without an actor, organisation or person (a command's events, a refused look at
    nothing), the batch statement joins the missing values as empty texts into the content,
    as AuditEvent.content() does: the hashes are those verify_chain computes."""
    person = make_person()
    before = ChainHead.objects.get(pk=1).sequence
    with audit.batched():
        audit.record(None, "view", audit.Subject("people.person"), purpose="test")
        audit.record(None, "view", person, decision=policy.refuse("not in a team"))
        audit.send_ahead()
    stored = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [(e.actor_id, e.organisation_id, e.person_id, e.outcome) for e in stored] == [
        (None, None, None, "granted"),
        (None, None, person.pk, "refused"),
    ]
    assert stored[1].reason == "not in a team"
    assert all(e.hash == e.compute_hash() for e in stored)
    assert audit.verify_chain().intact


def test_an_event_holds_what_the_model_built_with_keywords_would_hold(
    teacher_actor: Actor, make_person: Callable[..., Person]
) -> None:
    """Events are built with their attributes set at once (the fast way, audit._new_event):
    every field holds what AuditEvent(**values) gives, the defaults of those not given too,
    and nothing would have received the signals that Model.__init__ sends."""
    person = make_person()
    event = audit._event(audit._who(teacher_actor, "test"), "view", person, None)
    given = {name: getattr(event, name) for name in AuditEvent.CONTENT_FIELDS}
    expected = AuditEvent(**given)
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(event, field.attname) == getattr(expected, field.attname), field.attname
    assert (event.pk, event.sequence, event.previous_hash, event.hash) == (None, None, "", "")
    assert event._state.adding
    assert event.person_id == person.pk and event.actor_id == teacher_actor.user.pk
    assert not pre_init.has_listeners(AuditEvent) and not post_init.has_listeners(AuditEvent)
    assert event.content() == expected.content()
