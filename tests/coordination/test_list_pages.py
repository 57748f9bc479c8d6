"""Long lists in a professional's day come a page at a time: the referrals to and from my
service (each list with its own page, ?incoming= and ?sent=) and the cases waiting for a
service leader's approval to close (?page=). Bad input is the first page, past the end the
last page; never a server error."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.api.support import api_client_for
from tests.coordination.casework import Casework

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.coordination import services
from samhandling.coordination.models import Case, Referral, TeamMember
from samhandling.coordination.selectors import PAGE_SIZE
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
EXTRA = 3  # rows on the second page


def sent_referrals(casework: Casework, count: int) -> list[int]:
    """`count` referrals from the school to PPT, newest first (one sent through the service,
    the rest copies of it a minute apart)."""
    consent = casework.consent(casework.ppt)
    first = services.refer(
        casework.case,
        by=actor_for(casework.teacher),
        to_service=casework.ppt,
        reason="Vurdering 0",
        consent=consent,
    )
    now = timezone.now()
    copies = [
        Referral(
            case=first.case,
            municipality_id=first.municipality_id,
            from_service=first.from_service,
            to_service=first.to_service,
            reason=f"Vurdering {number}",
            consent=consent,
            sent_by=first.sent_by,
            sent_at=now - datetime.timedelta(minutes=number),
            answer_due=first.answer_due,
        )
        for number in range(1, count)
    ]
    Referral.objects.bulk_create(copies)
    Referral.objects.filter(pk=first.pk).update(sent_at=now + datetime.timedelta(minutes=1))
    return list(Referral.objects.order_by("-sent_at", "-pk").values_list("pk", flat=True))


def listed(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/work/referrals/(\d+)/"', page)]


def section(page: str, heading_id: str) -> str:
    """The part of the page from the section with this heading to the next section."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


@pytest.fixture
def many_sent(casework: Casework) -> list[int]:
    return sent_referrals(casework, PAGE_SIZE + EXTRA)


def test_the_sent_referrals_come_a_page_at_a_time(
    casework: Casework, client_for: ClientFor, many_sent: list[int]
) -> None:
    teacher = client_for(casework.teacher)
    first = teacher.get("/work/referrals/").content.decode()
    assert listed(section(first, "sent-heading")) == many_sent[:PAGE_SIZE]
    assert f"Showing 1–{PAGE_SIZE} of {PAGE_SIZE + EXTRA}" in first
    assert 'href="?sent=2#sent-heading" rel="next"' in first
    second = teacher.get("/work/referrals/?sent=2").content.decode()
    assert listed(section(second, "sent-heading")) == many_sent[PAGE_SIZE:]
    assert 'href="?sent=1#sent-heading" rel="prev"' in second


def test_the_receiving_service_pages_its_incoming_referrals(
    casework: Casework, client_for: ClientFor, many_sent: list[int]
) -> None:
    adviser = client_for(casework.adviser)
    first = adviser.get("/work/referrals/").content.decode()
    assert listed(section(first, "incoming-heading")) == many_sent[:PAGE_SIZE]
    assert listed(section(first, "sent-heading")) == []
    second = adviser.get("/work/referrals/?incoming=2").content.decode()
    assert listed(section(second, "incoming-heading")) == many_sent[PAGE_SIZE:]


def test_each_list_keeps_its_own_page(
    casework: Casework, client_for: ClientFor, many_sent: list[int]
) -> None:
    """A link to the next page of one list keeps the other list where it is."""
    page = client_for(casework.teacher).get("/work/referrals/?incoming=3").content.decode()
    assert 'href="?incoming=3&amp;sent=2#sent-heading" rel="next"' in page


@pytest.mark.parametrize("asked", ["99", "1000000000000000000000"])
def test_a_page_past_the_end_is_the_last_page(
    casework: Casework, client_for: ClientFor, many_sent: list[int], asked: str
) -> None:
    page = client_for(casework.teacher).get(f"/work/referrals/?sent={asked}")
    assert page.status_code == 200
    assert listed(section(page.content.decode(), "sent-heading")) == many_sent[PAGE_SIZE:]


@pytest.mark.parametrize("asked", ["abc", "", "1.5", "%00", "0x2"])
def test_a_page_that_is_not_a_number_is_the_first_page(
    casework: Casework, client_for: ClientFor, many_sent: list[int], asked: str
) -> None:
    page = client_for(casework.teacher).get(f"/work/referrals/?sent={asked}&incoming={asked}")
    assert page.status_code == 200
    assert listed(section(page.content.decode(), "sent-heading")) == many_sent[:PAGE_SIZE]


def test_one_short_list_shows_no_page_links(casework: Casework, client_for: ClientFor) -> None:
    sent = sent_referrals(casework, 2)
    page = client_for(casework.teacher).get("/work/referrals/").content.decode()
    assert listed(section(page, "sent-heading")) == sent
    assert "ds-pagination" not in page and "Showing 1–2 of 2" in page


