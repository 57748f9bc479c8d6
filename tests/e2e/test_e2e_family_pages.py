"""The family's own pages, one by one: accessible by axe-core's WCAG 2.1 A/AA rules in bokmål,
on a desktop and at a phone's width (375 px), where they must also reflow without scrolling
sideways; under the app's real Content-Security-Policy, which must refuse nothing.

The pages are those of the young adult of 20 (their own case, a consent they gave, their
access log and their data), whom the stories do not change. A form is checked after it was
sent empty, with its messages at the fields. The youth's case page (meetings to rate, words in
the plan) and the copy of one's data (being made, ready, printable) are checked in the youth's
story (test_e2e_family_story.py), which opens them anyway. Every page is reached the way a
person reaches it, by following links, so no database id is written into a test.
"""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from tests.e2e.support import (
    DESKTOP,
    check_axe_and_phone_width,
    nb,
    sign_in,
    sign_in_as_citizen,
    tab_to,
    watch_for_problems,
)

pytestmark = pytest.mark.e2e


def _signed_in_context(browser: Browser, base_url: str, username: str) -> BrowserContext:
    # The app's Content-Security-Policy is enforced (check_axe works under it).
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_as_citizen(page, base_url, username)
    page.close()
    return context


@pytest.fixture(scope="module")
def young_adult(browser: Browser, demo_server: str) -> Iterator[BrowserContext]:
    """Signed in once as the young adult of 20, for every page test in this module."""
    context = _signed_in_context(browser, demo_server, "ung_voksen")
    try:
        yield context
    finally:
        context.close()


def follow(link: Locator) -> None:
    page = link.page
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def press(button: Locator) -> int:
    """Presses the button by keyboard and returns the status of the page it leads to."""
    page = button.page
    button.focus()
    with page.expect_navigation() as navigation:
        button.press("Enter")
    response = navigation.value
    assert response is not None
    return response.status


def my_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/")
    expect(page.locator("main h1")).to_have_text(nb("My page"))


def case(page: Page, base_url: str) -> None:
    my_page(page, base_url)
    follow(page.locator("section:has(#cases-heading) h3 a").first)
    expect(page.locator("#own-words form")).to_be_visible()


def case_with_errors(page: Page, base_url: str) -> None:
    """Sent with nothing written: the page comes back with the messages at their fields."""
    case(page, base_url)
    form = page.locator("#own-words form")
    assert press(form.get_by_role("button", name=nb("Send to the team"))) == 400
    expect(form.locator(".ds-validation-message").first).to_be_visible()


def consents(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/consents/")
    expect(page.locator("main h1")).to_have_text(nb("Consents"))


def give_consent(page: Page, base_url: str) -> None:
    consents(page, base_url)
    follow(page.locator("main a[href$='/consents/new/']").first)
    expect(page.locator("main h1")).to_have_text(nb("Give a new consent"))


def give_consent_with_errors(page: Page, base_url: str) -> None:
    give_consent(page, base_url)
    form = page.locator("main form")
    assert press(form.get_by_role("button", name=nb("Give the consent"))) == 400
    expect(form.locator(".ds-validation-message").first).to_be_visible()


def withdraw_consent(page: Page, base_url: str) -> None:
    """The confirmation page (nothing is withdrawn: the form is not sent)."""
    consents(page, base_url)
    follow(page.locator("main a[href$='/withdraw/']").first)
    expect(page.locator("main h1")).to_have_text(nb("Withdraw a consent"))
    expect(page.locator("main form button[type=submit]")).to_be_visible()


def access_log(page: Page, base_url: str) -> None:
    """With the person's own visits too, so that every kind of row is in the table."""
    my_page(page, base_url)
    follow(page.locator("main a[href$='/access-log/']").first)
    follow(page.locator("main a[href*='own=1']"))
    expect(page.locator("main table tbody tr").first).to_be_visible()


def my_data(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/my-data/")
    expect(page.locator("main h1")).to_have_text(nb("My data"))


PAGES: dict[str, Callable[[Page, str], None]] = {
    "my page": my_page,
    "case, own words sent empty": case_with_errors,
    "consents": consents,
    "give consent, nothing chosen": give_consent_with_errors,
    "withdraw consent": withdraw_consent,
    "access log": access_log,
    "my data": my_data,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_family_page_is_accessible_on_desktop_and_phone(
    young_adult: BrowserContext, demo_server: str, name: str
) -> None:
    page = young_adult.new_page()
    problems = watch_for_problems(page)
    try:
        PAGES[name](page, demo_server)
        assert page.locator("html").get_attribute("lang") == "nb"
        check_axe_and_phone_width(page, f"({name}, young adult)")
        assert not problems, problems
    finally:
        page.close()


def test_sign_in_and_demo_sign_in_pages_are_accessible(strict_page: Page, demo_server: str) -> None:
    """The sign-in page links to the demo sign-in (demo mode only); both are accessible, and
    the link is reached by keyboard."""
    page = strict_page
    problems = watch_for_problems(page)
    page.goto(f"{demo_server}/accounts/login/")
    check_axe_and_phone_width(page, "(sign-in page)")
    demo_link = page.locator("main a[href='/portal/demo-sign-in/']")
    tab_to(page, demo_link)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text(nb("Demo: sign in as a child, youth or guardian"))
    expect(page.locator("main li.ds-card button").first).to_be_visible()
    check_axe_and_phone_width(page, "(demo sign-in page)")
    assert not problems, problems


def test_a_professional_is_told_the_family_pages_are_not_for_them(
    strict_page: Page, demo_server: str
) -> None:
    page = strict_page
    sign_in(page, demo_server, "laerer")
    response = page.goto(f"{demo_server}/portal/")
    assert response is not None and response.status == 403
    expect(page.locator("main h1")).to_have_text(
        nb("These pages are for children, young people and guardians")
    )
    check_axe_and_phone_width(page, "(family pages, professional)")
