"""Retention: what is past its period goes, with an audit event each; nothing else does; the
audit chain still verifies after its oldest events are pruned; the aggregates stay."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from tests.conftest import tamper
from tests.retention.town import Town, ancient_events

from samhandling.access.models import Consent, LegalBasis
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.coordination.models import (
    Case,
    FamilyParticipant,
    Goal,
    LogEntry,
    Measure,
    Meeting,
    Plan,
    Referral,
    Task,
    TeamMember,
    Transition,
    Voice,
)
from samhandling.insight import aggregates
from samhandling.insight.models import Aggregate
from samhandling.people.models import FamilyRelation, Person
from samhandling.portal.models import DataExport
from samhandling.retention import deletion, rules, services
from samhandling.retention.tasks import apply_retention

CASE_PARTS = (
    LogEntry,
    Plan,
    Goal,
    Measure,
    Meeting,
    Task,
    Referral,
    Transition,
    Voice,
    TeamMember,
    FamilyParticipant,
    Consent,
    LegalBasis,
)


def parts_of(case_id: int) -> dict[str, int]:
    counts = {}
    for model in CASE_PARTS:
        if model in (Goal, Measure):
            rows = model.objects.filter(plan__case_id=case_id)
        else:
            rows = model.objects.filter(case_id=case_id)
        counts[model.__name__] = rows.count()
    return counts


@pytest.fixture
def old_and_new(town: Town) -> dict[str, Any]:
    """A full case closed six years ago, one closed last month, one open; their children and
    guardians; a person registered long ago with no case at all."""
    old_child, old_guardian = town.family("Gammel")
    old = town.close(town.fill(town.case_for(old_child), old_guardian), years_ago=6)
    recent_child, recent_guardian = town.family("Nylig")
    recent = town.close(town.case_for(recent_child), years_ago=0.1)
    open_child, open_guardian = town.family("Åpen")
    open_case = town.case_for(open_child)
    loner = town.make_person("Ensom", "Eneboer", born=datetime.date(2010, 1, 1))
    newcomer = town.make_person("Ny", "Innflytter", born=datetime.date(2011, 1, 1))
    everyone = [
        old_child,
        old_guardian,
        recent_child,
        recent_guardian,
        open_child,
        open_guardian,
        loner,
    ]
    town.registered(*everyone, years_ago=7)
    return {
        "old": old,
        "recent": recent,
        "open": open_case,
        "old_child": old_child,
        "old_guardian": old_guardian,
        "recent_child": recent_child,
        "loner": loner,
        "newcomer": newcomer,
        "open_child": open_child,
        "open_guardian": open_guardian,
    }


def test_a_dry_run_lists_what_is_past_its_period_and_deletes_nothing(
    old_and_new: dict[str, Any],
) -> None:
    w = old_and_new
    before = (Case.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    report = services.apply(dry_run=True)
    assert report.dry_run
    assert report.cases == [w["old"].pk]
    assert report.persons == sorted([w["old_child"].pk, w["old_guardian"].pk, w["loner"].pk])
    assert (Case.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    assert all(count for count in parts_of(w["old"].pk).values())


def test_a_run_deletes_exactly_what_is_past_its_period_and_nothing_else(
    old_and_new: dict[str, Any], retention_on: None
) -> None:
    w = old_and_new
    planned = services.apply(dry_run=True)
    kept_cases = {w["recent"].pk, w["open"].pk}
    kept_persons = set(Person.objects.values_list("pk", flat=True)) - set(planned.persons)
    done = services.apply(dry_run=False)
    assert not done.dry_run
    assert (done.cases, done.persons) == (planned.cases, planned.persons)
    assert set(Case.objects.values_list("pk", flat=True)) == kept_cases
    assert set(Person.objects.values_list("pk", flat=True)) == kept_persons
    assert not any(parts_of(w["old"].pk).values())
    assert w["recent_child"].pk in kept_persons  # the case closed last month keeps its child
    assert {w["open_child"].pk, w["open_guardian"].pk, w["newcomer"].pk} <= kept_persons
    assert not FamilyRelation.objects.filter(person=w["old_child"]).exists()
    assert services.apply(dry_run=True).counts() == dict.fromkeys(done.counts(), 0)


def test_every_deletion_is_in_the_audit_log_with_the_reason_retention_and_no_name(
    old_and_new: dict[str, Any], retention_on: None
) -> None:
    w = old_and_new
    last = ChainHead.objects.get(pk=1).sequence
    services.apply(dry_run=False)
    deleted = AuditEvent.objects.filter(sequence__gt=last, action="delete")
    assert set(deleted.values_list("object_type", "object_id", "reason")) == {
        ("coordination.case", str(w["old"].pk), "retention"),
        ("people.person", str(w["old_child"].pk), "retention"),
        ("people.person", str(w["old_guardian"].pk), "retention"),
        ("people.person", str(w["loner"].pk), "retention"),
    }
    case_event = deleted.get(object_type="coordination.case")
    assert case_event.person_id == w["old_child"].pk
    assert case_event.municipality_id == w["old"].municipality_id
    assert case_event.actor_id is None and case_event.actor_name == ""
    names = {w["old_child"].given_name, w["old_child"].family_name}
    for event in AuditEvent.objects.filter(sequence__gt=last):
        assert not names & set(event.content().split("\x1f"))
    assert audit.verify_chain().intact


def test_a_case_in_which_child_welfare_took_part_is_kept_and_reported(
    town: Town, retention_on: None, settings: Any
) -> None:
    child, guardian = town.family()
    case = town.case_for(child)
    town.involve_child_welfare(case)
    town.close(case, years_ago=6)
    town.registered(child, guardian, years_ago=7)
    report = services.apply(dry_run=False)
    assert report.cases == [] and report.persons == []
    assert report.held_cases == {rules.HELD_CHILD_WELFARE: [case.pk]}
    assert any("child welfare" in line and str(case.pk) in line for line in report.lines())
    assert Case.objects.filter(pk=case.pk).exists()

    settings.RETENTION_KEEP_CHILD_WELFARE = False  # deposited in the archive
    report = services.apply(dry_run=False)
    assert report.cases == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()


def test_the_case_of_a_person_whose_processing_is_restricted_is_kept(
    town: Town, retention_on: None
) -> None:
    child, guardian = town.family()
    case = town.close(town.case_for(child), years_ago=6)
    town.registered(child, guardian, years_ago=7)
    Person.objects.filter(pk=child.pk).update(processing_restricted=True)
    report = services.apply(dry_run=False)
    assert report.held_cases == {rules.HELD_RESTRICTED: [case.pk]}
    assert Case.objects.filter(pk=case.pk).exists()
    assert Person.objects.filter(pk__in=[child.pk, guardian.pk]).count() == 2


def test_family_of_a_child_with_a_kept_case_is_kept_though_their_own_case_went(
    town: Town, retention_on: None
) -> None:
    """A sibling's old case goes; the sibling stays while their brother's case is kept."""
    child, guardian = town.family("Eldre")
    sibling = town.make_person("Yngre", "Hansen", born=datetime.date(2016, 1, 1))
    FamilyRelation.objects.create(
        person=child, relative=sibling, kind="sibling", municipality_id=child.municipality_id
    )
    old = town.close(town.case_for(sibling), years_ago=6)
    town.case_for(child)  # open
    town.registered(child, guardian, sibling, years_ago=7)
    report = services.apply(dry_run=False)
    assert report.cases == [old.pk]
    assert report.persons == []
    assert Person.objects.filter(pk=sibling.pk).exists()


def test_data_exports_past_their_period_are_deleted_and_newer_ones_kept(
    town: Town, retention_on: None
) -> None:
    child, guardian = town.family()
    town.case_for(child)
    old = town.export_for(child, town.teacher, days_ago=120)
    new = town.export_for(child, town.teacher, days_ago=10)
    report = services.apply(dry_run=False)
    assert report.data_exports == [str(old.pk)]
    assert list(DataExport.objects.values_list("pk", flat=True)) == [new.pk]
    event = AuditEvent.objects.get(action="delete", object_type="portal.dataexport")
    assert (event.object_id, event.reason) == (str(old.pk), "retention")


def test_deleting_needs_retention_enabled_while_a_dry_run_always_works(
    old_and_new: dict[str, Any],
) -> None:
    assert not django_settings.RETENTION_ENABLED
    with pytest.raises(services.RetentionOff):
        services.apply(dry_run=False)
    with pytest.raises(CommandError, match="RETENTION_ENABLED"):
        call_command("apply_retention", stdout=io.StringIO())
    assert apply_retention.call() == {}
    assert Case.objects.filter(pk=old_and_new["old"].pk).exists()
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()


def test_the_command_prints_counts_and_ids_and_never_a_name(
    old_and_new: dict[str, Any], retention_on: None
) -> None:
    w = old_and_new
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    text = out.getvalue()
    assert f"before {(timezone.localdate() - datetime.timedelta(days=5 * 365))}" in text
    assert f"(deleted): 1: {w['old'].pk}" in text
    gone = [w["old_child"], w["old_guardian"], w["loner"]]
    assert f"(deleted): 3: {', '.join(str(p.pk) for p in sorted(gone, key=lambda p: p.pk))}" in text
    for person in gone:
        assert person.given_name not in text and person.family_name not in text
    assert not Case.objects.filter(pk=w["old"].pk).exists()
    with pytest.raises(CommandError, match="--today"):
        call_command("apply_retention", "--today", "2040-01-01", stdout=io.StringIO())


def test_a_dry_run_can_look_ahead_to_another_day(town: Town) -> None:
    child, _ = town.family()
    case = town.close(town.case_for(child))
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--today", "2100-01-01", stdout=out)
    assert f"(would delete): 1: {case.pk}" in out.getvalue()
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_daily_task_deletes_when_retention_is_enabled(
    old_and_new: dict[str, Any], retention_on: None
) -> None:
    counts = apply_retention.call()
    assert counts["cases"] == 1 and counts["persons"] == 3
    event = AuditEvent.objects.get(action="delete", object_type="coordination.case")
    assert event.channel == "task"


def settings_in_a_new_process(**env: str) -> dict[str, Any]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'schedule': [p for p, _ in settings.SCHEDULE], "
        "'retention': settings.RETENTION}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "samhandling.config.settings",
        "SECRET_KEY": "x" * 50,
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_scheduler_runs_retention_daily_only_when_a_deployment_enables_it() -> None:
    task = "samhandling.retention.tasks.apply_retention"
    assert task not in settings_in_a_new_process(RETENTION_ENABLED="")["schedule"]
    enabled = settings_in_a_new_process(RETENTION_ENABLED="true", RETENTION_CLOSED_CASE_DAYS="730")
    assert task in enabled["schedule"]
    assert enabled["retention"]["closed_case_days"] == 730
    too_short = settings_in_a_new_process(RETENTION_CLOSED_CASE_DAYS="30")
    assert "RETENTION_CLOSED_CASE_DAYS must be at least 365" in too_short["error"]


# --- the audit chain ---------------------------------------------------------------------------


@pytest.fixture
def pruned(town: Town, retention_on: None) -> dict[str, Any]:
    """Five events from eleven years ago at the start of the chain, then today's, then a run."""
    ancient_events(5)
    child, _ = town.family()
    town.case_for(child)
    call_command("audit_checkpoint", stdout=io.StringIO())  # names today's head
    planned = services.apply(dry_run=True)
    report = services.apply(dry_run=False)
    return {"planned": planned, "report": report}


