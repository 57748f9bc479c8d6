"""The knowledge base's pages (samhandling.insight, at /knowledge/), under the app's real
Content-Security-Policy: every chart is drawn by vega-embed, the browser refuses nothing and no
script fails, and the page is accessible by axe-core's WCAG 2.1 A/AA rules on a desktop and at
a phone's width (375 px), where it must also reflow without scrolling sideways.

The statistics are those `make run` loads (load_statistics in the e2e fixture): Skien (4003)
and Porsgrunn (4001) in Telemark (40), and the country (NO). Region codes are public
identifiers, so the addresses are written out.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.e2e.support import DESKTOP, check_axe_and_phone_width, sign_in, watch_for_problems

pytestmark = pytest.mark.e2e

SKIEN, PORSGRUNN, COUNTY, COUNTRY = "4003", "4001", "40", "NO"
COMPARED_INDICATOR = "child_welfare_measures_0_17"  # FHI's, for Telemark's municipalities

# name: (address, whether it draws charts). The comparison with an indicator has everything the
# one without has (the latest values of every indicator), and the chart.
PUBLIC_PAGES = {
    "index": ("/knowledge/", False),
    "municipality profile": (f"/knowledge/regions/{SKIEN}/", True),
    "county profile": (f"/knowledge/regions/{COUNTY}/", True),
    "country profile": (f"/knowledge/regions/{COUNTRY}/", True),
    "compare, one indicator over time": (
        f"/knowledge/compare/?regions={SKIEN}&regions={PORSGRUNN}&indicator={COMPARED_INDICATOR}",
        True,
    ),
    "indicators": ("/knowledge/indicators/", False),
    "commentary": (f"/knowledge/regions/{SKIEN}/commentary/", False),
}
ANALYST_PAGES = {
    "imports": ("/knowledge/imports/", False),
    "research": ("/knowledge/research/", False),
    "commentary, with the form": (f"/knowledge/regions/{SKIEN}/commentary/", False),
}
CHARTS_TIMEOUT = 15_000  # ms


def _context(browser: Browser) -> BrowserContext:
    # The app's Content-Security-Policy is enforced (check_axe works under it).
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def visitor(browser: Browser, demo_server: str) -> Iterator[BrowserContext]:
    """Not signed in: official statistics and suppressed aggregates are public."""
    context = _context(browser)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def analyst(browser: Browser, demo_server: str) -> Iterator[BrowserContext]:
    """The municipality's analyst: imports, research downloads and the commentary."""
    context = _context(browser)
    page = context.new_page()
    sign_in(page, demo_server, "analytiker")
    page.close()
    try:
        yield context
    finally:
        context.close()


def charts_drawn(page: Page) -> int:
    """Waits until vega-embed has drawn in every chart container (an svg or a canvas in each,
    and none hidden by charts.js after a failure); returns how many there are."""
    count = page.locator("[data-spec]").count()
    if count:
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-spec]')].every(
                chart => !chart.hidden && chart.querySelector('svg, canvas'))""",
            timeout=CHARTS_TIMEOUT,
        )
    return count


def check_page(context: BrowserContext, base_url: str, path: str, charts: bool, name: str) -> Page:
    page = context.new_page()
    problems = watch_for_problems(page)
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, (path, response)
    expect(page.locator("main h1")).to_have_count(1)
    drawn = charts_drawn(page)
    if charts:
        assert drawn >= 1, f"no chart on the {name} ({path})"
        # Every chart has the same values in a table beside it.
        expect(page.locator("main table").first).to_be_attached()
    assert not problems, problems
    check_axe_and_phone_width(page, f"({name})")
    assert not problems, problems
    return page


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_knowledge_page_draws_its_charts_and_is_accessible(
    visitor: BrowserContext, demo_server: str, name: str
) -> None:
    path, charts = PUBLIC_PAGES[name]
    check_page(visitor, demo_server, path, charts, name).close()


@pytest.mark.parametrize("name", list(ANALYST_PAGES))
def test_analysts_knowledge_page_is_accessible(
    analyst: BrowserContext, demo_server: str, name: str
) -> None:
    path, charts = ANALYST_PAGES[name]
    page = check_page(analyst, demo_server, path, charts, f"{name}, analyst")
    try:
        if name == "commentary, with the form":
            expect(page.locator("main form textarea")).to_be_visible()
    finally:
        page.close()
