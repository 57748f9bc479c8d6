"""The one place that decides who may do what to which record, and why.

`decide(actor, action, record)` returns a Decision that is truthy or falsy and carries the
reason, which goes to the audit log and, in plain words, to the person refused. Views, the API
and exports never query personal tables on their own: selectors and services ask here first.

The rules, in short:
- Only professionals and service leaders work with individual children, and only in their own
  municipality.
- A case is seen by the members of its team, by the service leaders of the team's services,
  and for a limited time by a professional who opened it with emergency access.
- An entry in a case (log entry, goal, measure, evaluation) is seen by the author's service,
  and beyond it as its visibility says (named sectors, the whole team). Information from a
  sensitive sector (child welfare, health, NAV) travels beyond that sector only when a valid
  consent covers both services and the sector, or a legal basis names the exchange.
- Withdrawing a consent takes effect at once: nothing is cached beyond one request.
- The family is one more kind of actor. A youth from 16 (and a young adult) sees their own
  case; a guardian with parental responsibility sees a child's case while the child is under
  16, and from 16 to 18 only what child welfare shares, when child welfare is in the team. They
  see what the professionals marked as visible to the family, never what is confidential from
  guardians, and they may add their own words and give or withdraw consent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from samhandling.config.compiled import CompiledQuery
from samhandling.coordination.models import (
    Case,
    Evaluation,
    Goal,
    LogEntry,
    Measure,
    Meeting,
    Referral,
    Task,
    TeamMember,
    Transition,
    Visibility,
    Voice,
)
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Membership, Role, Sector
from samhandling.people.models import FamilyRelation, Person, PersonFound

from .models import Consent, EmergencyAccess, LegalBasis

Action = Literal[
    "view",
    "create",
    "update",
    "delete",
    "export",
    "search",
    "close",
    "approve_close",
    "manage_team",
    "manage_consent",
    "refer",
    "answer",
    "emergency",
    "voice",
]

# GDPR art. 18: while restricted, a person's data is stored, not used (samhandling.retention).
RESTRICTED = "processing of the person's data is restricted"

# Roles that work with individual children in a municipal service.
CASEWORK_ROLES = frozenset({Role.PROFESSIONAL, Role.SERVICE_LEADER})
SENSITIVE_SECTORS = Sector.sensitive()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def grant(reason: str) -> Decision:
    return Decision(True, reason)


def refuse(reason: str) -> Decision:
    return Decision(False, reason)


def _casework(actor: Actor, municipality_id: int | None, noun: str = "record") -> Decision | None:
    """A refusal when the actor cannot work with children in this municipality, else None."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if not actor.has_role(*CASEWORK_ROLES):
        return refuse("role does not work with individual children")
    if actor.municipality_id is None or actor.municipality_id != municipality_id:
        return refuse(f"{noun} belongs to another municipality")
    return None


@dataclass(frozen=True)
class Sharing:
    """One permission for information to travel: a consent or a legal basis."""

    services: frozenset[int]  # services that may share among themselves (a consent's circle)
    professionals: frozenset[int]  # named professionals inside the circle
    sectors: frozenset[str]
    from_service: int | None = None  # a legal basis names one exchange
    to_service: int | None = None
    label: str = ""