def test_audit_events_past_their_period_are_pruned_and_the_chain_still_verifies(
    pruned: dict[str, Any],
) -> None:
    planned, report = pruned["planned"], pruned["report"]
    assert planned.audit_events == rules.AuditRange(1, 5)
    assert report.audit_events_removed == 5
    assert AuditEvent.objects.order_by("sequence").first().sequence == 6  # type: ignore[union-attr]
    anchor = AuditEvent.objects.get(object_type=audit.PRUNED_OBJECT_TYPE)
    assert (anchor.action, anchor.object_id, anchor.purpose) == ("delete", "5", "retention")
    result = audit.verify_chain()
    assert result.intact, result.problem
    assert (result.first_sequence, result.length) == (6, ChainHead.objects.get(pk=1).sequence)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    if connection.vendor == "postgresql":  # the append-only trigger is on again
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 6")


def test_events_removed_from_the_start_beyond_what_retention_recorded_are_detected(
    pruned: dict[str, Any],
) -> None:
    tamper("DELETE FROM audit_auditevent WHERE sequence = 6")
    result = audit.verify_chain()
    assert not result.intact
    assert result.problem == "event 1 is missing (next is 7)"


def test_a_second_pruning_starts_where_the_first_ended(pruned: dict[str, Any]) -> None:
    through = ChainHead.objects.get(pk=1).sequence
    removed = deletion.prune_audit_events(through, batch_size=4)  # in batches of four
    assert removed == through - 5
    assert AuditEvent.objects.filter(sequence__lte=through).count() == 0
    assert audit.verify_chain().intact


