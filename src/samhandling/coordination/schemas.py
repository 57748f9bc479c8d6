"""What the coordination API reads and writes. Outputs hold only what the selectors let through;
inputs have the model fields' limits, so bad input is a 422 and never a 500."""

import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from samhandling.access.models import ConsentForm
from samhandling.config.api_fields import (
    AwareDateTime,
    Id,
    Input,
    Text100,
    Text200,
    Text300,
    Text500,
    Text2000,
    Text5000,
    Text10000,
    inline_choices,
)
from samhandling.organisations.models import Sector
from samhandling.people.schemas import Municipality, PersonSummary

from .models import Evaluation, Level, LogEntry, Transition, Visibility

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Sectors = Annotated[list[Sector], Field(max_length=len(Sector.values))]
Ids = Annotated[list[Id], Field(max_length=50)]
EntryKind = Annotated[LogEntry.Kind, inline_choices(LogEntry.Kind)]
TransitionKind = Annotated[Transition.Kind, inline_choices(Transition.Kind)]


# --- outputs -------------------------------------------------------------------------------


class Service(Schema):
    id: int
    name: str
    sector: str


class Professional(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(user: Any) -> str:
        return str(user.get_full_name() or user.get_username())


class CaseOut(Schema):
    id: int
    person: PersonSummary
    level: int
    status: str
    coordinator: Professional | None
    coordinator_service: Service | None
    is_statutory_child_coordinator: bool
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    close_reason: str
    version: int


class CaseDetail(CaseOut):
    standing: str = Field("", description="member, coordinator, service_leader or emergency")


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


class CaseCreated(Schema):
    case_id: int


class Forwarded(Schema):
    status: Literal["forwarded"]


class LogEntryOut(Schema):
    id: int
    kind: str
    text: str
    childs_words: str
    occurred_on: datetime.date
    author: Professional
    service: Service
    sector: str
    visibility: str
    visible_sectors: list[str]
    family_visible: bool
    hidden_from_guardians: bool
    replaces_id: int | None
    created_at: datetime.datetime


class LogOut(Schema):
    count: int = Field(description="entries you may see, on every page")
    limit: int
    offset: int
    items: list[LogEntryOut]
    hidden: int = Field(
        description="entries not yours to see in this page's stretch of the log: after the "
        "previous page's last entry, up to this page's last (to the end on the last page)"
    )
    more: bool = Field(description="whether a page follows (offset + limit < count)")


class TeamMemberOut(Schema):
    id: int
    organisation: Service
    user: Professional | None
    role: str
    joined_at: datetime.datetime


class ConsentOut(Schema):
    id: int
    given_by: PersonSummary
    form: str
    purpose: str
    sectors: list[str]
    service_ids: list[int]
    professional_ids: list[int]
    valid_from: datetime.date
    valid_to: datetime.date | None
    recorded_at: datetime.datetime
    withdrawn_at: datetime.datetime | None
    withdrawn_reason: str
    status: str

    @staticmethod
    def resolve_service_ids(consent: Any) -> list[int]:
        return sorted(s.pk for s in consent.services.all())

    @staticmethod
    def resolve_professional_ids(consent: Any) -> list[int]:
        return sorted(u.pk for u in consent.professionals.all())


class LegalBasisOut(Schema):
    id: int
    law: str
    description: str
    from_service: Service
    to_service: Service
    sectors: list[str]
    valid_from: datetime.date
    valid_to: datetime.date | None


class ConsentsOut(Schema):
    consents: list[ConsentOut]
    legal_bases: list[LegalBasisOut]


class PlanItemOut(Schema):
    id: int
    service: Service
    sector: str
    visibility: str
    visible_sectors: list[str]
    family_visible: bool
    created_at: datetime.datetime


class GoalOut(PlanItemOut):
    title: str
    childs_words: str
    status: str


class MeasureOut(PlanItemOut):
    title: str
    goal_id: int | None
    responsible_service: Service
    responsible_user: Professional | None
    starts: datetime.date
    ends: datetime.date | None
    frequency: str
    status: str


class EvaluationOut(PlanItemOut):
    goal_id: int | None
    measure_id: int | None
    outcome: str
    text: str


class VoiceOut(Schema):
    """The child's, youth's or family's own words, or the child's words written down by a
    professional on the child's behalf (`on_behalf`, with the service that wrote them)."""

    id: int
    kind: str = Field(description="matters, goal, works, not_working or meeting")
    text: str
    rating: int | None = Field(description="1–5, after a meeting")
    meeting_id: int | None
    goal_id: int | None
    speaker: str = Field(description="child (the child or youth) or family")
    on_behalf: bool
    recorded_service: Service | None
    created_at: datetime.datetime


class PlanOut(Schema):
    id: int
    case_id: int
    version: int
    summary: str
    updated_at: datetime.datetime
    goals: list[GoalOut]
    measures: list[MeasureOut]
    evaluations: list[EvaluationOut]
    hidden: int = Field(description="goals, measures and evaluations not yours to see")
    voices: list[VoiceOut] = Field(description="the child's voice, newest first")


class PlanVersion(Schema):
    id: int
    version: int
    summary: str
    updated_at: datetime.datetime


class PlanItemCreated(Schema):
    id: int
    plan_version: int


class MeetingOut(Schema):
    id: int
    case_id: int
    starts_at: datetime.datetime
    place: str
    agenda: str
    minutes: str
    participant_ids: list[int]

    @staticmethod
    def resolve_participant_ids(meeting: Any) -> list[int]:
        return sorted(m.pk for m in meeting.participants.all())


class ReferralOut(Schema):
    id: int
    case_id: int
    person: PersonSummary
    from_service: Service
    to_service: Service
    reason: str
    status: str
    sent_at: datetime.datetime
    answer_due: datetime.date
    answered_at: datetime.datetime | None
    decline_reason: str
    completed_at: datetime.datetime | None
    consent_id: int | None
    legal_basis_id: int | None
    overdue: bool

    @staticmethod
    def resolve_person(referral: Any) -> Any:
        return referral.case.person

    @staticmethod
    def resolve_overdue(referral: Any) -> bool:
        return bool(referral.is_overdue())


class ReferralsOut(Schema):
    incoming: list[ReferralOut]
    sent: list[ReferralOut]
    limit: int
    incoming_count: int
    incoming_offset: int
    sent_count: int
    sent_offset: int


class ChecklistItem(Schema):
    item: str
    done: bool


class TransitionOut(Schema):
    id: int
    case_id: int
    kind: str
    from_service: Service | None
    to_service: Service | None
    to_municipality: Municipality | None = Field(
        description="not shown when the child's address is strictly confidential"
    )
    planned_for: datetime.date
    checklist: list[ChecklistItem]
    status: str

    @staticmethod
    def resolve_to_municipality(transition: Any) -> Any:
        if transition.case.person.is_strictly_protected:
            return None
        return transition.to_municipality

    @staticmethod
    def resolve_to_service(transition: Any) -> Any:
        moving_away = transition.kind == Transition.Kind.MOVING
        if moving_away and transition.case.person.is_strictly_protected:
            return None
        return transition.to_service


# --- inputs --------------------------------------------------------------------------------


class ConcernIn(Input):
    person_id: Id
    text: Text10000
    childs_words: Text5000 = ""
    observed_on: datetime.date | None = None


class LevelIn(Input):
    level: Level
    reason: Text300
    expected_version: Version


class ReasonIn(Input):
    reason: Text300


class LogEntryIn(Input):
    kind: EntryKind
    text: Text10000
    childs_words: Text5000 = ""
    occurred_on: datetime.date | None = None
    visibility: Visibility = Visibility.TEAM
    visible_sectors: Sectors = []
    family_visible: bool = False
    hidden_from_guardians: bool = False


class CorrectionIn(Input):
    """The corrected text; other fields only when they change too."""

    text: Text10000
    kind: EntryKind | None = None
    childs_words: Text5000 | None = None
    occurred_on: datetime.date | None = None
    visibility: Visibility | None = None
    visible_sectors: Sectors | None = None
    family_visible: bool | None = None
    hidden_from_guardians: bool | None = None


class TeamMemberIn(Input):
    organisation_id: Id
    user_id: Id | None = None
    role: Text100 = ""


class ConsentIn(Input):
    given_by_id: Id = Field(description="the child or youth, or a guardian")
    form: ConsentForm
    purpose: Text300
    sectors: Sectors
    service_ids: Ids
    professional_ids: Ids = []
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


class WithdrawIn(Input):
    reason: Text300 = ""


class SummaryIn(Input):
    summary: Text5000
    expected_version: Version


class GoalIn(Input):
    title: Text300
    childs_words: Text2000 = ""
    expected_version: Version
    visibility: Visibility = Visibility.TEAM
    visible_sectors: Sectors = []
    family_visible: bool = True


class MeasureIn(Input):
    title: Text300
    responsible_service_id: Id
    responsible_user_id: Id | None = None
    starts: datetime.date
    ends: datetime.date | None = None
    frequency: Text100 = ""
    goal_id: Id | None = None
    expected_version: Version
    visibility: Visibility = Visibility.TEAM
    visible_sectors: Sectors = []
    family_visible: bool = True


class EvaluationIn(Input):
    outcome: Evaluation.Outcome
    text: Text5000
    goal_id: Id | None = None
    measure_id: Id | None = None
    expected_version: Version
    family_visible: bool = True


class VoiceIn(Input):
    """The child's words, written down on the child's behalf (a meeting rating is the child's
    or family's own, given in their pages)."""

    kind: Literal["matters", "goal", "works", "not_working"]
    text: Text2000
    goal_id: Id | None = Field(None, description="a goal of the plan, for kind goal")


class MeetingIn(Input):
    starts_at: AwareDateTime
    place: Text200 = ""
    agenda: Text5000 = ""
    participant_ids: Ids = Field(default=[], description="team member ids")


class ReferralIn(Input):
    case_id: Id
    to_service_id: Id
    reason: Text5000
    consent_id: Id | None = None
    legal_basis_id: Id | None = None
    answer_within_days: Annotated[int, Field(ge=1, le=90)] = 14


class DeclineIn(Input):
    reason: Text500


class TransitionIn(Input):
    case_id: Id
    kind: TransitionKind
    planned_for: datetime.date
    from_service_id: Id | None = None
    to_service_id: Id | None = None
    to_municipality_id: Id | None = None
    checklist: Annotated[list[Text200], Field(max_length=30)] | None = None
