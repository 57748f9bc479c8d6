"""The demo data: synthetic people, and coordination cases built with the real services."""

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.audit.services import verify_chain
from samhandling.catalogue.kinds import KINDS
from samhandling.coordination import selectors
from samhandling.coordination.models import (
    Case,
    CoordinatorHandover,
    Evaluation,
    Goal,
    IncomingConcern,
    Level,
    LogEntry,
    Measure,
    Meeting,
    Notification,
    Referral,
    Task,
    TeamMember,
    Transition,
)
from samhandling.demo.coordination import eighteenth_birthday
from samhandling.demo.management.commands.seed_demo import REFERENCE_DATE
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Membership, Role, Sector
from samhandling.people.identity import is_synthetic_norwegian, validate_national_id
from samhandling.people.models import AddressProtection, FamilyRelation, Person


def seed(seed: int = 2024) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--seed", str(seed), stdout=out)
    return out.getvalue()


def actor(username: str) -> Actor:
    return actor_for(User.objects.get(username=username))


def skien_cases() -> Any:
    return Case.objects.filter(municipality__code="4003", municipality__kind="municipality")


# --- people and users ------------------------------------------------------------------------


def test_the_demo_has_one_professional_per_sector_and_every_other_role(seeded: str) -> None:
    sectors = set(
        Membership.objects.filter(role=Role.PROFESSIONAL).values_list(
            "organisation__sector", flat=True
        )
    )
    assert sectors == set(Sector.values)
    for role in (Role.SERVICE_LEADER, Role.ANALYST, Role.DIRECTORATE_EDITOR, Role.SYSTEM_ADMIN):
        assert Membership.objects.filter(role=role).exists()


def test_the_demo_has_about_200_children_with_families(seeded: str) -> None:
    children = Person.objects.filter(relations__kind="parent").distinct()
    assert children.count() == 200
    assert FamilyRelation.objects.filter(kind="guardian", parental_responsibility=True).exists()
    assert Person.objects.filter(
        address_protection=AddressProtection.STRICTLY_CONFIDENTIAL
    ).exists()


def test_every_demo_person_has_a_valid_synthetic_identity_number(seeded: str) -> None:
    for person in Person.objects.all():
        assert is_synthetic_norwegian(person.national_id)
        validate_national_id(person.national_id, country="NO", date_of_birth=person.date_of_birth)


def test_a_teacher_in_porsgrunn_is_a_professional_of_another_municipality(seeded: str) -> None:
    membership = Membership.objects.get(user__username="laerer_porsgrunn")
    assert membership.role == Role.PROFESSIONAL
    assert membership.organisation.municipality.code == "4001"
    assert membership.user.email.endswith("@demo.invalid")
    assert not selectors.visible_cases(actor("laerer_porsgrunn")).exists()
    with pytest.raises(Http404):
        selectors.get_case_for(actor("laerer_porsgrunn"), skien_cases().first().pk)


def test_demo_login_list_prints_every_demo_user(seeded: str) -> None:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    for username in (
        "laerer",
        "helsesykepleier",
        "leder",
        "analytiker",
        "redaktor",
        "redaktor2",
        "admin",
        "laerer_porsgrunn",
    ):
        assert username in out.getvalue()


# --- idempotency and determinism ------------------------------------------------------------


def counts() -> tuple[int, ...]:
    models = (
        Person,
        User,
        FamilyRelation,
        Case,
        LogEntry,
        Consent,
        Referral,
        Measure,
        Task,
        Meeting,
        Notification,
        AuditEvent,
    )
    return tuple(model.objects.count() for model in models)


def test_a_second_run_adds_nothing(seeded: str) -> None:
    before = counts()
    output = seed()
    assert "0 children" in output
    assert "0 cases" in output
    assert "0 catalogue entries" in output
    assert counts() == before


