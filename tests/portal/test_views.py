"""The family's own pages, through the web: what a guardian and a youth see and do."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from tests.access.world import born_years_ago as years_ago

from samhandling.access import policy
from samhandling.access.models import Consent, ConsentForm
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import Case, LogEntry, Voice
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Role, Sector
from samhandling.people.models import Person
from samhandling.portal.models import DataExport
from samhandling.portal.tasks import build_data_export
from samhandling.portal.templatetags.portal import access_why

pytestmark = pytest.mark.django_db


@dataclass
class Family:
    """A 12-year-old's case: the teacher coordinates, the school nurse is in the team under the
    guardian's consent; the guardian signs in to the family's pages."""

    child: Person
    guardian: Person
    case: Case
    school: Organisation
    health: Organisation
    teacher: User
    nurse: User
    guardian_user: User

    @property
    def teacher_actor(self) -> Actor:
        return actor_for(self.teacher)

    @property
    def nurse_actor(self) -> Actor:
        return actor_for(self.nurse)

    def entry(self, by: User, **flags: Any) -> LogEntry:
        return services.add_log_entry(
            self.case, by=actor_for(by), kind=LogEntry.Kind.NOTE, text=f"Note by {by}", **flags
        )


@pytest.fixture
def family(
    skien: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    concern_by: Callable[..., Any],
) -> Family:
    teacher.email = "teacher@skien.example"
    teacher.save()
    teacher_actor = actor_for(teacher)
    school = teacher_actor.organisation
    assert school is not None
    health = make_service(skien, Sector.SCHOOL_HEALTH, "Skolehelsetjenesten")
    nurse = make_user(health, Role.PROFESSIONAL, username="nurse", first_name="Nina")
    child = make_person("Sofie", "Hansen", born=years_ago(12))
    guardian = make_guardian(child, "Kari")
    case = concern_by(child)
    services.record_consent(case, by=teacher_actor, given_by=guardian, form=ConsentForm.WRITTEN,
                            purpose="Samarbeid om helse og skole",
                            sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
                            services=[school, health])  # fmt: skip
    services.add_team_member(case, by=teacher_actor, organisation=health, user=nurse)
    case.refresh_from_db()
    return Family(child, guardian, case, school, health, teacher, nurse, make_citizen(guardian))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- who may come in ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(family: Family) -> None:
    response = Client().get(f"/portal/cases/{family.case.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/portal/cases/")


def test_a_professional_is_told_the_pages_are_for_families(family: Family, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    response = client_for(family.teacher).get("/portal/")
    assert response.status_code == 403
    assert "These pages are for children, young people and guardians" in text(response)


def test_the_front_page_sends_a_citizen_to_their_own_page(family: Family) -> None:
    response = client_for(family.guardian_user).get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_a_citizen_sees_only_the_familys_menu(family: Family) -> None:
    response = client_for(family.guardian_user).get("/portal/")  # in English (client_for)
    labels = [str(item["label"]) for item in response.context["navigation"]]
    assert labels == ["My page", "Consents", "My data"]
    menu = re.search(r'<ul class="app-nav__list">(.*?)</ul>', response.content.decode(), re.S)
    assert menu and re.findall(r">([^<>]+)</a>", menu.group(1)) == labels
    norwegian = client_for(family.guardian_user)
    norwegian.cookies["django_language"] = "nb"
    response = norwegian.get("/portal/")
    labels = [str(item["label"]) for item in response.context["navigation"]]
    assert labels == [bokmål("My page"), bokmål("Consents"), bokmål("My data")]


def test_a_professional_never_sees_the_familys_menu(family: Family, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    response = client_for(family.teacher).get("/")
    urls = [item["url"] for item in response.context["navigation"]]
    assert not [url for url in urls if url.startswith("/portal/")]
    assert "/work/" in "".join(urls)


# --- my cases and the case page -------------------------------------------------------------


def test_a_guardian_sees_the_childs_case_but_not_another_familys(
    family: Family,
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> None:
    other_child = make_person("Per", "Olsen", born=years_ago(10))
    make_guardian(other_child, "Ola")
    other_case = concern_by(other_child)
    client = client_for(family.guardian_user)

    home = client.get("/portal/")
    assert home.status_code == 200
    assert "The case of Sofie Hansen" in text(home) and "Per Olsen" not in text(home)
    assert client.get(f"/portal/cases/{other_case.pk}/").status_code == 404
    assert client.get("/portal/cases/999999/").status_code == 404


def test_the_case_page_shows_the_team_and_what_is_shared_with_the_family(family: Family) -> None:
    shared = family.entry(family.teacher, family_visible=True, childs_words="I am tired")
    family.entry(family.teacher)  # internal
    family.entry(family.nurse, family_visible=True, hidden_from_guardians=True)

    response = client_for(family.guardian_user).get(f"/portal/cases/{family.case.pk}/")
    page = text(response)
    assert response.status_code == 200
    assert "Your coordinator" in page and "mailto:teacher@skien.example" in page
    assert "Skolehelsetjenesten" in page and "Nina" in page
    assert shared.text in page and "I am tired" in page
    assert response.context["page"].log == [shared]
    assert "Note by nurse" not in page
    assert "no-store" in response["Cache-Control"]


def test_the_family_adds_their_own_words_and_sees_them_marked_as_theirs(family: Family) -> None:
    client = client_for(family.guardian_user)
    url = f"/portal/cases/{family.case.pk}/voice/"
    response = client.post(url, {"kind": "matters", "text": "Calm mornings"}, follow=True)

    voice = Voice.objects.get(case=family.case)
    assert voice.speaker == Voice.Speaker.FAMILY and voice.person == family.guardian
    assert response.redirect_chain[-1][0].endswith(f"/portal/cases/{family.case.pk}/#own-words")
    page = text(response)
    assert "Thank you. The team can now read your words." in page
    assert "Your own words" in page and "Calm mornings" in page


def test_the_family_writes_about_a_goal_in_the_plan(family: Family) -> None:
    goal = services.add_goal(family.case.plan, by=family.teacher_actor, title="Sleep better")
    client = client_for(family.guardian_user)
    page = client.get(f"/portal/cases/{family.case.pk}/")
    assert f'<option value="{goal.pk}">Sleep better</option>' in text(page)
    client.post(
        f"/portal/cases/{family.case.pk}/voice/",
        {"kind": "goal", "goal": goal.pk, "text": "To sleep before eleven"},
    )
    assert Voice.objects.get(case=family.case).goal == goal
    assert "About the goal: Sleep better" in text(client.get(f"/portal/cases/{family.case.pk}/"))


def test_words_written_down_by_a_professional_are_marked_as_such(family: Family) -> None:
    services.add_voice(family.case, by=family.nurse_actor, kind=Voice.Kind.WORKS, text="Naps")
    response = client_for(family.guardian_user).get(f"/portal/cases/{family.case.pk}/")
    assert "Written down by Skolehelsetjenesten on the child's behalf" in text(response)


def test_empty_words_come_back_with_the_message_at_the_field_and_the_choice_kept(
    family: Family,
) -> None:
    response = client_for(family.guardian_user).post(
        f"/portal/cases/{family.case.pk}/voice/", {"kind": "works", "text": "  "}
    )
    assert response.status_code == 400
    form = response.context["own_words"]
    assert form.errors["text"] == [bokmål("Write something, in your own words.")]
    assert 'value="works" class="ds-input" id="id_kind_2" checked' in text(response)
    assert not Voice.objects.exists()


def test_the_family_rates_a_meeting_once_it_has_been_held(family: Family) -> None:
    meeting = services.schedule_meeting(
        family.case, by=family.teacher_actor, starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    client = client_for(family.guardian_user)
    assert client.get(f"/portal/cases/{family.case.pk}/").context["past_meetings"] == []
    meeting.starts_at = timezone.now() - datetime.timedelta(days=1)
    meeting.save()

    page = client.get(f"/portal/cases/{family.case.pk}/")
    assert [row[0] for row in page.context["past_meetings"]] == [meeting]
    prefix = f"meeting-{meeting.pk}"
    bad = client.post(
        f"/portal/cases/{family.case.pk}/voice/", {"kind": "meeting", "meeting": meeting.pk}
    )
    assert bad.status_code == 400 and "Choose from 1 to 5." in text(bad)
    client.post(
        f"/portal/cases/{family.case.pk}/voice/",
        {"kind": "meeting", "meeting": meeting.pk, f"{prefix}-rating": "4"},
    )
    assert Voice.objects.get(meeting=meeting).rating == 4
    after = client.get(f"/portal/cases/{family.case.pk}/")
    assert "You said the meeting was 4 of 5." in text(after)


# --- consent --------------------------------------------------------------------------------


def test_every_consent_is_said_in_plain_words_with_a_way_to_withdraw(family: Family) -> None:
    response = client_for(family.guardian_user).get("/portal/consents/")
    page = text(response)
    consent = Consent.objects.get(case=family.case)
    assert "may share information about School, School health service" in page
    assert "Given by you on" in page and "in writing" in page and "Status: valid" in page
    assert f"/portal/consents/{consent.pk}/withdraw/" in page
    assert f"/portal/cases/{family.case.pk}/consents/new/" in page


def test_the_family_gives_a_consent_digitally(family: Family) -> None:
    client = client_for(family.guardian_user)
    url = f"/portal/cases/{family.case.pk}/consents/new/"
    form = client.get(url)
    assert form.status_code == 200
    initial = form.context["form"]["valid_to"].value()
    assert initial() if callable(initial) else initial  # a default end date is offered
    valid_to = timezone.localdate() + datetime.timedelta(days=200)
    response = client.post(url, {
        "services": [family.school.pk, family.health.pk],
        "sectors": [Sector.SCHOOL],
        "purpose": "So that school and the nurse can help with sleep",
        "valid_to": valid_to.isoformat(),
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/portal/consents/"
    consent = Consent.objects.filter(case=family.case).latest("recorded_at")
    assert consent.form == ConsentForm.DIGITAL and consent.given_by == family.guardian
    assert consent.valid_to == valid_to


def test_a_consent_needs_two_services_and_keeps_what_was_typed(family: Family) -> None:
    response = client_for(family.guardian_user).post(
        f"/portal/cases/{family.case.pk}/consents/new/",
        {"services": [family.school.pk], "sectors": [Sector.SCHOOL], "purpose": "Help at school",
         "valid_to": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["services"]
    assert 'value="Help at school"' in text(response)


def test_withdrawing_a_consent_takes_effect_at_once(family: Family) -> None:
    entry = family.entry(family.nurse)
    assert policy.decide(family.teacher_actor, "view", entry)
    consent = Consent.objects.get(case=family.case)
    client = client_for(family.guardian_user)
    url = f"/portal/consents/{consent.pk}/withdraw/"

    confirm = client.get(url)
    assert confirm.status_code == 200 and "It takes effect at once." in text(confirm)
    response = client.post(url, {"reason": "We want to talk first"})
    assert response.status_code == 302 and response["Location"] == "/portal/consents/"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert not policy.decide(actor_for(family.teacher), "view", entry)


def test_nobody_withdraws_another_familys_consent(
    family: Family, make_person: Callable[..., Person], make_citizen: Callable[..., User]
) -> None:
    stranger = make_citizen(make_person("Stian", "Fremmed", born=years_ago(40)))
    consent = Consent.objects.get(case=family.case)
    response = client_for(stranger).post(f"/portal/consents/{consent.pk}/withdraw/")
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_a_youth_cannot_withdraw_the_guardians_consent_about_school(
    skien: Region,
    teacher: User,
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    concern_by: Callable[..., Any],
) -> None:
    youth = make_person("Jonas", "Berg", born=years_ago(16))
    guardian = make_guardian(youth, "Lise")
    case = concern_by(youth)
    other_school = Organisation.objects.create(
        name="Other school", kind=Organisation.Kind.SERVICE, sector=Sector.SCHOOL,
        municipality=skien,
    )  # fmt: skip
    consent = services.record_consent(
        case, by=actor_for(teacher), given_by=guardian, form=ConsentForm.WRITTEN,
        purpose="School", sectors=[Sector.SCHOOL],
        services=[actor_for(teacher).organisation, other_school],  # type: ignore[list-item]
    )  # fmt: skip
    client = client_for(make_citizen(youth))
    assert "Withdraw" not in text(client.get("/portal/consents/"))
    response = client.post(f"/portal/consents/{consent.pk}/withdraw/")
    assert response.status_code == 403
    assert "Only the person who gave the consent" in text(response)


# --- who read my data -----------------------------------------------------------------------


def test_the_access_log_says_who_read_what_and_why_in_plain_words(family: Family) -> None:
    from samhandling.coordination import selectors as coordination

    coordination.get_case_for(family.nurse_actor, family.case.pk)
    response = client_for(family.guardian_user).get(f"/portal/people/{family.child.pk}/access-log/")
    page = text(response)
    assert response.status_code == 200
    assert "Who has read the information about Sofie Hansen" in page
    assert "Nina User" in page and "works in your team" in page and "the case" in page
    assert "Emergency access" not in page


def test_emergency_access_is_highlighted_in_words(
    family: Family, make_user: Callable[..., User]
) -> None:
    outsider = make_user(family.school, Role.PROFESSIONAL, username="outsider")
    services.open_emergency_access(
        family.case, by=actor_for(outsider), reason="The child said she is afraid to go home"
    )
    response = client_for(family.guardian_user).get(f"/portal/people/{family.child.pk}/access-log/")
    page = text(response)
    assert response.context["log"].emergency_count >= 1
    assert 'class="ds-alert" data-color="warning"' in page
    assert '<span class="ds-tag" data-color="warning">Emergency access</span>' in page
    assert "afraid to go home" not in page


def test_nobody_sees_another_persons_access_log(
    family: Family, make_person: Callable[..., Person], make_citizen: Callable[..., User]
) -> None:
    stranger = make_citizen(make_person("Stian", "Fremmed", born=years_ago(40)))
    assert (
        client_for(stranger).get(f"/portal/people/{family.child.pk}/access-log/").status_code == 404
    )


def test_the_access_log_pages_from_newer_to_older(family: Family) -> None:
    from samhandling.audit import services as audit

    for _ in range(55):
        audit.record(family.teacher_actor, "view", family.child, purpose="search")
    client = client_for(family.guardian_user)
    first = client.get(f"/portal/people/{family.child.pk}/access-log/")
    assert first.context["log"].has_next and "?page=2" in text(first)
    second = client.get(f"/portal/people/{family.child.pk}/access-log/?page=2")
    assert second.status_code == 200 and "Newer" in text(second)


def test_the_access_log_page_reads_the_same_number_of_queries_however_long(
    family: Family,
) -> None:
    from samhandling.audit import services as audit

    client = client_for(family.guardian_user)
    url = f"/portal/people/{family.child.pk}/access-log/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(40):
        audit.record(family.teacher_actor, "view", family.child, purpose="search")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@translation.override("en")
def test_plain_words_for_why_someone_could_read() -> None:
    assert str(access_why({"reason": "coordinator of the case"})) == "is your coordinator"
    assert str(access_why({"reason": "shared under consent 7"})) == "your consent"
    assert str(access_why({"reason": "shared under legal basis bvl_13_2"})) == "a law allows it"
    assert str(access_why({"reason": "guardian of a child under 16"})) == "a guardian"
    assert str(access_why({"reason": "your own data"})) == "you yourself"
    assert str(access_why({"reason": "emergency: something", "emergency_access": True})) == (
        "emergency access"
    )
    assert str(access_why({"reason": "x", "outcome": "refused"})) == "not allowed"


# --- my data to take away -------------------------------------------------------------------


def _ready_export(client: Client, person: Person) -> DataExport:
    response = client.post("/portal/my-data/new/", {"person_id": person.pk})
    export = DataExport.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/portal/my-data/{export.pk}/"
    page = client.get(f"/portal/my-data/{export.pk}/")
    assert 'hx-trigger="every 2s"' in text(page) and "<progress" in text(page)
    assert build_data_export.call(str(export.pk), "en") == "ready"
    export.refresh_from_db()
    return export


def test_the_family_gets_a_copy_of_their_data_to_download_and_print(family: Family) -> None:
    family.entry(family.teacher, family_visible=True)
    client = client_for(family.guardian_user)
    assert "Make a copy of the data about Sofie Hansen" in text(client.get("/portal/my-data/"))
    export = _ready_export(client, family.child)

    fragment = client.get(f"/portal/my-data/{export.pk}/progress/")
    assert "hx-trigger" not in text(fragment) and "The copy is ready" in text(fragment)
    download = client.get(f"/portal/my-data/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == ('attachment; filename="samhandling-0-24-data.json"')
    assert "no-store" in download["Cache-Control"]
    assert json.loads(download.content)["about"]["given_name"] == "Sofie"
    printed = client.get(f"/portal/my-data/{export.pk}/print/")
    assert printed.status_code == 200 and "Who has read the information" in text(printed)
    assert AuditEvent.objects.filter(object_type="portal.dataexport", action="export").count() == 2


def test_an_expired_copy_is_gone(family: Family) -> None:
    client = client_for(family.guardian_user)
    export = _ready_export(client, family.guardian)
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(f"/portal/my-data/{export.pk}/download/")
    assert response.status_code == 410 and "Ask for a new copy" in text(response)


def test_nobody_opens_another_persons_copy(
    family: Family, make_person: Callable[..., Person], make_citizen: Callable[..., User]
) -> None:
    export = _ready_export(client_for(family.guardian_user), family.guardian)
    stranger = client_for(make_citizen(make_person("Stian", "Fremmed", born=years_ago(40))))
    for path in ("", "progress/", "download/", "print/"):
        assert stranger.get(f"/portal/my-data/{export.pk}/{path}").status_code == 404
    assert stranger.post("/portal/my-data/new/", {"person_id": family.child.pk}).status_code == 404


# --- demo sign-in ---------------------------------------------------------------------------


def test_the_demo_sign_in_does_not_exist_outside_demo_mode(family: Family) -> None:
    assert Client().get("/portal/demo-sign-in/").status_code == 404
    response = Client().post("/portal/demo-sign-in/", {"user_id": family.guardian_user.pk})
    assert response.status_code == 404


def test_the_demo_sign_in_lists_the_families_and_signs_one_in(
    family: Family, settings: Any
) -> None:
    settings.DEMO_MODE = True
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/portal/demo-sign-in/")
    assert page.status_code == 200
    assert [user for user, _ in page.context["citizens"]] == [family.guardian_user]
    assert "guardian of a child of 12" in text(page)

    response = client.post("/portal/demo-sign-in/", {"user_id": family.guardian_user.pk})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor_id=family.guardian_user.pk).exists()
    # A professional cannot be signed in this way.
    assert Client().post("/portal/demo-sign-in/", {"user_id": family.teacher.pk}).status_code == 404


def bokmål(text: str) -> str:
    """What the page says for an English msgid (the UI's default language is bokmål)."""
    with translation.override("nb"):
        return translation.gettext(text)
