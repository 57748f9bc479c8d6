"""My work, notifications, the service leader's review, referrals and transitions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone
from tests.coordination.casework import Casework

from samhandling.access.models import EmergencyAccess
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import (
    Case,
    Notification,
    Referral,
    TeamMember,
    Transition,
)
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person

ClientFor = Callable[[User], Client]


def refer_to_ppt(casework: Casework) -> Referral:
    consent = casework.consent(casework.ppt)
    return services.refer(
        casework.case,
        by=actor_for(casework.teacher),
        to_service=casework.ppt,
        reason="Vurdering av lesevansker",
        consent=consent,
    )


# --- referrals ----------------------------------------------------------------------------------


def test_a_referral_is_sent_from_the_case_page(casework: Casework, client_for: ClientFor) -> None:
    consent = casework.consent(casework.ppt)
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/referrals/",
        {
            "referral-to_service": casework.ppt.pk,
            "referral-reason": "Lesevansker",
            "referral-consent": consent.pk,
            "referral-answer_within_days": 10,
        },
    )
    referral = Referral.objects.get(case=casework.case)
    assert response["Location"] == f"/work/referrals/{referral.pk}/"
    assert referral.answer_due == timezone.localdate() + datetime.timedelta(days=10)


def test_a_referral_without_consent_or_legal_basis_gets_a_field_error(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/referrals/",
        {
            "referral-to_service": casework.ppt.pk,
            "referral-reason": "Lesevansker",
            "referral-answer_within_days": 14,
        },
    )
    assert response.status_code == 400
    assert "Choose the consent or legal basis that allows the referral." in (
        response.content.decode()
    )


def test_an_accepted_referral_brings_the_service_into_the_team(
    casework: Casework, client_for: ClientFor
) -> None:
    referral = refer_to_ppt(casework)
    adviser = client_for(casework.adviser)
    detail = adviser.get(f"/work/referrals/{referral.pk}/").content.decode()
    assert "Vurdering av lesevansker" in detail
    assert adviser.get(f"/work/cases/{casework.case.pk}/").status_code == 404
    response = adviser.post(f"/work/referrals/{referral.pk}/accept/")
    assert response["Location"] == f"/work/cases/{casework.case.pk}/"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert TeamMember.objects.filter(case=casework.case, user=casework.adviser).exists()
    assert adviser.get(f"/work/cases/{casework.case.pk}/").status_code == 200


def test_declining_a_referral_needs_a_reason(casework: Casework, client_for: ClientFor) -> None:
    referral = refer_to_ppt(casework)
    adviser = client_for(casework.adviser)
    without = adviser.post(f"/work/referrals/{referral.pk}/decline/", {"decline_reason": ""})
    assert without.status_code == 400
    assert "Say why the referral is declined." in without.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    adviser.post(f"/work/referrals/{referral.pk}/decline/", {"decline_reason": "Ikke vår sak"})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decline_reason == "Ikke vår sak"


def test_only_the_receiving_service_answers_a_referral(
    casework: Casework, client_for: ClientFor
) -> None:
    referral = refer_to_ppt(casework)
    response = client_for(casework.teacher).post(f"/work/referrals/{referral.pk}/accept/")
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    assert (
        client_for(casework.adviser).post(f"/work/referrals/{referral.pk}/nonsense/").status_code
        == 404
    )


def test_an_overdue_referral_is_flagged(casework: Casework, client_for: ClientFor) -> None:
    referral = refer_to_ppt(casework)
    Referral.objects.filter(pk=referral.pk).update(
        answer_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    teacher = client_for(casework.teacher)
    listing = teacher.get("/work/referrals/").content.decode()
    assert "Overdue" in listing
    assert (
        "Referrals from my service not answered in time" in teacher.get("/work/").content.decode()
    )
    assert (
        "The answer is overdue." in teacher.get(f"/work/referrals/{referral.pk}/").content.decode()
    )


def test_a_referral_due_later_is_not_flagged(casework: Casework, client_for: ClientFor) -> None:
    refer_to_ppt(casework)
    assert "Overdue" not in client_for(casework.teacher).get("/work/referrals/").content.decode()


# --- my work --------------------------------------------------------------------------------------


def test_my_work_lists_a_task_due_and_an_incoming_referral(
    casework: Casework, client_for: ClientFor
) -> None:
    teacher = actor_for(casework.teacher)
    meeting = services.schedule_meeting(casework.case, by=teacher, starts_at=timezone.now())
    services.record_minutes(
        meeting,
        by=teacher,
        minutes="Referat",
        actions=[
            services.AgreedAction(
                "Ringe mor",
                casework.school,
                timezone.localdate() + datetime.timedelta(days=2),
                assignee=casework.teacher,
            )
        ],
    )
    refer_to_ppt(casework)
    mine = client_for(casework.teacher).get("/work/").content.decode()
    assert "Ringe mor" in mine
    assert "Sofie Testesen" in mine
    theirs = client_for(casework.adviser).get("/work/").content.decode()
    assert f"/work/referrals/{Referral.objects.get().pk}/" in theirs


def test_marking_a_task_done_from_my_work_returns_to_my_work(
    casework: Casework, client_for: ClientFor
) -> None:
    teacher = actor_for(casework.teacher)
    meeting = services.schedule_meeting(casework.case, by=teacher, starts_at=timezone.now())
    services.record_minutes(
        meeting,
        by=teacher,
        minutes="",
        actions=[
            services.AgreedAction(
                "Ringe mor", casework.school, timezone.localdate(), assignee=casework.teacher
            )
        ],
    )
    task = casework.case.tasks.get()
    response = client_for(casework.teacher).post(f"/work/tasks/{task.pk}/done/", {"next": "/work/"})
    assert response["Location"] == "/work/"
    task.refresh_from_db()
    assert task.done_at is not None


def test_notifications_say_what_happened_without_naming_the_child(
    casework: Casework, client_for: ClientFor
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    nurse = client_for(casework.nurse)
    page = nurse.get("/work/").content.decode()
    section = page[page.index('id="notifications"') : page.index('id="tasks-heading"')]
    assert "You were added to the team around a child." in section
    assert "Sofie" not in section
    assert nurse.post("/work/notifications/read/").status_code == 302
    assert not Notification.objects.filter(user=casework.nurse, read_at__isnull=True).exists()


def _grow(casework: Casework, make_person: Callable[..., Person], count: int) -> None:
    """`count` more cases, tasks and notifications for the teacher."""
    teacher = actor_for(casework.teacher)
    for i in range(count):
        born = datetime.date(2010, 1, 1) + datetime.timedelta(days=37 * i + count)
        child = make_person(f"Barn{i}", "Mengde", born=born)
        case = services.record_concern(child, by=teacher, text="Bekymring").case
        assert case is not None
        meeting = services.schedule_meeting(case, by=teacher, starts_at=timezone.now())
        services.record_minutes(
            meeting,
            by=teacher,
            minutes="",
            actions=[
                services.AgreedAction(
                    f"Oppgave {i}", casework.school, timezone.localdate(), assignee=casework.teacher
                )
            ],
        )


MY_WORK_QUERIES = 30


def test_my_work_costs_the_same_number_of_queries_for_5_and_40_items(
    casework: Casework,
    make_person: Callable[..., Person],
    client_for: ClientFor,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(casework.teacher)
    refer_to_ppt(casework)
    _grow(casework, make_person, 5)
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        assert client.get("/work/").status_code == 200
    _grow(casework, make_person, 35)
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        page = client.get("/work/").content.decode()
    assert page.count("Oppgave ") >= 40


# --- the service leader's review ------------------------------------------------------------------


def test_the_service_leader_reviews_an_emergency_access(
    casework: Casework, make_user: Callable[..., User], client_for: ClientFor
) -> None:
    colleague = make_user(casework.school, username="colleague")
    access = services.open_emergency_access(
        casework.case, by=actor_for(colleague), reason="Barnet er skadet og teamet er borte"
    )
    leader = client_for(casework.leader)
    review = leader.get("/work/review/").content.decode()
    assert "Barnet er skadet og teamet er borte" in review
    response = leader.post(
        f"/work/emergency/{access.pk}/review/", {f"review{access.pk}-note": "Begrunnet"}
    )
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == casework.leader and access.review_note == "Begrunnet"
    assert not EmergencyAccess.objects.filter(reviewed_at__isnull=True).exists()


def test_a_professional_has_no_review_page(casework: Casework, client_for: ClientFor) -> None:
    assert client_for(casework.teacher).get("/work/review/").status_code == 403


def test_the_menu_offers_my_work_and_a_concern_to_professionals_and_review_to_leaders(
    casework: Casework, client_for: ClientFor
) -> None:
    teacher = client_for(casework.teacher).get("/work/").content.decode()
    menu = teacher[teacher.index("app-nav") : teacher.index("</nav>")]
    assert 'href="/work/"' in menu and 'href="/work/concern/"' in menu
    assert 'href="/work/review/"' not in menu
    assert menu.count('aria-current="page"') == 1
    leader = client_for(casework.leader).get("/work/").content.decode()
    menu = leader[leader.index("app-nav") : leader.index("</nav>")]
    assert 'href="/work/review/"' in menu


# --- transitions ----------------------------------------------------------------------------------


def test_a_transition_is_planned_ticked_and_completed(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    planned = client.post(
        f"/work/cases/{casework.case.pk}/transitions/",
        {
            "transition-kind": "lower_upper",
            "transition-planned_for": "2027-08-15",
            "transition-from_service": casework.school.pk,
        },
    )
    assert planned.status_code == 302
    transition = Transition.objects.get(case=casework.case)
    client.post(f"/work/transitions/{transition.pk}/checklist/", {"index": 1, "done": "on"})
    transition.refresh_from_db()
    assert [item["done"] for item in transition.checklist][:2] == [False, True]
    client.post(f"/work/transitions/{transition.pk}/done/")
    transition.refresh_from_db()
    assert transition.status == Transition.Status.DONE
    assert "Consent to share" in client.get(f"/work/cases/{casework.case.pk}/").content.decode()


def test_moving_needs_the_municipality(casework: Casework, client_for: ClientFor) -> None:
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/transitions/",
        {"transition-kind": "moving", "transition-planned_for": "2027-01-01"},
    )
    assert response.status_code == 400
    assert "Choose the municipality the child moves to." in response.content.decode()
    assert not Transition.objects.exists()
    assert Case.objects.get(pk=casework.case.pk).status == Case.Status.OPEN
