"""The people and services around one child, for the coordination pages' tests."""

from __future__ import annotations

from dataclasses import dataclass

from samhandling.access.models import Consent
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import Case
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Sector
from samhandling.people.models import Person


@dataclass
class Casework:
    """The teacher coordinates Sofie's case; a nurse, a PPT adviser and a leader are at hand."""

    child: Person
    mother: Person
    case: Case
    school: Organisation
    health: Organisation
    ppt: Organisation
    teacher: User
    nurse: User
    adviser: User
    leader: User

    def actor(self, user: User) -> Actor:
        return actor_for(user)

    def consent(self, *services_: Organisation, sectors: list[str] | None = None) -> Consent:
        """The mother's consent that the school and the given services share."""
        return services.record_consent(
            self.case,
            by=self.actor(self.teacher),
            given_by=self.mother,
            form="written",
            purpose="Samarbeid om skolehverdagen",
            sectors=sectors or [Sector.SCHOOL, Sector.SCHOOL_HEALTH, Sector.PPT],
            services=[self.school, *services_],
        )

    def join(self, user: User, organisation: Organisation) -> None:
        services.add_team_member(
            self.case, by=self.actor(self.teacher), organisation=organisation, user=user
        )