@dataclass
class CaseAccess:
    """What one actor may do in one case, worked out once per request (a few queries)."""

    actor: Actor
    case: Case
    standing: str  # "member", "coordinator", "service_leader", "emergency", or ""
    reason: str
    sharings: list[Sharing] = field(default_factory=list)
    # As read to decide the standing and the sharings, for the pages to show without reading
    # them again; None where the access was refused before they were read.
    team: list[TeamMember] | None = None  # the current team, with service and user
    consents: list[Consent] | None = None  # consents_and_bases_of
    legal_bases: list[LegalBasis] | None = None

    @property
    def service_id(self) -> int | None:
        org = self.actor.organisation
        return org.pk if org else None

    @property
    def sector(self) -> str:
        return self.actor.sector

    def case_decision(self, action: Action) -> Decision:
        if not self.standing:
            return refuse(self.reason)
        if action == "view":
            return grant(self.reason)
        if self.standing == "emergency":
            return refuse("emergency access lets you read, not change")
        if not self.case.is_open and action not in ("view", "export"):
            return refuse("the case is closed")
        if action == "approve_close":
            if self.actor.role != Role.SERVICE_LEADER:
                return refuse("only a service leader approves closing a level 2–3 case")
            return grant("service leader of a service in the team")
        if action in ("update", "create", "close", "manage_team", "manage_consent", "refer"):
            if self.standing in ("member", "coordinator"):
                return grant(f"{self.standing} of the team")
            return refuse("a service leader follows the case but does not work in it")
        return refuse(f"{action} is not possible on a case")

    def item_decision(self, item: Any, action: Action = "view") -> Decision:
        """For a log entry, goal, measure or evaluation of this case."""
        case_level = self.case_decision("view" if action == "view" else "update")
        if not case_level:
            return case_level
        if action != "view":
            if item.service_id == self.service_id:
                return grant("entry of my service")
            if getattr(item, "responsible_service_id", None) == self.service_id:
                return grant("measure my service is responsible for")
            return refuse("only the author's (or the responsible) service changes an entry")
        if item.service_id == self.service_id:
            return grant("entry of my service")
        if item.visibility == Visibility.SERVICE:
            return refuse("the entry is for the author's service only")
        if item.visibility == Visibility.SECTORS and self.sector not in item.visible_sectors:
            return refuse("the entry is shared with other sectors only")
        if item.sector in SENSITIVE_SECTORS and item.sector != self.sector:
            sharing = self.sharing_for(item.service_id, item.sector)
            if sharing is None:
                return refuse(f"no consent or legal basis covers {item.sector} information here")
            return grant(f"shared under {sharing.label}")
        return grant("shared with the team")

    def sharing_for(self, from_service: int, sector: str) -> Sharing | None:
        user_id = self.actor.user.pk if self.actor.user else None
        for sharing in self.sharings:
            if sector not in sharing.sectors:
                continue
            if sharing.from_service is not None:
                if sharing.from_service == from_service and sharing.to_service == self.service_id:
                    return sharing
                continue
            receiver_in = self.service_id in sharing.services or user_id in sharing.professionals
            if from_service in sharing.services and receiver_in:
                return sharing
        return None


# Read for every case page and plan: compiled to SQL once (config/compiled.py).
_CONSENTS = CompiledQuery(
    lambda case_id: Consent.objects.filter(case_id=case_id).select_related("given_by")
    .order_by("-recorded_at")
)  # fmt: skip
_LEGAL_BASES = CompiledQuery(
    lambda case_id: LegalBasis.objects.filter(case_id=case_id)
    .select_related("from_service", "to_service")
)  # fmt: skip
# A consent's circle, for every consent of the case at once (what prefetch_related would read,
# its SQL built anew on every call): the through tables' rows with their service or user.
_CONSENT_SERVICES = CompiledQuery(
    lambda case_id: Consent.services.through.objects.filter(consent__case_id=case_id)
    .select_related("organisation").order_by("organisation__name", "organisation_id")
)  # fmt: skip
_CONSENT_PROFESSIONALS = CompiledQuery(
    lambda case_id: Consent.professionals.through.objects.filter(consent__case_id=case_id)
    .select_related("user").order_by("user_id")
)  # fmt: skip
_CURRENT_TEAM = CompiledQuery(
    lambda case_id: TeamMember.objects.filter(case_id=case_id, left_at__isnull=True)
    .select_related("organisation", "user")
)  # fmt: skip


def consents_and_bases_of(case: Case) -> tuple[list[Consent], list[LegalBasis]]:
    """Every consent of the case, newest first (with who gave it, its services and named
    professionals), withdrawn and expired ones too, and every legal basis (with its services):
    what the sharings are made of, and what the case page lists."""
    consents = _CONSENTS(case.pk)
    if consents:
        services: dict[int, list[Any]] = {consent.pk: [] for consent in consents}
        for link in _CONSENT_SERVICES(case.pk):  # a consent recorded since is not in `services`
            services.get(link.consent_id, []).append(link.organisation)
        professionals: dict[int, list[Any]] = {consent.pk: [] for consent in consents}
        for named in _CONSENT_PROFESSIONALS(case.pk):
            professionals.get(named.consent_id, []).append(named.user)
        for consent in consents:
            _prefetched(consent, "services", services[consent.pk])
            _prefetched(consent, "professionals", professionals[consent.pk])
    return consents, _LEGAL_BASES(case.pk)


