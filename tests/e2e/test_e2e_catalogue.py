"""The catalogue (samhandling.catalogue, at /catalogue/) in a real browser, under the app's real
Content-Security-Policy: every public page and every editorial page is accessible by axe-core's
WCAG 2.1 A/AA rules on a desktop and at a phone's width (375 px), where it must also reflow
without scrolling sideways; the lists and forms work by keyboard.

The stories are those of the people who use it:
- a directorate editor drafts a state instrument, another editor publishes it (four eyes),
  and a visitor who is not signed in finds it;
- the municipality's analyst makes a Swedish practice from the experience bank a draft
  development measure for Skien.

The content is the demo catalogue that `make run` loads (seed_demo); entries are reached by
following links from the lists, so no database id is written into a test.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from tests.e2e.conftest import manage
from tests.e2e.support import (
    DESKTOP,
    assert_keyboard_usable,
    check_axe_and_phone_width,
    nb,
    sign_in,
    sign_out,
    tab_to,
    watch_for_problems,
)

from samhandling.demo.management.commands.seed_demo import DEMO_CATALOGUE

pytestmark = pytest.mark.e2e

# name: (list page, the title of an entry to open from it, or "" for the list alone)
PUBLIC_PAGES = {
    "index": ("/catalogue/", ""),
    "search across the catalogue": ("/catalogue/?q=samarbeid", ""),
    "state instruments": ("/catalogue/instruments/", ""),
    "state instruments, filtered": ("/catalogue/instruments/?sector=school&age=15", ""),
    "coordination view": ("/catalogue/instruments/coordination/", ""),
    "a joint state instrument": ("/catalogue/instruments/", "0–24-samarbeidet"),
    "development measures": ("/catalogue/initiatives/", ""),
    "a development measure with its indicators": (
        "/catalogue/initiatives/",
        "Felles oppfølging av elever med høyt fravær i Skien (eksempel)",
    ),
    "networks": ("/catalogue/networks/", ""),
    "a network side by side": ("/catalogue/networks/", "Eksempelnettverk Telemark (eksempel)"),
    "experience bank": ("/catalogue/practices/", ""),
    "experience bank, searched and faceted": (
        "/catalogue/practices/?q=socialtj%C3%A4nst&country=SE&country=DK",
        "",
    ),
    "a Swedish practice": (
        "/catalogue/practices/?country=SE",
        "Samverkan mellan skola och socialtjänst i Exempelkommun (exempel)",
    ),
    "learning resources": ("/catalogue/resources/", ""),
    "a learning resource": (
        "/catalogue/resources/",
        "Kurs i tverrfaglig samarbeid om barn og unge (eksempel)",
    ),
}
NEW_INSTRUMENT = "Veileder for felles møter med familien (e2e-eksempel)"


def label(verbose_name: str) -> str:
    """A form field's label: its model field's name in bokmål, with a capital first letter."""
    text = nb(verbose_name)
    return text[:1].upper() + text[1:]


def _context(browser: Browser) -> BrowserContext:
    # The app's Content-Security-Policy is enforced (check_axe works under it).
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def visitor(browser: Browser, demo_server: str) -> Iterator[BrowserContext]:
    """Not signed in: the published catalogue is public."""
    context = _context(browser)
    try:
        yield context
    finally:
        context.close()


def follow(link: Locator) -> None:
    page = link.page
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def open_page(page: Page, base_url: str, path: str, title: str) -> None:
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, (path, response)
    if title:
        follow(page.locator("main").get_by_role("link", name=title, exact=True).first)
        expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator("main h1")).to_have_count(1)


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_catalogue_page_is_accessible(
    visitor: BrowserContext, demo_server: str, name: str
) -> None:
    path, title = PUBLIC_PAGES[name]
    page = visitor.new_page()
    problems = watch_for_problems(page)
    try:
        open_page(page, demo_server, path, title)
        check_axe_and_phone_width(page, f"({name})")
        assert not problems, problems
    finally:
        page.close()


def test_the_public_pages_say_what_is_official_and_what_is_an_example(
    visitor: BrowserContext, demo_server: str
) -> None:
    page = visitor.new_page()
    try:
        open_page(page, demo_server, "/catalogue/instruments/", "0–24-samarbeidet")
        main = page.locator("main")
        # a joint instrument names all its owners
        for owner in ("Udir", "IMDi", "Bufdir"):
            expect(main).to_contain_text(owner)
        expect(main).not_to_contain_text(nb("Example, not official"))
        open_page(page, demo_server, "/catalogue/networks/", "Eksempelnettverk Telemark (eksempel)")
        expect(main).to_contain_text(nb("Example, not official"))
        # the members side by side: a table with a column per member municipality
        table = main.locator("table").first
        for member in ("Skien", "Porsgrunn"):
            expect(table.locator("th", has_text=member).first).to_be_visible()
    finally:
        page.close()


def test_the_experience_bank_works_by_keyboard(visitor: BrowserContext, demo_server: str) -> None:
    page = visitor.new_page()
    try:
        stops = assert_keyboard_usable(
            page, f"{demo_server}/catalogue/practices/", "main input[type=checkbox]"
        )
        assert stops > 5
        # search by keyboard: type in the search field and press Enter
        search = page.locator("main input[type=search]").first
        search.focus()
        search.fill("socialtjänst")
        with page.expect_navigation():
            search.press("Enter")
        expect(
            page.get_by_role(
                "link", name="Samverkan mellan skola och socialtjänst i Exempelkommun (exempel)"
            )
        ).to_be_visible()
    finally:
        page.close()


def test_an_editor_drafts_another_publishes_and_a_visitor_finds_it(
    browser: Browser, visitor: BrowserContext, demo_server: str
) -> None:
    context = _context(browser)
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, demo_server, "redaktor")
        page.goto(f"{demo_server}/catalogue/editorial/")
        expect(page.locator("main h1")).to_have_count(1)
        check_axe_and_phone_width(page, "(editorial desk)")
        follow(page.locator("main").get_by_role("link", name=nb("New state instrument")))
        check_axe_and_phone_width(page, "(new state instrument)")
        # sent empty: the messages are at the fields, and nothing is lost
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("main .ds-alert").first).to_be_visible()
        check_axe_and_phone_width(page, "(new state instrument, with its messages)")
        form = page.locator("main form").last
        form.get_by_label(label("title (bokmål)"), exact=True).fill(NEW_INSTRUMENT)
        form.get_by_label(label("type"), exact=True).select_option("guide")
        form.get_by_label("Utdanningsdirektoratet").check()
        form.get_by_label("Barne-, ungdoms- og familiedirektoratet").check()
        with page.expect_navigation():
            form.get_by_role("button", name=nb("Save as a draft")).press("Enter")
        expect(page.locator("main")).to_contain_text(nb("Draft"))
        # four eyes: the one who wrote it cannot publish it
        expect(page.locator("main").get_by_role("button", name=nb("Publish"))).to_have_count(0)
        check_axe_and_phone_width(page, "(the draft)")
        follow(page.locator("main").get_by_role("link", name=nb("History of changes")))
        check_axe_and_phone_width(page, "(history)")
        sign_out(page)

        sign_in(page, demo_server, "redaktor2")
        page.goto(f"{demo_server}/catalogue/editorial/")
        publish = page.locator("main").get_by_role(
            "button", name=nb("Publish %(title)s", title=NEW_INSTRUMENT)
        )
        with page.expect_navigation():
            publish.press("Enter")
        expect(page.locator("main")).to_contain_text(NEW_INSTRUMENT)
        sign_out(page)
        assert not problems, problems
    finally:
        context.close()

    public = visitor.new_page()
    try:
        open_page(
            public, demo_server, "/catalogue/instruments/?q=felles+m%C3%B8ter", NEW_INSTRUMENT
        )
        expect(public.locator("main")).to_contain_text("Utdanningsdirektoratet")
    finally:
        public.close()


def test_an_analyst_makes_a_practice_a_draft_development_measure(
    browser: Browser, demo_server: str
) -> None:
    context = _context(browser)
    page = context.new_page()
    problems = watch_for_problems(page)
    title = "Samverkan mellan skola och socialtjänst i Exempelkommun (exempel)"
    try:
        sign_in(page, demo_server, "analytiker")
        open_page(page, demo_server, "/catalogue/practices/?country=SE", title)
        adopt = page.locator("main").get_by_role(
            "button", name=nb("Make this a draft development measure for my municipality")
        )
        with page.expect_navigation():
            adopt.press("Enter")
        main = page.locator("main")
        expect(main.get_by_label(label("title (bokmål)"), exact=True)).to_have_value(title)
        expect(main).to_contain_text("Skien")
        check_axe_and_phone_width(page, "(the adopted practice as a draft development measure)")
        page.goto(f"{demo_server}/catalogue/editorial/")
        expect(page.locator("main")).to_contain_text(title)
        check_axe_and_phone_width(page, "(the analyst's editorial desk)")
        assert not problems, problems
    finally:
        context.close()


def test_the_import_page_is_accessible(browser: Browser, demo_server: str) -> None:
    context = _context(browser)
    page = context.new_page()
    try:
        sign_in(page, demo_server, "redaktor")
        response = page.goto(f"{demo_server}/catalogue/editorial/import/")
        assert response is not None and response.status == 200
        check_axe_and_phone_width(page, "(catalogue import)")
    finally:
        context.close()


def test_the_second_page_of_a_list_is_accessible_and_reached_by_keyboard(
    visitor: BrowserContext, demo_server: str, tmp_path: Path
) -> None:
    """The demo's lists fit on one page. 30 Icelandic practices are imported first, as a
    directorate imports them (the command line, two editors), so that the experience bank's
    Icelandic list has two pages; no other test looks at that list."""
    demo = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    icelandic = next(entry for entry in demo["practices"] if entry["country"] == "IS")
    practices = [
        {**icelandic, "key": f"e2e-page-{n}", "translations": [],
         "title": f"Islandsk praksis {n:02d} (e2e-eksempel)"}
        for n in range(30)
    ]  # fmt: skip
    document = tmp_path / "practices.json"
    document.write_text(
        json.dumps({"format": "samhandling-catalogue", "version": 1, "practices": practices}),
        encoding="utf-8",
    )
    manage("import_catalogue", str(document), "--editor", "redaktor", "--publish-as", "redaktor2")
    page = visitor.new_page()
    problems = watch_for_problems(page)
    try:
        open_page(page, demo_server, "/catalogue/practices/?country=IS", "")
        pages = page.locator("main nav.ds-pagination")
        expect(pages.locator("[aria-current]")).to_have_text("1")
        tab_to(page, pages.locator("a[rel=next]"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(pages.locator("[aria-current]")).to_have_text("2")
        assert "country=IS" in page.url and "page=2" in page.url  # the filter is kept
        expect(page.locator("main").get_by_text("(e2e-eksempel)").first).to_be_visible()
        check_axe_and_phone_width(page, "(experience bank, page 2)")
        assert not problems, problems
    finally:
        page.close()
