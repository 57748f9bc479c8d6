"""The coordination pages, one by one: accessible by axe-core's WCAG 2.1 A/AA rules in bokmål
(the case page in English too) and usable by keyboard.

Every page is reached the way a person reaches it, by following links from My work, so no
database id is written into a test.
"""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import (
    assert_keyboard_usable,
    check_axe,
    nb,
    search_people,
    sign_in,
    sign_out,
)

from samhandling.coordination.models import Level

pytestmark = pytest.mark.e2e


def click(page: Page, selector: str) -> None:
    link = page.locator(selector).first
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def my_work(page: Page) -> None:
    click(page, "nav.app-nav a[href='/work/']")
    expect(page.locator("main h1")).to_have_text(nb("My work"))


def case_page(page: Page) -> None:
    """The teacher's level 3 case: a team of three services, a plan and meetings."""
    my_work(page)
    level = re.compile(rf"^\s*{re.escape(nb(Level.SEVERAL_SERVICES.label))}\s*$")
    row = (
        page.locator("section:has(#cases-heading) tbody tr")
        .filter(has=page.locator("td", has_text=level))
        .first
    )
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.locator("a").click()
    expect(page.locator("#team-heading")).to_be_visible()


def plan_page(page: Page) -> None:
    case_page(page)
    click(page, "main nav a[href$='/plan/']")
    expect(page.locator("#goals-heading")).to_be_visible()


def plan_print(page: Page) -> None:
    plan_page(page)
    click(page, "main a[href$='/plan/print/']")
    expect(page.locator("main .app-print")).to_be_visible()


def meeting_page(page: Page) -> None:
    case_page(page)
    click(page, "#meetings tbody a")
    expect(page.locator("#minutes-heading")).to_be_visible()


def referrals(page: Page) -> None:
    my_work(page)
    click(page, "main a[href='/work/referrals/']")
    expect(page.locator("main h1")).to_have_text(nb("Referrals"))


def referral_page(page: Page) -> None:
    referrals(page)
    click(page, "section:has(#sent-heading) tbody a")
    expect(page.locator("#reason-heading")).to_be_visible()


def record_concern(page: Page) -> None:
    click(page, "nav.app-nav a[href='/work/concern/']")
    expect(page.locator("main h1")).to_have_text(nb("Record a concern"))


def emergency_access(page: Page) -> None:
    my_work(page)
    click(page, "main a[href='/work/emergency/']")
    expect(page.locator("main h1")).to_have_text(nb("Emergency access"))


def leader_review(page: Page) -> None:
    click(page, "nav.app-nav a[href='/work/review/']")
    expect(page.locator("main h1")).to_have_text(nb("Review"))
    # The demo has a level 2 case whose team wants it closed.
    expect(page.locator("form[action$='/approve-close/']").first).to_be_visible()


def concern_sent(page: Page) -> None:
    """A concern about a child who has a case the sender is not part of is passed on to its
    coordinator, and the sender sees only that it is registered."""
    case_page(page)
    person = page.locator("main h1").inner_text().strip()
    page.goto(page.url.split("/work/")[0] + "/people/")
    # Too short a search, sent by htmx: the field's message comes back in place, focused.
    field = page.locator("#id_query")
    field.fill(person[0])
    with page.expect_response(lambda r: r.url.endswith("/people/")) as refused:
        field.press("Enter")
    assert refused.value.status == 422
    expect(page.locator("main .ds-validation-message")).to_have_text(
        nb("Type at least two characters.")
    )
    expect(page.locator("#id_query")).to_be_focused()
    expect(page.locator("main")).to_have_count(1)
    check_axe(page, "(the person search refused in place)")
    search_people(page, person)
    click(page, f"#results a:text-is('{person}')")
    identity_number = page.locator("dl.app-facts dd").nth(1).inner_text().strip()
    base_url = page.url.split("/people/")[0]
    sign_out(page)

    sign_in(page, base_url, "kultur")
    page.goto(f"{base_url}/people/")
    search_people(page, identity_number)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody a")).to_have_count(0)  # no case of kultur's
    click(page, "#results tbody button[type=submit]")
    expect(page.locator("main h1")).to_have_text(nb("Record a concern"))
    page.get_by_label(nb("What did you observe?"), exact=True).fill(
        "Kommer på fritidsklubben sent på kvelden og sier at ingen venter hjemme."
    )
    click(page, "form[action='/work/concern/'] button[type=submit]")
    expect(page.locator("main h1")).to_have_text(nb("The concern is registered"))


# name: (user, how to get there, the page's main control that Tab must reach)
PAGES: dict[str, tuple[str, Callable[[Page], None], str]] = {
    "my work": ("laerer", my_work, "section:has(#cases-heading) tbody a"),
    "case": ("laerer", case_page, "#log details summary"),
    "plan": ("laerer", plan_page, "#goals details summary"),
    "plan print view": ("laerer", plan_print, "main a[href$='/plan/']"),
    "meeting": ("laerer", meeting_page, "form[action$='/minutes/'] button[type=submit]"),
    "referrals": ("laerer", referrals, "section:has(#sent-heading) tbody a"),
    "referral": ("laerer", referral_page, "main a[href^='/work/cases/']"),
    "record a concern": (
        "laerer",
        record_concern,
        "form[action='/work/concern/'] button[type=submit]",
    ),
    "emergency access": (
        "laerer",
        emergency_access,
        "form[action='/work/emergency/'] button[type=submit]",
    ),
    "leader review": ("leder", leader_review, "form[action$='/approve-close/'] button"),
    "concern sent": ("laerer", concern_sent, "main a[href='/work/']"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_coordination_page_is_accessible_and_keyboard_usable(
    page: Page, demo_server: str, name: str
) -> None:
    username, go_there, main_control = PAGES[name]
    sign_in(page, demo_server, username)
    go_there(page)
    assert page.locator("html").get_attribute("lang") == "nb"
    assert "/accounts/" not in page.url
    check_axe(page, f"({name}, nb)")
    stops = assert_keyboard_usable(page, page.url, main_control)
    assert stops >= 1


def test_case_page_is_accessible_in_english(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server, "laerer")
    case_page(page)
    case_url = page.url
    with page.expect_navigation():
        page.locator("button[name=language][value=en]").click()
    assert page.url == case_url
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#team-heading")).to_have_text("Team around the child")
    check_axe(page, "(case, en)")