def _prefetched(consent: Consent, name: str, related: list[Any]) -> None:
    """`consent.<name>.all()` answers `related` without a query, as prefetch_related leaves
    it (django.db.models.query.prefetch_one_level)."""
    queryset = getattr(consent, name).get_queryset()
    queryset._result_cache = related
    queryset._prefetch_done = True
    consent.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def sharings_of(
    consents: list[Consent], bases: list[LegalBasis], *, day: date | None = None
) -> list[Sharing]:
    """The consents and legal bases valid on `day` (today), as Sharing rules."""
    day = day or timezone.localdate()
    result = [
        Sharing(
            services=frozenset(s.pk for s in consent.services.all()),
            professionals=frozenset(u.pk for u in consent.professionals.all()),
            sectors=frozenset(consent.sectors),
            label=f"consent {consent.pk}",
        )
        for consent in sorted(consents, key=lambda c: c.pk)
        if consent.is_valid_on(day)
    ]
    result.extend(
        Sharing(
            services=frozenset(),
            professionals=frozenset(),
            sectors=frozenset(basis.sectors),
            from_service=basis.from_service_id,
            to_service=basis.to_service_id,
            label=f"legal basis {basis.law}",
        )
        for basis in bases
        if basis.is_valid_on(day)
    )
    return result


def sharings_for(case: Case, *, day: date | None = None) -> list[Sharing]:
    """Every valid consent and legal basis of the case, as Sharing rules."""
    return sharings_of(*consents_and_bases_of(case), day=day)


def case_access(actor: Actor, case: Case) -> CaseAccess:
    """The actor's standing in the case and the sharings that apply."""
    refusal = _casework(actor, case.municipality_id)
    if refusal is not None:
        return CaseAccess(actor, case, "", refusal.reason)
    if case.person.processing_restricted:
        return CaseAccess(actor, case, "", RESTRICTED)
    user_id = actor.user.pk if actor.user else None
    service_id = actor.organisation.pk if actor.organisation else None
    team = _CURRENT_TEAM(case.pk)
    standing, reason = "", "not in the team around the child"
    if actor.role == Role.PROFESSIONAL:
        if case.coordinator_id == user_id and case.coordinator_service_id == service_id:
            standing, reason = "coordinator", "coordinator of the case"
        elif any(m.user_id == user_id and m.organisation_id == service_id for m in team):
            standing, reason = "member", "member of the team"
    elif actor.role == Role.SERVICE_LEADER and any(m.organisation_id == service_id for m in team):
        standing, reason = "service_leader", "service leader of a service in the team"
    if not standing and actor.role == Role.PROFESSIONAL and user_id and service_id:
        emergency = EmergencyAccess.objects.filter(
            case=case, user_id=user_id, organisation_id=service_id, expires_at__gt=timezone.now()
        ).exists()
        if emergency:
            standing, reason = "emergency", "emergency access"
    if not standing:
        return CaseAccess(actor, case, standing, reason)
    consents, bases = consents_and_bases_of(case)
    return CaseAccess(actor, case, standing, reason, sharings_of(consents, bases), team=team,
                      consents=consents, legal_bases=bases)  # fmt: skip


def _person_rule(actor: Actor, action: Action, person: Person | PersonFound) -> Decision:
    refusal = _casework(actor, person.municipality_id, "person")
    if refusal is not None:
        return refusal
    if person.processing_restricted:
        return refuse(RESTRICTED)
    if action in ("search", "create"):
        return grant("professional in the person's municipality")
    if action in ("view", "update"):
        if _has_standing_for_person(actor, person):
            return grant("works with the person in a case")
        return refuse("no case of yours concerns this person")
    return refuse(f"{action} of persons is not allowed for this role")


def _has_standing_for_person(actor: Actor, person: Person | PersonFound) -> bool:
    """The person is the child of a case, or family of that child, where the actor has standing."""
    child_ids = {person.pk} | set(
        FamilyRelation.objects.filter(relative_id=person.pk).values_list("person_id", flat=True)
    )
    for case in Case.objects.filter(
        person_id__in=child_ids, municipality_id=person.municipality_id
    ):
        if case_access(actor, case).standing:
            return True
    return False


def _case_rule(actor: Actor, action: Action, case: Case) -> Decision:
    if action == "emergency":
        refusal = _casework(actor, case.municipality_id)
        if refusal is not None:
            return refusal
        if actor.role != Role.PROFESSIONAL:
            return refuse("only professionals open a case with emergency access")
        if case.person.processing_restricted:
            return refuse(RESTRICTED)
        return grant("professional in the case's municipality, reason stated")
    return case_access(actor, case).case_decision(action)


