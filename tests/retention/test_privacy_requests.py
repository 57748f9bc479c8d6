"""Erasure (GDPR art. 17) and restriction (art. 18) requests: registered by the municipality,
decided by its system administrator, every step audited; a granted erasure deletes through the
retention code unless a duty to keep the records refuses it."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from tests.retention.town import Town

from samhandling.access import policy
from samhandling.accounts.models import CitizenIdentity, User
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.coordination.models import Case
from samhandling.organisations.actors import actor_for
from samhandling.people.models import FamilyRelation, Person
from samhandling.retention import rules, services
from samhandling.retention.models import PrivacyRequest

ERASURE, RESTRICTION = PrivacyRequest.Kind.ERASURE, PrivacyRequest.Kind.RESTRICTION


def events_since(sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence"))


def head() -> int:
    return ChainHead.objects.get(pk=1).sequence


@pytest.fixture
def closed_child(town: Town) -> tuple[Person, Person, Case]:
    """A child whose case closed last month, with a guardian."""
    child, guardian = town.family()
    case = town.close(town.fill(town.case_for(child), guardian))
    return child, guardian, case


def test_a_professional_registers_a_request_and_the_registration_is_audited(
    town: Town, closed_child: tuple[Person, Person, Case]
) -> None:
    child, _, _ = closed_child
    before = head()
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    assert (request.person, request.person_number, request.municipality) == (
        child,
        child.pk,
        town.skien,
    )
    assert request.registered_by == town.teacher and not request.is_decided
    [event] = events_since(before)
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "retention.privacyrequest",
        str(request.pk),
    )
    assert (event.person_id, event.purpose, event.outcome) == (child.pk, "erasure", "granted")
    assert "Ønsker" not in event.content()  # the grounds stay in the request, not the log


def test_a_professional_of_another_municipality_cannot_register_one(
    town: Town, closed_child: tuple[Person, Person, Case], outsider: User
) -> None:
    child, _, _ = closed_child
    before = head()
    with pytest.raises(PermissionDenied):
        services.register_request(child, by=actor_for(outsider), kind=ERASURE, reason="x")
    assert not PrivacyRequest.objects.exists()
    [event] = events_since(before)
    assert (event.outcome, event.reason) == ("refused", "person belongs to another municipality")


def test_only_a_system_administrator_of_the_persons_municipality_decides(
    town: Town, closed_child: tuple[Person, Person, Case]
) -> None:
    child, _, case = closed_child
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    for user in (town.teacher, town.porsgrunn_admin):
        before = head()
        with pytest.raises(PermissionDenied):
            services.decide_request(request, by=actor_for(user), granted=True)
        [event] = events_since(before)
        assert event.outcome == "refused" and event.object_id == str(request.pk)
    request.refresh_from_db()
    assert not request.is_decided
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_granted_erasure_deletes_the_person_with_their_closed_case_and_keeps_the_request(
    town: Town, closed_child: tuple[Person, Person, Case]
) -> None:
    child, guardian, case = closed_child
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    before = head()
    decided = services.decide_request(request, by=town.actor(town.admin), granted=True)
    assert decided.decision == PrivacyRequest.Decision.GRANTED
    assert not Person.objects.filter(pk=child.pk).exists()
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not FamilyRelation.objects.filter(person_id=child.pk).exists()
    assert Person.objects.filter(pk=guardian.pk).exists()  # only who asked is erased
    stored = PrivacyRequest.objects.get(pk=request.pk)
    assert (stored.person, stored.person_number, stored.decided_by) == (None, child.pk, town.admin)
    deletions = [e for e in events_since(before) if e.action == "delete"]
    assert [(e.object_type, e.object_id) for e in deletions] == [
        ("coordination.case", str(case.pk)),
        ("people.person", str(child.pk)),
    ]
    for event in deletions:
        assert event.reason == f"erasure request {request.pk} granted"
        assert (event.actor_id, event.actor_role) == (town.admin.pk, "system_admin")
    assert events_since(before)[-1].reason == "request granted"
    assert audit.verify_chain().intact


def test_an_erasure_is_refused_while_the_person_has_an_open_case(town: Town) -> None:
    child, _ = town.family()
    case = town.case_for(child)
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    before = head()
    decided = services.decide_request(request, by=town.actor(town.admin), granted=True)
    assert decided.decision == PrivacyRequest.Decision.REFUSED
    assert decided.decision_reason == "the person has an open case"
    assert Case.objects.filter(pk=case.pk).exists() and Person.objects.filter(pk=child.pk).exists()
    assert events_since(before)[-1].reason == "request refused: the person has an open case"


def test_an_erasure_is_refused_when_child_welfare_took_part_in_the_case(town: Town) -> None:
    """Child welfare records must be kept (and deposited in the municipality's archive)."""
    child, _ = town.family()
    case = town.case_for(child)
    town.involve_child_welfare(case)
    town.close(case)
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    decided = services.decide_request(request, by=town.actor(town.admin), granted=True)
    assert decided.decision == PrivacyRequest.Decision.REFUSED
    assert "child welfare" in decided.decision_reason
    assert Case.objects.filter(pk=case.pk).exists()


def test_an_erasure_of_a_guardian_whose_child_has_a_case_is_refused(
    town: Town, closed_child: tuple[Person, Person, Case]
) -> None:
    _, guardian, _ = closed_child
    request = services.register_request(guardian, by=town.t, kind=ERASURE, reason="Slett meg")
    decided = services.decide_request(request, by=town.actor(town.admin), granted=True)
    assert decided.decision == PrivacyRequest.Decision.REFUSED
    assert decided.decision_reason == rules.erasure_duties(guardian)[0]
    assert "another child's" in decided.decision_reason
    assert Person.objects.filter(pk=guardian.pk).exists()


def test_refusing_needs_a_reason_and_a_request_is_decided_once(
    town: Town, closed_child: tuple[Person, Person, Case]
) -> None:
    child, _, _ = closed_child
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    admin = town.actor(town.admin)
    with pytest.raises(ValidationError):
        services.decide_request(request, by=admin, granted=False)
    decided = services.decide_request(request, by=admin, granted=False, reason="Arkivplikt")
    assert (decided.decision, decided.decision_reason) == ("refused", "Arkivplikt")
    with pytest.raises(ValidationError):
        services.decide_request(request, by=admin, granted=True)
    assert Person.objects.filter(pk=child.pk).exists()


def test_an_erasure_closes_the_citizen_account_when_no_person_with_the_number_is_left(
    town: Town, closed_child: tuple[Person, Person, Case], make_citizen: Callable[..., User]
) -> None:
    child, _, _ = closed_child
    account = make_citizen(child)
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    services.decide_request(request, by=town.actor(town.admin), granted=True)
    account.refresh_from_db()
    assert not CitizenIdentity.objects.filter(national_id=child.national_id).exists()
    assert (account.first_name, account.last_name, account.is_active) == ("", "", False)
    assert not account.has_usable_password()
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(account.pk))
    assert event.action == "update" and "citizen account closed" in event.reason


