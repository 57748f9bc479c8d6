"""The family's side of the demo: citizens who sign in on the demo sign-in page without a
password, what each of them sees of which case, consent in their hands, and the child's voice."""

import io

from django.core.management import call_command
from django.utils import timezone

from samhandling.access import policy
from samhandling.access.models import Consent
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import (
    Case,
    Goal,
    LogEntry,
    Measure,
    Meeting,
    Notification,
    Voice,
)
from samhandling.demo.cases import CITIZENS
from samhandling.demo.management.commands.seed_demo import REFERENCE_DATE
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Sector
from samhandling.people.identity import is_synthetic_norwegian
from samhandling.people.models import FamilyRelation, Person


def actor(username: str) -> Actor:
    return actor_for(User.objects.get(username=username), channel="command")


def person_of(username: str) -> Person:
    identity = User.objects.get(username=username).citizen_identity
    return Person.objects.get(id_country=identity.id_country, national_id=identity.national_id)


def case_of(username: str) -> Case:
    return Case.objects.get(person=person_of(username))


def guardians_case() -> Case:
    [access] = policy.family_cases(actor("forelder"))
    return access.case


def nurses_hidden_entry(case: Case) -> LogEntry:
    return LogEntry.objects.get(case=case, hidden_from_guardians=True)


# --- who the demo citizens are ------------------------------------------------------------------


def test_each_demo_citizen_is_linked_to_a_synthetic_person_and_has_no_password(
    seeded: str,
) -> None:
    assert set(CITIZENS) == {"ungdom", "forelder", "forelder_ungdom", "ung_voksen"}
    for username in CITIZENS:
        user = User.objects.get(username=username)
        person = person_of(username)
        assert not user.has_usable_password()
        assert not user.memberships.exists()
        assert (user.first_name, user.last_name) == (person.given_name, person.family_name)
        assert user.citizen_identity.id_country == "NO"
        assert is_synthetic_norwegian(person.national_id)
        assert actor(username).is_citizen


def test_demo_logins_lists_the_citizens_and_where_they_sign_in(seeded: str) -> None:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "/portal/demo-sign-in/" in out.getvalue()
    for username, description in CITIZENS.items():
        assert f"{username:<16} {description}" in out.getvalue()


# --- the youth of 16 ------------------------------------------------------------------------


def test_the_youth_of_16_sees_their_own_case(seeded: str) -> None:
    [access] = policy.family_cases(actor("ungdom"))
    assert access.standing == "self"
    assert access.case.person == person_of("ungdom")
    assert access.case.person.age_on(REFERENCE_DATE) == 16


def test_the_youth_reads_the_health_conversation_that_guardians_never_see(seeded: str) -> None:
    case = case_of("ungdom")
    entry = nurses_hidden_entry(case)
    assert entry.family_visible and entry.sector == Sector.SCHOOL_HEALTH
    assert policy.family_access(actor("ungdom"), case).item_decision(entry)


def test_the_youths_plan_has_their_goal_two_measures_and_meetings_before_and_ahead(
    seeded: str,
) -> None:
    case = case_of("ungdom")
    access = policy.family_access(actor("ungdom"), case)
    [goal] = Goal.objects.filter(plan__case=case)
    assert goal.childs_words and access.item_decision(goal)
    measures = list(Measure.objects.filter(plan__case=case))
    assert {m.responsible_service.sector for m in measures} == {
        Sector.SCHOOL_HEALTH,
        Sector.MENTAL_HEALTH,
    }
    assert all(access.item_decision(m) for m in measures)
    shared = [e for e in LogEntry.objects.filter(case=case) if access.item_decision(e)]
    assert len(shared) >= 2
    meetings = list(Meeting.objects.filter(case=case, family_participants__person=case.person))
    now = timezone.now()
    assert any(m.starts_at < now for m in meetings)
    assert any(m.starts_at > now for m in meetings)


def test_the_youth_can_rate_the_meeting_that_was_held(seeded: str) -> None:
    case = case_of("ungdom")
    past = Meeting.objects.get(case=case, starts_at__lt=timezone.now())
    voice = services.add_voice(case, by=actor("ungdom"), kind="meeting", rating=4, meeting=past)
    assert voice.speaker == Voice.Speaker.CHILD and voice.recorded_by is None


