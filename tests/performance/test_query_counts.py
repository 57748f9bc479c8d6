"""The main pages cost a fixed number of queries however much there is on them.

Each test builds a small world, reads the page, grows the world (more cases, log entries,
team members, goals, search hits, indicators or practices) and reads it again: the count must
not grow with the data, and stays under a ceiling that a regression would break. An N+1 (a
query per row) fails here before it reaches a municipality with 200,000 cases.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samhandling.access.models import ConsentForm
from samhandling.accounts.models import User
from samhandling.catalogue import services as catalogue
from samhandling.catalogue.models import Practice
from samhandling.coordination import services
from samhandling.coordination.models import Case, LogEntry, Visibility
from samhandling.insight.models import Indicator, Observation
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db

SECTORS = [
    Sector.SCHOOL_HEALTH,
    Sector.PPT,
    Sector.CHILD_WELFARE,
    Sector.NAV,
    Sector.MENTAL_HEALTH,
    Sector.INTEGRATION,
    Sector.CULTURE_LEISURE,
    Sector.KINDERGARTEN,
]

Clock = Callable[[], HttpResponse]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings: Any) -> None:
    """The pages name static files that `make assets` collects; these tests need no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def english(signed_in: Callable[[User], Client]) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = signed_in(user)
        client.cookies["django_language"] = "en"
        return client

    return make


def cost(read: Clock, *, status: int = 200) -> tuple[int, str]:
    """How many queries one request takes, and their SQL (for the failure message)."""
    with CaptureQueriesContext(connection) as captured:
        response = read()
    assert response.status_code == status, response.content[:2000]
    sql = [query["sql"] for query in captured.captured_queries]
    return len(sql), "\n".join(sql)


def assert_flat(
    read: Clock, grow: Callable[[], Any], *, ceiling: int, budget: int = 0, status: int = 200
) -> tuple[int, int]:
    """The request costs no more (within `budget`) after `grow()` than before, and never more
    than `ceiling` queries. Returns (small, large)."""
    read()  # warm: content types, the session, the translation catalogue
    small, _ = cost(read, status=status)
    grow()
    large, sql = cost(read, status=status)
    assert large <= small + budget, f"{small} queries grew to {large}:\n{sql}"
    assert large <= ceiling, f"{large} queries (ceiling {ceiling}):\n{sql}"
    return small, large


# --- a team around one child ---------------------------------------------------------------


@dataclass
class Team:
    """The teacher coordinates a 12-year-old's case; `grow` brings in more services, each
    with a professional, a consent, log entries (one hidden from the teacher), a goal,
    a measure, a referral and a meeting."""

    skien: Region
    teacher: User
    child: Person
    guardian: Person
    case: Case
    make_service: Callable[..., Organisation]
    make_user: Callable[..., User]
    members: list[User] = field(default_factory=list)

    @property
    def teacher_actor(self) -> Actor:
        return actor_for(self.teacher)

    def grow(self, services_to_add: int) -> None:
        by = self.teacher_actor
        school = by.organisation
        assert school is not None
        for _ in range(services_to_add):
            index = len(self.members)
            sector = SECTORS[index % len(SECTORS)]
            service = self.make_service(self.skien, sector, f"Service {index}")
            user = self.make_user(service, Role.PROFESSIONAL, username=f"member{index}")
            consent = services.record_consent(
                self.case,
                by=by,
                given_by=self.guardian,
                form=ConsentForm.WRITTEN,
                purpose=f"Cooperation {index}",
                sectors=[Sector.SCHOOL, sector],
                services=[school, service],
            )
            services.add_team_member(self.case, by=by, organisation=service, user=user)
            self.members.append(user)
            member = actor_for(user)
            entry = services.add_log_entry(
                self.case, by=member, kind=LogEntry.Kind.NOTE, text=f"Shared note {index}"
            )
            services.correct_log_entry(entry, by=member, text=f"Shared note {index}, corrected")
            services.add_log_entry(
                self.case,
                by=member,
                kind=LogEntry.Kind.NOTE,
                text=f"Own note {index}",
                visibility=Visibility.SERVICE,
            )
            services.add_log_entry(
                self.case, by=by, kind=LogEntry.Kind.OBSERVATION, text=f"Teacher's note {index}"
            )
            plan = self.case.plan
            goal = services.add_goal(plan, by=by, title=f"Goal {index}")
            services.add_measure(
                plan,
                by=by,
                title=f"Measure {index}",
                goal=goal,
                responsible_service=service,
                responsible_user=user,
                starts=timezone.localdate(),
            )
            services.add_goal(
                plan, by=member, title=f"Service goal {index}", visibility=Visibility.SERVICE
            )
            services.refer(
                self.case, by=by, to_service=service, reason=f"Help {index}", consent=consent
            )
            services.schedule_meeting(
                self.case,
                by=by,
                starts_at=timezone.now() + datetime.timedelta(days=index + 1),
                participants=list(self.case.team.filter(left_at__isnull=True)),
            )
        self.case.refresh_from_db()


