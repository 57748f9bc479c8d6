"""A child's case over the API, from the concern to closing, with the same rules as the pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.api.support import ApiClient, created

from samhandling.accounts.models import User
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Sector
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person

TODAY = datetime.datetime.now(tz=datetime.UTC).date()


@dataclass
class Flow:
    """A case built over the API, with one of everything in it."""

    teacher: ApiClient
    case_id: int
    child: Person
    guardian: Person
    consent_id: int
    member_id: int
    entry_id: int
    goal_id: int
    measure_id: int
    referral_id: int
    transition_id: int
    ids: dict[str, int]


@pytest.fixture
def flow(
    teacher: User,
    school: Organisation,
    ppt: Organisation,
    health: Organisation,
    psychologist: User,
    nurse: User,
    make_person: Callable[..., Person],
    api_as: Callable[[User], ApiClient],
) -> Flow:
    api = api_as(teacher)
    child = make_person("Ola", "Nordmann", born=datetime.date(2012, 5, 17))
    case_id = created(
        api.post(
            "/cases",
            {
                "person_id": child.pk,
                "text": "Sleeps in class",
                "childs_words": "I am tired",
                "observed_on": TODAY.isoformat(),
            },
        )
    )["case_id"]
    guardian = make_person("Kari", "Nordmann", born=datetime.date(1985, 1, 1))
    people.relate(
        child,
        by=actor_for(teacher),
        relative=guardian,
        kind=FamilyRelation.Kind.GUARDIAN,
        parental_responsibility=True,
    )
    entry_id = created(
        api.post(
            f"/cases/{case_id}/log-entries",
            {
                "kind": "conversation",
                "text": "Talked with Ola about sleep",
            },
        )
    )["id"]
    consent_id = created(
        api.post(
            f"/cases/{case_id}/consents",
            {
                "given_by_id": guardian.pk,
                "form": "written",
                "purpose": "Cooperation around Ola",
                "sectors": ["school", "ppt", "school_health"],
                "service_ids": [school.pk, ppt.pk, health.pk],
            },
        )
    )["id"]
    member_id = created(
        api.post(
            f"/cases/{case_id}/team",
            {
                "organisation_id": ppt.pk,
                "user_id": psychologist.pk,
                "role": "assessment",
            },
        )
    )["id"]
    version = api.get(f"/cases/{case_id}/plan").json()["version"]
    goal = created(
        api.post(
            f"/cases/{case_id}/plan/goals",
            {
                "title": "Sleeps well and has energy at school",
                "childs_words": "Not tired",
                "expected_version": version,
            },
        )
    )
    measure = created(
        api.post(
            f"/cases/{case_id}/plan/measures",
            {
                "title": "Sleep conversations",
                "responsible_service_id": ppt.pk,
                "responsible_user_id": psychologist.pk,
                "starts": TODAY.isoformat(),
                "goal_id": goal["id"],
                "expected_version": goal["plan_version"],
            },
        )
    )
    referral_id = created(
        api.post(
            "/referrals",
            {
                "case_id": case_id,
                "to_service_id": health.pk,
                "reason": "Sleep assessment",
                "consent_id": consent_id,
                "answer_within_days": 10,
            },
        )
    )["id"]
    transition_id = created(
        api.post(
            "/transitions",
            {
                "case_id": case_id,
                "kind": "lower_upper",
                "planned_for": "2027-08-15",
                "from_service_id": school.pk,
            },
        )
    )["id"]
    meeting_id = created(
        api.post(
            f"/cases/{case_id}/meetings",
            {
                "starts_at": "2030-01-10T09:00:00",
                "place": "Meeting room 2",
                "agenda": "Sleep",
                "participant_ids": [member_id],
            },
        )
    )["id"]
    return Flow(
        api,
        case_id,
        child,
        guardian,
        consent_id,
        member_id,
        entry_id,
        goal["id"],
        measure["id"],
        referral_id,
        transition_id,
        {"plan_version": measure["plan_version"], "meeting": meeting_id},
    )


def test_the_whole_course_of_a_case_over_the_api(
    flow: Flow,
    nurse: User,
    headteacher: User,
    psychologist: User,
    api_as: Callable[[User], ApiClient],
) -> None:
    api, case_id = flow.teacher, flow.case_id
    case = api.get(f"/cases/{case_id}").json()
    assert case["standing"] == "coordinator" and case["level"] == 0
    assert case["person"] == {
        "id": flow.child.pk,
        "given_name": "Ola",
        "family_name": "Nordmann",
        "date_of_birth": "2012-05-17",
    }

    log = api.get(f"/cases/{case_id}/log-entries").json()
    assert [e["kind"] for e in log["items"]] == ["conversation", "concern"]
    corrected = created(
        api.post(
            f"/cases/{case_id}/log-entries/{flow.entry_id}/corrections",
            {"text": "Talked with Ola about sleep and screens"},
        )
    )
    assert corrected["replaces_id"] == flow.entry_id and corrected["kind"] == "conversation"
    log = api.get(f"/cases/{case_id}/log-entries").json()
    assert flow.entry_id not in [e["id"] for e in log["items"]]

    team = api.get(f"/cases/{case_id}/team").json()
    assert {m["organisation"]["name"] for m in team} == {"school 4003", "PPT Skien"}

    plan = api.get(f"/cases/{case_id}/plan").json()
    assert plan["version"] == flow.ids["plan_version"]
    assert [g["title"] for g in plan["goals"]] == ["Sleeps well and has energy at school"]
    assert plan["measures"][0]["responsible_user"]["id"] == psychologist.pk

    stale = api.post(
        f"/cases/{case_id}/plan/goals", {"title": "Another goal", "expected_version": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == flow.ids["plan_version"]
    evaluation = created(
        api.post(
            f"/cases/{case_id}/plan/evaluations",
            {
                "outcome": "early",
                "text": "Started last week",
                "measure_id": flow.measure_id,
                "expected_version": flow.ids["plan_version"],
            },
        )
    )
    summary = api.patch(
        f"/cases/{case_id}/plan",
        {"summary": "Sleep and school", "expected_version": evaluation["plan_version"]},
    )
    assert summary.status_code == 200 and summary.json()["version"] == plan["version"] + 2

    nurse_api = api_as(nurse)
    incoming = nurse_api.get("/referrals").json()["incoming"]
    assert [r["id"] for r in incoming] == [flow.referral_id]
    assert nurse_api.get(f"/cases/{case_id}").status_code == 404  # not in the team yet
    accepted = nurse_api.post(f"/referrals/{flow.referral_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert nurse_api.get(f"/cases/{case_id}").json()["standing"] == "member"
    assert api.get("/referrals").json()["sent"][0]["status"] == "accepted"
    assert nurse_api.post(f"/referrals/{flow.referral_id}/complete").json()["status"] == (
        "completed"
    )

    meetings = api.get(f"/cases/{case_id}/meetings").json()
    assert meetings[0]["participant_ids"] == [flow.member_id]
    transitions = api.get(f"/transitions?case_id={case_id}").json()
    assert [t["kind"] for t in transitions] == ["lower_upper"]
    assert api.get("/transitions").json()[0]["id"] == flow.transition_id
    done = api.post(f"/transitions/{flow.transition_id}/complete")
    assert done.status_code == 200 and done.json()["status"] == "done"

    version = api.get(f"/cases/{case_id}").json()["version"]
    changed = api.patch(
        f"/cases/{case_id}/level",
        {"level": 2, "reason": "Two services", "expected_version": version},
    )
    assert changed.status_code == 200 and changed.json()["level"] == 2
    again = api.patch(
        f"/cases/{case_id}/level", {"level": 3, "reason": "More", "expected_version": version}
    )
    assert again.status_code == 409 and again.json()["current_version"] == version + 1

    closing = api.post(f"/cases/{case_id}/close", {"reason": "Sleeps well now"})
    assert closing.status_code == 200 and closing.json()["status"] == "closing"
    assert api.post(f"/cases/{case_id}/approve-close").status_code == 403
    approved = api_as(headteacher).post(f"/cases/{case_id}/approve-close")
    assert approved.status_code == 200 and approved.json()["status"] == "closed"
    assert (
        api.post(f"/cases/{case_id}/log-entries", {"kind": "note", "text": "Late"}).status_code
        == 403
    )
    reopened = api.post(f"/cases/{case_id}/reopen", {"reason": "Tired again"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert api.get("/cases").json()["count"] == 1


def test_only_the_receiving_service_answers_a_referral(flow: Flow) -> None:
    assert flow.teacher.post(f"/referrals/{flow.referral_id}/accept").status_code == 403


def test_consent_withdrawal_and_leaving_the_team(flow: Flow) -> None:
    api = flow.teacher
    withdrawn = api.post(f"/consents/{flow.consent_id}/withdraw", {"reason": "The family asked"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    consents = api.get(f"/cases/{flow.case_id}/consents").json()
    assert consents["consents"][0]["status"] == "withdrawn"
    removed = api.delete(f"/cases/{flow.case_id}/team/{flow.member_id}")
    assert removed.status_code == 204
    assert api.delete(f"/cases/{flow.case_id}/team/{flow.member_id}").status_code == 404
    team = api.get(f"/cases/{flow.case_id}/team").json()
    assert flow.member_id not in [m["id"] for m in team]


def test_a_team_member_sees_only_what_is_shared_with_the_team(
    flow: Flow, psychologist: User, api_as: Callable[[User], ApiClient]
) -> None:
    created(
        flow.teacher.post(
            f"/cases/{flow.case_id}/log-entries",
            {
                "kind": "note",
                "text": "For the school only",
                "visibility": "service",
            },
        )
    )
    log = api_as(psychologist).get(f"/cases/{flow.case_id}/log-entries").json()
    assert "For the school only" not in [e["text"] for e in log["items"]]
    assert log["hidden"] == 1


def test_a_concern_about_a_child_with_a_case_you_cannot_see_is_forwarded_silently(
    flow: Flow, nurse: User, api_as: Callable[[User], ApiClient]
) -> None:
    response = api_as(nurse).post("/cases", {"person_id": flow.child.pk, "text": "Worried"})
    assert response.status_code == 202
    assert response.json() == {"status": "forwarded"}


def test_a_service_leader_may_read_but_not_write_in_the_case(
    flow: Flow, headteacher: User, api_as: Callable[[User], ApiClient]
) -> None:
    leader = api_as(headteacher)
    assert leader.get(f"/cases/{flow.case_id}").json()["standing"] == "service_leader"
    refused = leader.post(f"/cases/{flow.case_id}/log-entries", {"kind": "note", "text": "Hi"})
    assert refused.status_code == 403
    assert set(refused.json()) == {"detail", "reason"}


def case_endpoints(flow: Flow, health: Organisation) -> list[tuple[str, str, Any]]:
    """Every route that names a case or a record of one, with a body that would be valid."""
    c, version = flow.case_id, flow.ids["plan_version"]
    return [
        ("get", f"/cases/{c}", None),
        ("patch", f"/cases/{c}/level", {"level": 1, "reason": "x", "expected_version": 1}),
        ("post", f"/cases/{c}/close", {"reason": "x"}),
        ("post", f"/cases/{c}/approve-close", None),
        ("post", f"/cases/{c}/reopen", {"reason": "x"}),
        ("get", f"/cases/{c}/log-entries", None),
        ("post", f"/cases/{c}/log-entries", {"kind": "note", "text": "x"}),
        ("post", f"/cases/{c}/log-entries/{flow.entry_id}/corrections", {"text": "x"}),
        ("get", f"/cases/{c}/team", None),
        ("post", f"/cases/{c}/team", {"organisation_id": health.pk}),
        ("delete", f"/cases/{c}/team/{flow.member_id}", None),
        ("get", f"/cases/{c}/consents", None),
        (
            "post",
            f"/cases/{c}/consents",
            {
                "given_by_id": flow.guardian.pk,
                "form": "oral",
                "purpose": "x",
                "sectors": ["school"],
                "service_ids": [health.pk],
            },
        ),
        ("post", f"/consents/{flow.consent_id}/withdraw", {}),
        ("get", f"/cases/{c}/plan", None),
        ("patch", f"/cases/{c}/plan", {"summary": "x", "expected_version": version}),
        ("post", f"/cases/{c}/plan/goals", {"title": "x", "expected_version": version}),
        (
            "post",
            f"/cases/{c}/plan/measures",
            {
                "title": "x",
                "responsible_service_id": health.pk,
                "starts": "2030-01-01",
                "expected_version": version,
            },
        ),
        (
            "post",
            f"/cases/{c}/plan/evaluations",
            {
                "outcome": "worked",
                "text": "x",
                "goal_id": flow.goal_id,
                "expected_version": version,
            },
        ),
        ("get", f"/cases/{c}/meetings", None),
        ("post", f"/cases/{c}/meetings", {"starts_at": "2030-01-01T10:00:00Z"}),
        (
            "post",
            "/referrals",
            {
                "case_id": c,
                "to_service_id": health.pk,
                "reason": "x",
                "consent_id": flow.consent_id,
            },
        ),
        ("get", f"/referrals/{flow.referral_id}", None),
        ("post", f"/referrals/{flow.referral_id}/received", None),
        ("post", f"/referrals/{flow.referral_id}/accept", None),
        ("post", f"/referrals/{flow.referral_id}/decline", {"reason": "x"}),
        ("post", f"/referrals/{flow.referral_id}/complete", None),
        ("get", f"/transitions?case_id={c}", None),
        ("post", "/transitions", {"case_id": c, "kind": "moving", "planned_for": "2030-01-01"}),
        ("post", f"/transitions/{flow.transition_id}/complete", None),
    ]


@pytest.fixture
def stranger(
    skien: Any, make_service: Callable[..., Organisation], make_user: Callable[..., User]
) -> User:
    """A professional in the child's municipality, in a service outside the team."""
    return make_user(make_service(skien, Sector.KINDERGARTEN), username="stranger")


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_every_case_endpoint_is_404_outside_the_team(
    who: str,
    flow: Flow,
    health: Organisation,
    api_as: Callable[[User], ApiClient],
    request: pytest.FixtureRequest,
) -> None:
    api = api_as(request.getfixturevalue(who))
    not_found = api.get("/cases/999999999").json()
    endpoints = case_endpoints(flow, health)
    for method, path, body in endpoints:
        args = () if method in ("get", "delete") else (body,)
        response = getattr(api, method)(path, *args)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json() == not_found, path
    assert api.get("/cases").json()["count"] == 0
    referrals = api.get("/referrals").json()
    assert (referrals["incoming"], referrals["sent"]) == ([], [])
    assert (referrals["incoming_count"], referrals["sent_count"]) == (0, 0)
    assert api.get("/transitions").json() == []
    assert len(endpoints) >= 30


