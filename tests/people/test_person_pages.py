import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.organisations.actors import Actor, actor_for
from samhandling.people import services
from samhandling.people.models import FamilyRelation, Person


@pytest.fixture
def child(make_person: Callable[..., Person], concern_by: Callable[..., Any]) -> Person:
    """A child the teacher has recorded a concern about (and so works with)."""
    person = make_person("Sofie", "Testesen")
    concern_by(person)
    return person


def test_a_professional_without_a_case_for_the_person_gets_404(
    make_person: Callable[..., Person], teacher: User, signed_in: Callable[[User], Client]
) -> None:
    stranger = make_person("Ukjent", "Barn")
    assert signed_in(teacher).get(f"/people/{stranger.pk}/").status_code == 404


def test_viewing_a_person_page_records_a_view_event(
    child: Person, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(teacher).get(f"/people/{child.pk}/")
    assert response.status_code == 200
    assert "Sofie Testesen" in response.content.decode()
    event = AuditEvent.objects.filter(action="view", person_id=child.pk).latest("sequence")
    assert event.actor_id == teacher.pk
    assert event.outcome == "granted"
    assert event.channel == "web"
    assert event.request_id == response["X-Request-ID"]


def test_a_professional_of_another_municipality_gets_404_and_a_refusal_is_recorded(
    child: Person, outsider: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(outsider).get(f"/people/{child.pk}/")
    assert response.status_code == 404
    event = AuditEvent.objects.filter(person_id=child.pk, actor_id=outsider.pk).latest("sequence")
    assert event.outcome == "refused"
    assert event.reason == "person belongs to another municipality"


def test_a_missing_person_and_a_forbidden_person_look_the_same(
    child: Person, outsider: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(outsider)
    forbidden = client.get(f"/people/{child.pk}/")
    missing = client.get("/people/999999/")
    assert forbidden.status_code == missing.status_code == 404
    # The same page, byte for byte, but for the CSRF token's random mask in the page's forms.
    token = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')
    # ... and the address itself, which the language switch repeats (to come back to it).
    same_forbidden = token.sub(rb"\1", forbidden.content).replace(f"/{child.pk}/".encode(), b"/ID/")
    same_missing = token.sub(rb"\1", missing.content).replace(b"/999999/", b"/ID/")
    assert same_forbidden == same_missing


def test_search_finds_by_name_within_the_municipality_only(
    child: Person, teacher: User, outsider: User, signed_in: Callable[[User], Client]
) -> None:
    mine = signed_in(teacher).post("/people/", {"query": "Testesen"})
    theirs = signed_in(outsider).post("/people/", {"query": "Testesen"})
    assert "Sofie Testesen" in mine.content.decode()
    assert "Sofie Testesen" not in theirs.content.decode()


def test_search_finds_by_identity_number(
    child: Person, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(teacher).post("/people/", {"query": child.national_id})
    assert "Sofie Testesen" in response.content.decode()


def test_search_is_posted_so_a_query_string_searches_nothing(
    child: Person, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(teacher).get("/people/", {"query": "Testesen"})
    assert "Sofie Testesen" not in response.content.decode()


def test_search_results_are_audited_with_the_search_purpose(
    child: Person, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    signed_in(teacher).post("/people/", {"query": "Testesen"})
    assert AuditEvent.objects.filter(person_id=child.pk, purpose="search").exists()


def test_a_too_short_query_gets_a_field_message(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    client.cookies["django_language"] = "en"
    response = client.post("/people/", {"query": "a"})
    assert response.status_code == 400
    assert "Type at least two characters." in response.content.decode()


def test_a_too_short_query_sent_by_htmx_comes_back_in_place_with_the_field_focused(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    client.cookies["django_language"] = "en"
    response = client.post("/people/", {"query": "a"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422  # what htmx swaps in (base.html); a 400 it would not
    assert response["HX-Retarget"] == response["HX-Reselect"] == "#main"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "Type at least two characters." in html
    field = re.search(r"<input[^>]*id=\"id_query\"[^>]*>", html)
    assert field and "autofocus" in field[0] and 'aria-invalid="true"' in field[0]
    # A search that is fine still answers with the results alone, and focuses nothing.
    found = client.post("/people/", {"query": "Testesen"}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and "autofocus" not in found.content.decode()


def test_the_list_of_search_results_uses_a_fixed_number_of_queries(
    make_person: Callable[..., Person],
    teacher: User,
    signed_in: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    """Showing a result costs no query of its own: the page and the API show the persons a
    search found (people.models.PersonFound) with as many queries for eleven as for one,
    besides the audit log's appends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(teacher)
    make_person("Anna", "Samme")

    def queries_outside_the_audit_log(path: str, **data: Any) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            if path.startswith("/api/"):
                response = client.post(path, data, content_type="application/json")
            else:
                response = client.post(path, data)
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries if "audit_" not in q["sql"]]

    for path in ("/people/", "/api/v1/persons/search"):
        queries_outside_the_audit_log(path, query="Samme")  # warm: caches filled
        one = queries_outside_the_audit_log(path, query="Samme")
        for i in range(10):
            make_person(f"Navn{i}", f"Samme{path[1]}")
        eleven = queries_outside_the_audit_log(path, query="Samme")
        assert len(eleven) == len(one), eleven
    # the session, the actor, the search; audit appends are per result (bounded by the limit)
    with django_assert_max_num_queries(12 + 4 * 20):
        client.post("/people/", {"query": "Samme"})


def test_registering_a_person_refuses_a_wrong_checksum_with_a_field_error(
    teacher_actor: Actor, skien: Any
) -> None:
    import datetime

    with pytest.raises(ValidationError) as caught:
        services.register_person(
            by=teacher_actor,
            given_name="A",
            family_name="B",
            date_of_birth=datetime.date(2012, 5, 17),
            municipality=skien,
            national_id="17851250000",
        )
    assert "national_id" in caught.value.message_dict


def test_a_professional_cannot_register_a_person_in_another_municipality(
    outsider: User, skien: Any
) -> None:
    import datetime

    with pytest.raises(PermissionDenied):
        services.register_person(
            by=actor_for(outsider),
            given_name="A",
            family_name="B",
            date_of_birth=datetime.date(2012, 5, 17),
            municipality=skien,
        )


def test_family_relations_are_shown_on_the_person_page(
    make_person: Callable[..., Person],
    teacher_actor: Actor,
    teacher: User,
    signed_in: Callable[[User], Client],
    concern_by: Callable[..., Any],
) -> None:
    import datetime

    child = make_person("Liten", "Familie")
    concern_by(child)
    mother = make_person("Mor", "Familie", born=datetime.date(1985, 1, 2))
    services.relate(
        child,
        by=teacher_actor,
        relative=mother,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    signed_in(teacher).cookies["django_language"] = "en"
    page = signed_in(teacher).get(f"/people/{child.pk}/").content.decode()
    assert "Mor Familie" in page
