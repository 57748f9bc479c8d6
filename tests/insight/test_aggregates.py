"""The coordination aggregates, computed from cases built with the real coordination services.

Skien: a teacher records concerns about seven youths (A1–A7) and a school nurse about five
(B1–B5). A1–A5 are referred to the school health service: A1–A3 accepted in time (the nurse
joins their teams), A4 still unanswered after its deadline, A5 declined after it. A1–A3 and
B1–B3 are at level 3; A1 and A2 have goals, B1–B5 measures that start today, B1–B5 were
opened 2, 4, 6, 8 and 10 days ago. A1–A5 have a transition today, A1–A3 registered 40 days
before. Porsgrunn has two cases, too few to show anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from tests.access.world import born_years_ago

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import Case, LevelChange, Transition
from samhandling.insight import aggregates
from samhandling.insight.aggregates import Quarter, compute
from samhandling.insight.models import Aggregate
from samhandling.insight.tasks import compute_aggregates
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people.models import Person

NOW = Quarter.current()


@dataclass
class Skien:
    skien: Region
    porsgrunn: Region
    cases: dict[str, Case]


@pytest.fixture
def world(
    skien: Region,
    porsgrunn: Region,
    teacher_actor: Actor,
    outsider: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> Skien:
    school = teacher_actor.organisation
    assert school is not None
    health = make_service(skien, Sector.SCHOOL_HEALTH, "Skolehelsetjenesten")
    nurse = actor_for(make_user(health, Role.PROFESSIONAL, username="nurse"))
    cases: dict[str, Case] = {}
    for name, by in [*((f"A{n}", teacher_actor) for n in range(1, 8)),
                     *((f"B{n}", nurse) for n in range(1, 6))]:  # fmt: skip
        youth = make_person("Ung", name, born=born_years_ago(19))  # consents for themselves
        result = services.record_concern(youth, by=by, text="Worried")
        assert result.case is not None
        cases[name] = result.case
    today = timezone.localdate()
    for name, within in [("A1", 14), ("A2", 14), ("A3", 14), ("A4", -2), ("A5", -1)]:
        case = cases[name]
        consent = services.record_consent(
            case, by=teacher_actor, given_by=case.person, form="written", purpose="Help",
            sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH], services=[school, health],
        )  # fmt: skip
        referral = services.refer(case, by=teacher_actor, to_service=health, reason="Help",
                                  consent=consent, answer_within_days=within)  # fmt: skip
        if name in ("A1", "A2", "A3"):
            services.accept_referral(referral, by=nurse)
        elif name == "A5":
            services.decline_referral(referral, by=nurse, reason="Not ours")
        services.plan_transition(case, by=teacher_actor, kind=Transition.Kind.SCHOOL_WORK,
                                 planned_for=today)  # fmt: skip
    for name in ("A1", "A2", "A3", "B1", "B2", "B3"):
        by = teacher_actor if name.startswith("A") else nurse
        cases[name] = services.change_level(cases[name], by=by, level=3, reason="Several")
    for name in ("A1", "A2"):
        services.add_goal(cases[name].plan, by=teacher_actor, title="Finish school")
    for days, name in enumerate(("B1", "B2", "B3", "B4", "B5"), start=1):
        services.add_measure(cases[name].plan, by=nurse, title="Talks",
                             responsible_service=health, starts=today)  # fmt: skip
        Case.objects.filter(pk=cases[name].pk).update(
            opened_at=timezone.now() - datetime.timedelta(days=2 * days)
        )
    Transition.objects.filter(case__in=[cases["A1"], cases["A2"], cases["A3"]]).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    outsider_actor = actor_for(outsider)
    for n in range(2):
        child = make_person("Barn", f"P{n}", municipality=porsgrunn, by=outsider_actor)
        services.record_concern(child, by=outsider_actor, text="Worried")
    return Skien(skien=skien, porsgrunn=porsgrunn, cases=cases)


def published(municipality: Region, quarter: Quarter = NOW) -> dict[tuple[str, str], Any]:
    rows = Aggregate.objects.filter(municipality=municipality, quarter=str(quarter))
    return {
        (row.measure, row.category): "hidden" if row.suppressed else (row.count, row.value)
        for row in rows
    }


def test_cases_open_now_are_counted_by_level_and_by_the_sectors_in_their_team(
    world: Skien,
) -> None:
    compute(str(NOW))
    figures = published(world.skien)
    assert [figures[("cases_by_level", level)] for level in ("0", "1", "2", "3", "total")] == [
        (6, None), (0, None), (0, None), (6, None), (12, None)
    ]  # fmt: skip
    # school alone (4) and school with school health (3) are hidden: together 7 = 12 - 5
    assert {category: value for (measure, category), value in figures.items()
            if measure == "cases_by_sectors"} == {
        "school": "hidden",
        "school+school_health": "hidden",
        "school_health": (5, None),
        "total": (12, None),
    }  # fmt: skip


def test_shares_and_the_median_are_computed_from_the_cases_behind_them(world: Skien) -> None:
    compute(str(NOW))
    figures = published(world.skien)
    assert figures[("share_with_plan", "")] == (6, Decimal("83.3"))  # 5 of 6 at level 3
    assert figures[("days_to_measure", "")] == (5, Decimal("6.0"))  # 2, 4, 6, 8, 10 days
    assert figures[("referrals_answered", "")] == (5, Decimal("60.0"))  # A1–A3 of A1–A5
    assert figures[("transitions_planned", "")] == (5, Decimal("60.0"))  # A1–A3, 40 days ahead


def test_a_municipality_with_few_cases_shows_no_small_number(world: Skien) -> None:
    compute(str(NOW))
    figures = published(world.porsgrunn)
    assert {figures[("cases_by_level", level)] for level in ("0", "1", "2", "3", "total")} == {
        "hidden"
    }
    # the team combinations found are not even named: only the hidden total is published
    assert [key for key in figures if key[0] == "cases_by_sectors"] == [
        ("cases_by_sectors", "total")
    ]
    assert figures[("share_with_plan", "")] == "hidden"  # its base is the hidden level-3 cell
    assert figures[("referrals_answered", "")] == (0, None)  # none sent: no share
    assert not Aggregate.objects.filter(suppressed=True, count__isnull=False).exists()
    # the other 355 municipalities have not used the coordination work: no rows, not zeros
    assert set(Aggregate.objects.values_list("municipality", flat=True)) == {
        world.skien.pk, world.porsgrunn.pk
    }  # fmt: skip


def test_a_rerun_replaces_the_quarters_rows(world: Skien, teacher_actor: Actor) -> None:
    first = compute(str(NOW))
    assert compute(str(NOW)) == first == Aggregate.objects.count()
    services.request_closing(world.cases["A7"], by=teacher_actor, reason="Better")
    compute(str(NOW), municipalities=[world.skien])
    assert published(world.skien)[("cases_by_level", "total")] == (11, None)
    assert Aggregate.objects.filter(municipality=world.porsgrunn).count() > 0


def test_a_past_quarter_counts_each_case_as_it_stood_at_the_quarters_end(
    skien: Region,
    teacher_actor: Actor,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> None:
    """A case opened before the quarter ended, at level 0 then and raised to 3 since, counts at
    level 0; one closed before the end does not count; one opened after it does not either."""
    before = NOW.previous
    then = before.end - datetime.timedelta(days=3)
    raised, closed, new = (concern_by(make_person("Barn", name)) for name in "ABC")
    Case.objects.filter(pk__in=[raised.pk, closed.pk]).update(opened_at=then)
    LevelChange.objects.filter(case=raised).update(changed_at=then)
    services.change_level(raised, by=teacher_actor, level=3, reason="Several")
    services.request_closing(closed, by=teacher_actor, reason="Done")
    Case.objects.filter(pk=closed.pk).update(closed_at=then + datetime.timedelta(days=1))
    raw = aggregates.figures(before, before.end, aggregates.Q(), [skien.pk])
    assert raw[skien.pk].by_level == {"0": 1, "1": 0, "2": 0, "3": 0}
    assert compute(str(before)) > 0
    assert published(skien, before)[("cases_by_level", "total")] == "hidden"  # 1 case


def test_computing_reads_nothing_personal_out_audits_nothing_and_takes_few_queries(
    world: Skien, django_assert_max_num_queries: Any
) -> None:
    events = AuditEvent.objects.count()
    with django_assert_max_num_queries(12):  # however many cases
        compute(str(NOW))
    assert AuditEvent.objects.count() == events


def test_a_quarter_that_has_not_begun_is_refused() -> None:
    with pytest.raises(ValueError, match="not begun"):
        compute(str(NOW.next))


def test_the_default_quarter_is_the_last_that_has_ended(db: None) -> None:
    assert compute() == 0
    assert Quarter.parse("2026K3") == Quarter(2026, 3)
    assert str(Quarter(2026, 1).previous) == "2025Q4"
    assert Quarter(2024, 1).last_day == datetime.date(2024, 3, 31)


def test_the_task_computes_the_two_quarters_that_ended_last(
    make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> None:
    before = NOW.previous
    case = concern_by(make_person())
    Case.objects.filter(pk=case.pk).update(opened_at=before.start)
    result = compute_aggregates.call()
    assert result == {
        str(before): Aggregate.objects.filter(quarter=str(before)).count(),
        str(before.previous): 0,
    }
    assert result[str(before)] > 0
    assert not Aggregate.objects.filter(quarter=str(NOW)).exists()