def test_a_granted_restriction_marks_the_person_and_holds_their_data_until_it_is_lifted(
    town: Town, retention_on: None
) -> None:
    child, guardian = town.family()
    case = town.close(town.case_for(child), years_ago=6)
    town.registered(child, guardian, years_ago=7)
    request = services.register_request(child, by=town.t, kind=RESTRICTION, reason="Bestrider")
    assert services.apply(dry_run=True).held_persons == {
        rules.HELD_PENDING_REQUEST: [child.pk]
    }  # a request not yet decided holds the person
    admin = town.actor(town.admin)
    services.decide_request(request, by=admin, granted=True)
    child.refresh_from_db()
    assert child.processing_restricted and child.processing_restricted_at is not None
    report = services.apply(dry_run=False)
    assert report.held_cases == {rules.HELD_RESTRICTED: [case.pk]}
    assert Case.objects.filter(pk=case.pk).exists()

    lifted = services.lift_restriction(request, by=admin)
    assert lifted.lifted_by == town.admin
    child.refresh_from_db()
    assert not child.processing_restricted
    assert services.apply(dry_run=True).cases == [case.pk]
    with pytest.raises(ValidationError):
        services.lift_restriction(request, by=admin)


def test_the_access_policy_refuses_ordinary_reads_of_a_person_whose_processing_is_restricted(
    town: Town,
) -> None:
    child, _ = town.family()
    case = town.case_for(child)
    assert policy.decide(town.t, "view", case)  # the teacher coordinates the case
    request = services.register_request(child, by=town.t, kind=RESTRICTION, reason="Bestrider")
    services.decide_request(request, by=town.actor(town.admin), granted=True)
    child.refresh_from_db()
    case.refresh_from_db()
    assert not policy.decide(town.t, "view", case)
    assert not policy.decide(town.t, "view", child)
    assert not policy.decide(town.t, "update", case)


