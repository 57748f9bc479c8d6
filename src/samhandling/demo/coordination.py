"""Helpers for the demo's coordination data: who acts, on which day, one service call a step.

Every write goes through samhandling.coordination.services, acting as the demo users, so each
one is checked by the policy and recorded in the audit chain like any other; that includes the
demo citizens (a youth, guardians, a young adult), who add their voice as the family would.
Children are picked by age on seed_demo's REFERENCE_DATE, in identity-number order, so who is
in which case is fixed for a seed; dates of meetings, deadlines and log entries are relative to
the day the data is loaded, so that "this week" stays this week. The cases themselves are in
demo.cases.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent, ConsentForm
from samhandling.accounts.models import CitizenIdentity, User
from samhandling.coordination import services
from samhandling.coordination.models import (
    Case,
    FamilyParticipant,
    Goal,
    LogEntry,
    Measure,
    Plan,
    TeamMember,
    Voice,
)
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation
from samhandling.people.models import FamilyRelation, Person


@dataclass
class DemoCases:
    """The demo's actors, services and pool of children, and small helpers over the services."""

    today: datetime.date
    reference_date: datetime.date
    users: dict[str, User]
    orgs: dict[str, Organisation]
    pool: list[Person]
    seed: int
    actors: dict[str, Actor] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    citizens: dict[str, Person] = field(default_factory=dict)

    # --- who and when ---------------------------------------------------------------------

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            self.actors[username] = actor_for(self.users[username], channel="command")
        return self.actors[username]

    def citizen(self, username: str, person: Person) -> Actor:
        """A demo citizen: a user without a membership and without a password, linked to the
        person's identity number, who signs in on the demo sign-in page."""
        user, _created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = person.given_name, person.family_name
        user.set_unusable_password()
        user.save()
        CitizenIdentity.objects.update_or_create(
            user=user,
            defaults={"id_country": person.id_country, "national_id": person.national_id},
        )
        self.users[username] = user
        self.actors.pop(username, None)
        self.citizens[username] = person
        return self.actor(username)

    def service(self, username: str) -> Organisation:
        organisation = self.actor(username).organisation
        assert organisation is not None
        return organisation

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def at(self, offset: int, hour: int, minute: int = 0) -> datetime.datetime:
        moment = datetime.datetime.combine(self.day(offset), datetime.time(hour, minute))
        return timezone.make_aware(moment)

    def child(self, min_age: int, max_age: int) -> Person:
        """The first unused child (in identity-number order) of that age on the reference date;
        a year or two either side if another seed's population has nobody that age left."""
        for widen in range(3):
            for person in self.pool:
                if min_age - widen <= person.age_on(self.reference_date) <= max_age + widen:
                    self.pool.remove(person)
                    return person
        raise LookupError(f"no demo child aged {min_age}–{max_age} left")

    # --- small steps, each one service call ------------------------------------------------

    def concern(
        self, username: str, child: Person, text: str, *, childs_words: str = "", days_ago: int = 30
    ) -> Case:
        result = services.record_concern(
            child,
            by=self.actor(username),
            text=text,
            childs_words=childs_words,
            observed_on=self.day(-days_ago),
        )
        assert result.case is not None
        self.cases.append(result.case)
        return result.case

    def level(self, case: Case, username: str, *steps: tuple[int, str]) -> None:
        for level, reason in steps:
            services.change_level(case, by=self.actor(username), level=level, reason=reason)

    def consent(
        self,
        case: Case,
        username: str,
        *,
        sectors: list[str],
        services_of: list[str],
        purpose: str,
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
    ) -> list[Consent]:
        """The family's consent, given by whoever may give it for the child's age today.

        Under 16 a guardian consents; from 16 the youth consents to health matters and a
        guardian to the rest; from 18 the young person consents to everything.
        """
        start = valid_from or self.day(-7)
        circle = [self.service(name) for name in services_of]
        return [
            services.record_consent(
                case,
                by=self.actor(username),
                given_by=given_by,
                form=ConsentForm.WRITTEN,
                purpose=purpose,
                sectors=part,
                services=circle,
                valid_from=start,
                valid_to=valid_to,
            )
            for given_by, part in _consenters(case.person, sectors, start)
        ]

    def join(self, case: Case, username: str, member: str, role: str) -> TeamMember:
        return services.add_team_member(
            case,
            by=self.actor(username),
            organisation=self.service(member),
            user=self.users[member],
            role=role,
        )

    def family(self, case: Case, username: str) -> list[FamilyParticipant]:
        guardian = guardian_of(case.person)
        participants = [
            services.add_family_participant(
                case, by=self.actor(username), person=case.person, role="barnet"
            )
        ]
        if guardian is not None and case.person.age_on(self.today) < 18:
            participants.append(
                services.add_family_participant(
                    case, by=self.actor(username), person=guardian, role="foresatt"
                )
            )
        return participants

    def log(
        self, case: Case, username: str, kind: str, text: str, *, days_ago: int, **fields: Any
    ) -> LogEntry:
        return services.add_log_entry(
            case,
            by=self.actor(username),
            kind=kind,
            text=text,
            occurred_on=self.day(-days_ago),
            **fields,
        )

    def goal(self, case: Case, username: str, title: str, childs_words: str) -> Goal:
        return services.add_goal(
            plan_of(case), by=self.actor(username), title=title, childs_words=childs_words
        )

    def measure(
        self,
        case: Case,
        username: str,
        title: str,
        *,
        responsible: str,
        starts: int,
        ends: int | None,
        goal: Goal | None = None,
        frequency: str = "",
        status: str = Measure.Status.ONGOING,
        **fields: Any,
    ) -> Measure:
        measure = services.add_measure(
            plan_of(case),
            by=self.actor(username),
            title=title,
            responsible_service=self.service(responsible),
            responsible_user=self.users[responsible],
            starts=self.day(starts),
            ends=None if ends is None else self.day(ends),
            goal=goal,
            frequency=frequency,
            **fields,
        )
        if status != Measure.Status.PLANNED:
            services.set_measure_status(measure, by=self.actor(username), status=status)
        return measure

    def voice(self, case: Case, username: str, kind: str, text: str) -> Voice | None:
        """The child's or family's words: a citizen's own, or a professional's note of them.
        A citizen who has no standing in the case today (a child grown past 16 since the
        reference date) says nothing, rather than the seed failing."""
        by = self.actor(username)
        if by.is_citizen and not policy.family_access(by, case).case_decision("voice"):
            return None
        return services.add_voice(case, by=by, kind=kind, text=text)

    def team(self, case: Case) -> list[TeamMember]:
        return list(TeamMember.objects.filter(case=case, left_at__isnull=True).order_by("pk"))


