"""The access rules, one behaviour per test, in the words of access/policy.py's docstring."""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from tests.access.world import World

from samhandling.access import policy
from samhandling.access.models import Consent, EmergencyAccess, LegalBasis
from samhandling.coordination import selectors, services
from samhandling.coordination.models import Notification, Visibility
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Sector

TEAM_SENSITIVE = [Sector.SCHOOL_HEALTH, Sector.CHILD_WELFARE]

# --- who sees the case ------------------------------------------------------------------------


def test_a_team_member_sees_the_case(world: World) -> None:
    assert policy.decide(world.actor("nurse"), "view", world.case)
    case, _access = selectors.get_case_for(world.actor("nurse"), world.case.pk)
    assert case == world.case


def test_the_coordinator_sees_the_case(world: World) -> None:
    assert policy.decide(world.teacher, "view", world.case).reason == "coordinator of the case"


def test_a_professional_in_the_same_municipality_outside_the_team_does_not(world: World) -> None:
    for name in ("colleague", "nav", "psychologist"):
        assert not policy.decide(world.actor(name), "view", world.case)
        assert not selectors.visible_cases(world.actor(name)).exists()
        with pytest.raises(Http404):
            selectors.get_case_for(world.actor(name), world.case.pk)


def test_the_service_leader_of_a_team_members_service_sees_the_case(world: World) -> None:
    for name in ("leader", "cw_leader"):
        decision = policy.decide(world.actor(name), "view", world.case)
        assert decision.reason == "service leader of a service in the team"
        assert list(selectors.visible_cases(world.actor(name))) == [world.case]


def test_a_service_leader_follows_the_case_but_does_not_work_in_it(world: World) -> None:
    assert not policy.decide(world.actor("leader"), "update", world.case)


def test_a_professional_of_another_municipality_never_sees_the_case(world: World) -> None:
    world.consent(
        sectors=TEAM_SENSITIVE,
        between=["teacher", "nurse", "caseworker"],
        professionals=[world.users["outsider"]],
    )
    entry = world.entry("teacher")
    for name in ("outsider", "outsider_cw", "outsider_leader"):
        decision = policy.decide(world.actor(name), "view", world.case)
        assert decision.reason == "record belongs to another municipality"
        assert not policy.decide(world.actor(name), "view", entry)
        assert not selectors.visible_cases(world.actor(name)).exists()
        with pytest.raises(Http404):
            selectors.case_page(world.actor(name), world.case.pk)


# --- need-to-know per entry ------------------------------------------------------------------


def test_a_school_member_cannot_read_a_child_welfare_entry_without_consent(world: World) -> None:
    entry = world.entry("caseworker")
    decision = policy.decide(world.teacher, "view", entry)
    assert not decision
    assert decision.reason == "no consent or legal basis covers child_welfare information here"


def test_a_school_member_cannot_read_a_school_health_entry_without_consent(world: World) -> None:
    entry = world.entry("nurse")
    assert not policy.decide(world.teacher, "view", entry)
    assert not policy.decide(world.actor("leader"), "view", entry)


def test_the_authors_service_always_reads_its_own_entry(world: World) -> None:
    entry = world.entry("caseworker", visibility=Visibility.SERVICE)
    assert policy.decide(world.actor("caseworker"), "view", entry).reason == "entry of my service"
    assert policy.decide(world.actor("cw_leader"), "view", entry)


def test_with_a_consent_covering_both_services_and_the_sector_the_school_can_read_it(
    world: World,
) -> None:
    entry = world.entry("caseworker")
    consent = world.consent(sectors=[Sector.CHILD_WELFARE], between=["teacher", "caseworker"])
    decision = policy.decide(world.teacher, "view", entry)
    assert decision.reason == f"shared under consent {consent.pk}"


def test_a_consent_that_does_not_cover_the_sector_lets_nothing_through(world: World) -> None:
    entry = world.entry("caseworker")
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "caseworker", "nurse"])
    assert not policy.decide(world.teacher, "view", entry)