# --- the Django admin ---------------------------------------------------------------------------


def test_the_admin_registers_lists_and_decides_the_requests_of_its_municipality_only(
    town: Town,
    closed_child: tuple[Person, Person, Case],
    signed_in: Callable[[User], Client],
) -> None:
    child, _, case = closed_child
    client = signed_in(town.admin)
    response = client.post(
        "/admin/retention/privacyrequest/add/",
        {"person_number": child.pk, "kind": ERASURE, "reason": "Ønsker sletting"},
    )
    assert response.status_code == 302, response.content
    request = PrivacyRequest.objects.get()
    assert request.registered_by == town.admin
    assert AuditEvent.objects.filter(
        action="create", object_type="retention.privacyrequest", object_id=str(request.pk)
    ).exists()

    listing = client.get("/admin/retention/privacyrequest/").content.decode()
    assert f"privacy request {request.pk}" in listing
    page = client.get(f"/admin/retention/privacyrequest/{request.pk}/change/").content.decode()
    for text in (listing, page):
        assert child.given_name not in text and child.family_name not in text
    other = signed_in(town.porsgrunn_admin)
    assert (
        f"privacy request {request.pk}"
        not in other.get("/admin/retention/privacyrequest/").content.decode()
    )

    response = client.post(
        f"/admin/retention/privacyrequest/{request.pk}/change/",
        {"decision": "granted", "decision_reason": ""},
    )
    assert response.status_code == 302, response.content
    assert not Person.objects.filter(pk=child.pk).exists()
    assert not Case.objects.filter(pk=case.pk).exists()
    request.refresh_from_db()
    assert (request.decision, request.decided_by) == ("granted", town.admin)
    decided = client.get(f"/admin/retention/privacyrequest/{request.pk}/change/")
    assert decided.status_code == 200 and "Ønsker sletting" in decided.content.decode()
    assert client.get("/admin/retention/privacyrequest/add/").status_code == 200


def test_the_admin_action_grants_and_says_when_a_duty_refused_the_erasure(
    town: Town, signed_in: Callable[[User], Client]
) -> None:
    child, _ = town.family()
    town.case_for(child)  # open
    request = services.register_request(child, by=town.t, kind=ERASURE, reason="Ønsker sletting")
    client = signed_in(town.admin)
    response = client.post(
        "/admin/retention/privacyrequest/",
        {"action": "grant", "_selected_action": [request.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "the person has an open case" in text
    request.refresh_from_db()
    assert request.decision == "refused"
    assert client.post(f"/admin/retention/privacyrequest/{request.pk}/delete/").status_code == 403


def test_a_system_administrator_may_register_too_and_a_pending_request_holds_the_person(
    town: Town,
) -> None:
    loner = town.make_person("Ensom", "Eneboer", born=datetime.date(2009, 1, 1))
    town.registered(loner, years_ago=3)
    services.register_request(loner, by=town.actor(town.admin), kind=ERASURE, reason="Slett")
    report = services.apply(dry_run=True)
    assert report.persons == []
    assert report.held_persons == {rules.HELD_PENDING_REQUEST: [loner.pk]}
