import datetime
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.utils import timezone

from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Notification, Transition
from samhandling.coordination.tasks import compute_reminders, daily_reminders
from samhandling.organisations.actors import Actor
from samhandling.people.models import Person


def test_a_task_due_tomorrow_reminds_its_assignee_in_the_app_and_by_email(
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    teacher: User,
    teacher_actor: Actor,
) -> None:
    teacher.email = "teacher@example.invalid"
    teacher.save()
    child = make_person("Reminda", "Barnesen")
    case = concern_by(child)
    meeting = services.schedule_meeting(case, by=teacher_actor, starts_at=timezone.now())
    services.record_minutes(
        meeting, by=teacher_actor, minutes="Agreed",
        actions=[services.AgreedAction(title="Call home", service=teacher_actor.organisation,
                                       assignee=teacher,
                                       due=timezone.localdate() + datetime.timedelta(days=1))],
    )  # fmt: skip
    mail.outbox.clear()
    counts = compute_reminders()
    assert counts["task_due"] == 1
    assert Notification.objects.filter(user=teacher, kind="task_due").exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Reminda" not in message.body + message.subject
    assert child.national_id not in message.body


def test_reminders_are_not_repeated_on_the_same_day(
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    teacher: User,
    teacher_actor: Actor,
) -> None:
    case = concern_by(make_person())
    meeting = services.schedule_meeting(case, by=teacher_actor, starts_at=timezone.now())
    services.record_minutes(
        meeting, by=teacher_actor, minutes="Agreed",
        actions=[services.AgreedAction(title="Late", service=teacher_actor.organisation,
                                       assignee=teacher,
                                       due=timezone.localdate() - datetime.timedelta(days=2))],
    )  # fmt: skip
    assert compute_reminders()["task_overdue"] == 1
    assert compute_reminders().get("task_overdue", 0) == 0


def test_an_18th_birthday_within_six_months_proposes_an_adult_transition(
    make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    born = today.replace(year=today.year - 18) + datetime.timedelta(days=60)
    case = concern_by(make_person("Snart", "Voksen", born=born))
    daily_reminders.call()
    transition = Transition.objects.get(case=case)
    assert transition.kind == Transition.Kind.ADULT_SERVICES
    assert transition.status == Transition.Status.PROPOSED
    assert transition.planned_for == born.replace(year=born.year + 18)
    daily_reminders.call()
    assert Transition.objects.filter(case=case).count() == 1


def test_a_youth_far_from_18_gets_no_proposal(
    make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> None:
    case = concern_by(make_person("Ung", "Nok", born=datetime.date(2015, 1, 1)))
    compute_reminders()
    assert not Transition.objects.filter(case=case).exists()
