"""Each page: accessible by axe-core's WCAG 2.1 A/AA rules, usable by keyboard, and the menu
and person search behave per role."""

import re
from urllib.parse import parse_qs, unquote

import pytest
from playwright.sync_api import Browser, Page, Request, expect
from tests.e2e.support import (
    assert_skip_link_works,
    check_axe,
    search_people,
    sign_in,
    watch_for_problems,
)

pytestmark = pytest.mark.e2e

NATIONAL_ID = re.compile(r"\d{11}")


def test_the_axe_check_reports_violations(page: Page) -> None:
    """The harness itself: a page with known violations must fail the check."""
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)html-has-lang.*image-alt"):
        check_axe(page)


def test_the_problem_watch_reports_what_the_csp_refuses(
    strict_page: Page, demo_server: str
) -> None:
    """The harness itself: an inline script on a page under the app's CSP is refused, and
    watch_for_problems reports it."""
    page = strict_page
    page.goto(f"{demo_server}/accounts/login/")
    problems = watch_for_problems(page)
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.e2eInline = true";
                document.body.append(script);
            }"""
        )
    assert page.evaluate("() => window.e2eInline === undefined")
    assert any("Content Security Policy" in problem for problem in problems), problems


# --- The menu per role -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "finds_people", "administers"),
    [
        ("laerer", True, False),
        ("leder", True, False),
        ("analytiker", False, False),
        ("redaktor", False, False),
        ("admin", False, True),
    ],
)
def test_menu_shows_only_what_the_role_may_use(
    page: Page, demo_server: str, username: str, finds_people: bool, administers: bool
) -> None:
    sign_in(page, demo_server, username)
    menu = page.locator("nav.app-nav")
    expect(menu).to_be_visible()
    expect(menu.locator("a[href='/']")).to_have_attribute("aria-current", "page")
    expect(menu.locator("a[href='/regions/']")).to_have_count(1)

    expect(page.locator("a[href='/people/']")).to_have_count(2 if finds_people else 0)
    expect(page.locator("a[href='/admin/']")).to_have_count(2 if administers else 0)

    if administers:
        with page.expect_navigation():
            menu.locator("a[href='/admin/']").click()
        assert page.url == f"{demo_server}/admin/"
        expect(page.locator("#site-name")).to_be_visible()


def test_analyst_may_open_the_search_page_but_finds_no_one(
    page: Page, browser: Browser, demo_server: str
) -> None:
    # A professional in the same municipality finds persons called Hansen ...
    professional = browser.new_context()
    try:
        other = professional.new_page()
        sign_in(other, demo_server, "laerer")
        other.goto(f"{demo_server}/people/")
        search_people(other, "Hansen")
        first = other.locator("#results table tbody a").first
        expect(first).to_be_visible()
        person_path = first.get_attribute("href")
    finally:
        professional.close()
    assert person_path and re.fullmatch(r"/people/\d+/", person_path)

    # ... the analyst, who works with statistics and not with individual children, does not.
    sign_in(page, demo_server, "analytiker")
    page.goto(f"{demo_server}/people/")
    expect(page.locator("#id_query")).to_be_visible()
    search_people(page, "Hansen")
    results = page.locator("#results")
    expect(results).not_to_be_empty()
    expect(results.locator("table")).to_have_count(0)
    expect(results.locator("a")).to_have_count(0)
    assert "Hansen" not in results.inner_text()

    # Opening the person page directly shows nothing about the person either.
    response = page.goto(f"{demo_server}{person_path}")
    assert response is not None and response.status == 404
    assert "Hansen" not in page.locator("body").inner_text()


def test_analyst_is_refused_the_administration(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server, "analytiker")
    page.goto(f"{demo_server}/admin/")
    assert page.url.startswith(f"{demo_server}/admin/login/")
    expect(page.locator("#content-main .app-list, #content-main table")).to_have_count(0)


# --- Accessibility and keyboard use, page by page ---------------------------------------------


def test_sign_in_page_is_accessible_and_keyboard_usable(page: Page, demo_server: str) -> None:
    url = f"{demo_server}/accounts/login/"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "nb"
    expect(page.locator("label[for=id_username]")).to_be_visible()
    expect(page.locator("label[for=id_password]")).to_be_visible()
    check_axe(page, "(sign-in page, anonymous)")
    assert_skip_link_works(page, url)


def test_front_page_is_accessible_and_keyboard_usable(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server, "leder")
    check_axe(page, "(front page)")
    assert_skip_link_works(page, f"{demo_server}/")


def test_search_and_person_pages_are_accessible_and_keyboard_usable(
    page: Page, demo_server: str
) -> None:
    # Only a person the user works with in a case is a link in the results: search for the
    # name of a child in one of the user's cases.
    sign_in(page, demo_server, "barnevern")
    with page.expect_navigation():
        page.locator("nav.app-nav a[href='/work/']").click()
    child = page.locator("section:has(#cases-heading) tbody a").first.inner_text().strip()
    search_url = f"{demo_server}/people/"
    assert_skip_link_works(page, search_url)

    search_people(page, child)
    table = page.locator("#results table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).not_to_be_empty()
    expect(table.locator("tbody tr").first).to_be_visible()
    check_axe(page, "(search with results)")

    first = table.locator("tbody a").first
    name = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    assert re.fullmatch(rf"{re.escape(demo_server)}/people/\d+/", page.url)
    expect(page.locator("main h1")).to_have_text(name)
    check_axe(page, "(person page)")
    assert_skip_link_works(page, page.url)


def test_regions_page_is_accessible_and_details_open_by_keyboard(
    page: Page, demo_server: str
) -> None:
    sign_in(page, demo_server, "redaktor")
    url = f"{demo_server}/regions/"
    assert_skip_link_works(page, url)

    details = page.locator("details.ds-details").first
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("table")).to_be_hidden()
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(details.locator("table")).to_be_visible()
    expect(details.locator("table tbody tr").first).to_be_visible()
    check_axe(page, "(regions, one county open)")


# --- No personal data in URLs -----------------------------------------------------------------


def test_no_personal_data_in_urls_and_search_works_under_the_real_csp(
    strict_page: Page, demo_server: str
) -> None:
    """Runs with the Content-Security-Policy enforced, so htmx must work without inline script."""
    page = strict_page
    requests: list[Request] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # Only a person the user works with in a case is a link in the search results: the
    # teacher coordinates several demo cases, so search for the family name of one of them.
    sign_in(page, demo_server, "laerer")
    with page.expect_navigation():
        page.locator("nav.app-nav a[href='/work/']").click()
    child = page.locator("section:has(#cases-heading) tbody a").first.inner_text().strip()
    query = child.split()[-1]
    page.goto(f"{demo_server}/people/")
    search_people(page, query)
    expect(page.locator("#results table")).to_be_visible()
    assert page.url == f"{demo_server}/people/", "the search must not change the address"

    searches = [r for r in requests if r.url == f"{demo_server}/people/" and r.method == "POST"]
    assert len(searches) == 1
    assert searches[0].headers.get("hx-request") == "true"
    assert parse_qs(searches[0].post_data or "").get("query") == [query]

    first = page.locator("#results table tbody a").first
    with page.expect_navigation():
        first.click()
    person_url = page.url
    assert re.fullmatch(rf"{re.escape(demo_server)}/people/\d+/", person_url)

    name = page.locator("main h1").inner_text().strip()
    identity_number = page.locator("dl.app-facts dd").nth(1).inner_text().strip()
    assert name and NATIONAL_ID.fullmatch(identity_number)

    name_parts = [part.lower() for part in name.split() if len(part) >= 2]
    # The person page links to the case; its address carries only the case's number.
    with page.expect_navigation():
        page.locator("main table tbody a").first.click()
    assert re.fullmatch(rf"{re.escape(demo_server)}/work/cases/\d+/", page.url)
    expect(page.locator("main h1")).to_have_text(name)

    # Pages and htmx requests, that is every address a server log or browser history would keep.
    addresses = [r for r in requests if r.resource_type in ("document", "xhr", "fetch")]
    assert len(addresses) >= 4
    for request in addresses:
        url = unquote(request.url).lower()  # a name with æ, ø or å is percent-encoded
        assert not NATIONAL_ID.search(url), f"an identity number in {request.url}"
        assert query.lower() not in url, f"the search term in {request.url}"
        for part in name_parts:
            assert part not in url, f"{part!r} from the person's name in {request.url}"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