def _item_rule(actor: Actor, action: Action, item: Any) -> Decision:
    return case_access(actor, item.case).item_decision(item, action)


def _case_part_rule(actor: Actor, action: Action, record: Any) -> Decision:
    """Meetings, tasks, transitions, consents, legal bases: as the case, for the team."""
    access = case_access(actor, record.case)
    if action == "view":
        return access.case_decision("view")
    wanted: Action = "manage_consent" if isinstance(record, Consent | LegalBasis) else "update"
    return access.case_decision(wanted)


def _referral_rule(actor: Actor, action: Action, referral: Referral) -> Decision:
    refusal = _casework(actor, referral.municipality_id)
    if refusal is not None:
        return refusal
    if referral.case.person.processing_restricted:
        return refuse(RESTRICTED)
    service_id = actor.organisation.pk if actor.organisation else None
    if service_id == referral.to_service_id:
        if action in ("view", "answer"):
            return grant("referral to my service")
        return refuse("the receiving service answers the referral, nothing more")
    if action == "answer":
        return refuse("only the receiving service answers a referral")
    if service_id == referral.from_service_id and action == "view":
        return grant("referral from my service")
    return case_access(actor, referral.case).case_decision("view" if action == "view" else "refer")


def _family_relation_rule(actor: Actor, action: Action, relation: FamilyRelation) -> Decision:
    return _person_rule(actor, action, relation.person)


def _emergency_rule(actor: Actor, action: Action, emergency: EmergencyAccess) -> Decision:
    refusal = _casework(actor, emergency.municipality_id)
    if refusal is not None:
        return refusal
    if action == "view" and actor.user and emergency.user_id == actor.user.pk:
        return grant("my own emergency access")
    org = actor.organisation
    if (
        actor.role == Role.SERVICE_LEADER
        and org is not None
        and emergency.organisation_id == org.pk
    ):
        return grant("service leader reviews emergency access in the service")
    return refuse("only the service leader of the service reviews emergency access")


_RULES: dict[type, Callable[[Actor, Any, Any], Decision]] = {
    Person: _person_rule,
    PersonFound: _person_rule,  # a search's result: the same fields, the same rule
    FamilyRelation: _family_relation_rule,
    Case: _case_rule,
    LogEntry: _item_rule,
    Goal: _item_rule,
    Measure: _item_rule,
    Evaluation: _item_rule,
    Meeting: _case_part_rule,
    Task: _case_part_rule,
    Transition: _case_part_rule,
    Consent: _case_part_rule,
    LegalBasis: _case_part_rule,
    Referral: _referral_rule,
    EmergencyAccess: _emergency_rule,
    Voice: _case_part_rule,
}


def decide(actor: Actor, action: Action, record: object) -> Decision:
    """May `actor` do `action` to `record`? Unknown records and anonymous actors: no."""
    if not actor.is_authenticated:
        return refuse("not signed in")
    if record is None:
        return refuse("no such record")
    if actor.is_citizen:
        return _family_rule(actor, action, record)
    rule = _RULES.get(type(record))
    if rule is None:
        return refuse(f"no rule for {type(record).__name__}")
    return rule(actor, action, record)


def require(actor: Actor, action: Action, record: object) -> Decision:
    """As decide, but raises PermissionDenied on a refusal."""
    decision = decide(actor, action, record)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


def persons_visible_to(actor: Actor) -> Q:
    """The persons an actor may find in a search (name and date of birth only)."""
    scope = person_scope_of(actor)
    return Q(pk__in=[]) if scope is None else persons_in_scope(scope)


def person_scope_of(actor: Actor) -> int | None:
    """The municipality whose persons the actor may find in a search; None for nobody."""
    if not actor.is_authenticated or not actor.has_role(*CASEWORK_ROLES):
        return None
    return actor.municipality_id


def persons_in_scope(municipality_id: int) -> Q:
    """The persons of persons_visible_to, from person_scope_of's value (a plain value, so
    that a search can compile its query once: config/compiled.py)."""
    return Q(municipality_id=municipality_id, processing_restricted=False)


def cases_visible_to(actor: Actor) -> Q:
    """A filter for the cases where the actor has standing (the same rules as case_access)."""
    standing = case_standing_of(actor)
    return Q(pk__in=[]) if standing is None else cases_with_standing(*standing)