def plan_of(case: Case) -> Plan:
    return Plan.objects.get(case=case)


def guardian_of(child: Person) -> Person | None:
    guardians = guardians_of(child)
    return guardians[0] if guardians else None


def guardians_of(child: Person) -> list[Person]:
    """Those with parental responsibility for the child, in identity-number order."""
    relations = (
        FamilyRelation.objects.filter(person=child, parental_responsibility=True)
        .select_related("relative")
        .order_by("relative__national_id", "pk")
    )
    return [relation.relative for relation in relations]


def _consenters(
    child: Person, sectors: Iterable[str], on: datetime.date
) -> list[tuple[Person, list[str]]]:
    """Who gives the consent for each part of it, by the child's age on the day."""
    sectors = list(sectors)
    age = child.age_on(on)
    if age >= 18:
        return [(child, sectors)]
    guardian = guardian_of(child)
    if age < 16:
        assert guardian is not None, "a demo child under 16 has a guardian"
        return [(guardian, sectors)]
    health = [s for s in sectors if s in services.HEALTH_SECTORS]
    rest = [s for s in sectors if s not in services.HEALTH_SECTORS]
    parts: list[tuple[Person, list[str]]] = []
    if health:
        parts.append((child, health))
    if rest:
        assert guardian is not None, "a demo child under 18 has a guardian"
        parts.append((guardian, rest))
    return parts


def eighteenth_birthday(born: datetime.date) -> datetime.date:
    if (born.month, born.day) == (2, 29):
        return datetime.date(born.year + 18, 2, 28)
    return datetime.date(born.year + 18, born.month, born.day)


def children_in(municipality_id: int) -> list[Person]:
    """The demo's children (those with parents), in identity-number order."""
    return list(
        Person.objects.filter(municipality_id=municipality_id, relations__kind="parent")
        .distinct()
        .order_by("national_id")
    )
