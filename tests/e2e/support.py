"""Helpers shared by the browser tests (imported as tests.e2e.support; the fixtures are in
conftest.py next to this file)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import ConsoleMessage, Error, Locator, Page, ViewportSize, expect

from samhandling.demo.management.commands.seed_demo import DEMO_PASSWORD, PROFESSIONALS

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_PATH = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every user seed_demo creates: one professional per service in Skien, a teacher in Porsgrunn
# (a professional of another municipality), then one user per other role.
OTHER_MUNICIPALITY_PROFESSIONALS = ["laerer_porsgrunn"]
PROFESSIONAL_USERNAMES = [
    *(username for username, *_rest in PROFESSIONALS),
    *OTHER_MUNICIPALITY_PROFESSIONALS,
]
DEMO_USERNAMES = [*PROFESSIONAL_USERNAMES, "leder", "analytiker", "redaktor", "redaktor2", "admin"]

SIGN_OUT_BUTTON = "header form[action='/accounts/logout/'] button"


def check_axe(page: Page, context: str = "") -> None:
    """Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; fails listing every violation.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so the check works on a page that enforces the app's CSP as well as on one
    that bypasses it (add_script_tag would add an inline script, which the CSP refuses).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {page.url} {context}".rstrip()]
        for violation in violations:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation['helpUrl']}>"
            )
            for node in violation["nodes"]:
                lines.append(f"    target {json.dumps(node['target'])}: {node['html']}")
                if node["summary"]:
                    lines.append("      " + node["summary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


@functools.cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


# What the browser says when a page's Content-Security-Policy stops something.
CSP_REFUSAL_WORDS = ("Content Security Policy", "Refused to")


def watch_for_problems(page: Page) -> list[str]:
    """From now on, collects what goes wrong in the page's scripts: everything the browser
    refuses under the Content-Security-Policy, and uncaught script errors. Returns the list,
    which fills as the page is used; assert that it is empty."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if any(words in message.text for words in CSP_REFUSAL_WORDS):
            problems.append(f"{page.url}: {message.text}")

    def on_page_error(error: Error) -> None:
        problems.append(f"{page.url}: script error: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return problems


def login_form(page: Page) -> Locator:
    return page.locator("form:has(#id_username)")


def sign_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in through the form and waits for the page the server sends the user to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        login_form(page).locator("button[type=submit]").click()
    assert "/accounts/login/" not in page.url, (
        f"signing in as {username} failed: " + page.locator("main").inner_text()
    )


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.locator(SIGN_OUT_BUTTON).click()
    assert page.url.endswith("/accounts/login/"), page.url


def nb(text: Any, **values: Any) -> str:
    """The bokmål the app shows for a source string (a msgid or a lazy label), from the same
    compiled catalogue the servers use, so that selectors follow the translation."""
    with translation.override("nb"):
        translated = translation.gettext(text) if isinstance(text, str) else str(text)
    return translated % values if values else translated


def en(text: Any, **values: Any) -> str:
    with translation.override("en"):
        translated = translation.gettext(text) if isinstance(text, str) else str(text)
    return translated % values if values else translated


def search_people(page: Page, query: str) -> None:
    """Types the query in the search field and presses Enter (htmx swaps in the results)."""
    field = page.locator("#id_query")
    field.fill(query)
    with page.expect_response(
        lambda r: r.url.endswith("/people/") and r.request.method == "POST"
    ) as response_info:
        field.press("Enter")
    assert response_info.value.status == 200


# --- keyboard -------------------------------------------------------------------------------

# The element that has focus: whether it is visible, shows a focus indicator, and is new.
# Chromium's date and time inputs take one Tab per part (day, month, year), so focus stays on
# the same input for a few presses: that is `again`, not a trap.
_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const again = window.e2eLastFocused === el;
    window.e2eLastFocused = el;
    const box = el.getBoundingClientRect();
    // Designsystemet draws the focus ring of a checkbox or radio around its whole field.
    const toggle = el.matches("input[type=checkbox], input[type=radio]");
    const style = getComputedStyle(toggle ? el.closest(".ds-field") || el : el);
    const seen = !again && el.dataset.e2eFocused === "1";
    el.dataset.e2eFocused = "1";
    return {
        html: el.outerHTML.slice(0, 160),
        inMain: !!el.closest("main"),
        visible: box.width >= 1 && box.height >= 1 && style.visibility !== "hidden",
        indicator: el.matches(":focus-visible")
            && (style.outlineStyle !== "none" || style.boxShadow !== "none"),
        again,
        segmented: el.matches("input[type=date], input[type=datetime-local], input[type=time]"),
        seen,
        target: el.dataset.e2eTarget === "1",
    };
}"""


def assert_skip_link_works(page: Page, url: str) -> None:
    """On a fresh load, the first Tab reaches the skip link, and Enter moves focus to #main."""
    page.goto(url)
    page.keyboard.press("Tab")
    skip_link = page.locator("a.ds-skip-link")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None and box["width"] > 1 and box["height"] > 1, (
        "the skip link is not shown when it has focus"
    )
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def assert_keyboard_usable(page: Page, url: str, must_reach: str, limit: int = 300) -> int:
    """The skip link works, then Tab walks through everything in <main>: every stop is visible
    with a focus indicator, focus is never trapped, and the element `must_reach` (a selector
    for the page's main control) is among the stops. Returns the number of stops."""
    assert_skip_link_works(page, url)
    target = page.locator(must_reach).first
    expect(target).to_be_attached()
    target.evaluate("el => { el.dataset.e2eTarget = '1'; }")
    reached = False
    stops = repeats = 0
    while stops < limit:
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or not focused["inMain"]:
            break
        assert not focused["seen"], f"focus is trapped at {focused['html']} on {page.url}"
        if focused["again"]:
            repeats += 1
            assert focused["segmented"] and repeats <= 5, (
                f"Tab does not move focus from {focused['html']} on {page.url}"
            )
            continue
        repeats = 0
        assert focused["visible"], f"focus went to an invisible element on {page.url}: {focused}"
        assert focused["indicator"], f"no visible focus indicator on {page.url}: {focused}"
        reached = reached or focused["target"]
        stops += 1
    else:
        pytest.fail(f"more than {limit} tab stops in <main> on {page.url}")
    assert reached, f"{must_reach} is not reachable with Tab on {page.url}"
    return stops


def open_details(form: Locator) -> None:
    """Opens the <details> a form sits in (by keyboard, as a keyboard user would)."""
    details = form.locator("xpath=ancestor::details[1]")
    if details.get_attribute("open") is None:
        summary = details.locator("summary")
        summary.focus()
        summary.press("Enter")
        expect(details).to_have_attribute("open", "")


# --- the family's pages -----------------------------------------------------------------------

PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

# How the demo sign-in page describes each demo citizen (portal.views._demo_citizens), by the
# username seed_demo gives them (samhandling.demo.cases.CITIZENS).
CITIZEN_DESCRIPTIONS = {
    "ungdom": ("youth, %(age)d", {"age": 16}),
    "forelder": ("guardian of a child of %(age)d", {"age": 14}),
    "forelder_ungdom": ("no case", {}),
    "ung_voksen": ("youth, %(age)d", {"age": 20}),
}


def demo_citizen_card(page: Page, username: str) -> Locator:
    """The demo citizen's card on the demo sign-in page (which must be open)."""
    msgid, values = CITIZEN_DESCRIPTIONS[username]
    description = nb(msgid, **values)
    return page.locator("main li.ds-card").filter(
        has=page.locator("p", has_text=re.compile(rf"– {re.escape(description)}$"))
    )


def sign_in_as_citizen(page: Page, base_url: str, username: str) -> str:
    """Signs in on the demo sign-in page (demo mode only) as ID-porten would sign in a child,
    youth or guardian; returns their name. The button is pressed by keyboard."""
    page.goto(f"{base_url}/portal/demo-sign-in/")
    card = demo_citizen_card(page, username)
    expect(card).to_have_count(1)
    name = card.locator("strong").inner_text().strip()
    button = card.get_by_role("button")
    button.focus()
    with page.expect_navigation():
        button.press("Enter")
    assert page.url == f"{base_url}/portal/", f"signing in as {username} failed: {page.url}"
    return name


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Presses Tab until the target has focus, as a keyboard user moves through the page."""
    expect(target).to_be_attached()
    for _press in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{target} not reached with {limit} presses of Tab on {page.url}")


def check_axe_and_phone_width(page: Page, context: str = "") -> None:
    """axe at the page's width, then at a phone's width (375 px), where the page must also
    reflow without scrolling sideways (WCAG 1.4.10); the width is restored afterwards."""
    check_axe(page, f"{context} (desktop)".strip())
    before = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    try:
        check_axe(page, f"{context} (375 px)".strip())
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (
            f"{page.url} {context}: at 375 px the page scrolls sideways by {overflow} px"
        )
    finally:
        page.set_viewport_size(before)
