"""The case selectors: what a page shows, what it records, and what it costs in queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.access.world import World

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import selectors, services
from samhandling.coordination.models import Case, Visibility
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Role, Sector


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


# --- what the case page and the plan show ----------------------------------------------------


def test_the_case_page_shows_what_the_actor_may_see_and_counts_the_rest(world: World) -> None:
    mine = world.entry("teacher")
    hidden = world.entry("caseworker")
    page = selectors.case_page(world.teacher, world.case.pk)
    assert mine in page.log
    assert hidden not in page.log
    assert page.hidden_entries == 1


def test_the_plan_hides_a_health_goal_from_the_school_without_consent(world: World) -> None:
    goal = services.add_goal(world.case.plan, by=world.actor("nurse"), title="Sleep better")
    assert selectors.plan_for(world.teacher, world.case.pk).goals == []
    assert selectors.plan_for(world.actor("nurse"), world.case.pk).goals == [goal]
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"])
    assert selectors.plan_for(world.teacher, world.case.pk).goals == [goal]


def test_an_older_version_of_a_corrected_entry_is_shown_only_to_those_who_may_see_it(
    world: World,
) -> None:
    """The nurse first wrote for her own service only, then corrected the entry for the team:
    the teacher (who may read health information under the consent) sees the correction,
    but not the first version, which was never shared."""
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"])
    first = world.entry("nurse", visibility=Visibility.SERVICE, text="For school health only")
    correction = services.correct_log_entry(first, by=world.actor("nurse"), text="For the team",
                                            visibility=Visibility.TEAM)  # fmt: skip
    page = selectors.case_page(world.teacher, world.case.pk)
    assert correction in page.log
    assert first not in page.history.get(correction.pk, [])


def test_the_author_sees_the_history_of_a_corrected_entry(world: World) -> None:
    first = world.entry("nurse", visibility=Visibility.SERVICE, text="First")
    correction = services.correct_log_entry(first, by=world.actor("nurse"), text="Second")
    page = selectors.case_page(world.actor("nurse"), world.case.pk)
    assert page.history[correction.pk] == [first]


def test_the_case_page_records_a_read_only_for_the_entries_it_shows(world: World) -> None:
    """A page of the relay log is what was read; the entries on later pages were not."""
    for index in range(5):
        world.entry("teacher", text=f"Entry {index}")
    last = last_sequence()
    page = selectors.case_page(world.teacher, world.case.pk, log_limit=2)
    assert len(page.log) == 2 and page.more_log
    read = AuditEvent.objects.filter(sequence__gt=last, object_type="coordination.logentry")
    assert sorted(read.values_list("object_id", flat=True)) == sorted(str(e.pk) for e in page.log)


def test_my_work_records_a_read_for_each_child_it_shows(world: World) -> None:
    """A referral to the psychologist's service names the child on their work page."""
    consent = world.consent(sectors=[Sector.MENTAL_HEALTH], between=["teacher", "psychologist"])
    services.refer(world.case, by=world.teacher, to_service=world.org("psychologist"),
                   reason="Please assess anxiety", consent=consent)  # fmt: skip
    psychologist = world.actor("psychologist")
    last = last_sequence()
    work = selectors.my_work(psychologist)
    assert [referral.case.person for referral in work.incoming_referrals] == [world.child]
    assert AuditEvent.objects.filter(
        sequence__gt=last, actor_id=world.users["psychologist"].pk, person_id=world.child.pk,
        action="view", outcome="granted",
    ).exists()  # fmt: skip


# --- a page costs the same number of queries however much there is on it --------------------


def case_with_log(world: World, entries: int) -> Case:
    """A case with the team of the world and `entries` log entries of three kinds: the
    teacher's own, the nurse's (shared under consent) and child welfare's (not shared)."""
    _child, guardian, case = world.child_with_case(12)
    world.consent(
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
        between=["teacher", "nurse", "caseworker"],
        given_by=guardian,
        case=case,
    )
    for name in ("nurse", "caseworker"):
        world.join(name, case=case)
    authors = ("teacher", "nurse", "caseworker")
    for index in range(entries):
        world.entry(authors[index % 3], case=case, text=f"Entry {index}")
    return case