@pytest.fixture
def team(
    skien: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> Team:
    child = make_person("Sofie", "Målesen")
    guardian = make_guardian(child)
    case = concern_by(child)
    return Team(skien, teacher, child, guardian, case, make_service, make_user)


def test_the_case_page_costs_the_same_with_2_and_8_services_in_the_team(
    team: Team, english: Callable[[User], Client]
) -> None:
    team.grow(2)
    client = english(team.teacher)
    url = f"/work/cases/{team.case.pk}/"
    assert_flat(lambda: client.get(url), lambda: team.grow(6), ceiling=50)
    pages = [client.get(url, {"page": number}) for number in (1, 2)]
    shown = "".join(page.content.decode() for page in pages)
    assert "Shared note 7, corrected" in shown and "Own note 7" not in shown
    assert sum(page.context["page"].hidden_entries for page in pages) == 8


def reads_per_table(sql: str) -> Counter[str]:
    """How many SELECT statements read each table first (the table after the first FROM)."""
    return Counter(
        match.group(1)
        for statement in sql.split("\n")
        if statement.startswith("SELECT") and (match := re.search(r' FROM "(\w+)"', statement))
    )


def test_the_case_page_reads_the_team_consents_and_services_once(
    team: Team, english: Callable[[User], Client]
) -> None:
    """The access decision's reads of the team, consents and legal bases are what the page
    shows, the municipality's services are read once for all its forms, and the coordinator
    comes with the case."""
    team.grow(3)
    client = english(team.teacher)
    url = f"/work/cases/{team.case.pk}/"
    client.get(url)
    _count, sql = cost(lambda: client.get(url))
    tables = reads_per_table(sql)
    assert tables["coordination_teammember"] == 1, sql
    assert tables["access_consent"] == 1, sql
    assert tables["access_legalbasis"] == 1, sql
    # the services offered by the forms; those of all consents at once, with their named
    # professionals (access/policy.py consents_and_bases_of)
    assert tables["organisations_organisation"] == 1, sql
    assert tables["access_consent_services"] == 1, sql
    assert tables["access_consent_professionals"] == 1, sql
    # the signed-in user, and nobody else one by one
    assert len(re.findall(r'FROM "accounts_user" WHERE "accounts_user"."id" = ', sql)) == 1, sql


def test_the_plan_page_costs_the_same_with_2_and_8_services_in_the_team(
    team: Team, english: Callable[[User], Client]
) -> None:
    team.grow(2)
    client = english(team.teacher)
    url = f"/work/cases/{team.case.pk}/plan/"
    assert_flat(lambda: client.get(url), lambda: team.grow(6), ceiling=40)
    page = client.get(url).content.decode()
    assert "Goal 7" in page and "Measure 7" in page and "Service goal 7" not in page


def adding_entries(client: Client, team: Team, **headers: str) -> Callable[[], HttpResponse]:
    """A call that adds a new note to the team's relay log each time."""
    url = f"/work/cases/{team.case.pk}/log/"
    posted = iter(range(1000))

    def add() -> HttpResponse:
        return client.post(
            url,
            {
                "log-kind": "note",
                "log-occurred_on": "2025-01-02",
                "log-text": f"Posted {next(posted)}",
                "log-visibility": Visibility.TEAM,
            },
            **headers,
        )

    return add


def test_adding_a_log_entry_costs_the_same_with_2_and_8_services_in_the_team(
    team: Team, english: Callable[[User], Client]
) -> None:
    team.grow(2)
    add = adding_entries(english(team.teacher), team)
    assert_flat(add, lambda: team.grow(6), ceiling=32, status=302)
    assert LogEntry.objects.filter(case=team.case, text__startswith="Posted ").count() == 3


def test_adding_a_log_entry_with_htmx_costs_the_same_with_2_and_8_services_and_entries(
    team: Team, english: Callable[[User], Client]
) -> None:
    """With htmx the answer is the relay log's section: its page of entries, read at once."""
    team.grow(2)
    add = adding_entries(english(team.teacher), team, HTTP_HX_REQUEST="true")
    assert_flat(add, lambda: team.grow(6), ceiling=30, status=200)


def test_a_refused_log_entry_renders_the_case_page_at_the_same_cost(
    team: Team, english: Callable[[User], Client]
) -> None:
    """A form error renders the whole case page again: it must cost no more with more team."""
    team.grow(2)
    client = english(team.teacher)
    url = f"/work/cases/{team.case.pk}/log/"

    def add() -> HttpResponse:
        return client.post(url, {"log-kind": "note", "log-text": ""})

    assert_flat(add, lambda: team.grow(6), ceiling=60, status=400)


# --- my work --------------------------------------------------------------------------------


def children_for(
    teacher: User,
    make_person: Callable[..., Person],
    school: Organisation,
    helper: Organisation,
    count: int,
    first: int,
) -> None:
    """`count` more cases the teacher coordinates, each with a measure, a task and a meeting
    this week, a referral to the helper's service and one from it."""
    by = actor_for(teacher)
    today = timezone.localdate()
    for index in range(first, first + count):
        born = datetime.date(2011, 1, 1) + datetime.timedelta(days=index)
        child = make_person("Barn", f"Nummer{index}", born=born)
        case = services.record_concern(child, by=by, text="Worried").case
        assert case is not None
        services.add_measure(
            case.plan,
            by=by,
            title=f"Weekly talk {index}",
            responsible_service=school,
            responsible_user=teacher,
            starts=today,
            ends=today + datetime.timedelta(days=2),
        )
        meeting = services.schedule_meeting(
            case,
            by=by,
            starts_at=timezone.now() + datetime.timedelta(hours=2),
            participants=list(case.team.all()),
        )
        services.record_minutes(
            meeting,
            by=by,
            minutes="Agreed",
            actions=[
                services.AgreedAction(
                    title=f"Call home {index}",
                    service=school,
                    assignee=teacher,
                    due=today + datetime.timedelta(days=3),
                ),
            ],
        )
        basis = services.record_legal_basis(
            case,
            by=by,
            law="other",
            description="Opplæringslova § 12-4",
            from_service=school,
            to_service=helper,
            sectors=[Sector.SCHOOL],
        )
        services.refer(
            case,
            by=by,
            to_service=helper,
            reason=f"Assess {index}",
            legal_basis=basis,
            answer_within_days=-1 if index % 2 else 14,
        )


def test_my_work_costs_the_same_with_2_and_8_cases(
    skien: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_person: Callable[..., Person],
    english: Callable[[User], Client],
) -> None:
    school = actor_for(teacher).organisation
    assert school is not None
    helper = make_service(skien, Sector.PPT, "PPT")
    children_for(teacher, make_person, school, helper, 2, 0)
    client = english(teacher)
    assert_flat(
        lambda: client.get("/work/"),
        lambda: children_for(teacher, make_person, school, helper, 6, 2),
        ceiling=30,
    )
    page = client.get("/work/").content.decode()
    assert "Call home 7" in page and "Weekly talk 7" in page and "Nummer7" in page


def test_the_service_leaders_work_page_costs_the_same_with_2_and_8_cases(
    skien: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
    english: Callable[[User], Client],
) -> None:
    school = actor_for(teacher).organisation
    assert school is not None
    leader = make_user(school, Role.SERVICE_LEADER, username="leader")
    helper = make_service(skien, Sector.PPT, "PPT")
    children_for(teacher, make_person, school, helper, 2, 0)
    client = english(leader)
    assert_flat(
        lambda: client.get("/work/"),
        lambda: children_for(teacher, make_person, school, helper, 6, 2),
        ceiling=30,
    )


# --- person search --------------------------------------------------------------------------


def test_person_search_costs_the_same_with_2_and_8_hits(
    teacher: User, make_person: Callable[..., Person], english: Callable[[User], Client]
) -> None:
    def people(first: int, count: int) -> None:
        for index in range(first, first + count):
            make_person(
                f"Navn{index}",
                "Treffesen",
                born=datetime.date(2010, 1, 1) + datetime.timedelta(days=index),
            )

    people(0, 2)
    client = english(teacher)
    search = lambda: client.post("/people/", {"query": "Treffesen"})  # noqa: E731
    assert_flat(search, lambda: people(2, 6), ceiling=30)
    assert client.post("/people/", {"query": "Treffesen"}).content.decode().count("Navn") == 8


# --- the municipality's challenge picture -----------------------------------------------------


def indicators(first: int, count: int, regions: list[Region]) -> None:
    """`count` more indicators with five years of values for each region."""
    for index in range(first, first + count):
        indicator = Indicator.objects.create(
            code=f"measured_{index}",
            name_nb=f"Måling {index}",
            name_en=f"Measure {index}",
            topic="living_conditions",
            unit="percent",
            better="lower",
            publisher="FHI",
            source_table="403",
            licence="CC BY 4.0",
        )
        Observation.objects.bulk_create(
            Observation(
                indicator=indicator,
                region=region,
                period=str(year),
                year=year,
                breakdown="",
                value=Decimal(10 + index + year % 7),
            )
            for region in regions
            for year in range(2020, 2025)
        )


def test_the_municipal_profile_costs_the_same_with_2_and_8_indicators(
    regions: None, client: Client
) -> None:
    skien = Region.objects.get(country="NO", kind="municipality", code="4003")
    telemark = Region.objects.get(country="NO", kind="county", code="40")
    norway = Region.objects.get(kind="country", code="NO")
    neighbours = list(Region.objects.filter(country="NO", code__in=["4001", "4005", "4010"]))
    every = [skien, telemark, norway, *neighbours]
    indicators(0, 2, every)
    client.cookies["django_language"] = "en"
    assert_flat(
        lambda: client.get("/knowledge/regions/4003/"), lambda: indicators(2, 6, every), ceiling=30
    )
    assert "Measure 7" in client.get("/knowledge/regions/4003/").content.decode()


# --- the experience bank ----------------------------------------------------------------------


@pytest.fixture
def publish(make_user: Callable[..., User]) -> Callable[[int, int], None]:
    """Publishes `count` more practices about reading, drafted and published by two editors."""
    udir = Organisation.objects.create(name="Udir", kind=Organisation.Kind.DIRECTORATE)
    bufdir = Organisation.objects.create(name="Bufdir", kind=Organisation.Kind.DIRECTORATE)
    editor = actor_for(make_user(udir, Role.DIRECTORATE_EDITOR, username="editor"))
    publisher = actor_for(make_user(bufdir, Role.DIRECTORATE_EDITOR, username="publisher"))

    def make(first: int, count: int) -> None:
        for index in range(first, first + count):
            draft = catalogue.create_draft(
                Practice,
                by=editor,
                fields={
                    "title": f"Lesing i kommune {index}",
                    "country": Practice.Country.NORWAY,
                    "level": Practice.Level.MUNICIPAL,
                    "language": Practice.Language.BOKMAL,
                    "problem": "Barna leste for lite.",
                    "what_was_done": "Lesing hver dag.",
                    "age_from": 6,
                    "age_to": 12,
                    "sectors": ["school", "ppt"],
                },
            )
            catalogue.publish(draft, by=publisher)

    return make


def test_the_experience_bank_search_costs_the_same_with_2_and_8_hits(
    publish: Callable[[int, int], None], client: Client
) -> None:
    publish(0, 2)
    client.cookies["django_language"] = "en"
    url = "/catalogue/practices/?q=lesing"
    assert_flat(lambda: client.get(url), lambda: publish(2, 6), ceiling=20)
    assert client.get(url).content.decode().count("Lesing i kommune") >= 8


# --- the family's own page --------------------------------------------------------------------


def test_the_familys_own_page_costs_the_same_with_1_and_4_children(
    teacher: User,
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    concern_by: Callable[..., Any],
) -> None:
    first = make_person("Barn", "Familiesen", born=datetime.date(2014, 2, 1))
    guardian = make_guardian(first)
    concern_by(first)
    citizen = Client()
    citizen.force_login(make_citizen(guardian))
    citizen.cookies["django_language"] = "en"
    sibling_days: Iterator[int] = iter(range(1, 100))

    def siblings() -> None:
        from samhandling.people.models import FamilyRelation

        for _ in range(3):
            child = make_person(
                "Søsken",
                "Familiesen",
                born=datetime.date(2015, 1, 1) + datetime.timedelta(days=30 * next(sibling_days)),
            )
            FamilyRelation.objects.create(
                person=child,
                relative=guardian,
                kind="guardian",
                parental_responsibility=True,
                municipality_id=child.municipality_id,
            )
            concern_by(child)

    assert_flat(lambda: citizen.get("/portal/"), siblings, ceiling=25)
    assert citizen.get("/portal/").content.decode().count("Søsken") >= 3


def test_the_familys_consents_page_costs_the_same_with_1_consent_and_6_in_two_cases(
    skien: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    concern_by: Callable[..., Any],
) -> None:
    """Whether each consent may be withdrawn is decided for all consents of all cases at once:
    one by the guardian herself, the others by the other guardian, which she could give too."""
    child = make_person("Barn", "Samtykkesen", born=datetime.date(2014, 2, 1))
    guardian = make_guardian(child, "Kari")
    other_guardian = make_guardian(child, "Per")
    case = concern_by(child)
    by = actor_for(teacher)
    school = by.organisation
    health = make_service(skien, Sector.SCHOOL_HEALTH, "Skolehelsetjenesten")
    citizen = Client()
    citizen.force_login(make_citizen(guardian))
    citizen.cookies["django_language"] = "en"

    def consent(in_case: Case, given_by: Person, purpose: str) -> None:
        services.record_consent(in_case, by=by, given_by=given_by, form=ConsentForm.WRITTEN,
                                purpose=purpose, sectors=[Sector.SCHOOL],
                                services=[school, health])  # fmt: skip

    consent(case, guardian, "Samarbeid 0")

    def more_consents() -> None:
        """Four more in the case, and a sister's case with a consent of its own."""
        from samhandling.people.models import FamilyRelation

        for number in range(1, 5):
            consent(case, other_guardian, f"Samarbeid {number}")
        sister = make_person("Søster", "Samtykkesen", born=datetime.date(2016, 3, 1))
        FamilyRelation.objects.create(person=sister, relative=guardian, kind="guardian",
                                      parental_responsibility=True,
                                      municipality_id=sister.municipality_id)  # fmt: skip
        consent(concern_by(sister), guardian, "Samarbeid for søster")

    assert_flat(lambda: citizen.get("/portal/consents/"), more_consents, ceiling=25)
    page = citizen.get("/portal/consents/").content.decode()
    assert page.count("/withdraw/") == 6  # the guardian could give each of them herself
