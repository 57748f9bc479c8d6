"""The family's world for tests/security/test_family_matrix.py: three families in Skien.

It is the authorisation matrix's world (tests/security/matrix_world.py: the 12-year-old Sofie
Barnesen, her guardian Anne with a citizen account and a data export of Sofie, the team, the
nurse's entry that is not shared with the family), and around it:

- in Sofie's case: an entry the teacher shares with the family, a conversation the nurse shares
  with the family but keeps confidential from guardians, and a meeting already held (to rate);
- another family: Jonaskar Andersplass (10), whose guardian Karimor has her own account, in a
  case of his own in the same municipality;
- a youth: Ylvalill Ungdomsen (16), with her own account and a case of her own (the school and
  the school health service; no child welfare, so her guardian has no standing in it): her own
  consent to share health information, one her guardian gave for school information, the
  nurse's conversation shared with her and confidential from guardians, and a data export of
  her own; her guardian Perolav Ungdomsen has an account too.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from matrix_world import MatrixWorld, build, citizen, ready_export
from tests.access.world import born_years_ago

from samhandling.access.models import ConsentForm
from samhandling.accounts.models import User
from samhandling.coordination import services
from samhandling.coordination.models import LogEntry
from samhandling.organisations.models import Organisation, Region, Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person

# Texts that must travel only as far as the rules let them (ASCII: the JSON export keeps them
# byte for byte).
SHARED_TEXT = "Skolen deler med familien: Sofie sover bedre med fast leggetid"
HIDDEN_FROM_GUARDIANS_TEXT = "Sofie fortalte helsesykepleier om en hemmelig kjaereste"
YOUTH_HEALTH_TEXT = "Helsesykepleier og Ylvalill: samtale om prevensjon og rus"
YOUTH_CONSENT_PURPOSE = "Ylvalill vil at skolen og helsesykepleier snakker sammen"
YOUTH_GUARDIAN_CONSENT_PURPOSE = "Foreldrene samtykker til skoleinformasjon for Ylvalill"

OTHER_CHILD_GIVEN, OTHER_FAMILY = "Jonaskar", "Andersplass"
YOUTH_GIVEN, YOUTH_FAMILY = "Ylvalill", "Ungdomsen"


@dataclass
class FamilyWorld:
    matrix: MatrixWorld
    ids: dict[str, Any]  # what URLs and bodies are filled in with
    users: dict[str, User | None]  # actor -> user (None: anonymous)
    persons: dict[str, Person]  # who is who, for the content checks


def _guardian_of(
    child: Person, make_person: Callable[..., Person], given_name: str, by: Any
) -> Person:
    guardian = make_person(given_name, child.family_name, born=born_years_ago(42))
    people.relate(
        child,
        by=by,
        relative=guardian,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    return guardian


def build_family(
    skien: Region,
    porsgrunn: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> FamilyWorld:
    matrix = build(skien, porsgrunn, teacher, make_service, make_user, make_person)
    w = matrix.world
    nurse = w.actor("nurse")

    # Sofie's case: shared with the family, confidential from guardians, a meeting held
    services.add_log_entry(
        w.case, by=w.teacher, kind=LogEntry.Kind.NOTE, text=SHARED_TEXT, family_visible=True
    )
    services.add_log_entry(
        w.case,
        by=nurse,
        kind=LogEntry.Kind.CONVERSATION,
        text=HIDDEN_FROM_GUARDIANS_TEXT,
        family_visible=True,
        hidden_from_guardians=True,
    )
    held = services.schedule_meeting(
        w.case, by=w.teacher, starts_at=timezone.now() - datetime.timedelta(days=1)
    )

    # another family, in the same municipality
    other_child = make_person(OTHER_CHILD_GIVEN, OTHER_FAMILY, born=born_years_ago(10))
    other_case = services.record_concern(other_child, by=w.teacher, text="Alone at recess").case
    assert other_case is not None
    other_guardian = _guardian_of(other_child, make_person, "Karimor", w.teacher)

    # the youth of 16 and her own case
    youth = make_person(YOUTH_GIVEN, YOUTH_FAMILY, born=born_years_ago(16))
    youth_case = services.record_concern(youth, by=w.teacher, text="Often absent").case
    assert youth_case is not None
    youth_guardian = _guardian_of(youth, make_person, "Perolav", w.teacher)
    school, school_health = w.org("teacher"), w.org("nurse")
    youth_consent = services.record_consent(
        youth_case,
        by=w.teacher,
        given_by=youth,
        form=ConsentForm.WRITTEN,
        purpose=YOUTH_CONSENT_PURPOSE,
        sectors=[Sector.SCHOOL_HEALTH],
        services=[school, school_health],
    )
    w.join("nurse", case=youth_case)
    youth_guardian_consent = services.record_consent(
        youth_case,
        by=w.teacher,
        given_by=youth_guardian,
        form=ConsentForm.WRITTEN,
        purpose=YOUTH_GUARDIAN_CONSENT_PURPOSE,
        sectors=[Sector.SCHOOL],
        services=[school, school_health],
    )
    services.add_log_entry(
        youth_case,
        by=nurse,
        kind=LogEntry.Kind.CONVERSATION,
        text=YOUTH_HEALTH_TEXT,
        family_visible=True,
        hidden_from_guardians=True,
    )

    # the guardian's export of Sofie's data, made now that the family's entries are written
    guardian_export = ready_export(matrix.guardian_user, w.child)
    youth_user = citizen(youth)
    youth_export = ready_export(youth_user, youth)
    today = timezone.localdate()
    ids: dict[str, Any] = {
        **matrix.ids,  # Sofie's case, the guardian's consent, Sofie
        "export_id": guardian_export.pk,
        "held_meeting_id": held.pk,
        "youth_case_id": youth_case.pk,
        "youth_consent_id": youth_consent.pk,
        "youth_guardian_consent_id": youth_guardian_consent.pk,
        "youth_id": youth.pk,
        "youth_guardian_id": youth_guardian.pk,
        "youth_export_id": youth_export.pk,
        "other_case_id": other_case.pk,
        "valid_to": (today + datetime.timedelta(days=180)).isoformat(),
    }
    users: dict[str, User | None] = {
        "anonymous": None,
        "professional": teacher,  # the coordinator of all three cases
        "guardian": matrix.guardian_user,
        "other_guardian": citizen(other_guardian),
        "youth": youth_user,
        "youth_guardian": citizen(youth_guardian),
    }
    persons = {
        "child": w.child,
        "guardian": w.guardian,
        "other_child": other_child,
        "other_guardian": other_guardian,
        "youth": youth,
        "youth_guardian": youth_guardian,
    }
    return FamilyWorld(matrix, ids, users, persons)