CaseStanding = tuple[bool, int, int, int, datetime]
"""What decides which cases an actor sees, as plain values: whether they lead their service,
their user, their service, its municipality and the time (emergency access runs out)."""


def case_standing_of(actor: Actor) -> CaseStanding | None:
    """The values cases_with_standing filters by; None for an actor who may see no case."""
    if not actor.is_authenticated or not actor.has_role(*CASEWORK_ROLES):
        return None
    org = actor.organisation
    if org is None or actor.municipality_id is None or actor.user is None:
        return None
    return (actor.role == Role.SERVICE_LEADER, actor.user.pk, org.pk, actor.municipality_id,
            timezone.now())  # fmt: skip


def cases_with_standing(
    leader: bool, user_id: int, organisation_id: int, municipality_id: int, now: datetime
) -> Q:
    """The cases of cases_visible_to, from case_standing_of's values (plain values, so that a
    selector can compile the query once: config/compiled.py)."""
    in_municipality = Q(municipality_id=municipality_id, person__processing_restricted=False)
    if leader:
        return in_municipality & Q(
            pk__in=TeamMember.objects.filter(
                organisation_id=organisation_id, left_at__isnull=True
            ).values("case_id")
        )
    # One set of case ids (a union), not three conditions joined by OR: PostgreSQL cannot
    # estimate an OR of subqueries and, at national scale, read every person of the country to
    # find a professional's twenty cases (100 ms); from the union it reads those cases by id.
    member = TeamMember.objects.filter(
        organisation_id=organisation_id, user_id=user_id, left_at__isnull=True
    )
    coordinating = Case.objects.filter(
        coordinator_id=user_id, coordinator_service_id=organisation_id
    )
    emergency = EmergencyAccess.objects.filter(
        user_id=user_id, organisation_id=organisation_id, expires_at__gt=now
    )
    standing = (
        member.order_by()
        .values("case_id")
        .union(coordinating.order_by().values("pk"), emergency.order_by().values("case_id"))
    )
    return in_municipality & Q(pk__in=standing)


def may_create_person_in(actor: Actor, municipality_id: int) -> Decision:
    refusal = _casework(actor, municipality_id, "person")
    if refusal is not None:
        return refusal
    return grant("professional in the person's municipality")


def may_open_case(actor: Actor, municipality_id: int) -> Decision:
    refusal = _casework(actor, municipality_id)
    if refusal is not None:
        return refusal
    if actor.role != Role.PROFESSIONAL:
        return refuse("professionals record concerns")
    return grant("professional in the child's municipality")


def service_leader_of(actor: Actor, organisation_id: int) -> bool:
    return bool(
        actor.user
        and Membership.objects.filter(
            user=actor.user,
            organisation_id=organisation_id,
            role=Role.SERVICE_LEADER,
            is_active=True,
        ).exists()
    )


# --- the family: the child, the youth and their guardians --------------------------------------

SELF_FROM_AGE = 16  # a youth sees their own case from 16
GUARDIAN_UNTIL_AGE = 16  # a guardian sees the child's case until 16 ...
GUARDIAN_CHILD_WELFARE_UNTIL_AGE = 18  # ... and what child welfare shares until 18
FAMILY_ITEMS = (LogEntry, Goal, Measure, Evaluation)


def citizen_persons(actor: Actor) -> list[Person]:
    """Every Person registered with the citizen's identity number (one per municipality)."""
    if not actor.is_citizen:
        return []
    return list(Person.objects.filter(id_country=actor.id_country, national_id=actor.national_id))