def test_psychiatry_in_the_team_loses_the_nurses_entries_when_the_youth_withdraws_consent(
    seeded: str,
) -> None:
    case = case_of("ungdom")
    psykiskhelse = actor("psykiskhelse")
    nurses = list(LogEntry.objects.filter(case=case, sector=Sector.SCHOOL_HEALTH))
    consent = Consent.objects.get(case=case)
    assert consent.given_by == person_of("ungdom")
    before = policy.case_access(psykiskhelse, case)
    assert before.standing == "member"
    assert nurses and all(before.item_decision(entry) for entry in nurses)

    services.withdraw_consent(consent, by=actor("ungdom"), reason="Vil ikke dele lenger.")

    after = policy.case_access(psykiskhelse, case)
    assert after.case_decision("view")
    assert not any(after.item_decision(entry) for entry in nurses)
    assert Notification.objects.filter(
        user=psykiskhelse.user, case=case, kind="consent_withdrawn"
    ).exists()


# --- the guardians --------------------------------------------------------------------------


def test_the_guardian_sees_the_case_of_their_14_year_old(seeded: str) -> None:
    [access] = policy.family_cases(actor("forelder"))
    assert access.standing == "guardian"
    assert access.case.person.age_on(REFERENCE_DATE) == 14
    assert FamilyRelation.objects.filter(
        person=access.case.person, relative=person_of("forelder"), parental_responsibility=True
    ).exists()


def test_the_guardian_does_not_see_the_childs_health_conversation(seeded: str) -> None:
    case = guardians_case()
    access = policy.family_access(actor("forelder"), case)
    entry = nurses_hidden_entry(case)
    assert entry.family_visible and entry.sector == Sector.SCHOOL_HEALTH
    decision = access.item_decision(entry)
    assert not decision
    assert decision.reason == "confidential from guardians"
    assert not policy.decide(actor("forelder"), "view", entry)


def test_the_guardian_sees_the_plan_shared_entries_and_meetings(seeded: str) -> None:
    case = guardians_case()
    access = policy.family_access(actor("forelder"), case)
    assert any(access.item_decision(e) for e in LogEntry.objects.filter(case=case))
    assert all(access.item_decision(g) for g in Goal.objects.filter(plan__case=case))
    assert all(access.item_decision(m) for m in Measure.objects.filter(plan__case=case))
    meetings = [m for m in Meeting.objects.filter(case=case) if access.meeting_decision(m)]
    now = timezone.now()
    assert any(m.starts_at < now for m in meetings)
    assert any(m.starts_at > now for m in meetings)


def test_the_guardian_can_withdraw_the_consent_they_gave(seeded: str) -> None:
    consent = Consent.objects.get(case=guardians_case())
    assert consent.given_by == person_of("forelder")
    withdrawn = services.withdraw_consent(
        consent, by=actor("forelder"), reason="Vi vil snakke først."
    )
    assert withdrawn.withdrawn_at is not None


def test_the_guardian_of_the_16_year_old_sees_nothing_of_the_youths_case(seeded: str) -> None:
    guardian = actor("forelder_ungdom")
    case = case_of("ungdom")
    assert FamilyRelation.objects.filter(
        person=case.person, relative=person_of("forelder_ungdom"), parental_responsibility=True
    ).exists()
    assert policy.family_cases(guardian) == []
    assert not policy.family_access(guardian, case).case_decision("view")
    assert not policy.decide(guardian, "view", nurses_hidden_entry(case))
    assert not policy.family_person_decision(guardian, case.person)


def test_the_young_adult_sees_their_own_case(seeded: str) -> None:
    [access] = policy.family_cases(actor("ung_voksen"))
    assert access.standing == "self"
    assert access.case.person.age_on(REFERENCE_DATE) == 20
    assert any(access.item_decision(e) for e in LogEntry.objects.filter(case=access.case))


# --- the child's voice ----------------------------------------------------------------------


def test_the_childs_voice_is_in_their_own_words_or_recorded_on_their_behalf(seeded: str) -> None:
    youth = Voice.objects.filter(case=case_of("ungdom"))
    own = youth.get(kind=Voice.Kind.MATTERS)
    assert own.speaker == Voice.Speaker.CHILD and own.recorded_by is None
    recorded = youth.get(kind=Voice.Kind.WORKS)
    assert recorded.speaker == Voice.Speaker.CHILD
    assert recorded.recorded_by is not None
    assert recorded.recorded_by.username == "helsesykepleier"
    family = Voice.objects.get(case=guardians_case())
    assert family.kind == Voice.Kind.DOES_NOT_WORK
    assert family.speaker == Voice.Speaker.FAMILY
    assert family.person == person_of("forelder") and family.recorded_by is None
