"""Lists that grow without bound come a page at a time: My work's open cases, a case's relay log
and a citizen's access log. Page 2 exists, the page size holds, and a page past the end (or no
number at all) is answered with a page, never an error."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.coordination.casework import Casework

from samhandling.accounts.models import User
from samhandling.audit import services as audit
from samhandling.coordination import selectors, services
from samhandling.coordination.models import LogEntry, Visibility
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
PAGE = selectors.PAGE_SIZE
LOG_PAGE = selectors.LOG_PAGE_SIZE


def nav(html: str, label: str) -> str:
    """The page navigation named `label`, or "" when there is none."""
    found = re.search(rf'<nav class="ds-pagination" aria-label="{label}">.*?</nav>', html, re.S)
    return found.group(0) if found else ""


def current_page(navigation: str) -> str:
    found = re.search(r'aria-current="page"[^>]*>(\d+)<', navigation)
    assert found, navigation
    return found.group(1)


# --- My work: the open cases -------------------------------------------------------------------


def open_cases(casework: Casework, make_person: Callable[..., Person], count: int) -> None:
    teacher = actor_for(casework.teacher)
    for index in range(count):
        child = make_person(
            f"Barn{index}",
            "Sidesen",
            born=datetime.date(2010, 1, 1) + datetime.timedelta(days=index),
        )
        services.record_concern(child, by=teacher, text="Bekymring")


def test_my_work_lists_the_open_cases_a_page_at_a_time(
    casework: Casework, make_person: Callable[..., Person], client_for: ClientFor
) -> None:
    open_cases(casework, make_person, PAGE + 1)  # with Sofie's: two more than a page
    client = client_for(casework.teacher)
    first = client.get("/work/")
    assert len(first.context["work"].cases) == PAGE
    navigation = nav(first.content.decode(), "Pages of my cases")
    assert current_page(navigation) == "1" and 'href="?page=2#cases-heading"' in navigation
    assert f"Showing 1–{PAGE} of {PAGE + 2}" in first.content.decode()
    second = client.get("/work/?page=2")
    assert len(second.context["work"].cases) == 2
    assert current_page(nav(second.content.decode(), "Pages of my cases")) == "2"
    shown = {c.pk for c in first.context["work"].cases} | {
        c.pk for c in second.context["work"].cases
    }
    assert len(shown) == PAGE + 2  # every open case on one page or the other, none twice


@pytest.mark.parametrize("asked", ["99", "99999999999999999999999", "-1", "zwei", ""])
def test_a_page_of_my_work_past_the_end_or_not_a_number_is_still_a_page(
    casework: Casework, make_person: Callable[..., Person], client_for: ClientFor, asked: str
) -> None:
    open_cases(casework, make_person, PAGE + 1)
    response = client_for(casework.teacher).get("/work/", {"page": asked})
    assert response.status_code == 200
    # a number out of range: the last page; not a number: the first
    expected = 2 if asked.lstrip("-").isdigit() else 1
    assert response.context["work"].cases_page.number == expected


def test_my_work_with_one_page_of_cases_has_no_page_links(
    casework: Casework, client_for: ClientFor
) -> None:
    page = client_for(casework.teacher).get("/work/").content.decode()
    assert "Sofie" in page and nav(page, "Pages of my cases") == ""


# --- a case's relay log -------------------------------------------------------------------------


def log_entries(casework: Casework, count: int, **fields: Any) -> list[LogEntry]:
    teacher = actor_for(casework.teacher)
    return [
        services.add_log_entry(
            casework.case,
            by=teacher,
            kind=LogEntry.Kind.NOTE,
            text=f"Notat nummer {index}.",
            **fields,
        )
        for index in range(count)
    ]


def test_the_relay_log_comes_a_page_at_a_time_newest_first(
    casework: Casework, client_for: ClientFor
) -> None:
    log_entries(casework, LOG_PAGE + 1)  # with the concern: two more than a page
    client = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    first = client.get(url)
    assert len(first.context["page"].log) == LOG_PAGE
    html = first.content.decode()
    assert f"Notat nummer {LOG_PAGE}." in html and "Notat nummer 0." not in html
    navigation = nav(html, "Pages of the relay log")
    assert current_page(navigation) == "1" and 'href="?page=2#log"' in navigation
    second = client.get(f"{url}?page=2")
    older = second.context["page"].log
    assert len(older) == 2 and older[-1].kind == LogEntry.Kind.CONCERN
    assert "Notat nummer 0." in second.content.decode()


def test_a_page_of_the_relay_log_past_the_end_is_the_last_page(
    casework: Casework, client_for: ClientFor
) -> None:
    log_entries(casework, LOG_PAGE + 1)
    client = client_for(casework.teacher)
    for asked in ("3", "99999999999999999999999", "last"):
        response = client.get(f"/work/cases/{casework.case.pk}/", {"page": asked})
        assert response.status_code == 200
        assert response.context["page"].log_page.number == (1 if asked == "last" else 2)


def test_a_corrected_entry_is_one_row_of_the_relay_log_with_its_history(
    casework: Casework, client_for: ClientFor
) -> None:
    """Only current versions fill a page; the earlier text is under the correction."""
    first, *_ = log_entries(casework, LOG_PAGE)
    correction = services.correct_log_entry(
        first, by=actor_for(casework.teacher), text="Notat, rettet."
    )
    client = client_for(casework.teacher)
    url = f"/work/cases/{casework.case.pk}/"
    pages = [client.get(url).context["page"], client.get(f"{url}?page=2").context["page"]]
    shown = [entry.pk for page in pages for entry in page.log]
    # the correction, the rest and the concern
    assert len(shown) == len(set(shown)) == LOG_PAGE + 1
    assert first.pk not in shown and correction.pk in shown
    holding = next(page for page in pages if correction in page.log)
    assert holding.history[correction.pk] == [first]


def test_a_page_says_how_many_of_its_entries_the_reader_may_not_see(
    casework: Casework, client_for: ClientFor
) -> None:
    """The nurse's entries for her own service take their place on the page, unread."""
    casework.consent(casework.health)
    casework.join(casework.nurse, casework.health)
    nurse = actor_for(casework.nurse)
    for index in range(3):
        services.add_log_entry(
            casework.case,
            by=nurse,
            kind=LogEntry.Kind.NOTE,
            text=f"Helse {index}",
            visibility=Visibility.SERVICE,
        )
    page = client_for(casework.teacher).get(f"/work/cases/{casework.case.pk}/")
    assert page.context["page"].hidden_entries == 3
    assert "3 entries are not shown to you." in page.content.decode()


# --- a citizen's access log -----------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["2", "99999", "99999999999999999999999", "x", "-3"])
def test_a_page_of_the_access_log_past_the_end_is_answered_not_failed(
    casework: Casework,
    make_citizen: Callable[..., User],
    asked: str,
) -> None:
    for _ in range(60):
        audit.record(actor_for(casework.teacher), "view", casework.child, purpose="search")
    client = Client()
    client.force_login(make_citizen(casework.mother))
    client.cookies["django_language"] = "en"
    response = client.get(f"/portal/people/{casework.child.pk}/access-log/", {"page": asked})
    assert response.status_code == 200
    log = response.context["log"]  # two pages: the 60 reads and what the casework recorded
    if asked.isdigit():  # past the end: the last page
        assert log.page == 2 and log.events and not log.has_next
    else:  # not a page number: the first
        assert log.page == 1 and log.has_next