def signature() -> dict[str, Any]:
    """What the demo contains, without database keys (which differ between runs)."""
    cases = []
    for case in skien_cases().select_related("person", "coordinator"):
        cases.append(
            (
                case.person.national_id,
                case.level,
                case.status,
                case.coordinator.username,
                tuple(
                    sorted(
                        TeamMember.objects.filter(case=case).values_list(
                            "organisation__sector", "user__username"
                        )
                    )
                ),
                tuple(sorted(Referral.objects.filter(case=case).values_list("status", flat=True))),
                tuple(sorted(c.status for c in Consent.objects.filter(case=case))),
                tuple(sorted(Goal.objects.filter(plan__case=case).values_list("title", flat=True))),
                tuple(
                    sorted(
                        Transition.objects.filter(case=case).values_list(
                            "kind", "status", "planned_for"
                        )
                    )
                ),
            )
        )
    people = list(
        Person.objects.order_by("national_id").values_list(
            "national_id", "given_name", "family_name", "date_of_birth"
        )
    )
    return {"cases": sorted(cases), "people": people}


def wipe_demo_people() -> None:
    Referral.objects.all().delete()  # a referral protects the consent it was sent under
    for consent in Consent.objects.all():  # one by one: see test_consent_rules (deferred load)
        consent.delete()
    Case.objects.all().delete()
    FamilyRelation.objects.all().delete()
    Person.objects.all().delete()


def test_the_same_seed_gives_the_same_people_and_cases(seeded: str) -> None:
    first = signature()
    wipe_demo_people()
    seed()
    assert signature() == first


def test_another_seed_gives_other_people_but_the_same_kinds_of_cases(seeded: str) -> None:
    first = signature()
    wipe_demo_people()
    seed(7)
    again = signature()
    assert again["people"] != first["people"]
    assert sorted(c[1:3] for c in again["cases"]) == sorted(c[1:3] for c in first["cases"])


# --- what the coordination demo contains ----------------------------------------------------


def test_there_are_about_25_cases_at_every_level(seeded: str) -> None:
    assert "25 cases" in seeded
    assert set(skien_cases().values_list("level", flat=True)) == set(Level.values)


def test_teams_span_several_sectors(seeded: str) -> None:
    widest = max(
        len(set(TeamMember.objects.filter(case=case).values_list("organisation__sector")))
        for case in skien_cases()
    )
    assert widest >= 3


def test_there_are_referrals_in_every_status_and_one_is_overdue(seeded: str) -> None:
    referrals = list(Referral.objects.all())
    assert {r.status for r in referrals} == set(Referral.Status.values)
    assert any(r.is_overdue() for r in referrals)
    declined = next(r for r in referrals if r.status == Referral.Status.DECLINED)
    assert declined.decline_reason


def test_a_consent_was_withdrawn_and_one_has_expired(seeded: str) -> None:
    statuses = {consent.status for consent in Consent.objects.all()}
    assert {"valid", "withdrawn", "expired"} <= statuses


def test_a_legal_basis_names_the_exchange_from_school_to_child_welfare(seeded: str) -> None:
    basis = LegalBasis.objects.get()
    assert basis.from_service.sector == Sector.SCHOOL
    assert basis.to_service.sector == Sector.CHILD_WELFARE


def test_a_youth_turning_18_within_six_months_has_an_adult_transition_proposed(
    seeded: str,
) -> None:
    transition = Transition.objects.select_related("case__person").get(
        kind=Transition.Kind.ADULT_SERVICES
    )
    assert transition.status == Transition.Status.PROPOSED
    birthday = eighteenth_birthday(transition.case.person.date_of_birth)
    assert REFERENCE_DATE < birthday <= REFERENCE_DATE + datetime.timedelta(days=183)
    assert transition.planned_for == birthday


def test_a_kindergarten_child_has_a_transition_to_school(seeded: str) -> None:
    transition = Transition.objects.get(kind=Transition.Kind.KINDERGARTEN_SCHOOL)
    assert transition.from_service.sector == Sector.KINDERGARTEN
    assert transition.to_service.sector == Sector.SCHOOL
    assert transition.planned_for > timezone.localdate()


def test_plans_have_goals_in_the_childs_words_measures_and_evaluations(seeded: str) -> None:
    assert Goal.objects.exclude(childs_words="").count() >= 5
    measure = Measure.objects.filter(responsible_user__isnull=False, ends__isnull=False).first()
    assert measure is not None
    assert measure.responsible_service_id is not None
    assert Evaluation.objects.filter(measure__isnull=False).exists()
    assert Evaluation.objects.filter(goal__isnull=False).exists()


