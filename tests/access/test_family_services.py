"""What the family does with their own hands: their words, consent, their data to take away."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from tests.access.world import World

from samhandling.access import policy
from samhandling.access.models import ConsentForm
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import LogEntry, Notification, Voice
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Sector
from samhandling.people.models import Person
from samhandling.portal import selectors
from samhandling.portal import services as portal
from samhandling.portal.models import DataExport
from samhandling.portal.tasks import build_data_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian(world: World, make_citizen: Callable[..., User]) -> Actor:
    return actor_for(make_citizen(world.guardian))


def test_the_familys_words_are_marked_as_theirs_and_the_team_is_told(
    world: World, guardian: Actor
) -> None:
    voice = services.add_voice(
        world.case, by=guardian, kind=Voice.Kind.MATTERS, text="  That the mornings are calm.  "
    )
    assert voice.speaker == Voice.Speaker.FAMILY and voice.person == world.guardian
    assert voice.text == "That the mornings are calm." and not voice.on_behalf
    assert Notification.objects.filter(user=world.users["teacher"], kind="family_voice").exists()
    assert AuditEvent.objects.filter(object_type="coordination.voice", action="create").exists()


def test_a_professional_writes_down_the_childs_words_on_their_behalf(world: World) -> None:
    voice = services.add_voice(
        world.case, by=world.actor("nurse"), kind=Voice.Kind.WORKS, text="Talking before school"
    )
    assert voice.speaker == Voice.Speaker.CHILD and voice.person == world.child
    assert voice.on_behalf and voice.recorded_service == world.org("nurse")


def test_a_voice_needs_words_and_a_meeting_rating_needs_a_held_meeting(
    world: World, guardian: Actor
) -> None:
    with pytest.raises(ValidationError) as empty:
        services.add_voice(world.case, by=guardian, kind=Voice.Kind.WORKS, text="   ")
    assert "text" in empty.value.message_dict
    upcoming = services.schedule_meeting(
        world.case, by=world.teacher, starts_at=timezone.now() + datetime.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as early:
        services.add_voice(
            world.case, by=guardian, kind=Voice.Kind.MEETING, meeting=upcoming, rating=6
        )
    assert set(early.value.message_dict) == {"meeting", "rating"}
    held = services.schedule_meeting(
        world.case, by=world.teacher, starts_at=timezone.now() - datetime.timedelta(days=1)
    )
    rated = services.add_voice(
        world.case, by=guardian, kind=Voice.Kind.MEETING, meeting=held, rating=4
    )
    assert rated.rating == 4
    assert Voice.objects.count() == 1


def test_another_family_cannot_add_words_to_the_case(
    world: World, make_citizen: Callable[..., User]
) -> None:
    _child, other_person, _case = world.child_with_case(9)
    other = actor_for(make_citizen(other_person))
    with pytest.raises(PermissionDenied):
        services.add_voice(world.case, by=other, kind=Voice.Kind.MATTERS, text="Not mine")
    assert not Voice.objects.exists()
    assert AuditEvent.objects.filter(outcome="refused", actor_id=other.user.pk).exists()  # type: ignore[union-attr]


def test_the_guardian_gives_a_consent_digitally_within_the_team(
    world: World, guardian: Actor
) -> None:
    until = timezone.localdate() + datetime.timedelta(days=365)
    consent = services.give_consent(
        world.case,
        by=guardian,
        services=[world.org("teacher"), world.org("nurse")],
        sectors=[Sector.SCHOOL_HEALTH],
        purpose="Sleep and school",
        valid_to=until,
    )
    assert consent.form == ConsentForm.DIGITAL and consent.given_by == world.guardian
    assert consent.is_valid_on() and consent.valid_to == until
    assert Notification.objects.filter(user=world.users["nurse"], kind="consent_given").exists()
    nurse_entry = world.entry("nurse")
    assert policy.decide(world.teacher, "view", nurse_entry)

    with pytest.raises(ValidationError) as wrong:
        services.give_consent(
            world.case,
            by=guardian,
            services=[world.org("nav"), world.org("teacher")],
            sectors=[Sector.NAV],
            purpose="x",
            valid_to=None,
        )
    assert set(wrong.value.message_dict) == {"services", "valid_to"}


def test_a_withdrawal_by_the_family_takes_effect_at_once_and_the_team_is_told(
    world: World, guardian: Actor
) -> None:
    consent = world.consent(sectors=[Sector.SCHOOL_HEALTH], between=["teacher", "nurse"])
    nurse_entry = world.entry("nurse")
    assert policy.decide(world.teacher, "view", nurse_entry)

    services.withdraw_consent(consent, by=guardian, reason="We want to talk first")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert not policy.decide(world.teacher, "view", nurse_entry)
    assert Notification.objects.filter(
        user=world.users["teacher"], kind="consent_withdrawn"
    ).exists()


def test_only_who_gave_a_consent_or_could_give_it_now_withdraws_it(
    world: World, make_citizen: Callable[..., User]
) -> None:
    youth_person, guardian_person, case = world.child_with_case(16)
    health = world.consent(
        sectors=[Sector.SCHOOL_HEALTH],
        between=["teacher", "nurse"],
        given_by=youth_person,
        case=case,
    )
    school = world.consent(
        sectors=[Sector.SCHOOL], between=["teacher", "ppt"], given_by=guardian_person, case=case
    )
    youth = actor_for(make_citizen(youth_person))
    # The youth's guardian has no standing in the case at 16 (no child welfare involved).
    guardian = actor_for(make_citizen(guardian_person))
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(health, by=guardian)
    # The youth cannot withdraw what the guardian consents to for them until 18 ...
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(school, by=youth)
    # ... but withdraws their own.
    assert services.withdraw_consent(health, by=youth).withdrawn_at is not None


def _export(actor: Actor, person: Person) -> DataExport:
    export = portal.request_export(actor, person, language="en")
    assert build_data_export.call(str(export.pk), "en") == "ready"
    export.refresh_from_db()
    return export


def test_the_export_holds_what_the_family_may_see_and_expires(
    world: World, guardian: Actor
) -> None:
    shared = world.entry("teacher", text="Shared with the family")
    LogEntry.objects.filter(pk=shared.pk).update(family_visible=True)
    services.add_log_entry(
        world.case,
        by=world.actor("nurse"),
        kind=LogEntry.Kind.CONVERSATION,
        text="A conversation the guardian must not read",
        family_visible=True,
        hidden_from_guardians=True,
    )
    world.entry("teacher", text="Internal note")
    services.add_voice(world.case, by=guardian, kind=Voice.Kind.MATTERS, text="Calm mornings")

    export = _export(guardian, world.child)
    assert export.status == DataExport.Status.READY and export.progress == 100
    assert export.expires_at is not None and export.is_available
    text = json.dumps(export.content)
    assert "Shared with the family" in text and "Calm mornings" in text
    assert "must not read" not in text and "Internal note" not in text
    assert export.content["about"]["national_id"] == world.child.national_id  # type: ignore[index]
    assert export.content["access_log"]  # type: ignore[index]
    assert AuditEvent.objects.filter(action="export", object_type="coordination.case").exists()

    assert portal.remove_expired(export.expires_at + datetime.timedelta(seconds=1)) == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and export.content is None


def test_nobody_exports_another_persons_data_or_opens_their_export(
    world: World, guardian: Actor, make_citizen: Callable[..., User]
) -> None:
    _child, other_person, _case = world.child_with_case(11)
    other = actor_for(make_citizen(other_person))
    with pytest.raises(PermissionDenied):
        portal.request_export(other, world.child, language="nb")
    export = _export(guardian, world.guardian)
    assert selectors.export_for(guardian, export.pk) == export
    with pytest.raises(Http404):
        selectors.export_for(other, export.pk)


def test_the_access_log_shows_who_read_the_childs_data_with_emergency_access_marked(
    world: World, guardian: Actor
) -> None:
    world.entry("teacher")
    services.open_emergency_access(
        world.case, by=world.actor("colleague"), reason="Urgent: the child is missing from school"
    )
    colleague = world.users["colleague"].pk
    page = selectors.access_log(guardian, world.child.pk)
    assert {event.actor_id for event in page.events} >= {world.users["teacher"].pk, colleague}
    assert page.emergency_count >= 1
    assert any(selectors.is_emergency(event) for event in page.events)
    assert all(event.person_id == world.child.pk for event in page.events)
