"""The plan pages: goals in the child's words, measures, conflicts, print view, meetings."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone
from tests.coordination.casework import Casework

from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Measure, Meeting, Plan, Task, TeamMember
from samhandling.organisations.actors import actor_for

ClientFor = Callable[[User], Client]


def plan_url(casework: Casework, rest: str = "") -> str:
    return f"/work/cases/{casework.case.pk}/plan/{rest}"


def test_two_edits_from_the_same_version_give_the_second_a_conflict_page_that_keeps_its_text(
    casework: Casework, client_for: ClientFor
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    teacher, nurse = client_for(casework.teacher), client_for(casework.nurse)
    casework.nurse.first_name, casework.nurse.last_name = "Helga", "Helsesykepleier"
    casework.nurse.save()
    first = nurse.post(
        plan_url(casework, "summary/"),
        {"summary-summary": "Sofie trenger ro", "summary-expected_version": 1},
    )
    assert first.status_code == 302
    second = teacher.post(
        plan_url(casework, "summary/"),
        {
            "summary-summary": "Lærerens lange tekst som ikke må gå tapt",
            "summary-expected_version": 1,
        },
    )
    body = second.content.decode()
    assert second.status_code == 409
    assert "Someone else saved the plan first" in body
    assert "Lærerens lange tekst som ikke må gå tapt" in body  # what the teacher typed
    assert "Sofie trenger ro" in body  # the other person's current state
    assert "Helga Helsesykepleier" in body  # who saved it
    assert 'name="summary-expected_version" value="2"' in body
    assert Plan.objects.get(case=casework.case).summary == "Sofie trenger ro"

    again = teacher.post(
        plan_url(casework, "summary/"),
        {
            "summary-summary": "Lærerens lange tekst som ikke må gå tapt",
            "summary-expected_version": 2,
        },
    )
    assert again.status_code == 302
    assert Plan.objects.get(case=casework.case).version == 3


def test_a_goal_from_a_stale_page_keeps_the_childs_words_on_the_conflict_page(
    casework: Casework, client_for: ClientFor
) -> None:
    services.add_goal(casework.case.plan, by=actor_for(casework.teacher), title="Først")
    response = client_for(casework.teacher).post(
        plan_url(casework, "goals/"),
        {
            "goal-title": "Trives på skolen",
            "goal-childs_words": "Jeg vil ha en venn",
            "goal-visibility": "team",
            "goal-family_visible": "on",
            "goal-expected_version": 1,
        },
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "Trives på skolen" in body and "Jeg vil ha en venn" in body


def test_goals_show_the_childs_own_words_beside_them(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    response = client.post(
        plan_url(casework),
        {},
    )
    assert response.status_code == 405
    added = client.post(
        plan_url(casework, "goals/"),
        {
            "goal-title": "Trives på skolen",
            "goal-childs_words": "Jeg vil ha en venn",
            "goal-visibility": "team",
            "goal-family_visible": "on",
            "goal-expected_version": 1,
        },
    )
    assert added.status_code == 302
    page = client.get(plan_url(casework)).content.decode()
    start = page.index("Trives på skolen")
    goal = html.unescape(page[start : page.index("</li>", start)])  # the goal's own item
    assert "In the child's own words" in goal
    assert "Jeg vil ha en venn" in goal


def test_a_measure_is_added_and_its_status_changed(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    added = client.post(
        plan_url(casework, "measures/"),
        {
            "measure-title": "Leksehjelp",
            "measure-responsible_service": casework.school.pk,
            "measure-responsible_user": casework.teacher.pk,
            "measure-starts": timezone.localdate().isoformat(),
            "measure-frequency": "Ukentlig",
            "measure-visibility": "team",
            "measure-expected_version": 1,
        },
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    measure = Measure.objects.get(title="Leksehjelp")
    changed = client.post(
        plan_url(casework, f"measures/{measure.pk}/status/"),
        {f"m{measure.pk}-status": "ongoing", f"m{measure.pk}-expected_version": 2},
    )
    assert changed.status_code == 302
    measure.refresh_from_db()
    assert measure.status == Measure.Status.ONGOING
    page = client.get(plan_url(casework)).content.decode()
    assert "Leksehjelp" in page and "Ukentlig" in page


def test_a_measure_for_a_service_outside_the_team_gets_a_field_error(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        plan_url(casework, "measures/"),
        {
            "measure-title": "Helsesamtale",
            "measure-responsible_service": casework.health.pk,
            "measure-starts": timezone.localdate().isoformat(),
            "measure-visibility": "team",
            "measure-expected_version": 1,
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_items_the_actor_may_not_see_are_counted_not_shown(
    casework: Casework, client_for: ClientFor
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    services.add_goal(
        casework.case.plan,
        by=actor_for(casework.nurse),
        title="Hemmelig helsemål",
        visibility="service",
    )
    page = client_for(casework.teacher).get(plan_url(casework)).content.decode()
    assert "Hemmelig helsemål" not in page
    assert "1 item is not shown to you." in page


def test_the_print_view_shows_the_plan_without_forms(
    casework: Casework, client_for: ClientFor
) -> None:
    teacher = actor_for(casework.teacher)
    services.update_plan_summary(
        casework.case.plan, by=teacher, summary="Planens formål", expected_version=1
    )
    services.add_goal(
        casework.case.plan, by=teacher, title="Mestre lesing", childs_words="Jeg vil lese selv"
    )
    services.add_measure(
        casework.case.plan,
        by=teacher,
        title="Lesekurs",
        responsible_service=casework.school,
        starts=timezone.localdate(),
    )
    response = client_for(casework.teacher).get(plan_url(casework, "print/"))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Sofie Testesen",
        "Planens formål",
        "Mestre lesing",
        "Jeg vil lese selv",
        "Lesekurs",
    ):
        assert text in body
    main = body[body.index("<main") : body.index("</main>")]
    assert "<form" not in main


def test_scheduling_a_meeting_with_participants_from_the_team(
    casework: Casework, client_for: ClientFor
) -> None:
    member = TeamMember.objects.get(case=casework.case, user=casework.teacher)
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/meetings/",
        {
            "meeting-starts_at": "2026-12-01T10:00",
            "meeting-place": "Møterom 2",
            "meeting-agenda": "Oppstart",
            "meeting-participants": [member.pk],
        },
    )
    meeting = Meeting.objects.get(case=casework.case)
    assert response["Location"] == f"/work/meetings/{meeting.pk}/"
    assert list(meeting.participants.all()) == [member]


def test_minutes_with_agreed_actions_make_a_task_and_a_measure(
    casework: Casework, client_for: ClientFor
) -> None:
    meeting = services.schedule_meeting(
        casework.case, by=actor_for(casework.teacher), starts_at=timezone.now(), place="Skolen"
    )
    client = client_for(casework.teacher)
    data: dict[str, Any] = {
        "minutes-minutes": "Vi ble enige om to ting",
        "actions-TOTAL_FORMS": 5,
        "actions-INITIAL_FORMS": 0,
        "actions-MIN_NUM_FORMS": 0,
        "actions-MAX_NUM_FORMS": 5,
        "actions-0-title": "Ringe mor",
        "actions-0-service": casework.school.pk,
        "actions-0-assignee": casework.teacher.pk,
        "actions-0-due": "2026-12-05",
        "actions-1-title": "Ukentlig samtale",
        "actions-1-service": casework.school.pk,
        "actions-1-due": "2027-01-31",
        "actions-1-as_measure": "on",
    }
    response = client.post(f"/work/meetings/{meeting.pk}/minutes/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Task.objects.get(meeting=meeting).title == "Ringe mor"
    assert Measure.objects.get(plan__case=casework.case).title == "Ukentlig samtale"
    page = client.get(f"/work/meetings/{meeting.pk}/").content.decode()
    assert "Vi ble enige om to ting" in page and "Ringe mor" in page


def test_an_agreed_action_without_a_deadline_gets_a_field_error(
    casework: Casework, client_for: ClientFor
) -> None:
    meeting = services.schedule_meeting(
        casework.case, by=actor_for(casework.teacher), starts_at=timezone.now()
    )
    data = {
        "minutes-minutes": "Referat",
        "actions-TOTAL_FORMS": 5,
        "actions-INITIAL_FORMS": 0,
        "actions-0-title": "Ringe mor",
        "actions-0-service": casework.school.pk,
    }
    response = client_for(casework.teacher).post(f"/work/meetings/{meeting.pk}/minutes/", data)
    assert response.status_code == 400
    assert "Set a deadline." in response.content.decode()
    assert not Task.objects.exists()


def test_the_print_view_of_a_child_with_a_strictly_confidential_address_names_no_service(
    casework: Casework,
    make_person: Callable[..., Any],
    concern_by: Callable[..., Any],
    client_for: ClientFor,
) -> None:
    from samhandling.people.models import AddressProtection

    child = make_person(
        "Skjult", "Barn", address_protection=AddressProtection.STRICTLY_CONFIDENTIAL
    )
    case = concern_by(child)
    services.add_measure(
        case.plan,
        by=actor_for(casework.teacher),
        title="Lesekurs",
        responsible_service=casework.school,
        starts=timezone.localdate(),
    )
    body = client_for(casework.teacher).get(f"/work/cases/{case.pk}/plan/print/").content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    assert "Lesekurs" in main
    assert casework.school.name not in main
    assert child.municipality.name not in main
    assert "Strictly confidential address." in main
