"""The case pages: a concern opens a case, the relay log, team, consent, level, closing."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone
from tests.coordination.casework import Casework

from samhandling.access.models import EmergencyAccess
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import Case, IncomingConcern, LogEntry, TeamMember
from samhandling.coordination.selectors import LOG_PAGE_SIZE
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Sector
from samhandling.people.models import Person

ClientFor = Callable[[User], Client]


def concern_data(**fields: Any) -> dict[str, Any]:
    data = {
        "text": "Kommer sulten på skolen hver dag",
        "childs_words": "Det er aldri mat hjemme",
        "observed_on": "2026-11-20",
    }
    data.update(fields)
    return data


# --- a concern opens a case ---------------------------------------------------------------------


def test_recording_a_concern_about_a_new_child_opens_a_case_and_shows_the_case_page(
    teacher: User, client_for: ClientFor
) -> None:
    client = client_for(teacher)
    response = client.post(
        "/work/concern/",
        concern_data(given_name="Nora", family_name="Nyregistrert", date_of_birth="2015-03-04"),
    )
    person = Person.objects.get(given_name="Nora", family_name="Nyregistrert")
    case = Case.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == f"/work/cases/{case.pk}/"
    assert "Nora" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Nora Nyregistrert" in page
    assert "Kommer sulten på skolen hver dag" in page
    assert "Det er aldri mat hjemme" in page
    assert "In the child&#x27;s own words" in page or "In the child's own words" in page
    assert case.coordinator == teacher


def test_the_concern_form_takes_the_child_from_the_search_by_id(
    make_person: Callable[..., Person], teacher: User, client_for: ClientFor
) -> None:
    child = make_person("Funnet", "Isøket")
    client = client_for(teacher)
    form = client.get(f"/work/concern/?person={child.pk}")
    assert "Funnet Isøket" in form.content.decode()
    response = client.post("/work/concern/", concern_data(person=child.pk))
    case = Case.objects.get(person=child)
    assert response["Location"] == f"/work/cases/{case.pk}/"


def test_a_possible_duplicate_is_proposed_instead_of_registering_a_second_person(
    make_person: Callable[..., Person], teacher: User, client_for: ClientFor
) -> None:
    existing = make_person("Ola", "Dobbelt", born=datetime.date(2013, 6, 1))
    client = client_for(teacher)
    typed = concern_data(given_name="Ola", family_name="Dobbelt", date_of_birth="2013-06-01")
    proposal = client.post("/work/concern/", typed)
    body = proposal.content.decode()
    assert proposal.status_code == 200
    assert "Is it one of these?" in body
    assert f'name="use_person" value="{existing.pk}"' in body
    assert "Kommer sulten på skolen hver dag" in body  # what was typed is kept
    assert Person.objects.filter(family_name="Dobbelt").count() == 1
    assert not Case.objects.filter(person=existing).exists()

    chosen = client.post("/work/concern/", {**typed, "use_person": existing.pk})
    assert chosen.status_code == 302
    assert Person.objects.filter(family_name="Dobbelt").count() == 1
    assert Case.objects.filter(person=existing).count() == 1


def test_a_confirmed_new_child_is_registered_despite_a_namesake(
    make_person: Callable[..., Person], teacher: User, client_for: ClientFor
) -> None:
    make_person("Ola", "Navnesen", born=datetime.date(2013, 6, 1))
    typed = concern_data(given_name="Ola", family_name="Navnesen", date_of_birth="2013-06-01")
    response = client_for(teacher).post("/work/concern/", {**typed, "confirm_new": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(family_name="Navnesen").count() == 2


def test_a_concern_without_a_child_gets_field_messages(
    teacher: User, client_for: ClientFor
) -> None:
    response = client_for(teacher).post("/work/concern/", concern_data())
    assert response.status_code == 400
    assert "Write the child&#x27;s given name." in response.content.decode()


def test_a_second_professionals_concern_is_forwarded_and_the_sender_sees_only_a_confirmation(
    casework: Casework, client_for: ClientFor
) -> None:
    nurse = client_for(casework.nurse)
    response = nurse.post(
        "/work/concern/", concern_data(person=casework.child.pk, text="Mye fravær hos meg")
    )
    assert response.status_code == 302
    assert response["Location"] == "/work/concern/sent/"
    confirmation = nurse.get(response["Location"]).content.decode()
    assert "The concern is registered. The services around the child will follow it up." in (
        confirmation
    )
    assert "Sofie" not in confirmation
    assert f"/work/cases/{casework.case.pk}/" not in confirmation
    assert nurse.get(f"/work/cases/{casework.case.pk}/").status_code == 404
    assert IncomingConcern.objects.filter(case=casework.case).count() == 1

    coordinator_page = client_for(casework.teacher).get(f"/work/cases/{casework.case.pk}/")
    assert "New concerns from other services" in coordinator_page.content.decode()
    assert "Invite the sender into the team" in coordinator_page.content.decode()


def test_the_concern_of_a_child_with_no_case_looks_the_same_as_one_with_a_case(
    casework: Casework, make_person: Callable[..., Person], client_for: ClientFor
) -> None:
    """Opening a new case leads to the case page, which is the sender's own; a forwarded one
    leads to the neutral page: neither says whether the other services knew the child."""
    nurse = client_for(casework.nurse)
    forwarded = nurse.post("/work/concern/", concern_data(person=casework.child.pk))
    assert "Sofie" not in nurse.get(forwarded["Location"]).content.decode()


# --- relay log ----------------------------------------------------------------------------------


def conversation(**fields: str) -> dict[str, Any]:
    """The relay log form's fields for today's conversation with Sofie, shared with the team."""
    return {
        "log-kind": LogEntry.Kind.CONVERSATION,
        "log-occurred_on": timezone.localdate().isoformat(),
        "log-text": "Samtale med Sofie om friminuttene",
        "log-visibility": "team",
        **fields,
    }


def test_adding_a_log_entry_shows_it_first_in_the_relay_log(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    response = client.post(
        f"/work/cases/{casework.case.pk}/log/",
        conversation(**{"log-childs_words": "Jeg er alene i friminuttene"}),
    )
    assert response.status_code == 302
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    assert page.index("Samtale med Sofie om friminuttene") < page.index("Sleeps in class")
    assert "Jeg er alene i friminuttene" in page


def test_a_log_entry_shared_with_named_sectors_needs_the_sectors(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/log/",
        {
            "log-kind": "note",
            "log-occurred_on": "2026-11-01",
            "log-text": "Notat",
            "log-visibility": "sectors",
        },
    )
    assert response.status_code == 400
    assert "Name the sectors that may see the entry." in response.content.decode()


HTMX = {"HTTP_HX_REQUEST": "true"}


def log_section(html: str) -> str:
    """The relay log's <section> of a page, without its CSRF field (masked anew each time)."""
    found = re.search(r'<section id="log".*?</section>', html, re.S)
    assert found, "no relay log section"
    return re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">', "", found[0])