def test_pruning_keeps_every_event_that_occurred_on_or_after_the_cutoff(town: Town) -> None:
    old = ancient_events(3, years_ago=12)
    middle = ancient_events(3, years_ago=11)
    town.family()
    cutoffs = rules.Cutoffs.on(timezone.localdate())
    cutoffs = rules.Cutoffs(**{**cutoffs.__dict__, "audit_event": middle[0].occurred_at})
    span = rules.expired_audit_events(cutoffs)
    assert span == rules.AuditRange(old[0].sequence, old[-1].sequence)
    deletion.prune_audit_events(span.through)  # type: ignore[union-attr]
    kept = AuditEvent.objects.filter(sequence__in=[e.sequence for e in middle]).count()
    assert kept == 3
    assert audit.verify_chain().intact


def test_pruning_refuses_to_remove_events_that_do_not_verify(
    town: Town, retention_on: None
) -> None:
    events = ancient_events(4)
    tamper("UPDATE audit_auditevent SET purpose = 'covered up' WHERE sequence = 2")
    with pytest.raises(deletion.PruningError, match="event 2 does not verify"):
        deletion.prune_audit_events(events[-1].sequence)
    report = services.apply(dry_run=False)
    assert report.audit_events_removed == 0
    assert "does not verify" in report.audit_note
    assert AuditEvent.objects.filter(sequence__lte=4).count() == 4


def test_only_the_owner_of_the_audit_table_may_prune_it(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's roles")
    assert deletion.may_prune_audit()
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE retention_test_app NOLOGIN")  # rolled back with the test
        cursor.execute("SET ROLE retention_test_app")
        try:
            assert not deletion.may_prune_audit()
        finally:
            cursor.execute("RESET ROLE")


# --- the anonymous aggregates ------------------------------------------------------------------


def test_the_anonymous_aggregates_are_unchanged(
    old_and_new: dict[str, Any], retention_on: None
) -> None:
    quarter = aggregates.Quarter.current()
    for each in (quarter.previous, quarter):
        aggregates.compute(str(each))
    fields = ("municipality_id", "quarter", "measure", "category", "count", "value", "suppressed")
    before = sorted(Aggregate.objects.values_list(*fields))
    assert before
    report = services.apply(dry_run=False)
    assert report.cases
    assert sorted(Aggregate.objects.values_list(*fields)) == before