def test_a_missing_record_and_a_forbidden_one_answer_alike(
    flow: Flow, outsider: User, api_as: Callable[[User], ApiClient]
) -> None:
    api = api_as(outsider)
    forbidden = api.get(f"/cases/{flow.case_id}")
    missing = api.get("/cases/999999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def _queries(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured)


LISTS = ["/cases", "/log-entries", "/team", "/consents", "/plan", "/meetings", "/referrals",
         "/transitions"]  # fmt: skip


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_number_of_queries_however_long_it_is(
    path: str,
    flow: Flow,
    health: Organisation,
    nurse: User,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> None:
    api, case_id = flow.teacher, flow.case_id
    url = path if path in ("/cases", "/referrals", "/transitions") else f"/cases/{case_id}{path}"
    before = _queries(lambda: api.get(url))
    concern_by(make_person("Barn", "Nordmann"))
    created(api.post(f"/cases/{case_id}/team", {"organisation_id": health.pk, "user_id": nurse.pk}))
    version = api.get(f"/cases/{case_id}/plan").json()["version"]
    for number in range(3):
        created(api.post(f"/cases/{case_id}/log-entries", {"kind": "note", "text": "More"}))
        created(api.post(f"/cases/{case_id}/meetings", {"starts_at": "2030-02-01T10:00:00"}))
        goal = created(api.post(f"/cases/{case_id}/plan/goals", {
            "title": f"Goal {number}", "expected_version": version,
        }))  # fmt: skip
        version = goal["plan_version"]
    created(api.post("/transitions", {"case_id": case_id, "kind": "school_work",
                                      "planned_for": "2031-06-20"}))  # fmt: skip
    assert _queries(lambda: api.get(url)) == before