def test_adding_a_log_entry_with_htmx_answers_with_the_relay_log_section_in_place(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    response = client.post(f"/work/cases/{casework.case.pk}/log/", conversation(), **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    entry = LogEntry.objects.get(text="Samtale med Sofie om friminuttene")
    assert fragment.index("Samtale med Sofie om friminuttene") < fragment.index("Sleeps in class")
    assert 'role="status" tabindex="-1" autofocus>The entry is added to the relay log.' in fragment
    assert (
        "Samtale med Sofie" not in fragment[fragment.index("<textarea") :].split("</textarea>")[0]
    )
    assert 'hx-post="/work/cases/' in fragment and 'hx-target="#log"' in fragment
    # What the section shows is what the case page's section shows, but for the message; the
    # message is not kept for the next page as the redirect's is.
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    shown = re.sub(r'\s*<div class="ds-alert" data-color="success"[^>]*>[^<]*</div>', "", fragment)
    assert log_section(shown) == log_section(page)
    assert "The entry is added to the relay log." not in page
    # The new entry, shown, is a read in the audit log as on the case page.
    assert AuditEvent.objects.filter(
        actor_id=casework.teacher.pk, action="view", purpose="relay log",
        object_type="coordination.logentry", object_id=str(entry.pk),
    ).exists()  # fmt: skip


def test_a_refused_log_entry_with_htmx_comes_back_as_422_with_its_messages_and_adds_nothing(
    casework: Casework, client_for: ClientFor
) -> None:
    before = LogEntry.objects.count()
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/log/",
        {"log-kind": "note", "log-occurred_on": "2026-11-01", "log-text": "Notat <b>fet</b>",
         "log-visibility": "sectors"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422  # htmx swaps a 422 in (base.html's htmx-config)
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<section")
    assert 'role="alert" tabindex="-1" autofocus>The entry was not added.' in fragment
    assert "Name the sectors that may see the entry." in fragment
    assert "Notat &lt;b&gt;fet&lt;/b&gt;</textarea>" in fragment  # kept, and escaped
    assert '<details class="ds-details" open>' in fragment
    assert LogEntry.objects.count() == before


def test_adding_a_log_entry_with_htmx_in_norwegian(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    client.cookies["django_language"] = "nb"
    response = client.post(
        f"/work/cases/{casework.case.pk}/log/",
        {"log-kind": "note", "log-occurred_on": "2026-11-01", "log-visibility": "team"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Oppføringen ble ikke lagt til." in response.content.decode()


def test_htmx_cannot_add_to_the_relay_log_of_a_case_one_may_not_see(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.adviser).post(
        f"/work/cases/{casework.case.pk}/log/",
        {"log-kind": "note", "log-occurred_on": "2026-11-01", "log-text": "Notat",
         "log-visibility": "team"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 404
    assert not LogEntry.objects.filter(text="Notat").exists()


def test_a_correction_shows_the_earlier_text_in_the_history(
    casework: Casework, client_for: ClientFor
) -> None:
    entry = services.add_log_entry(
        casework.case, by=actor_for(casework.teacher), kind="observation", text="Feil tekst"
    )
    client = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/log/{entry.pk}/correct/"
    assert "Feil tekst" in client.get(url).content.decode()
    response = client.post(url, {"text": "Riktig tekst", "childs_words": ""})
    assert response.status_code == 302
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    assert "Riktig tekst" in page
    details = page[page.index("Riktig tekst") :]
    assert "<details" in details[:3000] and "Feil tekst" in details[:3000]
    assert "1 earlier version" in page


def test_only_the_authors_service_may_correct_an_entry(
    casework: Casework, client_for: ClientFor
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    entry = services.add_log_entry(
        casework.case, by=actor_for(casework.teacher), kind="observation", text="Skolens notat"
    )
    url = f"/work/cases/{casework.case.pk}/log/{entry.pk}/correct/"
    assert client_for(casework.nurse).post(url, {"text": "Endret"}).status_code == 404


# --- team and consent ---------------------------------------------------------------------------


def test_adding_a_service_without_consent_gives_a_field_error(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/team/",
        {"team-organisation": casework.health.pk, "team-user": "nurse"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "No valid consent or legal basis lets this service in." in body
    assert 'id="id_team-organisation_error"' in body
    assert not TeamMember.objects.filter(case=casework.case, organisation=casework.health).exists()


def test_a_service_of_another_municipality_is_not_a_choice_on_any_case_form(
    casework: Casework, client_for: ClientFor, porsgrunn: Region
) -> None:
    elsewhere = Organisation.objects.create(
        name="Helsestasjonen i Porsgrunn",
        kind=Organisation.Kind.SERVICE,
        municipality=porsgrunn,
        sector=Sector.SCHOOL_HEALTH,
    )
    client = client_for(casework.teacher)
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    assert f'value="{casework.health.pk}"' in page and elsewhere.name not in page
    case_url = f"/work/cases/{casework.case.pk}"
    posts = {
        f"{case_url}/team/": {"team-organisation": elsewhere.pk, "team-user": "nurse"},
        f"{case_url}/consents/": {
            "consent-given_by": casework.mother.pk, "consent-form": "written",
            "consent-purpose": "Samarbeid", "consent-sectors": [Sector.SCHOOL],
            "consent-services": [casework.school.pk, elsewhere.pk],
            "consent-valid_from": timezone.localdate().isoformat(),
        },
        f"{case_url}/legal-basis/": {"basis-law": "hpl_33", "basis-description": "Samarbeid",
                                     "basis-to_service": elsewhere.pk,
                                     "basis-sectors": [Sector.SCHOOL],
                                     "basis-valid_from": timezone.localdate().isoformat()},
    }  # fmt: skip
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert "Select a valid choice" in response.content.decode(), url
    assert not TeamMember.objects.filter(organisation=elsewhere).exists()
    assert not casework.case.consents.filter(services=elsewhere).exists()


def test_adding_a_service_with_a_recorded_consent_works(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    recorded = client.post(
        f"/work/cases/{casework.case.pk}/consents/",
        {
            "consent-given_by": casework.mother.pk,
            "consent-form": "written",
            "consent-purpose": "Skolehelse og skole samarbeider",
            "consent-sectors": [Sector.SCHOOL, Sector.SCHOOL_HEALTH],
            "consent-services": [casework.school.pk, casework.health.pk],
            "consent-valid_from": timezone.localdate().isoformat(),
        },
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    added = client.post(
        f"/work/cases/{casework.case.pk}/team/",
        {"team-organisation": casework.health.pk, "team-user": "nurse"},
    )
    assert added.status_code == 302
    assert client_for(casework.nurse).get(f"/work/cases/{casework.case.pk}/").status_code == 200


def test_a_consent_from_someone_who_cannot_give_it_gets_a_field_error(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/consents/",
        {
            "consent-given_by": casework.child.pk,
            "consent-form": "oral",
            "consent-purpose": "Samarbeid",
            "consent-sectors": [Sector.SCHOOL],
            "consent-services": [casework.school.pk, casework.health.pk],
            "consent-valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "A child under 16 is represented by a guardian." in response.content.decode()


def test_withdrawing_a_consent_hides_the_health_entry_from_the_school_at_once(
    casework: Casework, client_for: ClientFor
) -> None:
    consent = casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    services.add_log_entry(
        casework.case,
        by=actor_for(casework.nurse),
        kind="observation",
        text="Helseopplysning om Sofie",
    )
    teacher = client_for(casework.teacher)
    page = f"/work/cases/{casework.case.pk}/"
    assert "Helseopplysning om Sofie" in teacher.get(page).content.decode()

    response = teacher.post(f"/work/consents/{consent.pk}/withdraw/", {"reason": "Mor trakk"})
    assert response.status_code == 302
    after = teacher.get(page).content.decode()
    assert "Helseopplysning om Sofie" not in after
    assert "1 entry is not shown to you." in after
    assert "Withdrawn" in after


# --- level, closing, reopening ------------------------------------------------------------------


def test_changing_the_level_records_it_in_the_history(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    response = client.post(
        f"/work/cases/{casework.case.pk}/level/",
        {"level-level": 2, "level-reason": "Helse trengs", "level-expected_version": 1},
    )
    assert response.status_code == 302
    casework.case.refresh_from_db()
    assert casework.case.level == 2
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    assert "Helse trengs" in page and "Level history" in page


def test_a_level_change_from_a_stale_page_gets_a_conflict_that_keeps_the_reason(
    casework: Casework, client_for: ClientFor
) -> None:
    services.change_level(
        casework.case, by=actor_for(casework.teacher), level=1, reason="Først", expected_version=1
    )
    response = client_for(casework.teacher).post(
        f"/work/cases/{casework.case.pk}/level/",
        {"level-level": 3, "level-reason": "Mitt skrevne grunnlag", "level-expected_version": 1},
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed the case" in body
    assert "Mitt skrevne grunnlag" in body
    assert 'name="level-expected_version" value="2"' in body
    casework.case.refresh_from_db()
    assert casework.case.level == 1


def test_closing_a_level_3_case_needs_the_service_leaders_approval(
    casework: Casework, client_for: ClientFor
) -> None:
    services.change_level(casework.case, by=actor_for(casework.teacher), level=3, reason="Mange")
    teacher = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    assert teacher.post(f"{url}close/", {"close-reason": "Målene er nådd"}).status_code == 302
    casework.case.refresh_from_db()
    assert casework.case.status == Case.Status.CLOSING
    assert "awaits a service leader" in teacher.get(url).content.decode()
    assert teacher.post(f"{url}approve-close/").status_code == 403
    casework.case.refresh_from_db()
    assert casework.case.status == Case.Status.CLOSING

    leader = client_for(casework.leader)
    review = leader.get("/work/review/").content.decode()
    assert "Sofie Testesen" in review
    response = leader.post(f"{url}approve-close/", {"next": "/work/review/"})
    assert response["Location"] == "/work/review/"
    casework.case.refresh_from_db()
    assert casework.case.status == Case.Status.CLOSED


def test_a_level_0_case_closes_at_once_and_a_member_may_reopen_it(
    casework: Casework, client_for: ClientFor
) -> None:
    teacher = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    teacher.post(f"{url}close/", {"close-reason": "Avklart"})
    casework.case.refresh_from_db()
    assert casework.case.status == Case.Status.CLOSED
    assert teacher.post(f"{url}reopen/", {"reopen-reason": "Ny bekymring"}).status_code == 302
    casework.case.refresh_from_db()
    assert casework.case.status == Case.Status.OPEN


# --- coordinator handover -----------------------------------------------------------------------


def test_the_successor_accepts_the_coordinator_role_on_the_case_page(
    casework: Casework, client_for: ClientFor
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    member = TeamMember.objects.get(case=casework.case, user=casework.nurse)
    teacher = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    teacher.post(f"{url}coordinator/", {"coordinator-member": member.pk})
    nurse = client_for(casework.nurse)
    page = nurse.get(url).content.decode()
    assert "Accept the coordinator role" in page
    handover = casework.case.handovers.get()
    assert nurse.post(f"/work/handovers/{handover.pk}/answer/", {"answer": "accept"})
    casework.case.refresh_from_db()
    assert casework.case.coordinator == casework.nurse


# --- emergency access ---------------------------------------------------------------------------


def test_emergency_access_by_exact_identity_number_opens_the_case_with_a_banner(
    casework: Casework, client_for: ClientFor
) -> None:
    nurse = client_for(casework.nurse)
    response = nurse.post(
        "/work/emergency/",
        {"national_id": casework.child.national_id, "reason": "Akutt skade i skolegården"},
    )
    assert response.status_code == 302
    assert casework.child.national_id not in response["Location"]
    page = nurse.get(response["Location"]).content.decode()
    assert "You opened this case with emergency access." in page
    assert 'action="/work/cases/' not in page.split("Relay log")[-1].split("Team around")[0]
    assert EmergencyAccess.objects.filter(case=casework.case, user=casework.nurse).exists()


def test_emergency_access_needs_a_reason(casework: Casework, client_for: ClientFor) -> None:
    response = client_for(casework.nurse).post(
        "/work/emergency/", {"national_id": casework.child.national_id, "reason": "kort"}
    )
    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()


# --- people pages -------------------------------------------------------------------------------


def test_search_results_link_to_the_person_only_with_a_case_and_offer_a_concern(
    casework: Casework, make_person: Callable[..., Person], client_for: ClientFor
) -> None:
    stranger = make_person("Ukjent", "Testesen")
    body = client_for(casework.teacher).post("/people/", {"query": "Testesen"}).content.decode()
    assert f'href="/people/{casework.child.pk}/"' in body
    assert f'href="/people/{stranger.pk}/"' not in body
    assert f'name="person" value="{stranger.pk}"' in body
    assert 'action="/work/concern/"' in body


def test_the_person_page_lists_the_actors_cases(casework: Casework, client_for: ClientFor) -> None:
    body = client_for(casework.teacher).get(f"/people/{casework.child.pk}/").content.decode()
    assert f'href="/work/cases/{casework.case.pk}/"' in body


# --- the outsider and the query count -----------------------------------------------------------


def test_the_outsider_gets_404_on_every_case_url(
    casework: Casework, outsider: User, client_for: ClientFor
) -> None:
    teacher = actor_for(casework.teacher)
    case = casework.case
    consent = casework.consent(casework.health)
    entry = LogEntry.objects.filter(case=case).first()
    assert entry is not None
    meeting = services.schedule_meeting(case, by=teacher, starts_at=timezone.now())
    services.record_minutes(
        meeting,
        by=teacher,
        minutes="Referat",
        actions=[services.AgreedAction("Ring mor", casework.school, timezone.localdate())],
    )
    task = case.tasks.get()
    referral = services.refer(
        case, by=teacher, to_service=casework.health, reason="Helse", consent=consent
    )
    transition = services.plan_transition(
        case, by=teacher, kind="lower_upper", planned_for=timezone.localdate()
    )
    goal = services.add_goal(case.plan, by=teacher, title="Mål")
    measure = services.add_measure(
        case.plan,
        by=teacher,
        title="Tiltak",
        responsible_service=casework.school,
        starts=timezone.localdate(),
    )
    member = TeamMember.objects.filter(case=case).first()
    assert member is not None
    c = f"/work/cases/{case.pk}"
    pages = [
        f"{c}/",
        f"{c}/plan/",
        f"{c}/plan/print/",
        f"/work/meetings/{meeting.pk}/",
        f"/work/referrals/{referral.pk}/",
        f"{c}/log/{entry.pk}/correct/",
    ]
    actions = [
        f"{c}/log/",
        f"{c}/log/{entry.pk}/correct/",
        f"{c}/level/",
        f"{c}/close/",
        f"{c}/approve-close/",
        f"{c}/reopen/",
        f"{c}/team/",
        f"{c}/team/{member.pk}/remove/",
        f"{c}/family/",
        f"{c}/coordinator/",
        f"{c}/consents/",
        f"/work/consents/{consent.pk}/withdraw/",
        f"{c}/legal-basis/",
        f"{c}/plan/summary/",
        f"{c}/plan/goals/",
        f"{c}/plan/measures/",
        f"{c}/plan/measures/{measure.pk}/status/",
        f"{c}/plan/goals/{goal.pk}/status/",
        f"{c}/plan/evaluations/",
        f"{c}/meetings/",
        f"/work/meetings/{meeting.pk}/minutes/",
        f"/work/tasks/{task.pk}/done/",
        f"{c}/referrals/",
        f"/work/referrals/{referral.pk}/accept/",
        f"/work/referrals/{referral.pk}/decline/",
        f"{c}/transitions/",
        f"/work/transitions/{transition.pk}/checklist/",
        f"/work/transitions/{transition.pk}/done/",
    ]
    client = client_for(outsider)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in actions:
        assert client.post(url, {"index": 0, "answer": "accept"}).status_code == 404, url
    case.refresh_from_db()
    assert case.level == 0 and case.status == Case.Status.OPEN


def _log_entries(casework: Casework, count: int) -> None:
    teacher = actor_for(casework.teacher)
    for i in range(count):
        services.add_log_entry(
            casework.case,
            by=teacher,
            kind="note",
            text=f"Notat {i}",
            childs_words="Ord" if i % 2 else "",
        )


CASE_PAGE_QUERIES = 50


def test_the_case_page_costs_the_same_number_of_queries_for_5_and_40_entries(
    casework: Casework, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    client = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    client.get(url)
    _log_entries(casework, 5)
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    _log_entries(casework, 35)
    for number in (1, 2):  # 40 entries: two full pages of the relay log
        with django_assert_max_num_queries(CASE_PAGE_QUERIES):
            page = client.get(url, {"page": number})
        assert page.content.decode().count("Notat ") >= LOG_PAGE_SIZE


def test_what_people_type_is_shown_escaped_on_the_case_page_and_my_work(
    teacher: User, client_for: ClientFor
) -> None:
    """The bodies of these pages are Jinja2 templates (decision 0006): autoescaped as Django's."""
    hostile = '<script>alert("x")</script> & <b>'
    client = client_for(teacher)
    response = client.post(
        "/work/concern/",
        concern_data(given_name="Nora<i>", family_name="Escape", date_of_birth="2015-03-04",
                     text=hostile, childs_words=hostile),
    )  # fmt: skip
    case = Case.objects.get(person__family_name="Escape")
    actor = actor_for(teacher)
    services.record_minutes(
        services.schedule_meeting(case, by=actor, starts_at=timezone.now(), place=hostile),
        by=actor,
        minutes="Referat",
        actions=[
            services.AgreedAction(
                hostile, actor.organisation, timezone.localdate(), assignee=teacher
            )
        ],  # fmt: skip
    )
    for page in (client.get(response["Location"]), client.get("/work/")):
        body = page.content.decode()
        assert "<script>" not in body and "<b>" not in body and "Nora<i>" not in body
        assert "&lt;script&gt;" in body and "Nora&lt;i&gt;" in body


def test_the_case_page_masks_its_csrf_token_once_for_all_its_forms(
    casework: Casework, client_for: ClientFor
) -> None:
    """Its body is Jinja2 (decision 0006); Django's {% csrf_token %} masks the token once per
    page, and so does {% jinja_body %}: one mask, however many forms."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(casework.teacher)
    page = client.get(f"/work/cases/{casework.case.pk}/").content.decode()
    body = page.split('<main id="main"', 1)[1]
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert len(tokens) > 5
    assert len(set(tokens)) == 1
    # the layout's own (the sign-out form, htmx's header) is that same one: one mask a page
    layout = re.findall(r'csrfmiddlewaretoken" value="([^"]+)"|"X-CSRFToken": "([^"]+)"',
                        page.split('<main id="main"', 1)[0])  # fmt: skip
    assert {found for pair in layout for found in pair if found} == set(tokens)
    answer = client.post(f"/work/cases/{casework.case.pk}/log/", {
        "csrfmiddlewaretoken": tokens[0], "log-kind": "observation",
        "log-occurred_on": "2026-01-05", "log-text": "Med sidens nøkkel.", "log-visibility": "team",
    })  # fmt: skip
    assert answer.status_code == 302
