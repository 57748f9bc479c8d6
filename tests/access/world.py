"""A small municipality around one child, built with the real services (tests/access).

Skien has a school, the school health service, child welfare, PPT, NAV and mental health, a
professional in each, a colleague of the teacher outside the team, the school's and child
welfare's service leaders and an analyst; Porsgrunn has a teacher and a service leader. The
teacher records a concern about a 12-year-old (and so coordinates the case); the guardian's
first consent lets the school health service, child welfare and PPT into the team, but covers
only school information, so nothing sensitive travels until a test says so.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from samhandling.access.models import Consent, ConsentForm
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Case, LogEntry, Visibility
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person


def born_years_ago(years: int, days: int = 100) -> datetime.date:
    """Born `years` years and `days` days ago: `years` old today for `days` from 0 to about
    300; with a negative `days` that birthday is still to come."""
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - datetime.timedelta(days=days)


@dataclass
class World:
    skien: Region
    porsgrunn: Region
    orgs: dict[str, Organisation]
    users: dict[str, User]
    child: Person
    guardian: Person
    case: Case
    make_person: Callable[..., Person]
    _actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        if name not in self._actors:
            self._actors[name] = actor_for(self.users[name])
        return self._actors[name]

    @property
    def teacher(self) -> Actor:
        return self.actor("teacher")

    def org(self, name: str) -> Organisation:
        organisation = self.actor(name).organisation
        assert organisation is not None
        return organisation

    def entry(
        self,
        by: str,
        *,
        visibility: str = Visibility.TEAM,
        sectors: Iterable[str] = (),
        case: Case | None = None,
        text: str = "An entry",
    ) -> LogEntry:
        return services.add_log_entry(
            case or self.case,
            by=self.actor(by),
            kind=LogEntry.Kind.NOTE,
            text=text,
            visibility=visibility,
            visible_sectors=list(sectors),
        )

    def consent(
        self,
        *,
        sectors: Iterable[str],
        between: Iterable[str],
        given_by: Person | None = None,
        case: Case | None = None,
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
        professionals: list[User] | None = None,
        by: str = "teacher",
    ) -> Consent:
        """The guardian's consent that the services of the named users share these sectors."""
        return services.record_consent(
            case or self.case,
            by=self.actor(by),
            given_by=given_by or self.guardian,
            form=ConsentForm.WRITTEN,
            purpose="Cooperation around the child",
            sectors=list(sectors),
            services=[self.org(name) for name in between],
            professionals=professionals,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def join(self, name: str, case: Case | None = None, by: str = "teacher") -> None:
        services.add_team_member(
            case or self.case, by=self.actor(by), organisation=self.org(name), user=self.users[name]
        )

    def child_with_case(self, years: int, *, days: int = 100) -> tuple[Person, Person, Case]:
        """Another child of that age, with a guardian, and a case the teacher coordinates."""
        child = self.make_person("Barn", f"Alder{years}", born=born_years_ago(years, days))
        result = services.record_concern(child, by=self.teacher, text="Worried")
        assert result.case is not None
        guardian = self.make_person("Forelder", f"Alder{years}", born=born_years_ago(40))
        people.relate(
            child,
            by=self.teacher,
            relative=guardian,
            kind=FamilyRelation.Kind.GUARDIAN,
            parental_responsibility=True,
        )
        return child, guardian, result.case
