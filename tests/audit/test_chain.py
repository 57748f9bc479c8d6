import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from tests.conftest import tamper

from samhandling.audit import services as audit
from samhandling.audit.models import AppendOnlyError, AuditEvent
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person


@pytest.fixture
def events(teacher_actor: Actor, make_person: Callable[..., Person]) -> list[AuditEvent]:
    person = make_person()
    for _ in range(3):
        audit.record(teacher_actor, "view", person, purpose="test")
    return list(AuditEvent.objects.order_by("sequence"))


def test_each_event_links_to_the_one_before(events: list[AuditEvent]) -> None:
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
        assert after.sequence == before.sequence + 1
    assert events[0].previous_hash == "0" * 64


def test_an_event_names_actor_role_organisation_object_person_and_channel(
    events: list[AuditEvent], teacher_actor: Actor
) -> None:
    view = events[-1]
    assert view.action == "view"
    assert view.actor_id == teacher_actor.user.pk  # type: ignore[union-attr]
    assert view.actor_role == "professional"
    assert view.organisation_id == teacher_actor.organisation.pk  # type: ignore[union-attr]
    assert view.object_type == "people.person"
    assert view.person_id is not None
    assert view.municipality_id == teacher_actor.municipality_id
    assert view.purpose == "test"
    assert view.channel in {"web", "api", "task", "command"}


def test_the_orm_refuses_to_change_or_delete_an_event(events: list[AuditEvent]) -> None:
    event = events[0]
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_verify_audit_reports_an_intact_chain_with_its_length(events: list[AuditEvent]) -> None:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"intact: {len(events)} events" in out.getvalue()


def test_verify_audit_names_the_first_altered_event(events: list[AuditEvent]) -> None:
    target = events[1]
    tamper("UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["covered up", target.pk])
    with pytest.raises(CommandError, match=f"broken at event {target.sequence}.*altered"):
        call_command("verify_audit")


def test_verify_audit_finds_an_event_deleted_from_the_middle(events: list[AuditEvent]) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"event {events[1].sequence} is missing"):
        call_command("verify_audit")


def test_the_checkpoint_reveals_events_removed_from_the_end(
    events: list[AuditEvent], settings: object
) -> None:
    call_command("audit_checkpoint", stdout=io.StringIO())
    written = json.loads(audit.checkpoint_path().read_text())
    assert written["sequence"] == events[-1].sequence
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError, match="removed from its end"):
        call_command("verify_audit")


def test_the_checkpoint_task_writes_the_head(events: list[AuditEvent]) -> None:
    from samhandling.audit.tasks import write_audit_checkpoint

    result = write_audit_checkpoint.call()
    assert result["sequence"] == events[-1].sequence
    assert audit.read_checkpoint()["hash"] == events[-1].hash  # type: ignore[index]


def test_a_refusal_is_recorded_with_its_reason(teacher_actor: Actor) -> None:
    from samhandling.access.policy import refuse

    event = audit.record(
        teacher_actor,
        "view",
        audit.Subject("people.person", "99"),
        decision=refuse("person belongs to another municipality"),
    )
    assert event.outcome == "refused"
    assert event.reason == "person belongs to another municipality"


def test_an_event_recorded_in_a_rolled_back_transaction_leaves_the_chain_intact(
    teacher_actor: Actor, events: list[AuditEvent]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(teacher_actor, "update", audit.Subject("people.person", "1"))
        raise RuntimeError("the write failed")
    audit.record(teacher_actor, "view", audit.Subject("people.person", "1"))
    assert audit.verify_chain().intact


@pytest.mark.postgres
def test_on_postgresql_a_trigger_refuses_update_and_delete(
    events: list[AuditEvent],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in (
        "UPDATE audit_auditevent SET purpose = 'x'",
        "DELETE FROM audit_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_verify_audit_resumes_after_the_last_event_it_verified(
    events: list[AuditEvent], teacher_actor: Actor, tmp_path: Path
) -> None:
    mark = tmp_path / "verified.json"
    out = io.StringIO()
    call_command("verify_audit", resume=mark, stdout=out)
    last = events[-1]
    assert f"{len(events)} walked, from event {events[0].sequence}" in out.getvalue()
    assert json.loads(mark.read_text()) == {"sequence": last.sequence, "hash": last.hash}
    for _ in range(2):
        audit.record(teacher_actor, "view", audit.Subject("people.person", "1"))
    out = io.StringIO()
    call_command("verify_audit", resume=mark, stdout=out)
    assert f"intact: {last.sequence + 2} events; 2 walked, from event {last.sequence + 1}" in (
        out.getvalue()
    )
    head = AuditEvent.objects.order_by("-sequence").first()
    assert json.loads(mark.read_text()) == {"sequence": head.sequence, "hash": head.hash}  # type: ignore[union-attr]


def test_a_resumed_walk_finds_the_verified_event_altered_and_a_later_one(
    events: list[AuditEvent], teacher_actor: Actor, tmp_path: Path
) -> None:
    mark = tmp_path / "verified.json"
    call_command("verify_audit", resume=mark, stdout=io.StringIO())
    later = audit.record(teacher_actor, "view", audit.Subject("people.person", "1"))
    tamper("UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["covered up", later.pk])
    with pytest.raises(CommandError, match=f"broken at event {later.sequence}.*altered"):
        call_command("verify_audit", resume=mark)
    last = events[-1]
    tamper("UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["covered up", last.pk])
    with pytest.raises(CommandError, match=f"event {last.sequence} differs from when it was"):
        call_command("verify_audit", resume=mark)
    # the mark is not moved by a walk that failed
    assert json.loads(mark.read_text())["sequence"] == last.sequence


def test_verify_audit_refuses_a_resume_file_that_names_no_event(
    events: list[AuditEvent], tmp_path: Path
) -> None:
    mark = tmp_path / "verified.json"
    mark.write_text('{"sequence": "three"}')
    with pytest.raises(CommandError, match="does not name a verified event"):
        call_command("verify_audit", resume=mark)