def queries(read: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        read()
    return [query["sql"] for query in captured.captured_queries]


def test_the_case_page_costs_the_same_with_3_and_30_log_entries(world: World) -> None:
    small, large = case_with_log(world, 3), case_with_log(world, 30)
    selectors.case_page(world.teacher, small.pk)  # warm caches (content types and the like)
    few = queries(lambda: selectors.case_page(world.teacher, small.pk))
    many = queries(lambda: selectors.case_page(world.teacher, large.pk))
    assert selectors.case_page(world.teacher, large.pk, log_limit=30).hidden_entries == 10
    assert len(many) == len(few), "\n".join(many)


def test_the_plan_costs_the_same_with_3_and_30_goals(world: World) -> None:
    small, large = case_with_log(world, 0), case_with_log(world, 0)
    for case, count in ((small, 3), (large, 30)):
        for index in range(count):
            author = ("teacher", "nurse", "caseworker")[index % 3]
            services.add_goal(case.plan, by=world.actor(author), title=f"Goal {index}")
    selectors.plan_for(world.teacher, small.pk)
    few = queries(lambda: selectors.plan_for(world.teacher, small.pk))
    many = queries(lambda: selectors.plan_for(world.teacher, large.pk))
    assert len(many) == len(few), "\n".join(many)


def school_with_cases(
    world: World,
    cases: int,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
) -> tuple[Actor, Actor]:
    """A school whose teacher coordinates `cases` cases, each with a measure and a task due
    this week and a meeting tomorrow; returns the teacher and the school's service leader."""
    school = make_service(world.skien, Sector.SCHOOL, name=f"School with {cases} cases")
    teacher = actor_for(make_user(school, Role.PROFESSIONAL, username=f"teacher{cases}"))
    leader = actor_for(make_user(school, Role.SERVICE_LEADER, username=f"leader{cases}"))
    today = timezone.localdate()
    first_birthday = datetime.date(2012 + cases % 3, 1, 1)  # a different year per school
    for index in range(cases):
        born = first_birthday + datetime.timedelta(days=index)
        child = world.make_person("Barn", f"Nummer{index}", born=born, by=teacher)
        case = services.record_concern(child, by=teacher, text="Worried").case
        assert case is not None
        services.add_measure(case.plan, by=teacher, title="Weekly talk", responsible_service=school,
                             responsible_user=teacher.user, starts=today,
                             ends=today + datetime.timedelta(days=2))  # fmt: skip
        meeting = services.schedule_meeting(
            case, by=teacher, starts_at=timezone.now() + datetime.timedelta(days=1),
            participants=list(case.team.all()),
        )  # fmt: skip
        services.record_minutes(meeting, by=teacher, minutes="Agreed", actions=[
            services.AgreedAction(title="Call home", service=school, assignee=teacher.user,
                                  due=today + datetime.timedelta(days=3)),
        ])  # fmt: skip
    return teacher, leader


def test_my_work_costs_the_same_with_3_and_30_cases(
    world: World, make_service: Callable[..., Organisation], make_user: Callable[..., User]
) -> None:
    few_teacher, few_leader = school_with_cases(world, 3, make_service, make_user)
    many_teacher, many_leader = school_with_cases(world, 30, make_service, make_user)
    selectors.my_work(few_teacher)
    work = selectors.my_work(many_teacher)
    assert len(work.cases) == len(work.measures_due) == len(work.tasks_due) == 30
    assert len(work.meetings_this_week) == 30
    for few_actor, many_actor in ((few_teacher, many_teacher), (few_leader, many_leader)):
        few = queries(lambda actor=few_actor: selectors.my_work(actor))
        many = queries(lambda actor=many_actor: selectors.my_work(actor))
        assert len(many) == len(few), "\n".join(many)
