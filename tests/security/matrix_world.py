"""One world for the authorisation matrix, built with the real services (as tests/access/world.py).

Skien: a school (the teacher coordinates the case, the school's service leader leads it, a
colleague and a substitute work there), the school health service, child welfare, PPT, NAV and
mental health. Porsgrunn: a school with a teacher (the outsider). One child, one guardian, one
case, and around it one of every record a route can be about:

- the guardian's consents: school information among school, school health, child welfare and
  PPT (as in tests/access), and school-health information between the school and the school
  health service only (so the coordinator and the school's leader read the nurse's entry, PPT
  does not);
- a legal basis (the school's duty to inform child welfare);
- log entries: the nurse's (school health, shared with the team, sensitive) and the
  teacher's own;
- the plan with a goal, a measure and an evaluation; a meeting whose minutes made a task;
- a referral from the school to PPT; a transition; an incoming concern from the teacher's
  colleague; an emergency access opened by the substitute (for the school's leader to review);
  a coordinator handover offered to PPT; notifications (the services send them on the way);
- the guardian signed in as a citizen, with a data export of the child made (the family's
  routes are refused to every professional actor here; tests/security/test_family_matrix.py
  walks them as the family);
- the knowledge base (knowledge_base below): an indicator with values for Skien, Telemark and
  Norway, an import of official statistics and the coordination aggregates of a quarter;
- the catalogue (catalogue below): one published entry of every kind, Skien's development
  measure as a draft and a published one, and a draft state instrument, written by two
  directorate editors of Udir (none of the five actors edits the catalogue, but the school's
  service leader writes Skien's development measures).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from tests.access.world import World, born_years_ago

from samhandling.access.models import Consent, LegalBasis
from samhandling.accounts.models import CitizenIdentity, User
from samhandling.catalogue import services as catalogue_services
from samhandling.catalogue.models import Entry, Initiative, Instrument, Network, Practice, Resource
from samhandling.coordination import services
from samhandling.coordination.models import (
    Case,
    Evaluation,
    IncomingConcern,
    LogEntry,
    Notification,
    Task,
    TeamMember,
    Transition,
)
from samhandling.insight import aggregates
from samhandling.insight.models import ImportBatch, Indicator, Observation
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person
from samhandling.portal import services as portal
from samhandling.portal.models import DataExport
from samhandling.portal.tasks import build_data_export

# What the nurse wrote: no one outside the consent's circle may ever read it.
HEALTH_TEXT = "Helsesykepleier: samtale om sovnvansker og angst"
CHILD_GIVEN, FAMILY = "Sofie", "Barnesen"


def citizen(person: Person) -> User:
    """A citizen's account linked to the person's identity number (as ID-porten makes one)."""
    user = User.objects.create_user(
        username=f"citizen-{person.pk}", first_name=person.given_name,
        last_name=person.family_name,
    )  # fmt: skip
    user.set_unusable_password()
    user.save()
    CitizenIdentity.objects.create(user=user, id_country="NO", national_id=person.national_id)
    return user


def ready_export(user: User, person: Person) -> DataExport:
    """A data export the citizen asked for, built by the background task as it would be."""
    export = portal.request_export(actor_for(user), person, language="nb")
    assert build_data_export.call(str(export.pk), "nb") == "ready"
    export.refresh_from_db()
    return export


def knowledge_base(municipality: Region) -> dict[str, Any]:
    """One indicator with a series for the municipality, its county and the country; one import
    of official statistics; the municipality's coordination aggregates for a quarter. Returns
    the ids that the knowledge base's routes and operations are filled in with."""
    assert municipality.parent is not None and municipality.parent.parent is not None
    population = Indicator.objects.create(
        code="population_0_24", name_nb="Barn og unge 0–24 år", name_en="Children and youth 0–24",
        topic="population", unit="count", decimals=0, publisher="SSB", source_table="07459",
        origin=Indicator.Origin.EXAMPLE,
    )  # fmt: skip
    batch = ImportBatch.objects.create(
        file_name="07459.json", sha256="0" * 64, format="jsonstat",
        state=ImportBatch.State.DONE, progress=100, rows=6, created=6,
    )  # fmt: skip
    for region, values in ((municipality, (16000, 16100)),
                           (municipality.parent, (52000, 52300)),
                           (municipality.parent.parent, (1600000, 1601000))):  # fmt: skip
        for year, value in zip((2024, 2025), values, strict=True):
            Observation.objects.create(
                indicator=population, region=region, period=str(year), year=year,
                value=Decimal(value), batch=batch,
            )  # fmt: skip
    quarter = "2026Q1"
    aggregates.store(
        quarter,
        {municipality.pk: aggregates.Figures(by_level={"0": 6, "1": 5, "2": 9, "3": 2},
                                             by_team={"school": 17, "school+ppt": 5})},
        scope=Q(municipality=municipality),
    )  # fmt: skip
    return {
        "code": municipality.code,
        "indicator": population.code,
        "batch_id": batch.pk,
        "municipality": municipality.code,
        "quarter": quarter,
        "format": "csv",
        "compared": [municipality.code, "4001"],
    }