def test_a_past_meeting_has_minutes_whose_agreed_actions_became_a_measure_and_a_task(
    seeded: str,
) -> None:
    meeting = Meeting.objects.exclude(minutes="").filter(tasks__isnull=False).distinct().get()
    assert meeting.starts_at < timezone.now()
    assert Task.objects.filter(meeting=meeting).exists()
    assert Measure.objects.filter(
        plan__case=meeting.case, title__startswith="Tilrettelagt"
    ).exists()


def test_one_case_was_closed_after_approval_and_one_awaits_approval(seeded: str) -> None:
    closed = skien_cases().get(status=Case.Status.CLOSED)
    assert closed.level >= Level.TWO_SERVICES and closed.close_requested_by is not None
    waiting = skien_cases().get(status=Case.Status.CLOSING)
    assert selectors.my_work(actor("leder")).closings_to_approve == [waiting]


def test_a_coordinator_handover_waits_for_the_successor(seeded: str) -> None:
    handover = CoordinatorHandover.objects.select_related("case").get()
    assert handover.status == CoordinatorHandover.Status.PENDING
    assert handover.to_user.username == "helsesykepleier"
    assert handover.case.coordinator == handover.from_user
    assert selectors.my_work(actor("helsesykepleier")).handovers == [handover]


def test_a_concern_was_passed_on_to_a_case_its_sender_cannot_see(seeded: str) -> None:
    concern = IncomingConcern.objects.select_related("case").get()
    assert concern.sender.username == "kultur"
    with pytest.raises(Http404):
        selectors.get_case_for(actor("kultur"), concern.case_id)
    assert selectors.my_work(actor("laerer")).new_concerns == [concern]


def test_laerer_coordinates_several_cases_and_has_work_due_this_week(seeded: str) -> None:
    laerer = actor("laerer")
    assert skien_cases().filter(coordinator=laerer.user).count() >= 8
    work = selectors.my_work(laerer)
    assert work.measures_due
    assert work.tasks_due
    assert work.meetings_this_week
    assert work.overdue_sent
    assert all(m.starts_at >= timezone.now() for m in work.meetings_this_week)


def test_helsesykepleier_joined_cases_under_the_familys_consent(seeded: str) -> None:
    joined = Case.objects.filter(team__user__username="helsesykepleier").exclude(
        coordinator__username="helsesykepleier"
    )
    assert joined.count() >= 3
    for case in joined:
        assert Consent.objects.filter(case=case, services__sector=Sector.SCHOOL_HEALTH).exists()


def test_the_service_leader_sees_the_schools_cases(seeded: str) -> None:
    leder = actor("leder")
    school = leder.organisation
    schools_cases = set(
        TeamMember.objects.filter(organisation=school, left_at__isnull=True).values_list(
            "case_id", flat=True
        )
    )
    assert len(schools_cases) >= 8
    assert set(selectors.visible_cases(leder).values_list("pk", flat=True)) == schools_cases


def test_a_child_welfare_entry_is_hidden_from_the_school_without_consent(seeded: str) -> None:
    laerer, barnevern = actor("laerer"), actor("barnevern")
    entry = LogEntry.objects.get(sector=Sector.CHILD_WELFARE, case__team__user__username="laerer")
    assert policy.decide(laerer, "view", entry.case)
    assert not policy.decide(laerer, "view", entry)
    assert policy.decide(barnevern, "view", entry)


def test_every_demo_write_is_audited_as_a_command_and_the_chain_is_intact(
    seeded: str, tmp_path: Path
) -> None:
    events = AuditEvent.objects.filter(object_type__startswith="coordination.")
    assert events.count() > 100
    assert set(events.values_list("channel", flat=True)) == {"command"}
    assert not AuditEvent.objects.filter(outcome="refused").exists()
    assert verify_chain(checkpoint_path=tmp_path / "none.json").intact


# --- the catalogue ----------------------------------------------------------------------------


def test_the_demo_catalogue_is_drafted_by_one_editor_and_published_by_another(
    seeded: str,
) -> None:
    entries = [entry for model in KINDS.values() for entry in model._default_manager.all()]
    assert len(entries) == 31 and "31 catalogue entries imported and published" in seeded
    assert {(e.status, e.edited_by.username, e.published_by.username) for e in entries} == {
        ("published", "redaktor", "redaktor2")
    }
    assert {e.key for e in entries if e.origin == "official"} == {
        "0-24-samarbeidet",
        "ks-nettverket-0-24",
        "nordisk-0-24-norges-nasjonale-case",
    }
