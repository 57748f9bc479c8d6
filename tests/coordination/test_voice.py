"""The child's voice in the plan: the family's own words, and the child's words written down by a
professional on the child's behalf — always marked as which, on the page, the print and the API."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from tests.api.support import api_client_for
from tests.coordination.casework import Casework

from samhandling.access import policy
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import selectors, services
from samhandling.coordination.models import Voice
from samhandling.organisations.actors import actor_for
from samhandling.people.models import AddressProtection, Person

ClientFor = Callable[[User], Client]


def plan_url(casework: Casework, rest: str = "") -> str:
    return f"/work/cases/{casework.case.pk}/plan/{rest}"


def voice_url(casework: Casework) -> str:
    return f"/work/cases/{casework.case.pk}/voice/"


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def voice_section(page: str) -> str:
    """The voices listed on the plan page, without the form below them."""
    start = page.index('id="voice"')
    end = page.index("</section>", start)
    form = page.find("<details", start, end)
    return page[start : end if form == -1 else form]


def family_voice(casework: Casework, make_citizen: Callable[..., User], text: str) -> Voice:
    """The mother, signed in as herself, adds her own words (her child is under 16)."""
    mother = actor_for(make_citizen(casework.mother))
    return services.add_voice(casework.case, by=mother, kind=Voice.Kind.WORKS, text=text)


def on_behalf(casework: Casework, text: str, kind: str = Voice.Kind.MATTERS) -> Voice:
    return services.add_voice(casework.case, by=actor_for(casework.teacher), kind=kind, text=text)


# --- the plan page ------------------------------------------------------------------------


def test_a_professional_writes_down_the_childs_words_marked_as_on_the_childs_behalf(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    response = client.post(
        voice_url(casework), {"voice-kind": "matters", "voice-text": "Jeg liker friminuttene"}
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(casework) + "#voice"
    voice = Voice.objects.get(case=casework.case)
    assert voice.on_behalf and voice.recorded_by == casework.teacher
    assert voice.recorded_service == casework.school
    assert voice.speaker == Voice.Speaker.CHILD and voice.person == casework.child
    assert AuditEvent.objects.filter(
        action="create", outcome="granted", object_type="coordination.voice",
        object_id=str(voice.pk), actor_id=casework.teacher.pk, person_id=casework.child.pk,
    ).exists()  # fmt: skip
    section = voice_section(text_of(client.get(plan_url(casework))))
    assert "Jeg liker friminuttene" in section
    assert f"Written down by {casework.school.name} on the child's behalf" in section
    assert "The child's own words" not in section


def test_the_familys_own_words_appear_in_the_plan_marked_as_theirs(
    casework: Casework, client_for: ClientFor, make_citizen: Callable[..., User]
) -> None:
    voice = family_voice(casework, make_citizen, "Hun sover bedre nå")
    assert voice.speaker == Voice.Speaker.FAMILY and not voice.on_behalf
    section = voice_section(text_of(client_for(casework.teacher).get(plan_url(casework))))
    assert "Hun sover bedre nå" in section
    assert "What works" in section
    assert '<span class="ds-tag" data-color="info">The family\'s own words</span>' in section
    assert "on the child's behalf" not in section


def test_a_youths_own_words_are_marked_as_the_childs_own_words(
    casework: Casework,
    client_for: ClientFor,
    make_person: Callable[..., Person],
    make_citizen: Callable[..., User],
    concern_by: Callable[..., Any],
) -> None:
    today = timezone.localdate()
    youth = make_person("Ung", "Testesen", born=today.replace(year=today.year - 17))
    case = concern_by(youth)
    services.add_voice(case, by=actor_for(make_citizen(youth)), kind=Voice.Kind.MATTERS,
                       text="Jeg vil bestemme selv")  # fmt: skip
    page = text_of(client_for(casework.teacher).get(f"/work/cases/{case.pk}/plan/"))
    section = voice_section(page)
    assert "Jeg vil bestemme selv" in section and "The child's own words" in section


def test_voices_are_listed_newest_first_with_a_meetings_rating(
    casework: Casework, client_for: ClientFor, make_citizen: Callable[..., User]
) -> None:
    meeting = services.schedule_meeting(
        casework.case,
        by=actor_for(casework.teacher),
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )
    on_behalf(casework, "Først")
    mother = actor_for(make_citizen(casework.mother))
    services.add_voice(casework.case, by=mother, kind=Voice.Kind.MEETING, rating=3,
                       meeting=meeting)  # fmt: skip
    on_behalf(casework, "Sist")
    section = voice_section(text_of(client_for(casework.teacher).get(plan_url(casework))))
    assert section.index("Sist") < section.index("After the meeting") < section.index("Først")
    with translation.override("en"):
        when = date_format(timezone.localtime(meeting.starts_at), "SHORT_DATE_FORMAT")
    assert f"3 of 5, after the meeting on {when}" in section


def test_an_empty_text_gets_a_field_error_and_keeps_what_was_chosen(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.teacher).post(
        voice_url(casework), {"voice-kind": "not_working", "voice-text": "   "}
    )
    page = text_of(response)
    assert response.status_code == 400
    assert (
        '<div id="id_voice-text_error"><p class="ds-validation-message" data-color="danger">'
        "Write down what the child said.</p>"
    ) in page
    assert 'aria-describedby="id_voice-text_helptext id_voice-text_error"' in page
    assert re.search(
        r'<input type="radio" name="voice-kind" value="not_working"[^>]* checked>', page
    )
    assert '<details class="ds-details" open>' in page
    assert not Voice.objects.exists()


def test_a_goal_is_chosen_only_for_the_childs_goal_in_their_own_words(
    casework: Casework, client_for: ClientFor
) -> None:
    goal = services.add_goal(casework.case.plan, by=actor_for(casework.teacher), title="Lese")
    client = client_for(casework.teacher)
    wrong = client.post(
        voice_url(casework),
        {"voice-kind": "works", "voice-text": "Lesing med en venn", "voice-goal": goal.pk},
    )
    assert wrong.status_code == 400
    assert "Choose a goal only for" in text_of(wrong)
    right = client.post(
        voice_url(casework),
        {"voice-kind": "goal", "voice-text": "Jeg vil lese Harry Potter", "voice-goal": goal.pk},
    )
    assert right.status_code == 302
    assert Voice.objects.get().goal == goal
    section = voice_section(text_of(client.get(plan_url(casework))))
    assert "About the goal: Lese" in section


def test_a_professional_outside_the_team_is_refused_and_nothing_is_written(
    casework: Casework, client_for: ClientFor
) -> None:
    response = client_for(casework.adviser).post(
        voice_url(casework), {"voice-kind": "matters", "voice-text": "Ord"}
    )
    assert response.status_code == 404
    assert not Voice.objects.exists()
    assert AuditEvent.objects.filter(actor_id=casework.adviser.pk, outcome="refused").exists()


def test_a_service_leader_reads_the_voices_but_does_not_write_them(
    casework: Casework, client_for: ClientFor
) -> None:
    on_behalf(casework, "Jeg gruer meg til gym")
    client = client_for(casework.leader)
    page = text_of(client.get(plan_url(casework)))
    assert "Jeg gruer meg til gym" in voice_section(page)
    assert "Write down the child's words" not in page
    response = client.post(voice_url(casework), {"voice-kind": "matters", "voice-text": "Ord"})
    assert response.status_code == 403
    assert Voice.objects.count() == 1
    assert AuditEvent.objects.filter(
        actor_id=casework.leader.pk, action="update", outcome="refused"
    ).exists()


def test_every_voice_shown_is_a_read_in_the_audit_log(
    casework: Casework, client_for: ClientFor
) -> None:
    voice = on_behalf(casework, "Ord")
    client_for(casework.leader).get(plan_url(casework))
    assert AuditEvent.objects.filter(
        actor_id=casework.leader.pk, action="view", outcome="granted",
        object_type="coordination.voice", object_id=str(voice.pk),
    ).exists()  # fmt: skip


def test_the_print_view_shows_the_voices_and_names_only_the_sector_for_a_protected_address(
    casework: Casework, client_for: ClientFor
) -> None:
    on_behalf(casework, "Jeg liker å tegne")
    client = client_for(casework.teacher)
    printed = text_of(client.get(plan_url(casework, "print/")))
    assert "Jeg liker å tegne" in printed
    assert f"Written down by {casework.school.name} on the child's behalf" in printed
    Person.objects.filter(pk=casework.child.pk).update(
        address_protection=AddressProtection.STRICTLY_CONFIDENTIAL
    )
    printed = text_of(client.get(plan_url(casework, "print/")))
    main = printed[printed.index("<main") : printed.index("</main>")]
    assert casework.school.name not in main
    with translation.override("en"):
        sector = casework.school.get_sector_display()
    assert f"Written down by {sector} on the child's behalf" in main


PLAN_PAGE_QUERIES = 45


def test_the_plan_page_costs_the_same_number_of_queries_for_1_and_10_voices(
    casework: Casework, client_for: ClientFor
) -> None:
    client = client_for(casework.teacher)
    client.get(plan_url(casework))
    on_behalf(casework, "Ord 0")
    with CaptureQueriesContext(connection) as one:
        assert client.get(plan_url(casework)).status_code == 200
    for number in range(1, 10):
        on_behalf(casework, f"Ord {number}")
    with CaptureQueriesContext(connection) as ten:
        page = text_of(client.get(plan_url(casework)))
    assert len(ten) == len(one) <= PLAN_PAGE_QUERIES
    assert page.count("Ord ") >= 10


# --- the selector ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "leader", "adviser"])
def test_the_selector_decides_each_voice_as_the_policy_does(
    who: str, casework: Casework, make_citizen: Callable[..., User]
) -> None:
    on_behalf(casework, "Ord")
    family_voice(casework, make_citizen, "Våre ord")
    actor = actor_for(getattr(casework, who))
    access = policy.case_access(actor, casework.case)
    shown = selectors.voices_for(actor, access, casework.case)
    expected = [v for v in Voice.objects.all() if policy.decide(actor, "view", v)]
    assert {v.pk for v in shown} == {v.pk for v in expected}
    assert len(shown) == (0 if who == "adviser" else 2)
    outcomes = AuditEvent.objects.filter(
        actor_id=getattr(casework, who).pk, action="view", object_type="coordination.voice"
    ).values_list("outcome", flat=True)
    assert list(outcomes) == (["refused"] * 2 if who == "adviser" else ["granted"] * 2)


def test_the_selector_refuses_an_access_worked_out_for_another_actor(casework: Casework) -> None:
    access = policy.case_access(actor_for(casework.teacher), casework.case)
    with pytest.raises(ValueError):
        selectors.voices_for(actor_for(casework.leader), access, casework.case)


# --- the API --------------------------------------------------------------------------------


def test_the_api_plan_lists_the_voices_marked_as_whose_words_they_are(
    casework: Casework, make_citizen: Callable[..., User]
) -> None:
    mine = family_voice(casework, make_citizen, "Hun sover bedre nå")
    written = on_behalf(casework, "Jeg liker friminuttene")
    response = api_client_for(casework.teacher).get(f"/cases/{casework.case.pk}/plan")
    assert response.status_code == 200
    voices = response.json()["voices"]
    assert [v["id"] for v in voices] == [written.pk, mine.pk]
    assert voices[0] == {
        **voices[0],
        "kind": "matters",
        "text": "Jeg liker friminuttene",
        "rating": None,
        "meeting_id": None,
        "goal_id": None,
        "speaker": "child",
        "on_behalf": True,
    }
    assert voices[0]["recorded_service"]["name"] == casework.school.name
    assert voices[1]["speaker"] == "family" and voices[1]["on_behalf"] is False
    assert voices[1]["recorded_service"] is None


def test_the_api_writes_down_the_childs_words_on_their_behalf(casework: Casework) -> None:
    goal = services.add_goal(casework.case.plan, by=actor_for(casework.teacher), title="Lese")
    response = api_client_for(casework.teacher).post(
        f"/cases/{casework.case.pk}/voices",
        {"kind": "goal", "text": "Jeg vil lese selv", "goal_id": goal.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["on_behalf"] is True and body["goal_id"] == goal.pk
    assert Voice.objects.get(pk=body["id"]).recorded_by == casework.teacher


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "matters", "text": "  "}, "text"),
        ({"kind": "matters"}, "text"),
        ({"kind": "matters", "text": "x" * 2_001}, "text"),
        ({"kind": "meeting", "text": "Bra"}, "kind"),
        ({"kind": "matters", "text": "Ord", "goal_id": 999_999}, "goal_id"),
        ({"kind": "matters", "text": "Ord", "rating": 3}, "rating"),
    ],
)
def test_the_api_answers_bad_input_field_by_field(
    body: dict[str, Any], field: str, casework: Casework
) -> None:
    response = api_client_for(casework.teacher).post(f"/cases/{casework.case.pk}/voices", body)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert not Voice.objects.exists()


def test_the_api_goal_of_another_kind_is_a_field_error(casework: Casework) -> None:
    goal = services.add_goal(casework.case.plan, by=actor_for(casework.teacher), title="Lese")
    response = api_client_for(casework.teacher).post(
        f"/cases/{casework.case.pk}/voices", {"kind": "works", "text": "Ord", "goal_id": goal.pk}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["goal_id"]


def test_the_api_refuses_outside_the_team_and_a_leader(casework: Casework) -> None:
    path, body = f"/cases/{casework.case.pk}/voices", {"kind": "matters", "text": "Ord"}
    assert api_client_for(casework.adviser).post(path, body).status_code == 404
    assert (
        api_client_for(casework.adviser).get(f"/cases/{casework.case.pk}/plan").status_code == 404
    )
    refused = api_client_for(casework.leader).post(path, body)
    assert refused.status_code == 403
    assert refused.json()["reason"]
    assert not Voice.objects.exists()
