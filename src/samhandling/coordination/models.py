"""One child's coordinated course of help: the case, its relay log, team, plan, meetings,
referrals and transitions. Every row carries the case's municipality (the tenant key).

Reads go through coordination.selectors and writes through coordination.services; both ask
access.policy and record the decision in the audit chain.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.audit.services import Subject
from samhandling.config.choices import ChoiceLabels
from samhandling.organisations.models import Organisation, Region, Sector


class Level(models.IntegerChoices):
    CLARIFY = 0, _("0 – clarify the concern")
    ONE_SERVICE = 1, _("1 – one service acts")
    TWO_SERVICES = 2, _("2 – two services cooperate")
    SEVERAL_SERVICES = 3, _("3 – several services, coordinator and plan")


class Visibility(models.TextChoices):
    SERVICE = "service", _("Only my service")
    SECTORS = "sectors", _("My service and named sectors")
    TEAM = "team", _("The whole team")


class TenantRow(ChoiceLabels, models.Model):
    """A row that belongs to a case, and so to the case's municipality."""

    municipality = models.ForeignKey(Region, models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def audit_subject(self) -> Subject:
        case: Case = self.case  # type: ignore[attr-defined]  # every subclass has a case
        return Subject(self._meta.label_lower, str(self.pk), case.person_id, self.municipality_id)


class Case(TenantRow):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSING = "closing", _("Closing, awaiting approval")
        CLOSED = "closed", _("Closed")

    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="cases", verbose_name=_("child or youth")
    )
    level = models.PositiveSmallIntegerField(_("level of effort"), choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordinator"),
    )
    coordinator_service = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_statutory_child_coordinator = models.BooleanField(
        _("statutory child coordinator"), default=False
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous_case = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["municipality", "status"], name="case_tenant_status")]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"case {self.pk}"

    def audit_subject(self) -> Subject:
        return Subject("coordination.case", str(self.pk), self.person_id, self.municipality_id)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class LevelChange(TenantRow):
    case = models.ForeignKey(Case, models.CASCADE, related_name="level_changes")
    from_level = models.PositiveSmallIntegerField(choices=Level.choices, null=True)
    to_level = models.PositiveSmallIntegerField(choices=Level.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_level} → {self.to_level}"


class TeamMember(TenantRow):
    """A service (and optionally a named professional) in the team around the child."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="team")
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("service")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("professional"),
    )
    role = models.CharField(_("role in the team"), max_length=100, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "left_at"], name="team_member_user")]
        ordering = ["joined_at", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.user or ''}".strip()


class FamilyParticipant(TenantRow):
    """The child, a youth or a guardian taking part in the team."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="family")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="family_participant_once")
        ]

    def __str__(self) -> str:
        return f"participant {self.pk}"


class CoordinatorHandover(TenantRow):
    """The baton: a handover takes effect only when the successor accepts it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the successor")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(Case, models.CASCADE, related_name="handovers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    to_service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    proposed_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"handover {self.pk}"


class LogEntry(TenantRow):
    """A dated entry in the relay log. Never edited: a correction is a new version."""

    class Kind(models.TextChoices):
        CONCERN = "concern", _("Concern")
        OBSERVATION = "observation", _("Observation")
        CONVERSATION = "conversation", _("Conversation with the child")
        ACTION = "action", _("Action")
        EVALUATION = "evaluation", _("Evaluation")
        DECISION = "decision", _("Decision")
        NOTE = "note", _("Note")

    case = models.ForeignKey(Case, models.CASCADE, related_name="log")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"), max_length=10_000)
    childs_words = models.TextField(_("the child's own words"), max_length=5_000, blank=True)
    occurred_on = models.DateField(_("date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    sector = models.CharField(max_length=32, choices=Sector.choices)
    visibility = models.CharField(
        _("who may see it"), max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    visible_sectors = models.JSONField(_("sectors that may see it"), default=list, blank=True)
    family_visible = models.BooleanField(_("visible to the family"), default=False)
    hidden_from_guardians = models.BooleanField(_("confidential from guardians"), default=False)
    replaces = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # A case's relay log newest first, the order it is shown in: the case page reads
            # its first 20 entries without sorting all of them.
            models.Index(fields=["case", "occurred_on", "created_at", "id"], name="log_case_date"),
            # The entries a correction replaced, of one case (few: most cases have none).
            models.Index(
                fields=["case"], condition=Q(replaces__isnull=False), name="log_case_corrections"
            ),
        ]
        ordering = ["-occurred_on", "-created_at", "-pk"]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"log entry {self.pk}"


class Plan(TenantRow):
    """One plan per case, shared by the team and owned with the family."""

    case = models.OneToOneField(Case, models.CASCADE, related_name="plan")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    summary = models.TextField(_("what the plan is about"), max_length=5_000, blank=True)

    def __str__(self) -> str:
        return f"plan {self.pk} v{self.version}"


class PlanItem(TenantRow):
    """What goals and measures share: who wrote it and who may see it."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="+")
    service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    sector = models.CharField(max_length=32, choices=Sector.choices)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    visible_sectors = models.JSONField(default=list, blank=True)
    family_visible = models.BooleanField(_("visible to the family"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def case(self) -> Case:
        return self.plan.case


class Goal(PlanItem):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REACHED = "reached", _("Reached")
        DROPPED = "dropped", _("No longer relevant")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=300)
    childs_words = models.TextField(_("in the child's own words"), max_length=2_000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Measure(PlanItem):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="measures")
    goal = models.ForeignKey(Goal, models.SET_NULL, null=True, blank=True, related_name="measures")
    title = models.CharField(_("measure"), max_length=300)
    responsible_service = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("responsible service")
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"), null=True, blank=True)
    frequency = models.CharField(_("how often"), max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__isnull=True) | models.Q(ends__gte=models.F("starts")),
                name="measure_ends_after_start",
            )
        ]
        ordering = ["starts", "pk"]

    def __str__(self) -> str:
        return self.title