def test_a_consent_that_does_not_name_the_reading_service_lets_nothing_through(
    world: World,
) -> None:
    entry = world.entry("caseworker")
    world.consent(sectors=[Sector.CHILD_WELFARE], between=["caseworker", "ppt"])
    assert policy.decide(world.actor("ppt"), "view", entry)
    assert not policy.decide(world.teacher, "view", entry)


def test_a_consent_naming_a_professional_lets_that_professional_read(world: World) -> None:
    entry = world.entry("caseworker")
    world.consent(
        sectors=[Sector.CHILD_WELFARE],
        between=["caseworker"],
        professionals=[world.users["teacher"]],
    )
    assert policy.decide(world.teacher, "view", entry)
    assert not policy.decide(world.actor("leader"), "view", entry)


def test_a_legal_basis_naming_from_and_to_service_lets_that_exchange_through(
    world: World,
) -> None:
    health_note = world.entry("nurse")
    services.record_legal_basis(
        world.case,
        by=world.actor("nurse"),
        law=LegalBasis.Law.HEALTH_PERSONNEL_33,
        description="Duty to inform child welfare",
        from_service=world.org("nurse"),
        to_service=world.org("caseworker"),
        sectors=[Sector.SCHOOL_HEALTH],
    )
    decision = policy.decide(world.actor("caseworker"), "view", health_note)
    assert decision.reason == "shared under legal basis hpl_33"


def test_a_legal_basis_lets_nothing_travel_the_other_way_or_elsewhere(world: World) -> None:
    health_note = world.entry("nurse")
    welfare_note = world.entry("caseworker")
    services.record_legal_basis(
        world.case,
        by=world.actor("nurse"),
        law=LegalBasis.Law.HEALTH_PERSONNEL_33,
        description="Duty to inform child welfare",
        from_service=world.org("nurse"),
        to_service=world.org("caseworker"),
        sectors=[Sector.SCHOOL_HEALTH],
    )
    assert not policy.decide(world.actor("nurse"), "view", welfare_note)
    assert not policy.decide(world.teacher, "view", health_note)


def test_a_legal_basis_is_recorded_by_the_service_that_shares(world: World) -> None:
    with pytest.raises(Exception, match="service that shares"):
        services.record_legal_basis(
            world.case,
            by=world.teacher,
            law=LegalBasis.Law.HEALTH_PERSONNEL_33,
            description="Taken by the wrong service",
            from_service=world.org("nurse"),
            to_service=world.org("teacher"),
            sectors=[Sector.SCHOOL_HEALTH],
        )


def test_withdrawing_the_consent_removes_access_at_once(world: World) -> None:
    entry = world.entry("caseworker")
    consent = world.consent(sectors=[Sector.CHILD_WELFARE], between=["teacher", "caseworker"])
    assert policy.decide(world.teacher, "view", entry)
    services.withdraw_consent(consent, by=world.teacher, reason="The family withdrew it")
    assert not policy.decide(world.teacher, "view", entry)


def test_withdrawing_a_consent_notifies_the_team(world: World) -> None:
    consent = world.consent(sectors=[Sector.CHILD_WELFARE], between=["teacher", "caseworker"])
    services.withdraw_consent(consent, by=world.teacher)
    assert Notification.objects.filter(
        user=world.users["caseworker"], kind="consent_withdrawn"
    ).exists()


def test_an_expired_consent_gives_nothing(world: World) -> None:
    entry = world.entry("caseworker")
    today = timezone.localdate()
    consent = world.consent(
        sectors=[Sector.CHILD_WELFARE],
        between=["teacher", "caseworker"],
        valid_from=today - datetime.timedelta(days=200),
        valid_to=today - datetime.timedelta(days=1),
    )
    assert consent.status == "expired"
    assert not policy.decide(world.teacher, "view", entry)


