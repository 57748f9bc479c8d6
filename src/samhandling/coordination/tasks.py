"""The daily reminders (a django-tasks task, enqueued by `manage.py run_scheduler`).

Reminders go to the people who must act, in the app and by e-mail. Neither names the child:
the message says what is due and links to the case by its id.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import ngettext
from django_tasks import task

from samhandling.audit import context
from samhandling.organisations.models import Membership, Role

from . import services
from .models import Measure, Meeting, Notification, Referral, Task


def _remind(user: Any, kind: str, case_id: int | None, key: str) -> bool:
    """One notification per user and reminder key (a rerun on the same day adds nothing)."""
    _notification, created = Notification.objects.get_or_create(
        user=user, dedupe_key=f"{key}:{user.pk}", defaults={"kind": kind, "case_id": case_id}
    )
    return created


def compute_reminders(*, today: datetime.date | None = None) -> dict[str, int]:
    """Works out today's reminders and returns how many of each kind were created."""
    today = today or timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    counts: dict[str, int] = defaultdict(int)
    created_for: dict[Any, list[str]] = defaultdict(list)

    def remind(user: Any, kind: str, case_id: int | None, key: str) -> None:
        if user is not None and _remind(user, kind, case_id, f"{key}:{today.isoformat()}"):
            counts[kind] += 1
            created_for[user].append(kind)

    with transaction.atomic():
        for task_row in Task.objects.filter(done_at__isnull=True, due__lte=tomorrow).select_related(
            "assignee"
        ):
            kind = "task_overdue" if task_row.due < today else "task_due"
            remind(task_row.assignee, kind, task_row.case_id, f"task:{task_row.pk}")
        ending = Measure.objects.filter(
            status__in=[Measure.Status.PLANNED, Measure.Status.ONGOING],
            ends__isnull=False,
            ends__lte=today + datetime.timedelta(days=7),
            ends__gte=today,
        ).select_related("responsible_user", "plan")
        for measure in ending:
            remind(measure.responsible_user, "measure_ending", measure.plan.case_id,
                   f"measure:{measure.pk}")  # fmt: skip
        overdue = Referral.objects.filter(
            status__in=[Referral.Status.SENT, Referral.Status.RECEIVED], answer_due__lt=today
        ).select_related("sent_by")
        leaders = _leaders_by_service()
        for referral in overdue:
            remind(referral.sent_by, "referral_overdue_sent", referral.case_id,
                   f"referral:{referral.pk}")  # fmt: skip
            for leader in leaders.get(referral.to_service_id, []):
                remind(leader, "referral_overdue_received", None, f"referral-in:{referral.pk}")
        start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
        for meeting in Meeting.objects.filter(
            starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1)
        ).prefetch_related("participants__user"):
            for member in meeting.participants.all():
                remind(member.user, "meeting_tomorrow", meeting.case_id, f"meeting:{meeting.pk}")
        counts["adult_transition_proposed"] += services.propose_adult_transitions(today=today)
    _send_emails(created_for)
    return dict(counts)


def _leaders_by_service() -> dict[int, list[Any]]:
    leaders: dict[int, list[Any]] = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.SERVICE_LEADER, is_active=True
    ).select_related("user"):
        leaders[membership.organisation_id].append(membership.user)
    return leaders


def _send_emails(created_for: dict[Any, list[str]]) -> None:
    """One e-mail per person with the number of new reminders; the details are in the app."""
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for user, kinds in created_for.items():
            if not user.email:
                continue
            count = len(kinds)
            subject = ngettext(
                "Samhandling 0–24: %(count)d new reminder",
                "Samhandling 0–24: %(count)d new reminders",
                count,
            ) % {"count": count}
            body = ngettext(
                "You have %(count)d new reminder in Samhandling 0–24. Sign in to see it under "
                "My work. This e-mail names no child on purpose.",
                "You have %(count)d new reminders in Samhandling 0–24. Sign in to see them "
                "under My work. This e-mail names no child on purpose.",
                count,
            ) % {"count": count}
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if messages:
        send_mass_mail(messages, fail_silently=False)


@task()
def daily_reminders() -> dict[str, int]:
    with context.bound(channel="task"):
        return compute_reminders()