def catalogue(municipality: Region, make_user: Callable[..., User]) -> dict[str, Any]:
    """One published entry of each kind, a draft instrument and a draft development measure of
    the municipality, by two directorate editors. Returns the ids the catalogue's routes and
    operations are filled in with."""
    udir = Organisation.objects.create(
        name="Utdanningsdirektoratet", short_name="Udir", kind=Organisation.Kind.DIRECTORATE
    )
    writer = actor_for(make_user(udir, Role.DIRECTORATE_EDITOR, username="catalogue_writer"))
    publisher = actor_for(make_user(udir, Role.DIRECTORATE_EDITOR, username="catalogue_publisher"))

    def published(model: type[Entry], **fields: Any) -> Entry:
        entry = catalogue_services.create_draft(model, by=writer, fields=fields)
        return catalogue_services.publish(entry, by=publisher)

    instrument = published(
        Instrument,
        title_nb="Tilskudd til samarbeid",
        kind="grant_scheme",
        owners=[udir.pk],
        sectors=["school"],
        target_groups=["all"],
    )
    network = published(Network, name_nb="Nettverket", members=[municipality.pk])
    practice = published(
        Practice,
        title="Tidiga insatser",
        country="SE",
        level="municipal",
        language="sv",
        problem="Barnen fick hjälp för sent.",
    )
    resource = published(
        Resource,
        title_nb="Veileder i samarbeid",
        kind="guide",
        practices=[practice.pk],
        instruments=[instrument.pk],
    )
    initiative = published(
        Initiative,
        title_nb="Tidlig innsats i skolen",
        municipality=municipality.pk,
        instruments=[instrument.pk],
    )
    draft_initiative = catalogue_services.create_draft(
        Initiative,
        by=writer,
        fields={"title_nb": "Utkast til tiltak", "municipality": municipality.pk},
    )
    draft_instrument = catalogue_services.create_draft(
        Instrument, by=writer, fields={"title_nb": "Utkast til virkemiddel", "kind": "guide"}
    )
    return {
        "instrument_id": instrument.pk,
        "network_id": network.pk,
        "practice_id": practice.pk,
        "resource_id": resource.pk,
        "initiative_id": initiative.pk,
        "draft_initiative_id": draft_initiative.pk,
        "draft_instrument_id": draft_instrument.pk,
        "draft_initiative_version": draft_initiative.version,
        "initiative_version": initiative.version,
        "instruments": "instruments",
        "initiatives": "initiatives",
        "all": "all",
        "fmt": "json",
    }  # fmt: skip


@dataclass
class MatrixWorld:
    world: World
    ids: dict[str, Any]  # what URLs and bodies are filled in with
    users: dict[str, User | None]  # actor -> user (None: anonymous)
    guardian_user: User  # the guardian's citizen account (the family's own matrix signs it in)