def test_a_consent_not_yet_valid_gives_nothing(world: World) -> None:
    entry = world.entry("caseworker")
    world.consent(
        sectors=[Sector.CHILD_WELFARE],
        between=["teacher", "caseworker"],
        valid_from=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert not policy.decide(world.teacher, "view", entry)


def test_an_entry_for_the_service_only_is_seen_only_by_the_authors_service(world: World) -> None:
    world.join("colleague")
    entry = world.entry("ppt", visibility=Visibility.SERVICE)
    for name in ("teacher", "colleague", "nurse", "caseworker", "leader"):
        decision = policy.decide(world.actor(name), "view", entry)
        assert decision.reason == "the entry is for the author's service only"
    assert policy.decide(world.actor("ppt"), "view", entry)


def test_an_entry_for_named_sectors_is_seen_only_by_those_sectors(world: World) -> None:
    entry = world.entry("ppt", visibility=Visibility.SECTORS, sectors=[Sector.SCHOOL])
    assert policy.decide(world.teacher, "view", entry)
    assert policy.decide(world.actor("leader"), "view", entry)
    assert not policy.decide(world.actor("nurse"), "view", entry)
    assert not policy.decide(world.actor("caseworker"), "view", entry)


def test_a_sensitive_entry_for_named_sectors_still_needs_consent(world: World) -> None:
    entry = world.entry("nurse", visibility=Visibility.SECTORS, sectors=[Sector.SCHOOL])
    assert not policy.decide(world.teacher, "view", entry)
    world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"])
    assert policy.decide(world.teacher, "view", entry)
    assert not policy.decide(world.actor("caseworker"), "view", entry)


def test_only_the_authors_service_changes_an_entry(world: World) -> None:
    entry = world.entry("ppt")
    assert policy.decide(world.actor("ppt"), "update", entry)
    assert not policy.decide(world.teacher, "update", entry)


# --- emergency access ------------------------------------------------------------------------


def test_emergency_access_lets_a_professional_outside_the_team_read_the_case(world: World) -> None:
    nav = world.actor("nav")
    access = services.open_emergency_access(
        world.case, by=nav, reason="The child is missing; police asked NAV"
    )
    assert access.expires_at <= timezone.now() + datetime.timedelta(
        hours=services.EMERGENCY_ACCESS_HOURS
    )
    assert policy.decide(nav, "view", world.case).reason == "emergency access"
    page = selectors.case_page(nav, world.case.pk)
    assert page.emergency


def test_emergency_access_lets_you_read_not_change(world: World) -> None:
    nav = world.actor("nav")
    services.open_emergency_access(world.case, by=nav, reason="Acute situation at home tonight")
    assert not policy.decide(nav, "update", world.case)
    with pytest.raises(PermissionDenied):
        services.add_log_entry(world.case, by=nav, kind="note", text="Not allowed")


def test_emergency_access_ends_when_it_expires(world: World) -> None:
    nav = world.actor("nav")
    # No service backdates emergency access: an expired one is written directly.
    EmergencyAccess.objects.create(
        municipality=world.skien,
        case=world.case,
        user=world.users["nav"],
        organisation=world.org("nav"),
        reason="Long ago, acute situation",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert not policy.decide(nav, "view", world.case)
    assert not selectors.visible_cases(nav).exists()


def test_emergency_access_needs_a_stated_reason(world: World) -> None:
    with pytest.raises(Exception, match="reason"):
        services.open_emergency_access(world.case, by=world.actor("nav"), reason="   ")


@pytest.mark.parametrize("name", ["leader", "analyst", "outsider"])
def test_emergency_access_is_refused_for_anyone_but_a_professional_of_the_municipality(
    world: World, name: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.open_emergency_access(
            world.case, by=world.actor(name), reason="I would like to look, urgently"
        )
    assert not EmergencyAccess.objects.exists()


def test_every_emergency_access_is_listed_for_the_service_leader(world: World) -> None:
    services.open_emergency_access(
        world.case, by=world.actor("colleague"), reason="The child is missing from school today"
    )
    expired = EmergencyAccess.objects.create(
        municipality=world.skien,
        case=world.case,
        user=world.users["colleague"],
        organisation=world.org("colleague"),
        reason="Earlier, now expired",
        expires_at=timezone.now() - datetime.timedelta(hours=1),
    )
    listed = selectors.my_work(world.actor("leader")).emergencies_to_review
    assert set(listed) == set(EmergencyAccess.objects.all())
    assert expired in listed
    assert selectors.my_work(world.actor("cw_leader")).emergencies_to_review == []


def test_a_reviewed_emergency_access_leaves_the_list(world: World) -> None:
    access = services.open_emergency_access(
        world.case, by=world.actor("colleague"), reason="The child is missing from school"
    )
    services.review_emergency_access(access, by=world.actor("leader"), note="Justified")
    assert selectors.my_work(world.actor("leader")).emergencies_to_review == []


# --- the coordinator's baton ---------------------------------------------------------------


def test_a_coordinator_handover_does_not_change_the_coordinator_until_accepted(
    world: World,
) -> None:
    handover = services.propose_coordinator(
        world.case, by=world.teacher, to_user=world.users["nurse"], to_service=world.org("nurse")
    )
    world.case.refresh_from_db()
    assert world.case.coordinator == world.users["teacher"]
    assert policy.decide(world.teacher, "view", world.case).reason == "coordinator of the case"
    services.answer_handover(handover, by=world.actor("nurse"), accept=True)
    world.case.refresh_from_db()
    assert world.case.coordinator == world.users["nurse"]
    assert world.case.coordinator_service == world.org("nurse")


def test_a_declined_handover_leaves_the_coordinator_in_place(world: World) -> None:
    handover = services.propose_coordinator(
        world.case, by=world.teacher, to_user=world.users["nurse"], to_service=world.org("nurse")
    )
    services.answer_handover(handover, by=world.actor("nurse"), accept=False)
    world.case.refresh_from_db()
    assert world.case.coordinator == world.users["teacher"]


def test_only_the_named_successor_accepts_a_handover(world: World) -> None:
    handover = services.propose_coordinator(
        world.case, by=world.teacher, to_user=world.users["nurse"], to_service=world.org("nurse")
    )
    with pytest.raises(PermissionDenied):
        services.answer_handover(handover, by=world.actor("caseworker"), accept=True)
    world.case.refresh_from_db()
    assert world.case.coordinator == world.users["teacher"]


# --- existence privacy -------------------------------------------------------------------------


def test_a_second_professionals_concern_about_a_child_with_a_case_is_forwarded(
    world: World,
) -> None:
    result = services.record_concern(world.child, by=world.actor("nav"), text="Seen at night")
    assert result.forwarded
    assert result.case is None


def test_the_sender_of_a_forwarded_concern_still_cannot_see_the_case(world: World) -> None:
    services.record_concern(world.child, by=world.actor("nav"), text="Seen at night")
    assert not policy.decide(world.actor("nav"), "view", world.case)
    with pytest.raises(Http404):
        selectors.get_case_for(world.actor("nav"), world.case.pk)
    assert not world.case.log.filter(text="Seen at night").exists()


def test_the_coordinator_is_notified_of_a_forwarded_concern(world: World) -> None:
    services.record_concern(world.child, by=world.actor("nav"), text="Seen at night")
    notification = Notification.objects.get(kind="incoming_concern")
    assert notification.user == world.users["teacher"]
    assert notification.case == world.case
    assert len(selectors.my_work(world.teacher).new_concerns) == 1


def test_a_team_members_concern_goes_into_the_case(world: World) -> None:
    result = services.record_concern(world.child, by=world.actor("nurse"), text="Headaches")
    assert not result.forwarded
    assert result.case == world.case


# --- who consents ------------------------------------------------------------------------------


def test_a_guardian_with_parental_responsibility_consents_for_a_child_under_16(
    world: World,
) -> None:
    consent = world.consent(
        sectors=[Sector.CHILD_WELFARE, Sector.SCHOOL_HEALTH],
        between=["teacher", "caseworker", "nurse"],
    )
    assert consent.given_by == world.guardian


def test_a_parent_without_parental_responsibility_cannot_consent(world: World) -> None:
    from samhandling.people import services as people
    from samhandling.people.models import FamilyRelation

    parent = world.make_person("Per", "Barnesen", born=world.guardian.date_of_birth)
    people.relate(world.child, by=world.teacher, relative=parent, kind=FamilyRelation.Kind.PARENT)
    with pytest.raises(Exception, match="parental responsibility"):
        world.consent(sectors=[Sector.SCHOOL], between=["teacher", "ppt"], given_by=parent)


def test_a_child_under_16_is_represented_by_a_guardian(world: World) -> None:
    with pytest.raises(Exception, match="under 16"):
        world.consent(
            sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"], given_by=world.child
        )


def test_a_16_year_old_consents_to_health_matters(world: World) -> None:
    youth, _guardian, case = world.child_with_case(16)
    consent = world.consent(
        sectors=[Sector.SCHOOL_HEALTH, Sector.MENTAL_HEALTH],
        between=["teacher", "nurse"],
        given_by=youth,
        case=case,
    )
    assert consent.given_by == youth


def test_a_16_year_old_does_not_consent_to_child_welfare_sharing(world: World) -> None:
    youth, _guardian, case = world.child_with_case(16)
    with pytest.raises(Exception, match="From 16"):
        world.consent(
            sectors=[Sector.CHILD_WELFARE],
            between=["teacher", "caseworker"],
            given_by=youth,
            case=case,
        )


def test_the_guardian_of_a_16_year_old_consents_to_child_welfare_but_not_health(
    world: World,
) -> None:
    _youth, guardian, case = world.child_with_case(16)
    world.consent(
        sectors=[Sector.CHILD_WELFARE],
        between=["teacher", "caseworker"],
        given_by=guardian,
        case=case,
    )
    with pytest.raises(Exception, match="health matters themselves"):
        world.consent(
            sectors=[Sector.SCHOOL_HEALTH],
            between=["teacher", "nurse"],
            given_by=guardian,
            case=case,
        )


def test_an_18_year_old_consents_for_themselves(world: World) -> None:
    adult, _guardian, case = world.child_with_case(18)
    consent = world.consent(
        sectors=[Sector.CHILD_WELFARE, Sector.SCHOOL_HEALTH],
        between=["teacher", "caseworker"],
        given_by=adult,
        case=case,
    )
    assert consent.given_by == adult


def test_guardians_no_longer_consent_for_an_18_year_old(world: World) -> None:
    _adult, guardian, case = world.child_with_case(18)
    with pytest.raises(Exception, match="From 18"):
        world.consent(
            sectors=[Sector.SCHOOL], between=["teacher", "ppt"], given_by=guardian, case=case
        )


def test_age_is_reckoned_on_the_day_the_consent_starts(world: World) -> None:
    """Turning 16 tomorrow: today the guardian still consents to health matters."""
    _youth, guardian, case = world.child_with_case(16, days=-1)
    consent = world.consent(
        sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"], given_by=guardian, case=case
    )
    assert consent.given_by == guardian


def test_no_service_widens_or_edits_a_consent(
    world: World, make_citizen: Callable[..., Any]
) -> None:
    consent_services = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if "consent" in name
        and not name.startswith("_")
        and function.__module__.startswith(services.__name__)
    }
    # Reviewed: give_consent (the family, digitally) records a NEW consent through
    # record_consent; may_consent_for, may_withdraw_consent and may_withdraw_consents (the
    # same question for a case's consents at once) only answer questions. A new
    # consent service must be reviewed here before it is added to this list.
    assert consent_services == {
        "record_consent",
        "withdraw_consent",
        "give_consent",
        "may_consent_for",
        "may_withdraw_consent",
        "may_withdraw_consents",
    }
    before = set(Consent.objects.values_list("pk", "valid_to"))
    services.give_consent(world.case, by=actor_for(make_citizen(world.guardian)),
                          services=[world.org("teacher"), world.org("ppt")],
                          sectors=[Sector.PPT], purpose="PPT assessment",
                          valid_to=timezone.localdate() + datetime.timedelta(days=30))  # fmt: skip
    assert before < set(Consent.objects.values_list("pk", "valid_to"))  # added, none changed
