"""The town of the retention tests: see conftest.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from samhandling.access.models import Consent, LegalBasis
from samhandling.accounts.models import User
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import Case, LogEntry, Transition, Voice
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Sector
from samhandling.people.models import FamilyRelation, Person
from samhandling.portal.models import DataExport


@dataclass
class Town:
    skien: Region
    porsgrunn: Region
    school: Organisation
    health: Organisation
    child_welfare: Organisation
    teacher: User
    nurse: User
    caseworker: User
    admin: User  # system administrator of Skien
    porsgrunn_admin: User
    make_person: Callable[..., Person]

    def actor(self, user: User) -> Actor:
        return actor_for(user)

    @property
    def t(self) -> Actor:
        return actor_for(self.teacher)

    def family(self, name: str = "Barn") -> tuple[Person, Person]:
        """A child and a guardian with parental responsibility."""
        child = self.make_person(name, "Hansen", born=datetime.date(2014, 3, 1))
        guardian = self.make_person("Forelder", "Hansen", born=datetime.date(1984, 6, 2))
        FamilyRelation.objects.create(
            person=child,
            relative=guardian,
            kind=FamilyRelation.Kind.GUARDIAN,
            parental_responsibility=True,
            municipality_id=child.municipality_id,
        )
        return child, guardian

    def case_for(self, child: Person) -> Case:
        result = services.record_concern(child, by=self.t, text="Sover i timene")
        assert result.case is not None
        return result.case

    def fill(self, case: Case, guardian: Person) -> Case:
        """Everything a case can hold: consent, team, family, a corrected log entry, a plan with
        goal, measure and evaluation, a meeting with an agreed task, a referral under the
        consent, the child's voice and a transition."""
        t, today = self.t, timezone.localdate()
        consent = services.record_consent(
            case,
            by=t,
            given_by=guardian,
            form="written",
            purpose="Samarbeid",
            sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
            services=[self.school, self.health],
        )
        services.add_team_member(case, by=t, organisation=self.health, user=self.nurse)
        participant = services.add_family_participant(case, by=t, person=guardian, role="mor")
        entry = services.add_log_entry(case, by=t, kind=LogEntry.Kind.NOTE, text="Første")
        services.correct_log_entry(entry, by=t, text="Rettet")
        plan = case.plan
        goal = services.add_goal(plan, by=t, title="Trives på skolen")
        measure = services.add_measure(
            plan, by=t, title="Leksehjelp", goal=goal, responsible_service=self.school, starts=today
        )
        services.add_evaluation(plan, by=t, outcome="worked", text="Bra", measure=measure)
        meeting = services.schedule_meeting(
            case,
            by=t,
            starts_at=timezone.now(),
            participants=list(case.team.all()),
            family=[participant],
        )
        services.record_minutes(
            meeting,
            by=t,
            minutes="Møte holdt",
            actions=[services.AgreedAction("Ringe", self.school, today, assignee=self.teacher)],
        )
        services.refer(case, by=t, to_service=self.health, reason="Helse", consent=consent)
        basis = services.record_legal_basis(
            case,
            by=t,
            law=LegalBasis.Law.OTHER,
            description="Lovhjemmel",
            from_service=self.school,
            to_service=self.health,
            sectors=[Sector.SCHOOL],
        )
        services.refer(case, by=t, to_service=self.health, reason="Igjen", legal_basis=basis)
        services.add_voice(case, by=t, kind=Voice.Kind.MATTERS, text="Fotball")
        services.plan_transition(
            case,
            by=t,
            kind=Transition.Kind.LOWER_UPPER_SECONDARY,
            planned_for=today + datetime.timedelta(days=60),
        )
        assert Consent.objects.filter(case=case).exists()
        return case

    def involve_child_welfare(self, case: Case) -> None:
        """The school's duty to inform child welfare, and child welfare in the team."""
        services.record_legal_basis(
            case,
            by=self.t,
            law=LegalBasis.Law.EDUCATION_ACT_DUTY,
            description="Opplysningsplikt",
            from_service=self.school,
            to_service=self.child_welfare,
            sectors=[Sector.SCHOOL],
        )
        services.add_team_member(
            case, by=self.t, organisation=self.child_welfare, user=self.caseworker
        )

    def close(self, case: Case, *, years_ago: float = 0) -> Case:
        services.request_closing(case, by=self.t, reason="Ferdig")
        case.refresh_from_db()
        assert case.status == Case.Status.CLOSED
        if years_ago:
            closed = timezone.now() - datetime.timedelta(days=365 * years_ago)
            Case.objects.filter(pk=case.pk).update(closed_at=closed)  # as if closed back then
        return case

    def registered(self, *persons: Person, years_ago: float) -> None:
        """As if the persons had been registered back then."""
        when = timezone.now() - datetime.timedelta(days=365 * years_ago)
        Person.objects.filter(pk__in=[p.pk for p in persons]).update(created_at=when)

    def export_for(self, person: Person, user: User, *, days_ago: int) -> DataExport:
        export = DataExport.objects.create(
            requested_by=user,
            person=person,
            municipality_id=person.municipality_id,
            status=DataExport.Status.EXPIRED,
        )
        when = timezone.now() - datetime.timedelta(days=days_ago)
        DataExport.objects.filter(pk=export.pk).update(requested_at=when)
        return export


def ancient_events(count: int, *, years_ago: float = 11) -> list[AuditEvent]:
    """Events recorded long ago, appended to the chain as record() appends them."""
    start = timezone.now() - datetime.timedelta(days=365 * years_ago)
    events = [
        AuditEvent(
            occurred_at=start + datetime.timedelta(minutes=i),
            action=AuditEvent.Action.VIEW,
            object_type="people.person",
            object_id=str(1000 + i),
            person_id=1000 + i,
            purpose="test",
            channel=AuditEvent.Channel.WEB,
        )
        for i in range(count)
    ]
    audit._append_all(events)
    return events
