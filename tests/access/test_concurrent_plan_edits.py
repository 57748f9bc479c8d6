"""No lost work: two people editing the same plan at the same moment (DESIGN.md, principle 5).

Each thread has its own database connection and closes it at the end. On PostgreSQL the plan
row lock (SELECT … FOR UPDATE) makes the second writer wait for the first; on SQLite the
IMMEDIATE transactions do the same. Either way the second finds the version moved on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from tests.access.world import born_years_ago

from samhandling.accounts.models import User
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.coordination import services
from samhandling.coordination.models import Goal, LogEntry, Plan
from samhandling.organisations.actors import Actor, actor_for
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plan(teacher_actor: Actor, make_person: Callable[..., Person]) -> Plan:
    """The plan of a case the teacher coordinates."""
    ChainHead.objects.get_or_create(pk=1)  # a transactional test before this one flushed it
    child = make_person("Samtidig", "Barnesen", born=born_years_ago(10))
    case = services.record_concern(child, by=teacher_actor, text="Worried").case
    assert case is not None
    return Plan.objects.get(case=case)


def at_once(*work: Callable[[], Any]) -> list[Any]:
    """Runs each callable in its own thread, released together; returns results or errors."""
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - returned for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def add_goal_as(
    username: str, plan_id: int, title: str, expected_version: int | None
) -> Callable[[], Goal]:
    def job() -> Goal:
        actor = actor_for(User.objects.get(username=username))
        return services.add_goal(Plan.objects.get(pk=plan_id), by=actor, title=title,
                                 expected_version=expected_version)  # fmt: skip

    return job


def test_two_goals_added_to_the_same_plan_version_at_once_one_wins_one_conflicts(
    plan: Plan,
) -> None:
    version = plan.version
    results = at_once(
        add_goal_as("teacher", plan.pk, "Attend every day", version),
        add_goal_as("teacher", plan.pk, "Sleep before midnight", version),
    )
    goals = [r for r in results if isinstance(r, Goal)]
    conflicts = [r for r in results if isinstance(r, services.ConflictError)]
    assert len(goals) == 1 and len(conflicts) == 1, results
    plan.refresh_from_db()
    assert plan.version == version + 1
    assert list(Goal.objects.filter(plan=plan)) == goals


def test_the_conflict_carries_the_current_plan_so_the_loser_can_save_again(plan: Plan) -> None:
    version = plan.version
    titles = {"Attend every day", "Sleep before midnight"}
    results = at_once(*(add_goal_as("teacher", plan.pk, title, version) for title in titles))
    [conflict] = [r for r in results if isinstance(r, services.ConflictError)]
    [winner] = [r for r in results if isinstance(r, Goal)]
    assert conflict.expected == version
    assert conflict.actual == version + 1
    assert isinstance(conflict.current, Plan) and conflict.current.version == version + 1
    [lost_title] = titles - {winner.title}
    services.add_goal(conflict.current, by=actor_for(User.objects.get(username="teacher")),
                      title=lost_title, expected_version=conflict.current.version)  # fmt: skip
    assert set(Goal.objects.filter(plan=plan).values_list("title", flat=True)) == titles
    plan.refresh_from_db()
    assert plan.version == version + 2


def test_edits_without_an_expected_version_all_land_one_after_another(plan: Plan) -> None:
    version = plan.version
    results = at_once(*(add_goal_as("teacher", plan.pk, f"Goal {i}", None) for i in range(4)))
    assert all(isinstance(r, Goal) for r in results), results
    plan.refresh_from_db()
    assert plan.version == version + 4


def test_the_audit_chain_stays_intact_after_concurrent_writes(plan: Plan) -> None:
    before = AuditEvent.objects.count()
    teacher_id = User.objects.get(username="teacher").pk

    def write(index: int) -> Callable[[], int]:
        def job() -> int:
            actor = actor_for(User.objects.get(pk=teacher_id))
            current = Plan.objects.select_related("case").get(pk=plan.pk)
            for n in range(3):
                services.add_goal(current, by=actor, title=f"Goal {index}.{n}")
                services.add_log_entry(current.case, by=actor, kind=LogEntry.Kind.NOTE,
                                       text=f"Note {index}.{n}")  # fmt: skip
            return 6

        return job

    results = at_once(*(write(i) for i in range(4)))
    assert results == [6, 6, 6, 6], results
    assert AuditEvent.objects.count() == before + 24
    verification = audit.verify_chain()
    assert verification.intact, verification.problem