class Evaluation(PlanItem):
    class Outcome(models.TextChoices):
        WORKED = "worked", _("Worked")
        PARTLY = "partly", _("Partly worked")
        DID_NOT_WORK = "not", _("Did not work")
        TOO_EARLY = "early", _("Too early to say")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="evaluations")
    goal = models.ForeignKey(
        Goal, models.CASCADE, null=True, blank=True, related_name="evaluations"
    )
    measure = models.ForeignKey(
        Measure, models.CASCADE, null=True, blank=True, related_name="evaluations"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    text = models.TextField(_("evaluation"), max_length=5_000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goal__isnull=False) | models.Q(measure__isnull=False),
                name="evaluation_of_goal_or_measure",
            )
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"evaluation {self.pk}"


class Meeting(TenantRow):
    case = models.ForeignKey(Case, models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=5_000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20_000, blank=True)
    participants = models.ManyToManyField(TeamMember, blank=True, related_name="meetings")
    family_participants = models.ManyToManyField(
        FamilyParticipant, blank=True, related_name="meetings"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"meeting {self.pk}"


class Task(TenantRow):
    """An agreed action with a deadline, for a named professional or a service."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="tasks")
    meeting = models.ForeignKey(
        Meeting, models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    due = models.DateField(_("deadline"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["assignee", "done_at", "due"], name="task_assignee_due")]
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class Referral(TenantRow):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")

    case = models.ForeignKey(Case, models.CASCADE, related_name="referrals")
    from_service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    to_service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=5_000)
    consent = models.ForeignKey(
        "access.Consent", models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis = models.ForeignKey(
        "access.LegalBasis", models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    answer_due = models.DateField(_("answer due"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent__isnull=False) | models.Q(legal_basis__isnull=False),
                name="referral_has_consent_or_legal_basis",
            )
        ]
        indexes = [
            models.Index(fields=["to_service", "status"], name="referral_to_status"),
            models.Index(fields=["from_service", "status"], name="referral_from_status"),
        ]
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"referral {self.pk}"

    def is_overdue(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        unanswered = self.status in (self.Status.SENT, self.Status.RECEIVED)
        return unanswered and self.answer_due < today


class Transition(TenantRow):
    class Kind(models.TextChoices):
        KINDERGARTEN_SCHOOL = "kindergarten_school", _("Kindergarten → school")
        LOWER_UPPER_SECONDARY = "lower_upper", _("Lower → upper secondary")
        SCHOOL_WORK = "school_work", _("School → work or NAV")
        ADULT_SERVICES = "adult_services", _("18 → adult services")
        MOVING = "moving", _("Moving municipality")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, models.CASCADE, related_name="transitions")
    kind = models.CharField(_("transition"), max_length=32, choices=Kind.choices)
    from_service = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_service = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_municipality = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+"
    )
    planned_for = models.DateField(_("date"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_for", "pk"]

    def __str__(self) -> str:
        return f"transition {self.pk}"


class Voice(TenantRow):
    """The child's, youth's or family's own words in the plan: what matters to them, their goals
    as they put them, what works and what does not, and a short rating after a meeting.

    Written by the family in their own pages, or by a professional on the child's behalf
    (then `recorded_by` is set and the plan says so). Never edited: a new word is a new row.
    """

    class Kind(models.TextChoices):
        MATTERS = "matters", _("What matters to me")
        GOAL = "goal", _("My goal, in my own words")
        WORKS = "works", _("What works")
        DOES_NOT_WORK = "not_working", _("What does not work")
        MEETING = "meeting", _("After the meeting")

    class Speaker(models.TextChoices):
        CHILD = "child", _("The child's or youth's own words")
        FAMILY = "family", _("The family's own words")

    case = models.ForeignKey(Case, models.CASCADE, related_name="voices")
    kind = models.CharField(_("what it is about"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("in your own words"), max_length=2_000, blank=True)
    rating = models.PositiveSmallIntegerField(_("how was the meeting"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, models.CASCADE, null=True, blank=True, related_name="voices"
    )
    goal = models.ForeignKey(Goal, models.SET_NULL, null=True, blank=True, related_name="voices")
    speaker = models.CharField(max_length=16, choices=Speaker.choices)
    # The family member who wrote it, or the child a professional wrote it for.
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_service = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="voice_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="meeting") | models.Q(meeting__isnull=False),
                name="voice_meeting_rating_names_meeting",
            ),
        ]
        ordering = ["-created_at", "-pk"]
        verbose_name = _("the child's voice")
        verbose_name_plural = _("the child's voice")

    def __str__(self) -> str:
        return f"voice {self.pk}"

    @property
    def on_behalf(self) -> bool:
        return self.recorded_by_id is not None


class IncomingConcern(TenantRow):
    """A concern about a child who already has a case the sender cannot see."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="incoming_concerns")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    sender_service = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    text = models.TextField(max_length=10_000)
    childs_words = models.TextField(max_length=5_000, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"incoming concern {self.pk}"


class Notification(ChoiceLabels, models.Model):
    """An in-app message to one user. Its text never names the child."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    case = models.ForeignKey(Case, models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"notification {self.pk}"