def test_the_referral_pages_name_no_child_in_the_address(
    casework: Casework, client_for: ClientFor, many_sent: list[int]
) -> None:
    page = client_for(casework.teacher).get("/work/referrals/").content.decode()
    links = re.findall(r'href="(\?[^"]*)"', page)
    assert links and all(re.fullmatch(r"\?(incoming=\d+&amp;)?sent=\d+#sent-heading", link)
                         for link in links)  # fmt: skip


# --- the service leader's review ---------------------------------------------------------------


def referral_ids(body: dict[str, Any], kind: str) -> list[int]:
    return [referral["id"] for referral in body[kind]]


def test_the_api_gives_each_list_of_referrals_a_slice_at_a_time_with_its_count(
    casework: Casework, many_sent: list[int]
) -> None:
    api = api_client_for(casework.teacher)
    first = api.get("/referrals").json()
    assert referral_ids(first, "sent") == many_sent[:PAGE_SIZE]
    assert (first["sent_count"], first["incoming_count"], first["limit"]) == (
        PAGE_SIZE + EXTRA, 0, PAGE_SIZE,
    )  # fmt: skip
    rest = api.get(f"/referrals?sent_offset={PAGE_SIZE}").json()
    assert referral_ids(rest, "sent") == many_sent[PAGE_SIZE:]
    assert rest["sent_offset"] == PAGE_SIZE
    two = api.get("/referrals?limit=2&sent_offset=1").json()
    assert referral_ids(two, "sent") == many_sent[1:3]
    past = api.get("/referrals?sent_offset=1000").json()
    assert past["sent"] == [] and past["sent_count"] == PAGE_SIZE + EXTRA  # a client stops
    # The receiving service pages the same referrals as its incoming ones, on their own.
    adviser = api_client_for(casework.adviser).get(f"/referrals?incoming_offset={PAGE_SIZE}").json()
    assert referral_ids(adviser, "incoming") == many_sent[PAGE_SIZE:]
    assert adviser["incoming_count"] == PAGE_SIZE + EXTRA and adviser["sent"] == []


def test_only_the_referrals_the_api_returns_are_recorded_as_read(
    casework: Casework, many_sent: list[int]
) -> None:
    before = AuditEvent.objects.count()
    api_client_for(casework.teacher).get("/referrals?limit=2&sent_offset=4")
    read = AuditEvent.objects.order_by("sequence")[before:]
    assert sorted(int(e.object_id) for e in read if e.object_type == "coordination.referral") == (
        sorted(many_sent[4:6])
    )


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "sent_offset=-1",
                                   "incoming_offset=abc", f"sent_offset={2**63}"])  # fmt: skip
def test_a_bad_slice_of_referrals_is_refused_as_bad_input(casework: Casework, query: str) -> None:
    response = api_client_for(casework.teacher).get(f"/referrals?{query}")
    assert response.status_code == 422, response.content


def waiting_to_close(
    casework: Casework,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    count: int,
) -> list[int]:
    """`count` level 2 cases of the school waiting for approval to close, newest first."""
    for number in range(count):
        born = datetime.date(2012, 1, 1) + datetime.timedelta(days=number)
        case = concern_by(make_person("Barn", f"Venter{number}", born=born))
        assert TeamMember.objects.filter(case=case, organisation=casework.school).exists()
    Case.objects.filter(person__family_name__startswith="Venter").update(
        level=2, status=Case.Status.CLOSING, close_reason="Goals reached"
    )
    return list(
        Case.objects.filter(status=Case.Status.CLOSING)
        .order_by("-opened_at", "-pk")
        .values_list("pk", flat=True)
    )


def closings_listed(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'action="/work/cases/(\d+)/approve-close/"', page)]


@pytest.fixture
def many_closing(
    casework: Casework, make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> list[int]:
    return waiting_to_close(casework, make_person, concern_by, PAGE_SIZE + EXTRA)


def test_the_cases_waiting_to_close_come_a_page_at_a_time(
    casework: Casework, client_for: ClientFor, many_closing: list[int]
) -> None:
    leader = client_for(casework.leader)
    first = leader.get("/work/review/").content.decode()
    assert closings_listed(first) == many_closing[:PAGE_SIZE]
    assert f"Showing 1–{PAGE_SIZE} of {PAGE_SIZE + EXTRA}" in first
    assert 'href="?page=2#closings-heading" rel="next"' in first
    second = leader.get("/work/review/?page=2").content.decode()
    assert closings_listed(second) == many_closing[PAGE_SIZE:]


@pytest.mark.parametrize(("asked", "shown"), [("99", "last"), ("x", "first"), ("", "first")])
def test_a_review_page_past_the_end_or_not_a_number_is_the_last_or_first_page(
    casework: Casework, client_for: ClientFor, many_closing: list[int], asked: str, shown: str
) -> None:
    response = client_for(casework.leader).get(f"/work/review/?page={asked}")
    assert response.status_code == 200
    expected = many_closing[PAGE_SIZE:] if shown == "last" else many_closing[:PAGE_SIZE]
    assert closings_listed(response.content.decode()) == expected