@dataclass
class FamilyAccess:
    """What a child, youth or guardian may see and do in one case."""

    actor: Actor
    case: Case
    standing: str  # "self", "guardian", "guardian_child_welfare", or ""
    reason: str
    person: Person | None = None  # the actor's own Person row that gives the standing

    @property
    def is_guardian(self) -> bool:
        return self.standing.startswith("guardian")

    def case_decision(self, action: Action) -> Decision:
        if not self.standing:
            return refuse(self.reason)
        if action == "view":
            return grant(self.reason)
        if action in ("voice", "manage_consent"):
            if not self.case.is_open:
                return refuse("the case is closed")
            return grant(self.reason)
        return refuse(f"{action} is for the professionals in the team")

    def item_decision(self, item: Any, action: Action = "view") -> Decision:
        """For a log entry, goal, measure or evaluation of this case."""
        if not self.standing:
            return refuse(self.reason)
        if action != "view":
            return refuse("the professionals write the entries; the family adds its own words")
        if not item.family_visible:
            return refuse("not shared with the family")
        if self.is_guardian and getattr(item, "hidden_from_guardians", False):
            return refuse("confidential from guardians")
        if self.standing == "guardian_child_welfare" and item.sector != Sector.CHILD_WELFARE:
            return refuse("from 16 only child welfare shares with guardians")
        return grant("shared with the family")

    def voice_decision(self, voice: Voice) -> Decision:
        if not self.standing:
            return refuse(self.reason)
        mine = self.person is not None and voice.person_id == self.person.pk
        if self.standing == "guardian_child_welfare" and not mine:
            return refuse("from 16 the youth's own words are theirs")
        return grant("the family's own words")

    def meeting_decision(self, meeting: Meeting) -> Decision:
        if not self.standing:
            return refuse(self.reason)
        if self.standing == "guardian_child_welfare":
            # .all(): the family's pages prefetch the participants of every meeting at once.
            invited = self.person is not None and any(
                participant.person_id == self.person.pk
                for participant in meeting.family_participants.all()
            )
            if not invited:
                return refuse("from 16 guardians see only the meetings they are invited to")
        return grant("meeting in the case")


def _involves_child_welfare(case: Case) -> bool:
    return (
        case.coordinator_service is not None
        and case.coordinator_service.sector == Sector.CHILD_WELFARE
    ) or TeamMember.objects.filter(
        case=case, left_at__isnull=True, organisation__sector=Sector.CHILD_WELFARE
    ).exists()


def _guardianships(child_ids: set[int], persons: list[Person]) -> dict[int, FamilyRelation]:
    """For each child, the first relation (by pk) that gives one of `persons` parental
    responsibility for it: one query however many children."""
    if not child_ids or not persons:
        return {}
    relations = (
        FamilyRelation.objects.filter(
            person_id__in=child_ids, relative__in=persons, parental_responsibility=True
        )
        .select_related("relative")
        .order_by("pk")
    )
    first: dict[int, FamilyRelation] = {}
    for relation in relations:
        first.setdefault(relation.person_id, relation)
    return first


def _cases_involving_child_welfare(cases: list[Case]) -> set[int]:
    """Which of the cases have child welfare as coordinator or in the team (as
    _involves_child_welfare, for many cases in at most one query)."""
    involved = {
        case.pk
        for case in cases
        if case.coordinator_service is not None
        and case.coordinator_service.sector == Sector.CHILD_WELFARE
    }
    rest = [case.pk for case in cases if case.pk not in involved]
    if rest:
        involved.update(
            TeamMember.objects.filter(
                case_id__in=rest, left_at__isnull=True, organisation__sector=Sector.CHILD_WELFARE
            ).values_list("case_id", flat=True)
        )
    return involved


def family_access(
    actor: Actor,
    case: Case,
    *,
    persons: list[Person] | None = None,
    day: date | None = None,
    guardianships: dict[int, FamilyRelation] | None = None,
    child_welfare_cases: set[int] | None = None,
) -> FamilyAccess:
    """The citizen's standing in the case: their own, as a guardian, or none.

    A caller deciding many cases at once passes what it has fetched for all of them:
    `guardianships` (as _guardianships, covering this case's child) and `child_welfare_cases`
    (as _cases_involving_child_welfare, covering this case if its child is 16 or 17)."""
    if not actor.is_citizen:
        return FamilyAccess(actor, case, "", "not signed in as the child, youth or guardian")
    persons = citizen_persons(actor) if persons is None else persons
    day = day or timezone.localdate()
    age = case.person.age_on(day)
    own = next((p for p in persons if p.pk == case.person_id), None)
    if own is not None:
        if age >= SELF_FROM_AGE:
            return FamilyAccess(actor, case, "self", "the case is about you", own)
        return FamilyAccess(actor, case, "", "a child under 16 is represented by a guardian")
    if guardianships is None:
        guardianships = _guardianships({case.person_id}, persons)
    relation = guardianships.get(case.person_id)
    if relation is None:
        return FamilyAccess(actor, case, "", "not your case or your child's")
    guardian = relation.relative
    if age < GUARDIAN_UNTIL_AGE:
        return FamilyAccess(actor, case, "guardian", "guardian of a child under 16", guardian)
    if age < GUARDIAN_CHILD_WELFARE_UNTIL_AGE:
        involved = (
            _involves_child_welfare(case)
            if child_welfare_cases is None
            else case.pk in child_welfare_cases
        )
        if involved:
            reason = "guardian while child welfare is involved, until 18"
            return FamilyAccess(actor, case, "guardian_child_welfare", reason, guardian)
    return FamilyAccess(actor, case, "", "from 16 the youth's case is their own")