def build(
    skien: Region,
    porsgrunn: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> MatrixWorld:
    membership = teacher.memberships.get()
    school = membership.organisation
    orgs: dict[str, Organisation] = {Sector.SCHOOL: school}
    for sector in (
        Sector.SCHOOL_HEALTH,
        Sector.CHILD_WELFARE,
        Sector.PPT,
        Sector.NAV,
        Sector.MENTAL_HEALTH,
    ):
        orgs[sector] = make_service(skien, sector)
    orgs["porsgrunn_school"] = make_service(porsgrunn, Sector.SCHOOL)
    users = {"teacher": teacher}
    for name, org, role in (
        ("colleague", Sector.SCHOOL, Role.PROFESSIONAL),
        ("substitute", Sector.SCHOOL, Role.PROFESSIONAL),
        ("nurse", Sector.SCHOOL_HEALTH, Role.PROFESSIONAL),
        ("caseworker", Sector.CHILD_WELFARE, Role.PROFESSIONAL),
        ("ppt", Sector.PPT, Role.PROFESSIONAL),
        ("leader", Sector.SCHOOL, Role.SERVICE_LEADER),
        ("outsider", "porsgrunn_school", Role.PROFESSIONAL),
    ):
        users[name] = make_user(orgs[org], role, username=name)

    child = make_person(CHILD_GIVEN, FAMILY, born=born_years_ago(12))
    guardian = make_person("Anne", FAMILY, born=born_years_ago(40))
    result = services.record_concern(child, by=actor_for(teacher), text="Sleeps in class")
    assert result.case is not None
    case = result.case
    w = World(skien, porsgrunn, orgs, users, child, guardian, case, make_person)
    people.relate(
        child,
        by=w.teacher,
        relative=guardian,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    school_consent = w.consent(
        sectors=[Sector.SCHOOL], between=["teacher", "nurse", "caseworker", "ppt"]
    )
    for name in ("nurse", "caseworker", "ppt"):
        w.join(name)
    health_consent = w.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"])
    basis = services.record_legal_basis(
        case,
        by=w.teacher,
        law=LegalBasis.Law.EDUCATION_ACT_DUTY,
        description="Duty to inform child welfare",
        from_service=school,
        to_service=orgs[Sector.CHILD_WELFARE],
        sectors=[Sector.SCHOOL],
    )
    health_entry = w.entry("nurse", text=HEALTH_TEXT)
    own_entry = w.entry("teacher", text="Talked with the child after class")

    today = timezone.localdate()
    case.refresh_from_db()
    plan = case.plan
    goal = services.add_goal(plan, by=w.teacher, title="Sleeps well and comes to school")
    measure = services.add_measure(
        plan, by=w.teacher, title="Quiet room", responsible_service=school, starts=today, goal=goal
    )
    evaluation = services.add_evaluation(
        plan, by=w.teacher, outcome=Evaluation.Outcome.TOO_EARLY, text="Too early", goal=goal
    )
    team = list(TeamMember.objects.filter(case=case, left_at__isnull=True))
    meeting = services.schedule_meeting(
        case,
        by=w.teacher,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        place="Meeting room",
        participants=team,
    )
    services.record_minutes(
        meeting,
        by=w.teacher,
        minutes="We agreed",
        actions=[
            services.AgreedAction(
                "Call the guardian", school, today + datetime.timedelta(days=3), teacher
            )
        ],
    )
    task = Task.objects.get(meeting=meeting)
    referral = services.refer(
        case,
        by=w.teacher,
        to_service=orgs[Sector.PPT],
        reason="Assessment of sleep and concentration",
        consent=school_consent,
    )
    transition = services.plan_transition(
        case,
        by=w.teacher,
        kind=Transition.Kind.LOWER_UPPER_SECONDARY,
        planned_for=today + datetime.timedelta(days=200),
        from_service=school,
    )
    forwarded = services.record_concern(child, by=w.actor("colleague"), text="Tired at recess")
    assert forwarded.forwarded
    concern = IncomingConcern.objects.get(case=case)
    emergency = services.open_emergency_access(
        case, by=w.actor("substitute"), reason="The child is not safe at home tonight"
    )
    handover = services.propose_coordinator(
        case, by=w.teacher, to_user=users["ppt"], to_service=orgs[Sector.PPT]
    )
    assert Notification.objects.filter(user=users["leader"]).exists()  # emergency to review
    case.refresh_from_db()
    plan.refresh_from_db()
    caseworker_member = TeamMember.objects.get(case=case, user=users["caseworker"])
    nurse_member = TeamMember.objects.get(case=case, user=users["nurse"])
    assert LogEntry.objects.filter(case=case, pk=health_entry.pk).exists()
    assert Consent.objects.filter(case=case).count() == 2
    guardian_user = citizen(guardian)
    export = ready_export(guardian_user, child)

    ids: dict[str, Any] = {
        # path parameters, by the name the URL configuration and the OpenAPI document use
        "person_id": child.pk,
        "case_id": case.pk,
        "entry_id": health_entry.pk,
        "member_id": caseworker_member.pk,
        "handover_id": handover.pk,
        "concern_id": concern.pk,
        "consent_id": health_consent.pk,
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "meeting_id": meeting.pk,
        "task_id": task.pk,
        "referral_id": referral.pk,
        "answer": "received",
        "transition_id": transition.pk,
        "access_id": emergency.pk,
        "export_id": export.pk,
        # for variants and bodies
        "own_entry_id": own_entry.pk,
        "evaluation_id": evaluation.pk,
        "basis_id": basis.pk,
        "school_consent_id": school_consent.pk,
        "guardian_id": guardian.pk,
        "nurse_member_id": nurse_member.pk,
        "national_id": child.national_id,
        "case_version": case.version,
        "plan_version": plan.version,
        "today": today.isoformat(),
        "later": (today + datetime.timedelta(days=30)).isoformat(),
        **{f"org_{key}": org.pk for key, org in orgs.items()},
        **knowledge_base(Region.objects.select_related("parent__parent").get(pk=skien.pk)),
        **catalogue(skien, make_user),
    }
    actors: dict[str, User | None] = {
        "anonymous": None,
        "outsider": users["outsider"],
        "other_sector": users["ppt"],
        "coordinator": teacher,
        "leader": users["leader"],
    }
    assert Case.objects.get(pk=case.pk).coordinator_id == teacher.pk
    return MatrixWorld(w, ids, actors, guardian_user)
