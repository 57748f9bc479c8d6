"""The actor: who is acting, in which role and for which organisation.

Every policy decision and audit event is about an actor, not a bare user, because the same
person can be a school nurse in one membership and a service leader in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from samhandling.config.compiled import CompiledQuery

from .models import Membership, Organisation, Role

if TYPE_CHECKING:
    from samhandling.accounts.models import CitizenIdentity, User

ACTIVE_MEMBERSHIP_SESSION_KEY = "active_membership_id"
CITIZEN = "citizen"  # the role of a child, youth or guardian signed in to their own pages


@dataclass(frozen=True)
class Actor:
    user: User | None
    membership: Membership | None = None
    memberships: tuple[Membership, ...] = field(default=())
    channel: str = "web"
    # A citizen (no membership): the identity number that links them to their Person rows.
    id_country: str = ""
    national_id: str = field(default="", repr=False)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    @property
    def is_citizen(self) -> bool:
        return self.is_authenticated and bool(self.national_id) and self.membership is None

    @property
    def role(self) -> str:
        if self.membership:
            return self.membership.role
        return CITIZEN if self.is_citizen else ""

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    @property
    def municipality_id(self) -> int | None:
        org = self.organisation
        return org.municipality_id if org else None

    @property
    def sector(self) -> str:
        org = self.organisation
        return org.sector if org else ""

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_system_admin(self) -> bool:
        return any(m.role == Role.SYSTEM_ADMIN for m in self.memberships)


ANONYMOUS = Actor(user=None)


# Read on every request of a signed-in person: compiled to SQL once (config/compiled.py).
_ACTIVE_MEMBERSHIPS = CompiledQuery(
    lambda user_id: Membership.objects.filter(user_id=user_id, is_active=True)
    .select_related("organisation", "organisation__municipality").order_by("pk")
)  # fmt: skip


def actor_for(
    user: User | None, *, membership_id: int | None = None, channel: str = "web"
) -> Actor:
    """The actor for a signed-in user, acting through the chosen (or first) active membership."""
    if user is None or not user.is_authenticated:
        return Actor(user=None, channel=channel)
    memberships = tuple(_ACTIVE_MEMBERSHIPS(user.pk))
    chosen = next((m for m in memberships if m.pk == membership_id), None)
    if chosen is None and memberships:
        chosen = memberships[0]
    if chosen is None:
        identity = _citizen_identity(user)
        if identity is not None:
            return Actor(user=user, channel=channel, id_country=identity.id_country,
                         national_id=identity.national_id)  # fmt: skip
    return Actor(user=user, membership=chosen, memberships=memberships, channel=channel)


def _citizen_identity(user: User) -> CitizenIdentity | None:
    from samhandling.accounts.models import CitizenIdentity  # accounts sits above organisations

    return CitizenIdentity.objects.filter(user=user).first()
