"""The relay log over the API comes a page at a time, in the same envelope as the case list:
`count`, `limit`, `offset` and `items`, with `hidden` and `more`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.api.support import ApiClient, created

from samhandling.accounts.models import User
from samhandling.organisations.models import Organisation
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db

# Oldest first: the newer entries alternate between the team's and the school's own.
VISIBILITIES = ["team"] * 3 + ["service", "team"] * 4
SHARED = VISIBILITIES.count("team")  # seen by the whole team
OWN = VISIBILITIES.count("service")  # the school's own, hidden from the psychologist
FIRST_DAY = datetime.date(2025, 1, 1)


@dataclass
class Log:
    case_id: int
    teacher: ApiClient
    psychologist: ApiClient


@pytest.fixture
def log(
    teacher: User,
    school: Organisation,
    ppt: Organisation,
    psychologist: User,
    make_person: Callable[..., Person],
    make_guardian: Callable[..., Person],
    api_as: Callable[[User], ApiClient],
) -> Log:
    """A case whose log has, besides the concern it opened with, SHARED team entries and OWN
    school-only ones, interleaved."""
    api = api_as(teacher)
    child = make_person("Ola", "Sidesen", born=datetime.date(2012, 5, 17))
    guardian = make_guardian(child)
    case_id = created(api.post("/cases", {"person_id": child.pk, "text": "Sleeps in class"}))[
        "case_id"
    ]
    created(api.post(f"/cases/{case_id}/consents", {
        "given_by_id": guardian.pk, "form": "written", "purpose": "Cooperation",
        "sectors": ["school", "ppt"], "service_ids": [school.pk, ppt.pk],
    }))  # fmt: skip
    created(api.post(f"/cases/{case_id}/team", {"organisation_id": ppt.pk,
                                                 "user_id": psychologist.pk}))  # fmt: skip
    for number, visibility in enumerate(VISIBILITIES):
        created(api.post(f"/cases/{case_id}/log-entries", {
            "kind": "note", "text": f"Entry {visibility} {number}", "visibility": visibility,
            "occurred_on": (FIRST_DAY + datetime.timedelta(days=number)).isoformat(),
        }))  # fmt: skip
    return Log(case_id, api, api_as(psychologist))


def page(client: ApiClient, case_id: int, query: str) -> Any:
    response = client.get(f"/cases/{case_id}/log-entries?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_log_comes_a_page_at_a_time_newest_first(log: Log) -> None:
    everything = page(log.teacher, log.case_id, "limit=200")
    assert everything["count"] == len(everything["items"]) >= SHARED + OWN
    first = page(log.teacher, log.case_id, "limit=5")
    second = page(log.teacher, log.case_id, "limit=5&offset=5")
    assert first["count"] == second["count"] == everything["count"]
    assert (first["limit"], first["offset"], second["offset"]) == (5, 0, 5)
    assert len(first["items"]) == len(second["items"]) == 5
    assert [e["id"] for e in first["items"] + second["items"]] == [
        e["id"] for e in everything["items"][:10]
    ]
    assert first["more"] and second["more"]


def test_the_last_page_holds_the_rest_and_says_there_is_no_more(log: Log) -> None:
    count = page(log.teacher, log.case_id, "limit=1")["count"]
    last = page(log.teacher, log.case_id, f"limit=5&offset={count - 2}")
    assert len(last["items"]) == 2 and last["more"] is False


def test_a_page_past_the_end_is_empty_with_the_count_as_in_the_case_list(log: Log) -> None:
    count = page(log.teacher, log.case_id, "limit=1")["count"]
    beyond = page(log.teacher, log.case_id, "limit=5&offset=1000")
    assert beyond["items"] == [] and beyond["count"] == count
    assert beyond["hidden"] == 0 and beyond["more"] is False
    assert page(log.teacher, log.case_id, f"offset={2**63 - 1}")["items"] == []


def test_count_and_pages_hold_only_what_the_reader_may_see(log: Log) -> None:
    mine = page(log.teacher, log.case_id, "limit=200")
    whole = page(log.psychologist, log.case_id, "limit=200")
    assert whole["count"] == len(whole["items"]) == mine["count"] - OWN
    assert whole["hidden"] == OWN
    assert not any(e["text"].startswith("Entry service") for e in whole["items"])
    offsets = range(0, whole["count"], 3)
    pages = [page(log.psychologist, log.case_id, f"limit=3&offset={o}") for o in offsets]
    assert all(len(p["items"]) == 3 for p in pages[:-1]) and 1 <= len(pages[-1]["items"]) <= 3
    assert [p["more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert [e["id"] for p in pages for e in p["items"]] == [e["id"] for e in whole["items"]]
    # Each hidden entry is counted on exactly one page: the one whose stretch it falls in.
    assert sum(p["hidden"] for p in pages) == OWN


@pytest.mark.parametrize("query", ["offset=-1", "offset=abc", "limit=0", "limit=201",
                                   f"offset={2**63}"])  # fmt: skip
def test_a_bad_page_is_refused_as_bad_input_not_a_server_error(log: Log, query: str) -> None:
    response = log.teacher.get(f"/cases/{log.case_id}/log-entries?{query}")
    assert response.status_code == 422, response.content


def test_the_schema_describes_the_paging(log: Log) -> None:
    schema = log.teacher.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/cases/{case_id}/log-entries"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"limit", "offset"}
    envelope = schema["components"]["schemas"]["LogOut"]["properties"]
    assert set(envelope) >= {"count", "limit", "offset", "items", "hidden", "more"}