def family_cases(actor: Actor) -> list[FamilyAccess]:
    """The cases the citizen may see: their own (from 16) and their children's. A fixed
    number of queries however many children and cases."""
    persons = citizen_persons(actor)
    if not persons:
        return []
    children = FamilyRelation.objects.filter(
        relative__in=persons, parental_responsibility=True
    ).values("person_id")
    cases = list(
        Case.objects.filter(Q(person__in=persons) | Q(person_id__in=children))
        .select_related("person", "coordinator", "coordinator_service")
        .order_by("-opened_at", "-pk")
    )
    today = timezone.localdate()
    own_ids = {p.pk for p in persons}
    guardianships = _guardianships(
        {case.person_id for case in cases if case.person_id not in own_ids}, persons
    )
    youths = [
        case
        for case in cases
        if case.person_id in guardianships
        and GUARDIAN_UNTIL_AGE <= case.person.age_on(today) < GUARDIAN_CHILD_WELFARE_UNTIL_AGE
    ]
    child_welfare_cases = _cases_involving_child_welfare(youths)
    result = [
        family_access(
            actor,
            case,
            persons=persons,
            day=today,
            guardianships=guardianships,
            child_welfare_cases=child_welfare_cases,
        )
        for case in cases
    ]
    return [access for access in result if access.standing]


def family_person_decision(
    actor: Actor,
    person: Person,
    *,
    persons: list[Person] | None = None,
    guardianship_known: bool = False,
) -> Decision:
    """May the citizen see this person's access log and export their data? Their own, and a
    child's under 16 for whom they have parental responsibility. `guardianship_known`: the
    caller fetched `person` through a relation giving one of `persons` parental responsibility
    for it, so that need not be asked again."""
    if not actor.is_citizen:
        return refuse("not signed in as the child, youth or guardian")
    persons = citizen_persons(actor) if persons is None else persons
    if any(p.pk == person.pk for p in persons):
        return grant("your own data")
    if person.age_on(timezone.localdate()) < GUARDIAN_UNTIL_AGE:
        guardian = (
            guardianship_known
            or FamilyRelation.objects.filter(
                person=person, relative__in=persons, parental_responsibility=True
            ).exists()
        )
        if guardian:
            return grant("guardian of a child under 16")
    return refuse("not your data or your child's")


def family_persons(actor: Actor) -> list[tuple[Person, Decision]]:
    """The persons whose access log and data the citizen may see: themselves and their
    children under 16. Two queries however many children."""
    persons = citizen_persons(actor)
    # One filter() call: the same relation row has the citizen as relative and responsibility.
    children = Person.objects.filter(
        relations__relative__in=persons, relations__parental_responsibility=True
    ).distinct()
    result = [(p, grant("your own data")) for p in persons]
    for child in children:
        decision = family_person_decision(actor, child, persons=persons, guardianship_known=True)
        if decision:
            result.append((child, decision))
    return result


def _family_rule(actor: Actor, action: Action, record: Any) -> Decision:
    """What a child, youth or guardian may do: read their case, add their voice, handle consent."""
    if isinstance(record, Person):
        if action in ("view", "export"):
            return family_person_decision(actor, record)
        return refuse("the services keep the person register")
    if isinstance(record, Case):
        return family_access(actor, record).case_decision(action)
    if isinstance(record, FAMILY_ITEMS):
        return family_access(actor, record.case).item_decision(record, action)
    if isinstance(record, Voice):
        access = family_access(actor, record.case)
        if action == "view":
            return access.voice_decision(record)
        return access.case_decision("voice")
    if isinstance(record, Meeting) and action == "view":
        return family_access(actor, record.case).meeting_decision(record)
    if isinstance(record, Consent | LegalBasis):
        wanted: Action = "view" if action == "view" else "manage_consent"
        return family_access(actor, record.case).case_decision(wanted)
    return refuse("not part of the family's own pages")
